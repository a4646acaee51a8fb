"""The case tables: one row per application of any workflow, and the gap-free number counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, License, UTCDateTime


class Case(db.Model):
    """An application (办件) of one workflow; only workflows.engine changes its status."""

    __tablename__ = "cases"
    __table_args__ = (

        Index("ix_cases_list", "workflow", "division_code", "status", "submitted_at"),
        Index("ix_cases_workflow_submitted", "workflow", "submitted_at"),
        Index("ix_cases_credit_code", "credit_code", "workflow"),
        Index("ix_cases_origin", "workflow", "origin_division_code"),
        # A city officer's lists span every district: without drafts, newest first.
        Index("ix_cases_submitted", "workflow", "status", "submitted_at", "id",
              postgresql_where=text("status <> 'draft'"), sqlite_where=text("status <> 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str] = mapped_column(String(20))
    case_no: Mapped[str | None] = mapped_column(String(30), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Bumped by every change; a client acting on a stale version gets 409.
    version: Mapped[int] = mapped_column(default=1)
    # The applicant agency (the clerk's), and the division whose bureau handles the case.
    credit_code: Mapped[str] = mapped_column(String(18))
    agency_name: Mapped[str] = mapped_column(String(200), index=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    # A district move (事项变更 of 所属行政区划): the district left, whose bureau sees the case
    # but does not decide it (migration 0011).
    origin_division_code: Mapped[str | None] = mapped_column(String(6))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What approval produced: numbers, record ids, before/after of a change.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # The running clock's due date (acceptance while 待受理, decision while 待审核, issuance
    # once a licence awaits 登记发证): what lists and the workbench mark yellow / red.
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    # The law's clocks (DOMAIN.md "Deadlines"), local dates in working days from submission:
    # 补正告知 (5), the decision (licensing 20, others their promised limit, + an extension),
    # and for licensing the issuance (10 from approval until 登记发证).
    accept_due: Mapped[dt.date | None] = mapped_column(Date)
    decision_due: Mapped[dt.date | None] = mapped_column(Date)
    # Working days the decision clock had left when the case was returned (退回 does not count).
    decision_days_left: Mapped[int | None]
    extended_on: Mapped[dt.date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    issue_due: Mapped[dt.date | None] = mapped_column(Date)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    delivery: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    agency: Mapped[Agency | None] = relationship()


class Counter(db.Model):
    """The last number issued in one series (kind + year + division, or per day for cases)."""

    __tablename__ = "counters"

    series: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class IssuedNumber(db.Model):
    """Every document number issued in the city, of every series: the database refuses a
    number issued twice (a 决定文号 of two districts, a 注销文号 of a revocation and of a 注销)."""

    __tablename__ = "issued_numbers"

    number: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    division_code: Mapped[str | None] = mapped_column(String(6))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# A certificate version's cause: 首次发证, 换发 (an approved 事项变更 of a printed fact), 补发.
VERSION_KINDS = {"issue": "首次发证", "change": "换发", "replacement": "补发", "renewal": "延续换发"}


class LicenseVersion(db.Model):
    """One version of a licence's certificate (same 许可证编号): what it showed and why it was
    issued. The licence's current version is licenses.certificate_version."""

    __tablename__ = "license_versions"
    __table_args__ = (
        UniqueConstraint("license_id", "version"),
        CheckConstraint("kind in ('issue', 'change', 'replacement', 'renewal')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"))
    version: Mapped[int]
    issued_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    # The certificate's facts at this version.
    holder_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    legal_rep: Mapped[str] = mapped_column(String(100))
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What caused it: the 事项变更 case, or the 补发 request.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reissue_request_id: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


REISSUE_CAUSES = {"lost": "遗失", "damaged": "损坏"}
REISSUE_STATUS = {"pending": "待补发", "reissued": "已补发", "returned": "已退回"}


class ReissueRequest(db.Model):
    """A clerk's report of a lost or damaged certificate (补发), with its 遗失声明 file."""

    __tablename__ = "reissue_requests"
    __table_args__ = (
        CheckConstraint("cause in ('lost', 'damaged')", name="cause"),
        CheckConstraint("status in ('pending', 'reissued', 'returned')", name="status"),
        Index("ix_reissue_requests_division_status", "division_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # The holder's district when reported: whose bureau decides.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    cause: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    file_key: Mapped[str] = mapped_column(String(255))
    file_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # The certificate version the 补发 issued.
    version: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    license: Mapped[License] = relationship()
