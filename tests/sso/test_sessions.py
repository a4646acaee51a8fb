"""Server-side sessions: an opaque id in the cookie, a row in the database that 退出 and the
portal's back-channel logout delete (on every host at once); logout tokens verified strictly."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt
from sqlalchemy import select, update

from portal_plugin.core.extensions import db
from portal_plugin.core.models import PluginSession
from sso.devportal import DEV_ISSUER, dev_portal_for
from sso.tokens import LOGOUT_EVENT
from tests.conftest import csrf_token_from

BACKCHANNEL = "/sso/backchannel-logout"


def cookie_of(browser) -> str:
    cookie = browser.get_cookie("hrm_session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def copy_of(app, browser):
    """Another browser holding a copy of this one's session cookie."""
    thief = app.test_client()
    thief.set_cookie("hrm_session", cookie_of(browser))
    return thief


def signed_in(browser) -> bool:
    response = browser.get("/")
    if response.status_code == 302:
        assert "/sso/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def logout_token(app, *, key: bytes | None = None, headers: dict[str, Any] | None = None,
                 drop: tuple[str, ...] = (), **claims: Any) -> str:
    """A logout token signed by the dev portal (a trusted issuer in these tests) unless `key`."""
    with app.app_context():
        dev = dev_portal_for(app)
        now = int(time.time())
        body = {"iss": DEV_ISSUER, "aud": app.config["SSO_CLIENT_ID"], "iat": now,
                "exp": now + 120, "jti": uuid.uuid4().hex, "events": {LOGOUT_EVENT: {}},
                **claims}
        for name in drop:
            body.pop(name, None)
        return jwt.encode(body, (key or dev._private_pem).decode(), algorithm="RS256",
                          headers={"kid": dev.public_jwk["kid"], "typ": "logout+jwt",
                                   **(headers or {})})


def post_logout(app, token: str):
    return app.test_client().post(BACKCHANNEL, data={"logout_token": token})


def test_the_cookie_holds_only_an_opaque_id_and_the_row_its_digest(app, login_as):
    browser = login_as("HRM_SL")
    value = cookie_of(browser)
    assert len(value) <= 64 and "." not in value, "no signed payload in the cookie"
    with app.app_context():
        row = db.session.get(PluginSession, hashlib.sha256(value.encode()).hexdigest())
        assert row is not None and row.sub == "HRM_SL@120101"
        assert row.data["hrm_user"]["roles"] == ["HRM_SL"]
        assert db.session.get(PluginSession, value) is None, "the id itself is not stored"


def test_logout_ends_a_copied_cookie_too(app, client):
    page = client.get("/dev-portal/")
    client.post("/dev-portal/login", data={"csrf_token": csrf_token_from(page.text),
                                           "user": "hp-sl"})
    thief = copy_of(app, client)
    assert signed_in(thief), "a copy works while the session lives"
    token = csrf_token_from(client.get("/").text)
    assert client.post("/sso/logout", data={"csrf_token": token}).status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief), "the copied cookie is refused after 退出"
    assert not any(_datas(app)), "no row holds a signed-in user any more"


def _datas(app) -> list[dict]:
    with app.app_context():
        return [row.get("hrm_user") for row in db.session.scalars(select(PluginSession.data))]


def test_signing_in_again_starts_a_new_session_with_the_roles_read_again(app, login_as):
    first = login_as("HRM_SL", sub="u-1")
    old = cookie_of(first)
    with first.session_transaction() as session, app.app_context():
        # the portal now grants 业务管理岗: the next login (a renewal) reads that
        sso = app.extensions["hrm_sso"]
        dev = dev_portal_for(app)
        claims = sso.verifier.verify_id_token(
            dev.mint({"sub": "u-1", "name": "甲", "division": "120000", "roles": ["HRM_GL"]},
                     access=False), audience=app.config["SSO_CLIENT_ID"])
        sso.start_session(claims, into=session)
    assert cookie_of(first) != old, "a new id at sign-in"
    stale = app.test_client()
    stale.set_cookie("hrm_session", old)
    assert not signed_in(stale), "the old id is gone"
    menu = first.get("/portal/menu.json").json
    labels = [item["label"] for group in menu["groups"] for item in group["items"]]
    assert "机构管理" in labels and "行政许可受理" not in labels


