"""The login's own faults: a portal that is unreachable or hangs answers the 503 page within
SSO_HTTP_TIMEOUT_SECONDS (discovery and token calls included), and bearer tokens keep verifying
from the cached keys while the portal is away.

The stand-in portal answers a hanging request after HANG seconds with a valid answer, so a call
without a timeout would end in something other than the 503 page (a redirect, a 401): the
status tells whether the timeout applied, with no timing assertion.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

HANG = 6  # seconds a hanging portal takes to answer; the app's timeout is 1 s
AUDIENCE = "urn:hrm:api"


class FakePortal:
    """Discovery, JWKS and a token endpoint; `hang` makes every answer wait HANG seconds."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        public = jwk.construct(self.pem, "RS256").public_key().to_dict()
        self.kid = "fake-1"
        self.jwks = {"keys": [{**{k: v.decode() if isinstance(v, bytes) else v
                                  for k, v in public.items()},
                               "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        self.hang: set[str] = set()  # paths that hang ("*": all)
        self.served: list[str] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self) -> None:
                path = urlsplit(self.path).path
                portal.served.append(path)
                if "*" in portal.hang or path in portal.hang:
                    time.sleep(HANG)
                body = portal.document(path)
                data = json.dumps(body).encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def document(self, path: str) -> Any:
        if path == "/.well-known/openid-configuration":
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "userinfo_endpoint": f"{self.issuer}/userinfo",
                    "end_session_endpoint": f"{self.issuer}/logout"}
        if path == "/jwks":
            return self.jwks
        if path == "/token":  # a token answer without an ID token: a 401 page, not a 503
            return {"access_token": "x", "token_type": "Bearer", "expires_in": 60}
        return None

    def access_token(self, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": AUDIENCE, "sub": "u-1", "iat": now, "exp": now + 300,
                "jti": uuid.uuid4().hex, "name": "赵静", "division": "120000",
                "roles": ["HRM_GL"], **claims}
        return jwt.encode(body, self.pem, algorithm="RS256",
                          headers={"kid": kid or self.kid, "typ": "at+jwt"})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    fake = FakePortal()
    yield fake
    fake.close()


@pytest.fixture
def portal_app(make_app, portal):
    return make_app(PORTAL_DEV_MODE=False, SSO_ISSUER=portal.issuer, SSO_AUDIENCE=AUDIENCE,
                    SSO_CLIENT_SECRET="s", SSO_HTTP_TIMEOUT_SECONDS=1,
                    SSO_JWKS_MIN_REFETCH_SECONDS=1)


def test_a_hanging_discovery_answers_the_503_page_within_the_timeout(portal, portal_app):
    portal.hang.add("*")
    response = portal_app.test_client().get("/sso/login")
    assert response.status_code == 503, "without a timeout it would redirect after the hang"
    assert "门户暂时无法访问" in response.text


def test_a_hanging_token_call_answers_the_503_page_within_the_timeout(portal, portal_app):
    browser = portal_app.test_client()
    start = browser.get("/sso/login")
    assert start.status_code == 302 and start.headers["Location"].startswith(portal.issuer)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    portal.hang.add("/token")
    response = browser.get(f"/sso/callback?code=c-1&state={state}")
    assert "/token" in portal.served
    assert response.status_code == 503, "without a timeout the late answer would give a 401"
    assert "门户暂时无法访问" in response.text


def test_an_unreachable_portal_answers_the_503_page(make_app, portal):
    portal.close()
    app = make_app(PORTAL_DEV_MODE=False, SSO_ISSUER=portal.issuer, SSO_HTTP_TIMEOUT_SECONDS=1)
    response = app.test_client().get("/sso/login")
    assert response.status_code == 503 and "门户暂时无法访问" in response.text


def menu(app, token: str) -> int:
    return app.test_client().get("/portal/menu.json",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


def test_bearer_tokens_keep_verifying_from_the_cached_keys_while_the_portal_hangs(portal,
                                                                                 portal_app):
    assert menu(portal_app, portal.access_token()) == 200
    fetched = portal.served.count("/jwks")
    portal.hang.add("*")
    assert menu(portal_app, portal.access_token(sub="u-2")) == 200, "from the cached keys"
    assert portal.served.count("/jwks") == fetched, "the portal was not asked"
    time.sleep(1.1)  # past the 1 s refetch interval: an unknown kid may ask again
    assert menu(portal_app, portal.access_token(kid="rotated-kid")) == 401
    assert menu(portal_app, portal.access_token(sub="u-3")) == 200, "old keys kept"


def test_bearer_tokens_keep_verifying_when_the_portal_is_gone(portal, portal_app):
    assert menu(portal_app, portal.access_token()) == 200
    portal.close()
    assert menu(portal_app, portal.access_token(sub="u-2")) == 200
