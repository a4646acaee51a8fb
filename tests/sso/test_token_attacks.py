"""Forged, altered and malformed bearer tokens against GET /portal/menu.json: every one is a 401.

A test issuer ("https://portal.test") with its own RSA key and a counting JWKS fetch function is
registered on the app's verifier; tokens are signed with python-jose, or by hand where jose refuses
to produce the malicious form.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from jose import jwt

from sso.devportal import DEV_ISSUER, dev_portal_for
from sso.tokens import MAX_TOKEN_BYTES, KeySet
from tests.conftest import FakeClock

ISSUER = "https://portal.test"
KID = "portal-key-1"
MENU = "/portal/menu.json"
ACCESS_HEADER = {"typ": "at+jwt"}


# --- keys and hand-made tokens ------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_int(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with its kid, in every form an attacker might try to abuse."""

    kid: str
    private: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def private_pem(self) -> str:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def public_pkcs1_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)

    @property
    def public_der(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                "n": b64url_int(numbers.n), "e": b64url_int(numbers.e)}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}

    def certificate_der(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.test")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.private.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                .sign(self.private, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.DER)

    def sign_rs256(self, signing_input: bytes) -> bytes:
        return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def forge(header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes,
          sign: Callable[[bytes], bytes] | None = None) -> str:
    """A compact JWS built by hand: any header, any payload, any (or no) signature."""
    head = header if isinstance(header, bytes) else json_bytes(header)
    body = payload if isinstance(payload, bytes) else json_bytes(payload)
    signing_input = f"{b64url(head)}.{b64url(body)}"
    signature = b64url(sign(signing_input.encode())) if sign else ""
    return f"{signing_input}.{signature}"


def hs256_with(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


@pytest.fixture(scope="module")
def portal_key() -> SigningKey:
    return SigningKey.generate(KID)


@pytest.fixture(scope="module")
def attacker_key() -> SigningKey:
    return SigningKey.generate("attacker-key")


@pytest.fixture(scope="module")
def rotated_key() -> SigningKey:
    return SigningKey.generate("portal-key-2")


# --- the test issuer ----------------------------------------------------------------------------


class Portal:
    """The test issuer: publishes a JWKS through a counting fetch function and signs tokens."""

    def __init__(self, app: Flask, key: SigningKey) -> None:
        self.app = app
        self.key = key
        self.published: list[SigningKey] = [key]
        self.fetch_error: Exception | None = None
        self.fetch_calls = 0
        self.clock = FakeClock()
        self.keyset = KeySet(self.fetch, clock=self.clock)

    def fetch(self) -> dict[str, Any]:
        self.fetch_calls += 1
        if self.fetch_error is not None:
            raise self.fetch_error
        return {"keys": [key.jwk for key in self.published]}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": self.app.config["SSO_AUDIENCE"],
            "sub": "portal-user-42",
            "name": "陈晨",
            "division": "120101",
            "roles": ["HRM_SL"],
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, *, key: SigningKey | None = None, kid: str | None = None,
              headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """An access token signed with python-jose (RS256; the portal's key and kid by default)."""
        key = key or self.key
        header = {"kid": kid or key.kid, **ACCESS_HEADER, **(headers or {})}
        return jwt.encode(self.claims(**claims), key.private_pem, algorithm="RS256", headers=header)


@pytest.fixture
def portal(app: Flask, portal_key: SigningKey) -> Portal:
    """The test issuer, trusted by the app, its JWKS fetched once; the refetch window is open."""
    portal = Portal(app, portal_key)
    app.extensions["hrm_sso"].verifier.issuers[ISSUER] = portal.keyset
    assert portal.keyset.get(KID) is not None
    assert portal.fetch_calls == 1
    portal.clock.advance(31)
    return portal


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch, attacker_key: SigningKey) -> Iterator[list[str]]:
    """Every URL the app tries to fetch; answered with the attacker's JWKS as if it were served."""
    urls: list[str] = []

    class Served:
        status_code = 200

        def json(self) -> dict[str, Any]:
            return attacker_key.jwks()

        def raise_for_status(self) -> None:
            return None

    def fake_get(url: str, *args: Any, **kwargs: Any) -> Served:
        urls.append(str(url))
        return Served()

    def fake_request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Served:
        urls.append(str(url))
        return Served()

    def fake_urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
        urls.append(str(getattr(url, "full_url", url)))
        raise OSError("network disabled in tests")

    monkeypatch.setattr(requests, "get", fake_get)
    monkeypatch.setattr(requests.Session, "request", fake_request)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    yield urls


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: Any) -> None:
    """Exactly a 401 with the API's JSON error shape, and nothing else."""
    assert response.status_code == 401
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "unauthorized"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def menu_labels(payload: dict[str, Any]) -> list[str]:
    return [item["label"] for group in payload["groups"] for item in group["items"]]


