"""What a bearer-token check costs: sso.tokens.TokenVerifier alone, and inside a full request.

Run from the project root:

    .venv/bin/python bench/verify_tokens.py [--n 20000] [--rounds 7] [--requests 2000]

It generates an RSA key, publishes it through a warm KeySet (fetched once; the fetch count is
printed to show no refetch happens while measuring), signs one valid RS256 access token
(typ at+jwt) and times, with time.perf_counter:

* TokenVerifier.verify_access_token on that token, next to the bare RSA signature check it
  cannot avoid and to two tokens it refuses before any cryptography (alg "none", > 8 KB);
* GET /portal/menu.json through the Flask test client of an app built with create_app() on a
  temporary instance folder and SQLite database (migrated and seeded like tests/conftest.py):
  with the bearer token (200), with a signed session cookie instead (200, the same menu, so the
  difference is the token's share), and with no credentials at all (401).

Every figure is the median over --rounds rounds of the mean cost per operation in one round.
Nothing is written outside the temporary directory.
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jose import jwt

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.seed import load_catalog, load_divisions
from sso.tokens import KeySet, TokenError, TokenVerifier

ISSUER = "https://portal.bench"
AUDIENCE = "hrm-plugin"
KID = "bench-key-1"
MENU = "/portal/menu.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_int(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class BenchIssuer:
    """An RSA key, its JWKS behind a counting fetch function, and tokens signed with it."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        numbers = self.private.public_key().public_numbers()
        self.jwk = {"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
                    "n": b64url_int(numbers.n), "e": b64url_int(numbers.e)}
        self.fetch_calls = 0

    def fetch(self) -> dict[str, Any]:
        self.fetch_calls += 1
        return {"keys": [self.jwk]}

    def warm_key_set(self) -> KeySet:
        keys = KeySet(self.fetch)
        if keys.get(KID) is None:
            raise SystemExit("the bench key set did not load its key")
        return keys

    def access_token(self, audience: str, **extra: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": audience, "sub": "bench-user", "name": "陈晨",
                  "division": "120101", "roles": ["HRM_SL"], "iat": now, "exp": now + 3600,
                  "jti": "bench", **extra}
        return jwt.encode(claims, self.private_pem, algorithm="RS256",
                          headers={"kid": KID, "typ": "at+jwt"})


def measure(operation: Callable[[], Any], count: int, rounds: int) -> tuple[float, float]:
    """(median, best) over the rounds of the mean µs per call within a round."""
    operation()  # warm caches, imports, lazy key parsing
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            operation()
        per_round.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(per_round), min(per_round)


def refused(verifier: TokenVerifier, token: str) -> Callable[[], None]:
    def check() -> None:
        try:
            verifier.verify_access_token(token)
        except TokenError:
            return
        raise SystemExit("a token meant to be refused was accepted")

    return check


def row(label: str, figures: tuple[float, float], note: str = "") -> str:
    median, best = figures
    return f"  {label:<52} {median:>9.1f} µs  (best {best:>8.1f}){'  ' + note if note else ''}"


