"""The officers' workflow pages: the manual's 受理 / 审批 / 查看 lists, the case page, actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal_plugin.core import catalog, schemas
from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.api import form_version
from portal_plugin.core.clock import local_zone, today
from portal_plugin.core.errors import Invalid
from portal_plugin.core.models import RECORD_SOURCE
from portal_plugin.core.pages import action_post, html_text, url_pattern
from portal_plugin.core.paging import Total, page_count
from portal_plugin.core.permissions import (
    AGENCY_PERMISSION,
    WORKFLOW_ACT,
    WORKFLOW_READ,
    WORKFLOW_REVIEW,
)
from portal_plugin.core.queryargs import date_range, district_arg, districts_of, page_size
from workflows import materials, numbering, records, service
from workflows.engine import (
    CASE_TYPES,
    DELIVERY,
    OFFICER_ACTIONS,
    STATUS_LABELS,
    TRANSITIONS,
    CaseType,
    case_type,
)
from workflows.models import Case
from workflows.records import RecordQuery
from workflows.schemas import CLOCKS

bp = Blueprint("cases", __name__)
BLUEPRINTS = (bp,)


@dataclass(frozen=True)
class Step:
    """One officer function of a workflow: its menu label and what its list shows."""

    wf: str
    step: str  # accept / review / view
    label: str
    group: str
    order: int
    # The list's own button (受理 / 审批 / 资料核查) opening the decision dialog.
    button: str | None = None


# Each case type's menu steps, in its menu order: 行政许可受理, 行政许可审批, 行政许可查看, ….
STEPS: tuple[Step, ...] = tuple(
    Step(wf.name, step.step, wf.label + step.word, wf.label, wf.menu_order + 10 * index,
         step.button)
    for wf in sorted(CASE_TYPES.values(), key=lambda wf: wf.menu_order)
    for index, step in enumerate(wf.steps))
# Which statuses a step's list offers (all of them when none is chosen).
STEP_STATUSES = {
    "accept": ("submitted", "returned", "rejected", "pending_review", "approved", "refused"),
    "review": ("pending_review", "approved", "refused"),
}
# The actions behind a step's own button (受理 opens accept / return / reject).
STEP_ACTIONS = {"accept": frozenset({"accept", "return", "reject", "grant"}),
                "review": frozenset({"approve", "refuse"})}
# What the confirmation says will happen, by action (after "点击确认后，本申请将").
EFFECTS = {"grant": "当场作出准予许可决定并办结（告知承诺制），发放许可证并开始事后核查期限",
           "accept": "予以受理，转入审批", "return": "退回申请人，申请人修改后可重新提交",
           "reject": "作受理不通过处理并办结", "approve": "作出决定并办结",
           "refuse": "作出决定并办结，申请人将收到原因"}
# The numbers a case page and a result message name, in this order.
RESULT_NUMBERS = (("license_number", "许可证编号"), ("decision_number", "决定文号"),
                  ("filing_number", "备案编号"), ("document_number", "注销文号"))
PER_PAGE = 20


def step_of(wf: str, name: str) -> Step | None:
    return next((s for s in STEPS if s.wf == wf and s.step == name), None)



def _page() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def list_view(step: Step) -> Callable[[], str]:
    """The list page of one function: the manual's query conditions, results, buttons."""

    def view() -> str:
        wf = case_type(step.wf)
        who = identity()
        offered = STEP_STATUSES[step.step]
        errors: dict[str, str] = {}
        status = request.args.get("status", "")
        if status and status not in offered:
            errors["status"] = "不是有效的状态"
            status = ""
        divisions = districts_of(who)
        division = district_arg(request.args, divisions, errors)
        submitted = date_range(request.args, "submitted_from", "submitted_to", errors)
        query = service.CaseQuery(
            status=status or None, statuses=None if status else offered,
            name=request.args.get("name") or None,
            credit_code=request.args.get("credit_code") or None,
            case_no=request.args.get("case_no") or None,
            division=division or None,
            submitted_from=submitted[0], submitted_to=submitted[1],
            page=_page(), per_page=(per_page := page_size(request.args, PER_PAGE)),
            after=request.args.get("after") or None,
            before=request.args.get("before") or None)
        try:
            cases, total = service.search(wf, who, query)
        except Invalid as exc:  # a page too deep to jump to, a garbled cursor
            errors.update(exc.fields)
            cases, total = [], Total.refused(exc)
        rows = [service.to_json(case, who) for case in cases]
        branches = service.branch_names([r["id"] for r in rows]) if wf.name == "branch" else {}
        case_url = url_pattern(".case_page", "case_id", wf=wf.name)
        for row in rows:
            row["branch_name"] = branches.get(row["id"])
            # The list's own button shows where this step's decision can be taken now.
            row["url"] = case_url(row["id"])
            row["act"] = not STEP_ACTIONS[step.step].isdisjoint(row["actions"])
            row["status_label"] = wf.list_label(row["status"])
        return render_template(
            "hrm/cases/list.html", step=step, wf=wf, rows=rows, total=total, page=query.page,
            pages=page_count(total, per_page), errors=errors,
            statuses=[(s, wf.list_label(s)) for s in offered], divisions=divisions,
            args=request.args)

    view.__doc__ = f"List the cases of {step.label}."
    return view


