"""The plans of every list on PostgreSQL: each statement a list request sends, for a district and
a city officer, is EXPLAINed on a database large enough for the planner to be honest (bulk
rows, VACUUM ANALYZE), and no plan may read `cases`, `agencies`, `licenses` or `filings` with a
sequential scan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import flask
import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.seed import load_catalog, load_divisions
from sso.devportal import dev_portal_for
from tests.conftest import (
    _libpq,
    base_config,
    create_pg_database,
    drop_pg_database,
    postgres_reachable,
)
from tests.kit import CITY, HP

pytestmark = pytest.mark.skipif(bool(postgres_reachable()), reason="plans need PostgreSQL")

RANDOM_PAGE_COST = 1.1
SCANNED = re.compile(r"Seq Scan on (cases|agencies|licenses|filings)\b")

# Bulk rows (generate_series): enough that a sequential scan is the planner's honest choice
# only where an index is missing. Districts are the 16 current ones, cycled.
BULK = """
CREATE TEMP TABLE d AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code
    FROM divisions WHERE parent_code = '120000' AND active;
INSERT INTO import_batches (status, file_name, uploaded_by, uploaded_by_name, division_code,
        rows, valid_rows, error_count, warning_count, counts, errors, warnings, preview,
        created_at, committed_at)
    SELECT 'imported', 'h' || g || '.xlsx', 'u', '导入员', '120101', 10, 10, 0, 0, '{}', '[]',
           '[]', '[]', now() - g * interval '1 day', now() - g * interval '1 day'
    FROM generate_series(1, 50) g;
INSERT INTO agencies (name, credit_code, agency_type, division_code, address, legal_rep,
        legal_rep_id_type, legal_rep_id_no, status, deregistered_on, source, import_batch_id,
        business_scope, created_at, updated_at)
    SELECT '天津市测试人力资源服务有限公司' || g, 'T' || lpad(g::text, 17, '0'), 'T02', d.code,
           '天津市和平区南京路' || g || '号国际大厦' || (g % 30) || '层' || (g % 20) || '室',
           '张伟', 'resident_id', '11010519491231002X',
           CASE WHEN g % 14 = 0 THEN 'deregistered' ELSE 'valid' END,
           CASE WHEN g % 14 = 0 THEN date '2024-01-01' END,
           CASE WHEN g % 40 = 0 THEN 'history_import' ELSE 'entry' END,
           CASE WHEN g % 40 = 0 THEN 1 + g % 50 END,
           '职业中介；人力资源管理咨询；人力资源外包；劳务派遣；人才测评；网络招聘；高级人才寻访',
           now(), now()
    FROM generate_series(1, 60000) g JOIN d ON d.n = g % 16;
INSERT INTO licenses (agency_id, license_number, decision_number, issuing_authority, items,
        issued_on, status, source, created_at)
    SELECT a.id, '（津）人服证字〔2024〕第' || lpad(a.id::text, 8, '0') || '号',
           '津人社许准字〔2024〕' || a.id || '号', '天津市和平区人力资源和社会保障局',
           '["L01", "L02", "L05"]', date '2019-01-01' + (a.id % 2000),
           CASE WHEN a.id % 9 = 0 THEN 'expired' ELSE 'valid' END, 'application', now()
    FROM agencies a WHERE a.id % 8 < 5;
INSERT INTO filings (agency_id, filing_number, items, filed_on, status, source, created_at)
    SELECT a.id, '津人服备字〔2024〕第' || lpad(a.id::text, 8, '0') || '号',
           '["F01", "F02", "F03", "F04", "F05", "F06"]', date '2019-01-01' + (a.id % 2000),
           CASE WHEN a.id % 11 = 0 THEN 'deregistered' ELSE 'valid' END, 'application', now()
    FROM agencies a WHERE a.id % 10 < 7;
INSERT INTO cases (workflow, status, version, credit_code, agency_name, division_code,
        agency_id, payload, created_by, created_at, updated_at, submitted_at, case_no, deadline)
    SELECT (ARRAY['licensing', 'filing', 'change', 'branch', 'deregistration'])[1 + g % 5],
           (ARRAY['approved', 'approved', 'approved', 'approved', 'approved', 'approved',
                  'approved', 'approved', 'approved', 'approved', 'approved', 'approved',
                  'approved', 'approved', 'approved', 'approved', 'submitted',
                  'pending_review', 'refused', 'rejected', 'returned', 'draft'])[1 + g % 22],
           2, 'T' || lpad((1 + g % 60000)::text, 17, '0'), '测试人力资源' || (1 + g % 60000),
           d.code, 1 + g % 60000, '{}', 'u', now() - g * interval '3 minutes', now(),
           CASE WHEN g % 22 <> 21 THEN now() - g * interval '3 minutes' END,
           CASE WHEN g % 22 <> 21 THEN 'C' || g END,
           current_date + (g % 30 - 10)
    FROM generate_series(1, 300000) g JOIN d ON d.n = (g / 7) % 16;
INSERT INTO annual_reports (agency_id, year, name, credit_code, division_code, legal_rep,
        address, staff_count, revenue, served_workers, served_employers, placements,
        job_fairs_held, online_postings, trainings, filled_by, filled_on, status, version,
        created_by, created_at, updated_at, submitted_at)
    SELECT a.id, y, a.name, a.credit_code, a.division_code, '张伟', '天津市测试路', 1, 0, 0, 0,
           0, 0, 0, 0, '吴芳', date '2025-01-15',
           (ARRAY['submitted', 'passed', 'passed', 'returned'])[1 + a.id % 4], 1, 'u', now(),
           now(), now()
    FROM agencies a, generate_series(2023, 2024) y WHERE a.id % 2 = 0;
