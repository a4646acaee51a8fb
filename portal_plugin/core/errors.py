"""Errors: the service layer's refusals, and how any error answers (a Chinese page or JSON)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from werkzeug.wrappers import Response


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


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class Invalid(ServiceError):
    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str = "提交的内容有误，请按提示修改") -> None:
        super().__init__(message, fields=fields)


STALE = "该数据已被他人处理，请刷新"

TITLES = {
    400: "请求有误",
    401: "未登录或登录已过期",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的操作",
    409: "数据已变化",
    413: "上传内容过大",
    422: "输入有误",
    429: "请求过于频繁，请稍后再试",
    500: "系统内部错误",
    503: "服务暂不可用",
}
MESSAGES = {
    401: "请从门户重新进入本系统。",
    403: "您的业务角色无权使用此功能。",
    404: "您访问的内容不存在，或不在您的管辖范围内。",
    500: "系统出现异常，请稍后再试；如持续出现请联系系统管理员。",
}


def wants_json() -> bool:
    """API, portal hooks and JSON clients get JSON; browsers get pages."""
    blueprint = request.blueprint or ""
    if (blueprint.startswith(("hrm.api", "hrm.portal")) or request.path.endswith(".json")
            or "/api/v1/" in request.path):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    response = jsonify({"error": {"code": code, "message": message, **extra}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hrm"'
    return response


def page_error(status: int, message: str | None = None, title: str | None = None) -> Response:
    body = render_template(
        "hrm/errors/error.html",
        code=status,
        title=title or TITLES.get(status, "出错了"),
        message=message or MESSAGES.get(status, ""),
    )
    return Response(body, status, mimetype="text/html")