# The 查看 pages list the registry's records, whatever made them (an application, an officer's
# entry, the history import): each case type's RecordList says which.
def records_view(step: Step) -> Callable[[], str]:
    """The 查看 page of one function: approved records, the agency name opening the application."""

    def view() -> str:
        records = case_type(step.wf).records
        assert records is not None, "a 查看 step needs its case type's RecordList"
        who = identity()
        errors: dict[str, str] = {}
        status = request.args.get("status", "")
        if status and status not in records.statuses:
            errors["status"] = "不是有效的状态"
            status = ""
        divisions = districts_of(who)
        granted = date_range(request.args, "granted_from", "granted_to", errors)
        query = RecordQuery(
            name=request.args.get("name") or None,
            credit_code=request.args.get("credit_code") or None,
            number=request.args.get("number") or None, status=status or None,
            division=district_arg(request.args, divisions, errors) or None,
            granted_from=granted[0], granted_to=granted[1],
            page=_page(), per_page=(per_page := page_size(request.args, PER_PAGE)),
            after=request.args.get("after") or None,
            before=request.args.get("before") or None)
        try:
            rows, total, page, _ = records.search(who, query)
        except Invalid as exc:  # a page too deep to jump to, a garbled cursor
            errors.update(exc.fields)
            rows, total, page = [], Total.refused(exc), 1
        issued = service.issuing_cases(step.wf, records.result_key, rows)
        case_url = url_pattern(".case_page", "case_id", wf=step.wf)
        agency_url = url_pattern("hrm.agencies.detail", "agency_id")
        for row in rows:
            case_id = issued.get(row["id"])
            # Entered and imported records have no application: their agency's details instead.
            row["url"] = case_url(case_id) if case_id else agency_url(row["agency"]["id"])
        return render_template(
            "hrm/cases/records.html", step=step, records=records, rows=rows, total=total,
            page=page, pages=page_count(total, per_page), errors=errors, divisions=divisions,
            sources=RECORD_SOURCE, args=request.args)

    view.__doc__ = f"List the records of {step.label}."
    return view


for _step in STEPS:
    bp.add_url_rule(
        f"/{_step.wf}/{_step.step if _step.step != 'view' else 'records'}",
        f"{_step.wf}_{_step.step}",
        requires(f"{_step.wf}.{_step.step}",
                 menu=MenuItem(_step.label, _step.group, _step.order))(
            records_view(_step) if _step.step == "view" else list_view(_step)),
    )


EXPIRING_DAYS = 90


@bp.get("/licensing/expiring")
@requires("licensing.view")
def licensing_expiring() -> str:
    """即将到期: licences of the jurisdiction in force and ending within 90 days, by 有效期至
    (`?order=desc` latest first), with the days left."""
    who = identity()
    descending = request.args.get("order") == "desc"
    rows = records.expiring_licenses(who, EXPIRING_DAYS, descending=descending)
    agency_url = url_pattern("hrm.agencies.detail", "agency_id")
    for row in rows:
        row["url"] = agency_url(row["agency"]["id"])
    return render_template("hrm/cases/expiring.html", rows=rows, days=EXPIRING_DAYS,
                           descending=descending, divisions=districts_of(who))


