"""The error handlers: refusals and crashes as Chinese pages or CONTRACT.md's JSON."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from portal_plugin.core.access import NoAccess, current_identity
from portal_plugin.core.errors import TITLES, ServiceError, json_error, page_error, wants_json
from portal_plugin.core.extensions import db

log = logging.getLogger(__name__)

NO_ACCESS = "未获授权，请联系门户管理员"
UNAVAILABLE = "数据库暂时无法访问，请稍后再试。"
# What a database that is down, frozen or out of connections raises (core.dbguard bounds the
# wait): the request answers 503 at once; the same processes recover when it is back.
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                 sa_exc.DisconnectionError)
# The headers an HTTP error carries to its answer (405's Allow, 401's challenge...).
KEPT_HEADERS = ("Allow", "Retry-After")


def handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if wants_json():
        response = json_error(status, (exc.name or "error").lower().replace(" ", "_"),
                              TITLES.get(status, exc.name or ""))
    elif status == 401 and request.method == "GET":
        return redirect(url_for("hrm.sso.login", next=request.full_path.rstrip("?")))
    else:
        response = page_error(status)
    for name, value in exc.get_headers():
        if name in KEPT_HEADERS:
            response.headers[name] = value
    return response


def handle_database_down(exc: Exception) -> Response:
    """The database is unreachable: 503 (page or JSON), never a 500 or a hang."""
    log.warning("database unavailable on %s: %s", request.path, type(exc).__name__)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone; the session is reset
        db.session.remove()
    response = (json_error(503, "unavailable", UNAVAILABLE) if wants_json()
                else page_error(503, UNAVAILABLE))
    response.headers["Retry-After"] = "5"
    return response


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
    if isinstance(exc, DATABASE_DOWN):
        return handle_database_down(exc)
    log.exception("unhandled error on %s", request.path)
    return handle_http(InternalServerError())


def register_bundle_handlers(bundle: Blueprint) -> None:
    bundle.register_error_handler(NoAccess, handle_no_access)
    bundle.register_error_handler(ServiceError, handle_service)
    bundle.register_error_handler(CSRFError, handle_csrf)
    bundle.register_error_handler(HTTPException, handle_http)
    for kind in DATABASE_DOWN:
        bundle.register_error_handler(kind, handle_database_down)


def register_app_handlers(app: Flask) -> None:
    """Standalone only: unknown URLs and crashes also answer in the bundle's style."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ServiceError, handle_service)
    for kind in DATABASE_DOWN:
        app.register_error_handler(kind, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
