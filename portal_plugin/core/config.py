"""Every setting in one typed table: defaults, the settings file (HRM_SETTINGS), the environment.

A setting is one `Setting` entry in `SETTINGS` (name, default, kind, meaning): that entry gives
its default (`DEFAULTS`), how the environment and the settings file are read and checked, and its
row of the README's configuration table (a test compares the two). Precedence: the defaults,
then the settings file named by `HRM_SETTINGS` (TOML, or Python like Flask's `from_pyfile`),
then the environment. Every value, whatever its source, is checked at start-up
(`validate`): a wrong one stops `create_app` with the setting's name and the reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

VERSION = "0.1.0"
WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "password", "test", "development"}
MIN_SECRET_LENGTH = 32
DATA = Path(__file__).parent / "data"
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})


class ConfigError(RuntimeError):
    """The configuration is unsafe, incomplete or invalid; the app refuses to start."""


# --- kinds: how a value is read (from text or as given) and checked --------------------------


class Kind:
    """Reads a value from the environment's text or a settings file's value; ValueError says why."""

    doc = "text"

    def read(self, value: Any) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    optional: bool = False
    choices: tuple[str, ...] = ()
    url: bool = False  # an http(s) URL with a host
    file: bool = False  # an existing, readable file
    doc = "text"

    def read(self, value: Any) -> Any:
        if value is None or value == "":
            if self.optional:
                return None
            raise ValueError("must not be empty")
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {type(value).__name__}")
        if "\x00" in value:
            raise ValueError("must not contain a NUL character")
        if self.choices and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}")
        if self.url:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("must be an http(s) URL with a host")
        if self.file and not os.access(value, os.R_OK):
            raise ValueError(f"file {value} does not exist or is not readable")
        return value


def _within(value: Any, low: Any, high: Any) -> Any:
    """The value when it lies within the bounds (None: unbounded); ValueError says which."""
    if low is not None and value < low:
        raise ValueError(f"must be at least {low}")
    if high is not None and value > high:
        raise ValueError(f"must be at most {high}")
    return value


@dataclass(frozen=True)
class Integer(Kind):
    min: int | None = None
    max: int | None = None
    optional: bool = False
    doc = "whole number"

    def read(self, value: Any) -> Any:
        if value is None or value == "":
            if self.optional:
                return None
            raise ValueError("must be a whole number")
        if isinstance(value, bool):
            raise ValueError("must be a whole number, not true/false")
        if isinstance(value, str):
            try:
                value = int(value.strip().replace("_", ""))
            except ValueError:
                raise ValueError(f"must be a whole number, not {value!r}") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {type(value).__name__}")
        return _within(value, self.min, self.max)


@dataclass(frozen=True)
class Number(Kind):
    min: float | None = None
    max: float | None = None
    doc = "number"

    def read(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number, not true/false")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(f"must be a number, not {value!r}") from None
        if not isinstance(value, int | float) or value != value:  # NaN
            raise ValueError("must be a number")
        return _within(value, self.min, self.max)


@dataclass(frozen=True)
class Flag(Kind):
    doc = "`1`/`0` (true/false, yes/no, on/off)"

    def read(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value.strip().lower() in TRUE:
                return True
            if value.strip().lower() in FALSE:
                return False
        raise ValueError(f"must be 1 or 0 (true/false, yes/no, on/off), not {value!r}")


@dataclass(frozen=True)
class Table(Kind):
    """A JSON object (in the environment) or a table (in the settings file).

    With `keys`, only those keys are allowed and the given ones are merged over the default;
    `value` checks each value.
    """

    keys: tuple[str, ...] = ()
    value: Kind | None = None
    doc = "JSON object"

    def read(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(f"must be a JSON object: {exc}") from None
        if not isinstance(value, Mapping):
            raise ValueError("must be a JSON object")
        if self.keys:
            unknown = sorted(set(value) - set(self.keys))
            if unknown:
                raise ValueError(f"unknown key(s) {unknown}; allowed: {', '.join(self.keys)}")
        out = {}
        for key, item in value.items():
            if self.value is not None:
                try:
                    item = self.value.read(item)
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
            out[str(key)] = item
        return out


@dataclass(frozen=True)
class MonthDay(Kind):
    """A day of the year as MM-DD (29 February is refused: not every year has it)."""

    doc = "MM-DD"

    def read(self, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"\d{2}-\d{2}", value):
            raise ValueError("must be a day as MM-DD, e.g. 03-31")
        month, day = (int(part) for part in value.split("-"))
        try:
            dt.date(2001, month, day)
        except ValueError:
            raise ValueError(f"{value} is not a day of every year") from None
        return value


@dataclass(frozen=True)
class DatabaseUrl(Kind):
    doc = "SQLAlchemy URL"

    def read(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        if not isinstance(value, str):
            raise ValueError("must be a database URL")
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"is not a database URL: {exc}") from None
        return value


@dataclass(frozen=True)
class Setting:
    """One setting: its name (the environment variable unless `env` says otherwise), default,
    kind and meaning; `default_doc` replaces the default in the README when it is derived."""

    name: str
    default: Any
    kind: Kind
    meaning: str
    env: str = ""
    default_doc: str = ""
    merge: bool = field(default=False)  # a Table whose given keys are merged over the default

    @property
    def variable(self) -> str:
        return self.env or self.name

    def read(self, value: Any) -> Any:
        value = self.kind.read(value)
        if self.merge and isinstance(value, dict) and isinstance(self.default, dict):
            value = {**self.default, **value}
        return value

    def documented_default(self) -> str:
        if self.default_doc:
            return self.default_doc
        if self.default is None:
            return "none"
        if isinstance(self.default, bool):
            return "`1`" if self.default else "`0`"
        if isinstance(self.default, dict):
            return f"`{json.dumps(self.default, ensure_ascii=False)}`"
        return f"`{self.default}`"


DAYS = Integer(min=1, max=365)
WORKFLOWS = ("accept", "licensing", "filing", "change", "branch", "deregistration", "renewal")
# The registry's numbers, then the documents' own series (workflows/documents.py).
NUMBER_KINDS = ("case", "license", "decision", "filing", "deregistration", "acceptance",
                "correction", "non_acceptance", "refusal", "filing_refusal",
                "deregistration_refusal", "change", "change_refusal", "branch", "branch_refusal")
CLOCKS = (*WORKFLOWS, "issue")

S = Setting
SECONDS = Integer(min=1, max=365 * 24 * 3600)

# The settings, in the README table's order. Adding a setting is adding one entry here.
SETTINGS: tuple[Setting, ...] = (
    # --- the deployment
    S("HRM_SETTINGS", None, Text(optional=True, file=True),
      "path of a settings file (TOML, or Python) read after the defaults and before the "
      "environment"),
    S("APP_ENV", "development", Text(choices=("development", "production")),
      "`production` refuses a weak `SECRET_KEY`, dev mode, or a missing `SSO_ISSUER`"),
    S("SECRET_KEY", None, Text(optional=True),
      "session and CSRF signing, the same on every worker",
      default_doc="made once in the instance folder; refused in production if unset or weak"),
    S("SQLALCHEMY_DATABASE_URI", None, DatabaseUrl(),
      "SQLAlchemy URL of the system of record (`postgresql://…` uses psycopg 3)",
      env="DATABASE_URL", default_doc="SQLite file in the instance folder"),
    S("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True}, Table(),
      "SQLAlchemy engine options (pool size, timeouts, `connect_args`)"),
    S("INSTANCE_PATH", None, Text(optional=True),
      "folder for the SQLite file, the dev secret and the dev portal's key",
      default_doc="`./instance`"),
    S("PROXY_FIX_HOPS", 0, Integer(min=0, max=10),
      "number of trusted proxies whose `X-Forwarded-Prefix/-Proto/-Host` are honoured"),
    S("PORTAL_DEV_MODE", False, Flag(),
      "`1` enables the built-in dev portal (refused in production)",
      default_doc="`1` under `make run`, else `0`"),
    S("PORTAL_ORIGIN", "'self'", Text(),
      "origin allowed to frame the pages (CSP `frame-ancestors`)"),
    # --- the portal login (OpenID Connect)
    S("SSO_ISSUER", None, Text(optional=True, url=True),
      "the portal's OIDC issuer (discovery at `{issuer}/.well-known/openid-configuration`)"),
    S("SSO_CLIENT_ID", "hrm-plugin", Text(), "this plugin's client id at the portal"),
    S("SSO_CLIENT_SECRET", None, Text(optional=True), "this plugin's client secret at the portal"),
    S("SSO_AUDIENCE", None, Text(optional=True), "`aud` required in bearer tokens",
      default_doc="`SSO_CLIENT_ID`"),
    S("SSO_SCOPE", "openid profile hrm", Text(),
      "the scopes the browser login asks for; must contain `openid` and the scope under which "
      "the portal releases the business claims (see 门户登录)"),
    S("SSO_ROLES_CLAIM", "roles", Text(), "claim holding the 业务角色 codes (a list or a "
      "space-separated string)"),
    S("SSO_DIVISION_CLAIM", "division", Text(), "claim holding the 6-digit 行政区划 code"),
    S("SSO_ORG_CLAIM", "org_credit_code", Text(), "claim holding a clerk's agency credit code"),
    S("SSO_NAME_CLAIM", "name", Text(), "claim holding the display name"),
    S("SSO_REQUIRED_AMR", None, Text(optional=True),
      "`amr` value officers' tokens must carry (e.g. the card scan)"),
    S("SSO_ROLE_MAP", None, Text(optional=True, file=True),
      "JSON file redefining 业务角色 → permissions", default_doc="the defaults of CONTRACT.md"),
    S("SSO_ACCESS_TOKEN_TYP", "at+jwt", Text(optional=True, choices=("at+jwt",)),
      "the `typ` bearer tokens must carry (RFC 9068), so an ID token cannot pass as one; "
      "empty = not checked"),
    S("SSO_LEEWAY_SECONDS", 30, Integer(min=0, max=60),
      "clock skew allowed on `exp`/`iat` (at most 60)"),
    S("SSO_JWKS_MIN_REFETCH_SECONDS", 30, Integer(min=1, max=3600),
      "least interval between JWKS refetches on an unknown `kid`"),
    S("SSO_JWKS_TTL_SECONDS", 3600, SECONDS, "how long fetched keys are trusted before a refetch"),
    S("SSO_HTTP_TIMEOUT_SECONDS", 5, Number(min=0.1, max=60),
      "timeout of every call to the portal (discovery, token, userinfo, JWKS)"),
    S("SSO_SESSION_MAX_SECONDS", 8 * 3600, SECONDS,
      "the longest a plugin session lives (it ends earlier with the token)"),
    S("SSO_LOGIN_SESSION_SECONDS", 1800, SECONDS,
      "how long a session without a signed-in user lives (a login in progress, a CSRF token)"),
    S("HRM_SESSION_COOKIE_NAME", "hrm_session", Text(),
      "the plugin's own session cookie, distinct from the portal's and a host app's"),
    S("SESSION_COOKIE_HTTPONLY", True, Flag(), "the session cookie is hidden from scripts"),
    S("SESSION_COOKIE_SAMESITE", "Lax", Text(optional=True, choices=("Lax", "Strict", "None")),
      "the session cookie's `SameSite`"),
    S("SESSION_COOKIE_SECURE", False, Flag(), "the session cookie is sent over HTTPS only",
      default_doc="`1` in production, else `0`"),
    S("WTF_CSRF_TIME_LIMIT", None, Integer(min=60, optional=True),
      "seconds a form's CSRF token stays valid", default_doc="the session's life"),
    # --- reference data and behaviour
    S("DIVISIONS_FILE", str(DATA / "divisions_tianjin.json"), Text(file=True),
      "the divisions `flask seed` loads", default_doc="Tianjin (`core/data/divisions_tianjin.json`)"),
    S("CATALOG_FILE", str(DATA / "catalog.json"), Text(file=True),
      "the code catalogue `flask seed` loads", default_doc="`core/data/catalog.json`"),
    S("JSON_AS_ASCII", False, Flag(), "JSON answers escape non-ASCII characters"),
    S("WORKFLOW_DEADLINES",
      {"accept": 5, "issue": 10, "licensing": 20, "filing": 10, "change": 10, "branch": 10,
       "deregistration": 10, "renewal": 20},
      Table(keys=CLOCKS, value=DAYS),
      "working days, all from submission (DOMAIN.md \"Deadlines\"): `accept` the 补正告知 period "
      "(《行政许可法》 Art 32; 【退回】 is refused after it), per workflow the decision (licensing: "
      "20 from receipt, 条例 Art 19; renewal: 20, 《行政许可法》 Art 42; the others the bureau's "
      "promised limits), `issue` from "
      "approval to 【登记发证】 (Art 44); given keys replace the defaults",
      merge=True),
    S("WORKFLOW_EXTENSION_DAYS",
      {"licensing": 10, "filing": 10, "change": 10, "branch": 10, "deregistration": 10,
       "renewal": 10},
      Table(keys=WORKFLOWS[1:], value=DAYS),
      "working days 【延长审批期限】 adds, once per case (licensing: 10 by 《行政许可法》 Art 42); "
      "given keys replace the defaults", merge=True),
    S("ANNUAL_REPORT_DEADLINE", "03-31", MonthDay(),
      "年度报告: the day (MM-DD) of the year after the report's year by which it is due; later "
      "first submissions are 逾期报送"),
    S("PUBLIC_BASE_URL", None, Text(optional=True, url=True),
      "the public origin + path under which `/verify/…` and `/public/…` are reachable from "
      "outside (printed in the certificates' QR codes)", default_doc="the request's own URL"),
    S("INSPECTION_PERIOD_DAYS", 30, Integer(min=1, max=366),
      "告知承诺制: calendar days from an on-the-spot grant (【当场准予许可】) until its 事后核查 is due"),
    S("COMMITMENT_TEXTS_FILE", None, Text(optional=True, file=True),
      "告知承诺制: a JSON file with the bureau's 告知书 / 承诺书 texts (keys `version`, "
      "`notice_title`, `notice`, `promise`)",
      default_doc="the texts of `portal_plugin/core/data/commitment.json`"),
    S("LICENSE_VALID_YEARS", 5, Integer(min=0, max=50),
      "years a new 许可证 is valid (and a 延续 extends it by); `0` is 长期: no 有效期至, never "
      "expires, cannot be renewed"),
    S("RENEWAL_WINDOW_DAYS", 90, Integer(min=31, max=3650),
      "延续: calendar days before the 有效期至 from which a renewal may be applied for (it closes "
      "30 days before it, 《行政许可法》 Art 50)"),
    S("NUMBER_FORMATS", {}, Table(keys=NUMBER_KINDS, value=Text()),
      "number formats by kind (`case`, `license`, `decision`, `filing`, `deregistration`, and "
      "the documents' series `acceptance`, `correction`, `non_acceptance`, `refusal`, … ); see "
      "`workflows.numbering.DEFAULT_FORMATS` for the placeholders",
      default_doc="the formats of `workflows/numbering.py`", merge=True),
    S("PUBLIC_RATE_LIMIT", 60, Integer(min=1, max=100_000),
      "requests a minute one client address may make to the public pages (`/public/…`, "
      "`/verify/…`), counted per worker process (core/ratelimit.py)"),
    S("HISTORY_IMPORT_MAX_ROWS", 20_000, Integer(min=1, max=1_000_000),
      "历史数据采集: the most data rows one upload may have"),
    S("MATERIAL_MAX_BYTES", 10 * 1024 * 1024, Integer(min=1024, max=1024**3),
      "申请材料: the largest uploaded file in bytes (PDF, JPG, PNG); over it: 413"),
    S("HISTORY_IMPORT_MAX_BYTES", 20 * 1024 * 1024, Integer(min=1024, max=1024**3),
      "历史数据采集: the largest upload in bytes"),
    S("HISTORY_IMPORT_MAX_UNZIPPED_BYTES", 256 * 1024 * 1024, Integer(min=1024, max=16 * 1024**3),
      "历史数据采集: the uncompressed size an upload's zip may declare (zip bombs are refused "
      "from the directory)"),
    S("REISSUE_STATEMENT_MAX_BYTES", 5 * 1024 * 1024, Integer(min=1024, max=1024**3),
      "补发: the largest 遗失声明 (PDF, JPG or PNG) a clerk may upload, in bytes"),
    # 1,000 as GitLab counts its lists ("1,000+"): counting 10,000 index entries cost a
    # city-wide list ~1.5 ms of database time per request, more than the page's own rows.
    S("LIST_EXACT_TOTAL_MAX", 1_000, Integer(min=100, max=10_000_000),
      "lists count their total exactly up to this many rows; above it they show the planner's "
      "estimate (约 N 条), so a city-wide list costs what a district's does"),
    # --- operations (docs/operations.md)
    S("REQUEST_MAX_BODY_BYTES", 1024 * 1024, Integer(min=1024, max=1024**3),
      "the largest request body other than a multipart upload (JSON, forms); uploads are capped "
      "at `HISTORY_IMPORT_MAX_BYTES` plus the form's overhead; over it: 413"),
    S("METRICS_TOKEN", None, Text(optional=True),
      "`GET /metrics` needs `Authorization: Bearer {METRICS_TOKEN}` when set; public when not"),
    S("LOG_FORMAT", "json", Text(choices=("json", "text")),
      "`json`: one JSON line per event on stderr (standalone only); `text`: logging as the host "
      "configured it"),
    S("LOG_LEVEL", "INFO", Text(choices=("DEBUG", "INFO", "WARNING", "ERROR")),
      "the level of the plugin's loggers"),
    S("DB_CONNECT_TIMEOUT_SECONDS", 1.0, Number(min=0.1, max=60),
      "PostgreSQL: the longest a new connection may take (then 503)"),
    S("DB_PING_TIMEOUT_SECONDS", 0.4, Number(min=0.05, max=60),
      "PostgreSQL: the pool's liveness check of a kept connection"),
    S("DB_PING_IDLE_SECONDS", 0.5, Number(min=0, max=3600),
      "PostgreSQL: a kept connection returned to the pool at least this long ago is checked "
      "before use; one returned more recently is trusted (0: check every time)"),
    S("DB_STATEMENT_TIMEOUT_SECONDS", 1.5, Number(min=0.1, max=600),
      "PostgreSQL: the longest statement a request may run (CLI commands are not limited)"),
    S("DB_POOL_TIMEOUT_SECONDS", 1.0, Number(min=0.1, max=60),
      "the wait for a free pooled connection"),
    S("DB_RETRY_SECONDS", 1.0, Number(min=0.1, max=60),
      "after a database timeout a process answers 503 at once for this long, then tries again"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
# The defaults every app starts from (create_app, and init_app for the keys a host leaves unset).
# INSTANCE_PATH and HRM_SETTINGS are read before the app exists and are not kept in its config.
NOT_KEPT = frozenset({"INSTANCE_PATH", "HRM_SETTINGS"})
DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS if s.name not in NOT_KEPT}


def _problem(name: str, reason: str, source: str = "") -> str:
    return f"{name}{f' ({source})' if source else ''}: {reason}"


def read_settings_file(path: str) -> dict[str, Any]:
    """The settings a file sets: TOML (`.toml`) or Python (upper-case names), unknown names refused."""
    try:
        if path.endswith(".toml"):
            with open(path, "rb") as fh:
                values = tomllib.load(fh)
        else:
            namespace: dict[str, Any] = {"__file__": path}
            with open(path, "rb") as fh:
                exec(compile(fh.read(), path, "exec"), namespace)  # noqa: S102 - the operator's file
            values = {k: v for k, v in namespace.items() if k.isupper()}
    except (OSError, tomllib.TOMLDecodeError, SyntaxError) as exc:
        raise ConfigError(_problem("HRM_SETTINGS", f"cannot read {path}: {exc}")) from None
    by_variable = {s.variable: s.name for s in SETTINGS}
    unknown = sorted(k for k in values if k not in BY_NAME and k not in by_variable)
    if unknown:
        raise ConfigError(_problem("HRM_SETTINGS", f"{path} sets unknown setting(s) {unknown}"))
    return {by_variable.get(k, k): v for k, v in values.items()}


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given outside the code: the settings file (HRM_SETTINGS), then the
    environment over it; each one checked (ConfigError naming it)."""
    env = dict(os.environ if env is None else env)
    given: dict[str, Any] = {}
    sources: dict[str, str] = {}
    validate({"HRM_SETTINGS": env.get("HRM_SETTINGS")}, {"HRM_SETTINGS": "environment"})
    if env.get("HRM_SETTINGS"):
        for name, value in read_settings_file(env["HRM_SETTINGS"]).items():
            given[name], sources[name] = value, env["HRM_SETTINGS"]
    for setting in SETTINGS:
        if setting.variable in env and setting.name != "HRM_SETTINGS":
            given[setting.name], sources[setting.name] = env[setting.variable], "environment"
    config = validate(given, sources)
    return {k: v for k, v in config.items() if v is not None or k in sources}


