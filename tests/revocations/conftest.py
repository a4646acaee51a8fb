"""Fixtures for 注销单位行政许可: agencies with licences and filings in two districts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License
from tests.workflows.conftest import CLERK_CODE, HP, HX, ID_NO, OTHER_CODE, credit_code

EVIL = "<script>alert(1)</script>人力资源有限公司"
ISSUED = dt.date(2024, 3, 1)


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
            row = Agency(name=name, credit_code=code, agency_type="T02", division_code=division,
                         address="天津市测试路1号", legal_rep="张伟", legal_rep_id_no=ID_NO)
            db.session.add(row)
            db.session.flush()
            ids[key] = row.id
            for n in range(licences):
                lic = License(agency_id=row.id, license_number=f"（津）人服证字〔2024〕第{code[-4:]}{n}号",
                              items=["L01"], issued_on=ISSUED, valid_until=dt.date(2029, 2, 28))
                db.session.add(lic)
                db.session.flush()
                ids[f"{key}_license{n}"] = lic.id
            if filing:
                db.session.add(Filing(agency_id=row.id, filing_number=f"津人服备字〔2024〕{code[-4:]}",
                                      items=["F01"], filed_on=ISSUED))
        agency("hp", CLERK_CODE, HP, EVIL, 2, True)
        agency("hp_single", credit_code(4242, HP), HP, "和平单证人力资源有限公司", 1, False)
        agency("hx", OTHER_CODE, HX, "河西英才人力资源有限公司", 1, False)
        db.session.commit()
    return ids
