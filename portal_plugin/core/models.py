"""The registry's tables: divisions, code catalogue, agencies, licences, filings, imports, audit."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    event,
    func,
    or_,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_plugin.core.clock import today as local_today
from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db

MAX_ID = 2**31 - 1  # the integer primary keys' range on PostgreSQL


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


def new_verify_key() -> str:
    """An unguessable public key (192 random bits, URL-safe) naming a licence or filing."""
    return secrets.token_urlsafe(24)


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
    # The issuing authority (发证机关) of the division's bureau, printed on its licences and
    # documents: full name and 统一社会信用代码; loaded with the divisions, editable.
    authority_name: Mapped[str | None] = mapped_column(String(100))
    authority_credit_code: Mapped[str | None] = mapped_column(String(18))


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


class MaterialRule(db.Model):
    """One material kind a workflow's procedure asks for (申请材料), required or optional; data
    seeded from the catalogue file's `materials`, so each city keeps its own list."""

    __tablename__ = "material_rules"

    workflow: Mapped[str] = mapped_column(String(20), primary_key=True)
    procedure: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    required: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


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
        # Ids are never reused (SQLite would give a deleted last row's id to the next one, and
        # its audit events and 变更记录 with it); PostgreSQL sequences never reuse.
        {"sqlite_autoincrement": True},
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
    __table_args__ = (
        # A 决定文号 is issued once: the database refuses a second licence with it. Numbers
        # issued twice before migration 0011 stay as they were, told apart by their repeat.
        UniqueConstraint("decision_number", "decision_number_repeat",
                         name="uq_licenses_decision_number"),
        # The daily lifecycle run and the 即将到期 list (migration 0015).
        Index("ix_licenses_status_valid_until", "status", "valid_until"),
        Index("ix_licenses_status_agency_until", "status", "agency_id", "valid_until"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    license_number: Mapped[str] = mapped_column(String(60), unique=True)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    # 0 for every number issued since migration 0011 (1, 2 … for legacy repeats of one number).
    decision_number_repeat: Mapped[int] = mapped_column(SmallInteger, default=0,
                                                        server_default=text("0"))
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    issuing_authority: Mapped[str | None] = mapped_column(String(100))
    issuing_division: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"))
    status: Mapped[str] = mapped_column(String(20), default="valid", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    status_document_no: Mapped[str | None] = mapped_column(String(60))
    # The certificate's version (1 at issue; +1 at every 换发 / 补发) and its issue date; the
    # versions' history is workflows.models.LicenseVersion.
    certificate_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    certificate_issued_on: Mapped[dt.date | None] = mapped_column(Date)
    # A branch's licence follows its parent agency's (it ends with it: workflows.common).
    parent_license_id: Mapped[int | None] = mapped_column(ForeignKey("licenses.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), default="application")
    # The 历史数据采集 batch that created the record (source history_import), if any.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The public scan-to-verify key (/verify/<key>): set by the default wherever a record is
    # created (applications, branches, direct entry, the history import); migration 0018.
    # Nullable only for rows a previous release wrote during an upgrade's rolling reload.
    verify_key: Mapped[str | None] = mapped_column(String(43), unique=True,
                                                   default=new_verify_key)

    agency: Mapped[Agency] = relationship(back_populates="licenses")

    # Expiry is computed (DOMAIN.md "The licence's life"): a licence stored as valid whose
    # 有效期至 has passed IS 已过期 wherever it is read; `flask lifecycle run` records it later.
    # valid_until NULL is 长期 (no end date). These are the one rule every query uses.
    @classmethod
    def in_force(cls, today: dt.date | None = None) -> Any:
        """SQL: the licence is valid on `today` (stored valid and not past its 有效期至)."""
        day = today or local_today()
        return and_(cls.status == "valid", or_(cls.valid_until.is_(None), cls.valid_until >= day))

    @classmethod
    def expired_on(cls, today: dt.date | None = None) -> Any:
        """SQL: the licence reads 已过期 on `today` (recorded, or stored valid and past its end)."""
        day = today or local_today()
        return or_(cls.status == "expired",
                   and_(cls.status == "valid", cls.valid_until.is_not(None),
                        cls.valid_until < day))

    @classmethod
    def status_is(cls, status: str, today: dt.date | None = None) -> Any:
        """SQL: the licence's effective status on `today` is `status`."""
        if status == "valid":
            return cls.in_force(today)
        if status == "expired":
            return cls.expired_on(today)
        return cls.status == status

    def effective_status(self, today: dt.date | None = None) -> str:
        """The status as read on `today`: `expired` once a valid licence is past its end."""
        day = today or local_today()
        if self.status == "valid" and self.valid_until is not None and self.valid_until < day:
            return "expired"
        return self.status

    @property
    def current_status(self) -> str:
        """The effective status today (the bureau's local date)."""
        return self.effective_status()

    @property
    def current_status_label(self) -> str:
        return LICENSE_STATUS.get(self.current_status, self.current_status)

    def is_in_force(self, today: dt.date | None = None) -> bool:
        return self.effective_status(today) == "valid"


class Filing(db.Model):
    """A filing (业务备案) of HR services other than 职业中介活动."""

    __tablename__ = "filings"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    filing_number: Mapped[str] = mapped_column(String(60), unique=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    filed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="valid", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    # A branch's filing follows its parent agency's (it ends with it: workflows.common).
    parent_filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), default="application")
    # The 历史数据采集 batch that created the record (source history_import), if any.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The public scan-to-verify key (/verify/<key>): set by the default wherever a record is
    # created (applications, branches, direct entry, the history import); migration 0018.
    # Nullable only for rows a previous release wrote during an upgrade's rolling reload.
    verify_key: Mapped[str | None] = mapped_column(String(43), unique=True,
                                                   default=new_verify_key)

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




class StoredFile(db.Model):
    """An uploaded file kept in the database (core/files.py), so every host serves it.

    `key` names it like a path (`history/12.xlsx`); the bytes, their size and SHA-256 stay
    together, so a file is whole or absent.
    """

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PluginSession(db.Model):
    """A browser session of the plugin (sso/session.py), keyed by the SHA-256 of the opaque
    random id its cookie carries; deleting the row ends the session on every host."""

    __tablename__ = "plugin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The signed-in portal user and the portal's session id (`sid`), for logout by either.
    sub: Mapped[str | None] = mapped_column(String(255), index=True)
    sid: Mapped[str | None] = mapped_column(String(255), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class UsedLogoutToken(db.Model):
    """The `jti` of every accepted back-channel logout token until it expires: replays refused."""

    __tablename__ = "used_logout_tokens"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
