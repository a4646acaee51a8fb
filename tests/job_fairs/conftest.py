"""Fixtures for 现场招聘会: fairs registered through the API in two districts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, License
from portal_plugin.job_fairs.models import JobFair
from tests.kit import CLERK_CODE, HP, HX, OTHER_CODE, add_license, fair_body

EVIL = "<script>alert(1)</script>招聘会"


def license_organisers(app: Flask) -> None:
    """Both clerks' agencies hold a valid licence with 组织开展现场招聘会 (L03): a job fair is
    a licensed activity. Idempotent."""
    with app.app_context():
        for code, number in ((CLERK_CODE, "津人服证字〔2024〕0301号"),
                             (OTHER_CODE, "津人服证字〔2024〕0302号")):
            agency = db.session.scalar(select(Agency).where(Agency.credit_code == code))
            if agency is not None and not db.session.scalar(
                    select(License.id).where(License.license_number == number)):
                add_license(agency, number, items=["L01", "L03"])
        db.session.commit()


@pytest.fixture
def agencies(agencies: None, app: Flask) -> None:
    """The registry's two agencies, licensed to hold job fairs."""
    license_organisers(app)


@pytest.fixture
def register(app: Flask, client: FlaskClient, clerk, agencies) -> Callable[..., dict[str, Any]]:
    """Register a fair through the API (the organisers licensed); returns its JSON."""
    license_organisers(app)

    def make(division: str = HP, code: str = CLERK_CODE, **overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/job-fairs", json=fair_body(division, **overrides),
                               headers=clerk(code))
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def fairs(app: Flask, register) -> dict[str, dict[str, Any]]:
    """A fair held in 和平区 (named with a script tag) and one in 河西区, both by the HP clerk.

    Forms and the API refuse `<` in a name (含有非法字符): the script-tag name is written to the
    database as older data could hold it, to show that every page escapes it."""
    hp = register(HP, name="和平区春季招聘会")
    with app.app_context():
        db.session.get(JobFair, hp["id"]).name = EVIL
        db.session.commit()
    return {"hp": {**hp, "name": EVIL}, "hx": register(HX, name="河西区秋季综合招聘会",
                                                       organizer="河西区就业服务中心")}
