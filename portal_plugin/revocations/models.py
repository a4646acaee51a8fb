"""The 注销单位行政许可 record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, License, UTCDateTime

# DOMAIN.md keeps 已撤销 and 已吊销 as licence statuses of their own, so a revocation on those
# grounds leaves that status; every other ground leaves the licence 已注销.
STATUS_BY_GROUND = {"R03": "revoked", "R04": "cancelled"}


class Revocation(db.Model):
    """A 注销单位行政许可 decision: the bureau takes an agency's licence out of force."""

    __tablename__ = "revocations"
    __table_args__ = (
        Index("ix_revocations_division_decided", "division_code", "decision_date"),
        # A 文号 is issued once (legacy repeats from before migration 0011 keep a repeat > 0).
        UniqueConstraint("document_number", "document_number_repeat",
                         name="uq_revocations_document_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The agency's district when decided: whose officers see the record.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    ground: Mapped[str] = mapped_column(String(20))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    document_number: Mapped[str] = mapped_column(String(60))
    document_number_repeat: Mapped[int] = mapped_column(SmallInteger, default=0,
                                                        server_default=text("0"))
    remarks: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    license: Mapped[License] = relationship()
    agency: Mapped[Agency] = relationship()