# --- the control --------------------------------------------------------------------------------


def test_well_formed_token_from_the_test_issuer_gets_the_acceptance_officers_menu(client, portal):
    response = client.get(MENU, headers=bearer(portal.token()))
    assert response.status_code == 200
    assert response.json["user"] == {"id": "portal-user-42", "name": "陈晨", "division": "120101",
                                     "roles": ["HRM_SL"]}
    labels = menu_labels(response.json)
    assert "行政许可受理" in labels and "注销受理" in labels
    assert "机构管理" not in labels
    assert portal.fetch_calls == 1  # served from the warm key set


# --- algorithm confusion ------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_unsigned_alg_none_token_is_refused(client, portal, alg):
    token = forge({"alg": alg, "typ": "at+jwt", "kid": KID}, portal.claims())
    assert token.endswith(".")
    assert_refused(client.get(MENU, headers=bearer(token)))


@pytest.mark.parametrize(
    "secret_form", ["public-pem", "public-pkcs1-pem", "public-der", "jwks-json", "jwk-json"])
def test_hs256_token_signed_with_the_public_key_as_hmac_secret_is_refused(
        client, portal, portal_key, secret_form):
    secret = {
        "public-pem": portal_key.public_pem,
        "public-pkcs1-pem": portal_key.public_pkcs1_pem,
        "public-der": portal_key.public_der,
        "jwks-json": json.dumps(portal_key.jwks()).encode(),
        "jwk-json": json.dumps(portal_key.jwk).encode(),
    }[secret_form]
    token = forge({"alg": "HS256", "typ": "at+jwt", "kid": KID}, portal.claims(), hs256_with(secret))
    assert_refused(client.get(MENU, headers=bearer(token)))


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES256", "HS512"])
def test_token_claiming_another_algorithm_is_refused(client, portal, portal_key, alg):
    token = forge({"alg": alg, "typ": "at+jwt", "kid": KID}, portal.claims(), portal_key.sign_rs256)
    assert_refused(client.get(MENU, headers=bearer(token)))


# --- signature ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"roles": ["HRM_GL"]}, {"roles": ["HRM_SL", "HRM_SH", "HRM_GL"]}, {"division": "120000"},
     {"exp": int(time.time()) + 10 * 365 * 86400}, {"sub": "someone-else"}],
    ids=["roles-escalated", "roles-added", "division-widened", "exp-extended", "sub-swapped"],
)
def test_payload_tampered_after_signing_is_refused(client, portal, change):
    header, payload, signature = portal.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered = f"{header}.{b64url(json_bytes({**claims, **change}))}.{signature}"
    assert_refused(client.get(MENU, headers=bearer(tampered)))


def test_token_signed_by_a_different_rsa_key_with_the_right_kid_is_refused(
        client, portal, attacker_key):
    assert_refused(client.get(MENU, headers=bearer(portal.token(key=attacker_key, kid=KID))))


def test_token_with_the_signature_stripped_is_refused(client, portal):
    header, payload, _ = portal.token().split(".")
    assert_refused(client.get(MENU, headers=bearer(f"{header}.{payload}.")))


