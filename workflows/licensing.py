"""行政许可 licensing: an agency applies for the 人力资源服务许可证 (职业中介活动)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import LICENSE_STATUS, License
from workflows import common, numbering, records
from workflows.engine import ACCEPT, REVIEW, VIEW, CaseType, Context, RecordList, register
from workflows.models import Case


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    return common.first_application(
        body, identity, case, workflow="licensing", items="license_items", kind="license_item",
        holds=common.valid_license,
        held="本机构已持有有效的人力资源服务许可证，如需调整许可事项请申请事项变更",
        pending="本机构已有办理中的行政许可申请")


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
        valid_until=common.add_years(ctx.today, current_app.config["LICENSE_VALID_YEARS"]),
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
    status_labels={"approved": "通过", "refused": "不通过"},
    action_labels={"approve": "准予许可", "refuse": "不予许可"},
    apply_label="申请行政许可",
    form_template="hrm/agency/licensing.html",
    application_template="hrm/cases/first_application.html",
    menu_order=10,
    steps=(ACCEPT, REVIEW, VIEW),
    issuance=True,
    issues=lambda case: (("license", "许可证编号"), ("decision", "决定文号")),
    records=RecordList(
        search=records.search_licenses, number="license_number", number_label="许可证编号",
        granted="issued_on", granted_label="发证日期", result_key="license_id",
        statuses=LICENSE_STATUS, valid_until=True),
))
