"""flaskr-style fixtures: app, client, runner, token(**claims), login_as(role, division), and
over tests/kit.py: people (officers' and clerks' bearer headers), api (cases), agencies.

Every database test runs on SQLite and, when reachable, on PostgreSQL (its own database per
run, dropped at the end). REQUIRE_POSTGRES=1 (set by .ci/run) turns "unreachable" into a failure.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.seed import load_catalog, load_divisions
from sso.devportal import dev_portal_for
from tests.kit import CLERK_CODE, HP, HX, OTHER_CODE, Api, People, add_agency

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql:///test")
# Tables a test may write; reference data (divisions, codes) is seeded once per run.
MUTABLE_TABLES = ("audit_events", "documents", "cases", "counters", "issued_numbers", "calendar_days",
                  "calendar_years",
                  "job_fairs", "annual_reports", "revocations", "filings", "licenses",
                  "agencies", "import_batches", "stored_files", "plugin_sessions",
                  "used_logout_tokens", "commitment_exclusions", "inspections",
                  "license_versions", "reissue_requests", "publicity_items", "publicity_batches",
                  "case_materials")


def postgres_reachable() -> str | None:
    try:
        with psycopg.connect(_libpq(TEST_DATABASE_URL), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc)


def _libpq(url: str) -> str:
    """A SQLAlchemy-style URL as a libpq connection string."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _backends() -> list[Any]:
    problem = postgres_reachable()
    if problem and os.environ.get("REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError(f"REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {problem}")
    pg = pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(bool(problem), reason=f"PostgreSQL unreachable: {problem}"),
    )
    return ["sqlite", pg]


def base_config(instance: Path, database_url: str, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_DEV_MODE": True,
        # A loaded 2-core CI machine (or a long garbage collection in this big test process)
        # may take more than production's 1 s to open a connection, 0.4 s to answer a ping or
        # 1.5 s to run a statement: an upload's insert waited 1.57 s there and answered 503,
        # and a late ping shut its connection and held the database "down" for the next
        # requests. The fault test (tests/faults, its own servers and settings) checks the
        # real limits.
        "DB_CONNECT_TIMEOUT_SECONDS": 10,
        "DB_PING_TIMEOUT_SECONDS": 10,
        "DB_STATEMENT_TIMEOUT_SECONDS": 30,
    }
    config.update(overrides)
    return config


def create_pg_database(prefix: str) -> tuple[str, str]:
    """A new, empty PostgreSQL database beside TEST_DATABASE_URL: (name, SQLAlchemy URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(TEST_DATABASE_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg", database=name)
    return name, url.render_as_string(hide_password=False)


def drop_pg_database(name: str) -> None:
    with psycopg.connect(_libpq(TEST_DATABASE_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Database:
    """One migrated, seeded database per backend and run; reset between tests."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        if backend == "sqlite":
            self.template = workdir / "template.sqlite3"
            self.url = f"sqlite:///{self.template}"
        else:
            self.name, self.url = create_pg_database("hrm_test")
        app = create_app(base_config(workdir / "instance", self.url))
        with app.app_context():
            upgrade()
            load_divisions(app.config["DIVISIONS_FILE"])
            load_catalog(app.config["CATALOG_FILE"])
            db.session.commit()
            db.engine.dispose()

    def fresh_url(self, tmp_path: Path) -> str:
        if self.backend == "sqlite":
            copy = tmp_path / "hrm.sqlite3"
            shutil.copyfile(self.template, copy)
            return f"sqlite:///{copy}"
        return self.url

    def reset(self, app: Flask) -> None:
        if self.backend == "postgresql":
            with app.app_context():
                db.session.execute(text(f"TRUNCATE {', '.join(MUTABLE_TABLES)} RESTART IDENTITY"))
                db.session.commit()

    def drop(self) -> None:
        if self.backend == "postgresql":
            drop_pg_database(self.name)


@pytest.fixture(scope="session", params=_backends())
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Database]:
    database = Database(request.param, tmp_path_factory.mktemp(request.param))
    yield database
    database.drop()


@pytest.fixture
def make_app(database: Database, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on this test's database with config overrides."""
    url = database.fresh_url(tmp_path)
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(base_config(tmp_path / "instance", url, **overrides))
        apps.append(app)
        return app

    yield build
    if apps:
        database.reset(apps[0])
    for app in apps:  # after the reset, so no pooled connection outlives the test
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


DEFAULT_DIVISION = HP  # a token's division unless told


@pytest.fixture
def token(app: Flask) -> Callable[..., str]:
    """A bearer access token from the dev portal for these claims."""

    def make(**claims: Any) -> str:
        claims.setdefault("sub", "test-user")
        claims.setdefault("name", "测试用户")
        claims.setdefault("division", DEFAULT_DIVISION)
        claims.setdefault("roles", [])
        with app.app_context():
            return dev_portal_for(app).mint(claims)

    return make


@pytest.fixture
def auth_header(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """Bearer headers for a role; each distinct identity's token is minted once per test (~30 ms)."""

    @functools.cache
    def make(role: str, division: str = DEFAULT_DIVISION, **claims: Any) -> dict[str, str]:
        if role == "HRM_JG":
            claims.setdefault("org_credit_code", CLERK_CODE)
        return {"Authorization": "Bearer " + token(roles=[role], division=division, **claims)}

    return make


@pytest.fixture
def people(auth_header: Callable[..., dict[str, str]]) -> People:
    """Bearer headers by role and division, and of clerks by their agency's credit code."""
    return People(auth_header)


@pytest.fixture
def api(client: FlaskClient, people: People) -> Api:
    """The case API: create, act, read, and bring a case to any state."""
    return Api(client, people)


@pytest.fixture
def clerk(people: People) -> Callable[..., dict[str, str]]:
    """Bearer headers of an agency's clerk (the default clerk's unless told a credit code)."""
    return people.clerk


@pytest.fixture
def agencies(app: Flask) -> None:
    """The default clerk's agency (和平区) and another clerk's (河西区) in the registry."""
    with app.app_context():
        add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司")
        add_agency(OTHER_CODE, HX, "河西英才人力资源有限公司")
        db.session.commit()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page carries no CSRF token"
    return match.group(1)


@pytest.fixture
def login_as(app: Flask) -> Callable[..., FlaskClient]:
    """A browser-like client signed in through the dev portal as a user of this role."""

    def login(role: str, division: str = DEFAULT_DIVISION, **claims: Any) -> FlaskClient:
        browser = app.test_client()
        with app.app_context():
            dev = dev_portal_for(app)
            id_token = dev.mint(
                {"sub": f"{role}@{division}", "name": "测试" + role, "division": division,
                 "roles": [role],
                 "org_credit_code": CLERK_CODE if role == "HRM_JG" else None, **claims},
                access=False,
            )
        # The session is stored as a login stores it (a row, its id in the browser's cookie).
        with browser.session_transaction() as session, app.app_context():
            sso = app.extensions["hrm_sso"]
            verified = sso.verifier.verify_id_token(id_token, audience=app.config["SSO_CLIENT_ID"])
            sso.start_session(verified, into=session)
        return browser

    return login


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


class FakeClock:
    """A monotonic clock the test moves by hand (JWKS refetch intervals, TTLs)."""

    def __init__(self, now: float = 10_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