def test_a_session_whose_row_expired_is_refused(app, login_as):
    browser = login_as("HRM_SL")
    with app.app_context():
        db.session.execute(update(PluginSession).values(
            expires_at=PluginSession.created_at))
        db.session.commit()
    assert not signed_in(browser)


def test_back_channel_logout_by_sub_ends_every_session_of_that_user(app, login_as):
    laptop, phone = login_as("HRM_SL", sub="alice"), login_as("HRM_SL", sub="alice")
    other = login_as("HRM_SH", sub="bob")
    response = post_logout(app, logout_token(app, sub="alice"))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other)


def test_back_channel_logout_by_sid_ends_that_portal_session_only(app, login_as):
    here, there = login_as("HRM_SL", sub="alice", sid="s-1"), login_as("HRM_SL", sub="alice",
                                                                         sid="s-2")
    assert post_logout(app, logout_token(app, sid="s-1")).status_code == 200
    assert not signed_in(here) and signed_in(there)
    # sid and sub together must both match
    assert post_logout(app, logout_token(app, sid="s-2", sub="mallory")).status_code == 200
    assert signed_in(there)


def test_a_replayed_logout_token_is_refused(app, login_as):
    token = logout_token(app, sub="alice")
    assert post_logout(app, token).status_code == 200
    browser = login_as("HRM_SL", sub="alice")
    replay = post_logout(app, token)
    assert replay.status_code == 400 and replay.json["error"] == "invalid_request"
    assert "replayed" in replay.json["error_description"]
    assert signed_in(browser)


def other_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


FORGERIES = {
    "another key, the same kid": lambda app: logout_token(app, key=other_key(), sub="alice"),
    "untrusted issuer": lambda app: logout_token(app, sub="alice", iss="https://evil.example"),
    "another audience": lambda app: logout_token(app, sub="alice", aud="another-client"),
    "no audience": lambda app: logout_token(app, sub="alice", drop=("aud",)),
    "expired": lambda app: logout_token(app, sub="alice", iat=int(time.time()) - 600,
                                        exp=int(time.time()) - 300),
    "no events": lambda app: logout_token(app, sub="alice", drop=("events",)),
    "another event": lambda app: logout_token(
        app, sub="alice", events={"http://schemas.openid.net/event/other": {}}),
    "event not an object": lambda app: logout_token(app, sub="alice",
                                                    events={LOGOUT_EVENT: "yes"}),
    "a nonce": lambda app: logout_token(app, sub="alice", nonce="n-1"),
    "neither sid nor sub": lambda app: logout_token(app),
    "no jti": lambda app: logout_token(app, sub="alice", drop=("jti",)),
    "an access token": lambda app: logout_token(app, sub="alice", headers={"typ": "at+jwt"}),
    "alg none": lambda app: logout_token(app, sub="alice").split(".")[0][:0] + ".".join([
        "eyJhbGciOiJub25lIiwidHlwIjoibG9nb3V0K2p3dCJ9",
        logout_token(app, sub="alice").split(".")[1], ""]),
    "not a token": lambda app: "not-a-token",
    "missing": lambda app: "",
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_logout_token_is_refused_and_ends_nothing(app, login_as, forgery):
    browser = login_as("HRM_SL", sub="alice")
    response = post_logout(app, FORGERIES[forgery](app))
    assert response.status_code == 400 and response.json["error"] == "invalid_request"
    assert signed_in(browser)


def test_back_channel_logout_needs_no_csrf_token_but_pages_still_do(app, login_as):
    browser = login_as("HRM_SL")
    assert browser.post("/sso/logout").status_code == 400, "退出 without CSRF is refused"
    assert signed_in(browser)
