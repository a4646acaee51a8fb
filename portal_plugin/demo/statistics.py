"""Demo registry of the five years before this one, so that 统计分析 has something to count."""

from __future__ import annotations

import datetime as dt

from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License
from portal_plugin.demo import base as demo
from portal_plugin.statistics.service import DEFAULT_YEARS, this_year

PER_YEAR = 6
FIRST_SERIAL = 900_000  # far above the demo's own credit code series


def load() -> int:
    """Entered (录入) agencies of the five years before this one, a fifth of them deregistered."""
    made = 0
    for back in range(1, DEFAULT_YEARS + 1):
        year = this_year() - back
        for k in range(PER_YEAR):
            made += 1
            division = demo.DISTRICTS[(made * 5 + back) % len(demo.DISTRICTS)]
            first17 = f"91{division}MA{FIRST_SERIAL + made:07d}"[:17]
            body = demo.agency(first17 + credit_code_check_char(first17), division, made)
            granted = dt.date(year, 1 + (k * 2 + back) % 12, 1 + made % 28)
            gone = granted.replace(year=min(year + 1 + k % 3, this_year())) if k == 0 else None
            status = "deregistered" if gone else "valid"
            agency = Agency(name=body["name"], credit_code=body["credit_code"],
                            agency_type=body["agency_type"], division_code=division,
                            address=body["address"], legal_rep=body["legal_rep"],
                            legal_rep_id_no=body["legal_rep_id_no"], contact=body["contact"],
                            phone=body["phone"], status=status, deregistered_on=gone)
            db.session.add(agency)
            db.session.flush()
            serial = f"{division[2:]}{made:04d}"
            db.session.add(License(
                agency_id=agency.id, license_number=f"（津）人服证字〔{year}〕第{serial}号",
                items=["L01"], issued_on=granted, valid_until=granted.replace(year=year + 6),
                issuing_division=division, status=status, status_changed_on=gone,
                source="entry"))
            if k % 2:
                db.session.add(Filing(
                    agency_id=agency.id, filing_number=f"津人服备字〔{year}〕第{serial}号",
                    items=["F01"], filed_on=granted + dt.timedelta(days=40), status=status,
                    status_changed_on=gone, source="entry"))
    db.session.flush()
    return made
