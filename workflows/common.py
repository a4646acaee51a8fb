"""What several case modules share: the applicant check, registry look-ups and updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from portal_plugin.core import audit, catalog, schemas
from portal_plugin.core.errors import Conflict, Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import own_agency
from portal_plugin.core.models import Agency, Division, Filing, License
from portal_plugin.core.validation import Checker, Codes
from workflows.engine import OPEN_STATUSES
from workflows.models import Case

# Registry fields an application's agency object maps to.
AGENCY_COLUMNS = {
    "name": "name", "agency_type": "agency_type", "division": "division_code",
    "address": "address", "legal_rep": "legal_rep", "legal_rep_id_type": "legal_rep_id_type",
    "legal_rep_id_no": "legal_rep_id_no", "contact": "contact", "phone": "phone",
}


def body_object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise Invalid({"body": "请求体应为JSON对象"})
    return body


def applicant(check: Checker, body: Mapping[str, Any], identity: Identity) -> dict[str, Any]:
    """The full agency object of a licence or filing application: it must be the clerk's own."""
    agency = check.obj(body, "agency", "agency")
    if agency is None:
        return {}
    clean = schemas.agency(check, agency, "agency")
    if clean.get("credit_code") and clean["credit_code"] != identity.agency_credit_code:
        check.fail("agency.credit_code", "只能为本机构（门户账号所属单位）提出申请")
    return clean


# An agency's registered facts: in force in the registry, they change only through 事项变更
# (a licence, filing or branch application cannot move, rename or re-represent an agency).
REGISTERED_FACTS = ("name", "division", "agency_type", "address", "legal_rep",
                    "legal_rep_id_type", "legal_rep_id_no")
THROUGH_CHANGE = "与登记信息不一致；登记事项（{labels}）只能通过事项变更办理"


def registered_facts_kept(check: Checker, given: Mapping[str, Any] | None,
                          agency: Agency | None, path: str = "agency") -> None:
    """Refuse an application whose agency object differs from the registry's valid record in
    a registered fact, naming each such field and pointing to 事项变更."""
    if agency is None or agency.status != "valid" or not isinstance(given, Mapping):
        return
    kept = snapshot(agency)
    differing = [f for f in REGISTERED_FACTS
                 if given.get(f) not in (None, "") and given.get(f) != kept[f]]
    labels = "、".join(schemas.AGENCY_LABELS[f] for f in differing)
    for field in differing:
        check.fail(f"{path}.{field}", THROUGH_CHANGE.format(labels=labels))


def first_application(body: Any, identity: Identity, case: Case | None, *, workflow: str,
                      items: str, kind: str, holds: Callable[[int | None], Any],
                      held: str, pending: str, also: Checker | None = None) -> dict[str, Any]:
    """A licence or filing application: the clerk's agency, the items, and no duplicate.

    `holds` finds the agency's valid record of this kind; `held` / `pending` are the refusals
    when it has one already or another application is in progress; `also` brings the problems
    the case type found in its own fields, reported with these.
    """
    body = body_object(body)
    check = also or Checker()
    agency = applicant(check, body, identity)
    chosen = check.value(Codes(kind), body, items)
    check.raise_any()
    existing = agency_by_credit_code(agency["credit_code"])
    if holds(existing.id if existing else None):
        raise Invalid({"agency": held})
    registered_facts_kept(check, agency, existing)
    check.raise_any()
    if open_case_exists(workflow, agency["credit_code"], case):
        raise Invalid({"agency": pending})
    return {"agency": agency, items: chosen}


def registered_applicant(check: Checker, body: Mapping[str, Any],
                         identity: Identity) -> Agency | None:
    """The clerk's agency as the registry holds it (for changes, branches, deregistration)."""
    given = body.get("agency")
    if isinstance(given, Mapping) and given.get("credit_code") not in (
            None, identity.agency_credit_code):
        check.fail("agency.credit_code", "只能为本机构（门户账号所属单位）提出申请")
    agency = own_agency(identity)
    if agency is None or agency.status != "valid":
        check.fail("agency", "本机构尚未登记或已注销，请先申请行政许可或业务备案")
        return None
    if isinstance(given, Mapping):
        registered_facts_kept(check, given, agency)
    return agency


def snapshot(agency: Agency) -> dict[str, Any]:
    """An agency's registry fields in the application's vocabulary."""
    return {"credit_code": agency.credit_code,
            **{key: getattr(agency, column) for key, column in AGENCY_COLUMNS.items()}}


def open_case_exists(workflow: str, credit_code: str, exclude: Case | None) -> bool:
    query = select(func.count()).select_from(Case).where(
        Case.workflow == workflow, Case.credit_code == credit_code,
        Case.status.in_(OPEN_STATUSES))
    if exclude is not None:
        query = query.where(Case.id != exclude.id)
    return bool(db.session.scalar(query))


def valid_license(agency_id: int | None, today: dt.date | None = None) -> License | None:
    """The agency's licence in force on `today` (an expired one no longer counts)."""
    if agency_id is None:
        return None
    return db.session.scalar(select(License).where(
        License.agency_id == agency_id, License.in_force(today)).order_by(License.id))


def valid_filing(agency_id: int | None) -> Filing | None:
    if agency_id is None:
        return None
    return db.session.scalar(select(Filing).where(
        Filing.agency_id == agency_id, Filing.status == "valid").order_by(Filing.id))


