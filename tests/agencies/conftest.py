"""Fixtures for 机构管理: a valid agency body, and agencies added through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.kit import HP, HX, People, entry_body

EVIL = "<script>alert(1)</script>人力资源有限公司"
body = entry_body  # the test modules call it by its old name


@pytest.fixture
def add(client: FlaskClient, people: People) -> Callable[..., dict[str, Any]]:
    """Add an agency through the API as the division's 业务管理岗; returns its JSON."""

    def make(seed: int = 1, division: str = HP, **overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/agencies", json=body(seed, division, **overrides),
                               headers=people.officer("HRM_GL", division))
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def two(add: Callable[..., dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An agency in 和平区 and one in 河西区."""
    return add(1, HP), add(2, HX)
