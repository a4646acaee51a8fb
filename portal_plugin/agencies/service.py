"""机构管理 services for the pages and the API: query, add, edit, delete and read agencies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy import delete as delete_stmt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core import audit, catalog, pii, schemas
from portal_plugin.core.errors import Conflict, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction, scope
from portal_plugin.core.models import (
    AGENCY_STATUS,
    MAX_ID,
    RECORD_SOURCE,
    Agency,
    AuditEvent,
    Filing,
    License,
)
from portal_plugin.core.paging import contains, offset_page, page_bounds
from portal_plugin.core.permissions import PERMISSIONS
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from portal_plugin.job_fairs.models import JobFair
from workflows.models import Case

MANAGE = "agencies.manage"
# Officers who may read agencies without managing them (CONTRACT.md: GET also any *.view).
READERS = (MANAGE, *sorted(p for p in PERMISSIONS if p.endswith(".view")))
FIELDS = schemas.AGENCY_RECORD_FIELDS
# The field's model column where the names differ.
COLUMNS = {"division": "division_code"}
LABELS = schemas.AGENCY_LABELS


@dataclass(frozen=True)
class AgencyQuery:
    q: str | None = None
    name: str | None = None
    credit_code: str | None = None
    division: str | None = None
    agency_type: str | None = None
    status: str | None = None
    page: int = 1
    per_page: int = 20


def _check(identity: Identity, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """An agency's clean values and its problems: the agency rules with 机构管理's extra
    fields, and a district within the officer's jurisdiction."""
    if not isinstance(data, Mapping):
        raise Invalid({"body": "请求体应为JSON对象"})
    check = Checker()
    clean = schemas.agency(check, data, "", only=FIELDS)
    if clean["division"] and clean["division"] not in jurisdiction(identity):
        check.fail("division", "不在您的管辖范围内")
    return clean, check.errors


def validate(identity: Identity, data: Mapping[str, Any]) -> dict[str, Any]:
    """A new agency's clean values, or Invalid naming every bad field with its reason."""
    clean, errors = _check(identity, data)
    if errors:
        raise Invalid(errors)
    return clean


def _duplicate(credit_code: str) -> Conflict:
    holder = db.session.scalar(select(Agency.name).where(Agency.credit_code == credit_code))
    message = f"统一社会信用代码 {credit_code} 已登记（{holder or '另一机构'}），不能重复添加"
    return Conflict(message, fields={"credit_code": message})


def _plain(value: Any) -> Any:
    """A value as the audit's JSON keeps it (dates ISO, amounts as text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _same(given: Any, kept: Any) -> bool:
    """Whether a submitted value is the stored one (forms send text, JSON may send numbers)."""
    def text(value: Any) -> str:
        return "" if value is None else str(value).strip()

    return text(given) == text(kept)


def values(agency: Agency) -> dict[str, Any]:
    """The agency's editable fields in the API's vocabulary."""
    return {field: getattr(agency, COLUMNS.get(field, field)) for field in FIELDS}


def create(identity: Identity, data: Mapping[str, Any]) -> Agency:
    """Add an agency (source 录入) in the officer's jurisdiction, audited with its values."""
    clean = validate(identity, data)
    if db.session.scalar(select(Agency.id).where(Agency.credit_code == clean["credit_code"])):
        raise _duplicate(clean["credit_code"])
    agency = Agency(**{COLUMNS.get(k, k): v for k, v in clean.items()}, source="entry")
    try:
        with atomic():
            db.session.add(agency)
            db.session.flush()
            audit.record(identity, "create", "agency", agency.id, to_state="valid",
                         data={k: _plain(v) for k, v in clean.items()})
    except IntegrityError:
        raise _duplicate(clean["credit_code"]) from None
    return agency


