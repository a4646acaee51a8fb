"""The shared state machine of the five workflows, through the JSON API.

Allowed and forbidden transitions from every state, roles, districts, the applicant's own
agency, required reasons, editing and resubmitting, stale versions, drafts, case numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.kit import CITY, HP, HX, OTHER_CODE, PATHS, WORKFLOWS

STATES = tuple(PATHS)
OFFICER_ACTIONS = ("accept", "return", "reject", "approve", "refuse")
ROLE = {"accept": "HRM_SL", "return": "HRM_SL", "reject": "HRM_SL",
        "approve": "HRM_SH", "refuse": "HRM_SH"}
SOURCES = {"submit": ("draft", "returned"), "accept": ("submitted",), "return": ("submitted",),
           "reject": ("submitted",), "approve": ("pending_review",),
           "refuse": ("pending_review",)}
TARGET = {"submit": "submitted", "accept": "pending_review", "return": "returned",
          "reject": "rejected", "approve": "approved", "refuse": "refused"}
REASONED = ("return", "reject", "refuse")
COMMON_LABELS = {"draft": "草稿", "submitted": "待受理", "pending_review": "待审核",
                 "returned": "退回", "rejected": "不通过"}
DECISION_LABELS = {  # approved / refused, per workflow (DOMAIN.md)
    "licensing": ("通过", "不通过"),
    "filing": ("核查通过", "核查不通过"),
    "change": ("审核通过", "审核不通过"),
    "branch": ("审核通过", "审核不通过"),
    "deregistration": ("已通过", "不通过"),
}
PREFIX = {"licensing": "XK", "filing": "BA", "change": "BG", "branch": "FZ",
          "deregistration": "ZX"}
BAD_REASONS = ({}, {"reason": None}, {"reason": ""}, {"reason": "   \n\t　"},
               {"reason": "理" * 1001})


def label(wf: str, status: str) -> str:
    approved, refused = DECISION_LABELS[wf]
    return {**COMMON_LABELS, "approved": approved, "refused": refused}[status]


def home(wf: str) -> str:
    """The division whose bureau handles the fixtures' cases (a branch goes to 河西区)."""
    return HX if wf == "branch" else HP


def local_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def fingerprint(api: Any, wf: str, case_id: int, clerk: str) -> dict[str, Any]:
    """Everything a refused request must leave as it was, read by the owning clerk."""
    response = api.get(wf, case_id, api.people.clerk(clerk))
    assert response.status_code == 200, response.json
    case = response.json
    keys = ("status", "version", "case_no", "reason", "submitted_at", "accepted_at",
            "decided_at", "deadline", "application", "result")
    return {**{key: case[key] for key in keys}, "events": len(case["events"])}


def post(api: Any, wf: str, case_id: int, action: str, headers: dict[str, str],
         body: dict[str, Any] | None = None):
    """A transition with exactly this body (api.act adds a default reason)."""
    return api.client.post(f"/api/v1/cases/{wf}/{case_id}/{action}", json=body or {},
                           headers=headers)


def put(api: Any, wf: str, case_id: int, headers: dict[str, str], body: dict[str, Any]):
    return api.client.put(f"/api/v1/cases/{wf}/{case_id}", json=body, headers=headers)


def listed_ids(api: Any, wf: str, headers: dict[str, str], **params: str) -> set[int]:
    response = api.client.get(f"/api/v1/cases/{wf}", query_string={"per_page": 100, **params},
                              headers=headers)
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


# -- allowed transitions ---------------------------------------------------------------------

ALLOWED = [(wf, source, action) for wf in WORKFLOWS for action, sources in SOURCES.items()
           for source in sources]


@pytest.mark.parametrize(("wf", "source", "action"), ALLOWED,
                         ids=[f"{wf}-{source}-{action}" for wf, source, action in ALLOWED])
def test_allowed_transition_sets_status_bumps_version_and_records_one_event(
        api, people, case_in, wf, source, action):
    case, clerk = case_in(wf, source)
    actor = people.clerk(clerk) if action == "submit" else people.officer(ROLE[action], home(wf))
    before = api.get(wf, case["id"], actor).json
    body: dict[str, Any] = {"version": case["version"]}
    if action in REASONED:
        body["reason"] = "材料不齐全，请补正营业执照复印件"

    response = post(api, wf, case["id"], action, actor, body)

    assert response.status_code == 200, response.json
    after = response.json
    target = TARGET[action]
    assert after["status"] == target
    assert after["status_label"] == label(wf, target)
    assert after["version"] == before["version"] + 1
    assert after["reason"] == body.get("reason")
    detail = api.get(wf, case["id"], actor).json
    assert detail["status"] == target and detail["version"] == after["version"]
    assert len(detail["events"]) == len(before["events"]) + 1
    event = detail["events"][-1]
    assert (event["action"], event["from"], event["to"]) == (action, source, target)
    assert event["reason"] == body.get("reason")
    if action != "submit":
        assert event["actor_division"] == home(wf)