INSERT INTO job_fairs (name, kind, organizer, start_at, end_at, venue, venue_address,
        division_code, booths, expected_employers, expected_positions, expected_visitors,
        safety_officer, safety_phone, contact, contact_phone, agency_id, credit_code, created_by,
        created_by_name, created_at)
    SELECT '招聘会' || a.id, 'J04', '协会', now() - a.id * interval '1 hour',
           now() - a.id * interval '1 hour' + interval '6 hours', '大厅', '天津市南京路1号',
           a.division_code, 10, 10, 100, 100, '王强', '022-23456789', '李娜', '13812345678',
           a.id, a.credit_code, 'u', '吴芳', now()
    FROM agencies a WHERE a.id % 5 = 0;
INSERT INTO revocations (license_id, agency_id, division_code, ground, decision_date,
        document_number, created_by, created_by_name, created_at)
    SELECT l.id, l.agency_id, a.division_code, 'R01', date '2025-01-01' + (l.id % 300),
           'W' || l.id, 'u', '赵静', now()
    FROM licenses l JOIN agencies a ON a.id = l.agency_id WHERE l.id % 20 = 0;
"""


@pytest.fixture(scope="module")
def big_app() -> Iterator[Flask]:
    name, url = create_pg_database("hrm_plans")
    try:
        app = create_app(base_config(_instance(name), url))
        with app.app_context():
            upgrade()
            load_divisions(app.config["DIVISIONS_FILE"])
            load_catalog(app.config["CATALOG_FILE"])
            db.session.commit()
            db.engine.dispose()
        libpq = _libpq(url)
        with psycopg.connect(libpq) as conn:
            conn.execute(BULK)
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # the visibility map too: index-only counts
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_pg_database(name)


def _instance(name: str) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=name + "-")


def _bearer(app: Flask, role: str, division: str) -> dict[str, str]:
    with app.app_context():
        token = dev_portal_for(app).mint({"sub": f"{role}@{division}", "name": "测试",
                                          "division": division, "roles": [role]})
    return {"Authorization": "Bearer " + token}


def _browser(app: Flask, role: str, division: str) -> Any:
    browser = app.test_client()
    with app.app_context():
        id_token = dev_portal_for(app).mint(
            {"sub": f"{role}@{division}", "name": "测试", "division": division,
             "roles": [role]}, access=False)
    with app.test_request_context():
        sso = app.extensions["hrm_sso"]
        sso.start_session(sso.verifier.verify_id_token(id_token,
                                                       audience=app.config["SSO_CLIENT_ID"]))
        data = dict(flask.session)
    with browser.session_transaction() as session:
        session.update(data)
    return browser


# (role, URL): every list page and API list, the first page, a later one, a filtered one.
LISTS = [
    ("HRM_SL", "/licensing/accept"),
    ("HRM_SL", "/licensing/accept?status=submitted"),
    ("HRM_SL", "/licensing/accept?page=3"),
    ("HRM_SH", "/filing/review?status=approved"),
    ("HRM_SL", "/change/accept?name=测试人力资源12"),
    ("HRM_SL", "/licensing/records"),
    ("HRM_SL", "/licensing/records?status=valid&page=2"),
    ("HRM_SL", "/filing/records"),
    ("HRM_GL", "/agencies"),
    ("HRM_GL", "/agencies?status=valid&page=2"),
    ("HRM_GL", "/annual-reports"),
    ("HRM_GL", "/annual-reports?year=2024&page=2"),
    ("HRM_GL", "/job-fairs"),
    ("HRM_GL", "/revocations"),
    ("HRM_GL", "/history-import"),
    ("HRM_SL", "/api/v1/cases/licensing"),
    ("HRM_SL", "/api/v1/cases/licensing?status=approved&page=4"),
    ("HRM_SL", "/api/v1/cases/branch?status=submitted"),
    ("HRM_SL", "/api/v1/licenses"),
    ("HRM_SL", "/api/v1/filings?status=valid"),
    ("HRM_GL", "/api/v1/agencies"),
    ("HRM_GL", "/api/v1/annual-reports"),
    ("HRM_GL", "/api/v1/job-fairs"),
    ("HRM_GL", "/api/v1/revocations"),
    ("HRM_GL", "/api/v1/history-imports"),
    ("HRM_GL", "/api/v1/history-records"),
]


def statements_of(app: Flask, client: Any, url: str, headers: dict[str, str]
                  ) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def caught(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", caught)
    try:
        answer = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", caught)
    assert answer.status_code == 200, (url, answer.status_code, answer.get_data(True)[:300])
    return seen


@pytest.mark.parametrize("division", [HP, CITY], ids=["district", "city"])
@pytest.mark.parametrize(("role", "url"), LISTS, ids=[url for _, url in LISTS])
def test_no_list_scans_a_big_table(big_app: Flask, role: str, url: str, division: str) -> None:
    if url.startswith("/api/"):
        client, headers = big_app.test_client(), _bearer(big_app, role, division)
    else:
        client, headers = _browser(big_app, role, division), {}
    statements = statements_of(big_app, client, url, headers)
    listed = [s for s, _ in statements if re.search(
        r"\bFROM (cases|agencies|licenses|filings|annual_reports|job_fairs|revocations|"
        r"import_batches)\b", s)]
    assert listed, "the list sent no statement over its table"
    with big_app.app_context():
        connection = db.session.connection()
        # Storage as deployed (SSD): random reads cost little more than sequential ones.
        connection.exec_driver_sql(f"SET LOCAL random_page_cost = {RANDOM_PAGE_COST}")
        for statement, params in statements:
            plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, params)
                             .scalars().all())
            assert not SCANNED.search(plan), f"{url}: a sequential scan\n{statement}\n{plan}"
        db.session.rollback()
