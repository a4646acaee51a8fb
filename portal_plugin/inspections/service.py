"""告知承诺核查 services for the pages and the API: the 事后核查 list and outcome, the exclusion list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from portal_plugin.core import audit, catalog
from portal_plugin.core.api import version_of
from portal_plugin.core.clock import today, utcnow
from portal_plugin.core.errors import Conflict, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import in_jurisdiction, jurisdiction, scope
from portal_plugin.core.models import LICENSE_STATUS, Agency, License
from portal_plugin.core.paging import offset_page, page_bounds
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from portal_plugin.inspections.schemas import ExclusionIn, OutcomeIn
from portal_plugin.revocations import service as revocations
from portal_plugin.revocations.models import Revocation
from workflows import state
from workflows.calendar import deadline_flag
from workflows.commitment import (
    EXCLUSION_REASONS,
    INSPECTION_STATUS,
    OUTCOMES,
    Exclusion,
    Inspection,
    active_exclusion,
    local_day,
)
from workflows.models import Case
from workflows.service import Backlog

# Calendar days before its due date from which an open 事后核查 counts as 临期 on the workbench.
DUE_SOON = 7

NOT_FOUND = "事后核查不存在，或不在您的管辖范围内"
EXCLUSION_NOT_FOUND = "黑名单记录不存在，或不在您的管辖范围内"
REVOKE_GROUND = "R03"  # 被撤销 (the revocation grounds of 注销单位行政许可)
FALSE_PROMISE = "告知承诺事后核查发现申请人作出虚假承诺"


@dataclass(frozen=True)
class InspectionQuery:
    status: str | None = None
    name: str | None = None
    division: str | None = None
    page: int = 1
    per_page: int = 20


def search(identity: Identity, query: InspectionQuery) -> tuple[list[Inspection], Any, int, int]:
    """One page of the 事后核查 of the officer's jurisdiction, the earliest due first."""
    stmt: Select[Any] = (select(Inspection).where(scope(Inspection.division_code, identity))
                         .join(Agency, Inspection.agency_id == Agency.id)
                         .join(License, Inspection.license_id == License.id)
                         .join(Case, Inspection.case_id == Case.id))
    if query.status:
        if query.status not in INSPECTION_STATUS:
            raise Invalid({"status": "不是有效的状态"})
        stmt = stmt.where(Inspection.status == query.status)
    if query.division:
        if query.division not in jurisdiction(identity):
            raise Invalid({"division": "不在您的管辖范围内"})
        stmt = stmt.where(Inspection.division_code == query.division)
    if query.name and query.name.strip():
        stmt = stmt.where(Agency.name.contains(query.name.strip(), autoescape=True))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(
        stmt, (Inspection.status.desc(), Inspection.due, Inspection.id), page, per_page,
        options=(contains_eager(Inspection.agency), contains_eager(Inspection.license),
                 contains_eager(Inspection.case)))
    return rows, total, page, per_page


def backlog(identity: Identity) -> Backlog:
    """The open 事后核查 of the officer's jurisdiction: how many, due within DUE_SOON days, overdue."""
    day = today()
    waiting, soon, late = db.session.execute(
        select(func.count(), func.count().filter(Inspection.due.between(
                   day, day + dt.timedelta(days=DUE_SOON))),
               func.count().filter(Inspection.due < day))
        .where(scope(Inspection.division_code, identity), Inspection.status == "open")).one()
    return Backlog(waiting, soon, late)


def get(identity: Identity, inspection_id: int, *, lock: bool = False) -> Inspection:
    """A 事后核查 in the officer's jurisdiction, or NotFound (absence is not revealed)."""
    inspection = db.session.get(Inspection, inspection_id, with_for_update=lock,
                                populate_existing=lock) if 0 < inspection_id < 2**31 else None
    if inspection is None or not in_jurisdiction(identity, inspection.division_code):
        raise NotFound(NOT_FOUND)
    return inspection


