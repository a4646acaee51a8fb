"""core.dbguard's checkout check on PostgreSQL: a connection returned within DB_PING_IDLE_SECONDS
is used without a ping, an older one is pinged (and replaced when the server dropped it), and
a dropped connection used without a ping costs one 503 — never a 500 — after which the pool
connects anew with the request's statement limit set again.

The server "drops" the app's connections with pg_terminate_backend, as a restart would.
(The stopped and frozen server under load is tests/faults.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import make_url, text

from portal_plugin.core.extensions import db
from tests.conftest import HP, Database


@pytest.fixture
def app(make_app: Callable[..., Flask], database: Database, request: pytest.FixtureRequest
        ) -> Flask:
    if database.backend != "postgresql":
        pytest.skip("core.dbguard guards PostgreSQL only")
    return make_app(DB_PING_IDLE_SECONDS=getattr(request, "param", 0.5))


def pings(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The pings sent from now on (the dialect's do_ping, as the checkout check calls it)."""
    with app.app_context():
        dialect = db.engine.dialect
    sent: list[Any] = []
    real = dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        sent.append(dbapi_conn)
        return real(dbapi_conn)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return sent


def drop_connections(app: Flask) -> int:
    """The server ends every connection of the app's database (waiting until they are gone)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
                           "FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def backend(app: Flask) -> tuple[int, str]:
    """The pooled connection a request gets: its server process and statement limit."""
    with app.test_request_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        limit = db.session.execute(text("SHOW statement_timeout")).scalar_one()
        db.session.remove()
    return pid, limit


@pytest.mark.parametrize("app", [3600], indirect=True)
def test_a_connection_just_returned_is_used_without_a_ping(app: Flask,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # the pool's first connection
    sent = pings(app, monkeypatch)
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert sent == []


@pytest.mark.parametrize("app", [0], indirect=True)
def test_with_no_window_every_checkout_pings_and_a_dropped_connection_is_replaced(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    first, _ = backend(app)
    sent = pings(app, monkeypatch)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert len(sent) == 3
    assert drop_connections(app) >= 1
    # The ping finds the connection dead and the pool connects anew: the request never knows.
    assert client.get("/healthz").status_code == 200
    again, limit = backend(app)
    assert again != first
    assert limit == "30s"  # tests/conftest's DB_STATEMENT_TIMEOUT_SECONDS, set on the new one


@pytest.mark.parametrize("app", [3600], indirect=True)
def test_a_dropped_connection_used_unchecked_costs_one_503_then_the_pool_reconnects(
        app: Flask, auth_header: Callable[..., dict[str, str]]) -> None:
    client = app.test_client()
    headers = auth_header("HRM_CX", HP)
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    first, limit = backend(app)
    assert limit == "30s"
    assert drop_connections(app) >= 1

    failed = client.get("/api/v1/agencies", headers=headers)
    assert failed.status_code == 503
    assert failed.json["error"]["code"] == "unavailable"

    assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    again, limit = backend(app)
    assert again != first
    # A reconnect starts with a fresh record: the request's server-side limit is set again.
    assert limit == "30s"
