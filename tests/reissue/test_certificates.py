"""换发 after a 事项变更 of a printed fact, 补发 of a lost certificate, and the licence's versions."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from portal_plugin.core import files
from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent, License
from tests.conftest import csrf_token_from
from tests.kit import CITY, CLERK_CODE, HP, HX, OTHER_CODE, add_agency, add_license
from workflows.models import LicenseVersion, ReissueRequest

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def license_of(client, people, code: str = CLERK_CODE) -> dict[str, Any]:
    found = client.get(f"/api/v1/licenses?q={code}", headers=people.officer("HRM_SL", CITY)).json
    one = client.get(f"/api/v1/licenses/{found['items'][0]['id']}",
                     headers=people.officer("HRM_CX", HP))
    assert one.status_code == 200, one.json
    return one.json


def change(api, changes: dict[str, Any]) -> dict[str, Any]:
    return api.bring("change", {"changes": changes}, "approved")


@pytest.mark.parametrize(("changes", "shown"), [
    ({"name": "津和新程人力资源服务有限公司"}, ("holder_name", "津和新程人力资源服务有限公司")),
    ({"address": "天津市和平区新华路8号"}, ("address", "天津市和平区新华路8号")),
    ({"legal_rep": "王芳"}, ("legal_rep", "王芳")),
    ({"license_items": ["L01", "L02", "L04"]}, ("items", ["L01", "L02", "L04"])),
])
def test_a_change_of_a_printed_fact_reissues_the_certificate(app, client, people, api,
                                                             registered, changes, shown):
    registered()
    before = license_of(client, people)
    assert before["certificate_version"] == 1 and len(before["versions"]) == 1
    case = change(api, changes)
    after = license_of(client, people)
    assert after["license_number"] == before["license_number"]
    assert after["certificate_version"] == 2 and case["result"]["certificate_version"] == 2
    first, second = after["versions"]
    assert (first["version"], first["kind"], first["current"]) == (1, "issue", False)
    assert (second["version"], second["kind"], second["kind_label"], second["current"]) == (
        2, "change", "换发", True)
    key, value = shown
    assert second[key] == value and first[key] != value
    assert second["case_id"] == case["id"] and "换发" in second["reason"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reissue"))
        assert (event.object_type, event.from_state, event.to_state) == ("license", "1", "2")


@pytest.mark.parametrize("changes", [{"agency_type": "T01"}, {"filing_items": ["F01", "F02"]}])
def test_a_change_of_other_facts_keeps_the_certificate(app, client, people, api, registered,
                                                       changes):
    registered()
    change(api, changes)
    kept = license_of(client, people)
    assert kept["certificate_version"] == 1 and len(kept["versions"]) == 1
    with app.app_context():
        assert db.session.scalar(select(LicenseVersion.id)) is None


def test_two_changes_make_three_versions(client, people, api, registered):
    registered()
    change(api, {"name": "津和一号人力资源服务有限公司"})
    change(api, {"legal_rep": "赵敏"})
    versions = license_of(client, people)["versions"]
    assert [(v["version"], v["kind"]) for v in versions] == [(1, "issue"), (2, "change"),
                                                             (3, "change")]
    assert versions[1]["holder_name"] == versions[2]["holder_name"] == "津和一号人力资源服务有限公司"
    assert versions[1]["legal_rep"] != "赵敏" and versions[2]["legal_rep"] == "赵敏"


def report(client, people, license_id: int, data: bytes = PDF, name: str = "遗失声明.pdf",
           code: str = CLERK_CODE, **form: str):
    fields = {"cause": "lost", "reason": "证书正本于搬迁时遗失，已登报声明", **form}
    return client.post(f"/api/v1/licenses/{license_id}/reissue-requests",
                       data={**fields, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=people.clerk(code))


def test_a_lost_certificate_is_reported_and_reissued(app, client, people, registered):
    registered()
    license_id = license_of(client, people)["id"]
    made = report(client, people, license_id)
    assert made.status_code == 201, made.json
    assert (made.json["status"], made.json["cause_label"]) == ("pending", "遗失")
    assert report(client, people, license_id).status_code == 409  # one pending at a time
    listed = client.get(f"/api/v1/licenses/{license_id}/reissue-requests",
                        headers=people.clerk()).json["items"]
    assert [r["id"] for r in listed] == [made.json["id"]]
    decided = client.post(f"/api/v1/reissue-requests/{made.json['id']}/reissue", json={},
                          headers=people.officer("HRM_SL", HP))
    assert decided.status_code == 200, decided.json
    assert (decided.json["status"], decided.json["version"]) == ("reissued", 2)
    again = client.post(f"/api/v1/reissue-requests/{made.json['id']}/reissue", json={},
                        headers=people.officer("HRM_SL", HP))
    assert again.status_code == 409
    versions = license_of(client, people)["versions"]
    assert [(v["version"], v["kind_label"]) for v in versions] == [(1, "首次发证"), (2, "补发")]
    assert versions[1]["reissue_request_id"] == made.json["id"]
    with app.app_context():
        stored = db.session.get(ReissueRequest, made.json["id"])
        assert files.read(stored.file_key) == PDF
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"request_reissue", "reissue"} <= actions


def test_a_request_is_returned_with_a_reason(app, client, people, registered):
    registered()
    license_id = license_of(client, people)["id"]
    made = report(client, people, license_id, PNG, "声明.png", cause="damaged").json
    url = f"/api/v1/reissue-requests/{made['id']}/return"
    no_reason = client.post(url, json={}, headers=people.officer("HRM_SL", HP))
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"]
    returned = client.post(url, json={"reason": "遗失声明未见登报日期"},
                           headers=people.officer("HRM_SL", HP))
    assert returned.status_code == 200
    assert (returned.json["status"], returned.json["decision_reason"]) == (
        "returned", "遗失声明未见登报日期")
    assert license_of(client, people)["certificate_version"] == 1
    assert report(client, people, license_id).status_code == 201  # reported again


@pytest.mark.parametrize(("data", "name", "field", "message"), [
    (EXE, "遗失声明.pdf", "file", "只接受PDF、JPG或PNG文件"),
    (b"", "遗失声明.pdf", "file", "请上传遗失声明文件"),
    (PDF, "a.pdf", "cause", "请选择遗失或损坏"),
])
def test_bad_reports_are_422_naming_the_field(app, client, people, registered, data, name,
                                              field, message):
    registered()
    license_id = license_of(client, people)["id"]
    extra = {"cause": "stolen"} if field == "cause" else {}
    response = report(client, people, license_id, data, name, **extra)
    assert response.status_code == 422
    assert message in response.json["error"]["fields"][field]
    with app.app_context():
        assert db.session.scalar(select(ReissueRequest.id)) is None


def test_an_oversized_statement_is_refused(app, client, people, registered):
    registered()
    license_id = license_of(client, people)["id"]
    app.config["REISSUE_STATEMENT_MAX_BYTES"] = 1024
    response = report(client, people, license_id, PDF + b"0" * 2048)
    assert response.status_code == 422 and "上限" in response.json["error"]["fields"]["file"]


def test_another_district_or_agency_finds_nothing(app, client, people, registered, login_as):
    registered()
    license_id = license_of(client, people)["id"]
    made = report(client, people, license_id).json
    with app.app_context():
        other = add_agency(OTHER_CODE, HX, "河西英才人力资源有限公司")
        add_license(other, "津人服证字〔2024〕0777号")
        db.session.commit()
    hx = people.officer("HRM_SL", HX)
    assert client.get(f"/api/v1/licenses/{license_id}", headers=hx).status_code == 404
    assert client.get(f"/api/v1/licenses/{license_id}/reissue-requests",
                      headers=hx).status_code == 404
    assert client.post(f"/api/v1/reissue-requests/{made['id']}/reissue", json={},
                       headers=hx).status_code == 404
    assert report(client, people, license_id, code=OTHER_CODE).status_code == 404
    assert client.get(f"/api/v1/licenses/{license_id}/reissue-requests",
                      headers=people.clerk(OTHER_CODE)).status_code == 404
    browser = login_as("HRM_SL", HX)
    assert browser.get(f"/licenses/reissue-requests/{made['id']}/file").status_code == 404
    assert browser.get(f"/licenses/{license_id}").status_code == 404
    assert client.get("/api/v1/licenses/987654", headers=people.officer("HRM_SL", HP)
                      ).status_code == 404
    with app.app_context():
        assert db.session.get(License, license_id).certificate_version == 1


def test_the_pages_report_decide_and_show_the_history(app, client, people, registered, login_as):
    registered()
    license_id = license_of(client, people)["id"]
    clerk = login_as("HRM_JG", HP, org_credit_code=CLERK_CODE)
    page = clerk.get(f"/agency/licenses/{license_id}")
    assert page.status_code == 200 and "申请补发" in page.text and "证书版本记录" in page.text
    token = csrf_token_from(page.text)
    refused = clerk.post(f"/agency/licenses/{license_id}/reissue-requests",
                         data={"csrf_token": token, "cause": "lost", "reason": "遗失",
                               "file": (io.BytesIO(EXE), "声明.pdf")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and "只接受PDF、JPG或PNG文件" in refused.text
    sent = clerk.post(f"/agency/licenses/{license_id}/reissue-requests",
                      data={"csrf_token": token, "cause": "lost", "reason": "遗失<b>x</b>",
                            "file": (io.BytesIO(PDF), "声明.pdf")},
                      content_type="multipart/form-data")
    assert sent.status_code == 302, sent.text
    officer = login_as("HRM_SL", HP)
    pending = officer.get("/licenses/reissue-requests")
    assert pending.status_code == 200 and "遗失&lt;b&gt;x&lt;/b&gt;" in pending.text
    detail = officer.get(f"/licenses/{license_id}")
    assert detail.status_code == 200 and "补发" in detail.text
    with app.app_context():
        request_id = db.session.scalar(select(ReissueRequest.id))
    statement = officer.get(f"/licenses/reissue-requests/{request_id}/file")
    assert statement.status_code == 200 and statement.data == PDF
    assert statement.mimetype == "application/pdf"
    done = officer.post(f"/licenses/reissue-requests/{request_id}/reissue",
                        data={"csrf_token": csrf_token_from(detail.text)})
    assert done.status_code == 302
    shown = officer.get(f"/licenses/{license_id}").text
    assert "第2版（现行）" in shown
    records = officer.get("/licensing/records").text
    assert f"/licenses/{license_id}" in records and "许可证补发申请" in records


def test_a_report_without_a_cause_is_a_loss(client, people, registered):
    registered()
    license_id = license_of(client, people)["id"]
    response = client.post(f"/api/v1/licenses/{license_id}/reissue-requests",
                           data={"reason": "遗失", "file": (io.BytesIO(PDF), "x.pdf")},
                           content_type="multipart/form-data", headers=people.clerk())
    assert response.status_code == 201 and response.json["cause"] == "lost"
