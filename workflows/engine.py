"""The workflow engine: the shared state machine, the table of case types, and the one `apply`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal_plugin.core import audit, validation
from portal_plugin.core.clock import local_zone, utcnow
from portal_plugin.core.errors import Conflict, Forbidden, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction
from portal_plugin.core.models import MAX_ID, Agency
from portal_plugin.core.transaction import atomic
from workflows import calendar, commitment, documents, forms, materials, numbering, publicity, state
from workflows.models import Case

CLERK_STEP = "agency"  # the step of the transitions the applicant's clerk performs

STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待受理",
    "pending_review": "待审核",
    "returned": "退回",
    "rejected": "不通过",
    "approved": "通过",
    "refused": "不通过",
}
OPEN_STATUSES = frozenset({"draft", "submitted", "returned", "pending_review"})
TERMINAL_STATUSES = frozenset({"approved", "rejected", "refused"})


@dataclass(frozen=True)
class Transition:
    """From which states an action leads where, who may take it, and whether it needs a reason."""

    action: str
    sources: frozenset[str]
    target: str
    step: str  # "accept" / "review" (the workflow permission suffix) or CLERK_STEP
    reason_required: bool = False
    label: str = ""
    # Only for some cases (告知承诺's grant): whether the case is offered it, and the check
    # (Conflict with the reason) when it is taken.
    applies: Callable[[Case], bool] | None = None
    check: Callable[[Case], None] | None = None

    def open_to(self, case: Case) -> bool:
        return self.applies is None or self.applies(case)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("submit", frozenset({"draft", "returned"}), "submitted", CLERK_STEP, label="提交"),
        Transition("accept", frozenset({"submitted"}), "pending_review", "accept", label="受理"),
        Transition("return", frozenset({"submitted"}), "returned", "accept", True, "退回"),
        Transition("reject", frozenset({"submitted"}), "rejected", "accept", True, "不通过"),
        Transition("approve", frozenset({"pending_review"}), "approved", "review", label="准予"),
        Transition("refuse", frozenset({"pending_review"}), "refused", "review", True, "不予"),
        # 告知承诺制: 形式审查 at 受理 and the licence on the spot (《人力资源服务机构管理规定》 Art 7).
        Transition("grant", frozenset({"submitted"}), "approved", "accept", label="当场准予许可",
                   applies=commitment.is_commitment, check=commitment.check_grant),
    )
}
# The transitions that run the case type's approval effect (the licence, its numbers).
APPROVING = frozenset({"approve", "grant"})
OFFICER_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if t.step != CLERK_STEP)


@dataclass
class Context:
    """What an effect may use: who acts, when (one clock for the whole transaction)."""

    identity: Identity
    now: dt.datetime
    today: dt.date


Validator = Callable[[Mapping[str, Any], Identity, "Case | None"], dict[str, Any]]
Effect = Callable[[Case, Context], dict[str, Any]]


# The clerk's submitted form (fields named like the body's JSON paths) → the API's body.
FormMapping = Callable[[MultiDict[str, str], Agency | None], dict[str, Any]]
# What a case type's clerk form shows beside the case (the registry's values, the records …).
FormContext = Callable[[Agency | None], Mapping[str, Any]]
# A 查看 page's search over the registry's records: (identity, query) → (rows, total, page, pages).
RecordSearch = Callable[..., tuple[list[dict[str, Any]], int, int, int]]


@dataclass(frozen=True)
class MenuStep:
    """One officer function of a case type: the menu word after its label, its list's button."""

    step: str  # accept / review / view: the permission suffix
    word: str  # 受理 → the menu item 行政许可受理
    # The list's own button (受理 / 审批 / 资料核查) opening the decision dialog; none on 查看.
    button: str | None = None


ACCEPT = MenuStep("accept", "受理", "受理")
REVIEW = MenuStep("review", "审批", "审批")
VIEW = MenuStep("view", "查看")


@dataclass(frozen=True)
class RecordList:
    """What a 查看 page lists: the registry records an approval of the case type produces."""

    search: RecordSearch
    number: str  # the record's number field (license_number)
    number_label: str
    granted: str  # the record's date field (issued_on)
    granted_label: str
    result_key: str  # the approving case's result key naming the record (license_id)
    statuses: Mapping[str, str]
    valid_until: bool = False  # whether records expire (a 有效期至 column)


