"""Case services for both faces (API and pages): create, edit, submit, act, list, read."""

from __future__ import annotations

import datetime as dt
import functools
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, and_, bindparam, func, or_, select

from portal_plugin.core import audit, pii
from portal_plugin.core.api import version_of
from portal_plugin.core.clock import local_zone, start_of, today
from portal_plugin.core.errors import STALE, Conflict, Forbidden, Invalid, TooLarge
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import covers_all, jurisdiction
from portal_plugin.core.models import AuditEvent
from portal_plugin.core.paging import (
    MAX_PER_PAGE,
    Shaped,
    Total,
    contains,
    page_bounds,
    seek_page,
)
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from workflows import (
    branch,
    calendar,
    change,
    commitment,
    deregistration,
    engine,
    filing,
    licensing,
    materials,
    renewal,
    state,
)
from workflows.calendar import DUE_SOON_DAYS, deadline_flag
from workflows.engine import CLERK_STEP, CaseType, apply, case_type, load
from workflows.models import Case
from workflows.schemas import Issuance

# The case modules, in the manual's order (then 延续); importing them registers them.
CASE_MODULES = (licensing, filing, change, branch, deregistration, renewal)

EDITABLE = frozenset({"draft", "returned"})


def _clerk(identity: Identity) -> None:
    if not identity.is_agency_clerk:
        raise Forbidden("只有机构经办人可以填写申请")


# Files a page's form brings with it: material kind → (the file's name, its bytes).
Uploads = Mapping[str, tuple[str, bytes]]


def create(wf: CaseType, identity: Identity, body: Mapping[str, Any], *,
           submit: bool = False, uploads: Uploads | None = None) -> Case:
    """Create a case for the clerk's own agency (a draft, or submitted at once), with the
    materials a page's form uploaded."""
    _clerk(identity)
    with atomic():
        payload = wf.validate(body, identity, None)
        case = Case(workflow=wf.name, status="draft", version=1, payload=payload,
                    credit_code=identity.agency_credit_code,
                    agency_name=payload["agency"]["name"],
                    division_code=wf.division_of(payload), created_by=identity.user_id,
                    origin_division_code=wf.origin_of(payload))
        db.session.add(case)
        db.session.flush()
        audit.record(identity, "create", "case", case.id, to_state="draft",
                     data={"workflow": wf.name})
        commitment.record_acceptance(identity, case, None)
        _attach_all(case, uploads, identity)
        if submit:  # in the same transaction: a failed submission leaves no draft behind
            engine.take(wf, case, engine.TRANSITIONS["submit"], identity)
    return case


def edit(wf: CaseType, case_id: int, identity: Identity, body: Mapping[str, Any], *,
         version: int | None = None, uploads: Uploads | None = None) -> Case:
    """Replace the application of a draft or returned case (and the materials uploaded)."""
    _clerk(identity)
    with atomic():
        case = load(wf, case_id, identity, lock=True, own=True)
        # A decided case says so even to a form opened before the decision (a stale version).
        if case.status not in EDITABLE:
            raise Conflict(f"{wf.status_label(case.status)}的申请不能修改，请重新申请")
        if version is not None and version != case.version:
            raise Conflict(STALE)
        payload = wf.validate(body, identity, case)
        before = dict(case.payload or {})
        # The engine's guarded state change (the status stays): one conditional UPDATE.
        state.change(Case, case.id, EDITABLE, None, case.version,
                     where=(Case.workflow == wf.name,), payload=payload,
                     agency_name=payload["agency"]["name"], division_code=wf.division_of(payload),
                     origin_division_code=wf.origin_of(payload))
        db.session.refresh(case)
        audit.record(identity, "edit", "case", case.id, from_state=case.status,
                     to_state=case.status, data={"workflow": wf.name})
        commitment.record_acceptance(identity, case, before)
        _attach_all(case, uploads, identity)
    return case


