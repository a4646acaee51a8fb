"""Demo licences in their life: expiring inside the 延续 window, a renewal in progress, a
recorded expiry (the history import's old licences past their 有效期至 read 已过期 computed)."""

from __future__ import annotations

import datetime as dt

from portal_plugin.core import clock
from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, License
from portal_plugin.demo import base as demo
from workflows import lifecycle, service
from workflows.engine import case_type

FIRST_SERIAL = 950_000  # far above the demo's other credit code series
# (district, days until 有效期至, what the demo does with it)
LICENCES = (
    ("120101", 60, "renewal"),  # 延续 submitted and accepted: 行政许可延续审批 has it waiting
    ("120101", 75, "expiring"),  # inside the window, no renewal yet: 即将到期的许可证
    ("120103", 40, "renewal_submitted"),  # 延续 submitted: 行政许可延续受理 has it waiting
    ("120101", -20, "expired"),  # past its end, recorded 已过期 as the daily command does
)


def _entered(index: int, division: str, valid_until: dt.date) -> tuple[Agency, License]:
    first17 = f"91{division}MA{FIRST_SERIAL + index:07d}"[:17]
    body = demo.agency(first17 + credit_code_check_char(first17), division, index + 3)
    agency = Agency(name=body["name"], credit_code=body["credit_code"],
                    agency_type=body["agency_type"], division_code=division,
                    address=body["address"], legal_rep=body["legal_rep"],
                    legal_rep_id_no=body["legal_rep_id_no"], contact=body["contact"],
                    phone=body["phone"], status="valid", source="entry")
    db.session.add(agency)
    db.session.flush()
    year = valid_until.year - 5
    license_ = License(agency_id=agency.id, items=["L01", "L02"],
                       license_number=f"（津）人服证字〔{year}〕第{division[2:]}95{index:02d}号",
                       issued_on=valid_until.replace(year=year) + dt.timedelta(days=1),
                       valid_until=valid_until, issuing_division=division, source="entry")
    db.session.add(license_)
    db.session.flush()
    return agency, license_


def load() -> int:
    """The licences above; returns the number of renewal cases made."""
    today = clock.today()
    made = 0
    wf = case_type("renewal")
    for index, (division, days, role) in enumerate(LICENCES):
        agency, license_ = _entered(index, division, today + dt.timedelta(days=days))
        if role == "expired":
            lifecycle.expire(license_, today)
            db.session.commit()
            continue
        db.session.commit()
        if not role.startswith("renewal"):
            continue
        clerk = demo.who("HRM_JG", division, agency.credit_code)
        case = service.create(wf, clerk, {"license_id": license_.id}, submit=True,
                              uploads=demo.materials("renewal"))
        made += 1
        if role == "renewal":
            service.act(wf, case.id, "accept", demo.who("HRM_SL", division))
    return made
