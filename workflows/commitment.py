"""告知承诺制: the procedure choice, the bureau's texts, the exclusion list and the 事后核查 rows."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Date, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal_plugin.core import audit
from portal_plugin.core.clock import local_zone, today, utcnow
from portal_plugin.core.config import DATA
from portal_plugin.core.errors import Conflict, Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import Agency, License, UTCDateTime
from workflows.models import Case

PROCEDURES = {"ordinary": "一般程序", "commitment": "告知承诺制"}
EXCLUSION_REASONS = {"serious_dishonesty": "严重失信", "false_promise": "虚假承诺", "other": "其他"}
INSPECTION_STATUS = {"open": "待核查", "closed": "已办结"}
OUTCOMES = {"passed": "核查合格", "rectify": "限期整改", "revoke": "撤销许可"}
NOT_COMMITMENT = "只有选择告知承诺制的行政许可申请可以当场准予许可"
MUST_ACCEPT = "选择告知承诺制须阅读告知书并勾选承诺"


class Exclusion(db.Model):
    """An agency barred from 告知承诺制 (告知承诺 黑名单) from `starts_on` until `ends_on`
    (the first day it no longer holds; 【移除】 sets it to the day of removal)."""

    __tablename__ = "commitment_exclusions"
    __table_args__ = (
        Index("ix_commitment_exclusions_code", "credit_code", "starts_on"),
        Index("ix_commitment_exclusions_division", "division_code", "starts_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    agency_name: Mapped[str] = mapped_column(String(200))
    # The agency's district (whose 业务管理岗 keeps the entry); the bar holds city-wide.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    reason: Mapped[str] = mapped_column(String(30))
    reason_text: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    # The 事后核查 whose 撤销许可 listed the agency, if any.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_by_name: Mapped[str | None] = mapped_column(String(100))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Inspection(db.Model):
    """The 事后核查 an on-the-spot 告知承诺 grant owes: open until its outcome closes it."""

    __tablename__ = "inspections"
    __table_args__ = (
        Index("ix_inspections_division_status_due", "division_code", "status", "due", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The licence's issuing division: whose officers check it.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    version: Mapped[int] = mapped_column(default=1)
    due: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(20))
    remarks: Mapped[str | None] = mapped_column(Text)
    rectify_due: Mapped[dt.date | None] = mapped_column(Date)
    revocation_id: Mapped[int | None] = mapped_column(ForeignKey("revocations.id"))
    checked_on: Mapped[dt.date | None] = mapped_column(Date)
    checked_by_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)

    license: Mapped[License] = relationship()
    agency: Mapped[Agency] = relationship()
    case: Mapped[Case] = relationship()


@functools.lru_cache(maxsize=4)
def _texts(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def texts() -> dict[str, Any]:
    """The bureau's 告知书 and 承诺书 (COMMITMENT_TEXTS_FILE, or the bundled data file)."""
    path = current_app.config.get("COMMITMENT_TEXTS_FILE") or str(DATA / "commitment.json")
    return _texts(path)


def active_exclusion(credit_code: str | None, on: dt.date | None = None) -> Exclusion | None:
    """The agency's entry on the exclusion list in force on `on` (today), if any."""
    if not credit_code:
        return None
    day = on or today()
    return db.session.scalar(
        select(Exclusion).where(Exclusion.credit_code == credit_code.upper(),
                                Exclusion.starts_on <= day,
                                (Exclusion.ends_on.is_(None)) | (Exclusion.ends_on > day))
        .order_by(Exclusion.starts_on, Exclusion.id))


def excluded_message(entry: Exclusion) -> str:
    label = EXCLUSION_REASONS.get(entry.reason, entry.reason)
    text = f"（{entry.reason_text}）" if entry.reason_text else ""
    return (f"本机构自{entry.starts_on.isoformat()}起因{label}{text}被列入告知承诺黑名单，"
            "不能选择告知承诺制，请按一般程序申请")


def _accepted(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "on", "1"))


