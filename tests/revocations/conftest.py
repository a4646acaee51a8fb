"""Fixtures for 注销单位行政许可: agencies with licences and filings in two districts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from portal_plugin.core.extensions import db
from tests.kit import (
    CLERK_CODE,
    HP,
    HX,
    OTHER_CODE,
    add_agency,
    add_filing,
    add_license,
    credit_code,
)

EVIL = "<script>alert(1)</script>人力资源有限公司"


def body(license_id: int, **overrides: Any) -> dict[str, Any]:
    return {"license_id": license_id, "ground": "R02", "decision_date": "2026-01-15",
            "remarks": "经营期限届满", **overrides}


@pytest.fixture
def registry(app: Flask) -> dict[str, int]:
    """Ids of: a 和平区 agency (named with a script tag) holding two licences and a filing, a
    和平区 agency holding one licence only, and a 河西区 agency with one licence."""
    ids: dict[str, int] = {}
    with app.app_context():
        def agency(key: str, code: str, division: str, name: str, licences: int,
                   filing: bool) -> None:
            row = add_agency(code, division, name)
            ids[key] = row.id
            for n in range(licences):
                ids[f"{key}_license{n}"] = add_license(
                    row, f"（津）人服证字〔2024〕第{code[-4:]}{n}号",
                    valid_until=dt.date(2029, 2, 28)).id
            if filing:
                add_filing(row, f"津人服备字〔2024〕{code[-4:]}")
        agency("hp", CLERK_CODE, HP, EVIL, 2, True)
        agency("hp_single", credit_code(4242, HP), HP, "和平单证人力资源有限公司", 1, False)
        agency("hx", OTHER_CODE, HX, "河西英才人力资源有限公司", 1, False)
        db.session.commit()
    return ids
