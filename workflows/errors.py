"""Service errors: what went wrong in the service layer, for the API (JSON) and pages alike."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with an HTTP status, a machine code and a Chinese message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Malformed(ServiceError):
    status = 400
    code = "malformed"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Invalid(ServiceError):
    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str = "提交的内容有误，请按提示修改") -> None:
        super().__init__(message, fields=fields)


STALE = "该数据已被他人处理，请刷新"
