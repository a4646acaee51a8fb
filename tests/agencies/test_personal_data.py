"""Personal data: API lists mask 证件号码 and phones; the full values come only from a
single-record read by 机构管理 (the role that needs them), each such read audited; deleting
twice deletes once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal_plugin.core import pii
from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from tests.kit import ID_NO, People


def audit_count(app: Flask, action: str, object_id: Any = None) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return int(db.session.scalar(stmt) or 0)


def test_masks() -> None:
    assert pii.mask_id_number("12010119900101123X") == "1201**********123X"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_phone("022-23456789") == "022*****6789"


def test_masked_copies_what_it_changes_and_never_its_input() -> None:
    import copy

    answer = {"items": [
        {"id": 1, "agency": {"name": "甲", "credit_code": "91120101MA05R7XQ0P"}, "actions": ["accept"]},
        {"id": 2, "application": {"legal_rep_id_no": ID_NO, "contacts": [
            {"name": "乙", "phone": "13812345678"}, {"name": "丙", "phone": ""}]}},
    ], "total": 2}
    before = copy.deepcopy(answer)
    out = pii.masked(answer)
    assert answer == before  # the input is never changed
    assert out["items"][0] is answer["items"][0]  # nothing to mask: the row itself
    second = out["items"][1]["application"]
    assert second["legal_rep_id_no"] == pii.mask_id_number(ID_NO)
    assert second["contacts"][0] == {"name": "乙", "phone": "138****5678"}
    assert second["contacts"][1] is answer["items"][1]["application"]["contacts"][1]
    assert out is not answer and out["total"] == 2
    assert pii.fields_in(out) == pii.fields_in(answer) == {"legal_rep_id_no", "phone"}
    plain = [{"a": [1, {"b": 2}]}, 3]
    assert pii.masked(plain) is plain


def test_lists_mask_for_every_reader(app: Flask, client: FlaskClient, people: People,
                                     add: Callable[..., dict[str, Any]]) -> None:
    made = add(1, phone="13812345678")
    assert made["legal_rep_id_no"] == ID_NO  # the officer who typed it in sees it
    for role in ("HRM_GL", "HRM_CX", "HRM_SL"):
        page = client.get("/api/v1/agencies", headers=people.officer(role)).json
        [row] = [r for r in page["items"] if r["id"] == made["id"]]
        assert row["legal_rep_id_no"] == "1101**********002X", role
        assert row["phone"] == "138****5678", role
        assert ID_NO not in str(page) and "13812345678" not in str(page)
    assert audit_count(app, "read_personal_data") == 0


def test_the_full_read_is_for_the_manager_and_audited(app: Flask, client: FlaskClient,
                                                      people: People,
                                                      add: Callable[..., dict[str, Any]]) -> None:
    made = add(1, phone="13812345678")
    viewer = client.get(f"/api/v1/agencies/{made['id']}", headers=people.officer("HRM_CX")).json
    assert viewer["legal_rep_id_no"] == "1101**********002X" and viewer["phone"] == "138****5678"
    assert audit_count(app, "read_personal_data") == 0

    full = client.get(f"/api/v1/agencies/{made['id']}", headers=people.officer("HRM_GL")).json
    assert full["legal_rep_id_no"] == ID_NO and full["phone"] == "13812345678"
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal_data")).all()
        assert (event.object_type, event.object_id) == ("agency", str(made["id"]))  # whose
        assert event.actor_id == "test-user" and "HRM_GL" in event.actor_roles  # who
        assert event.reason and "机构管理" in event.reason  # why the role may
        assert event.data == {"fields": ["legal_rep_id_no", "phone"]}
    client.get(f"/api/v1/agencies/{made['id']}", headers=people.officer("HRM_GL"))
    assert audit_count(app, "read_personal_data", made["id"]) == 2


def test_delete_twice_deletes_once(app: Flask, client: FlaskClient, people: People,
                                   add: Callable[..., dict[str, Any]]) -> None:
    made = add(1)
    gl = people.officer("HRM_GL")
    assert client.delete(f"/api/v1/agencies/{made['id']}", headers=gl).status_code == 204
    assert client.delete(f"/api/v1/agencies/{made['id']}", headers=gl).status_code == 404
    assert audit_count(app, "delete", made["id"]) == 1



def test_a_case_is_masked_for_viewers_and_audited_for_handlers(
        app: Flask, client: FlaskClient, people: People, api: Any) -> None:
    from tests.kit import agency_body, credit_code

    code = credit_code(321)
    case = api.bring("licensing", {"agency": agency_body(code, phone="13812345678"),
                                   "license_items": ["L01"]}, "submitted", clerk=code)
    url = f"/api/v1/cases/licensing/{case['id']}"
    own = client.get(url, headers=people.clerk(code)).json
    assert own["application"]["agency"]["legal_rep_id_no"] == ID_NO
    viewer = client.get(url, headers=people.officer("HRM_CX")).json
    assert viewer["application"]["agency"]["legal_rep_id_no"] == "1101**********002X"
    assert viewer["application"]["agency"]["phone"] == "138****5678"
    assert audit_count(app, "read_personal_data") == 0
    handler = client.get(url, headers=people.officer("HRM_SL")).json
    assert handler["application"]["agency"]["legal_rep_id_no"] == ID_NO
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal_data")).all()
        assert (event.object_type, event.object_id) == ("case_applicant", str(case["id"]))
        assert event.data["credit_code"] == code and "licensing.accept" in event.reason
    listed = client.get("/api/v1/cases/licensing", headers=people.officer("HRM_SL")).json
    assert ID_NO not in str(listed)


def test_the_case_page_masks_and_audits_as_the_api_does(
        app: Flask, client: FlaskClient, people: People, api: Any, login_as: Any) -> None:
    from tests.kit import agency_body, credit_code

    code = credit_code(322)
    case = api.bring("licensing", {"agency": agency_body(code, phone="13812345678"),
                                   "license_items": ["L01"]}, "submitted", clerk=code)
    url = f"/cases/licensing/{case['id']}"
    viewer = login_as("HRM_CX").get(url)
    assert viewer.status_code == 200
    assert ID_NO not in viewer.text and "1101**********002X" in viewer.text
    assert "13812345678" not in viewer.text and "138****5678" in viewer.text
    assert audit_count(app, "read_personal_data") == 0
    handler = login_as("HRM_SL").get(url)
    assert handler.status_code == 200 and ID_NO in handler.text
    assert audit_count(app, "read_personal_data", case["id"]) == 1
    listing = login_as("HRM_SL").get("/licensing/accept").text
    assert ID_NO not in listing