def _attach_all(case: Case, uploads: Uploads | None, identity: Identity) -> None:
    """A form's uploads, each refusal reported under its material (`materials.<kind>`)."""
    problems: dict[str, str] = {}
    for kind, (name, data) in (uploads or {}).items():
        try:
            materials.attach(case, kind, name, data, identity)
        except (Invalid, TooLarge) as exc:  # on a form, an oversized file is its field's error
            problems[f"materials.{kind}"] = next(iter(exc.fields.values()), exc.message)
    if problems:
        raise Invalid(problems)


def _own_editable(wf: CaseType, case_id: int, identity: Identity) -> Case:
    """The clerk's own case whose materials may change (a draft, or returned for 补正)."""
    _clerk(identity)
    case = load(wf, case_id, identity, lock=True, own=True)
    if case.status not in EDITABLE:
        raise Conflict(f"{wf.status_label(case.status)}的申请不能再更换申请材料")
    return case


def add_material(wf: CaseType, case_id: int, identity: Identity, kind: Any,
                 upload: tuple[str, bytes] | None) -> materials.CaseMaterial:
    """Upload (or replace) one material (the file's name and bytes) of the clerk's draft or
    returned case."""
    with atomic():
        case = _own_editable(wf, case_id, identity)
        check = Checker()
        if not isinstance(kind, str) or not kind:
            check.fail("kind", "请选择申请材料的种类")
        if upload is None:
            check.fail("file", "请选择要上传的文件")
        check.raise_any()
        return materials.attach(case, kind, *upload, identity)


def delete_material(wf: CaseType, case_id: int, material_id: int, identity: Identity) -> None:
    with atomic():
        materials.remove(_own_editable(wf, case_id, identity), material_id, identity)


def case_materials(wf: CaseType, case_id: int, identity: Identity) -> list[materials.CaseMaterial]:
    return materials.of_case(get(wf, case_id, identity).id)


def read_material(wf: CaseType, case_id: int, material_id: int, identity: Identity
                  ) -> tuple[materials.CaseMaterial, bytes]:
    """A material's bytes for the case's officers and its clerk (the read audited)."""
    case = get(wf, case_id, identity)
    with atomic():
        return materials.read(case, material_id, identity)


def own_cases(identity: Identity, limit: int = MAX_PER_PAGE) -> list[Case]:
    """The clerk's agency's cases of every workflow, newest first, in one query."""
    _clerk(identity)
    return list(db.session.scalars(
        select(Case).where(Case.credit_code == identity.agency_credit_code)
        .order_by(Case.id.desc()).limit(limit)))


def act(wf: CaseType, case_id: int, action: str, identity: Identity,
        body: Mapping[str, Any] | None = None) -> Case:
    """An officer's (or the clerk's submit) transition with the body's reason and version."""
    body = body or {}
    version = version_of(body.get("version"))
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise Invalid({"reason": "应为文本"})
    return apply(wf, case_id, action, identity, reason=reason, version=version)


@dataclass(frozen=True)
class CaseQuery:
    """The list filters of the API and the pages (the manual's 查询条件)."""

    status: str | None = None
    statuses: tuple[str, ...] | None = None  # the statuses a page offers, when none is chosen
    q: str | None = None  # any of: agency name (part), credit code, case number
    name: str | None = None
    credit_code: str | None = None
    case_no: str | None = None
    division: str | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    page: int = 1
    per_page: int = 20
    after: str | None = None  # the cursor of the page before (下一页), see core.paging
    before: str | None = None  # the cursor of the page after (上一页)


# The lists' statements are Core statements on the table (`C`, its columns), not on the ORM
# entity: their rows (named like Case's attributes) are all a row needs (to_json), and the
# ORM's execution and loading layers were a twentieth of a list page's CPU. The application
# itself (payload) only for the procedure (告知承诺制) it names.
C = Case.__table__.c
LIST_COLUMNS = (*(column for column in C if column.key != "payload"),
                commitment.PROCEDURE.label("procedure"))
