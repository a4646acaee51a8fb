"""The registry's tables: divisions, code catalogue, agencies, licences, filings, imports, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_plugin.extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is timezone-aware UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect
                           ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give timestamps a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect
                             ) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Division(db.Model):
    """An administrative division (行政区划, GB/T 2260); a city's districts point to the city."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"), index=True)
    # Kept for old data: a legacy code names the current division it became.
    successor_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class CodeItem(db.Model):
    """One entry of the code catalogue (agency types, licence items, filing items, grounds)."""

    __tablename__ = "code_items"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_code_items_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)
    # Legacy labels stay readable on old records but are not offered for new ones.
    active: Mapped[bool] = mapped_column(default=True)


AGENCY_STATUS = {"valid": "有效", "deregistered": "已注销"}
RECORD_SOURCE = {"application": "申报", "entry": "录入", "history_import": "历史导入"}
LICENSE_STATUS = {
    "valid": "有效",
    "deregistered": "已注销",
    "revoked": "已撤销",
    "cancelled": "已吊销",
    "expired": "已过期",
}
FILING_STATUS = {"valid": "有效", "deregistered": "已注销"}
IMPORT_STATUS = {"validated": "待确认导入", "imported": "已导入", "undone": "已撤销",
                 "failed": "未通过文件检查"}


class ImportBatch(db.Model):
    """One upload of 历史数据采集: the file, what validation found, and what it imported."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("status in ('validated', 'imported', 'undone', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="validated")
    file_name: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_by_name: Mapped[str] = mapped_column(String(100))
    # The uploader's division: who may see the batch (it may hold rows of all its districts).
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    warning_count: Mapped[int] = mapped_column(default=0)
    # What a commit creates: {"agencies": n, "licenses": n, "filings": n}.
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Row problems ({row, column, value, message, hint}), the first few hundred of each level.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The first valid rows as they will be saved (column key → display text).
    preview: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Why a file failed its file-level checks.
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    committed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Agency(db.Model):
    """An HR service agency (人力资源服务机构) of the registry."""

    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint("status in ('valid', 'deregistered')", name="status"),
        Index("ix_agencies_division_status", "division_code", "status"),
        Index("ix_agencies_first_granted", "first_granted_year", "division_code"),
        Index("ix_agencies_deregistered", "deregistered_on", "division_code",
              postgresql_where=text("status = 'deregistered'"),
              sqlite_where=text("status = 'deregistered'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    agency_type: Mapped[str] = mapped_column(String(20))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    address: Mapped[str] = mapped_column(String(300))
    business_address: Mapped[str | None] = mapped_column(String(300))
    legal_rep: Mapped[str] = mapped_column(String(100))
    legal_rep_id_type: Mapped[str] = mapped_column(String(20), default="resident_id")
    legal_rep_id_no: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    founded_on: Mapped[dt.date | None] = mapped_column(Date)
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    business_scope: Mapped[str | None] = mapped_column(Text)
    staff_count: Mapped[int | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="valid")
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    # The year of its earliest licence or filing, kept by database triggers (migration 0005)
    # for 统计分析; never assigned by the application.
    first_granted_year: Mapped[int | None] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(20), default="entry")
    # The 历史数据采集 batch that created the record (source history_import), if any.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    division: Mapped[Division] = relationship(lazy="joined", innerjoin=True)
    licenses: Mapped[list[License]] = relationship(back_populates="agency")
    filings: Mapped[list[Filing]] = relationship(back_populates="agency")
    parent: Mapped[Agency | None] = relationship(remote_side="Agency.id")


class License(db.Model):
    """An administrative licence (人力资源服务许可证) for 职业中介活动."""

    __tablename__ = "licenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    license_number: Mapped[str] = mapped_column(String(60), unique=True)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    issuing_authority: Mapped[str | None] = mapped_column(String(100))
    issuing_division: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"))
    status: Mapped[str] = mapped_column(String(20), default="valid", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    status_document_no: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(20), default="application")
    # The 历史数据采集 batch that created the record (source history_import), if any.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="licenses")


class Filing(db.Model):
    """A filing (业务备案) of HR services other than 职业中介活动."""

    __tablename__ = "filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    filing_number: Mapped[str] = mapped_column(String(60), unique=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    filed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="valid", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="application")
    # The 历史数据采集 batch that created the record (source history_import), if any.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="filings")


class AuditEvent(db.Model):
    """An append-only record of who changed what, when, from where (DOMAIN.md, Audit)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=func.now(), index=True
    )
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_division: Mapped[str | None] = mapped_column(String(6))
    actor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(50))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(mapper: Any, connection: Any, target: AuditEvent) -> None:
    # The database refuses too (triggers in the migration); this fails earlier and clearer.
    raise RuntimeError("audit events are append-only")


class JobFair(db.Model):
    """A 现场招聘会 an agency registers; the bureau reads it by the venue's district."""

    __tablename__ = "job_fairs"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="period"),
        CheckConstraint("booths >= 0 and expected_employers >= 0 and expected_positions >= 0 "
                        "and expected_visitors >= 0", name="counts"),
        CheckConstraint("expected_visitors < 1000 or police_permit_no is not null",
                        name="police_permit"),
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
    expected_visitors: Mapped[int]
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


ANNUAL_REPORT_STATUS = {"draft": "草稿", "submitted": "已报送", "passed": "已通过",
                        "returned": "已退回"}


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
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(100))

    agency: Mapped[Agency] = relationship()
    division: Mapped[Division] = relationship()


class Revocation(db.Model):
    """A 注销单位行政许可 decision: the bureau takes an agency's licence out of force."""

    __tablename__ = "revocations"
    __table_args__ = (Index("ix_revocations_division_decided", "division_code", "decision_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The agency's district when decided: whose officers see the record.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    ground: Mapped[str] = mapped_column(String(20))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    document_number: Mapped[str] = mapped_column(String(60))
    remarks: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    license: Mapped[License] = relationship()
    agency: Mapped[Agency] = relationship()
