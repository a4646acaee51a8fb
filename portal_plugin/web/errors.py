"""The error handlers: refusals and crashes as Chinese pages or CONTRACT.md's JSON."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from portal_plugin.core.access import NoAccess, current_identity
from portal_plugin.core.errors import TITLES, ServiceError, json_error, page_error, wants_json

log = logging.getLogger(__name__)

NO_ACCESS = "未获授权，请联系门户管理员"


def handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if wants_json():
        return json_error(status, (exc.name or "error").lower().replace(" ", "_"),
                          TITLES.get(status, exc.name or ""))
    if status == 401 and request.method == "GET":
        return redirect(url_for("hrm.sso.login", next=request.full_path.rstrip("?")))
    return page_error(status)


def handle_no_access(exc: NoAccess) -> Response:
    identity = current_identity()
    reason = identity.denied_reason if identity else None
    if wants_json():
        return json_error(403, "no_access", NO_ACCESS)
    return page_error(403, reason or "您的门户账号尚未分配本系统的业务角色。", NO_ACCESS)


def handle_service(exc: ServiceError) -> Response:
    """A refusal from the service layer: its status, code and Chinese message."""
    if wants_json():
        extra = {"fields": exc.fields} if exc.fields else {}
        return json_error(exc.status, exc.code, exc.message, **extra)
    return page_error(exc.status, exc.message)


def handle_csrf(exc: CSRFError) -> Response:
    if wants_json():
        return json_error(400, "csrf", "缺少或无效的CSRF令牌")
    return page_error(400, "页面已过期或来源无效，请刷新页面后重试。", "请求已失效")


def handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unhandled error on %s", request.path)
    return handle_http(InternalServerError())


def register_bundle_handlers(bundle: Blueprint) -> None:
    bundle.register_error_handler(NoAccess, handle_no_access)
    bundle.register_error_handler(ServiceError, handle_service)
    bundle.register_error_handler(CSRFError, handle_csrf)
    bundle.register_error_handler(HTTPException, handle_http)


def register_app_handlers(app: Flask) -> None:
    """Standalone only: unknown URLs and crashes also answer in the bundle's style."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