# -- forbidden transitions -------------------------------------------------------------------

FORBIDDEN = [(wf, state) for wf in WORKFLOWS for state in STATES]


@pytest.mark.parametrize(("wf", "state"), FORBIDDEN, ids=[f"{wf}-{s}" for wf, s in FORBIDDEN])
def test_actions_not_allowed_in_a_state_conflict_and_change_nothing(api, people, case_in, wf,
                                                                    state):
    """Officer actions from a wrong state are 409 (a draft is not even visible: 404); the clerk
    cannot submit or edit a case that is not a draft or returned (terminal ones included)."""
    case, clerk = case_in(wf, state)
    before = fingerprint(api, wf, case["id"], clerk)
    tried = []
    for action in OFFICER_ACTIONS:
        if state in SOURCES[action]:
            continue
        response = api.act(wf, case["id"], action, people.officer(ROLE[action], home(wf)))
        expected = 404 if state == "draft" else 409
        assert response.status_code == expected, (action, response.json)
        tried.append(action)
    if state not in SOURCES["submit"]:
        response = post(api, wf, case["id"], "submit", people.clerk(clerk))
        assert response.status_code == 409, response.json
        assert response.json["error"]["code"] == "conflict"
        response = put(api, wf, case["id"], people.clerk(clerk), case["application"])
        assert response.status_code == 409, response.json
        assert response.json["error"]["code"] == "conflict"
        tried += ["submit", "edit"]
    assert tried
    assert fingerprint(api, wf, case["id"], clerk) == before


# -- roles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("wf", WORKFLOWS)
def test_each_step_needs_its_role(api, people, case_in, wf):
    case, clerk = case_in(wf, "submitted")
    division = home(wf)
    owner = people.clerk(clerk)
    before = fingerprint(api, wf, case["id"], clerk)
    not_acceptors = [people.officer(role, division) for role in ("HRM_SH", "HRM_CX", "HRM_GL")]
    for action in ("accept", "return", "reject"):
        for headers in [*not_acceptors, owner]:
            response = api.act(wf, case["id"], action, headers)
            assert response.status_code == 403, (action, headers, response.json)
    for role in ("HRM_SL", "HRM_SH", "HRM_CX", "HRM_GL"):  # officers never submit or edit
        headers = people.officer(role, division)
        assert post(api, wf, case["id"], "submit", headers).status_code == 403
        assert put(api, wf, case["id"], headers, case["application"]).status_code == 403
    assert fingerprint(api, wf, case["id"], clerk) == before

    assert api.act(wf, case["id"], "accept", people.officer("HRM_SL", division)).status_code == 200
    before = fingerprint(api, wf, case["id"], clerk)
    not_reviewers = [people.officer(role, division) for role in ("HRM_SL", "HRM_CX", "HRM_GL")]
    for action in ("approve", "refuse"):
        for headers in [*not_reviewers, owner]:
            response = api.act(wf, case["id"], action, headers)
            assert response.status_code == 403, (action, headers, response.json)
    assert fingerprint(api, wf, case["id"], clerk) == before


# -- districts and agencies ------------------------------------------------------------------

@pytest.mark.parametrize("wf", WORKFLOWS)
def test_officers_of_another_district_get_404_and_the_city_can_act(api, people, case_in, wf):
    case, clerk = case_in(wf, "submitted")
    strangers = ["120102", *([HP] if wf == "branch" else [])]  # a branch report goes to 河西区
    before = fingerprint(api, wf, case["id"], clerk)
    for division in strangers:
        for role in ("HRM_SL", "HRM_SH", "HRM_CX"):
            headers = people.officer(role, division)
            assert api.get(wf, case["id"], headers).status_code == 404, (division, role)
            assert case["id"] not in listed_ids(api, wf, headers)
        for action in ("accept", "return", "reject"):
            response = api.act(wf, case["id"], action, people.officer("HRM_SL", division))
            assert response.status_code == 404, (division, action, response.json)
    assert fingerprint(api, wf, case["id"], clerk) == before

    city_acceptor = people.officer("HRM_SL", CITY)
    assert api.get(wf, case["id"], city_acceptor).status_code == 200
    assert case["id"] in listed_ids(api, wf, city_acceptor)
    assert api.act(wf, case["id"], "accept", city_acceptor).status_code == 200

    before = fingerprint(api, wf, case["id"], clerk)
    for division in strangers:
        for action in ("approve", "refuse"):
            response = api.act(wf, case["id"], action, people.officer("HRM_SH", division))
            assert response.status_code == 404, (division, action, response.json)
    assert fingerprint(api, wf, case["id"], clerk) == before
    response = api.act(wf, case["id"], "approve", people.officer("HRM_SH", CITY))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "approved"


