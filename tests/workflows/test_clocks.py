"""The law's clocks over real calendar data (chinesecalendar's 2026: 中秋 and 国庆, the 调休
Sunday 2026-09-20): acceptance (补正告知, 视为受理), decision from submission, one extension,
the issuance clock from approval to 【登记发证】 (DOMAIN.md "Deadlines")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask

from portal_plugin.core import cache
from portal_plugin.core.clock import local_zone
from portal_plugin.core.extensions import db
from tests.conftest import csrf_token_from
from tests.kit import HP, Api, People, agency_body, credit_code
from workflows import engine, service
from workflows.calendar import load_years_from_package

D = dt.date
FRIDAY = D(2026, 9, 18)  # the last working Friday before 中秋 (09-25..27) and 国庆 (10-01..07)


@pytest.fixture
def year_2026(app: Flask) -> None:
    """2026's holidays and 调休 days from the chinesecalendar package."""
    with app.app_context():
        assert load_years_from_package([2026]) == [2026]
        db.session.commit()
        cache.forget("calendar")


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], None]:
    """Move the engine's clock (and the lists' today) to 10:00 local time of a day."""

    def move(day: dt.date) -> None:
        moment = dt.datetime.combine(day, dt.time(10), local_zone()).astimezone(dt.UTC)
        monkeypatch.setattr(engine, "utcnow", lambda: moment)
        monkeypatch.setattr(service, "today", lambda: day)

    return move