# A list's order, newest first: the sort key of keyset paging (core.paging.seek_page).
CASE_ORDER = (C.submitted_at, C.id)
# A list row as search returns it: SQLAlchemy's Row reads an attribute by name in a Python
# __getattr__ (0.28 µs; a row's to_json reads 30), a named tuple in C (0.02 µs): 6 % of a
# list page. The last field is the page's count (seek_page's `_total`).
CaseRow = namedtuple("CaseRow", [*(column.key for column in LIST_COLUMNS), "_total"],  # type: ignore[misc]
                     rename=True)


# Whose cases a list holds (the jurisdiction part of its statement, see _reach).
OWN, ANYWHERE, DIVISIONS, WITH_ORIGIN = "own", "anywhere", "divisions", "with_origin"


def _reach(wf: CaseType, identity: Identity, division: str | None) -> str:
    """The narrowest jurisdiction clause that selects the same rows: none where every case
    qualifies (a city officer, or a chosen division within the jurisdiction, whose own clause
    implies it), the divisions alone where no case of the type has an origin division, both
    only for the case types that move an agency between districts. A redundant clause costs
    more than its evaluation: it keeps the planner from the list's index order and multiplies
    its row estimates down."""
    if not identity.is_officer:
        return OWN
    if covers_all(identity) or (division is not None and division in jurisdiction(identity)):
        return ANYWHERE
    return WITH_ORIGIN if wf.has_origin else DIVISIONS


# WITH_ORIGIN: a district move's case is seen by the old district too. As an OR of the two
# columns a page read the type's whole index (10 ms on 1M cases); as two disjoint parts each
# is read in its own index order (core.paging.Shaped.parts): the district's own cases, and
# those that left it.
ORIGIN_PARTS = (
    C.division_code.in_(bindparam("divisions", expanding=True)),
    and_(C.origin_division_code.in_(bindparam("divisions", expanding=True)),
         C.division_code.not_in(bindparam("divisions", expanding=True))),
)


@functools.lru_cache(maxsize=512)
def _filtered(reach: str, shape: frozenset[str]) -> tuple[Select[Any], tuple[Any, ...]]:
    """The list statement of one jurisdiction reach and filter shape (which filters are set),
    built once, and the parts it must be read with (core.paging.Shaped): every value is a bind
    parameter, so SQLAlchemy reuses its compiled form."""
    stmt = select(*LIST_COLUMNS).where(C.workflow == bindparam("wf"))
    divisions = bindparam("divisions", expanding=True)
    if reach == OWN:
        stmt = stmt.where(C.credit_code == bindparam("own_code"))
    else:
        stmt = stmt.where(C.status != "draft")
    if reach == DIVISIONS:
        stmt = stmt.where(C.division_code.in_(divisions))
    if "status" in shape:
        stmt = stmt.where(C.status == bindparam("status"))
    elif "statuses" in shape:
        stmt = stmt.where(C.status.in_(bindparam("statuses", expanding=True)))
    if "division" in shape:
        stmt = stmt.where(C.division_code == bindparam("division"))
    if "q" in shape:
        stmt = stmt.where(or_(C.agency_name.like(bindparam("q_like")),
                              C.credit_code == bindparam("q_code"),
                              C.case_no == bindparam("q")))
    if "name_like" in shape:
        stmt = stmt.where(C.agency_name.like(bindparam("name_like")))
    if "credit_code" in shape:
        stmt = stmt.where(C.credit_code == bindparam("credit_code"))
    if "case_no" in shape:
        stmt = stmt.where(C.case_no == bindparam("case_no"))
    if "submitted_from" in shape:
        stmt = stmt.where(C.submitted_at >= bindparam("submitted_from", type_=C.submitted_at.type))
    if "submitted_to" in shape:
        stmt = stmt.where(C.submitted_at < bindparam("submitted_to", type_=C.submitted_at.type))
    # WITH_ORIGIN's jurisdiction is in its parts, never to be read without them.
    return stmt, ORIGIN_PARTS if reach == WITH_ORIGIN else ()