# --- required and time claims -------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["aud", "exp", "iss", "iat"])
def test_token_missing_a_required_claim_is_refused(client, portal, claim):
    token = portal.token(**{claim: None})
    assert claim not in jwt.get_unverified_claims(token)
    assert_refused(client.get(MENU, headers=bearer(token)))


@pytest.mark.parametrize(
    "iss",
    ["https://evil.test", "https://portal.test/", "HTTPS://PORTAL.TEST", "", [ISSUER], DEV_ISSUER],
    ids=["untrusted", "trailing-slash", "case-changed", "empty", "list", "dev-portal"],
)
def test_token_with_a_wrong_issuer_is_refused(client, portal, iss):
    assert_refused(client.get(MENU, headers=bearer(portal.token(iss=iss))))


@pytest.mark.parametrize(
    "aud", ["another-app", "", ["another-app", "yet-another"], "HRM-PLUGIN", "hrm-plugin "],
    ids=["other-app", "empty", "list-without-us", "case-changed", "trailing-space"],
)
def test_token_with_a_wrong_audience_is_refused(client, portal, aud):
    assert_refused(client.get(MENU, headers=bearer(portal.token(aud=aud))))


def test_token_expired_beyond_the_leeway_is_refused(client, portal):
    now = int(time.time())
    token = portal.token(iat=now - 900, exp=now - 120)
    assert_refused(client.get(MENU, headers=bearer(token)))


def test_token_not_yet_valid_nbf_in_the_future_is_refused(client, portal):
    token = portal.token(nbf=int(time.time()) + 600)
    assert_refused(client.get(MENU, headers=bearer(token)))


def test_token_issued_in_the_future_is_refused(client, portal):
    now = int(time.time())
    token = portal.token(iat=now + 600, exp=now + 1200)
    assert_refused(client.get(MENU, headers=bearer(token)))


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "tomorrow"},
        {"iat": "yesterday"},
        {"nbf": "now"},
        {"exp": [1]},
        {"iat": {"t": 1}},
        {"nbf": [1]},
        {"exp": 1e400},
    ],
    ids=["exp-string", "iat-string", "nbf-string", "exp-list", "iat-object", "nbf-list", "exp-infinite"],
)
def test_signed_token_with_a_malformed_time_claim_is_refused(client, portal, claims):
    assert_refused(client.get(MENU, headers=bearer(portal.token(**claims))))


# --- key lookup ---------------------------------------------------------------------------------


def test_unknown_kid_is_refused_after_exactly_one_jwks_refetch(client, portal):
    before = portal.fetch_calls
    token = portal.token(kid="never-published")
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert portal.fetch_calls == before + 1
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert portal.fetch_calls == before + 1


def test_flood_of_random_unknown_kids_causes_no_jwks_refetch_storm(client, portal):
    before = portal.fetch_calls
    for _ in range(100):
        token = portal.token(kid=uuid.uuid4().hex)
        assert_refused(client.get(MENU, headers=bearer(token)))
    assert portal.fetch_calls <= before + 1
    assert portal.keyset.fetch_count == portal.fetch_calls
    # The portal's real key still works throughout.
    assert client.get(MENU, headers=bearer(portal.token())).status_code == 200


def test_rotated_key_is_accepted_after_the_refetch_and_the_withdrawn_key_is_not(
        client, portal, rotated_key):
    old_token = portal.token()
    assert client.get(MENU, headers=bearer(old_token)).status_code == 200
    portal.published = [rotated_key]
    before = portal.fetch_calls
    response = client.get(MENU, headers=bearer(portal.token(key=rotated_key)))
    assert response.status_code == 200
    assert "行政许可受理" in menu_labels(response.json)
    assert portal.fetch_calls == before + 1
    assert_refused(client.get(MENU, headers=bearer(old_token)))


