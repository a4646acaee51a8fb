"""Fixtures for 现场招聘会: registered agencies, a valid fair body, fairs in two districts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from tests.workflows.conftest import CLERK_CODE, HP, HX, ID_NO, OTHER_CODE

EVIL = "<script>alert(1)</script>招聘会"


def fair_body(division: str = HP, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "2027年春风行动专场招聘会", "kind": "J04", "organizer": "天津市人力资源服务协会",
        "co_organizer": "津和人力资源服务有限公司", "start_at": "2027-03-01T09:00",
        "end_at": "2027-03-01T16:00", "venue": "人才市场一楼大厅", "venue_address": "天津市南京路1号",
        "division": division, "booths": 120, "expected_employers": 100, "expected_positions": 3000,
        "expected_visitors": 800, "safety_officer": "王强", "safety_phone": "022-23456789",
        "contact": "李娜", "contact_phone": "13812345678", **overrides,
    }


@pytest.fixture
def agencies(app: Flask) -> None:
    """The default clerk's agency (和平区) and another clerk's (河西区) in the registry."""
    with app.app_context():
        for code, division, name in ((CLERK_CODE, HP, "津和人力资源服务有限公司"),
                                     (OTHER_CODE, HX, "河西英才人力资源有限公司")):
            db.session.add(Agency(name=name, credit_code=code, agency_type="T02",
                                  division_code=division, address="天津市测试路1号",
                                  legal_rep="张伟", legal_rep_id_no=ID_NO))
        db.session.commit()


@pytest.fixture
def clerk(auth_header: Callable[..., dict[str, str]]) -> Callable[..., dict[str, str]]:
    def make(code: str = CLERK_CODE) -> dict[str, str]:
        return auth_header("HRM_JG", HP, org_credit_code=code)

    return make


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
def fairs(register) -> dict[str, dict[str, Any]]:
    """A fair held in 和平区 (named with a script tag) and one in 河西区, both by the HP clerk."""
    return {"hp": register(HP, name=EVIL), "hx": register(HX, name="河西区秋季综合招聘会",
                                                         organizer="河西区就业服务中心")}