def bench_verifier(issuer: BenchIssuer, n: int, rounds: int) -> float:
    keys = issuer.warm_key_set()
    verifier = TokenVerifier({ISSUER: keys}, audience=AUDIENCE)
    token = issuer.access_token(AUDIENCE)
    if verifier.verify_access_token(token)["sub"] != "bench-user":
        raise SystemExit("the bench token did not verify")

    public = issuer.private.public_key()
    head, payload, signature = token.split(".")
    signing_input = f"{head}.{payload}".encode()
    raw_signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))

    def rsa_only() -> None:
        public.verify(raw_signature, signing_input, padding.PKCS1v15(), hashes.SHA256())

    unsigned = ".".join([b64url(json.dumps({"alg": "none", "typ": "at+jwt", "kid": KID}).encode()),
                         payload, ""])
    oversized = issuer.access_token(AUDIENCE, pad="x" * 9000)

    print(f"TokenVerifier (warm KeySet, {n} calls per round, {rounds} rounds, token "
          f"{len(token)} bytes)")
    verify = measure(lambda: verifier.verify_access_token(token), n, rounds)
    print(row("verify_access_token, valid RS256 at+jwt", verify, "→ claims"))
    print(row("  of which the RSA-2048 signature check alone", measure(rsa_only, n, rounds),
              "(cryptography, key already loaded)"))
    print(row("refused early: alg \"none\"", measure(refused(verifier, unsigned), n, rounds),
              "→ TokenError"))
    print(row("refused early: token > 8 KB", measure(refused(verifier, oversized), n, rounds),
              "→ TokenError"))
    print(f"  JWKS fetches during the run: {keys.fetch_count} (the one warm-up fetch)")
    return verify[0]


def bench_requests(issuer: BenchIssuer, count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="hrm-bench-") as tmp:
        app = create_app({
            "INSTANCE_PATH": str(Path(tmp) / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-" + "k" * 40,
        })
        try:
            with app.app_context():
                flask_migrate_upgrade()
                load_divisions(app.config["DIVISIONS_FILE"])
                load_catalog(app.config["CATALOG_FILE"])
                db.session.commit()
            sso = app.extensions["hrm_sso"]
            sso.verifier.issuers[ISSUER] = issuer.warm_key_set()
            token = issuer.access_token(app.config["SSO_AUDIENCE"])
            with_bearer = {"Authorization": f"Bearer {token}"}

            anonymous = app.test_client()
            bearer_client = app.test_client()
            browser = app.test_client()
            with app.test_request_context():
                sso.start_session(sso.verifier.verify_access_token(token))
                session_data = dict(flask.session)
            with browser.session_transaction() as session:
                session.update(session_data)

            def get(client: Any, expected: int, **kwargs: Any) -> Callable[[], None]:
                def call() -> None:
                    response = client.get(MENU, **kwargs)
                    if response.status_code != expected:
                        raise SystemExit(f"{MENU} answered {response.status_code}, not {expected}")

                return call

            print()
            print(f"Flask test client, GET {MENU} ({count} requests per round, {rounds} rounds)")
            bearer_cost = measure(get(bearer_client, 200, headers=with_bearer), count, rounds)
            session_cost = measure(get(browser, 200), count, rounds)
            anonymous_cost = measure(get(anonymous, 401), count, rounds)
            print(row("with the bearer token → 200 menu", bearer_cost))
            print(row("with a session cookie instead → 200, same menu", session_cost))
            print(row("without credentials → 401", anonymous_cost))
            share = bearer_cost[0] - session_cost[0]
            print(f"  the bearer token's share of a request: {share:.1f} µs "
                  f"({share / bearer_cost[0]:.0%} of {bearer_cost[0]:.1f} µs)")
            print(f"  JWKS fetches during the run: {sso.verifier.issuers[ISSUER].fetch_count}")
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def flask_migrate_upgrade() -> None:
    """flask_migrate.upgrade() without alembic's per-migration INFO lines."""
    from flask_migrate import upgrade

    logging.disable(logging.INFO)  # alembic's env.py re-reads its logging config on upgrade
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="verifications per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds (the median is reported)")
    parser.add_argument("--requests", type=int, default=None,
                        help="HTTP requests per round (default: n / 10)")
    args = parser.parse_args()
    requests_per_round = args.requests or max(1, args.n // 10)

    versions = ", ".join(f"{name} {importlib.metadata.version(name)}"
                         for name in ("python-jose", "cryptography", "Flask"))
    print(f"Python {platform.python_version()}, {versions}")
    issuer = BenchIssuer()
    bench_verifier(issuer, args.n, args.rounds)
    bench_requests(issuer, requests_per_round, args.rounds)


if __name__ == "__main__":
    main()
