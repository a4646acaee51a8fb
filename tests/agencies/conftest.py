"""Fixtures for 机构管理: a valid agency body, and agencies added through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.workflows.conftest import HP, HX, ID_NO, credit_code

EVIL = "<script>alert(1)</script>人力资源有限公司"


def body(seed: int = 1, division: str = HP, **overrides: Any) -> dict[str, Any]:
    return {
        "name": f"录入人力资源服务有限公司{seed}", "credit_code": credit_code(seed, division),
        "agency_type": "T02", "division": division, "address": "天津市测试路1号",
        "business_address": "天津市测试路2号", "legal_rep": "张伟",
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": ID_NO, "contact": "李娜",
        "phone": "022-23456789", "founded_on": "2015-06-01", "registered_capital": "200.50",
        "business_scope": "职业中介；人力资源管理咨询", "staff_count": 12, **overrides,
    }


@pytest.fixture
def add(client: FlaskClient, auth_header: Callable[..., dict[str, str]]
        ) -> Callable[..., dict[str, Any]]:
    """Add an agency through the API as the division's 业务管理岗; returns its JSON."""

    def make(seed: int = 1, division: str = HP, **overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/agencies", json=body(seed, division, **overrides),
                               headers=auth_header("HRM_GL", division))
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def two(add: Callable[..., dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An agency in 和平区 and one in 河西区."""
    return add(1, HP), add(2, HX)