@pytest.mark.parametrize("wf", WORKFLOWS)
def test_another_agencys_clerk_cannot_see_edit_or_submit(api, people, case_in, wf):
    case, clerk = case_in(wf, "returned")  # the owner could edit and resubmit it
    stranger = people.clerk(OTHER_CODE)
    before = fingerprint(api, wf, case["id"], clerk)
    assert api.get(wf, case["id"], stranger).status_code == 404
    assert case["id"] not in listed_ids(api, wf, stranger)
    assert put(api, wf, case["id"], stranger, case["application"]).status_code == 404
    assert post(api, wf, case["id"], "submit", stranger).status_code == 404
    assert fingerprint(api, wf, case["id"], clerk) == before
    assert post(api, wf, case["id"], "submit", people.clerk(clerk)).status_code == 200


# -- reasons ---------------------------------------------------------------------------------

@pytest.mark.parametrize("wf", WORKFLOWS)
def test_return_reject_and_refuse_need_a_reason(api, people, case_in, wf):
    case, clerk = case_in(wf, "submitted")
    acceptor, reviewer = (people.officer(role, home(wf)) for role in ("HRM_SL", "HRM_SH"))
    before = fingerprint(api, wf, case["id"], clerk)
    for action in ("return", "reject"):
        for body in BAD_REASONS:
            response = post(api, wf, case["id"], action, acceptor, body)
            assert response.status_code == 422, (action, body, response.json)
            assert "reason" in response.json["error"]["fields"]
    assert fingerprint(api, wf, case["id"], clerk) == before

    assert api.act(wf, case["id"], "accept", acceptor).status_code == 200
    before = fingerprint(api, wf, case["id"], clerk)
    for body in BAD_REASONS:
        response = post(api, wf, case["id"], "refuse", reviewer, body)
        assert response.status_code == 422, (body, response.json)
        assert "reason" in response.json["error"]["fields"]
    assert fingerprint(api, wf, case["id"], clerk) == before
    response = post(api, wf, case["id"], "refuse", reviewer, {"reason": "  不符合条件  "})
    assert response.status_code == 200
    assert response.json["reason"] == "不符合条件"


# -- editing and resubmitting ----------------------------------------------------------------

EDITS = {
    "licensing": lambda app: {"staff": app["staff"],
                              "agency": {**app["agency"], "name": "改名后的人力资源服务公司"},
                              "license_items": ["L01", "L04"]},
    "filing": lambda app: {"agency": {**app["agency"], "name": "改名后的人力资源服务公司"},
                           "filing_items": ["F02", "F05"]},
    "change": lambda app: {"changes": {"address": "天津市和平区南京路99号"}},
    "branch": lambda app: {"branch": {**app["branch"], "name": "河西第二分公司"}},
    "deregistration": lambda app: {"targets": app["targets"], "ground": "D03"},
}
EDITED = {  # what the edit must have put into the application
    "licensing": lambda app: (app["agency"]["name"], app["license_items"]),
    "filing": lambda app: (app["agency"]["name"], app["filing_items"]),
    "change": lambda app: app["changes"],
    "branch": lambda app: app["branch"]["name"],
    "deregistration": lambda app: app["ground"],
}
EXPECTED_EDIT = {
    "licensing": ("改名后的人力资源服务公司", ["L01", "L04"]),
    "filing": ("改名后的人力资源服务公司", ["F02", "F05"]),
    "change": {"address": "天津市和平区南京路99号"},
    "branch": "河西第二分公司",
    "deregistration": "D03",
}


@pytest.mark.parametrize("wf", WORKFLOWS)
def test_clerk_edits_a_returned_case_and_resubmits_it(api, people, case_in, wf):
    case, clerk = case_in(wf, "returned")
    owner = people.clerk(clerk)
    assert case["reason"] and case["case_no"]
    body = EDITS[wf](case["application"])

    before = fingerprint(api, wf, case["id"], clerk)
    stale = put(api, wf, case["id"], owner, {**body, "version": case["version"] - 1})
    assert stale.status_code == 409, stale.json
    assert fingerprint(api, wf, case["id"], clerk) == before

    edited = put(api, wf, case["id"], owner, {**body, "version": case["version"]})
    assert edited.status_code == 200, edited.json
    assert edited.json["status"] == "returned"
    assert edited.json["version"] == case["version"] + 1
    assert EDITED[wf](edited.json["application"]) == EXPECTED_EDIT[wf]
    assert edited.json["case_no"] == case["case_no"]

    officer_submit = post(api, wf, case["id"], "submit", people.officer("HRM_SL", home(wf)))
    assert officer_submit.status_code == 403
    resubmitted = post(api, wf, case["id"], "submit", owner, {"version": case["version"] + 1})
    assert resubmitted.status_code == 200, resubmitted.json
    again = resubmitted.json
    assert again["status"] == "submitted" and again["status_label"] == "待受理"
    assert again["case_no"] == case["case_no"]
    assert again["reason"] is None
    assert again["version"] == case["version"] + 2
    events = api.get(wf, case["id"], owner).json["events"]
    assert [(e["action"], e["from"], e["to"]) for e in events[-2:]] == [
        ("edit", "returned", "returned"), ("submit", "returned", "submitted")]
    # The officer sees the edited application, waiting for acceptance again.
    seen = api.get(wf, case["id"], people.officer("HRM_SL", home(wf))).json
    assert EDITED[wf](seen["application"]) == EXPECTED_EDIT[wf]
    assert "accept" in seen["actions"]


