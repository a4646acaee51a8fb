"""The plugin's own short browser session: a few verified claims, never raw tokens."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin
from werkzeug.wrappers import Response

SESSION_KEY = "hrm_user"
KEPT_CLAIMS = ("sub", "name", "division", "roles", "org_credit_code", "amr")


class PluginSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions under the plugin's own cookie name and path (the mount prefix).

    The cookie expires with the signed-in user's token. When the bundle is mounted in a host
    app, requests outside the bundle keep using the host's own session interface.
    """

    def __init__(self, url_prefix: str = "", fallback: SessionInterface | None = None) -> None:
        self.url_prefix = url_prefix.rstrip("/")
        self.fallback = fallback

    def _ours(self, req: Request) -> bool:
        return self.fallback is None or req.path.startswith(self.url_prefix + "/")

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if not self._ours(request):
            return self.fallback.open_session(app, request)  # type: ignore[union-attr]
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not self._ours(request):
            return self.fallback.save_session(app, session, response)  # type: ignore[union-attr]
        return super().save_session(app, session, response)

    def get_cookie_name(self, app: Flask) -> str:
        return app.config["HRM_SESSION_COOKIE_NAME"]

    def get_cookie_path(self, app: Flask) -> str:
        # script_root carries the mount prefix (SCRIPT_NAME or the trusted X-Forwarded-Prefix).
        return (request.script_root + self.url_prefix) or "/"

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> dt.datetime | None:
        user = session.get(SESSION_KEY)
        if user:
            return dt.datetime.fromtimestamp(user["exp"], dt.UTC)
        return None


def start(user: Mapping[str, Any], *, token_exp: float, max_seconds: int) -> None:
    """Begin a session for a user's standard claims; it ends with the token, or earlier."""
    session.clear()
    session[SESSION_KEY] = {
        **{claim: user.get(claim) for claim in KEPT_CLAIMS},
        "exp": int(min(token_exp, time.time() + max_seconds)),
    }


def current_claims() -> dict[str, Any] | None:
    """The claims of a live session, clearing it once it has expired."""
    user = session.get(SESSION_KEY)
    if not user:
        return None
    if not isinstance(user, dict) or user.get("exp", 0) <= time.time():
        session.pop(SESSION_KEY, None)
        return None
    return user


def end() -> None:
    session.clear()