def decision_buttons(wf: CaseType, dialog: str, offered: Collection[str] = ()
                     ) -> list[tuple[str, str, bool]]:
    """(action, button label, needs a reason) for the accept or review dialog; 告知承诺 cases'
    acceptance dialog leads with 【当场准予许可】 (when `offered` has it)."""
    actions = ("accept", "return", "reject") if dialog == "accept" else ("approve", "refuse")
    if dialog == "accept" and "grant" in offered:
        actions = ("grant", *actions)
    return [(a, wf.action_label(a), TRANSITIONS[a].reason_required) for a in actions]


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation of one decision names: the button, its effect, its reason box and
    (for an approval) the numbers that will be issued, previewed without being taken."""

    action: str
    label: str
    effect: str
    target: str  # the status the case will have
    reason_label: str | None  # 退回原因 / 不通过原因 / 核查不通过原因, when a reason is required
    numbers: tuple[tuple[str, str], ...]  # (label, previewed number)


def confirmation(wf: CaseType, case: Case, action: str) -> Confirmation:
    transition = TRANSITIONS[action]
    label = wf.action_label(action)
    numbers: tuple[tuple[str, str], ...] = ()
    if action in ("approve", "grant"):
        numbers = tuple((name, numbering.peek(kind, case.division_code, today()))
                        for kind, name in wf.issues(case))
    return Confirmation(action, label, EFFECTS[action], wf.status_label(transition.target),
                        f"{label}原因" if transition.reason_required else None, numbers)


def render_case(wf: CaseType, case_id: int, *, errors: dict[str, str] | None = None,
                message: str | None = None, status: int = 200) -> tuple[str, int]:
    who = identity()
    case = service.get(wf, case_id, who)
    data = service.applicant_view(wf, case, who, service.to_json(case, who, detail=True))
    data["status_label"] = wf.list_label(case.status)
    dialogs = [d for d in ("accept", "review")
               if any(TRANSITIONS[a].step == d for a in data["actions"] if a in TRANSITIONS)]
    buttons = {d: decision_buttons(wf, d, data["actions"]) for d in dialogs}
    confirms = {a: confirmation(wf, case, a) for d in dialogs for a, _, _ in buttons[d]
                if a in data["actions"]}
    step = step_of(wf.name, dialogs[0]) if dialogs else None
    return render_template(
        "hrm/cases/detail.html", wf=wf, case=data, dialogs=dialogs,
        buttons=buttons, confirms=confirms, errors=errors or {},
        message=message, steps={s.step: s for s in STEPS if s.wf == wf.name},
        labels=field_labels(), codes=code_labels(), action_labels=action_labels(wf),
        status_labels=STATUS_LABELS, delivery=DELIVERY, clocks=CLOCKS,
        today=today().isoformat(), back=(back := back_url(wf, step)), menu_url=back,
        numbers=RESULT_NUMBERS, **wf.application_context(case),
    ), status


def back_url(wf: CaseType, step: Step | None) -> str:
    """The list a case page returns to (返回列表): the step the officer can act in, else the
    first of the workflow's steps the officer may open (the menu item the page highlights)."""
    who = identity()
    candidates = ([step] if step else []) + [s for s in STEPS if s.wf == wf.name]
    for candidate in candidates:
        if who.can(wf.permission(candidate.step)):
            return url_for(f".{wf.name}_{candidate.step}")
    return url_for("hrm.pages.workbench")


@bp.get("/cases/<wf>/<int:case_id>")
@requires(*WORKFLOW_READ)
def case_page(wf: str, case_id: int) -> tuple[str, int]:
    """Show one case: the application, the decision, the numbers and the 流转记录."""
    return render_case(case_type(wf), case_id)


@bp.get("/cases/<wf>/<int:case_id>/materials/<int:material_id>")
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def material_file(wf: str, case_id: int, material_id: int) -> Response:
    """Open one application material inline (the read audited)."""
    return materials.response(*service.read_material(case_type(wf), case_id, material_id,
                                                     identity()))
@bp.get(f"/cases/<wf>/<int:case_id>/<any({', '.join(OFFICER_ACTIONS)}):action>/confirm")
@requires(*WORKFLOW_ACT)
def case_confirm(wf: str, case_id: int, action: str) -> str:
    """The confirmation of one decision as a page (the dialog's fallback without script)."""
    workflow = case_type(wf)
    who = identity()
    case = service.get(workflow, case_id, who)
    step = step_of(wf, TRANSITIONS[action].step)
    return render_template(
        "hrm/cases/confirm.html", wf=workflow, case=service.to_json(case, who),
        confirm=confirmation(workflow, case, action), back=(back := back_url(workflow, step)),
        menu_url=back, reason=request.args.get("reason", ""),
        available=action in service.allowed_actions(workflow, case, who))