def record_outcome(identity: Identity, inspection_id: int, data: Mapping[str, Any]
                   ) -> Inspection:
    """核查合格 closes the check; 限期整改 sets a new due date and keeps it open; 撤销许可 revokes
    the licence through 注销单位行政许可 (ground 被撤销) and lists the agency, in one transaction."""
    check = Checker()
    clean = check.model(OutcomeIn, data, only=("outcome", "due", "remarks"))
    day = today()
    if clean["outcome"] == "rectify" and clean["due"] is None and "due" not in check.errors:
        check.fail("due", "限期整改须填写整改期限")
    if clean["outcome"] == "rectify" and clean["due"] is not None and clean["due"] <= day:
        check.fail("due", "整改期限应晚于今天")
    check.raise_any()
    version = version_of(data.get("version"))
    with atomic():
        inspection = get(identity, inspection_id, lock=True)
        state.check(inspection.status, inspection.version, frozenset({"open"}), version,
                    lambda s: INSPECTION_STATUS.get(s, s))
        outcome, before = clean["outcome"], inspection.status
        values: dict[str, Any] = {"outcome": outcome, "remarks": clean["remarks"],
                                  "checked_on": day, "checked_by_name": identity.name,
                                  "updated_at": utcnow()}
        target = "closed"
        reason = OUTCOMES[outcome]
        if outcome == "rectify":
            target = "open"
            values.update(due=clean["due"], rectify_due=clean["due"])
            reason = f"限期整改，整改期限至{clean['due'].isoformat()}"
        elif outcome == "revoke":
            revocation = revocations.revoke(identity, {
                "license_id": inspection.license_id, "ground": REVOKE_GROUND,
                "decision_date": day.isoformat(),
                "remarks": clean["remarks"] or FALSE_PROMISE})
            values["revocation_id"] = revocation.id
            agency = inspection.agency
            _add_exclusion(identity, credit_code=agency.credit_code, agency_name=agency.name,
                           division_code=agency.division_code, reason="false_promise",
                           reason_text=clean["remarks"] or FALSE_PROMISE, starts_on=day,
                           ends_on=None, inspection_id=inspection.id)
            reason = f"撤销许可（文号{revocation.document_number}），列入告知承诺黑名单"
        state.change(Inspection, inspection.id, frozenset({"open"}), target, inspection.version,
                     where=(scope(Inspection.division_code, identity),), **values)
        db.session.refresh(inspection)
        audit.record(identity, "outcome", "inspection", inspection.id, from_state=before,
                     to_state=target, reason=reason,
                     data={"outcome": outcome, "license": inspection.license.license_number,
                           **({"due": clean["due"].isoformat()} if clean["due"] else {})})
        # The case's 流转记录 shows the check too.
        audit.record(identity, "inspect", "case", inspection.case_id, reason=reason,
                     data={"workflow": "licensing", "inspection": inspection.id,
                           "outcome": outcome})
    return inspection


def to_json(inspection: Inspection) -> dict[str, Any]:
    """A 事后核查 as the API and the pages show it, with its clock in calendar days."""
    license_, agency, case = inspection.license, inspection.agency, inspection.case
    left = (inspection.due - today()).days if inspection.status == "open" else None
    revocation = (db.session.get(Revocation, inspection.revocation_id)
                  if inspection.revocation_id else None)
    return {
        "id": inspection.id, "status": inspection.status,
        "status_label": INSPECTION_STATUS[inspection.status], "version": inspection.version,
        "due": inspection.due.isoformat(), "days_left": left, "deadline_flag": deadline_flag(left),
        "outcome": inspection.outcome,
        "outcome_label": OUTCOMES.get(inspection.outcome) if inspection.outcome else None,
        "remarks": inspection.remarks,
        "rectify_due": inspection.rectify_due.isoformat() if inspection.rectify_due else None,
        "checked_on": inspection.checked_on.isoformat() if inspection.checked_on else None,
        "checked_by_name": inspection.checked_by_name,
        "license_id": license_.id, "license_number": license_.license_number,
        "license_status": license_.status,
        "license_status_label": LICENSE_STATUS.get(license_.status, license_.status),
        "case_id": case.id, "case_no": case.case_no,
        "agency": {"id": agency.id, "credit_code": agency.credit_code, "name": agency.name},
        "division": inspection.division_code,
        "division_name": catalog.division_name(inspection.division_code),
        "revocation_document": revocation.document_number if revocation else None,
        "granted_on": (local_day(case.decided_at) if case.decided_at
                       else license_.issued_on).isoformat(),
    }


# --- the exclusion list --------------------------------------------------------------------

@dataclass(frozen=True)
class ExclusionQuery:
    active: bool | None = None
    q: str | None = None
    page: int = 1
    per_page: int = 20


def _in_force(day: dt.date) -> Any:
    return (Exclusion.starts_on <= day) & (Exclusion.ends_on.is_(None) | (Exclusion.ends_on > day))


def search_exclusions(identity: Identity, query: ExclusionQuery
                      ) -> tuple[list[Exclusion], Any, int, int]:
    """One page of the exclusion list of the officer's jurisdiction (ended entries kept)."""
    stmt = select(Exclusion).where(scope(Exclusion.division_code, identity))
    day = today()
    if query.active is True:
        stmt = stmt.where(_in_force(day))
    elif query.active is False:
        stmt = stmt.where(~_in_force(day))
    if query.q and query.q.strip():
        term = query.q.strip()
        stmt = stmt.where(or_(Exclusion.agency_name.contains(term, autoescape=True),
                              Exclusion.credit_code == term.upper()))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(stmt, (Exclusion.starts_on.desc(), Exclusion.id.desc()), page,
                              per_page)
    return rows, total, page, per_page


