"""Fixtures for the case workflows: people, valid bodies, and cases brought to any state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_plugin.core.check_digits import credit_code_check_char

HP, HX, CITY = "120101", "120103", "120000"  # 和平区, 河西区, 天津市
CLERK_CODE = "91120101MA05R7XQ0P"  # 津和 (和平区)
OTHER_CODE = "91120103MA06B1TN4Q"  # 河西英才 (河西区)
ID_NO = "11010519491231002X"

# The states a case passes through, and the actions that lead there from a new draft.
PATHS: dict[str, tuple[str, ...]] = {
    "draft": (),
    "submitted": ("submit",),
    "returned": ("submit", "return"),
    "rejected": ("submit", "reject"),
    "pending_review": ("submit", "accept"),
    "approved": ("submit", "accept", "approve"),
    "refused": ("submit", "accept", "refuse"),
}
WORKFLOWS = ("licensing", "filing", "change", "branch", "deregistration")


def credit_code(seed: int, division: str = HP) -> str:
    """A valid 统一社会信用代码 made from a number (for many distinct agencies)."""
    first17 = f"91{division}MA{seed:07d}"[:17]
    return first17 + credit_code_check_char(first17)


def agency_body(code: str = CLERK_CODE, division: str = HP, **overrides: Any) -> dict[str, Any]:
    return {
        "name": f"测试人力资源机构{code[-6:]}", "credit_code": code, "agency_type": "T02",
        "division": division, "address": "天津市测试路1号", "legal_rep": "张伟",
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": ID_NO, "contact": "李娜",
        "phone": "022-23456789", **overrides,
    }


@dataclass
class People:
    """Bearer headers for the roles of a division, and agency clerks by credit code."""

    make: Callable[..., dict[str, str]]

    def officer(self, role: str, division: str = HP) -> dict[str, str]:
        return self.make(role, division)

    def clerk(self, code: str = CLERK_CODE) -> dict[str, str]:
        return self.make("HRM_JG", HP, org_credit_code=code)


@pytest.fixture
def people(auth_header: Callable[..., dict[str, str]]) -> People:
    return People(auth_header)


class Api:
    """Thin helpers over the case API for tests (assert on the answers yourself)."""

    def __init__(self, client: FlaskClient, people: People) -> None:
        self.client = client
        self.people = people

    def create(self, wf: str, body: dict[str, Any], clerk: str = CLERK_CODE, **extra: Any):
        return self.client.post(f"/api/v1/cases/{wf}", json={**body, **extra},
                                headers=self.people.clerk(clerk))

    def act(self, wf: str, case_id: int, action: str, headers: dict[str, str],
            **body: Any):
        if action == "return" or action in ("reject", "refuse"):
            body.setdefault("reason", "材料不齐全")
        return self.client.post(f"/api/v1/cases/{wf}/{case_id}/{action}", json=body,
                                headers=headers)

    def get(self, wf: str, case_id: int, headers: dict[str, str]):
        return self.client.get(f"/api/v1/cases/{wf}/{case_id}", headers=headers)

    def actor(self, action: str, division: str, clerk: str) -> dict[str, str]:
        if action == "submit":
            return self.people.clerk(clerk)
        role = "HRM_SL" if action in ("accept", "return", "reject") else "HRM_SH"
        return self.people.officer(role, division)

    def bring(self, wf: str, body: dict[str, Any], state: str, *, clerk: str = CLERK_CODE,
              division: str = HP) -> dict[str, Any]:
        """Create a case and take it to `state`; returns the case JSON."""
        response = self.create(wf, body, clerk)
        assert response.status_code == 201, response.json
        case = response.json
        for action in PATHS[state]:
            response = self.act(wf, case["id"], action, self.actor(action, division, clerk))
            assert response.status_code == 200, (action, response.json)
            case = response.json
        assert case["status"] == state
        return case


@pytest.fixture
def api(client: FlaskClient, people: People) -> Api:
    return Api(client, people)


@pytest.fixture
def registered(app: Flask, api: Api) -> Callable[..., dict[str, Any]]:
    """Put an agency in the registry through approved licensing and filing cases."""

    def register(code: str = CLERK_CODE, division: str = HP, *, license: bool = True,
                 filing: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if license:
            out["licensing"] = api.bring("licensing", {"agency": agency_body(code, division),
                                                       "license_items": ["L01", "L02"]},
                                         "approved", clerk=code, division=division)
        if filing:
            out["filing"] = api.bring("filing", {"agency": agency_body(code, division),
                                                 "filing_items": ["F01", "F03"]},
                                      "approved", clerk=code, division=division)
        return out

    return register


@pytest.fixture
def bodies(app: Flask, client: FlaskClient, people: People, registered) -> Callable[[str], dict]:
    """A valid application body per workflow for the default clerk (registering as needed).

    licensing and filing need a clerk without a valid licence/filing; use a fresh credit code
    for those via `agency_body(credit_code(n))` when the default clerk is registered already.
    """

    def body(wf: str, code: str = CLERK_CODE) -> dict[str, Any]:
        if wf == "licensing":
            return {"agency": agency_body(code), "license_items": ["L01", "L02"]}
        if wf == "filing":
            return {"agency": agency_body(code), "filing_items": ["F01", "F03"]}
        if wf == "change":
            return {"changes": {"name": "新名称人力资源有限公司", "license_items": ["L01", "L03"]}}
        if wf == "branch":
            return {"branch": agency_body(credit_code(7777, HX), HX, name="河西分公司")}
        if wf == "deregistration":
            license_id = client.get(f"/api/v1/licenses?q={code}",
                                    headers=people.officer("HRM_SL", CITY)).json["items"][0]["id"]
            return {"targets": [{"kind": "license", "id": license_id}], "ground": "D01"}
        raise ValueError(wf)

    return body


@pytest.fixture
def case_in(api: Api, registered, bodies) -> Callable[[str, str], tuple[dict[str, Any], str]]:
    """A case of a workflow in a given state, with its prerequisites; returns (case, clerk code).

    licensing / filing cases belong to a fresh, unregistered agency in 和平区; change, branch and
    deregistration cases to CLERK_CODE (registered on first use with a licence and a filing).
    A branch case is handled by 河西区 (the branch's district), the others by 和平区.
    """
    seeds = iter(range(1000, 9000))
    setup = {"registered": False}

    def make(wf: str, state: str) -> tuple[dict[str, Any], str]:
        if wf in ("licensing", "filing"):
            code = credit_code(next(seeds))
            return api.bring(wf, bodies(wf, code), state, clerk=code), code
        if not setup["registered"]:
            registered()
            setup["registered"] = True
        division = HX if wf == "branch" else HP
        return api.bring(wf, bodies(wf), state, division=division), CLERK_CODE

    return make