def result_message(wf: CaseType, case: Case, action: str) -> str:
    """What the decision did, naming the numbers it issued (已准予许可，许可证编号…，决定文号…)."""
    label = wf.action_label(action)
    words = {"accept": "已受理", "return": "已退回申请人",
             "reject": "已作受理不通过处理"}.get(action, f"已{label}")
    issued = [f"{name}{case.result[key]}" for key, name in RESULT_NUMBERS
              if action in ("approve", "grant") and case.result and case.result.get(key)]
    return f"{case.case_no} " + "，".join([words, *issued])


@bp.post(f"/cases/<wf>/<int:case_id>/<any({', '.join(OFFICER_ACTIONS)}):action>")
@requires(*WORKFLOW_ACT)
def case_action(wf: str, case_id: int, action: str) -> Response:
    """Take the decision the officer confirmed (受理 / 退回 / 不通过 / 准予 / 不予); a refusal
    goes back to the case page with its message (no re-post on refresh)."""
    workflow = case_type(wf)
    case_url = url_for(".case_page", wf=wf, case_id=case_id)

    def done(case: Case) -> tuple[str, str]:
        step = step_of(wf, TRANSITIONS[action].step)
        return (result_message(workflow, case, action),
                url_for(f".{wf}_{step.step}") if step else case_url)

    def refused(errors: Mapping[str, str], message: str | None, status: int) -> Response:
        label = workflow.action_label(action)
        for field, text in errors.items():
            text = text.replace("原因", f"{label}原因") if field == "reason" else text
            flash(f"未能{label}：{text}", "error")
        if message:
            flash(f"未能{label}：{message}", "error")
        return redirect(case_url, 303)

    return action_post(
        lambda: service.act(workflow, case_id, action, identity(), {
            "reason": request.form.get("reason", ""), "version": form_version()}),
        done, refused)  # type: ignore[arg-type]


@bp.post("/cases/<wf>/<int:case_id>/extend")
@requires(*WORKFLOW_REVIEW)
def case_extend(wf: str, case_id: int) -> Response | tuple[str, int]:
    """【延长审批期限】: once, with the reason the agency is told."""
    workflow = case_type(wf)
    return action_post(
        lambda: service.extend(workflow, case_id, identity(), {
            "reason": request.form.get("reason", ""), "version": form_version()}),
        lambda case: (f"{case.case_no} 已延长审批期限至{case.decision_due.isoformat()}",
                      url_for(".case_page", wf=wf, case_id=case_id)),
        lambda errors, message, status: render_case(
            workflow, case_id, errors={f"extend_{k}": v for k, v in errors.items()},
            message=message, status=status))


@bp.post("/cases/licensing/<int:case_id>/issue")
@requires("licensing.accept")
def case_issue(case_id: int) -> Response | tuple[str, int]:
    """【登记发证】: the day and way the certificate was delivered."""
    workflow = case_type("licensing")
    return action_post(
        lambda: service.issue(workflow, case_id, identity(), {
            "issued_on": request.form.get("issued_on", ""),
            "delivery": request.form.get("delivery", ""), "version": form_version()}),
        lambda case: (f"{case.case_no} 已登记发证（{DELIVERY[case.delivery]}）",
                      url_for(".case_page", wf="licensing", case_id=case_id)),
        lambda errors, message, status: render_case(workflow, case_id, errors=dict(errors),
                                                    message=message, status=status))


def field_labels() -> dict[str, str]:
    """The case pages' field labels: the agency fields' (one table in core)."""
    return dict(schemas.AGENCY_LABELS)


def code_labels() -> dict[str, dict[str, str]]:
    """Labels for every coded field a case page shows."""
    return {
        "agency_type": catalog.labels("agency_type"),
        "division": catalog.districts(),
        "legal_rep_id_type": catalog.labels("id_type"),
        "license_items": catalog.labels("license_item"),
        "filing_items": catalog.labels("filing_item"),
        "ground": catalog.labels("deregistration_ground"),
    }


def action_labels(wf: CaseType) -> dict[str, str]:
    """The 流转记录's words for each action."""
    return {"create": "创建", "edit": "修改", "extend": "延长审批期限", "issue": "登记发证",
            "commit": "签署告知承诺书", "inspect": "事后核查",
            "deem": "视为准予延续",
            "material_upload": "上传申请材料", "material_delete": "删除申请材料",
            **{a: wf.action_label(a) for a in TRANSITIONS}}


