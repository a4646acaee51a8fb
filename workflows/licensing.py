"""行政许可 licensing: an agency applies for the 人力资源服务许可证 (职业中介活动)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from portal_plugin.core.access import identity
from portal_plugin.core.check_digits import id_number_problem
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import LICENSE_STATUS, Agency, License
from portal_plugin.core.validation import MESSAGES, Checker
from workflows import commitment, common, forms, numbering, records
from workflows.engine import ACCEPT, REVIEW, VIEW, CaseType, Context, RecordList, register
from workflows.models import Case
from workflows.schemas import MIN_FULL_TIME_STAFF, StaffMember


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    body = common.body_object(body)
    check = Checker()
    # 告知承诺制: the applicant promises the conditions (Art 7) instead of proving them here.
    ordinary = body.get("procedure") != "commitment"
    members = staff(check, body.get("staff")) if ordinary or body.get("staff") else []
    payload = common.first_application(
        body, identity, case, workflow="licensing", items="license_items", kind="license_item",
        holds=common.valid_license,
        held="本机构已持有有效的人力资源服务许可证，如需调整许可事项请申请事项变更",
        pending="本机构已有办理中的行政许可申请", also=check)
    # 一般程序 or 告知承诺制 (with the accepted 承诺书): Invalid on procedure / commitment_accepted.
    return {**payload, "staff": members,
            **commitment.procedure(body, identity, case)}


def form_context(agency: Agency | None) -> dict[str, Any]:
    """The licensing form's procedure choice: the bureau's texts, and whether the clerk's agency
    is on the exclusion list (the form says so before it is filled in)."""
    entry = commitment.active_exclusion(identity().agency_credit_code)
    return {"procedures": commitment.PROCEDURES, "commitment_texts": commitment.texts(),
            "excluded": commitment.excluded_message(entry) if entry else None}


def form_body(form: MultiDict[str, str], agency: Agency | None = None) -> dict[str, Any]:
    """The licensing form: its staff table's rows (`staff.<n>.<field>`) as the body's list,
    blank rows left out and 是否专职 a checkbox."""
    body = forms.nested(form, agency)
    rows = body.get("staff")
    if isinstance(rows, Mapping):
        ordered = [rows[k] for k in sorted(rows, key=lambda k: (len(k), k)) if isinstance(rows[k], Mapping)]
        body["staff"] = [{**row, "full_time": row.get("full_time") == "1"} for row in ordered
                         if any(row.get(f) for f in ("name", "id_no", "position"))]
    return body


TOO_FEW_STAFF = f"专职工作人员不少于{MIN_FULL_TIME_STAFF}名（《人力资源服务机构管理规定》第六条）"


def staff(check: Checker, rows: Any) -> list[dict[str, Any]]:
    """The 专职工作人员 list: each member's facts (a 居民身份证 with its check digit), and at
    least three of them full-time."""
    if not isinstance(rows, list):
        check.fail("staff", TOO_FEW_STAFF if rows in (None, "") else MESSAGES["list_type"])
        return []
    members = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            check.fail(f"staff.{i}", MESSAGES["object_type"])
            continue
        member = check.model(StaffMember, row, f"staff.{i}")
        if member.get("id_type") == "resident_id" and member.get("id_no"):
            member["id_no"] = member["id_no"].upper()
            wrong = id_number_problem(member["id_no"])
            if wrong:
                check.fail(f"staff.{i}.id_no", wrong)
        members.append(member)
    if sum(1 for m in members if m.get("full_time") is True) < MIN_FULL_TIME_STAFF:
        check.fail("staff", TOO_FEW_STAFF)
    return members


def approve(case: Case, ctx: Context) -> dict[str, Any]:
    """Issue the licence: 许可证编号 and 决定文号; create or update the agency."""
    agency, changed = common.upsert_agency(case)
    common.require(common.valid_license(agency.id) is None, "该机构已持有有效的许可证")
    division = case.division_code
    license_ = License(
        agency_id=agency.id,
        license_number=numbering.issue("license", division, ctx.today),
        decision_number=numbering.issue("decision", division, ctx.today),
        items=case.payload["license_items"],
        issued_on=ctx.today,
        certificate_issued_on=ctx.today,
        valid_until=common.license_valid_until(ctx.today),
        issuing_authority=common.authority_name(division),
        issuing_division=division,
        source="application",
    )
    db.session.add(license_)
    db.session.flush()
    case.agency_id = agency.id
    return {"license_id": license_.id, "license_number": license_.license_number,
            "decision_number": license_.decision_number, "agency_id": agency.id,
            **({"agency_changes": changed} if changed else {})}


LICENSING = register(CaseType(
    name="licensing",
    label="行政许可",
    kind_code="XK",
    validate=validate,
    approve=approve,
    form_body=form_body,
    status_labels={"approved": "通过", "refused": "不通过"},
    action_labels={"approve": "准予许可", "refuse": "不予许可"},
    apply_label="申请行政许可",
    form_template="hrm/agency/licensing.html",
    application_template="hrm/cases/first_application.html",
    menu_order=10,
    steps=(ACCEPT, REVIEW, VIEW),
    issuance=True,
    form_context=form_context,
    issues=lambda case: (("license", "许可证编号"), ("decision", "决定文号")),
    records=RecordList(
        search=records.search_licenses, number="license_number", number_label="许可证编号",
        granted="issued_on", granted_label="发证日期", result_key="license_id",
        statuses=LICENSE_STATUS, valid_until=True),
))