def test_during_rotation_both_published_keys_are_accepted(client, portal, portal_key, rotated_key):
    portal.published = [portal_key, rotated_key]
    assert client.get(MENU, headers=bearer(portal.token(key=rotated_key))).status_code == 200
    assert client.get(MENU, headers=bearer(portal.token())).status_code == 200
    assert portal.fetch_calls == 2


def test_when_the_jwks_fetch_fails_the_old_keys_keep_working(client, portal):
    portal.fetch_error = requests.ConnectionError("portal unreachable")
    # An unknown kid makes the key set try the (failing) portal ...
    assert_refused(client.get(MENU, headers=bearer(portal.token(kid="new-key"))))
    assert portal.fetch_calls == 2
    assert client.get(MENU, headers=bearer(portal.token())).status_code == 200
    # ... and so does the cache's TTL running out.
    portal.clock.advance(3600)
    response = client.get(MENU, headers=bearer(portal.token()))
    assert response.status_code == 200
    assert "行政许可受理" in menu_labels(response.json)
    assert portal.fetch_calls == 3


# --- headers that choose their own key or demand unknown processing ------------------------------


def test_jku_header_pointing_at_an_attacker_jwks_is_refused_and_never_fetched(
        client, portal, attacker_key, outbound):
    jku = "https://attacker.test/.well-known/jwks.json"
    token = portal.token(key=attacker_key, headers={"jku": jku})
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert jku not in outbound
    assert outbound == []
    assert portal.fetch_calls == 1


@pytest.mark.parametrize("kid", ["attacker-key", KID], ids=["attacker-kid", "portal-kid"])
def test_jwk_header_embedding_the_attackers_public_key_is_refused(
        client, portal, attacker_key, outbound, kid):
    token = portal.token(key=attacker_key, kid=kid, headers={"jwk": attacker_key.jwk})
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert outbound == []


def test_x5u_header_is_refused_and_never_fetched(client, portal, attacker_key, outbound):
    x5u = "https://attacker.test/cert.pem"
    token = portal.token(key=attacker_key, headers={"x5u": x5u})
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert outbound == []


def test_x5c_header_carrying_the_attackers_certificate_is_refused(
        client, portal, attacker_key, outbound):
    x5c = [base64.b64encode(attacker_key.certificate_der()).decode()]
    token = portal.token(key=attacker_key, headers={"x5c": x5c})
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert outbound == []


@pytest.mark.parametrize("crit", [["urn:evil:ext"], ["b64"], [], "exp"], ids=str)
def test_unknown_crit_header_is_refused_even_on_a_validly_signed_token(client, portal, crit):
    token = portal.token(headers={"crit": crit, "urn:evil:ext": True})
    assert_refused(client.get(MENU, headers=bearer(token)))


def test_forbidden_header_on_the_portals_own_validly_signed_token_is_refused(
        client, portal, outbound):
    token = portal.token(headers={"jku": ISSUER + "/jwks.json"})
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert outbound == []


# --- size ---------------------------------------------------------------------------------------


def sized_token(portal: Portal, key: SigningKey, size: int) -> str:
    """A validly signed access token of exactly `size` bytes (a padding claim, header spacing)."""
    header = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid}
    for separators in ((",", ":"), (", ", ": ")):
        head = json.dumps(header, separators=separators).encode()
        for pad in range(size):
            token = forge(head, portal.claims(pad="x" * pad), key.sign_rs256)
            if len(token) == size:
                return token
            if len(token) > size:
                break
    raise AssertionError(f"cannot build a token of {size} bytes")


def test_token_of_exactly_8_kb_is_still_accepted(client, portal, portal_key):
    token = sized_token(portal, portal_key, MAX_TOKEN_BYTES)
    assert len(token.encode()) == 8192
    assert client.get(MENU, headers=bearer(token)).status_code == 200


def test_token_of_8_kb_plus_one_byte_is_refused(client, portal, portal_key):
    token = sized_token(portal, portal_key, MAX_TOKEN_BYTES + 1)
    assert len(token.encode()) == 8193
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert portal.fetch_calls == 1


