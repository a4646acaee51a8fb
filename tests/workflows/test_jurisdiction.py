"""Jurisdiction and scope: officers see their division's cases and records, the city sees every
district, a branch report goes to the branch's district, a clerk sees only their own agency;
and the list filters (status, q, submission dates, paging) work within that scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from portal_plugin.core import clock
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.permissions import DEFAULT_ROLES
from tests.kit import CITY, HP, HX, agency_body, credit_code
from workflows import service
from workflows.models import Case

HD = "120102"  # 河东区
OFFICERS = ("HRM_SL", "HRM_SH", "HRM_GL", "HRM_CX")
LOCAL = dt.timezone(dt.timedelta(hours=8))


@dataclass
class World:
    """Cases of several agencies in 和平区, 河东区 and 河西区 (agency code → its cases by workflow)."""

    codes: dict[str, str]  # short name → credit code
    cases: dict[str, dict[str, Any]]  # "A.licensing" → case JSON

    def ids(self, *keys: str) -> set[int]:
        return {self.cases[key]["id"] for key in keys}


@pytest.fixture
def world(api) -> World:
    """和平区: A licensing submitted + filing draft, B licensing and filing approved, C draft;
    河东区: D submitted, E licensing and filing approved, F draft; 河西区: G pending review."""
    plan = {
        "A": (HP, "星火人力资源服务有限公司", [("licensing", "submitted"), ("filing", "draft")]),
        "B": (HP, "海河人才服务有限公司", [("licensing", "approved"), ("filing", "approved")]),
        "C": (HP, "和平草稿人力资源公司", [("licensing", "draft")]),
        "D": (HD, "河东星火人力资源有限公司", [("licensing", "submitted")]),
        "E": (HD, "河东人才市场有限公司", [("licensing", "approved"), ("filing", "approved")]),
        "F": (HD, "河东草稿人力资源公司", [("licensing", "draft")]),
        "G": (HX, "河西英才人力资源有限公司", [("licensing", "pending_review")]),
    }
    codes: dict[str, str] = {}
    cases: dict[str, dict[str, Any]] = {}
    for seed, (key, (division, name, wanted)) in enumerate(plan.items(), start=501):
        code = codes[key] = credit_code(seed, division)
        for wf, state in wanted:
            items = {"licensing": {"license_items": ["L01"]}, "filing": {"filing_items": ["F01"]}}
            body = {"agency": agency_body(code, division, name=name), **items[wf]}
            cases[f"{key}.{wf}"] = api.bring(wf, body, state, clerk=code, division=division)
    return World(codes, cases)


def listing(client: FlaskClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.json)
    page = response.json
    assert page["total"] >= len(page["items"])
    return page


def ids_of(page: dict[str, Any]) -> set[int]:
    return {item["id"] for item in page["items"]}


# --- districts ----------------------------------------------------------------------------------


def test_a_district_officer_sees_none_of_another_districts_cases_or_records(
        world: World, client: FlaskClient, people) -> None:
    """Lists (items and total), filters, details (404), licences and filings, for every role."""
    for role in OFFICERS:
        officer = people.officer(role, HP)
        district_lists(world, client, officer)
        district_details(world, client, officer)
        district_registry(world, client, officer)  # every officer role holds *.view


def district_lists(world: World, client: FlaskClient, officer: dict[str, str]) -> None:
    page = listing(client, "/api/v1/cases/licensing", officer)
    assert ids_of(page) == world.ids("A.licensing", "B.licensing")  # no drafts, no 河东/河西
    assert page["total"] == 2
    assert {item["division"] for item in page["items"]} == {HP}
    page = listing(client, "/api/v1/cases/filing", officer)
    assert ids_of(page) == world.ids("B.filing") and page["total"] == 1
    for query in (f"division={HD}", f"division={HX}", "division=120000",
                  f"q={world.codes['D']}", f"q={world.cases['D.licensing']['case_no']}",
                  "q=河东", f"division={HD}&status=approved"):
        page = listing(client, f"/api/v1/cases/licensing?{query}", officer)
        assert (page["total"], page["items"]) == (0, []), query
    assert listing(client, f"/api/v1/cases/licensing?division={HP}", officer)["total"] == 2


def district_details(world: World, client: FlaskClient, officer: dict[str, str]) -> None:
    for key in ("D.licensing", "E.licensing", "E.filing", "G.licensing",
                "C.licensing", "F.licensing", "A.filing"):  # foreign, or a draft
        wf = key.split(".")[1]
        response = client.get(f"/api/v1/cases/{wf}/{world.cases[key]['id']}", headers=officer)
        assert response.status_code == 404, key
        assert response.json["error"]["code"] == "not_found"
    for key in ("A.licensing", "B.licensing", "B.filing"):
        wf = key.split(".")[1]
        assert client.get(f"/api/v1/cases/{wf}/{world.cases[key]['id']}",
                          headers=officer).status_code == 200


def test_a_district_officer_cannot_act_on_another_districts_case(world: World, api,
                                                                 client: FlaskClient,
                                                                 people) -> None:
    foreign = world.cases["D.licensing"]  # submitted, in 河东区
    pending = world.cases["G.licensing"]  # pending review, in 河西区
    for action, case, role in (("accept", foreign, "HRM_SL"), ("return", foreign, "HRM_SL"),
                               ("reject", foreign, "HRM_SL"), ("approve", pending, "HRM_SH"),
                               ("refuse", pending, "HRM_SH")):
        response = api.act("licensing", case["id"], action, people.officer(role, HP))
        assert response.status_code == 404, action
    for case, division in ((foreign, HD), (pending, HX)):
        after = api.get("licensing", case["id"], people.officer("HRM_CX", division)).json
        assert (after["status"], after["version"]) == (case["status"], case["version"])
        assert [e["action"] for e in after["events"]][-1] != "approve"


def district_registry(world: World, client: FlaskClient, officer: dict[str, str]) -> None:
    b_license = world.cases["B.licensing"]["license_number"]
    e_license = world.cases["E.licensing"]["license_number"]
    page = listing(client, "/api/v1/licenses", officer)
    assert [row["license_number"] for row in page["items"]] == [b_license]
    assert page["total"] == 1
    assert {row["agency"]["division"] for row in page["items"]} == {HP}
    page = listing(client, "/api/v1/filings", officer)
    assert [row["filing_number"] for row in page["items"]] == [world.cases["B.filing"]["filing_number"]]
    for path in ("/api/v1/licenses", "/api/v1/filings"):
        for query in (f"division={HD}", f"q={world.codes['E']}", "q=河东人才",
                      f"q={e_license}", f"q={world.cases['E.filing']['filing_number']}"):
            page = listing(client, f"{path}?{query}", officer)
            assert (page["total"], page["items"]) == (0, []), (path, query)


def test_the_other_districts_see_their_own_and_waiting_counts_are_per_jurisdiction(
        world: World, app: Flask, client: FlaskClient, people) -> None:
    officer = people.officer("HRM_SL", HD)
    assert ids_of(listing(client, "/api/v1/cases/licensing", officer)) == world.ids(
        "D.licensing", "E.licensing")
    assert listing(client, f"/api/v1/cases/licensing?division={HP}", officer)["total"] == 0
    assert client.get(f"/api/v1/cases/licensing/{world.cases['A.licensing']['id']}",
                      headers=officer).status_code == 404
    licences = listing(client, "/api/v1/licenses", officer)
    assert [r["license_number"] for r in licences["items"]] == [
        world.cases["E.licensing"]["license_number"]]
    officer = people.officer("HRM_CX", HX)
    assert ids_of(listing(client, "/api/v1/cases/licensing", officer)) == world.ids("G.licensing")
    assert listing(client, "/api/v1/licenses", officer)["total"] == 0

    def backlog(role: str, division: str) -> dict[tuple[str, str], int]:
        identity = Identity(user_id="u", name="n", division=division, roles=(role,),
                            permissions=DEFAULT_ROLES[role].permissions)
        with app.app_context():
            return {key: load.waiting for key, load in service.backlog(identity).items()}

    assert backlog("HRM_SL", HP)[("licensing", "accept")] == 1  # A only, not 河东's D
    assert backlog("HRM_SH", HP)[("licensing", "review")] == 0  # not 河西's G
    assert backlog("HRM_SL", HD)[("licensing", "accept")] == 1
    assert backlog("HRM_SH", HX)[("licensing", "review")] == 1
    assert backlog("HRM_SL", CITY)[("licensing", "accept")] == 2
    assert backlog("HRM_SH", CITY)[("licensing", "review")] == 1


# --- the city -----------------------------------------------------------------------------------


def test_a_city_officer_sees_every_district_and_can_act_in_any(world: World, api,
                                                               client: FlaskClient,
                                                               people) -> None:
    for role in OFFICERS:
        city_view(world, client, people.officer(role, CITY))
    response = api.act("licensing", world.cases["D.licensing"]["id"], "accept",
                       people.officer("HRM_SL", CITY))
    assert response.status_code == 200
    assert response.json["status"] == "pending_review"


def city_view(world: World, client: FlaskClient, city: dict[str, str]) -> None:
    page = listing(client, "/api/v1/cases/licensing", city)
    everything = world.ids("A.licensing", "B.licensing", "D.licensing", "E.licensing",
                           "G.licensing")
    assert ids_of(page) == everything and page["total"] == 5  # still no drafts
    assert ids_of(listing(client, f"/api/v1/cases/licensing?division={HD}", city)) == world.ids(
        "D.licensing", "E.licensing")
    assert ids_of(listing(client, f"/api/v1/cases/licensing?division={HX}", city)) == world.ids(
        "G.licensing")
    for key in ("A.licensing", "D.licensing", "E.filing", "G.licensing"):
        wf = key.split(".")[1]
        assert client.get(f"/api/v1/cases/{wf}/{world.cases[key]['id']}",
                          headers=city).status_code == 200, key
    for key in ("C.licensing", "F.licensing"):
        assert client.get(f"/api/v1/cases/licensing/{world.cases[key]['id']}",
                          headers=city).status_code == 404, key
    licences = listing(client, "/api/v1/licenses", city)
    assert licences["total"] == 2
    assert {r["agency"]["division"] for r in licences["items"]} == {HP, HD}
    assert listing(client, "/api/v1/filings", city)["total"] == 2
    assert listing(client, f"/api/v1/filings?division={HD}", city)["total"] == 1


# --- branches -----------------------------------------------------------------------------------


def test_a_branch_report_belongs_to_the_branchs_district(case_in, api, client: FlaskClient,
                                                         people) -> None:
    case, clerk_code = case_in("branch", "submitted")
    assert case["division"] == HX and case["agency"]["division"] == HP
    branch_officer, parent_officer = people.officer("HRM_SL", HX), people.officer("HRM_SL", HP)
    assert ids_of(listing(client, "/api/v1/cases/branch", branch_officer)) == {case["id"]}
    assert client.get(f"/api/v1/cases/branch/{case['id']}", headers=branch_officer).status_code == 200
    page = listing(client, "/api/v1/cases/branch", parent_officer)
    assert (page["total"], page["items"]) == (0, [])
    assert client.get(f"/api/v1/cases/branch/{case['id']}", headers=parent_officer).status_code == 404
    assert api.act("branch", case["id"], "accept", parent_officer).status_code == 404
    assert ids_of(listing(client, "/api/v1/cases/branch", people.officer("HRM_CX", CITY))) == {
        case["id"]}
    # The parent agency's clerk follows its own report wherever it is handled.
    assert ids_of(listing(client, "/api/v1/cases/branch", people.clerk(clerk_code))) == {case["id"]}
    assert api.act("branch", case["id"], "accept", branch_officer).status_code == 200


# --- clerks -------------------------------------------------------------------------------------


def test_a_clerk_sees_only_their_own_agencys_cases_including_drafts(world: World,
                                                                     client: FlaskClient,
                                                                     people) -> None:
    for key, own in (("A", {"A.licensing"}), ("C", {"C.licensing"}),
                     ("D", {"D.licensing"}), ("F", {"F.licensing"})):
        clerk = people.clerk(world.codes[key])
        page = listing(client, "/api/v1/cases/licensing", clerk)
        assert ids_of(page) == world.ids(*own) and page["total"] == len(own), key
        assert {item["agency"]["credit_code"] for item in page["items"]} == {world.codes[key]}
        for other, case in world.cases.items():
            wf = other.split(".")[1]
            status = client.get(f"/api/v1/cases/{wf}/{case['id']}", headers=clerk).status_code
            assert status == (200 if other.startswith(key + ".") else 404), (key, other)
    clerk_a = people.clerk(world.codes["A"])
    drafts = listing(client, "/api/v1/cases/filing", clerk_a)
    assert [item["status"] for item in drafts["items"]] == ["draft"]
    assert listing(client, "/api/v1/cases/licensing?status=draft", clerk_a)["total"] == 0
    # No filter reaches another agency's cases.
    for query in (f"q={world.codes['B']}", f"division={HD}", f"q={world.cases['B.licensing']['case_no']}",
                  "q=海河", f"credit_code={world.codes['B']}"):
        page = listing(client, f"/api/v1/cases/licensing?{query}", clerk_a)
        assert page["total"] == 0, query
    # Nor can a clerk edit or submit another agency's draft.
    draft = world.cases["C.licensing"]
    body = {"agency": agency_body(world.codes["A"]), "license_items": ["L02"]}
    assert client.put(f"/api/v1/cases/licensing/{draft['id']}", json=body,
                      headers=clerk_a).status_code == 404
    assert client.post(f"/api/v1/cases/licensing/{draft['id']}/submit", json={},
                       headers=clerk_a).status_code == 404
    mine = client.get(f"/api/v1/cases/licensing/{draft['id']}",
                      headers=people.clerk(world.codes["C"])).json
    assert (mine["status"], mine["version"]) == ("draft", draft["version"])


# --- filters and paging -------------------------------------------------------------------------


def test_filters_by_status_q_name_credit_code_and_case_number(world: World, client: FlaskClient,
                                                             people) -> None:
    officer = people.officer("HRM_CX", CITY)
    expected = {"submitted": {"A.licensing", "D.licensing"}, "approved": {"B.licensing", "E.licensing"},
                "pending_review": {"G.licensing"}, "draft": set(), "returned": set(),
                "rejected": set(), "refused": set()}
    for status, keys in expected.items():
        page = listing(client, f"/api/v1/cases/licensing?status={status}", officer)
        assert ids_of(page) == world.ids(*keys) and page["total"] == len(keys), status
        assert {item["status"] for item in page["items"]} <= {status}
    for query, keys in ((f"name=星火&division={HP}", {"A.licensing"}),
                        (f"credit_code={world.codes['B']}", {"B.licensing"}),
                        (f"case_no={world.cases['D.licensing']['case_no']}", {"D.licensing"})):
        assert ids_of(listing(client, f"/api/v1/cases/licensing?{query}", officer)) == world.ids(
            *keys), query

    def found(q: str) -> set[int]:
        return ids_of(listing(client, f"/api/v1/cases/licensing?q={q}", officer))

    assert found("星火") == world.ids("A.licensing", "D.licensing")  # agency name, any part
    assert found("海河人才") == world.ids("B.licensing")
    assert found("  海河人才 ") == world.ids("B.licensing")
    assert found("有限公司") == world.ids("A.licensing", "B.licensing", "D.licensing",
                                      "E.licensing", "G.licensing")
    assert found(world.codes["E"]) == world.ids("E.licensing")  # credit code
    assert found(world.codes["E"].lower()) == world.ids("E.licensing")
    assert found(world.codes["E"][:12]) == set()  # a credit code matches whole
    case_no = world.cases["G.licensing"]["case_no"]
    assert found(case_no) == world.ids("G.licensing")  # case number
    assert found("不存在的机构") == set()
    both = listing(client, f"/api/v1/cases/licensing?q=星火&division={HD}", officer)
    assert ids_of(both) == world.ids("D.licensing") and both["total"] == 1
    assert found("星火&status=approved") == set()


def utc(local: str) -> dt.datetime:
    """A local (UTC+8) time written 'YYYY-MM-DD HH:MM', as the UTC instant the app stores."""
    return dt.datetime.fromisoformat(local).replace(tzinfo=LOCAL).astimezone(dt.UTC)


def insert_cases(app: Flask, count: int, *, division: str = HP, status: str = "submitted",
                 start: dt.datetime | None = None, step: dt.timedelta = dt.timedelta(minutes=7),
                 seed: int = 7000) -> list[int]:
    """Many submitted licensing cases at once, straight into the table (paging needs > 100)."""
    start = start or utc("2026-03-02 09:00")
    ids = []
    with app.app_context():
        for i in range(count):
            code = credit_code(seed + i, division)
            agency = agency_body(code, division, name=f"批量人力资源公司{i:03d}")
            case = Case(workflow="licensing", status=status, version=2, credit_code=code,
                        agency_name=agency["name"], division_code=division, created_by="test",
                        payload={"agency": agency, "license_items": ["L01"]},
                        case_no=f"XK{division}{seed + i:012d}", submitted_at=start + step * i)
            db.session.add(case)
            db.session.flush()
            ids.append(case.id)
        db.session.commit()
    return ids


def test_lists_are_paged_newest_first_with_the_total(app: Flask, client: FlaskClient,
                                                     people) -> None:
    ids = insert_cases(app, 23)  # submitted 7 minutes apart: the last is the newest
    newest_first = ids[::-1]
    officer = people.officer("HRM_SL", HP)
    page = listing(client, "/api/v1/cases/licensing", officer)
    assert (page["total"], page["page"], page["per_page"]) == (23, 1, 20)
    assert [item["id"] for item in page["items"]] == newest_first[:20]
    seen = []
    for number in range(1, 6):
        page = listing(client, f"/api/v1/cases/licensing?per_page=5&page={number}", officer)
        assert (page["total"], page["page"], page["per_page"]) == (23, number, 5)
        seen += [item["id"] for item in page["items"]]
    assert seen == newest_first
    page = listing(client, "/api/v1/cases/licensing?per_page=5&page=6", officer)
    assert (page["total"], page["items"]) == (23, [])
    submitted = [item["submitted_at"] for item in listing(
        client, "/api/v1/cases/licensing?per_page=23", officer)["items"]]
    assert submitted == sorted(submitted, reverse=True)


def test_a_clerks_drafts_come_first(api, client: FlaskClient, people) -> None:
    code = credit_code(42)
    body = {"agency": agency_body(code), "license_items": ["L01"]}
    rejected = api.bring("licensing", body, "rejected", clerk=code)  # has a submission time
    draft = api.create("licensing", body, code).json
    page = listing(client, "/api/v1/cases/licensing", people.clerk(code))
    assert [item["id"] for item in page["items"]] == [draft["id"], rejected["id"]]


def test_per_page_is_capped_at_100(app: Flask, client: FlaskClient, people) -> None:
    ids = insert_cases(app, 105, step=dt.timedelta(seconds=30))
    officer = people.officer("HRM_SL", HP)
    for per_page in (100, 101, 500, 10 ** 6):
        page = listing(client, f"/api/v1/cases/licensing?per_page={per_page}", officer)
        assert (page["total"], page["per_page"], len(page["items"])) == (105, 100, 100), per_page
    page = listing(client, "/api/v1/cases/licensing?per_page=500&page=2", officer)
    assert [item["id"] for item in page["items"]] == ids[:5][::-1]


def test_filters_by_submission_date_in_local_days(request: pytest.FixtureRequest, database,
                                                  app: Flask, client: FlaskClient,
                                                  people) -> None:
    times = ["2026-03-01 23:30", "2026-03-02 00:30", "2026-03-02 23:59", "2026-03-03 08:30"]
    ids = []
    for i, local in enumerate(times):
        ids += insert_cases(app, 1, start=utc(local), seed=8000 + i)
    officer = people.officer("HRM_SL", HP)

    def found(query: str) -> list[int]:
        page = listing(client, f"/api/v1/cases/licensing?{query}", officer)
        assert page["total"] == len(page["items"])
        return sorted(item["id"] for item in page["items"])

    assert found("submitted_from=2026-03-02") == ids[1:]
    assert found("submitted_to=2026-03-01") == ids[:1]
    assert found("submitted_from=2026-03-02&submitted_to=2026-03-02") == ids[1:3]
    assert found("submitted_from=2026-03-03") == ids[3:]
    assert found("submitted_to=2026-02-28") == []
    assert found("submitted_from=2026-03-04") == []
    assert found("submitted_from=2026-03-03&submitted_to=2026-03-01") == []


def test_submission_date_filters_include_today(api, app: Flask, client: FlaskClient,
                                               people) -> None:
    case = api.bring("licensing", {"agency": agency_body(credit_code(77)), "license_items": ["L01"]},
                     "submitted", clerk=credit_code(77))
    with app.app_context():  # the same instant on both backends: midday today, local time
        noon = dt.datetime.combine(clock.today(), dt.time(12), LOCAL).astimezone(dt.UTC)
        db.session.execute(update(Case).where(Case.id == case["id"]).values(submitted_at=noon))
        db.session.commit()
        today = clock.today()
    officer = people.officer("HRM_SL", HP)
    for query, hit in ((f"submitted_from={today}", True), (f"submitted_to={today}", True),
                       (f"submitted_from={today}&submitted_to={today}", True),
                       (f"submitted_to={today - dt.timedelta(days=1)}", False),
                       (f"submitted_from={today + dt.timedelta(days=1)}", False)):
        page = listing(client, f"/api/v1/cases/licensing?{query}", officer)
        assert (page["total"] == 1) is hit, query