# -- stale versions --------------------------------------------------------------------------

@pytest.mark.parametrize("wf", WORKFLOWS)
def test_a_stale_version_conflicts_and_changes_nothing(api, people, case_in, wf):
    case, clerk = case_in(wf, "submitted")
    acceptor, reviewer = (people.officer(role, home(wf)) for role in ("HRM_SL", "HRM_SH"))
    version = case["version"]
    before = fingerprint(api, wf, case["id"], clerk)
    for wrong in (version - 1, version + 1):
        for action in ("accept", "return", "reject"):
            response = api.act(wf, case["id"], action, acceptor, version=wrong)
            assert response.status_code == 409, (action, wrong, response.json)
            assert response.json["error"]["code"] == "conflict"
    assert fingerprint(api, wf, case["id"], clerk) == before

    accepted = api.act(wf, case["id"], "accept", acceptor, version=version)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["version"] == version + 1
    before = fingerprint(api, wf, case["id"], clerk)
    for action in ("approve", "refuse"):  # the reviewer read the case before it was accepted
        response = api.act(wf, case["id"], action, reviewer, version=version)
        assert response.status_code == 409, (action, response.json)
    assert fingerprint(api, wf, case["id"], clerk) == before
    approved = api.act(wf, case["id"], "approve", reviewer, version=version + 1)
    assert approved.status_code == 200, approved.json
    assert approved.json["version"] == version + 2


# -- drafts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("wf", WORKFLOWS)
def test_drafts_are_invisible_to_officers_but_visible_to_the_clerk(api, people, case_in, wf):
    case, clerk = case_in(wf, "draft")
    assert case["case_no"] is None and case["submitted_at"] is None
    for division in (home(wf), CITY):
        for role in ("HRM_SL", "HRM_SH", "HRM_CX", "HRM_GL"):
            headers = people.officer(role, division)
            assert api.get(wf, case["id"], headers).status_code == 404, (division, role)
            assert case["id"] not in listed_ids(api, wf, headers)
            assert not listed_ids(api, wf, headers, status="draft")
    owner = people.clerk(clerk)
    seen = api.get(wf, case["id"], owner)
    assert seen.status_code == 200
    assert (seen.json["status"], seen.json["status_label"]) == ("draft", "草稿")
    assert seen.json["actions"] == ["submit"]
    assert case["id"] in listed_ids(api, wf, owner)
    assert case["id"] in listed_ids(api, wf, owner, status="draft")


# -- case numbers ----------------------------------------------------------------------------

def case_number_sequence(wf: str, case_no: str) -> int:
    """The daily sequence of a case number of this workflow handled by its home division."""
    pattern = rf"{PREFIX[wf]}{home(wf)}{local_today():%Y%m%d}(\d{{4}})"
    match = re.fullmatch(pattern, case_no)
    assert match, (case_no, pattern)
    return int(match.group(1))


@pytest.mark.parametrize("wf", WORKFLOWS)
def test_case_numbers_are_assigned_at_first_submission_and_consecutive(api, people, case_in,
                                                                       wf):
    first, clerk = case_in(wf, "draft")
    owner = people.clerk(clerk)
    acceptor = people.officer("HRM_SL", home(wf))
    assert first["case_no"] is None

    submitted = post(api, wf, first["id"], "submit", owner).json
    number = submitted["case_no"]
    assert case_number_sequence(wf, number) == 1
    assert api.act(wf, first["id"], "return", acceptor).json["case_no"] == number
    assert post(api, wf, first["id"], "submit", owner).json["case_no"] == number  # kept

    if wf == "deregistration":  # the licence is requested already; the filing is free
        filings = api.client.get(f"/api/v1/filings?q={clerk}", headers=acceptor).json["items"]
        body = {"targets": [{"kind": "filing", "id": filings[0]["id"]}], "ground": "D01"}
        second = api.create(wf, body, clerk, submit=True)
        assert second.status_code == 201, second.json
        second_no = second.json["case_no"]
    else:
        second_no = case_in(wf, "submitted")[0]["case_no"]
    assert case_number_sequence(wf, second_no) == 2