@bp.app_template_filter("local_time")
def local_time(value: str | None) -> str:
    """An ISO timestamp as the bureau's local 'YYYY-MM-DD HH:MM' (isoformat, not strftime: a
    list writes one per row, and strftime costs twice as much)."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(local_zone()).isoformat(" ", "minutes")[:16]


# The clock marks of a list row or a case (办理时限: DOMAIN.md "Deadlines"), `row` being
# service.to_json. Written as HTML here, not as Jinja macros: a macro call costs about 29,000
# instructions, and the two per row of the 受理 list were 10 % of the page (bench/README).
# The marks are f-strings whose one text value, the due date, is escaped, the rest being
# whole numbers and this module's fixed words (hence the S704 waivers): Markup's own % and
# .format escape too, at 5 % of the page. The row's HTML is a plain str (core.pages.html_text
# escapes), made Markup once, where a template takes it.
CLOCK_LABELS = {"accept": "受理期限", "decision": "审批期限", "issue": "发证期限"}
TAGS = (("deemed_accepted", ' <span class="mark tag">视为受理</span>'),
        ("extended", ' <span class="mark tag">已延期</span>'))


def _deadline_html(row: Mapping[str, Any]) -> str:
    left = row["days_left"]
    if left is None:
        return '<span class="muted">—</span>'
    due = html_text(row["deadline"])
    if row["deadline_flag"] == "red":
        return f'<span class="mark red" title="截止 {due}">已超期{-int(left)}个工作日</span>'
    marked = ' class="mark yellow"' if row["deadline_flag"] == "yellow" else ""
    return f'<span{marked} title="截止 {due}">剩余{int(left)}个工作日</span>'


def _clock_html(row: Mapping[str, Any]) -> str:
    clock = row["clock"]
    return "".join((
        f'<span class="muted">{CLOCK_LABELS[clock]}</span> ' if clock else "",
        _deadline_html(row),
        *(tag for key, tag in TAGS if row[key]),
        ' <span class="mark tag">待登记发证</span>' if clock == "issue" else ""))


@bp.app_template_global("deadline_mark")
def deadline_mark(row: Mapping[str, Any]) -> Markup:
    """The working days left to the running clock's due date (red when overdue, yellow when
    due soon), the date itself in the title; a dash when no clock runs."""
    return Markup(_deadline_html(row))  # noqa: S704


@bp.app_template_global("clock_mark")
def clock_mark(row: Mapping[str, Any]) -> Markup:
    """The running clock's name and deadline mark, and the tags 视为受理 / 已延期 / 待登记发证."""
    return Markup(_clock_html(row))  # noqa: S704


@bp.app_template_global("case_rows")
def case_rows(rows: list[dict[str, Any]], step: Step, divisions: Mapping[str, str]) -> Markup:
    """The rows of a 受理 / 审核 list (cases/list.html's table body), `rows` being list_view's:
    written here, as the clock marks are, because the row loop in Jinja was a fifth of the
    page's instructions. Every text value is escaped (hence the S704 waiver)."""
    if not rows:
        return Markup('<tr><td colspan="8" class="empty">没有符合条件的数据</td></tr>')
    act = f'#dialog-{html_text(step.step)}">{html_text(step.button)}</a>'
    html = []
    for row in rows:
        url, agency, branch = html_text(row["url"]), row["agency"], row["branch_name"]
        branch_note = f'<div class="muted">分支机构：{html_text(branch)}</div>' if branch else ""
        action = f'<a class="button" href="{url}{act}' if row["act"] else f'<a href="{url}">查看</a>'
        district = divisions.get(row["division"], row["division"])
        html.append(
            f'<tr>\n    <td class="code">{html_text(row["case_no"])}</td>\n'
            f'    <td class="text"><a href="{url}">{html_text(agency["name"])}</a>{branch_note}</td>\n'
            f'    <td class="code">{html_text(agency["credit_code"])}</td>\n'
            f'    <td class="district">{html_text(district)}</td>\n'
            f'    <td class="date">{html_text(local_time(row["submitted_at"]))}</td>\n'
            f'    <td><span class="status {html_text(row["status"])}">{html_text(row["status_label"])}'
            f'</span></td>\n    <td>{_clock_html(row)}</td>\n'
            f'    <td class="actions">{action}</td>\n  </tr>')
    return Markup("\n  ".join(html))  # noqa: S704


@bp.app_template_filter("code_label")
def code_label(value: Any, mapping: dict[str, str]) -> str:
    if isinstance(value, list):
        return "、".join(mapping.get(v, v) for v in value)
    return mapping.get(value, value) if value is not None else ""