def search(wf: CaseType, identity: Identity, query: CaseQuery) -> tuple[list[Any], Total]:
    """One page of cases in scope (rows of LIST_COLUMNS), newest first, with the total count
    (an estimate above LIST_EXACT_TOTAL_MAX) and the cursors of the pages around it."""
    if not engine.can_read(identity, wf):
        raise Forbidden("您的业务角色无权查看此业务")
    values: dict[str, Any] = {"wf": wf.name}
    reach = _reach(wf, identity, query.division)
    if reach in (DIVISIONS, WITH_ORIGIN):
        values["divisions"] = sorted(jurisdiction(identity))
    elif reach == OWN:
        values["own_code"] = identity.agency_credit_code
    if query.status:
        if query.status not in engine.STATUS_LABELS:
            raise Invalid({"status": "不是有效的状态"})
        values["status"] = query.status
    elif query.statuses:
        values["statuses"] = list(query.statuses)
    if query.division:
        values["division"] = query.division
    if query.q:
        term = query.q.strip()
        values.update(q=term, q_like=contains(term), q_code=term.upper())
    if query.name:
        values["name_like"] = contains(query.name.strip())
    if query.credit_code:
        values["credit_code"] = query.credit_code.strip().upper()
    if query.case_no:
        values["case_no"] = query.case_no.strip()
    if query.submitted_from:
        values["submitted_from"] = start_of(query.submitted_from)
    if query.submitted_to:
        values["submitted_to"] = start_of(query.submitted_to + dt.timedelta(days=1))
    shape = frozenset(values) - {"wf", "divisions", "own_code", "q_like", "q_code"}
    base, parts = _filtered(reach, shape)
    stmt = Shaped(base, values, parts)
    page, per_page = page_bounds(query.page, query.per_page,
                                 seeking=bool(query.after or query.before))
    return seek_page(stmt, CASE_ORDER, page, per_page, after=query.after, before=query.before,
                     row=CaseRow._make)


def issuing_cases(wf: str, key: str, records: list[dict[str, Any]]) -> dict[int, int]:
    """Record id → the approved case of `wf` that issued it (entered and imported records have
    none); one query over the agencies of the listed records, whose result names the record."""
    agencies = {record["agency"]["id"] for record in records}
    if not agencies:
        return {}
    issued: dict[int, int] = {}
    for case_id, result in db.session.execute(
            select(Case.id, Case.result).where(Case.workflow == wf, Case.status == "approved",
                                                Case.agency_id.in_(sorted(agencies)))):
        if result and key in result:
            issued[result[key]] = case_id
    return issued


@dataclass(frozen=True)
class Backlog:
    """An officer's work waiting at one step of one workflow."""

    waiting: int
    due_soon: int  # deadline within DUE_SOON_DAYS working days
    overdue: int


WAITING_AT = {"accept": "submitted", "review": "pending_review"}


def backlog(identity: Identity) -> dict[tuple[str, str], Backlog]:
    """(workflow, step) → what waits for this officer, in one grouped query."""
    steps = [(wf, step) for wf in engine.CASE_TYPES for step in WAITING_AT
             if identity.can(f"{wf}.{step}")]
    if not steps:
        return {}
    day = today()
    soon = calendar.shared().add_working_days(day, DUE_SOON_DAYS)
    rows = db.session.execute(
        select(Case.workflow, Case.status, func.count(),
               func.count().filter(Case.deadline < day),
               func.count().filter(Case.deadline.between(day, soon)))
        .where(Case.division_code.in_(sorted(jurisdiction(identity))),
               Case.workflow.in_({wf for wf, _ in steps}),
               Case.status.in_(WAITING_AT.values()))
        .group_by(Case.workflow, Case.status)
    ).all()
    found = {(wf, status): Backlog(n, soon_n, late_n) for wf, status, n, late_n, soon_n in rows}
    return {(wf, step): found.get((wf, WAITING_AT[step]), Backlog(0, 0, 0))
            for wf, step in steps}


