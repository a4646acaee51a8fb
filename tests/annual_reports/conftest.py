"""Fixtures for 年度报告: registered agencies with a licence, a valid body, reports by state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, License
from tests.job_fairs.conftest import agencies, clerk  # noqa: F401 (fixtures)
from tests.workflows.conftest import CLERK_CODE, HP

EVIL = "=1+1<script>alert(1)</script>"
YEAR = dt.date.today().year - 1
# The actions that bring a new report to each state.
PATHS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "draft": (), "submitted": (("submit", None),),
    "passed": (("submit", None), ("pass", None)),
    "returned": (("submit", None), ("return", "请补充投诉处理情况")),
}


def report_body(year: int = YEAR, **overrides: Any) -> dict[str, Any]:
    return {
        "year": year, "staff_count": 25, "revenue": "1234567.89", "served_workers": 5200,
        "served_employers": 310, "placements": 1800, "job_fairs_held": 6,
        "online_postings": 4200, "trainings": 900, "complaints": "无", "filled_by": "吴芳",
        **overrides,
    }


@pytest.fixture
def licensed(app: Flask, agencies: None) -> None:  # noqa: F811
    """The 和平区 agency holds a valid licence (its number goes into the snapshot)."""
    with app.app_context():
        agency = db.session.query(Agency).filter_by(credit_code=CLERK_CODE).one()
        db.session.add(License(agency_id=agency.id, license_number="津人服证字〔2024〕0101号",
                               items=["L01"], issued_on=dt.date(2024, 3, 1)))
        db.session.commit()


@pytest.fixture
def officer(auth_header: Callable[..., dict[str, str]]) -> Callable[..., dict[str, str]]:
    def make(division: str = HP, role: str = "HRM_GL") -> dict[str, str]:
        return auth_header(role, division)

    return make


@pytest.fixture
def report(client: FlaskClient, clerk: Callable[..., dict[str, str]],  # noqa: F811
           officer: Callable[..., dict[str, str]], licensed: None,
           agencies: None) -> Callable[..., dict[str, Any]]:  # noqa: F811
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