def update(identity: Identity, agency_id: int, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Replace the given fields (the others keep their values); the credit code stays.

    Returns {field: [before, after]} of what changed, kept in the audit."""
    agency = get(identity, agency_id)
    if not isinstance(data, Mapping):
        raise Invalid({"body": "请求体应为JSON对象"})
    before = values(agency)
    given = data.get("credit_code")
    if given not in (None, "") and str(given).strip().upper() != agency.credit_code:
        raise Invalid({"credit_code": "统一社会信用代码不能修改"})
    kept = {k: _plain(v) for k, v in before.items()}
    merged = {**kept, **data, "credit_code": agency.credit_code}
    clean, errors = _check(identity, merged)
    # A value kept as it was stays, even if today's rules refuse it (pilot credit codes,
    # legacy codes of imported records): only what the officer changes must pass.
    for field in [f for f in errors if f in kept and _same(merged.get(f), kept[f])]:
        del errors[field]
        clean[field] = before[field]
    if errors:
        raise Invalid(errors)
    changes = {field: [_plain(before[field]), _plain(clean[field])] for field in FIELDS
               if clean[field] != before[field]}
    if not changes:
        return {}
    with atomic():
        for field in changes:
            setattr(agency, COLUMNS.get(field, field), clean[field])
        audit.record(identity, "update", "agency", agency.id, data=changes)
    return changes


# What keeps an agency from being deleted: (model, its agency column, what it is called).
DEPENDENTS: tuple[tuple[type[Any], Any, str], ...] = (
    (License, License.agency_id, "行政许可"),
    (Filing, Filing.agency_id, "业务备案"),
    (Case, Case.agency_id, "办件"),
    (AnnualReport, AnnualReport.agency_id, "年度报告"),
    (JobFair, JobFair.agency_id, "现场招聘会"),
    (Agency, Agency.parent_id, "分支机构"),
)


def blockers(agency: Agency) -> list[str]:
    """What the agency still has (e.g. "行政许可 2 条"); empty when it may be deleted."""
    found = []
    for model, column, label in DEPENDENTS:
        condition = column == agency.id
        if model is Case:  # an application may name the agency before approval links it
            condition = or_(condition, Case.credit_code == agency.credit_code)
        count = db.session.scalar(select(func.count()).select_from(model).where(condition))
        if count:
            found.append(f"{label} {count} 条")
    return found


def delete(identity: Identity, agency_id: int) -> Agency:
    """Delete an agency that has nothing attached, audited with its values; else Conflict.

    Deleting twice deletes once: the row is locked (PostgreSQL) and the DELETE must remove it,
    so of parallel requests one deletes and audits, the others find nothing (404)."""
    agency = get(identity, agency_id)
    try:
        with atomic():
            locked = db.session.scalar(
                _scoped(identity).where(Agency.id == agency_id)
                .with_for_update().execution_options(populate_existing=True))
            if locked is None:
                raise NotFound("机构不存在，或不在您的管辖范围内")
            agency = locked
            reasons = blockers(agency)
            if reasons:
                raise Conflict(f"机构“{agency.name}”还有{'、'.join(reasons)}，不能删除")
            audit.record(identity, "delete", "agency", agency.id, from_state=agency.status,
                         data={"credit_code": agency.credit_code,
                               **{k: _plain(v) for k, v in values(agency).items()},
                               "status": agency.status, "source": agency.source})
            gone = db.session.execute(delete_stmt(Agency).where(Agency.id == agency.id))
            if gone.rowcount != 1:  # another request deleted it first
                raise NotFound("机构不存在，或不在您的管辖范围内")
            db.session.expunge(agency)
    except IntegrityError:
        raise Conflict(f"机构“{agency.name}”已有关联数据，不能删除") from None
    return agency


# Who needs an agency's legal representative's ID number and phone in full: 机构管理 (the
# registry's keepers). Other readers see them masked, as in every list.
FULL_READERS = {MANAGE: "机构管理：维护登记库需核对法定代表人身份"}


def read(identity: Identity, agency_id: int) -> dict[str, Any]:
    """One agency as the API answers it: in full (and audited: who read whose data, by which
    right) for a role that needs it, else with the personal data masked."""
    agency = get(identity, agency_id)
    answer = to_json(agency)
    why = next((reason for permission, reason in FULL_READERS.items()
                if identity.can(permission)), None)
    if why is None:
        return pii.masked(answer)
    with atomic():
        return pii.full_read(identity, "agency", agency.id, answer, why)


def _scoped(identity: Identity) -> Select[Any]:
    return select(Agency).where(scope(Agency.division_code, identity))


def get(identity: Identity, agency_id: int) -> Agency:
    """One agency in the officer's jurisdiction; anything else is 404."""
    agency = (db.session.scalar(_scoped(identity).where(Agency.id == agency_id))
              if 0 < agency_id <= MAX_ID else None)
    if agency is None:
        raise NotFound("机构不存在，或不在您的管辖范围内")
    return agency


def search(identity: Identity, query: AgencyQuery) -> tuple[list[Agency], int, int, int]:
    """One page of agencies in jurisdiction, the latest added first."""
    errors: dict[str, str] = {}
    stmt = _scoped(identity)
    if query.division:
        if query.division not in jurisdiction(identity):
            errors["division"] = "不在您的管辖范围内"
        stmt = stmt.where(Agency.division_code == query.division)
    if query.agency_type:
        if query.agency_type not in catalog.labels("agency_type"):
            errors["agency_type"] = "不是有效的代码"
        stmt = stmt.where(Agency.agency_type == query.agency_type)
    if query.status:
        if query.status not in AGENCY_STATUS:
            errors["status"] = "不是有效的状态"
        stmt = stmt.where(Agency.status == query.status)
    if errors:
        raise Invalid(errors)
    if query.name and query.name.strip():
        stmt = stmt.where(Agency.name.like(contains(query.name.strip())))
    if query.credit_code and query.credit_code.strip():
        stmt = stmt.where(Agency.credit_code.like(contains(query.credit_code.strip().upper())))
    if query.q and query.q.strip():
        term = query.q.strip()
        stmt = stmt.where(or_(Agency.name.like(contains(term)),
                              Agency.credit_code.like(contains(term.upper()))))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(stmt, (Agency.id.desc(),), page, per_page,
                              options=(selectinload(Agency.parent),))
    return rows, total, page, per_page


def to_json(agency: Agency) -> dict[str, Any]:
    """An agency as CONTRACT.md names its fields, with the registry's extra ones and labels."""
    parent = agency.parent
    return {
        "id": agency.id, **{k: _plain(v) for k, v in values(agency).items()},
        "agency_type_label": catalog.labels("agency_type").get(agency.agency_type,
                                                               agency.agency_type),
        "division_name": catalog.division_name(agency.division_code),
        "legal_rep_id_type_label": catalog.labels("id_type").get(agency.legal_rep_id_type,
                                                                 agency.legal_rep_id_type),
        "parent": ({"id": parent.id, "name": parent.name, "credit_code": parent.credit_code}
                   if parent else None),
        "status": agency.status, "status_label": AGENCY_STATUS.get(agency.status, agency.status),
        "source": agency.source, "source_label": RECORD_SOURCE.get(agency.source, agency.source),
        "deregistered_on": _plain(agency.deregistered_on),
        "created_at": agency.created_at.isoformat(), "updated_at": agency.updated_at.isoformat(),
    }


# Coded fields of the history and the catalogue kinds of their labels.
CODED = {"agency_type": "agency_type", "legal_rep_id_type": "id_type",
         "license_items": "license_item", "filing_items": "filing_item"}


def _shown(field: str, value: Any) -> Any:
    """A history value as people read it: codes as their labels, districts by name."""
    if field == "division":
        return catalog.division_name(value) if value else value
    if field in CODED:
        names = catalog.labels(CODED[field])
        if isinstance(value, list):
            return "、".join(names.get(v, v) for v in value)
        return names.get(value, value) if value is not None else None
    return value


def history(agency: Agency) -> list[dict[str, Any]]:
    """The agency's change history, the latest first: 机构管理 edits (audit) and approved
    事项变更 cases, each as {at, who, via, changes: [(label, before, after)]}."""
    entries = []
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "agency", AuditEvent.object_id == str(agency.id),
        AuditEvent.action == "update")).all()
    for event in events:
        entries.append({"at": event.occurred_at, "who": event.actor_name, "via": "机构管理",
                        "case": None, "changes": [
                            (LABELS.get(f, f), _shown(f, pair[0]), _shown(f, pair[1]))
                            for f, pair in (event.data or {}).items()]})
    cases = db.session.scalars(select(Case).where(
        Case.workflow == "change", Case.status == "approved", Case.agency_id == agency.id)).all()
    for case in cases:
        result = case.result or {}
        before, after = result.get("before") or {}, result.get("after") or {}
        entries.append({"at": case.decided_at or case.updated_at, "who": None,
                        "via": f"事项变更 {case.case_no or ''}".strip(), "case": case.id,
                        "changes": [(LABELS.get(f, f), _shown(f, before.get(f)), _shown(f, value))
                                    for f, value in after.items()]})
    return sorted(entries, key=lambda e: e["at"], reverse=True)


def related(identity: Identity, agency: Agency) -> dict[str, list[Any]]:
    """What the details page lists besides the agency's own fields: its records, and of its
    branches, cases and fairs those in the caller's jurisdiction (a branch may lie elsewhere)."""
    def rows(model: type[Any], column: Any, order: Any, *where: Any) -> list[Any]:
        return list(db.session.scalars(select(model).where(column == agency.id, *where)
                                       .order_by(order)).all())

    return {
        "licenses": rows(License, License.agency_id, License.issued_on.desc()),
        "filings": rows(Filing, Filing.agency_id, Filing.filed_on.desc()),
        "cases": list(db.session.scalars(select(Case).where(
            or_(Case.agency_id == agency.id, Case.credit_code == agency.credit_code),
            Case.status != "draft", scope(Case.division_code, identity))
            .order_by(Case.id.desc())).all()),
        "branches": rows(Agency, Agency.parent_id, Agency.id,
                         scope(Agency.division_code, identity)),
        "annual_reports": rows(AnnualReport, AnnualReport.agency_id, AnnualReport.year.desc()),
        "job_fairs": rows(JobFair, JobFair.agency_id, JobFair.start_at.desc(),
                          scope(JobFair.division_code, identity)),
    }