def _add_exclusion(identity: Identity, **values: Any) -> Exclusion:
    entry = Exclusion(created_by=identity.user_id, created_by_name=identity.name, **values)
    db.session.add(entry)
    db.session.flush()
    audit.record(identity, "exclude", "exclusion", entry.id, to_state="active",
                 reason=EXCLUSION_REASONS[entry.reason] + (f"：{entry.reason_text}"
                                                          if entry.reason_text else ""),
                 data={"credit_code": entry.credit_code, "starts_on": entry.starts_on.isoformat(),
                       "ends_on": entry.ends_on.isoformat() if entry.ends_on else None,
                       **({"inspection": entry.inspection_id} if entry.inspection_id else {})})
    return entry


def add_exclusion(identity: Identity, data: Mapping[str, Any]) -> Exclusion:
    """【添加】: an agency on the exclusion list (its district in the officer's jurisdiction)."""
    check = Checker()
    clean = check.model(ExclusionIn, data)
    day = today()
    if clean["reason"] == "other" and not clean["reason_text"] and "reason_text" not in check.errors:
        check.fail("reason_text", "原因为其他时须填写原因说明")
    starts = clean["starts_on"] or day
    if clean["ends_on"] is not None and clean["ends_on"] <= starts:
        check.fail("ends_on", "截止日期应晚于列入日期")
    check.raise_any()
    with atomic():
        agency = db.session.scalar(select(Agency).where(Agency.credit_code == clean["credit_code"]))
        if agency is not None:
            division, name = agency.division_code, agency.name
        elif not clean["agency_name"]:
            raise Invalid({"agency_name": "该机构不在登记册中，请填写机构名称"})
        else:
            division, name = identity.division, clean["agency_name"]
        if not in_jurisdiction(identity, division) or division is None:
            raise Invalid({"credit_code": "该机构不在您的管辖范围内"})
        current = active_exclusion(clean["credit_code"], starts)
        if current is not None:
            raise Conflict(f"该机构已在告知承诺黑名单中（自{current.starts_on.isoformat()}起）")
        entry = _add_exclusion(identity, credit_code=clean["credit_code"], agency_name=name,
                               division_code=division, reason=clean["reason"],
                               reason_text=clean["reason_text"], starts_on=starts,
                               ends_on=clean["ends_on"], inspection_id=None)
    return entry


def end_exclusion(identity: Identity, exclusion_id: int) -> Exclusion:
    """【移除】: the entry ends today (yesterday's bar stays in the history)."""
    with atomic():
        entry = (db.session.get(Exclusion, exclusion_id, with_for_update=True,
                                populate_existing=True) if 0 < exclusion_id < 2**31 else None)
        if entry is None or not in_jurisdiction(identity, entry.division_code):
            raise NotFound(EXCLUSION_NOT_FOUND)
        day = today()
        if entry.ends_on is not None and entry.ends_on <= day:
            raise Conflict(f"该记录已于{entry.ends_on.isoformat()}截止")
        before = entry.ends_on
        entry.ends_on = day  # not in force from today on (an entry ends on its ends_on)
        entry.ended_by_name, entry.ended_at = identity.name, utcnow()
        audit.record(identity, "end", "exclusion", entry.id, from_state="active",
                     to_state="ended", reason="移除（截止至今日）",
                     data={"credit_code": entry.credit_code,
                           "before": before.isoformat() if before else None,
                           "ends_on": entry.ends_on.isoformat()})
    return entry


def exclusion_json(entry: Exclusion) -> dict[str, Any]:
    day = today()
    return {
        "id": entry.id, "credit_code": entry.credit_code, "agency_name": entry.agency_name,
        "division": entry.division_code,
        "division_name": catalog.division_name(entry.division_code),
        "reason": entry.reason, "reason_label": EXCLUSION_REASONS.get(entry.reason, entry.reason),
        "reason_text": entry.reason_text, "starts_on": entry.starts_on.isoformat(),
        "ends_on": entry.ends_on.isoformat() if entry.ends_on else None,
        "active": entry.starts_on <= day and (entry.ends_on is None or entry.ends_on > day),
        "inspection_id": entry.inspection_id, "created_by_name": entry.created_by_name,
        "created_at": entry.created_at.isoformat(), "ended_by_name": entry.ended_by_name,
        "ended_at": entry.ended_at.isoformat() if entry.ended_at else None,
    }
