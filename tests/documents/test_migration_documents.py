"""Migration 0018 on a database holding licences and filings (SQLite and PostgreSQL): every
row gets its own verification key, the keys are unique, and it downgrades cleanly."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from tests.conftest import base_config, create_pg_database, drop_pg_database, postgres_reachable

NOW = "2026-06-01 08:00:00+00"


@pytest.fixture(params=["sqlite", "postgresql"])
def app_before(request, tmp_path):
    """An app on a new database at 0013 with two licences and a filing."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/old.sqlite3"
    elif postgres_reachable():
        pytest.skip("PostgreSQL unreachable")
    else:
        name, url = create_pg_database("hrm_migration_documents")
    app = create_app(base_config(tmp_path / "instance", url))
    with app.app_context():
        upgrade(revision="0013")
        run = db.session.execute
        run(text("INSERT INTO divisions (code, name, parent_code, active, sort_order) VALUES "
                 "('120000', '天津市', NULL, true, 0), ('120101', '和平区', '120000', true, 1)"))
        run(text("INSERT INTO agencies (name, credit_code, agency_type, division_code, address, "
                 "legal_rep, legal_rep_id_type, legal_rep_id_no, status, source, created_at, "
                 "updated_at) VALUES ('机构1', '91120101MA0000001X', 'T02', '120101', '天津市', "
                 "'张伟', 'resident_id', '11010519491231002X', 'valid', 'entry', :now, :now)"),
            {"now": NOW})
        for number in ("（津）人服证字〔2026〕第01010001号", "（津）人服证字〔2026〕第01010002号"):
            run(text("INSERT INTO licenses (agency_id, license_number, items, issued_on, status, "
                     "source, created_at) VALUES (1, :number, '[]', '2026-03-02', 'valid', "
                     "'entry', :now)"), {"number": number, "now": NOW})
        run(text("INSERT INTO filings (agency_id, filing_number, items, filed_on, status, source, "
                 "created_at) VALUES (1, '津人服备字〔2026〕第01010001号', '[]', '2026-03-02', "
                 "'valid', 'entry', :now)"), {"now": NOW})
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        drop_pg_database(name)


def test_0018_gives_every_record_a_unique_key_and_downgrades(app_before):
    with app_before.app_context():
        upgrade(revision="0018")
        run = db.session.execute
        keys = [k for table in ("licenses", "filings")
                for (k,) in run(text(f"SELECT verify_key FROM {table}"))]
        assert len(keys) == 3 and len(set(keys)) == 3 and all(len(k) >= 32 for k in keys)
        assert "documents" in inspect(db.engine).get_table_names()
        with pytest.raises(IntegrityError):
            run(text("UPDATE licenses SET verify_key = :k"), {"k": keys[0]})
        db.session.rollback()
        downgrade(revision="0013")
        assert "documents" not in inspect(db.engine).get_table_names()
        assert "verify_key" not in {c["name"] for c in inspect(db.engine).get_columns("licenses")}
        db.session.remove()
