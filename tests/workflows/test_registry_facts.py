"""Registry facts change only through 事项变更: a licensing, filing or branch application for an
agency in force cannot move it to another district, rename it or change its legal
representative (422 naming the fields, pointing to 事项变更); the bypass of issue 11 is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from tests.kit import CLERK_CODE, HP, HX, Api, People, agency_body, credit_code

HD = "120102"  # 河东区


def registry_row(app: Flask, code: str = CLERK_CODE) -> tuple[str, str, str]:
    with app.app_context():
        agency = db.session.query(Agency).filter_by(credit_code=code).one()
        return agency.division_code, agency.name, agency.legal_rep


def test_a_filing_cannot_move_rename_or_re_represent_a_licensed_agency(
        app: Flask, client: FlaskClient, api: Api, people: People,
        registered: Callable[..., dict[str, Any]]) -> None:
    registered(filing=False)  # licensed in 和平区
    before = registry_row(app)
    moved = agency_body(CLERK_CODE, HD, name="改名人力资源有限公司", legal_rep="王五")
    response = api.create("filing", {"agency": moved, "filing_items": ["F01"], "submit": True})
    assert response.status_code == 422, response.json
    fields = response.json["error"]["fields"]
    assert set(fields) == {"agency.division", "agency.name", "agency.legal_rep"}
    for message in fields.values():
        assert "事项变更" in message and "所属行政区划" in message and "法定代表人" in message
    assert registry_row(app) == before
    # 河东区 never sees an application for it.
    assert client.get("/api/v1/cases/filing",
                      headers=people.officer("HRM_SL", HD)).json["total"] == 0


def test_contact_details_may_be_brought_up_to_date(
        app: Flask, api: Api, registered: Callable[..., dict[str, Any]]) -> None:
    registered(filing=False)
    body = {"agency": agency_body(CLERK_CODE, HP, phone="13900001111", contact="新联系人"),
            "filing_items": ["F01"]}
    case = api.bring("filing", body, "approved")
    assert case["status"] == "approved"
    with app.app_context():
        agency = db.session.query(Agency).filter_by(credit_code=CLERK_CODE).one()
        assert (agency.phone, agency.contact, agency.division_code) == (
            "13900001111", "新联系人", HP)


def test_a_branch_report_cannot_change_the_parent(
        api: Api, registered: Callable[..., dict[str, Any]]) -> None:
    registered()
    response = api.create("branch", {
        "agency": agency_body(CLERK_CODE, HP, name="另一个名字有限公司"),
        "branch": agency_body(credit_code(7777, HX), HX, name="河西分公司")})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["agency.name"]


def test_approval_refuses_when_the_registry_changed_meanwhile(
        app: Flask, api: Api, people: People,
        registered: Callable[..., dict[str, Any]]) -> None:
    """A licence application of a filed agency, submitted while the facts matched; a 事项变更
    renames the agency before the licence is approved: approving would rename it back."""
    registered(license=False)
    case = api.bring("licensing", {"agency": agency_body(), "license_items": ["L01"]},
                     "pending_review")
    api.bring("change", {"changes": {"name": "变更后人力资源有限公司"}}, "approved")
    response = api.act("licensing", case["id"], "approve", people.officer("HRM_SH", HP))
    assert response.status_code == 409, response.json
    assert "事项变更" in response.json["error"]["message"]
    assert registry_row(app)[1] == "变更后人力资源有限公司"


def test_a_deregistered_agency_may_apply_anew_with_new_facts(
        app: Flask, api: Api, registered: Callable[..., dict[str, Any]]) -> None:
    registered(filing=False)
    with app.app_context():
        agency = db.session.query(Agency).filter_by(credit_code=CLERK_CODE).one()
        agency.status = "deregistered"
        db.session.commit()
    body = {"agency": agency_body(CLERK_CODE, HP, name="重新设立人力资源有限公司"),
            "filing_items": ["F01"]}
    response = api.create("filing", body)
    assert response.status_code == 201, response.json


def test_a_district_move_is_a_change_both_see_and_the_new_one_decides(
        app: Flask, client: FlaskClient, api: Api, people: People,
        registered: Callable[..., dict[str, Any]]) -> None:
    registered()  # licensed and filed in 和平区
    case = api.bring("change", {"changes": {"division": HD}}, "submitted")
    assert case["division"] == HD
    old_sl, new_sl = people.officer("HRM_SL", HP), people.officer("HRM_SL", HD)
    for officer in (old_sl, new_sl):  # both bureaus see it, in the list and alone
        listed = client.get("/api/v1/cases/change", headers=officer).json
        assert [c["id"] for c in listed["items"]] == [case["id"]]
        assert api.get("change", case["id"], officer).status_code == 200
    refused = api.act("change", case["id"], "accept", old_sl)
    assert refused.status_code == 403 and "迁入地区" in refused.json["error"]["message"]
    assert api.act("change", case["id"], "accept", new_sl).status_code == 200
    assert api.act("change", case["id"], "approve", people.officer("HRM_SH", HP)).status_code == 403
    approved = api.act("change", case["id"], "approve", people.officer("HRM_SH", HD))
    assert approved.status_code == 200, approved.json
    assert registry_row(app)[0] == HD
    # The agency's records moved with it: the new district lists its licence and filing.
    for kind in ("licenses", "filings"):
        new = client.get(f"/api/v1/{kind}?q={CLERK_CODE}", headers=new_sl).json
        old = client.get(f"/api/v1/{kind}?q={CLERK_CODE}", headers=old_sl).json
        assert (new["total"], old["total"]) == (1, 0), kind
    # The old district keeps the decided case in its lists.
    assert api.get("change", case["id"], old_sl).status_code == 200
