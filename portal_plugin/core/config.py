"""Configuration from the environment, with the production refusals of CONTRACT.md."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

VERSION = "0.1.0"
WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "password", "test", "development"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def from_environment(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the settings CONTRACT.md names from the environment."""
    env = dict(os.environ if env is None else env)
    client_id = env.get("SSO_CLIENT_ID", "hrm-plugin")
    config: dict[str, Any] = {
        "APP_ENV": env.get("APP_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL"),
        "SSO_ISSUER": env.get("SSO_ISSUER") or None,
        "SSO_CLIENT_ID": client_id,
        "SSO_CLIENT_SECRET": env.get("SSO_CLIENT_SECRET"),
        "SSO_AUDIENCE": env.get("SSO_AUDIENCE") or client_id,
        "SSO_ROLES_CLAIM": env.get("SSO_ROLES_CLAIM", "roles"),
        "SSO_DIVISION_CLAIM": env.get("SSO_DIVISION_CLAIM", "division"),
        "SSO_ORG_CLAIM": env.get("SSO_ORG_CLAIM", "org_credit_code"),
        "SSO_NAME_CLAIM": env.get("SSO_NAME_CLAIM", "name"),
        "SSO_REQUIRED_AMR": env.get("SSO_REQUIRED_AMR") or None,
        "SSO_ROLE_MAP": env.get("SSO_ROLE_MAP") or None,
        "PORTAL_DEV_MODE": _flag(env.get("PORTAL_DEV_MODE")),
        "PORTAL_ORIGIN": env.get("PORTAL_ORIGIN") or "'self'",
        # Trust X-Forwarded-Prefix (and -Proto/-Host) from exactly this many proxies; 0 = none.
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", "0")),
        # Where the SQLite file, the dev secret and the dev portal's key live.
        "INSTANCE_PATH": env.get("INSTANCE_PATH") or None,
    }
    return {k: v for k, v in config.items() if v is not None}


DEFAULTS: dict[str, Any] = {
    "APP_ENV": "development",
    "SSO_ISSUER": None,
    "SSO_CLIENT_ID": "hrm-plugin",
    "SSO_CLIENT_SECRET": None,
    "SSO_AUDIENCE": None,
    "SSO_ROLES_CLAIM": "roles",
    "SSO_DIVISION_CLAIM": "division",
    "SSO_ORG_CLAIM": "org_credit_code",
    "SSO_NAME_CLAIM": "name",
    "SSO_REQUIRED_AMR": None,
    "SSO_ROLE_MAP": None,
    # Access tokens must be RFC 9068 JWTs (typ at+jwt) so an ID token cannot pass as one.
    "SSO_ACCESS_TOKEN_TYP": "at+jwt",
    "SSO_LEEWAY_SECONDS": 30,
    "SSO_JWKS_MIN_REFETCH_SECONDS": 30,
    "SSO_JWKS_TTL_SECONDS": 3600,
    "SSO_HTTP_TIMEOUT_SECONDS": 5,
    "SSO_SCOPE": "openid profile hrm",
    "SSO_SESSION_MAX_SECONDS": 8 * 3600,
    "PORTAL_DEV_MODE": False,
    "PORTAL_ORIGIN": "'self'",
    "PROXY_FIX_HOPS": 0,
    # The plugin's own session cookie, distinct from the portal's and a host app's.
    "HRM_SESSION_COOKIE_NAME": "hrm_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,
    # Lists count their total exactly up to this many rows; above it they show the planner's
    # estimate (约 N 条), so a city-wide list costs what a district's does (core.paging).
    "LIST_EXACT_TOTAL_MAX": 10_000,
    "DIVISIONS_FILE": str(Path(__file__).parent / "data" / "divisions_tianjin.json"),
    "CATALOG_FILE": str(Path(__file__).parent / "data" / "catalog.json"),
    "JSON_AS_ASCII": False,
    # Working days allowed: to accept a submitted case, and per workflow to decide after
    # acceptance (licensing: 20 by 《行政许可法》; the others are the bureau's promised limits).
    "WORKFLOW_DEADLINES": {"accept": 5, "licensing": 20, "filing": 10, "change": 10,
                           "branch": 10, "deregistration": 10},
    "LICENSE_VALID_YEARS": 5,
    # Number formats by kind (license, decision, filing, deregistration, case); see
    # workflows.numbering.DEFAULT_FORMATS for the placeholders.
    "NUMBER_FORMATS": {},
    # 历史数据采集: the most data rows and bytes one upload may have, and the uncompressed size
    # its zip may declare (a zip bomb is refused from the zip's directory, before any parsing).
    "HISTORY_IMPORT_MAX_ROWS": 20_000,
    "HISTORY_IMPORT_MAX_BYTES": 20 * 1024 * 1024,
    "HISTORY_IMPORT_MAX_UNZIPPED_BYTES": 256 * 1024 * 1024,
    # Where uploaded files are kept (every worker must see the same folder); None = the
    # instance folder's uploads/.
    "UPLOADS_FOLDER": None,
}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def finalise(config: dict[str, Any], instance_path: str) -> None:
    """Fill derived defaults and refuse unsafe production settings."""
    production = config.get("APP_ENV") == "production"
    if production:
        problems = []
        secret = config.get("SECRET_KEY") or ""
        weak = secret.lower() in WEAK_SECRETS or len(set(secret)) < 10
        if len(secret) < MIN_SECRET_LENGTH or weak:
            problems.append(f"SECRET_KEY must be set to at least {MIN_SECRET_LENGTH} random characters")
        if config.get("PORTAL_DEV_MODE"):
            problems.append("PORTAL_DEV_MODE=1 is not allowed in production")
        if not config.get("SSO_ISSUER"):
            problems.append("SSO_ISSUER is required in production")
        if problems:
            raise ConfigError("refusing to start with APP_ENV=production: " + "; ".join(problems))
        config["SESSION_COOKIE_SECURE"] = True
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance_path)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(instance_path, "hrm.sqlite3")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("SSO_AUDIENCE"):
        config["SSO_AUDIENCE"] = config["SSO_CLIENT_ID"]


def _instance_secret(instance_path: str) -> str:
    """A development secret kept in the instance folder so every worker and the CLI share it."""
    path = os.path.join(instance_path, "secret_key")
    return create_once(path, lambda: secrets.token_urlsafe(48).encode()).decode()


def create_once(path: str, make: Callable[[], bytes]) -> bytes:
    """Return the file's content, creating it atomically first if absent (safe across processes)."""
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(make())
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):  # another process won the race
                os.link(tmp, path)  # atomic: the file appears whole or not at all
        finally:
            os.unlink(tmp)
    return Path(path).read_bytes()
