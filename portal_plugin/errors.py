"""Errors as Chinese pages for browsers and as CONTRACT.md's JSON for the API and hooks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from portal_plugin.access import NoAccess, current_identity
from workflows.errors import ServiceError

log = logging.getLogger(__name__)

TITLES = {
    400: "请求有误",
    401: "未登录或登录已过期",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的操作",
    409: "数据已变化",
    413: "上传内容过大",
    422: "输入有误",
    500: "系统内部错误",
    503: "服务暂不可用",
}
MESSAGES = {
    401: "请从门户重新进入本系统。",
    403: "您的业务角色无权使用此功能。",
    404: "您访问的内容不存在，或不在您的管辖范围内。",
    500: "系统出现异常，请稍后再试；如持续出现请联系系统管理员。",
}
NO_ACCESS = "未获授权，请联系门户管理员"


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
        "errors/error.html",
        code=status,
        title=title or TITLES.get(status, "出错了"),
        message=message or MESSAGES.get(status, ""),
    )
    return Response(body, status, mimetype="text/html")


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
