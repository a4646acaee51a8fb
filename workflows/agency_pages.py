"""The agency clerk's pages (单位端): the agency's home, the application forms, its cases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core import catalog
from portal_plugin.core.access import AGENCY_SIDE, MenuItem, identity, requires
from portal_plugin.core.api import form_version
from portal_plugin.core.clock import today
from portal_plugin.core.errors import Conflict, Invalid
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import own_agency
from portal_plugin.core.models import FILING_STATUS, LICENSE_STATUS, Agency
from portal_plugin.core.pages import form_post
from portal_plugin.core.permissions import AGENCY_PERMISSION
from workflows import common, materials, renewal, service
from workflows.commitment import PROCEDURES
from workflows.engine import CASE_TYPES, CaseType, case_type
from workflows.pages import action_labels, code_labels, field_labels

bp = Blueprint("agency", __name__, url_prefix="/agency")
BLUEPRINTS = (bp,)

# The agency side's menu: its home, then one application form per case type, in menu order.
FORMS = tuple(sorted(CASE_TYPES.values(), key=lambda wf: wf.menu_order))


@bp.get("/")
@requires(AGENCY_PERMISSION, menu=MenuItem("本机构信息", "单位端", 1000, side=AGENCY_SIDE))
def home() -> str:
    """Show the clerk's agency, its licences and filings, and all its applications."""
    who = identity()
    agency = own_agency(who)
    cases = [(case_type(case.workflow), service.to_json(case, who))
             for case in service.own_cases(who)]
    held = common.valid_license(agency.id) if agency is not None else None
    return render_template(
        "hrm/agency/home.html", agency=agency, credit_code=who.agency_credit_code, cases=cases,
        license_status=LICENSE_STATUS, filing_status=FILING_STATUS, codes=code_labels(),
        forms=FORMS, held=held, days_left=(held.valid_until - today()).days
        if held is not None and held.valid_until else None,
        renewable=renewal.renewable(held),
        renewing=held is not None and renewal.open_renewal(held.id, held.agency.credit_code),
        renewal_window=renewal.window(held.valid_until)
        if held is not None and held.valid_until else None)


def render_form(wf: CaseType, values: Mapping[str, Any], *, case: dict[str, Any] | None = None,
                errors: Mapping[str, str] | None = None, status: int = 200,
                blocked: str | None = None) -> tuple[str, int]:
    who = identity()
    agency = own_agency(who)
    have = {m["kind"]: m for m in (case or {}).get("materials", ())}
    return render_template(
        wf.form_template, wf=wf, values=values, case=case, errors=errors or {}, agency=agency,
        checklist=checklist(wf.name, have),
        labels=field_labels(), choices=_choices(), codes=code_labels(),
        action_labels=action_labels(wf), credit_code=who.agency_credit_code, blocked=blocked,
        # A case page highlights 本机构信息, the list it returns to; a new form its own item.
        **({"menu_url": url_for(".home")} if case else {}),
        **wf.form_context(agency),
    ), status


