"""Fixtures for 告知承诺制: commitment applications and on-the-spot grants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.kit import CLERK_CODE, HP, Api, People, agency_body


def commitment_body(code: str = CLERK_CODE, division: str = HP, **overrides: Any
                    ) -> dict[str, Any]:
    return {"agency": agency_body(code, division), "license_items": ["L01", "L02"],
            "procedure": "commitment", "commitment_accepted": True, **overrides}


@pytest.fixture
def granted(api: Api, people: People) -> Callable[..., dict[str, Any]]:
    """A commitment case submitted and granted on the spot by 受理岗; returns the case JSON."""

    def grant(code: str = CLERK_CODE, division: str = HP) -> dict[str, Any]:
        created = api.create("licensing", commitment_body(code, division), code, submit=True)
        assert created.status_code == 201, created.json
        response = api.act("licensing", created.json["id"], "grant",
                           people.officer("HRM_SL", division))
        assert response.status_code == 200, response.json
        return response.json

    return grant
