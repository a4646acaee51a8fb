"""Job fairs (现场招聘会)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, UTCDateTime


class JobFair(db.Model):
    """A 现场招聘会 an agency registers; the bureau reads it by the venue's district."""

    __tablename__ = "job_fairs"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="period"),
        CheckConstraint("booths >= 0 and expected_employers >= 0 and expected_positions >= 0 "
                        "and expected_visitors >= 0", name="counts"),
        # A fair at the permit threshold may be registered before its permit (待补安全许可).
        CheckConstraint("sessions >= 1", name="sessions"),
        Index("ix_job_fairs_division_start", "division_code", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    organizer: Mapped[str] = mapped_column(String(200))
    co_organizer: Mapped[str | None] = mapped_column(String(200))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str] = mapped_column(String(200))
    venue_address: Mapped[str] = mapped_column(String(300))
    # The venue's district: whose officers see the fair.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    booths: Mapped[int]
    expected_employers: Mapped[int]
    expected_positions: Mapped[int]
    # The total over every session; the police-permit threshold counts one session's share.
    expected_visitors: Mapped[int]
    # 场次: one a day unless the organiser says otherwise.
    sessions: Mapped[int] = mapped_column(default=1, server_default="1")
    safety_officer: Mapped[str] = mapped_column(String(100))
    safety_phone: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(20))
    police_permit_no: Mapped[str | None] = mapped_column(String(60))
    # The registering agency (its clerk's org_credit_code) and who registered the fair.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped[Agency] = relationship()