def procedure(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    """The application's procedure and, for 告知承诺, the accepted 承诺书 (text, time, user).

    Invalid on `procedure` (unknown, or an excluded agency) or `commitment_accepted`.
    """
    chosen = body.get("procedure")
    chosen = "ordinary" if chosen in (None, "") else chosen
    if chosen not in PROCEDURES:
        raise Invalid({"procedure": "办理程序应为 ordinary（一般程序）或 commitment（告知承诺制）"})
    if chosen == "ordinary":
        return {"procedure": "ordinary"}
    entry = active_exclusion(identity.agency_credit_code)
    if entry is not None:
        raise Invalid({"procedure": excluded_message(entry)})
    if not _accepted(body.get("commitment_accepted")):
        raise Invalid({"commitment_accepted": MUST_ACCEPT})
    bureau = texts()
    kept = (case.payload.get("commitment") if case is not None and case.payload else None) or {}
    if kept.get("version") == bureau["version"] and kept.get("accepted_by") == identity.user_id:
        accepted = kept  # a re-saved application keeps the first acceptance of the same text
    else:
        accepted = {"version": bureau["version"], "notice": bureau["notice"],
                    "promise": bureau["promise"], "accepted_at": utcnow().isoformat(),
                    "accepted_by": identity.user_id, "accepted_by_name": identity.name}
    return {"procedure": "commitment", "commitment_accepted": True, "commitment": accepted}


# The application's procedure read with every case row: lists leave the payload out, and
# their rows' actions (【当场准予许可】) depend on it. PROCEDURE is the table's expression (a
# list's Core statement selects it).
PROCEDURE = Case.__table__.c.payload["procedure"].as_string()
Case.procedure = column_property(PROCEDURE)


def is_commitment(case: Case) -> bool:
    return case.workflow == "licensing" and case.procedure == "commitment"


def check_grant(case: Case) -> None:
    """【当场准予许可】 is for 告知承诺 cases of agencies not on the exclusion list (listed since
    the application: the ordinary procedure's 受理 remains); Conflict says why not."""
    if not is_commitment(case):
        raise Conflict(NOT_COMMITMENT)
    entry = active_exclusion(case.credit_code)
    if entry is not None:
        label = EXCLUSION_REASONS.get(entry.reason, entry.reason)
        raise Conflict(f"该机构已于{entry.starts_on.isoformat()}因{label}被列入告知承诺黑名单，"
                       "不能当场准予许可，请按一般程序受理审批")


def record_acceptance(identity: Identity, case: Case, before: Mapping[str, Any] | None) -> None:
    """Put a newly accepted 承诺书 in the case's 流转记录 (and the audit)."""
    accepted = (case.payload or {}).get("commitment")
    if not is_commitment(case) or not accepted:
        return
    if before and (before.get("commitment") or {}).get("accepted_at") == accepted["accepted_at"]:
        return
    audit.record(identity, "commit", "case", case.id,
                 reason=f"已阅读告知书并签署承诺书（文本版本 {accepted['version']}）",
                 data={"workflow": case.workflow, "version": accepted["version"],
                       "accepted_at": accepted["accepted_at"]})


def inspection_due(day: dt.date) -> dt.date:
    """The 事后核查's due date: INSPECTION_PERIOD_DAYS calendar days after the grant."""
    return day + dt.timedelta(days=int(current_app.config["INSPECTION_PERIOD_DAYS"]))


def open_inspection(identity: Identity, case: Case, day: dt.date) -> Inspection:
    """The 事后核查 of an on-the-spot grant (in the grant's transaction), audited."""
    result = case.result or {}
    license_ = db.session.get(License, result["license_id"])
    assert license_ is not None
    inspection = Inspection(license_id=license_.id, case_id=case.id, agency_id=license_.agency_id,
                            division_code=license_.issuing_division or case.division_code,
                            status="open", due=inspection_due(day))
    db.session.add(inspection)
    db.session.flush()
    audit.record(identity, "open", "inspection", inspection.id, to_state="open",
                 data={"case": case.id, "license": license_.license_number,
                       "due": inspection.due.isoformat()})
    return inspection


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(local_zone()).date()
