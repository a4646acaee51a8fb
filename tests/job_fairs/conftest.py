"""Fixtures for 现场招聘会: fairs registered through the API in two districts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_plugin.core.extensions import db
from portal_plugin.job_fairs.models import JobFair
from tests.kit import CLERK_CODE, HP, HX, fair_body

EVIL = "<script>alert(1)</script>招聘会"


@pytest.fixture
def register(client: FlaskClient, clerk, agencies) -> Callable[..., dict[str, Any]]:
    """Register a fair through the API; returns its JSON."""

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
