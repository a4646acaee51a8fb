"""Fixtures for the case workflows: registered agencies, valid bodies, cases in any state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

# The test modules import the shared builders from here as well as from tests.kit.
from tests.kit import (
    CITY,
    CLERK_CODE,
    HP,
    HX,
    Api,
    People,
    agency_body,
    credit_code,
)


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
