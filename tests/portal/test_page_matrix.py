"""A foreign district's officer finds no case page; forms refuse a missing CSRF token;
user-supplied text is escaped on every page (every page × role: tests/test_permission_matrix.py)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from portal_plugin.core.access import declared
from portal_plugin.core.extensions import db
from portal_plugin.core.permissions import DEFAULT_ROLES
from tests.kit import CLERK_CODE, HP, agency_body
from workflows.models import Case

PAGE_BLUEPRINTS = ("hrm.pages.", "hrm.cases.", "hrm.agency.")
EVIL = "<script>alert(1)</script>有限公司"


def page_urls(app: Flask, case_id: int) -> dict[str, tuple[str, frozenset[str]]]:
    """endpoint → (a URL for it, the permissions it declares), for every GET page."""
    urls = {}
    with app.test_request_context():
        from flask import url_for

        for reg in declared(app):
            if not reg.endpoint.startswith(PAGE_BLUEPRINTS):
                continue
            rule = next(app.url_map.iter_rules(reg.endpoint))
            # Pages only: not the files they link to (a material opens as its PDF or image).
            if "GET" not in rule.methods or "material_id" in rule.arguments:
                continue
            params = {k: v for k, v in {"wf": "licensing", "case_id": case_id,
                                                 "action": "accept"}.items()
                      if k in rule.arguments}
            urls[reg.endpoint] = (url_for(reg.endpoint, **params), reg.access.permissions)
    return urls


@pytest.fixture
def submitted_case(app, client, auth_header, api) -> int:
    """A submitted licensing case whose agency is named with a script tag. Applications refuse
    `<` in a name (含有非法字符), so the name is written to the database as older data could
    hold it: every page must escape it."""
    refused = client.post("/api/v1/cases/licensing", headers=auth_header("HRM_JG"), json={
        "agency": agency_body(CLERK_CODE, HP, name=EVIL), "license_items": ["L01"]})
    assert refused.json["error"]["fields"]["agency.name"] == "含有非法字符"
    response = api.create("licensing", {"agency": agency_body(CLERK_CODE, HP),
                                        "license_items": ["L01"]}, submit=True)
    assert response.status_code == 201, response.json
    with app.app_context():
        case = db.session.get(Case, response.json["id"])
        case.agency_name = EVIL
        case.payload = {**case.payload, "agency": {**case.payload["agency"], "name": EVIL}}
        db.session.commit()
    return response.json["id"]


@pytest.mark.parametrize("role", ["HRM_SL", "HRM_SH", "HRM_CX", "HRM_GL"])
def test_foreign_district_officer_gets_404_on_the_case_page(app, login_as, submitted_case, role):
    browser = login_as(role, "120103")
    assert browser.get(f"/cases/licensing/{submitted_case}").status_code == 404
    listing = browser.get("/licensing/records?status=approved").text
    assert EVIL not in listing and "&lt;script&gt;" not in listing


def test_city_officer_sees_the_district_case(login_as, submitted_case):
    assert login_as("HRM_SL", "120000").get(f"/cases/licensing/{submitted_case}").status_code == 200


def test_another_agencys_clerk_gets_404(login_as, submitted_case):
    other = login_as("HRM_JG", HP, org_credit_code="91120103MA06B1TN4Q")
    assert other.get(f"/agency/cases/licensing/{submitted_case}").status_code == 404


def test_decision_without_csrf_token_is_refused_and_changes_nothing(login_as, submitted_case,
                                                                    client, auth_header):
    browser = login_as("HRM_SL", HP)
    response = browser.post(f"/cases/licensing/{submitted_case}/accept", data={"version": "2"})
    assert response.status_code == 400
    case = client.get(f"/api/v1/cases/licensing/{submitted_case}",
                      headers=auth_header("HRM_SL")).json
    assert case["status"] == "submitted"


def test_application_form_without_csrf_token_is_refused(login_as):
    browser = login_as("HRM_JG", HP)
    response = browser.post("/agency/apply/filing", data={"agency.name": "x"})
    assert response.status_code == 400


def test_agency_name_with_script_shows_as_text_on_every_page(app, login_as, submitted_case):
    pages = []
    for role in ("HRM_SL", "HRM_SH", "HRM_CX", "HRM_JG"):
        browser = login_as(role, HP)
        for url, permissions in page_urls(app, submitted_case).values():
            if permissions and not DEFAULT_ROLES[role].permissions & permissions:
                continue
            for query in ("", "?status=submitted"):
                response = browser.get(url + query)
                assert response.status_code == 200
                assert "<script>alert(1)</script>" not in response.text, (role, url)
                if "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in response.text:
                    pages.append(url)
    # The name appears (escaped) on the lists, the case pages and the clerk's home.
    assert {"/licensing/accept", f"/cases/licensing/{submitted_case}",
            f"/agency/cases/licensing/{submitted_case}"} <= set(pages)
    assert not re.search(r"<script>(?!\s*</script>)", "".join(pages))
