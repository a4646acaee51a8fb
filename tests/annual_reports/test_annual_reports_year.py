"""The reporting year: a report covers a finished year (the current one is refused), is due by
the configured date of the following year (later: 逾期报送), and 未报送 lists the agencies of
the jurisdiction with a valid licence or filing and no submitted report for the year."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import Flask
from openpyxl import load_workbook

from portal_plugin import create_app
from portal_plugin.annual_reports import service
from portal_plugin.core.config import ConfigError
from portal_plugin.core.extensions import db
from tests.conftest import csrf_token_from
from tests.kit import (
    CITY,
    HP,
    HX,
    add_agency,
    add_filing,
    add_license,
    credit_code,
    report_body,
)

THIS_YEAR = dt.date.today().year
LAST_YEAR = THIS_YEAR - 1


def test_a_report_for_the_current_year_is_refused(client, clerk, licensed, login_as) -> None:
    response = client.post("/api/v1/annual-reports", json=report_body(year=THIS_YEAR),
                           headers=clerk())
    assert response.status_code == 422
    message = response.json["error"]["fields"]["year"]
    assert message == (f"年度报告报告的是已经结束的年度，{THIS_YEAR}年度尚未结束，不能填报；"
                       f"请填报{LAST_YEAR}年度")
    assert client.post("/api/v1/annual-reports", json=report_body(year=LAST_YEAR),
                       headers=clerk()).status_code == 201
    browser = login_as("HRM_JG", HP)
    form = browser.get("/agency/annual-reports/new").text
    assert f'value="{LAST_YEAR}"' in form  # the previous year by default
    page = browser.post("/agency/annual-reports/new", data={
        **{k: str(v) for k, v in report_body(year=THIS_YEAR).items()},
        "csrf_token": csrf_token_from(form)})
    assert page.status_code == 422 and f"{THIS_YEAR}年度尚未结束" in page.text


@pytest.mark.parametrize(("day", "late"), [(dt.date(THIS_YEAR, 3, 31), False),
                                           (dt.date(THIS_YEAR, 4, 1), True)])
def test_a_report_after_the_deadline_is_marked_late(client, clerk, officer, licensed,
                                                    monkeypatch, day, late) -> None:
    monkeypatch.setattr(service, "today", lambda: day)
    made = client.post("/api/v1/annual-reports", json=report_body(year=LAST_YEAR, submit=True),
                       headers=clerk())
    assert made.status_code == 201, made.json
    assert made.json["late"] is late and made.json["due_on"] == f"{THIS_YEAR}-03-31"
    # Returned and resubmitted later, the first submission's mark stays.
    client.post(f"/api/v1/annual-reports/{made.json['id']}/return", json={"reason": "补充"},
                headers=officer())
    monkeypatch.setattr(service, "today", lambda: dt.date(THIS_YEAR, 6, 1))
    again = client.post(f"/api/v1/annual-reports/{made.json['id']}/submit", json={},
                        headers=clerk())
    assert again.status_code == 200 and again.json["late"] is late


def test_the_deadline_is_configuration(make_app, monkeypatch) -> None:
    app = make_app(ANNUAL_REPORT_DEADLINE="06-30")
    with app.app_context():
        assert service.due_date(2025) == dt.date(2026, 6, 30)


@pytest.fixture
def due(app: Flask, client, people) -> dict[str, str]:
    """Agencies of 和平区 and 河西区 in every situation for last year's report."""
    issued = dt.date(LAST_YEAR, 6, 1)
    codes = {name: credit_code(n, HX if name == "hx_licensed" else HP)
             for n, name in enumerate(("reported", "filed", "draft", "hx_licensed", "ended",
                                       "too_new", "passed"), start=501)}
    with app.app_context():
        rows = {name: add_agency(code, HX if name == "hx_licensed" else HP, f"机构{name}")
                for name, code in codes.items()}
        for name in ("reported", "draft", "hx_licensed", "passed"):
            add_license(rows[name], f"证{name}", issued_on=issued)
        add_filing(rows["filed"], "备filed", filed_on=issued)
        add_license(rows["ended"], "证ended", issued_on=issued, status="deregistered")
        add_license(rows["too_new"], "证too_new", issued_on=dt.date(THIS_YEAR, 1, 5))
        db.session.commit()
    for name, submit in (("reported", True), ("draft", False), ("passed", True)):
        response = client.post("/api/v1/annual-reports",
                               json=report_body(year=LAST_YEAR, submit=submit),
                               headers=people.clerk(codes[name]))
        assert response.status_code == 201, response.json
        if name == "passed":
            client.post(f"/api/v1/annual-reports/{response.json['id']}/pass", json={},
                        headers=people.officer("HRM_GL", HP))
    return codes


def test_missing_lists_exactly_the_agencies_due(client, people, due) -> None:
    city = client.get(f"/api/v1/annual-reports/missing?year={LAST_YEAR}",
                      headers=people.officer("HRM_GL", CITY))
    assert city.status_code == 200, city.json
    assert {row["credit_code"] for row in city.json["items"]} == {
        due["filed"], due["draft"], due["hx_licensed"]}
    assert city.json["total"] == 3
    by_code = {row["credit_code"]: row for row in city.json["items"]}
    assert by_code[due["draft"]]["report_status_label"] == "草稿未提交"
    assert by_code[due["filed"]]["report_status_label"] == "未填报"
    district = client.get("/api/v1/annual-reports/missing",  # last year by default
                          headers=people.officer("HRM_GL", HP)).json
    assert {row["credit_code"] for row in district["items"]} == {due["filed"], due["draft"]}
    current = client.get(f"/api/v1/annual-reports/missing?year={THIS_YEAR}",
                         headers=people.officer("HRM_GL", HP))
    assert current.status_code == 422 and "year" in current.json["error"]["fields"]
    assert client.get("/api/v1/annual-reports/missing",
                      headers=people.officer("HRM_SL", HP)).status_code == 403


def sheet_codes(content: bytes) -> set[str]:
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("机构名称", "统一社会信用代码", "所在区")
    return {row[1] for row in rows[1:]}


def test_missing_export_and_page_hold_the_same_agencies(client, people, due, login_as) -> None:
    city = client.get(f"/api/v1/annual-reports/missing?year={LAST_YEAR}&format=xlsx",
                      headers=people.officer("HRM_GL", CITY))
    assert city.status_code == 200
    assert city.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert sheet_codes(city.data) == {due["filed"], due["draft"], due["hx_licensed"]}
    browser = login_as("HRM_GL", HP)
    page = browser.get(f"/annual-reports/missing?year={LAST_YEAR}")
    assert page.status_code == 200
    for name in ("filed", "draft"):
        assert due[name] in page.text
    for name in ("reported", "hx_licensed", "ended", "too_new", "passed"):
        assert due[name] not in page.text
    sheet = browser.get(f"/annual-reports/missing/export?year={LAST_YEAR}")
    assert sheet_codes(sheet.data) == {due["filed"], due["draft"]}
    assert "未报送" in browser.get("/annual-reports").text


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("ANNUAL_REPORT_DEADLINE", "02-30", "is not a day of every year"),
    ("ANNUAL_REPORT_DEADLINE", "3月31日", "must be a day as MM-DD"),
    ("WORKFLOW_EXTENSION_DAYS", {"licensing": 0}, "licensing: must be at least 1"),
    ("WORKFLOW_DEADLINES", {"issue": "ten"}, "issue:"),
])
def test_a_wrong_clock_setting_stops_start_up(tmp_path, name, value, problem) -> None:
    with pytest.raises(ConfigError, match=f"{name}.*{problem}"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    name: value})
