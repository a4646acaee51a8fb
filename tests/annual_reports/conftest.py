"""Fixtures for 年度报告: the clerk's agency with a licence, officers, reports brought to a state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency

# The test modules import YEAR and report_body from here.
from tests.kit import CLERK_CODE, HP, People, add_license, report_body

EVIL = "=1+1<script>alert(1)</script>"
# The actions that bring a new report to each state.
PATHS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "draft": (), "submitted": (("submit", None),),
    "passed": (("submit", None), ("pass", None)),
    "returned": (("submit", None), ("return", "请补充投诉处理情况")),
}


@pytest.fixture
def licensed(app: Flask, agencies: None) -> None:
    """The 和平区 agency holds a valid licence (its number goes into the snapshot)."""
    with app.app_context():
        agency = db.session.query(Agency).filter_by(credit_code=CLERK_CODE).one()
        add_license(agency, "津人服证字〔2024〕0101号")
        db.session.commit()


@pytest.fixture
def officer(people: People) -> Callable[..., dict[str, str]]:
    """Bearer headers of an officer of a division (业务管理岗 unless told another role)."""

    def make(division: str = HP, role: str = "HRM_GL") -> dict[str, str]:
        return people.officer(role, division)

    return make


@pytest.fixture
def report(client: FlaskClient, clerk: Callable[..., dict[str, str]],
           officer: Callable[..., dict[str, str]], licensed: None,
           agencies: None) -> Callable[..., dict[str, Any]]:
    """Fill in a report through the API and bring it to a state; returns its JSON."""

    def make(state: str = "submitted", code: str = CLERK_CODE, division: str = HP,
             **overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/annual-reports", json=report_body(**overrides),
                               headers=clerk(code))
        assert response.status_code == 201, response.json
        data = response.json
        for action, reason in PATHS[state]:
            headers = clerk(code) if action == "submit" else officer(division)
            response = client.post(f"/api/v1/annual-reports/{data['id']}/{action}",
                                   json={"reason": reason}, headers=headers)
            assert response.status_code == 200, response.json
            data = response.json
        return data

    return make
