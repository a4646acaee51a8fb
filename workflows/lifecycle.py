"""The daily lifecycle run: deemed renewals (视为准予延续), recorded expiries, emptied agencies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from portal_plugin.core import audit
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import Agency, AuditEvent, License
from portal_plugin.core.transaction import atomic
from workflows import common, renewal
from workflows.commitment import Inspection
from workflows.models import Case

EXPIRED_REASON = "有效期届满"
# Who the audit names for what the daily command does.
SYSTEM = Identity(user_id="system:lifecycle", name="系统（每日任务）", division=None, roles=(),
                  permissions=frozenset())


@dataclass
class Report:
    """What one run did (each list holds numbers people recognise)."""

    today: dt.date
    deemed: list[str] = field(default_factory=list)  # renewal case numbers
    expired: list[str] = field(default_factory=list)  # licence numbers
    closed: list[str] = field(default_factory=list)  # agency credit codes
    overdue: list[int] = field(default_factory=list)  # 事后核查 newly past their due date

    def lines(self) -> list[str]:
        return [
            f"lifecycle run for {self.today.isoformat()}:",
            f"  renewals deemed granted (视为准予延续): {len(self.deemed)}"
            + (f" — {', '.join(self.deemed)}" if self.deemed else ""),
            f"  licences expired (已过期): {len(self.expired)}"
            + (f" — {', '.join(self.expired)}" if self.expired else ""),
            f"  agencies deregistered (nothing valid left): {len(self.closed)}"
            + (f" — {', '.join(self.closed)}" if self.closed else ""),
            f"  follow-up checks (事后核查) newly overdue: {len(self.overdue)}"
            + (f" — {', '.join(map(str, self.overdue))}" if self.overdue else ""),
        ]


def _due_renewals(today: dt.date) -> list[int]:
    """Undecided renewal cases whose licence reached its end before `today`."""
    cases = db.session.scalars(select(Case).where(Case.workflow == "renewal",
                                                  Case.status.in_(renewal.UNDECIDED))
                               .order_by(Case.id)).all()
    due = []
    for case in cases:
        license_ = db.session.get(License, case.payload.get("license_id"))
        if (license_ is not None and license_.status == "valid"
                and license_.valid_until is not None and license_.valid_until < today):
            due.append(case.id)
    return due


def expire(license_: License, today: dt.date, report: Report | None = None) -> bool:
    """Record one licence past its 有效期至 as 已过期 (through `common.end_record`, like every
    status change), audited; deregister its agency when nothing valid is left. False when the
    licence is not (or no longer) stored valid past its end."""
    if license_.status != "valid" or license_.effective_status(today) != "expired":
        return False
    assert license_.valid_until is not None
    on = license_.valid_until + dt.timedelta(days=1)  # the first day out of force
    before = common.end_record(license_, "expired", EXPIRED_REASON, on, None)
    audit.record(SYSTEM, "expire", "license", license_.id, from_state=before,
                 to_state="expired", reason=EXPIRED_REASON,
                 data={"license": license_.license_number,
                       "valid_until": license_.valid_until.isoformat(),
                       "run_on": today.isoformat()})
    if report is not None:
        report.expired.append(license_.license_number)
    agency = db.session.get(Agency, license_.agency_id, with_for_update=True)
    if agency is not None and agency.status == "valid" and common.close_agency_if_empty(
            agency, on):
        audit.record(SYSTEM, "deregister", "agency", agency.id, from_state="valid",
                     to_state="deregistered", reason="许可证有效期届满后无有效许可证和业务备案",
                     data={"license": license_.license_number,
                           "deregistered_on": on.isoformat()})
        if report is not None:
            report.closed.append(agency.credit_code)
    return True


def run(today: dt.date) -> Report:
    """One idempotent run for `today`: a second run on the same day finds nothing to do.

    Renewals first (an undecided one at expiry counts as granted, so its licence does not
    expire), then every licence still stored valid past its 有效期至 is recorded 已过期 — through
    `common.end_record`, like every status change — and an agency left with nothing valid is
    deregistered. Each licence is its own transaction.
    """
    report = Report(today)
    for case_id in _due_renewals(today):
        with atomic():
            case = db.session.get(Case, case_id, with_for_update=True)
            if case is None or case.status not in renewal.UNDECIDED:
                continue
            renewal.deem_granted(case, SYSTEM, today)
            report.deemed.append(case.case_no or str(case.id))
    expiring = db.session.scalars(select(License.id).where(
        License.status == "valid", License.valid_until.is_not(None),
        License.valid_until < today).order_by(License.id)).all()
    for license_id in expiring:
        with atomic():
            license_ = db.session.get(License, license_id, with_for_update=True)
            if license_ is not None:
                expire(license_, today, report)
    with atomic():
        overdue_inspections(today, report)
    return report


def overdue_inspections(today: dt.date, report: Report) -> None:
    """Record in the audit each open 事后核查 past its due date, once per due date (限期整改
    gives a new one): the 业务管理岗's list marks them red; the audit says since when."""
    for inspection in db.session.scalars(select(Inspection).where(
            Inspection.status == "open", Inspection.due < today).order_by(Inspection.id)):
        due = inspection.due.isoformat()
        seen = db.session.scalars(select(AuditEvent.data).where(
            AuditEvent.action == "inspection_overdue", AuditEvent.object_type == "inspection",
            AuditEvent.object_id == str(inspection.id))).all()
        if any((data or {}).get("due") == due for data in seen):
            continue
        audit.record(SYSTEM, "inspection_overdue", "inspection", inspection.id,
                     from_state="open", to_state="open", reason="事后核查已超期",
                     data={"due": due, "license_id": inspection.license_id})
        report.overdue.append(inspection.id)
