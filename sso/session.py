"""The plugin's browser sessions, kept server-side: a row per session, an opaque id in the cookie.

The cookie carries only a random id (`secrets.token_urlsafe`); the row (table
`plugin_sessions`, keyed by the id's SHA-256 so the table holds nothing a cookie can be made
from) holds the few verified claims identity needs — never a raw token — and the login's
transient state (authlib's state and nonce, the CSRF token). Deleting the row ends the session
on every host at once: 退出, the portal's back-channel logout, expiry. A session ends with the
signed-in user's token or after `SSO_SESSION_MAX_SECONDS`, whichever is first; a session
without a signed-in user after `SSO_LOGIN_SESSION_SECONDS`. Signing in starts a new id (no
fixation), and the claims — roles included — are read afresh from the portal at every login,
so a renewal (the portal's silent re-login once a session has ended) re-reads the roles.

When the bundle is mounted in a host app, requests outside the bundle keep using the host's
own session interface.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import random
import secrets
import time
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask, Request, current_app, has_app_context, request, session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import PluginSession, UsedLogoutToken

log = logging.getLogger(__name__)

SESSION_KEY = "hrm_user"
KEPT_CLAIMS = ("sub", "name", "division", "roles", "org_credit_code", "amr", "sid")
MAX_COOKIE_LENGTH = 128
PURGE_ONE_IN = 50  # new sessions that also delete the expired rows


@contextlib.contextmanager
def _connection(app: Flask, *, write: bool = False) -> Iterator[Any]:
    """A connection of its own (never the request's transaction) for the writes; the test client's
    session_transaction calls the interface without an app context, so one is pushed then."""
    ctx = None if has_app_context() else app.app_context()
    if ctx is not None:
        ctx.push()
    try:
        with db.engine.begin() if write else db.engine.connect() as conn:
            yield conn
    finally:
        if ctx is not None:
            ctx.pop()


# Every request with a cookie reads its session: the statement is built once, on the table
# (a Core statement: the ORM's execution and result layers cost more than the read).
_SESSIONS = PluginSession.__table__
_READ = select(_SESSIONS.c.data).where(_SESSIONS.c.id == bindparam("id"),
                                       _SESSIONS.c.expires_at > bindparam("now"))


def _read(app: Flask, values: dict[str, Any]) -> Any:
    """The session's row. In a request it is read on the request's own connection (one
    checkout, ping and rollback fewer: 3 % of a list page's CPU); a read changes nothing, so
    sharing the transaction is harmless, and a failure fails the request anyway (`check`).
    Writes keep their own transaction (`_connection`), committed whatever the request does."""
    if has_app_context():
        return db.session.connection().execute(_READ, values).first()
    with _connection(app) as conn:
        return conn.execute(_READ, values).first()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):  # type: ignore[type-arg]
    """The session's data; `token` is the cookie's id (None until stored)."""

    def __init__(self, initial: Mapping[str, Any] | None = None, token: str | None = None,
                 stale_cookie: bool = False) -> None:
        def on_update(self: ServerSession) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.new = token is None
        self.modified = False
        # Start a new id at the next save (sign-in, sign-out): the old row is deleted.
        self.rotate = False
        # The browser sent an id that is unknown or expired: its cookie is cleared.
        self.stale_cookie = stale_cookie
        # The database could not be read; raised again inside the request (see `check`).
        self.unavailable: Exception | None = None


class PluginSessionInterface(SessionInterface):
    """Server-side sessions under the plugin's own cookie name and path (the mount prefix)."""

    def __init__(self, url_prefix: str = "", fallback: SessionInterface | None = None) -> None:
        self.url_prefix = url_prefix.rstrip("/")
        self.fallback = fallback

    def _ours(self, req: Request) -> bool:
        return self.fallback is None or req.path.startswith(self.url_prefix + "/")

    def get_cookie_name(self, app: Flask) -> str:
        return app.config["HRM_SESSION_COOKIE_NAME"]

    def get_cookie_path(self, app: Flask) -> str:
        # script_root carries the mount prefix (SCRIPT_NAME or the trusted X-Forwarded-Prefix).
        return (request.script_root + self.url_prefix) or "/"

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if not self._ours(request):
            return self.fallback.open_session(app, request)  # type: ignore[union-attr]
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        if len(token) > MAX_COOKIE_LENGTH:
            return ServerSession(stale_cookie=True)
        try:
            row = _read(app, {"id": _digest(token), "now": utcnow()})
        except SQLAlchemyError as exc:
            # Raised again from a before_request hook, where the error handlers answer it.
            broken = ServerSession()
            broken.unavailable = exc
            return broken
        if row is None:
            return ServerSession(stale_cookie=True)
        return ServerSession(row.data or {}, token=token)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not self._ours(request):
            return self.fallback.save_session(app, session, response)  # type: ignore[union-attr]
        assert isinstance(session, ServerSession)
        if session.unavailable is not None:
            return
        name, path = self.get_cookie_name(app), self.get_cookie_path(app)
        domain = self.get_cookie_domain(app)
        old = session.token
        if session.rotate and old is not None:
            _delete_rows(app, PluginSession.id == _digest(old))
            session.token = None
        if not session:
            if old is not None or session.stale_cookie:
                response.delete_cookie(name, path=path, domain=domain)
            if session.token is not None:
                _delete_rows(app, PluginSession.id == _digest(session.token))
            return
        if not (session.modified or session.rotate or session.token is None):
            return
        expires = self._expiry(app, session)
        user = session.get(SESSION_KEY) or {}
        values = {"data": dict(session), "expires_at": expires,
                  "sub": user.get("sub"), "sid": user.get("sid")}
        with _connection(app, write=True) as conn:
            if session.token is None:
                session.token = secrets.token_urlsafe(32)
                conn.execute(insert(PluginSession).values(id=_digest(session.token),
                                                          created_at=utcnow(), **values))
                if random.randrange(PURGE_ONE_IN) == 0:
                    purge_expired(conn)
            else:
                done = conn.execute(update(PluginSession)
                                    .where(PluginSession.id == _digest(session.token))
                                    .values(**values))
                if not done.rowcount:
                    # Ended meanwhile (退出 in another tab, a back-channel logout): never revive it.
                    response.delete_cookie(name, path=path, domain=domain)
                    return
        response.set_cookie(
            name, session.token, path=path, domain=domain,
            expires=expires if user else None,
            httponly=self.get_cookie_httponly(app), secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def _expiry(self, app: Flask, session: SessionMixin) -> dt.datetime:
        user = session.get(SESSION_KEY)
        if user:
            return dt.datetime.fromtimestamp(user["exp"], dt.UTC)
        return utcnow() + dt.timedelta(seconds=app.config["SSO_LOGIN_SESSION_SECONDS"])


def check() -> None:
    """A before_request hook: a session the database could not read fails the request here."""
    broken = getattr(session, "unavailable", None)
    if broken is not None:
        raise broken


def _delete_rows(app: Flask, *where: Any) -> int:
    with _connection(app, write=True) as conn:
        return int(conn.execute(delete(PluginSession).where(*where)).rowcount or 0)


def purge_expired(conn: Any) -> None:
    now = utcnow()
    conn.execute(delete(PluginSession).where(PluginSession.expires_at <= now))
    conn.execute(delete(UsedLogoutToken).where(UsedLogoutToken.expires_at <= now))


def payload(user: Mapping[str, Any], *, token_exp: float, max_seconds: int) -> dict[str, Any]:
    """What a signed-in session keeps of a user's standard claims, and when it ends."""
    return {
        **{claim: user.get(claim) for claim in KEPT_CLAIMS},
        "exp": int(min(token_exp, time.time() + max_seconds)),
    }


def start(user: Mapping[str, Any], *, token_exp: float, max_seconds: int,
          into: SessionMixin | None = None) -> None:
    """Begin a new session (a new id) for a user's standard claims; it ends with the token."""
    target = session if into is None else into
    target.clear()
    target[SESSION_KEY] = payload(user, token_exp=token_exp, max_seconds=max_seconds)
    target.rotate = True  # type: ignore[attr-defined]


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
    """End this session everywhere: its row is deleted, its cookie cleared."""
    session.clear()
    session.rotate = True  # type: ignore[attr-defined]


def end_for(*, sub: str | None, sid: str | None) -> int:
    """End the sessions of a portal session (`sid`) or, without one, of a user (`sub`)."""
    if sid is not None:
        where = [PluginSession.sid == sid]
        if sub is not None:
            where.append(PluginSession.sub == sub)
        return _delete_rows(current_app, and_(*where))
    if sub is not None:
        return _delete_rows(current_app, PluginSession.sub == sub)
    return 0


def use_logout_token(jti: str, exp: float) -> bool:
    """Record a logout token's `jti`; False if it was used before (a replay)."""
    expires = dt.datetime.fromtimestamp(exp, dt.UTC) + dt.timedelta(minutes=5)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(UsedLogoutToken).values(jti=jti, expires_at=expires))
    except IntegrityError:
        return False
    return True
