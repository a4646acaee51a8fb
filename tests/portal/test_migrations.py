"""Migrations are the only way the schema is made: upgrade an empty database, downgrade cleanly."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent, Division
from portal_plugin.core.seed import load_catalog, load_divisions
from tests.conftest import base_config, create_pg_database, drop_pg_database, postgres_reachable

TABLES = {"divisions", "code_items", "agencies", "licenses", "filings", "audit_events",
          "cases", "counters", "calendar_days", "calendar_years", "import_batches", "job_fairs",
          "annual_reports", "revocations", "stored_files", "plugin_sessions", "used_logout_tokens"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An app on a brand-new database with no tables at all."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/empty.sqlite3"
    elif postgres_reachable():
        pytest.skip("PostgreSQL unreachable")
    else:
        name, url = create_pg_database("hrm_migrations")
    app = create_app(base_config(tmp_path / "instance", url))
    yield app
    with app.app_context():
        db.engine.dispose()
    if name:
        drop_pg_database(name)


def test_upgrade_builds_every_table_and_downgrade_removes_them(empty_app):
    with empty_app.app_context():
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        downgrade(revision="base")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade()  # and again, from scratch
        assert set(inspect(db.engine).get_table_names()) >= TABLES


def test_seed_loads_tianjin_with_legacy_codes_and_is_idempotent(empty_app):
    with empty_app.app_context():
        upgrade()
        for _ in range(2):
            load_divisions(empty_app.config["DIVISIONS_FILE"])
            load_catalog(empty_app.config["CATALOG_FILE"])
            db.session.commit()
        districts = db.session.scalars(
            select(Division).where(Division.parent_code == "120000", Division.active)).all()
        assert len(districts) == 16
        assert db.session.get(Division, "120108").successor_code == "120116"
        assert db.session.get(Division, "120225").successor_code == "120119"


def test_audit_events_are_append_only_in_the_database(empty_app):
    with empty_app.app_context():
        upgrade()
        db.session.add(AuditEvent(actor_id="u", actor_name="n", actor_roles=[], action="test",
                                  object_type="x", object_id="1"))
        db.session.commit()
        for statement in ("UPDATE audit_events SET reason = 'edited'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 1
