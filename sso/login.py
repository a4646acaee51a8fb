"""Browser login against the portal: OIDC code flow with PKCE and nonce (authlib), and logout."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from portal_plugin.core.access import public
from portal_plugin.core.errors import page_error
from sso import session as plugin_session
from sso.auth import sso_for
from sso.claims import merge_userinfo
from sso.tokens import TokenError

log = logging.getLogger(__name__)

bp = Blueprint("sso", __name__, url_prefix="/sso")
BLUEPRINTS = (bp,)
NEXT_KEY = "hrm_next"


def register_client(app: Flask) -> None:
    """Register the portal as authlib's OIDC client when SSO_ISSUER is configured."""
    cfg = app.config
    if not cfg.get("SSO_ISSUER"):
        return
    # One OAuth registry per app: authlib's registry is per instance, not per app.
    app.extensions["hrm_portal_client"] = OAuth(app).register(
        "portal",
        client_id=cfg["SSO_CLIENT_ID"],
        client_secret=cfg.get("SSO_CLIENT_SECRET"),
        server_metadata_url=cfg["SSO_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        # default_timeout bounds every call authlib makes: discovery, token, JWKS, userinfo
        # (a plain "timeout" here would only set an attribute requests ignores).
        client_kwargs={"scope": cfg["SSO_SCOPE"], "code_challenge_method": "S256",
                       "default_timeout": cfg["SSO_HTTP_TIMEOUT_SECONDS"]},
    )


def portal_client() -> Any:
    return current_app.extensions["hrm_portal_client"]


def portal_unreachable(exc: Exception) -> Response:
    log.warning("portal unreachable: %s", exc)
    return page_error(503, "暂时无法连接金保二期门户，请稍后从门户重新进入。", "门户暂时无法访问")


def safe_next(target: str | None) -> str:
    """A local path inside the bundle to return to after login; anything else → the workbench."""
    home = url_for("hrm.pages.workbench")
    if not target or "\\" in target or target.startswith("//"):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(home):
        return home
    return target


@bp.get("/login")
@public
def login() -> Response:
    """Send the browser to the portal to sign in (silently when already signed in there)."""
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    if current_app.config.get("SSO_ISSUER"):
        extra = {}
        hint = request.args.get("login_hint")
        if hint:
            extra["login_hint"] = hint[:200]
        try:
            return portal_client().authorize_redirect(url_for(".callback", _external=True),
                                                      **extra)
        except requests.RequestException as exc:
            return portal_unreachable(exc)
    if current_app.config.get("PORTAL_DEV_MODE"):
        return redirect(url_for("hrm.dev_portal.login_page", next=session[NEXT_KEY]))
    return page_error(503, "未配置门户（SSO_ISSUER），无法登录，请联系系统管理员。", "门户登录未配置")


@bp.get("/callback")
@public
def callback() -> Response:
    """Finish the portal login: verify the ID token, keep a few claims, go on."""
    if not current_app.config.get("SSO_ISSUER"):
        return redirect(url_for("hrm.pages.workbench"))
    sso = sso_for(current_app)
    try:
        client = portal_client()
        token = client.authorize_access_token()
        claims = sso.verifier.verify_id_token(
            token["id_token"], audience=current_app.config["SSO_CLIENT_ID"]
        )
        # The business claims may come only from userinfo (authlib fetches it with the token).
        userinfo = (client.userinfo(token=token)
                    if client.load_server_metadata().get("userinfo_endpoint") else None)
        claims = merge_userinfo(claims, userinfo, sso.claim_names)
    except requests.RequestException as exc:
        return portal_unreachable(exc)
    except (OAuthError, TokenError, KeyError, ValueError) as exc:
        log.warning("portal login failed: %s", exc)
        return page_error(401, "门户登录未能完成，请返回门户重新进入。", "登录失败")
    roles_claim = sso.claim_names.roles
    if claims.get(roles_claim) is None:
        log.warning("portal login of %s: the portal released no %r claim", claims.get("sub"),
                    roles_claim)
        return page_error(
            403,
            f"门户未发放本系统所需的声明 {roles_claim}（业务角色），请门户管理员在本系统所请求的 "
            f"scope（{current_app.config['SSO_SCOPE']}）下发放该声明。",
            f"缺少门户声明 {roles_claim}")
    if token.get("expires_at"):
        claims["exp"] = min(claims["exp"], token["expires_at"])
    target = session.get(NEXT_KEY)
    sso.start_session(claims)
    return redirect(safe_next(target))


@bp.post("/backchannel-logout")
@public
def backchannel_logout() -> Response:
    """OpenID Connect Back-Channel Logout: the portal ends a portal session (`sid`) or all of a
    user's sessions (`sub`) by posting a signed logout token; a replayed token is refused."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    headers = {"Cache-Control": "no-store"}
    try:
        claims = sso_for(app).verifier.verify_logout_token(
            request.form.get("logout_token", ""), audience=app.config["SSO_CLIENT_ID"])
    except TokenError as exc:
        log.info("back-channel logout refused: %s", exc)
        return _logout_error(str(exc), headers)
    if not plugin_session.use_logout_token(claims["jti"], float(claims["exp"])):
        log.info("back-channel logout refused: logout token replayed")
        return _logout_error("logout token replayed", headers)
    ended = plugin_session.end_for(sub=claims.get("sub"), sid=claims.get("sid"))
    log.info("back-channel logout ended %d session(s)", ended)
    return Response("", 200, headers)


# The portal posts without a CSRF token: the logout token's signature is the proof.
backchannel_logout.hrm_no_csrf = True  # type: ignore[attr-defined]


def _logout_error(reason: str, headers: dict[str, str]) -> Response:
    return Response(json.dumps({"error": "invalid_request", "error_description": reason}), 400,
                    {**headers, "Content-Type": "application/json"})


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout() -> Response:
    """End the plugin session and continue to the portal's logout."""
    plugin_session.end()
    if current_app.config.get("SSO_ISSUER"):
        try:
            end_session = portal_client().load_server_metadata().get("end_session_endpoint")
        except requests.RequestException as exc:
            return portal_unreachable(exc)
        if end_session:
            query = urlencode({"client_id": current_app.config["SSO_CLIENT_ID"]})
            return redirect(f"{end_session}?{query}")
    if current_app.config.get("PORTAL_DEV_MODE"):
        return redirect(url_for("hrm.dev_portal.login_page"))
    return Response(render_template("hrm/sso/logged_out.html"))
