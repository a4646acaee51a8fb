"""Fixtures for the public list and 双公示: agencies with personal data, licences, filings."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from portal_plugin.core import cache
from portal_plugin.core.extensions import db
from tests.kit import HP, HX, ID_NO, add_agency, add_filing, add_license, credit_code
from workflows.calendar import load_years_from_package

PHONE = "13912345678"
CONTACT = "联系人王小明"
EVIL = "=HYPERLINK(\"http://x\",\"点我\")人力资源有限公司"


@pytest.fixture
def year_2026(app: Flask) -> None:
    """2026's holidays and 调休 days from the chinesecalendar package (中秋 09-25, 国庆)."""
    with app.app_context():
        assert load_years_from_package([2026]) == [2026]
        db.session.commit()
        cache.forget("calendar")


@pytest.fixture
def listed(app: Flask) -> dict[str, int]:
    """和平区: 甲 (licence valid till 2099 + filing), the formula-named agency (licence);
    河西区: 乙 (licence past 有效期至, stored valid), 丙 (filing ended); and 丁 with nothing."""
    ids: dict[str, int] = {}
    with app.app_context():
        personal = {"phone": PHONE, "contact": CONTACT, "legal_rep_id_no": ID_NO}
        a = add_agency(credit_code(11, HP), HP, "甲人力资源服务有限公司", **personal)
        add_license(a, "津人服证字〔2024〕0001号", items=["L01"], valid_until=dt.date(2099, 1, 1))
        add_filing(a, "津人服备字〔2024〕0001号", items=["F01"])
        evil = add_agency(credit_code(12, HP), HP, EVIL, **personal)
        add_license(evil, "津人服证字〔2024〕0002号", valid_until=dt.date(2099, 1, 1))
        b = add_agency(credit_code(13, HX), HX, "乙人力资源有限公司", **personal)
        add_license(b, "津人服证字〔2020〕0003号", valid_until=dt.date(2021, 1, 1))
        c = add_agency(credit_code(14, HX), HX, "丙人力资源有限公司", **personal)
        add_filing(c, "津人服备字〔2020〕0004号", status="deregistered",
                   status_changed_on=dt.date(2022, 5, 6))
        d = add_agency(credit_code(15, HX), HX, "丁人力资源有限公司", **personal)
        db.session.commit()
        ids.update(a=a.id, evil=evil.id, b=b.id, c=c.id, d=d.id)
    return ids