def submitted(api: Api, seed: int) -> dict:
    code = credit_code(seed)
    response = api.create("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                          code, submit=True)
    assert response.status_code == 201, response.json
    return response.json


def test_a_case_submitted_on_the_friday_before_national_day(api: Api, people: People, year_2026,
                                                            on) -> None:
    on(FRIDAY)
    case = submitted(api, 1)
    # 5 working days: 09-20 (调休 Sunday), 21, 22, 23, 24.
    assert case["accept_due"] == "2026-09-24"
    # 20 working days from submission, not from acceptance, across 中秋 and 国庆 (10-10 is 调休).
    assert case["decision_due"] == "2026-10-22"
    assert (case["deadline"], case["clock"]) == ("2026-09-24", "accept")
    assert case["extended"] is False and case["deemed_accepted"] is False
    assert case["issue_due"] is None
    on(D(2026, 9, 30))  # the acceptance waited until after its clock: 视为受理 still counts
    late = api.act("licensing", case["id"], "accept", people.officer("HRM_SL")).json
    assert late["decision_due"] == "2026-10-22"  # acceptance does not restart the decision clock
    assert (late["deadline"], late["clock"], late["deemed_accepted"]) == (
        "2026-10-22", "decision", True)


def test_an_extension_adds_exactly_ten_working_days_once(api: Api, people: People, year_2026,
                                                          on, login_as) -> None:
    on(FRIDAY)
    case = submitted(api, 2)
    on(D(2026, 9, 21))
    api.act("licensing", case["id"], "accept", people.officer("HRM_SL"))
    reviewer = people.officer("HRM_SH")
    url = f"/api/v1/cases/licensing/{case['id']}/extend"
    assert api.client.post(url, json={}, headers=reviewer).status_code == 422
    refused = api.client.post(url, json={"reason": "需补充现场核查"},
                              headers=people.officer("HRM_SL"))
    assert refused.status_code == 403
    on(D(2026, 10, 20))
    extended = api.client.post(url, json={"reason": "需补充现场核查"}, headers=reviewer)
    assert extended.status_code == 200, extended.json
    # 10-22 + 10 working days: 23, 26..30, 11-02..05.
    assert extended.json["decision_due"] == "2026-11-05"
    assert extended.json["deadline"] == "2026-11-05" and extended.json["extended"] is True
    assert "extend" not in extended.json["actions"]
    again = api.client.post(url, json={"reason": "再次延长"}, headers=reviewer)
    assert again.status_code == 409 and "只能延长一次" in again.json["error"]["message"]
    # The agency is told why: the case and its 流转记录 carry the reason.
    own = api.get("licensing", case["id"], people.clerk(case["agency"]["credit_code"])).json
    assert own["extension_reason"] == "需补充现场核查" and own["decision_due"] == "2026-11-05"
    assert [(e["action"], e["reason"]) for e in own["events"]][-1] == ("extend", "需补充现场核查")


def test_return_after_the_fifth_working_day_is_refused(api: Api, people: People, year_2026, on,
                                                       login_as) -> None:
    on(FRIDAY)
    in_time, late = submitted(api, 3), submitted(api, 4)
    officer = people.officer("HRM_SL")
    on(D(2026, 9, 24))  # the 5th working day: 退回 is still open
    assert api.act("licensing", in_time["id"], "return", officer).status_code == 200
    on(D(2026, 9, 28))
    refused = api.act("licensing", late["id"], "return", officer)
    assert refused.status_code == 409
    assert refused.json["error"]["message"] == "已超过补正告知期限，视为自收到申请之日起受理"
    shown = api.get("licensing", late["id"], officer).json
    assert shown["status"] == "submitted" and shown["deemed_accepted"] is True
    # The page refuses alike, with the message, and the case page shows 视为受理.
    browser = login_as("HRM_SL", HP)
    page = browser.get(f"/cases/licensing/{late['id']}").text
    assert "视为受理" in page
    response = browser.post(f"/cases/licensing/{late['id']}/return", data={
        "csrf_token": csrf_token_from(page), "version": shown["version"], "reason": "缺材料"})
    assert response.status_code == 303  # back to the case page, the message shown there
    assert "已超过补正告知期限，视为自收到申请之日起受理" in browser.get(
        response.headers["Location"]).text
    assert api.get("licensing", late["id"], officer).json["status"] == "submitted"


def test_time_while_returned_does_not_count(api: Api, people: People, year_2026, on) -> None:
    on(FRIDAY)
    case = submitted(api, 5)
    on(D(2026, 9, 22))  # 3 working days used (09-20, 21 and the day of the return): 17 left
    api.act("licensing", case["id"], "return", people.officer("HRM_SL"))
    on(D(2026, 10, 12))
    clerk = people.clerk(case["agency"]["credit_code"])
    again = api.client.post(f"/api/v1/cases/licensing/{case['id']}/submit", json={},
                            headers=clerk).json
    assert again["accept_due"] == "2026-10-19"  # the 补正 clock restarts: 13..16, 19
    # 17 working days from 10-12: 13..16, 19..23, 26..30, 11-02..04.
    assert again["decision_due"] == "2026-11-04"


def test_the_issuance_clock_starts_at_approval_and_stops_at_issue(api: Api, people: People,
                                                                  year_2026, on,
                                                                  login_as) -> None:
    on(FRIDAY)
    case = submitted(api, 6)
    api.act("licensing", case["id"], "accept", people.officer("HRM_SL"))
    assert api.get("licensing", case["id"], people.officer("HRM_SL")).json["issue_due"] is None
    on(D(2026, 10, 30))
    approved = api.act("licensing", case["id"], "approve", people.officer("HRM_SH")).json
    assert approved["issue_due"] == "2026-11-13"  # 10 working days: 11-02..06, 09..13
    assert (approved["deadline"], approved["clock"]) == ("2026-11-13", "issue")
    on(D(2026, 11, 12))
    listed = api.client.get("/api/v1/cases/licensing?status=approved",
                            headers=people.officer("HRM_SL")).json["items"][0]
    assert (listed["days_left"], listed["deadline_flag"]) == (1, "yellow")
    url = f"/api/v1/cases/licensing/{case['id']}/issue"
    officer = people.officer("HRM_SL")
    bad = api.client.post(url, json={"issued_on": "2026-10-29", "delivery": "pigeon"},
                          headers=officer)
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"delivery"}
    early = api.client.post(url, json={"issued_on": "2026-10-29", "delivery": "post"},
                            headers=officer)
    assert early.status_code == 422 and "issued_on" in early.json["error"]["fields"]
    assert api.client.post(url, json={"issued_on": "2026-11-02", "delivery": "post"},
                           headers=people.officer("HRM_SH")).status_code == 403
    issued = api.client.post(url, json={"issued_on": "2026-11-02", "delivery": "post"},
                             headers=officer)
    assert issued.status_code == 200, issued.json
    assert (issued.json["issued_on"], issued.json["delivery"]) == ("2026-11-02", "post")
    assert issued.json["deadline"] is None and issued.json["days_left"] is None
    assert issued.json["issue_due"] == "2026-11-13" and "issue" not in issued.json["actions"]
    twice = api.client.post(url, json={"issued_on": "2026-11-02", "delivery": "post"},
                            headers=officer)
    assert twice.status_code == 409
    events = [e["action"] for e in issued.json["events"]]
    assert events[-2:] == ["approve", "issue"]
    page = login_as("HRM_SL", HP).get(f"/cases/licensing/{case['id']}").text
    assert "已登记发证，邮寄" in page


def test_issue_page_form_records_the_delivery(api: Api, people: People, login_as) -> None:
    case = submitted(api, 7)
    api.act("licensing", case["id"], "accept", people.officer("HRM_SL"))
    approved = api.act("licensing", case["id"], "approve", people.officer("HRM_SH")).json
    browser = login_as("HRM_SL", HP)
    page = browser.get(f"/cases/licensing/{case['id']}").text
    assert "登记发证" in page and "电子证照" in page and "待登记发证" in page
    today = dt.datetime.now(local_zone()).date().isoformat()
    response = browser.post(f"/cases/licensing/{case['id']}/issue", data={
        "csrf_token": csrf_token_from(page), "version": approved["version"],
        "issued_on": today, "delivery": "electronic"})
    assert response.status_code == 302, response.text
    shown = api.get("licensing", case["id"], people.officer("HRM_SL")).json
    assert (shown["issued_on"], shown["delivery"]) == (today, "electronic")
    no_csrf = browser.post(f"/cases/licensing/{case['id']}/issue", data={
        "version": shown["version"], "issued_on": today, "delivery": "post"})
    assert no_csrf.status_code == 400