def _no_origin(payload: Mapping[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class CaseType:
    """One workflow: its labels, validation and approval effect, its forms, pages and menu."""

    name: str
    label: str
    kind_code: str  # the case-number prefix
    validate: Validator
    approve: Effect
    apply_label: str  # the clerk's menu item (申请行政许可)
    form_template: str  # the clerk's application form (extending hrm/agency/form.html)
    application_template: str  # the application as officers and the decided case show it
    menu_order: int  # where the officers' menu items of the case type start
    steps: tuple[MenuStep, ...] = (ACCEPT, REVIEW)
    records: RecordList | None = None  # the 查看 step's list
    form_body: FormMapping = forms.nested
    form_context: FormContext = lambda agency: {}
    # Label overrides per status (e.g. 核查通过 for filings), and per action (button names).
    status_labels: Mapping[str, str] = field(default_factory=dict)
    action_labels: Mapping[str, str] = field(default_factory=dict)
    # Which division's bureau handles the case, from the clean payload.
    division_of: Callable[[Mapping[str, Any]], str] = lambda payload: payload["agency"]["division"]
    # Whether approval issues a certificate (the issuance clock until 【登记发证】).
    issuance: bool = False
    # Another division whose bureau sees the case without deciding it (a district move's old one).
    origin_of: Callable[[Mapping[str, Any]], str | None] = _no_origin
    # A check of the clean payload at each (re)submission, on that day (e.g. 延续's window);
    # raises Invalid to refuse it.
    submit_check: Callable[[Mapping[str, Any], dt.date], None] | None = None
    # The numbers approval issues, as (number kind, label) — what the confirmation dialog
    # previews with numbering.peek before the officer confirms.
    issues: Callable[[Case], tuple[tuple[str, str], ...]] = lambda case: ()
    # What the officers' case page shows beside the application (the records a 注销 ends …).
    application_context: Callable[[Case], Mapping[str, Any]] = lambda case: {}

    def status_label(self, status: str) -> str:
        return self.status_labels.get(status) or STATUS_LABELS[status]

    def list_label(self, status: str) -> str:
        """The status as the pages' lists and filters show it: the two 不通过 (at 受理, at 审批)
        told apart where the case type gives them the same word (受理不通过 / 审批不通过)."""
        label = self.status_label(status)
        if status in ("rejected", "refused"):
            other = "refused" if status == "rejected" else "rejected"
            if label == self.status_label(other):
                return ("受理" if status == "rejected" else "审批") + label
        return label

    def action_label(self, action: str) -> str:
        """The button / 流转记录 word for an action (准予许可, 核查通过, … or the shared 受理 …)."""
        return self.action_labels.get(action) or TRANSITIONS[action].label

    @property
    def has_origin(self) -> bool:
        """Whether a case of this type may have an origin division (origin_of), which lists
        must then consider beside its division."""
        return self.origin_of is not _no_origin

    def permission(self, step: str) -> str:
        return f"{self.name}.{step}"


CASE_TYPES: dict[str, CaseType] = {}


def register(case_type: CaseType) -> CaseType:
    """Add a workflow; a duplicate name is a programming error caught at import."""
    if case_type.name in CASE_TYPES:
        raise RuntimeError(f"workflow {case_type.name!r} registered twice")
    CASE_TYPES[case_type.name] = case_type
    return case_type


def case_type(name: str) -> CaseType:
    try:
        return CASE_TYPES[name]
    except KeyError:
        raise NotFound(f"没有名为 {name} 的业务") from None


def can_read(identity: Identity, wf: CaseType) -> bool:
    """Clerks read their own cases; officers need one of the workflow's permissions."""
    steps = ("view", "accept", "review")
    return identity.is_agency_clerk or identity.can_any(frozenset(wf.permission(s) for s in steps))


def visible(identity: Identity, case: Case) -> bool:
    """Whether the case is in this identity's scope (jurisdiction, or own agency)."""
    if identity.is_officer and case.status != "draft" and (
            case.division_code in jurisdiction(identity)
            or case.origin_division_code in jurisdiction(identity)):
        return True
    return identity.is_agency_clerk and case.credit_code == identity.agency_credit_code


def load(wf: CaseType, case_id: int, identity: Identity, *, lock: bool = False,
         own: bool = False) -> Case:
    """A case of this workflow in the identity's scope, or NotFound (absence is not revealed).

    With `own`, only the clerk's own agency's case will do (what the applicant may change).
    """
    if not 0 < case_id <= MAX_ID:
        raise NotFound("办件不存在或不在您的管辖范围内")
    query = select(Case).where(Case.id == case_id, Case.workflow == wf.name)
    if lock:
        query = query.with_for_update()
    case = db.session.scalar(query)
    if case is None or not visible(identity, case) or (
            own and case.credit_code != identity.agency_credit_code):
        raise NotFound("办件不存在或不在您的管辖范围内")
    return case


def deadline_days(wf: CaseType, stage: str) -> int:
    """Working days a clock runs (DOMAIN.md "Deadlines"): 'accept' (补正告知, from submission),
    'decide' (from submission: licensing 20, the others their promised limit), 'issue' (from
    approval to 登记发证) and 'extend' (what 【延长审批期限】 adds)."""
    config = current_app.config
    if stage == "extend":
        return int(config["WORKFLOW_EXTENSION_DAYS"][wf.name])
    limits = config["WORKFLOW_DEADLINES"]
    return int(limits[stage] if stage in ("accept", "issue") else limits[wf.name])


# 《行政许可法》 Art 32: past the 补正 notice period an application counts as accepted.
DEEMED_ACCEPTED = "已超过补正告知期限，视为自收到申请之日起受理"


def apply(wf: CaseType, case_id: int, action: str, identity: Identity, *,
          reason: str | None = None, version: int | None = None) -> Case:
    """Take one transition in one transaction: checks, state change, effects, audit event."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(f"没有 {action} 操作")
    if transition.step == CLERK_STEP:
        if not identity.is_agency_clerk:
            raise Forbidden("只有机构经办人可以提交申请")
    elif not identity.can(wf.permission(transition.step)):
        raise Forbidden("您的业务角色无权进行此操作")
    with atomic():
        case = load(wf, case_id, identity, lock=True, own=transition.step == CLERK_STEP)
        if transition.step != CLERK_STEP and case.division_code not in jurisdiction(identity):
            raise Forbidden("该办件由迁入地区的人力资源和社会保障局办理")  # a move's old district
        take(wf, case, transition, identity, reason=reason, version=version)
    return case


def take(wf: CaseType, case: Case, transition: Transition, identity: Identity, *,
         reason: str | None = None, version: int | None = None) -> None:
    """The body of a transition, inside the caller's transaction (apply, or a new case's submit)."""
    state.check(case.status, case.version, transition.sources, version, wf.status_label)
    if transition.check is not None:
        transition.check(case)
    reason = validation.reason(reason, required=transition.reason_required)
    now = utcnow()
    ctx = Context(identity, now, now.astimezone(local_zone()).date())
    values: dict[str, Any] = {"updated_at": now, **clock_values(wf, case, transition, ctx.today)}
    if transition.action == "submit":
        materials.require_complete(case)
        if wf.submit_check is not None:
            wf.submit_check(case.payload, ctx.today)
        values.update(submitted_at=now, reason=None)
        if case.case_no is None:
            values["case_no"] = numbering.case_number(wf.kind_code, case.division_code, ctx.today)
    elif transition.action == "accept":
        values.update(accepted_at=now)
    elif transition.target in TERMINAL_STATUSES or transition.target == "returned":
        values.update(reason=reason, decided_at=now if transition.target != "returned" else None)
    if transition.action == "grant":  # 受理 and the decision at once
        values.update(accepted_at=now)
    source = case.status
    state.change(Case, case.id, transition.sources, transition.target, case.version,
                 where=(Case.workflow == wf.name,), **values)
    db.session.refresh(case)
    if transition.action in APPROVING:
        case.result = wf.approve(case, ctx)
    # An on-the-spot grant (告知承诺) is accepted and approved at once: an approval's documents.
    issued = documents.issue_for(wf, case, "approve" if transition.action == "grant"
                                 else transition.action, ctx)
    if transition.action == "grant":
        inspection = commitment.open_inspection(identity, case, ctx.today)
        case.result = {**(case.result or {}), "inspection_id": inspection.id,
                       "inspection_due": inspection.due.isoformat()}
    if transition.action in ("approve", "refuse", "grant"):  # 双公示, in the decision's transaction
        publicity.on_decision(wf.name, case, "refuse" if transition.action == "refuse"
                              else "approve", ctx.today)
    data = {"workflow": wf.name, "case_no": case.case_no}
    if transition.action in APPROVING:
        data.update(case.result or {})
    if issued:
        data["documents"] = [{"kind": d.kind, "number": d.number} for d in issued]
    audit.record(identity, transition.action, "case", case.id, from_state=source,
                 to_state=transition.target, reason=reason, data=data)


def _deadline(start: dt.date, days: int) -> dt.date:
    return calendar.shared().add_working_days(start, days)


def clock_values(wf: CaseType, case: Case, transition: Transition, today: dt.date
                 ) -> dict[str, Any]:
    """The clocks a transition starts, pauses or stops (DOMAIN.md "Deadlines"); `deadline` is
    the one running now. 【退回】 past the acceptance clock is refused (视为受理)."""
    action = transition.action
    if action == "submit":
        # Each (re)submission restarts the 补正 clock; the decision clock goes on from where
        # the return paused it (time while 退回 does not count).
        left = case.decision_days_left
        accept_due = _deadline(today, deadline_days(wf, "accept"))
        decision_due = _deadline(today, deadline_days(wf, "decide") if left is None else left)
        return {"accept_due": accept_due, "decision_due": decision_due,
                "decision_days_left": None, "deadline": accept_due}
    if action == "accept":
        return {"deadline": case.decision_due}
    if action == "return":
        if case.accept_due is not None and today > case.accept_due:
            raise Conflict(DEEMED_ACCEPTED)
        left = (None if case.decision_due is None else
                max(calendar.shared().working_days_between(today, case.decision_due), 0))
        return {"decision_days_left": left, "deadline": None}
    if action in APPROVING and wf.issuance:
        issue_due = _deadline(today, deadline_days(wf, "issue"))
        return {"issue_due": issue_due, "deadline": issue_due}
    return {"deadline": None}


def extend(wf: CaseType, case_id: int, identity: Identity, *, reason: Any,
           version: int | None = None) -> Case:
    """【延长审批期限】 (《行政许可法》 Art 42): once per case, with the reason the agency is told,
    the decision clock gets the configured working days more."""
    if not identity.can(wf.permission("review")):
        raise Forbidden("您的业务角色无权进行此操作")
    with atomic():
        case = load(wf, case_id, identity, lock=True)
        state.check(case.status, case.version, EXTENDABLE, version, wf.status_label)
        if case.extended_on is not None:
            raise Conflict(f"本件已于{case.extended_on.isoformat()}延长过审批期限，只能延长一次")
        text = validation.reason(reason, required=True, missing="请填写延长审批期限的理由")
        today = utcnow().astimezone(local_zone()).date()
        base = case.decision_due or today
        due = _deadline(base, deadline_days(wf, "extend"))
        values: dict[str, Any] = {"decision_due": due, "extended_on": today,
                                  "extension_reason": text, "updated_at": utcnow()}
        if case.status == "pending_review":
            values["deadline"] = due
        state.change(Case, case.id, EXTENDABLE, None, case.version,
                     where=(Case.workflow == wf.name,), **values)
        db.session.refresh(case)
        audit.record(identity, "extend", "case", case.id, from_state=case.status,
                     to_state=case.status, reason=text,
                     data={"workflow": wf.name, "case_no": case.case_no,
                           "decision_due": due.isoformat(),
                           "before": base.isoformat()})
    return case


EXTENDABLE = frozenset({"submitted", "pending_review"})
DELIVERY = {"counter": "窗口领取", "post": "邮寄", "electronic": "电子证照"}


def issue(wf: CaseType, case_id: int, identity: Identity, *, issued_on: dt.date,
          delivery: str, version: int | None = None) -> Case:
    """【登记发证】 (《行政许可法》 Art 44): the certificate was handed over on `issued_on` by
    `delivery`; the issuance clock stops. The caller has checked the values' forms."""
    if not wf.issuance:
        raise NotFound("该业务没有发证环节")
    if not identity.can(wf.permission("accept")):
        raise Forbidden("您的业务角色无权进行此操作")
    with atomic():
        case = load(wf, case_id, identity, lock=True)
        state.check(case.status, case.version, frozenset({"approved"}), version, wf.status_label)
        if case.issued_on is not None:
            raise Conflict(f"许可证已于{case.issued_on.isoformat()}登记发证")
        decided = case.decided_at.astimezone(local_zone()).date() if case.decided_at else None
        if decided is not None and issued_on < decided:
            raise Invalid({"issued_on": f"发证日期不能早于许可决定日期（{decided.isoformat()}）"})
        state.change(Case, case.id, frozenset({"approved"}), None, case.version,
                     where=(Case.workflow == wf.name,), issued_on=issued_on, delivery=delivery,
                     deadline=None, updated_at=utcnow())
        db.session.refresh(case)
        audit.record(identity, "issue", "case", case.id, from_state="approved",
                     to_state="approved", reason=DELIVERY[delivery],
                     data={"workflow": wf.name, "case_no": case.case_no,
                           "issued_on": issued_on.isoformat(), "delivery": delivery})
    return case