def checklist(workflow: str, have: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every material any procedure of the workflow asks for, with the procedures that require
    it (a licensing form offers both 一般程序 and 告知承诺制) and the file the case carries."""
    procedures = catalog.procedures_of(workflow)
    rows: dict[str, dict[str, Any]] = {}
    for procedure in procedures:
        for m in catalog.materials(workflow, procedure):
            row = rows.setdefault(m.code, {"code": m.code, "label": m.label, "required_in": [],
                                           "file": have.get(m.code)})
            if m.required:
                row["required_in"].append(PROCEDURES.get(procedure, procedure))
    for row in rows.values():
        row["required"] = bool(row["required_in"])
        row["only_some"] = len(procedures) > 1 and len(row["required_in"]) < len(procedures)
    return list(rows.values())


def _choices() -> dict[str, dict[str, str]]:
    return {
        "agency_type": catalog.labels("agency_type", active_only=True),
        "division": catalog.districts(),
        "legal_rep_id_type": catalog.labels("id_type"),
        "license_items": catalog.labels("license_item", active_only=True),
        "filing_items": catalog.labels("filing_item", active_only=True),
        "ground": catalog.labels("deregistration_ground"),
    }


def uploads() -> dict[str, tuple[str, bytes]]:
    """The materials the form brings (file inputs `materials.<kind>`); the service checks them."""
    return {key.split(".", 1)[1]: (file.filename, materials.read_limited(file.stream))
            for key, file in request.files.items(multi=False)
            if key.startswith("materials.") and file.filename}


def _defaults(wf: CaseType, identity: Identity) -> dict[str, Any]:
    """A new form starts from what the registry already knows about the agency."""
    agency = own_agency(identity)
    base = common.snapshot(agency) if agency else {"credit_code": identity.agency_credit_code}
    return {"agency": base}


# Why a clerk's agency cannot apply now, told before the form is filled (the same rules the
# submission checks in workflows.common: a held record, an open case, an unregistered agency).
HELD = {"licensing": (common.valid_license, "本机构已持有有效的人力资源服务许可证，不能再申请行政许可；"
                                              "如需调整许可事项请申请事项变更"),
        "filing": (common.valid_filing, "本机构已有有效的业务备案，不能再申请业务备案；"
                                        "如需调整备案事项请申请事项变更")}
NEEDS_REGISTRY = frozenset({"change", "branch", "deregistration"})


def cannot_apply(wf: CaseType, agency: Agency | None, credit_code: str | None) -> str | None:
    if wf.name in HELD and agency is not None:
        holds, message = HELD[wf.name]
        if holds(agency.id):
            return message
    if wf.name in NEEDS_REGISTRY and (agency is None or agency.status != "valid"):
        return "本机构尚未登记或已注销，请先申请行政许可或业务备案"
    if credit_code and common.open_case_exists(wf.name, credit_code, None):
        return f"本机构已有办理中的{wf.label}申请，请在“本机构信息”中查看办理进度"
    return None


def apply_view(wf_name: str) -> Callable[[], Response | tuple[str, int]]:
    def view() -> Response | tuple[str, int]:
        wf = case_type(wf_name)
        who = identity()
        if request.method == "GET":
            return render_form(wf, _defaults(wf, who), blocked=cannot_apply(
                wf, own_agency(who), who.agency_credit_code))
        body = wf.form_body(request.form, own_agency(who))
        return form_post(
            lambda: service.create(wf, who, body, submit=request.form.get("intent") == "submit",
                                   uploads=uploads()),
            lambda case: (f"{wf.label}申请已{'提交' if case.status == 'submitted' else '保存为草稿'}",
                          url_for(".case_page", wf=wf.name, case_id=case.id)),
            lambda errors, status: render_form(wf, body, errors=errors, status=status))

    view.__doc__ = f"Fill in and save or submit a {wf_name} application."
    return view


for _order, _wf in enumerate(FORMS, start=1):
    bp.add_url_rule(f"/apply/{_wf.name}", f"apply_{_wf.name}",
                    requires(AGENCY_PERMISSION,
                             menu=MenuItem(_wf.apply_label, "单位端", 1000 + _order, side=AGENCY_SIDE))(
                        apply_view(_wf.name)),
                    methods=["GET", "POST"])


@bp.route("/cases/<wf>/<int:case_id>", methods=["GET", "POST"])
@requires(AGENCY_PERMISSION)
def case_page(wf: str, case_id: int) -> Response | tuple[str, int]:
    """Show one of the agency's cases; edit and (re)submit it while it is a draft or returned."""
    workflow = case_type(wf)
    who = identity()
    case = service.get(workflow, case_id, who)
    data = service.to_json(case, who, detail=True)
    if request.method == "GET":
        return render_form(workflow, case.payload, case=data)
    body = workflow.form_body(request.form, own_agency(who))
    try:
        service.edit(workflow, case_id, who, body, version=form_version(), uploads=uploads())
        if request.form.get("intent") == "submit":
            service.act(workflow, case_id, "submit", who)
    except Invalid as exc:
        return render_form(workflow, body, case=data, errors=exc.fields, status=422)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for(".case_page", wf=wf, case_id=case_id))
    flash("已重新提交" if request.form.get("intent") == "submit" else "已保存", "success")
    return redirect(url_for(".case_page", wf=wf, case_id=case_id))
