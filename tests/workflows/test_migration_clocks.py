"""Migration 0011 upgrades a database that holds data (SQLite and PostgreSQL): numbers issued
before stay as they are (a legacy duplicate too) and are registered once, running cases keep
their due date, the divisions get their authority, ids are never reused afterwards, and the
statistics triggers survive the SQLite table copies; it downgrades cleanly."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from tests.conftest import base_config, create_pg_database, drop_pg_database, postgres_reachable

NOW = "2026-06-01 08:00:00+00"
AGENCY = ("INSERT INTO agencies (name, credit_code, agency_type, division_code, address, "
          "legal_rep, legal_rep_id_type, legal_rep_id_no, status, source, created_at, "
          "updated_at) VALUES (:name, :code, 'T02', '120101', '天津市', '张伟', "
          "'resident_id', '11010519491231002X', 'valid', 'entry', :now, :now)")
LICENSE = ("INSERT INTO licenses (agency_id, license_number, decision_number, items, issued_on, "
           "status, source, created_at) VALUES (:agency, :number, :decision, '[]', :issued, "
           "'valid', 'application', :now)")


@pytest.fixture(params=["sqlite", "postgresql"])
def app_before(request, tmp_path):
    """An app on a new database migrated to 0010 (the revision before), with registry rows
    and a running case."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/old.sqlite3"
    elif postgres_reachable():
        pytest.skip("PostgreSQL unreachable")
    else:
        name, url = create_pg_database("hrm_migration_clocks")
    app = create_app(base_config(tmp_path / "instance", url))
    with app.app_context():
        upgrade(revision="0010")
        run = db.session.execute
        run(text("INSERT INTO divisions (code, name, parent_code, active, sort_order) VALUES "
                 "('120000', '天津市', NULL, true, 0), ('120101', '和平区', '120000', true, 1), "
                 "('120103', '河西区', '120000', true, 3)"))
        for id_, code in ((1, "91120101MA0000001X"), (2, "91120101MA0000002X")):
            run(text(AGENCY), {"name": f"机构{id_}", "code": code, "now": NOW})  # ids 1, 2
        # The bug this migration ends: two districts' licences with one 决定文号.
        run(text(LICENSE), {"agency": 1, "number": "（津）人服证字〔2026〕第01010001号",
                            "decision": "津人社许准字〔2026〕1号", "issued": "2026-03-02", "now": NOW})
        run(text(LICENSE), {"agency": 2, "number": "（津）人服证字〔2026〕第01030001号",
                            "decision": "津人社许准字〔2026〕1号", "issued": "2025-03-02", "now": NOW})
        run(text("INSERT INTO cases (workflow, case_no, status, version, credit_code, agency_name, "
                 "division_code, payload, deadline, created_by, created_at, updated_at, "
                 "submitted_at) VALUES ('licensing', 'XK120101202606010001', 'pending_review', 3, "
                 "'91120101MA0000001X', '机构1', '120101', '{}', '2026-07-06', 'u', :now, :now, "
                 ":now)"), {"now": NOW})
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        drop_pg_database(name)


def test_upgrade_keeps_the_data_and_downgrade_restores_0010(app_before):
    with app_before.app_context():
        upgrade()
        run = db.session.execute
        assert sorted(run(text("SELECT decision_number FROM licenses")).scalars()) == [
            "津人社许准字〔2026〕1号"] * 2
        assert dict(run(text("SELECT number, kind FROM issued_numbers")).all()) == {
            "津人社许准字〔2026〕1号": "decision",
            "（津）人服证字〔2026〕第01010001号": "license",
            "（津）人服证字〔2026〕第01030001号": "license"}
        assert dict(run(text("SELECT code, authority_name FROM divisions")).all()) == {
            "120000": "天津市人力资源和社会保障局", "120101": "天津市和平区人力资源和社会保障局",
            "120103": "天津市河西区人力资源和社会保障局"}
        # The running case's clocks count from its submission (Monday 2026-06-01), not from
        # its acceptance as its old deadline did (2026-07-06): 5 and 20 working days.
        assert [str(v) for v in run(text(
            "SELECT accept_due, decision_due, deadline FROM cases")).one()] == [
            "2026-06-08", "2026-06-29", "2026-06-29"]
        assert sorted(run(text("SELECT decision_number_repeat FROM licenses")).scalars()) == [0, 1]
        # The constraint refuses a third licence with the number.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            run(text(LICENSE), {"agency": 1, "number": "（津）人服证字〔2026〕第01010009号",
                                "decision": "津人社许准字〔2026〕1号", "issued": "2026-03-02",
                                "now": NOW})
        # The statistics triggers still keep the first grant year.
        assert run(text("SELECT first_granted_year FROM agencies WHERE id = 2")).scalar_one() == 2025
        # An id deleted at the end is not given again.
        run(text("DELETE FROM licenses WHERE agency_id = 2"))
        run(text("DELETE FROM agencies WHERE id = 2"))
        run(text(AGENCY), {"name": "新机构", "code": "91120101MA0000003X", "now": NOW})
        assert run(text("SELECT max(id) FROM agencies")).scalar_one() == 3
        db.session.commit()
        downgrade(revision="0010")
        columns = {c["name"] for c in inspect(db.engine).get_columns("cases")}
        assert "accept_due" not in columns and "issued_numbers" not in inspect(
            db.engine).get_table_names()
        assert run(text("SELECT count(*) FROM agencies")).scalar_one() == 2
        upgrade()
