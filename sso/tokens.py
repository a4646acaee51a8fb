"""The one hardened wrapper around python-jose that verifies every portal JWT."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
MAX_TOKEN_BYTES = 8 * 1024
MAX_LEEWAY_SECONDS = 60
# Headers that would let a token choose its own key or demand unknown processing.
FORBIDDEN_HEADERS = frozenset({"crit", "jku", "x5u", "jwk", "x5c"})
ACCESS_TYPES = frozenset({"at+jwt", "application/at+jwt"})
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"

JWKSFetcher = Callable[[], dict[str, Any]]


class TokenError(Exception):
    """A token was refused; the message is the reason (logged, never the token)."""


class KeySet:
    """The JWKS of one issuer: cached, refetched on an unknown kid at most once per interval.

    Fetches are single-flight (one lock per issuer); when a fetch fails the old keys are kept.
    """

    def __init__(
        self,
        fetch: JWKSFetcher,
        *,
        min_refetch_seconds: float = 30,
        ttl_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._min_refetch = min_refetch_seconds
        self._ttl = ttl_seconds
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()
        self.fetch_count = 0

    def get(self, kid: str) -> dict[str, Any] | None:
        """The published RS256 signing key with this kid, or None."""
        if self._expired() or kid not in self._keys:
            self._refresh(kid)
        return self._keys.get(kid)

    def _expired(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at > self._ttl

    def _refresh(self, kid: str) -> None:
        with self._lock:
            if kid in self._keys and not self._expired():
                return  # another thread fetched while we waited
            now = self._clock()
            if self._attempted_at is not None and now - self._attempted_at < self._min_refetch:
                return
            self._attempted_at = now
            self.fetch_count += 1
            try:
                document = self._fetch()
                if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                    raise ValueError("not a JWKS document (no 'keys' list)")
                keys = {
                    key["kid"]: key
                    for key in document["keys"]
                    if isinstance(key, dict)
                    and isinstance(key.get("kid"), str)
                    and key.get("kty") == "RSA"
                    and key.get("use", "sig") == "sig"
                    and key.get("alg", ALGORITHM) == ALGORITHM
                }
            except Exception as exc:  # network, JSON, shape: keep serving the old keys
                log.warning("JWKS fetch failed, keeping %d cached keys: %s", len(self._keys), exc)
                return
            self._keys = keys
            self._fetched_at = now


@functools.lru_cache(maxsize=64)
def _public_key(n: str, e: str) -> Key:
    """The RSA key for a published modulus/exponent, built once (building costs ~30 µs)."""
    return jwk.construct({"kty": "RSA", "n": n, "e": e}, ALGORITHM)


class TokenVerifier:
    """Verify portal JWTs with a pinned policy (DESIGN.md, Identity details)."""

    def __init__(
        self,
        issuers: dict[str, KeySet],
        *,
        audience: str,
        leeway_seconds: int = 30,
        access_token_typ: str | None = "at+jwt",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if leeway_seconds > MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway must not exceed {MAX_LEEWAY_SECONDS} s")
        self.issuers = issuers
        self.audience = audience
        self.leeway = leeway_seconds
        self.access_token_typ = access_token_typ
        self._clock = clock

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Claims of a bearer access token sent to the API; TokenError if anything is off."""
        return self._verify(token, audience=self.audience, access=True)

    def verify_id_token(self, token: str, *, audience: str) -> dict[str, Any]:
        """Claims of an ID token addressed to this client."""
        return self._verify(token, audience=audience, access=False)

    def verify_logout_token(self, token: str, *, audience: str) -> dict[str, Any]:
        """Claims of an OpenID Connect Back-Channel Logout token (its section 2.6): verified like
        an ID token (signature, kid, iss, aud, exp, iat), with the logout event, `sid` or `sub`,
        a `jti`, and no `nonce`. The caller refuses a `jti` seen before."""
        claims = self._verify(token, audience=audience, access=False)
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
            raise TokenError("not a logout token: no back-channel logout event")
        if "nonce" in claims:
            raise TokenError("a logout token must not carry a nonce")
        if not any(isinstance(claims.get(c), str) and claims[c] for c in ("sid", "sub")):
            raise TokenError("a logout token needs sid or sub")
        for claim in ("sid", "sub"):
            if claim in claims and not isinstance(claims[claim], str):
                raise TokenError(f"{claim} is not a string")
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            raise TokenError("a logout token needs a jti")
        return claims

    def _verify(self, token: str, *, audience: str, access: bool) -> dict[str, Any]:
        if not isinstance(token, str) or len(token.encode()) > MAX_TOKEN_BYTES:
            raise TokenError("token missing or larger than 8 KB")
        if token.count(".") != 2:
            raise TokenError("not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.get_unverified_claims(token)
        # jose lets RecursionError (deeply nested JSON) and friends escape its own errors.
        except (JOSEError, RecursionError, ValueError, TypeError) as exc:
            raise TokenError(f"malformed token: {type(exc).__name__}") from None
        if not isinstance(header, dict) or not isinstance(unverified, dict):
            raise TokenError("header or payload is not a JSON object")
        if header.get("alg") != ALGORITHM:
            raise TokenError(f"algorithm {header.get('alg')!r} not allowed")
        if FORBIDDEN_HEADERS & header.keys():
            raise TokenError(f"forbidden header(s) {sorted(FORBIDDEN_HEADERS & header.keys())}")
        typ = str(header.get("typ", "")).lower()
        if access and self.access_token_typ and typ not in ACCESS_TYPES:
            raise TokenError(f"typ {typ!r} is not an access token")
        if not access and typ in ACCESS_TYPES:
            raise TokenError("an access token is not an ID token")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("kid missing")
        issuer = unverified.get("iss")
        keys = self.issuers.get(issuer) if isinstance(issuer, str) else None
        if keys is None:
            raise TokenError(f"issuer {issuer!r} not trusted")
        published = keys.get(kid)
        if published is None:
            raise TokenError(f"unknown kid {kid!r}")
        try:
            claims = jwt.decode(
                token,
                _public_key(str(published.get("n")), str(published.get("e"))),
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=issuer,
                options={
                    "require_aud": True,
                    "require_iat": True,
                    "require_exp": True,
                    "require_iss": True,
                    "verify_at_hash": False,
                    "leeway": self.leeway,
                },
            )
        # jose's time checks call int() and let TypeError/OverflowError escape.
        except (JOSEError, TypeError, OverflowError, ValueError) as exc:
            raise TokenError(f"verification failed: {exc}") from None
        iat = claims["iat"]
        if not isinstance(iat, int | float) or iat > self._clock() + self.leeway:
            raise TokenError("iat in the future")
        return claims
