"""工作日历 as a page and an API: a calendar.manage holder (业务管理岗) sees a year's holidays and
调休 days, adds and removes days (CSRF, checked dates), and the workbench warns while next year
has no data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from tests.conftest import csrf_token_from
from tests.kit import HP
from workflows.calendar import CalendarDay, WorkingCalendar, load_years_from_package

NEXT = dt.date.today().year + 1
WARNING = f"{NEXT}年的节假日和调休安排尚未录入工作日历"


def test_the_page_lists_a_year_and_adds_and_removes_days(app, login_as) -> None:
    with app.app_context():
        load_years_from_package([2026])
        db.session.commit()
    browser = login_as("HRM_GL", HP)
    page = browser.get("/calendar?year=2026")
    assert page.status_code == 200
    assert "2026-10-01" in page.text and "国庆节" in page.text and "调休上班" in page.text
    token = csrf_token_from(page.text)
    added = browser.post("/calendar/days", data={"csrf_token": token, "day": f"{NEXT}-01-01",
                                                 "kind": "holiday", "name": "元旦"})
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/calendar?year={NEXT}")
    with app.app_context():
        row = db.session.get(CalendarDay, dt.date(NEXT, 1, 1))
        assert (row.kind, row.name) == ("holiday", "元旦")
        assert not WorkingCalendar().is_working_day(dt.date(NEXT, 1, 1))
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "calendar_day")).all() == ["set"]
    shown = browser.get(f"/calendar?year={NEXT}").text
    assert f"{NEXT}-01-01" in shown and "元旦" in shown
    removed = browser.post(f"/calendar/days/{NEXT}-01-01/delete",
                           data={"csrf_token": csrf_token_from(shown)})
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.get(CalendarDay, dt.date(NEXT, 1, 1)) is None


def test_bad_days_are_refused_beside_their_fields(app, login_as) -> None:
    browser = login_as("HRM_GL", HP)
    token = csrf_token_from(browser.get("/calendar").text)
    bad = browser.post("/calendar/days", data={"csrf_token": token, "day": f"{NEXT}-02-30",
                                               "kind": "holiday", "name": "春节"})
    assert bad.status_code == 422 and "日期格式应为 YYYY-MM-DD" in bad.text
    monday = dt.date(NEXT, 1, 1) + dt.timedelta(days=(7 - dt.date(NEXT, 1, 1).weekday()) % 7)
    weekday = browser.post("/calendar/days", data={
        "csrf_token": token, "day": monday.isoformat(), "kind": "workday", "name": "调休"})
    assert weekday.status_code == 422 and "只有周六、周日可设为调休上班" in weekday.text
    nameless = browser.post("/calendar/days", data={
        "csrf_token": token, "day": monday.isoformat(), "kind": "holiday", "name": ""})
    assert nameless.status_code == 422 and "请填写名称" in nameless.text
    assert browser.get("/calendar?year=abc").status_code == 422
    with app.app_context():
        assert db.session.scalars(select(CalendarDay)).all() == []


def test_posts_without_the_csrf_token_are_refused(app, login_as) -> None:
    browser = login_as("HRM_GL", HP)
    response = browser.post("/calendar/days", data={"day": f"{NEXT}-01-01", "kind": "holiday",
                                                    "name": "元旦"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(CalendarDay, dt.date(NEXT, 1, 1)) is None


def test_the_api_reads_and_replaces_a_year(app, client, people) -> None:
    manager = people.officer("HRM_GL", HP)
    empty = client.get(f"/api/v1/calendar/{NEXT}", headers=manager).json
    assert empty == {"year": NEXT, "known": False, "source": None, "loaded_at": None, "days": []}
    days = [{"day": f"{NEXT}-01-01", "kind": "holiday", "name": "元旦"}]
    wrong = client.put(f"/api/v1/calendar/{NEXT}", headers=manager,
                       json={"days": [*days, {"day": "2020-01-01", "kind": "holiday",
                                              "name": "元旦"}]})
    assert wrong.status_code == 422 and wrong.json["error"]["fields"] == {
        "days.1.day": f"日期应在{NEXT}年内"}
    stored = client.put(f"/api/v1/calendar/{NEXT}", headers=manager, json={"days": days})
    assert stored.status_code == 200, stored.json
    assert stored.json["known"] is True and [d["day"] for d in stored.json["days"]] == [
        f"{NEXT}-01-01"]
    assert client.get(f"/api/v1/calendar/{NEXT}",
                      headers=people.officer("HRM_SL", HP)).status_code == 403


def test_the_workbench_warns_the_calendar_keeper_while_next_year_is_missing(client, people,
                                                                            login_as) -> None:
    manager = login_as("HRM_GL", HP)
    assert WARNING in manager.get("/").text
    assert WARNING not in login_as("HRM_SL", HP).get("/").text
    client.put(f"/api/v1/calendar/{NEXT}", headers=people.officer("HRM_GL", HP), json={
        "days": [{"day": f"{NEXT}-01-01", "kind": "holiday", "name": "元旦"}]})
    assert WARNING not in manager.get("/").text
