"""Application materials (申请材料) and the licensing staff list: uploads told by their bytes,
required ones enforced at submission, replaced after 退回, read only by the case's officers and
its clerk (each read audited), served by any app process on the same database."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import select

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from sso.devportal import dev_portal_for
from tests.conftest import base_config, csrf_token_from
from tests.kit import (
    HP,
    HX,
    OTHER_CODE,
    PDF,
    STAFF,
    STAFF_FORM,
    agency_body,
    materials_form,
    required_materials,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def licensing_body(**extra):  # type: ignore[no-untyped-def]
    return {"agency": agency_body(), "license_items": ["L01"], "staff": STAFF, **extra}


def draft(client, people):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/cases/licensing", json=licensing_body(), headers=people.clerk())
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_catalogue_lists_each_procedures_materials(client, people) -> None:
    materials = client.get("/api/v1/catalog", headers=people.clerk()).json["materials"]
    ordinary = {m["label"]: m["required"] for m in materials["licensing"]["ordinary"]}
    assert {"申请书", "营业执照", "机构章程和管理制度", "经营场所使用证明",
            "专职工作人员名单及资格证明"} <= {k for k, v in ordinary.items() if v}
    commitment = [m["label"] for m in materials["licensing"]["commitment"] if m["required"]]
    assert commitment == ["申请书", "告知承诺书"]


def test_submitting_without_a_required_material_names_every_missing_one(client, people, api) -> None:
    case_id = draft(client, people)
    api.upload("licensing", case_id, "application")
    response = client.post(f"/api/v1/cases/licensing/{case_id}/submit", json={},
                           headers=people.clerk())
    assert response.status_code == 422
    missing = response.json["error"]["fields"]["materials"]
    assert missing.startswith("缺少申请材料：") and "营业执照" in missing and "申请书" not in missing
    one_shot = client.post("/api/v1/cases/licensing",
                           json=licensing_body(agency=agency_body(OTHER_CODE, HX), submit=True),
                           headers=people.clerk(OTHER_CODE))
    assert one_shot.status_code == 422 and "materials" in one_shot.json["error"]["fields"]
    for kind in required_materials("licensing"):
        api.upload("licensing", case_id, kind)
    done = client.post(f"/api/v1/cases/licensing/{case_id}/submit", json={}, headers=people.clerk())
    assert done.status_code == 200 and done.json["status"] == "submitted"
    assert len(done.json["materials"]) == len(required_materials("licensing"))


def test_a_renamed_executable_and_an_empty_kind_are_refused(client, people, api) -> None:
    case_id = draft(client, people)
    renamed = api.upload("licensing", case_id, "application", data=EXE, name="申请书.pdf")
    assert renamed.status_code == 422
    assert renamed.json["error"]["fields"]["file"] == "文件内容不是PDF、JPG或PNG格式，请上传扫描件或照片"
    unknown = api.upload("licensing", case_id, "no_such_kind")
    assert unknown.status_code == 422 and "kind" in unknown.json["error"]["fields"]
    assert client.get(f"/api/v1/cases/licensing/{case_id}/materials",
                      headers=people.clerk()).json == []


def test_an_oversized_file_is_413_and_nothing_is_kept(app: Flask, client, people, api) -> None:
    case_id = draft(client, people)
    app.config["MATERIAL_MAX_BYTES"] = 2048
    big = api.upload("licensing", case_id, "application", data=PDF + b"0" * 4096)
    assert big.status_code == 413
    assert big.json["error"]["message"] == "文件超过1 MB的上限，请压缩后重新上传"
    assert client.get(f"/api/v1/cases/licensing/{case_id}/materials",
                      headers=people.clerk()).json == []


def test_the_material_is_served_inline_as_its_sniffed_type_to_the_case_only(
        client, people, api) -> None:
    case = api.bring("licensing", licensing_body(), "submitted")
    listing = client.get(f"/api/v1/cases/licensing/{case['id']}/materials",
                         headers=people.officer("HRM_SL"))
    assert listing.status_code == 200
    first = listing.json[0]
    url = f"/api/v1/cases/licensing/{case['id']}/materials/{first['id']}"
    opened = client.get(url, headers=people.officer("HRM_SL"))
    assert opened.status_code == 200 and opened.data == PDF
    assert opened.headers["Content-Type"] == "application/pdf"
    assert opened.headers["Content-Disposition"].startswith("inline;")
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(url, headers=people.clerk()).status_code == 200
    for stranger in (people.officer("HRM_SL", HX), people.clerk(OTHER_CODE)):
        assert client.get(url, headers=stranger).status_code == 404
    assert client.get(f"/api/v1/cases/licensing/{case['id']}/materials/987654",
                      headers=people.officer("HRM_SL")).status_code == 404
    # A submitted case's materials stay as they were sent.
    assert api.upload("licensing", case["id"], "application").status_code == 409
    assert client.delete(url, headers=people.clerk()).status_code == 409


def test_every_read_of_a_material_is_audited(app: Flask, client, people, api) -> None:
    case = api.bring("licensing", licensing_body(), "submitted")
    material = client.get(f"/api/v1/cases/licensing/{case['id']}/materials",
                          headers=people.clerk()).json[0]
    client.get(f"/api/v1/cases/licensing/{case['id']}/materials/{material['id']}",
               headers=people.officer("HRM_SH"))
    with app.app_context():
        reads = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal_data",
            AuditEvent.object_type == "case_material")).all()
        assert [(e.object_type, e.object_id, e.data["case_id"]) for e in reads] == [
            ("case_material", str(material["id"]), case["id"])]


def test_after_a_return_the_clerk_replaces_a_material_and_resubmits(client, people, api) -> None:
    case = api.bring("licensing", licensing_body(), "returned")
    before = {m["kind"]: m for m in client.get(f"/api/v1/cases/licensing/{case['id']}/materials",
                                               headers=people.clerk()).json}
    replaced = api.upload("licensing", case["id"], "premises", data=PNG, name="租赁合同.png")
    assert replaced.status_code == 201, replaced.json
    after = {m["kind"]: m for m in client.get(f"/api/v1/cases/licensing/{case['id']}/materials",
                                              headers=people.clerk()).json}
    assert after["premises"]["content_type"] == "image/png"
    assert after["premises"]["id"] != before["premises"]["id"] and len(after) == len(before)
    gone = client.get(f"/api/v1/cases/licensing/{case['id']}/materials/{before['premises']['id']}",
                      headers=people.clerk())
    assert gone.status_code == 404
    deleted = client.delete(
        f"/api/v1/cases/licensing/{case['id']}/materials/{after['charter']['id']}",
        headers=people.clerk())
    assert deleted.status_code == 204
    refused = client.post(f"/api/v1/cases/licensing/{case['id']}/submit", json={},
                          headers=people.clerk())
    assert refused.status_code == 422 and "机构章程和管理制度" in refused.json["error"]["fields"]["materials"]
    api.upload("licensing", case["id"], "charter")
    again = client.post(f"/api/v1/cases/licensing/{case['id']}/submit", json={},
                        headers=people.clerk())
    assert again.status_code == 200 and again.json["status"] == "submitted"
    actions = [e["action"] for e in again.json["events"]]
    assert actions.count("material_upload") == len(required_materials("licensing")) + 2
    assert "material_delete" in actions


def test_fewer_than_three_full_time_staff_are_refused(client, people) -> None:
    two = [*STAFF[:2], {**STAFF[2], "full_time": False}]
    response = client.post("/api/v1/cases/licensing", json=licensing_body(staff=two),
                           headers=people.clerk())
    assert response.status_code == 422
    assert response.json["error"]["fields"]["staff"] == \
        "专职工作人员不少于3名（《人力资源服务机构管理规定》第六条）"
    bad_id = [{**STAFF[0], "id_no": "110105194912310021"}, *STAFF[1:]]
    response = client.post("/api/v1/cases/licensing", json=licensing_body(staff=bad_id),
                           headers=people.clerk())
    assert response.status_code == 422 and "staff.0.id_no" in response.json["error"]["fields"]
    missing = client.post("/api/v1/cases/licensing",
                          json={"agency": agency_body(), "license_items": ["L01"]},
                          headers=people.clerk())
    assert missing.json["error"]["fields"]["staff"].startswith("专职工作人员不少于3名")


def test_the_page_form_uploads_materials_and_the_staff_and_refuses_what_is_missing(
        login_as, app: Flask) -> None:
    clerk = login_as("HRM_JG", HP)
    page = clerk.get("/agency/apply/licensing").text
    assert 'enctype="multipart/form-data"' in page and "专职工作人员名单" in page
    assert 'name="materials.business_licence"' in page
    fields = {"agency." + k: v for k, v in agency_body().items()}
    fields.update({"license_items[]": ["L01"], "csrf_token": csrf_token_from(page),
                   "intent": "submit"})
    missing = clerk.post("/agency/apply/licensing", data={**fields, **STAFF_FORM})
    assert missing.status_code == 422
    assert "缺少申请材料：申请书、营业执照" in missing.get_data(as_text=True)
    files = materials_form("licensing")
    files["materials.premises"] = (io.BytesIO(EXE), "场所.pdf")
    renamed = clerk.post("/agency/apply/licensing", data={**fields, **STAFF_FORM, **files})
    assert renamed.status_code == 422 and "文件内容不是PDF、JPG或PNG格式" in renamed.get_data(as_text=True)
    sent = clerk.post("/agency/apply/licensing",
                      data={**fields, **STAFF_FORM, **materials_form("licensing")})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    case_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    officer = login_as("HRM_CX", HP).get(f"/cases/licensing/{case_id}").get_data(as_text=True)
    assert "申请材料" in officer and "营业执照" in officer and "/materials/" in officer
    assert "赵敏" in officer and STAFF[0]["id_no"] not in officer  # 查询岗 sees it masked
    link = officer.split(f"/cases/licensing/{case_id}/materials/", 1)[1].split('"', 1)[0]
    opened = login_as("HRM_CX", HP).get(f"/cases/licensing/{case_id}/materials/{link}")
    assert opened.status_code == 200 and opened.data == PDF
    assert login_as("HRM_CX", HX).get(
        f"/cases/licensing/{case_id}/materials/{link}").status_code == 404


def test_two_processes_with_their_own_instance_folders_serve_each_others_files(
        tmp_path, people, api) -> None:
    case = api.bring("licensing", licensing_body(), "submitted")
    first = api.client.get(f"/api/v1/cases/licensing/{case['id']}/materials",
                           headers=people.clerk()).json[0]
    url = api.client.application.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app(base_config(tmp_path / "another-instance", url))
    try:
        with other.app_context():  # its own dev-portal key, kept in its own instance folder
            bearer = dev_portal_for(other).mint({"sub": "sl", "name": "受理", "division": HP,
                                                 "roles": ["HRM_SL"]})
        answer = other.test_client().get(
            f"/api/v1/cases/licensing/{case['id']}/materials/{first['id']}",
            headers={"Authorization": f"Bearer {bearer}"})
        assert answer.status_code == 200 and answer.data == PDF
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