# What a branch's record reads when it ends with its parent's (by the parent's new status).
ENDED_WITH_PARENT = "随总机构{record}{how}终止"
ENDING_WORDS = {"deregistered": "注销", "revoked": "撤销", "cancelled": "吊销", "expired": "过期"}
SYSTEM = Identity(user_id="system", name="系统", division=None, roles=(), permissions=frozenset())


def end_record(record: License | Filing, status: str, reason: str | None, on: dt.date,
               document: str | None, actor: Identity | None = None) -> str:
    """Take a licence or filing out of force (reason, date, 文号 for a licence); returns its old status.

    Every ending goes through here (注销, 撤销 / 吊销, 过期), so the branches' records linked to
    this one end with it, in the same transaction, each audited (by `actor`, else the system),
    and a branch agency left with nothing valid closes.
    """
    before = record.status
    record.status, record.status_reason, record.status_changed_on = status, reason, on
    if isinstance(record, License):
        record.status_document_no = document
    _end_branches(record, status, on, document, actor or SYSTEM)
    return before


def _end_branches(record: License | Filing, status: str, on: dt.date, document: str | None,
                  actor: Identity) -> None:
    model: type[License] | type[Filing] = type(record)
    link = License.parent_license_id if model is License else Filing.parent_filing_id
    noun, kind = ("许可证", "license") if model is License else ("业务备案", "filing")
    reason = ENDED_WITH_PARENT.format(record=noun, how=ENDING_WORDS.get(status, ""))
    children = db.session.scalars(select(model).where(link == record.id, model.status == "valid")
                                  .order_by(model.id).with_for_update()).all()
    for child in children:
        before = end_record(child, status, reason, on, document, actor)
        audit.record(actor, "end_with_parent", kind, child.id, from_state=before, to_state=status,
                     reason=reason, data={"parent": record.id, "document": document})
        agency = db.session.get(Agency, child.agency_id)
        if agency is not None and agency.status == "valid" and close_agency_if_empty(agency, on):
            audit.record(actor, "deregister", "agency", agency.id, from_state="valid",
                         to_state="deregistered", reason=reason,
                         data={"deregistered_on": on.isoformat()})


def close_agency_if_empty(agency: Agency, on: dt.date) -> bool:
    """Deregister an agency left with no valid licence and no valid filing; True when it was."""
    db.session.flush()
    if valid_license(agency.id, on) is not None or valid_filing(agency.id) is not None:
        return False
    agency.status, agency.deregistered_on = "deregistered", on
    return True


def agency_by_credit_code(credit_code: str, *, lock: bool = False) -> Agency | None:
    query = select(Agency).where(Agency.credit_code == credit_code)
    # Lock only the agency row, not the division row its eager join reads.
    return db.session.scalar(query.with_for_update(of=Agency) if lock else query)


def upsert_agency(case: Case) -> tuple[Agency, dict[str, Any] | None]:
    """Create the applicant in the registry, or bring its record up to the application.

    Returns the agency and, for an existing one, the before/after of what changed.
    """
    data = case.payload["agency"]
    agency = agency_by_credit_code(data["credit_code"], lock=True)
    if agency is None:
        agency = Agency(credit_code=data["credit_code"], source="application", status="valid")
        for key, column in AGENCY_COLUMNS.items():
            setattr(agency, column, data.get(key))
        db.session.add(agency)
        db.session.flush()
        return agency, None
    before, after = {}, {}
    # In force, its registered facts are the registry's (事项变更 changes them); the
    # application may bring its contact details up to date.
    facts = REGISTERED_FACTS if agency.status == "valid" else ()
    require(all(data.get(f) in (None, "") or data[f] == snapshot(agency)[f] for f in facts),
            "该机构的登记信息已变化，登记事项只能通过事项变更办理")
    for key, column in AGENCY_COLUMNS.items():
        if data.get(key) is not None and getattr(agency, column) != data[key]:
            before[key], after[key] = getattr(agency, column), data[key]
            setattr(agency, column, data[key])
    if agency.status != "valid":
        before["status"], after["status"] = agency.status, "valid"
        agency.status, agency.deregistered_on = "valid", None
    return agency, ({"before": before, "after": after} if after else None)


def authority_name(division_code: str) -> str:
    """The issuing authority's full name (divisions.authority_name, loaded with the divisions
    and editable), or one made of the city's and the division's names."""
    return authority(division_code)[0]


def authority(division_code: str) -> tuple[str, str | None]:
    """(full name, 统一社会信用代码) of the bureau of a division, as printed on its documents."""
    row = db.session.get(Division, division_code)
    if row is not None and row.authority_name:
        return row.authority_name, row.authority_credit_code
    parent = db.session.get(Division, row.parent_code) if row and row.parent_code else None
    name = (parent.name if parent else "") + catalog.division_name(division_code)
    return name + "人力资源和社会保障局", row.authority_credit_code if row else None


def license_valid_until(start: dt.date) -> dt.date | None:
    """The 有效期至 of a licence valid from `start` (LICENSE_VALID_YEARS; 0 is 长期: None)."""
    years = int(current_app.config["LICENSE_VALID_YEARS"])
    return add_years(start, years) if years else None


def add_years(day: dt.date, years: int) -> dt.date:
    """The day before the same date `years` later (a 5-year licence from 2026-03-01 ends 2031-02-28).

    The anniversary of 29 February in a common year is 1 March, so such a licence ends on 28 February.
    """
    try:
        anniversary = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        anniversary = dt.date(day.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def require(condition: bool, message: str) -> None:
    """Refuse an approval whose premise no longer holds (the registry changed meanwhile)."""
    if not condition:
        raise Conflict(message)
