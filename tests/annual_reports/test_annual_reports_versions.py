"""年度报告 state changes: the transitions as data, and every page form's `version` — a form
without a whole number is refused (409), a stale one is 409, and neither changes the report."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal_plugin.annual_reports import service
from portal_plugin.core.api import PAGE_VERSION_MISSING
from portal_plugin.core.errors import STALE
from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from tests.annual_reports.test_annual_reports_pages import form_data
from tests.conftest import csrf_token_from
from tests.kit import HP, report_body

API = "/api/v1/annual-reports"


def snapshot(app, report_id: int) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]
    """The report's status, version and number of audit events."""
    with app.app_context():
        report = db.session.get(service.AnnualReport, report_id)
        events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "annual_report", AuditEvent.object_id == str(report_id)))
        return report.status, report.version, events


def post(browser, page_url: str, url: str, version: str | None,  # type: ignore[no-untyped-def]
         **fields: str):
    data = {"csrf_token": csrf_token_from(browser.get(page_url).text), **fields}
    if version is not None:
        data["version"] = version
    return browser.post(url, data=data)


# The page forms that change a report: who posts, from which state, to which URL.
FORMS = {
    "pass": ("HRM_GL", "submitted", "/annual-reports/{id}", "/annual-reports/{id}/pass", {}),
    "return": ("HRM_GL", "passed", "/annual-reports/{id}", "/annual-reports/{id}/return",
               {"reason": "请更正从业人员数"}),
    "submit": ("HRM_JG", "draft", "/agency/annual-reports/{id}",
               "/agency/annual-reports/{id}/submit", {}),
    "edit": ("HRM_JG", "returned", "/agency/annual-reports/{id}/edit",
             "/agency/annual-reports/{id}/edit", form_data(staff_count=40)),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("version", [None, "1.5"])
def test_a_page_form_without_a_whole_version_is_refused_and_changes_nothing(
        app, login_as, report, form, version) -> None:  # type: ignore[no-untyped-def]
    role, status, page, url, fields = FORMS[form]
    data = report(status)
    before = snapshot(app, data["id"])
    response = post(login_as(role, HP), page.format(id=data["id"]), url.format(id=data["id"]),
                    version, **fields)
    assert response.status_code == 409 and PAGE_VERSION_MISSING in response.text
    assert snapshot(app, data["id"]) == before


@pytest.mark.parametrize("form", FORMS)
def test_a_stale_page_form_is_409_and_the_current_one_is_taken(
        app, login_as, report, form) -> None:  # type: ignore[no-untyped-def]
    role, status, page, url, fields = FORMS[form]
    data = report(status)
    browser = login_as(role, HP)
    before = snapshot(app, data["id"])
    for stale in (data["version"] - 1, data["version"] + 1):
        response = post(browser, page.format(id=data["id"]), url.format(id=data["id"]),
                        str(stale), **fields)
        assert response.status_code == 409 and STALE in response.text
    assert snapshot(app, data["id"]) == before
    response = post(browser, page.format(id=data["id"]), url.format(id=data["id"]),
                    str(data["version"]), **fields)
    assert response.status_code == 302
    assert snapshot(app, data["id"])[1:] == (data["version"] + 1, before[2] + 1)


def test_the_api_takes_an_integer_version_or_none_but_nothing_else(client, clerk, officer,
                                                                  report):
    data = report("submitted")
    for wrong in ("1", True, 1.0):
        response = client.post(f"{API}/{data['id']}/pass", json={"version": wrong},
                               headers=officer())
        assert response.status_code == 422 and "version" in response.json["error"]["fields"]
    draft = report("draft", year=data["year"] - 1)
    response = client.put(f"{API}/{draft['id']}", json=report_body(draft["year"], version="1"),
                          headers=clerk())
    assert response.status_code == 422
    assert client.post(f"{API}/{data['id']}/pass", json={}, headers=officer()).status_code == 200


@pytest.mark.parametrize(("status", "actions"), [
    ("draft", ["edit", "submit"]), ("submitted", ["pass", "return"]), ("passed", ["return"]),
    ("returned", ["edit", "submit"]),
])
def test_what_a_status_allows_comes_from_the_transitions(status, actions) -> None:
    assert service.actions(service.AnnualReport(status=status)) == actions


@pytest.mark.parametrize(("action", "target"), [("submit", "submitted"), ("pass", "passed"),
                                                 ("return", "returned")])
def test_a_wrong_state_names_the_current_one_and_changes_nothing(
        app, client, clerk, officer, report, action, target) -> None:  # type: ignore[no-untyped-def]
    data = report(target)
    before = snapshot(app, data["id"])
    headers = clerk() if action == "submit" else officer()
    response = client.post(f"{API}/{data['id']}/{action}", json={"reason": "再次退回"},
                           headers=headers)
    assert response.status_code == 409
    assert response.json["error"]["message"].startswith(f"{STALE}（当前状态：")
    assert snapshot(app, data["id"]) == before
