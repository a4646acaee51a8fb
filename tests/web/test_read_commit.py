"""A request whose transaction only read ends it with COMMIT (core.transaction.commit_reads,
PostgreSQL), so psycopg keeps its prepared statements; anything else a request left in its
transaction — a write it did not commit, a pending ORM object, an error — is rolled back as
before, never committed by the teardown."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select, text

from portal_plugin.core.extensions import db
from portal_plugin.core.models import UsedLogoutToken

LATER = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def app(make_app):
    # One kept connection (overflow ones are closed on return), so every request of a test
    # runs on the same server session, whose prepared statements the test can see.
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 5})


def _routes(app):
    """Test-only views on the app (outside the bundle) that leave their transaction open."""

    def pending():
        db.session.add(UsedLogoutToken(jti="pending", expires_at=LATER))
        return "left pending"

    def written():
        db.session.execute(text("INSERT INTO used_logout_tokens (jti, expires_at) "
                                "VALUES ('written', :at)"), {"at": LATER})
        return "written, not committed"

    def failed():
        db.session.execute(text("INSERT INTO used_logout_tokens (jti, expires_at) "
                                "VALUES ('failed', :at)"), {"at": LATER})
        raise RuntimeError("the view failed after writing")

    def read():
        return str(db.session.scalar(select(func.count()).select_from(UsedLogoutToken)))

    for view in (pending, written, failed, read):
        app.add_url_rule(f"/test-tx/{view.__name__}", view.__name__, view)


def _ends(app):
    """How each transaction of the app's engine ended."""
    ended: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda conn: ended.append("commit"))
    event.listen(engine, "rollback", lambda conn: ended.append("rollback"))
    return ended


@pytest.mark.parametrize("view", ["pending", "written", "failed"])
def test_what_a_request_left_uncommitted_is_rolled_back(app, view):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _routes(app)
    client = app.test_client()
    answer = client.get(f"/test-tx/{view}")
    assert answer.status_code == (500 if view == "failed" else 200)
    with app.app_context():
        assert db.session.scalars(select(UsedLogoutToken.jti)).all() == []


def test_a_request_that_only_read_commits_on_postgresql(app):
    _routes(app)
    ended = _ends(app)
    client = app.test_client()
    assert client.get("/test-tx/read").get_data(as_text=True) == "0"
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert ended == (["commit"] if postgresql else ["rollback"])
    ended.clear()
    client.get("/test-tx/written")
    assert "commit" not in ended


def test_a_read_only_list_is_prepared_after_five_requests_on_postgresql(app, login_as):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's")
    client = login_as("HRM_SL")
    for _ in range(7):
        assert client.get("/licensing/accept").status_code == 200
    with app.app_context():
        prepared = db.session.scalars(text(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE '_pg3_%'")).all()
        plan_mode = db.session.scalar(text("SHOW plan_cache_mode"))
    assert any("FROM cases" in statement for statement in prepared), prepared
    assert plan_mode == "force_custom_plan"
