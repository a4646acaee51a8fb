"""年度报告 through the API: validation, one report a year, the review cycle, scope, locking."""

from __future__ import annotations

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from tests.kit import CITY, CLERK_CODE, HP, HX, OTHER_CODE, YEAR, report_body

API = "/api/v1/annual-reports"


def test_clerk_fills_in_a_draft_with_a_snapshot_of_the_agency(client, clerk, licensed):
    response = client.post(API, json=report_body(), headers=clerk())
    assert response.status_code == 201, response.json
    data = response.json
    assert data["status"] == "draft" and data["version"] == 1
    assert data["revenue"] == "1234567.89"
    assert data["agency"]["credit_code"] == CLERK_CODE
    assert data["agency"]["license_numbers"] == "津人服证字〔2024〕0101号"
    assert data["agency"]["division"] == HP


def test_bad_input_names_each_field_in_chinese(client, clerk, agencies):
    body = report_body(year=2199, staff_count=-1, revenue="12.345", served_workers="many",
                       placements=None, filled_by="  ")
    response = client.post(API, json=body, headers=clerk())
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert "年度" in fields["year"]
    assert fields["staff_count"] == "不能为负数"
    assert fields["revenue"] == "最多保留两位小数"
    assert fields["served_workers"] == "应为整数"
    assert fields["placements"] == "必填" and fields["filled_by"] == "必填"
    assert "年度" in client.post(API, json=report_body(year=1999),
                                 headers=clerk()).json["error"]["fields"]["year"]
    assert client.post(API, json=report_body(revenue="-1"),
                       headers=clerk()).json["error"]["fields"]["revenue"] == "不能为负数"


def test_one_report_per_agency_and_year(client, clerk, report):
    report("draft")
    response = client.post(API, json=report_body(), headers=clerk())
    assert response.status_code == 409
    assert f"{YEAR}年度的年度报告已经填报" in response.json["error"]["message"]
    assert client.post(API, json=report_body(year=YEAR - 1), headers=clerk()).status_code == 201


def test_clerk_of_an_agency_outside_the_registry_is_refused(client, auth_header, agencies):
    headers = auth_header("HRM_JG", HP, org_credit_code="91120101MA0000000X")
    response = client.post(API, json=report_body(), headers=headers)
    assert response.status_code in (409, 422)
    assert client.post(API, json=report_body(), headers=auth_header("HRM_GL", HP)).status_code \
        == 403


def test_cycle_submit_pass_reopen_resubmit_pass_is_audited(app, client, clerk, officer, report):
    data = report("passed")
    assert data["status"] == "passed"
    rid = data["id"]
    missing = client.post(f"{API}/{rid}/return", json={}, headers=officer())
    assert missing.status_code == 422 and missing.json["error"]["fields"]["reason"]
    reopened = client.post(f"{API}/{rid}/return", json={"reason": "营业收入与财务报表不符"},
                           headers=officer())
    assert reopened.status_code == 200 and reopened.json["status"] == "returned"
    assert reopened.json["reason"] == "营业收入与财务报表不符"
    edited = client.put(f"{API}/{rid}", headers=clerk(), json=report_body(
        revenue="1200000.00", version=reopened.json["version"], submit=True))
    assert edited.status_code == 200, edited.json
    assert edited.json["status"] == "submitted" and edited.json["reason"] is None
    passed = client.post(f"{API}/{rid}/pass", json={}, headers=officer())
    assert passed.status_code == 200 and passed.json["status"] == "passed"
    with app.app_context():
        trail = [(e.action, e.from_state, e.to_state) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "annual_report",
                                     AuditEvent.object_id == str(rid))
            .order_by(AuditEvent.id))]
    assert trail == [("create", None, "draft"), ("submit", "draft", "submitted"),
                     ("pass", "submitted", "passed"), ("return", "passed", "returned"),
                     ("submit", "returned", "submitted"), ("pass", "submitted", "passed")]
    events = client.get(f"{API}/{rid}", headers=officer()).json["events"]
    assert [e["action"] for e in events][-3:] == ["return", "submit", "pass"]


def test_stale_version_and_wrong_state_are_409(client, clerk, officer, report):
    data = report("submitted")
    stale = client.post(f"{API}/{data['id']}/pass", json={"version": data["version"] - 1},
                        headers=officer())
    assert stale.status_code == 409 and stale.json["error"]["message"] == "该数据已被他人处理，请刷新"
    assert client.post(f"{API}/{data['id']}/pass", json={"version": data["version"]},
                       headers=officer()).status_code == 200
    again = client.post(f"{API}/{data['id']}/pass", json={}, headers=officer())
    assert again.status_code == 409
    edit = client.put(f"{API}/{data['id']}", json=report_body(), headers=clerk())
    assert edit.status_code == 409


def test_officers_see_submitted_reports_of_their_jurisdiction_only(client, clerk, officer,
                                                                  report):
    draft = report("draft", year=YEAR - 1)
    hp = report("submitted")
    hx = report("passed", code=OTHER_CODE, division=HX)
    ids = {r["id"] for r in client.get(API, headers=officer(HP)).json["items"]}
    assert ids == {hp["id"]}
    assert {r["id"] for r in client.get(API, headers=officer(CITY)).json["items"]} \
        == {hp["id"], hx["id"]}
    assert client.get(f"{API}/{hx['id']}", headers=officer(HP)).status_code == 404
    assert client.get(f"{API}/{draft['id']}", headers=officer(HP)).status_code == 404
    assert client.post(f"{API}/{hx['id']}/return", json={"reason": "x"},
                       headers=officer(HP)).status_code == 404
    assert client.get(f"{API}?division={HX}", headers=officer(HP)).status_code == 422
    own = client.get(API, headers=clerk(OTHER_CODE)).json["items"]
    assert [r["id"] for r in own] == [hx["id"]]
    assert client.get(f"{API}/{hp['id']}", headers=clerk(OTHER_CODE)).status_code == 404


def test_query_by_year_name_status_and_district(client, officer, report):
    hp = report("passed")
    report("submitted", year=YEAR - 1)
    report("submitted", code=OTHER_CODE, division=HX)

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}?{query}", headers=officer(CITY))
        assert response.status_code == 200, response.json
        return {r["id"] for r in response.json["items"]}

    assert ids(f"year={YEAR}&status=passed") == {hp["id"]}
    assert len(ids(f"division={HP}")) == 2
    assert ids("name=津和") == ids(f"division={HP}")
    assert ids("name=%25") == set()
    assert client.get(f"{API}?status=bogus", headers=officer()).status_code == 422