def validate(config: Mapping[str, Any], sources: Mapping[str, str] | None = None
             ) -> dict[str, Any]:
    """Every known setting of `config` read by its kind; all problems in one ConfigError."""
    out = dict(config)
    problems = []
    for name, value in config.items():
        setting = BY_NAME.get(name)
        if setting is None:
            continue
        try:
            out[name] = setting.read(value)
        except ValueError as exc:
            problems.append(_problem(setting.variable, str(exc), (sources or {}).get(name, "")))
    if problems:
        raise ConfigError("invalid setting(s): " + "; ".join(problems))
    return out


def documentation_rows(settings: Iterable[Setting] = SETTINGS) -> list[tuple[str, str, str]]:
    """(variable, meaning, default) per setting: the README table's rows."""
    return [(f"`{s.variable}`", s.meaning, s.documented_default()) for s in settings]


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def finalise(config: dict[str, Any], instance_path: str) -> None:
    """Check every setting, fill derived defaults and refuse unsafe production settings."""
    config.update(validate(config))
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
    if "openid" not in str(config.get("SSO_SCOPE", "openid")).split():
        raise ConfigError(_problem("SSO_SCOPE", "must contain the scope openid"))
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


def markdown_table() -> str:
    """The README's configuration table, from SETTINGS."""
    lines = ["| variable | meaning | default |", "|---|---|---|"]
    lines += [f"| {v} | {m} | {d} |" for v, m, d in documentation_rows()]
    return "\n".join(lines)

