"""Imported records: query, modify (checked like the import), delete, undo a batch; audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, Filing, License
from tests.history.conftest import fill, row
from tests.kit import CITY, HP, HX


@pytest.fixture
def imported(client, template, upload, gl) -> dict:
    """A committed batch: three agencies of 和平区 and one of 河西区."""
    rows = [row(1), row(2), row(3), row(4, "河西区")]
    batch = upload(fill(template, rows)).json
    assert client.post(f"/api/v1/history-imports/{batch['id']}/commit",
                       headers=gl(CITY)).status_code == 200
    listed = client.get("/api/v1/history-records?per_page=100", headers=gl(CITY)).json
    ids = {item["credit_code"]: item["id"] for item in listed["items"]}
    return {"batch": batch, "rows": rows, "ids": [ids[r["credit_code"]] for r in rows]}


def refer_by_case(client, auth_header, code: str) -> None:
    """The imported agency's clerk starts a change application: a case now refers to it."""
    response = client.post("/api/v1/cases/change", json={"changes": {"name": "新名称人力资源有限公司"}},
                           headers=auth_header("HRM_JG", HP, org_credit_code=code))
    assert response.status_code == 201, response.json


def test_records_are_listed_with_batch_and_numbers_and_filtered(client, gl, imported):
    listed = client.get("/api/v1/history-records", headers=gl(CITY)).json
    assert listed["total"] == 4
    item = next(i for i in listed["items"] if i["credit_code"] == imported["rows"][0]["credit_code"])
    assert item["batch_id"] == imported["batch"]["id"] and item["source_label"] == "历史导入"
    assert item["license_number"] == imported["rows"][0]["license_number"]
    assert item["division_name"] == "和平区" and item["imported_at"]
    assert client.get("/api/v1/history-records?division=120103",
                      headers=gl(CITY)).json["total"] == 1
    assert client.get(f"/api/v1/history-records?q={imported['rows'][1]['name']}",
                      headers=gl(CITY)).json["total"] == 1


def test_modify_is_checked_like_the_import_and_audited(app, client, gl, imported):
    record_id = imported["ids"][0]
    record = client.get(f"/api/v1/history-records/{record_id}", headers=gl(CITY)).json
    values = dict(record["values"])
    assert values["license_items"] == "为用人单位推荐劳动者、为劳动者介绍用人单位"
    bad = client.put(f"/api/v1/history-records/{record_id}", headers=gl(CITY), json={
        **values, "name": "", "credit_code": imported["rows"][1]["credit_code"],
        "founded_on": "2019-02-30"})
    assert bad.status_code == 422
    assert bad.json["error"]["fields"] == {"name": "必填", "credit_code": "统一社会信用代码已在登记库中",
                                           "founded_on": "日期不存在"}
    good = client.put(f"/api/v1/history-records/{record_id}", headers=gl(CITY), json={
        **values, "address": "天津市和平区新址8号", "license_items": ["L01", "L03"],
        "division": "塘沽区"})
    assert good.status_code == 200, good.json
    assert good.json["values"]["address"] == "天津市和平区新址8号"
    assert good.json["values"]["division"] == "滨海新区" and "division" in good.json["warnings"]
    with app.app_context():
        license_ = db.session.scalar(select(License).where(License.agency_id == record_id))
        assert license_.items == ["L01", "L03"]
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "agency", AuditEvent.action == "edit"))
        assert event.data["changes"]["address"]["after"] == "天津市和平区新址8号"


def test_delete_is_refused_while_a_case_refers_to_the_record(app, client, gl, auth_header,
                                                             imported):
    code = imported["rows"][0]["credit_code"]
    refer_by_case(client, auth_header, code)
    refused = client.delete(f"/api/v1/history-records/{imported['ids'][0]}", headers=gl(CITY))
    assert refused.status_code == 409
    assert refused.json["error"]["message"] == "不能删除：该机构已有1件办件（申请或审批记录）"
    deleted = client.delete(f"/api/v1/history-records/{imported['ids'][1]}", headers=gl(CITY))
    assert deleted.status_code == 204
    with app.app_context():
        assert db.session.get(Agency, imported["ids"][1]) is None
        assert db.session.scalar(select(db.func.count()).select_from(License).where(
            License.agency_id == imported["ids"][1])) == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete"))
        assert event.object_id == str(imported["ids"][1])
        assert event.data["record"]["credit_code"] == imported["rows"][1]["credit_code"]


def test_undo_is_refused_while_referred_to_then_removes_the_whole_batch(app, client, gl,
                                                                       auth_header, imported):
    batch_id = imported["batch"]["id"]
    refer_by_case(client, auth_header, imported["rows"][2]["credit_code"])
    refused = client.post(f"/api/v1/history-imports/{batch_id}/undo", headers=gl(CITY))
    assert refused.status_code == 409 and "办件" in refused.json["error"]["message"]
    with app.app_context():
        from workflows.models import Case

        db.session.execute(db.delete(Case))
        db.session.commit()
    undone = client.post(f"/api/v1/history-imports/{batch_id}/undo", headers=gl(CITY))
    assert undone.status_code == 200 and undone.json["status"] == "undone"
    with app.app_context():
        for model in (Agency, License, Filing):
            assert db.session.scalar(select(db.func.count()).select_from(model)) == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "undo"))
        assert event.data == {"agencies": 4, "licenses": 4, "filings": 4}
    assert client.get("/api/v1/history-records", headers=gl(CITY)).json["total"] == 0


def test_district_officer_sees_only_their_records_and_gets_404_for_others(client, gl, imported):
    hx_record = imported["ids"][3]
    assert client.get("/api/v1/history-records", headers=gl(HP)).json["total"] == 3
    assert client.get(f"/api/v1/history-records/{hx_record}", headers=gl(HP)).status_code == 404
    assert client.put(f"/api/v1/history-records/{hx_record}", headers=gl(HP),
                      json={}).status_code == 404
    assert client.delete(f"/api/v1/history-records/{hx_record}", headers=gl(HP)).status_code == 404
    assert client.get(f"/api/v1/history-records/{hx_record}", headers=gl(HX)).status_code == 200
    # The city's batch holds rows of several districts: a district officer does not see it.
    batch = imported["batch"]["id"]
    assert client.get(f"/api/v1/history-imports/{batch}", headers=gl(HP)).status_code == 404
    assert client.post(f"/api/v1/history-imports/{batch}/undo", headers=gl(HP)).status_code == 404


def test_demo_data_imports_a_batch_and_leaves_one_with_errors(runner, client, gl):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    batches = client.get("/api/v1/history-imports", headers=gl(CITY)).json["items"]
    assert [(b["status"], b["error_count"] > 0) for b in batches] == [("validated", True),
                                                                      ("imported", False)]
    records = client.get("/api/v1/history-records", headers=gl(CITY)).json
    assert records["total"] == 12
    assert {r["division_name"] for r in records["items"]} >= {"滨海新区", "和平区"}
