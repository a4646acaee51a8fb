"""Demo annual reports for `make run`: every state, several districts, the demo clerks' own."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from portal_plugin.annual_reports import service as annual_reports
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import Agency

CLERK_HP = "91120101MA05R7XQ0P"  # the dev portal's 吴芳 (和平区)
CLERK_HX = "91120103MA06B1TN4Q"  # the dev portal's 郑涛 (河西区)
# (years back, state): the demo clerks' own reports, then one per other registered agency.
OWN = {CLERK_HP: ((1, "submitted"), (2, "passed"), (3, "passed")),
       CLERK_HX: ((1, "returned"), (2, "passed"))}
CYCLE = ("passed", "submitted", "passed", "returned", "draft", "passed")
OTHERS = 12
REASON = "营业收入与报送的财务报表不一致，请核对后重新填报"


def body(year: int, index: int) -> dict[str, object]:
    # 营业收入 in 万元, fitting the staff: some 18–30 万元 a person and year.
    staff = 12 + index * 3
    return {"year": year, "staff_count": staff, "revenue": f"{staff * (18 + index % 13)}.50",
            "served_workers": 1200 + index * 311, "served_employers": 80 + index * 17,
            "placements": 450 + index * 97, "job_fairs_held": index % 5,
            "online_postings": 900 + index * 211, "trainings": 60 + index * 13,
            "complaints": "无" if index % 3 else "收到投诉1件，已调解处理", "filled_by": "王丽"}


def load(who: Callable[..., Identity]) -> int:
    """Create the reports through the service as the demo users; returns how many."""
    last = annual_reports.today().year
    plan = [(code, years, state) for code, rows in OWN.items() for years, state in rows]
    others = db.session.execute(select(Agency.credit_code).where(
        Agency.status == "valid", Agency.parent_id.is_(None),
        Agency.credit_code.not_in(OWN)).order_by(Agency.id).limit(OTHERS)).scalars().all()
    plan += [(code, 1, CYCLE[n % len(CYCLE)]) for n, code in enumerate(others)]
    for index, (code, years, state) in enumerate(plan):
        agency = db.session.scalar(select(Agency).where(Agency.credit_code == code))
        if agency is None:
            continue
        clerk = who("HRM_JG", agency.division_code, code)
        officer = who("HRM_GL", agency.division_code)
        report = annual_reports.create(clerk, body(last - years, index),
                                       submit=state != "draft")
        if state in ("passed", "returned"):
            annual_reports.review(officer, report.id, "pass" if state == "passed" else "return",
                                  reason=None if state == "passed" else REASON)
    return len(plan)
