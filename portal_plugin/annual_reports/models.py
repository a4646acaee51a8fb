"""Annual reports (年度报告)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Division, UTCDateTime
from workflows.engine import CLERK_STEP, Transition

ANNUAL_REPORT_STATUS = {"draft": "草稿", "submitted": "已报送", "passed": "已通过",
                        "returned": "已退回"}
# A report's transitions: the clerk's 报送 (of a draft, or again of a returned report), the
# bureau's 通过 and 退回 (退回重填 when it was passed), with the reason the agency sees.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("submit", frozenset({"draft", "returned"}), "submitted", CLERK_STEP),
        Transition("pass", frozenset({"submitted"}), "passed", "review"),
        Transition("return", frozenset({"submitted", "passed"}), "returned", "review", True),
    )
}
# The clerk's edit keeps the status; it is open wherever submitting is.
EDITABLE = TRANSITIONS["submit"].sources


class AnnualReport(db.Model):
    """An agency's 经营情况年度报告 for one year, with a snapshot of its basics at submission."""

    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", name="uq_annual_reports_agency_year"),
        CheckConstraint("status in ('draft', 'submitted', 'passed', 'returned')", name="status"),
        CheckConstraint("staff_count >= 0 and revenue >= 0 and served_workers >= 0 "
                        "and served_employers >= 0 and placements >= 0 and job_fairs_held >= 0 "
                        "and online_postings >= 0 and trainings >= 0", name="figures"),
        Index("ix_annual_reports_division_year_status", "division_code", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    # The agency's basics as they were when the report was (last) submitted.
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    legal_rep: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    license_numbers: Mapped[str | None] = mapped_column(String(500))
    filing_numbers: Mapped[str | None] = mapped_column(String(500))
    staff_count: Mapped[int]
    revenue: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    served_workers: Mapped[int]
    served_employers: Mapped[int]
    placements: Mapped[int]
    job_fairs_held: Mapped[int]
    online_postings: Mapped[int]
    trainings: Mapped[int]
    complaints: Mapped[str | None] = mapped_column(Text)
    filled_by: Mapped[str] = mapped_column(String(100))
    filled_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Why the bureau returned it (退回 / 退回重填), shown to the agency.
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # 逾期报送: first submitted after the year's deadline (a later resubmission keeps the mark).
    late: Mapped[bool] = mapped_column(default=False, server_default=false())
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(100))

    agency: Mapped[Agency] = relationship()
    division: Mapped[Division] = relationship()