def get(wf: CaseType, case_id: int, identity: Identity) -> Case:
    if not engine.can_read(identity, wf):
        raise Forbidden("您的业务角色无权查看此业务")
    return load(wf, case_id, identity)


def events(case: Case) -> list[AuditEvent]:
    """The case's timeline (流转记录), oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "case",
                                 AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)))


def days_left(case: Case) -> int | None:
    """Working days until the running clock's due date (negative when overdue)."""
    due = case.deadline
    if due is None or case.status not in RUNNING:
        return None
    # Within a request, today, the calendar and each due date's count are worked out once:
    # a list's rows share them (and most rows share a handful of due dates).
    memo: dict[Any, Any] = g.setdefault("hrm_days_left", {}) if has_request_context() else {}
    if "today" not in memo:
        memo["today"], memo["calendar"] = today(), calendar.shared()
    left = memo.get(due)
    if left is None:
        left = memo[due] = memo["calendar"].working_days_between(memo["today"], due)
    return left  # type: ignore[no-any-return]


# Where a clock runs: acceptance while 待受理, decision while 待审核, issuance once approved.
RUNNING = {"submitted": "accept", "pending_review": "decision", "approved": "issue"}


def deemed_accepted(case: Case) -> bool:
    """视为受理: the 补正 clock ran out while the case waited (《行政许可法》 Art 32), or it was
    accepted only after it."""
    if case.accept_due is None:
        return False
    if case.status == "submitted":
        return today() > case.accept_due
    accepted = case.accepted_at.astimezone(local_zone()).date() if case.accepted_at else None
    return accepted is not None and accepted > case.accept_due


def clock_json(case: Case) -> dict[str, Any]:
    """The law's clocks of a case as the API gives them (DOMAIN.md "Deadlines")."""
    extended_on = case.extended_on
    return {
        "accept_due": _day(case.accept_due), "decision_due": _day(case.decision_due),
        "issue_due": _day(case.issue_due), "extended": extended_on is not None,
        "extended_on": _day(extended_on), "extension_reason": case.extension_reason,
        "deemed_accepted": deemed_accepted(case),
        "clock": RUNNING.get(case.status) if case.deadline is not None else None,
        "issued_on": _day(case.issued_on), "delivery": case.delivery,
    }


def extend(wf: CaseType, case_id: int, identity: Identity,
           body: Mapping[str, Any] | None = None) -> Case:
    """【延长审批期限】 with the body's reason and version."""
    body = body or {}
    return engine.extend(wf, case_id, identity, reason=body.get("reason"),
                         version=version_of(body.get("version")))


def issue(wf: CaseType, case_id: int, identity: Identity, body: Mapping[str, Any]) -> Case:
    """【登记发证】: the body's issue date and delivery, checked against the schema."""
    check = Checker()
    clean = check.model(Issuance, body, only=("issued_on", "delivery"))
    check.raise_any()
    return engine.issue(wf, case_id, identity, issued_on=clean["issued_on"],
                        delivery=clean["delivery"], version=version_of(body.get("version")))


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@functools.lru_cache(maxsize=4096)
def _offered(wf: str, permissions: frozenset[str], status: str, own: bool
             ) -> tuple[tuple[str, engine.Transition], ...]:
    """The transitions out of `status` that these permissions (and, for the clerk's, the
    agency's own case) allow, in the table's order: worked out once per combination, where a
    list asked it of every row (3 % of a page)."""
    return tuple(
        (name, transition) for name, transition in engine.TRANSITIONS.items()
        if status in transition.sources
        and (own if transition.step == CLERK_STEP
             else case_type(wf).permission(transition.step) in permissions))


