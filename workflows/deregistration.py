"""注销 deregistration: an agency gives up its licence and/or filing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal_plugin.core import audit, catalog
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import MAX_ID, Agency, Filing, License
from portal_plugin.core.validation import Checker, Code
from workflows import common, forms, numbering
from workflows.engine import OPEN_STATUSES, CaseType, Context, register
from workflows.models import Case

MODELS: dict[str, type[License] | type[Filing]] = {"license": License, "filing": Filing}


def _targets(check: Checker, body: Mapping[str, Any], agency: Agency) -> list[dict[str, Any]]:
    raw = body.get("targets")
    if not isinstance(raw, list) or not raw:
        check.fail("targets", "请选择要注销的许可证或业务备案")
        return []
    targets: list[dict[str, Any]] = []
    for index, target in enumerate(raw):
        path = f"targets[{index}]"
        kind = target.get("kind") if isinstance(target, Mapping) else None
        ident = target.get("id") if isinstance(target, Mapping) else None
        if (kind not in MODELS or not isinstance(ident, int) or isinstance(ident, bool)
                or not 0 < ident <= MAX_ID):
            check.fail(path, "应为 {\"kind\": \"license\" 或 \"filing\", \"id\": 数字}")
            continue
        record = db.session.get(MODELS[kind], ident)
        if record is None or record.agency_id != agency.id:
            check.fail(path, "不是本机构的许可证或业务备案")
        elif (record.effective_status() if isinstance(record, License)
              else record.status) != "valid":
            check.fail(path, "该记录已不是有效状态")
        elif {"kind": kind, "id": ident} in targets:
            check.fail(path, "重复选择")
        else:
            targets.append({"kind": kind, "id": ident})
    return targets


def _already_requested(targets: list[dict[str, Any]], agency: Agency, case: Case | None) -> bool:
    """Whether an open 注销 case names one of these records: only the agency's own cases can."""
    query = select(Case.payload).where(Case.credit_code == agency.credit_code,
                                       Case.workflow == "deregistration",
                                       Case.status.in_(OPEN_STATUSES))
    if case is not None:
        query = query.where(Case.id != case.id)
    pending = [t for payload in db.session.scalars(query) for t in payload.get("targets", [])]
    return any(t in pending for t in targets)


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    body = common.body_object(body)
    check = Checker()
    agency = common.registered_applicant(check, body, identity)
    ground = check.value(Code("deregistration_ground"), body, "ground")
    targets = _targets(check, body, agency) if agency is not None else []
    if not check.errors and agency is not None and _already_requested(targets, agency, case):
        check.fail("targets", "所选记录已有办理中的注销申请")
    if check.errors or agency is None:
        raise Invalid(check.errors)
    return {"agency": common.snapshot(agency), "targets": targets, "ground": ground}


def form_body(form: MultiDict[str, str], agency: Agency | None) -> dict[str, Any]:
    """The form's ticked records (`license:7`) as the body's targets."""
    return {**forms.nested(form),
            "targets": [{"kind": kind, "id": int(ident)} for kind, _, ident in
                        (t.partition(":") for t in form.getlist("targets[]")) if ident.isdigit()]}


def form_context(agency: Agency | None) -> dict[str, Any]:
    """(value, label, number) of the agency's valid licence and filing, to tick on the form."""
    records = []
    if agency is not None:
        license_ = common.valid_license(agency.id)
        filing = common.valid_filing(agency.id)
        if license_:
            records.append((f"license:{license_.id}", "人力资源服务许可证", license_.license_number))
        if filing:
            records.append((f"filing:{filing.id}", "业务备案", filing.filing_number))
    return {"records": records}


def approve(case: Case, ctx: Context) -> dict[str, Any]:
    """Deregister the named records; an agency with nothing valid left becomes 已注销."""
    agency = common.agency_by_credit_code(case.credit_code, lock=True)
    common.require(agency is not None, "该机构已不在登记状态")
    assert agency is not None
    ground = catalog.labels("deregistration_ground").get(case.payload["ground"])
    document = numbering.issue("deregistration", case.division_code, ctx.today)
    done = []
    for target in case.payload["targets"]:
        record = db.session.get(MODELS[target["kind"]], target["id"], with_for_update=True)
        common.require(record is not None and (
            record.effective_status(ctx.today) if isinstance(record, License)
            else record.status) == "valid", "所选记录已不是有效状态")
        assert record is not None
        before = common.end_record(record, "deregistered", ground, ctx.today, document,
                                   ctx.identity)
        audit.record(ctx.identity, "deregister", target["kind"], record.id, from_state=before,
                     to_state="deregistered", reason=ground,
                     data={"case": case.id, "document": document})
        done.append(target)
    agency_closed = common.close_agency_if_empty(agency, ctx.today)
    case.agency_id = agency.id
    return {"agency_id": agency.id, "deregistered": done, "document_number": document,
            "agency_deregistered": agency_closed}


def application_context(case: Case) -> dict[str, Any]:
    """The records the case ends, as its officers must see them: 许可证编号 / 备案编号, items,
    validity and status, keyed like the payload's targets (`license:7`)."""
    shown: dict[str, dict[str, Any]] = {}
    for target in case.payload.get("targets", []):
        record = db.session.get(MODELS[target["kind"]], target["id"])
        if record is None:
            continue
        if isinstance(record, License):
            shown[f"license:{record.id}"] = {
                "label": "人力资源服务许可证", "number": record.license_number,
                "item_labels": catalog.labels("license_item"), "codes": record.items,
                "from": record.issued_on, "until": record.valid_until, "status": record.status}
        else:
            shown[f"filing:{record.id}"] = {
                "label": "业务备案", "number": record.filing_number,
                "item_labels": catalog.labels("filing_item"), "codes": record.items,
                "from": record.filed_on, "until": None, "status": record.status}
    return {"target_records": shown}


DEREGISTRATION = register(CaseType(
    name="deregistration",
    label="注销",
    kind_code="ZX",
    validate=validate,
    approve=approve,
    status_labels={"approved": "已通过", "refused": "不通过"},
    action_labels={"approve": "通过", "refuse": "不通过"},
    issues=lambda case: (("deregistration", "注销文号"),),
    apply_label="申请注销",
    form_template="hrm/agency/deregistration.html",
    application_template="hrm/cases/deregistration.html",
    menu_order=110,
    form_body=form_body,
    form_context=form_context,
    application_context=application_context,
))
