"""/api/v1/agencies: permissions, jurisdiction, validation, edit history and guarded deletes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, Filing, License
from portal_plugin.job_fairs.models import JobFair
from tests.agencies.conftest import body
from tests.kit import CITY, HP, HX, credit_code
from workflows.models import Case


def test_a_view_role_reads_but_cannot_write(client, auth_header, add):
    agency = add(1)
    headers = auth_header("HRM_CX", HP)
    assert client.get(f"/api/v1/agencies/{agency['id']}", headers=headers).json["name"] == \
        agency["name"]
    assert client.put(f"/api/v1/agencies/{agency['id']}", json={"contact": "x"},
                      headers=headers).status_code == 403
    assert client.get("/api/v1/agencies", headers=auth_header("HRM_JG", HP)).status_code == 403


def test_created_agency_is_an_entry_with_every_field_and_an_audit_event(app, add):
    agency = add(1)
    assert agency["source"] == "entry" and agency["source_label"] == "录入"
    assert agency["status"] == "valid" and agency["division_name"] == "和平区"
    assert agency["registered_capital"] == "200.50" and agency["founded_on"] == "2015-06-01"
    assert agency["staff_count"] == 12 and agency["business_address"] == "天津市测试路2号"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                           AuditEvent.object_type == "agency"))
        assert event.object_id == str(agency["id"])
        assert event.data["credit_code"] == agency["credit_code"]
        assert event.data["registered_capital"] == "200.50"


def test_district_officer_sees_only_the_districts_agencies(client, auth_header, two):
    hp, hx = two
    headers = auth_header("HRM_GL", HP)
    listing = client.get("/api/v1/agencies", headers=headers).json
    assert [a["id"] for a in listing["items"]] == [hp["id"]] and listing["total"] == 1
    assert set(listing) == {"items", "total", "page", "per_page"}
    for method, data in (("get", None), ("put", {"contact": "x"}), ("delete", None)):
        response = getattr(client, method)(f"/api/v1/agencies/{hx['id']}", json=data,
                                           headers=headers)
        assert response.status_code == 404, method
    assert client.get(f"/api/v1/agencies?division={HX}", headers=headers).status_code == 422
    city = client.get("/api/v1/agencies", headers=auth_header("HRM_CX", CITY)).json
    assert city["total"] == 2


def test_district_officer_cannot_create_or_move_an_agency_into_another_district(
        client, auth_header, add):
    headers = auth_header("HRM_GL", HP)
    response = client.post("/api/v1/agencies", json=body(5, HX), headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["fields"]["division"] == "不在您的管辖范围内"
    agency = add(1)
    response = client.put(f"/api/v1/agencies/{agency['id']}", json={"division": HX},
                          headers=headers)
    assert response.status_code == 422 and "division" in response.json["error"]["fields"]


def test_q_searches_name_and_credit_code(client, auth_header, add):
    first, second = add(1, name="津门英才人力资源有限公司"), add(2)
    headers = auth_header("HRM_GL", CITY)
    by_name = client.get("/api/v1/agencies?q=英才", headers=headers).json["items"]
    assert [a["id"] for a in by_name] == [first["id"]]
    code = second["credit_code"].lower()
    by_code = client.get(f"/api/v1/agencies?q={code}", headers=headers).json["items"]
    assert [a["id"] for a in by_code] == [second["id"]]
    assert client.get("/api/v1/agencies?status=nope", headers=headers).status_code == 422


@pytest.mark.parametrize(("field", "value", "message"), [
    ("credit_code", "91120101MA05R7XQ0A", "校验"),
    ("credit_code", "", "必填"),
    ("legal_rep_id_no", "110105194912310021", "校验"),
    ("legal_rep_id_no", "11010519491331002X", ""),
    ("agency_type", "T99", "不是有效的代码"),
    ("division", "999999", "不是有效的区级行政区划代码"),
    ("legal_rep_id_type", "passportx", "不是有效的代码"),
    ("phone", "abc", "电话号码格式不正确"),
    ("name", "x" * 201, "不能超过200个字"),
    ("name", "名称\x00", "包含不允许的控制字符"),
    ("address", "", "必填"),
    ("legal_rep", "", "必填"),
    ("business_address", "x" * 301, "不能超过300个字"),
    ("founded_on", "2015-13-01", "日期格式"),
    ("founded_on", "2999-01-01", "成立日期"),
    ("founded_on", "1949-09-30", "成立日期不能早于1949-10-01"),
    ("founded_on", "2015-6-1", "日期格式应为 YYYY-MM-DD"),
    ("registered_capital", "abc", "应为数字"),
    ("registered_capital", "-1", "不能为负数"),
    ("registered_capital", "1.234", "两位小数"),
    ("registered_capital", "NaN", ""),
    ("registered_capital", "1e30", "金额过大"),
    ("registered_capital", True, "应为数字"),
    ("business_scope", "x" * 2001, "不能超过2000个字"),
    ("staff_count", "-3", "不能为负数"),
    ("staff_count", "3.5", "应为整数"),
    ("staff_count", "٣", "应为整数"),
])
def test_each_field_is_checked(client, auth_header, field, value, message):
    response = client.post("/api/v1/agencies", json=body(1, **{field: value}),
                           headers=auth_header("HRM_GL", HP))
    assert response.status_code == 422, response.json
    assert message in response.json["error"]["fields"][field]


def test_duplicate_credit_code_is_409_with_a_clear_message(client, auth_header, add):
    agency = add(1)
    response = client.post("/api/v1/agencies", json=body(1, name="另一家"),
                           headers=auth_header("HRM_GL", HP))
    assert response.status_code == 409
    assert agency["credit_code"] in response.json["error"]["message"]
    assert "已登记" in response.json["error"]["message"]


def test_malformed_bodies(client, auth_header):
    headers = auth_header("HRM_GL", HP)
    assert client.post("/api/v1/agencies", data="{", headers=headers,
                       content_type="application/json").status_code == 400
    assert client.post("/api/v1/agencies", json=[1], headers=headers).status_code == 422
    assert client.get("/api/v1/agencies/99999999999", headers=headers).status_code == 404


def test_edit_keeps_before_and_after_of_the_changed_fields_only(app, client, auth_header, add):
    agency = add(1)
    headers = auth_header("HRM_GL", HP)
    response = client.put(f"/api/v1/agencies/{agency['id']}", headers=headers, json={
        "name": "改名人力资源有限公司", "phone": "022-11112222", "contact": "李娜",
        "registered_capital": 300})
    assert response.status_code == 200, response.json
    assert response.json["changes"] == {
        "name": [agency["name"], "改名人力资源有限公司"], "phone": ["022-23456789", "022-11112222"],
        "registered_capital": ["200.50", "300.00"]}
    assert response.json["name"] == "改名人力资源有限公司"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
        assert event.data == response.json["changes"]
    again = client.put(f"/api/v1/agencies/{agency['id']}", json={"contact": "李娜"},
                       headers=headers)
    assert again.json["changes"] == {}
    refused = client.put(f"/api/v1/agencies/{agency['id']}", headers=headers,
                         json={"credit_code": credit_code(9)})
    assert refused.status_code == 422 and "credit_code" in refused.json["error"]["fields"]


def test_edit_keeps_an_old_value_that_todays_rules_refuse(app, client, auth_header, add):
    agency = add(1)
    with app.app_context():
        db.session.get(Agency, agency["id"]).legal_rep_id_no = "110105194912310021"
        db.session.commit()
    response = client.put(f"/api/v1/agencies/{agency['id']}", json={"contact": "王芳"},
                          headers=auth_header("HRM_GL", HP))
    assert response.status_code == 200 and response.json["changes"] == {
        "contact": ["李娜", "王芳"]}


def _attach(kind: str, agency_id: int, code: str) -> None:
    today = dt.date(2025, 1, 1)
    if kind == "licence":
        db.session.add(License(agency_id=agency_id, license_number="L-1", issued_on=today))
    elif kind == "filing":
        db.session.add(Filing(agency_id=agency_id, filing_number="F-1", filed_on=today))
    elif kind == "case":
        db.session.add(Case(workflow="licensing", credit_code=code, agency_name="x",
                            division_code=HP, payload={}, created_by="t"))
    elif kind == "branch":
        db.session.add(Agency(name="分公司", credit_code=credit_code(77), agency_type="T02",
                              division_code=HP, address="a", legal_rep="b",
                              legal_rep_id_no="c", parent_id=agency_id))
    elif kind == "annual report":
        db.session.add(AnnualReport(
            agency_id=agency_id, year=2024, name="x", credit_code=code, division_code=HP,
            legal_rep="b", address="a", staff_count=1, revenue=0, served_workers=0,
            served_employers=0, placements=0, job_fairs_held=0, online_postings=0, trainings=0,
            filled_by="b", filled_on=today, created_by="t"))
    else:
        start = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
        db.session.add(JobFair(
            name="f", kind="J01", organizer="o", start_at=start,
            end_at=start + dt.timedelta(hours=6), venue="v", venue_address="a",
            division_code=HP, booths=1, expected_employers=1, expected_positions=1,
            expected_visitors=1, safety_officer="s", safety_phone="022-23456789", contact="c",
            contact_phone="022-23456789", agency_id=agency_id, credit_code=code,
            created_by="t", created_by_name="t"))
    db.session.commit()


@pytest.mark.parametrize(("kind", "label"), [
    ("licence", "行政许可"), ("filing", "业务备案"), ("case", "办件"), ("branch", "分支机构"),
    ("annual report", "年度报告"), ("job fair", "现场招聘会")])
def test_delete_is_refused_while_anything_is_attached(app, client, auth_header, add, kind,
                                                      label):
    agency = add(1)
    with app.app_context():
        _attach(kind, agency["id"], agency["credit_code"])
    response = client.delete(f"/api/v1/agencies/{agency['id']}",
                             headers=auth_header("HRM_GL", HP))
    assert response.status_code == 409
    assert f"{label} 1 条" in response.json["error"]["message"]
    assert "不能删除" in response.json["error"]["message"]
    with app.app_context():
        assert db.session.get(Agency, agency["id"]) is not None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete")) is None


def test_delete_of_a_bare_agency_is_audited_with_its_values(app, client, auth_header, add):
    agency = add(1)
    response = client.delete(f"/api/v1/agencies/{agency['id']}",
                             headers=auth_header("HRM_GL", HP))
    assert response.status_code == 204
    with app.app_context():
        assert db.session.get(Agency, agency["id"]) is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete"))
        assert event.object_id == str(agency["id"]) and event.from_state == "valid"
        assert event.data["name"] == agency["name"]
        assert event.data["credit_code"] == agency["credit_code"]
    assert client.get(f"/api/v1/agencies/{agency['id']}",
                      headers=auth_header("HRM_GL", HP)).status_code == 404


def test_openapi_documents_the_agency_calls(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/agencies"]) == {"get", "post"}
    assert set(paths["/agencies/{agency_id}"]) == {"get", "put", "delete"}