def allowed_actions(wf: CaseType, case: Case, identity: Identity) -> list[str]:
    """The transitions (and clock actions: extend, issue) this identity may take now."""
    actions = []
    if (case.status in engine.EXTENDABLE and case.extended_on is None
            and identity.can(wf.permission("review"))):
        actions.append("extend")
    if (wf.issuance and case.status == "approved" and case.issued_on is None
            and identity.can(wf.permission("accept"))):
        actions.append("issue")
    own = identity.is_agency_clerk and case.credit_code == identity.agency_credit_code
    actions.extend(name for name, transition in _offered(wf.name, identity.permissions, case.status, own)
                   if transition.open_to(case))
    return actions


# The numbers an approval issued, as a row shows them (from the case's `result`).
NUMBER_KEYS = ("license_number", "decision_number", "filing_number", "document_number")


def to_json(case: Case, identity: Identity, *, detail: bool = False) -> dict[str, Any]:
    """A case as a list row; with `detail`, also its application, result and 流转记录.

    `case` is a Case or a list's row (search's, named like its attributes, without the
    application), so only detail reads the application.
    """
    # Each attribute is read once: an ORM attribute read is a Python call, and the repeated
    # ones were a tenth of a row's cost.
    wf, status, result = case_type(case.workflow), case.status, case.result
    left = days_left(case)
    data: dict[str, Any] = {
        "id": case.id,
        "case_no": case.case_no,
        "workflow": wf.name,
        "status": status,
        "status_label": wf.status_label(status),
        "version": case.version,
        "agency": {"credit_code": case.credit_code, "name": case.agency_name},
        "division": case.division_code,
        "submitted_at": _iso(case.submitted_at),
        "accepted_at": _iso(case.accepted_at),
        "decided_at": _iso(case.decided_at),
        "reason": case.reason,
        "deadline": _day(case.deadline),
        "days_left": left,
        "deadline_flag": deadline_flag(left),
        "actions": allowed_actions(wf, case, identity),
        **clock_json(case),
    }
    if result:
        data.update((key, result[key]) for key in NUMBER_KEYS if key in result)
    if detail:
        data["agency"]["division"] = case.payload.get("agency", {}).get("division")
        data["application"] = case.payload
        data["result"] = result
        data["materials"] = [materials.to_json(m) for m in materials.of_case(case.id)]
        data["events"] = [
            {"at": _iso(e.occurred_at), "action": e.action, "from": e.from_state,
             "to": e.to_state, "actor": e.actor_name, "actor_division": e.actor_division,
             "reason": e.reason}
            for e in events(case)
        ]
    return data


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def applicant_view(kind: CaseType, case: Case, who: Identity, answer: dict[str, Any]
                   ) -> dict[str, Any]:
    """A case's single read (API and page alike): the applicant's ID numbers and phones in
    full for the agency itself and for those who handle the workflow (each such officer's read
    audited), masked for those who only view it (core.pii)."""
    if who.is_agency_clerk and case.credit_code == who.agency_credit_code:
        return answer  # the agency's own application
    step = next((s for s in ("accept", "review") if who.can(kind.permission(s))), None)
    if step is None:
        return pii.masked(answer)
    with atomic():
        pii.full_read(who, "case_applicant", case.id, answer,
                      f"{kind.permission(step)}：办理{kind.label}需核对申请人信息",
                      credit_code=case.credit_code)
    return answer


def branch_names(case_ids: list[int]) -> dict[int, str]:
    """The branch each of these 设立分支机构报告 cases reports, by case id (one query over the
    page's rows: lists do not load the applications)."""
    if not case_ids:
        return {}
    name = Case.payload["branch"]["name"].as_string()
    return {case_id: value for case_id, value in db.session.execute(
        select(Case.id, name).where(Case.id.in_(case_ids))) if value}