def test_token_of_one_megabyte_is_refused(client, portal):
    token = portal.token(pad="x" * (1024 * 1024))
    assert len(token) > 1024 * 1024
    assert_refused(client.get(MENU, headers=bearer(token)))


# --- the wrong kind of token --------------------------------------------------------------------


def test_id_token_of_the_test_issuer_is_refused_as_an_access_token(client, portal, app):
    token = portal.token(headers={"typ": "JWT"}, aud=app.config["SSO_CLIENT_ID"])
    assert jwt.get_unverified_header(token)["typ"] == "JWT"
    assert_refused(client.get(MENU, headers=bearer(token)))


def test_id_token_of_the_dev_portal_is_refused_as_an_access_token(client, portal, app):
    with app.app_context():
        token = dev_portal_for(app).mint(
            {"sub": "dev:hp-sl", "name": "陈晨", "division": "120101", "roles": ["HRM_SL"]},
            access=False)
    assert_refused(client.get(MENU, headers=bearer(token)))


def test_token_without_a_typ_header_is_refused_as_an_access_token(client, portal, portal_key):
    token = forge({"alg": "RS256", "kid": KID}, portal.claims(), portal_key.sign_rs256)
    assert_refused(client.get(MENU, headers=bearer(token)))


# --- the Authorization header itself ------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["Basic dXNlcjpwYXNzd29yZA==", "Basic {token}", "Token {token}", "JWT {token}", "Bearer{token}",
     "Bearer", "Bearer ", "Bearer    ", ""],
    ids=["basic-credentials", "basic-with-jwt", "token-scheme", "jwt-scheme", "no-space",
         "bearer-alone", "empty-bearer", "blank-bearer", "empty-header"],
)
def test_non_bearer_scheme_or_empty_bearer_is_refused(client, portal, value):
    header = value.format(token=portal.token())
    assert_refused(client.get(MENU, headers={"Authorization": header}))


GOOD_HEADER = b64url(json_bytes({"alg": "RS256", "typ": "at+jwt", "kid": KID}))


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "two.segments",
        "a.b.c.d",
        "a.b.c.d.e",
        "..",
        "!!!.###.$$$",
        "a.b.c",
        "é.é.é",
        f"{GOOD_HEADER}.not*base64*.c2ln",
        f"{GOOD_HEADER}.{b64url(b'not json')}.c2ln",
        f"{GOOD_HEADER}.{b64url(b'[1, 2]')}.c2ln",
        f"{GOOD_HEADER}.{b64url(b'{}')}.c2ln",
        f"{b64url(b'not json')}.{b64url(b'{}')}.c2ln",
        f"{b64url(b'[]')}.{b64url(b'{}')}.c2ln",
        f"{b64url(bytes([0xff, 0xfe]))}.{b64url(b'{}')}.c2ln",
        pytest.param(f"{GOOD_HEADER}.{b64url(b'[' * 3000)}.c2ln", id="deeply-nested-json-payload"),
    ],
    ids=lambda t: t if len(t) < 20 else None,
)
def test_garbage_token_is_refused(client, portal, token):
    assert_refused(client.get(MENU, headers=bearer(token)))


# --- logging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p, now: p.token(iat=now - 900, exp=now - 120), "expired"),
        (lambda p, now: p.token(aud="another-app"), "Invalid audience"),
        (lambda p, now: p.token(kid="never-published"), "unknown kid"),
        (lambda p, now: p.token(headers={"typ": "JWT"}), "not an access token"),
    ],
    ids=["expired", "wrong-aud", "unknown-kid", "id-token"],
)
def test_log_of_a_refused_token_gives_the_reason_but_never_the_token(
        client, portal, caplog, make, reason):
    caplog.set_level(logging.INFO)
    token = make(portal, int(time.time()))
    assert_refused(client.get(MENU, headers=bearer(token)))
    assert "bearer token refused" in caplog.text
    assert reason in caplog.text
    assert token not in caplog.text
    for segment in token.split("."):
        assert segment not in caplog.text
