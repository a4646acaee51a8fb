"""业务备案 filing: an agency files the HR services other than 职业中介活动."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import FILING_STATUS, Filing
from workflows import common, numbering, records
from workflows.engine import ACCEPT, VIEW, CaseType, Context, MenuStep, RecordList, register
from workflows.models import Case


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    return common.first_application(
        body, identity, case, workflow="filing", items="filing_items", kind="filing_item",
        holds=common.valid_filing, held="本机构已有有效的业务备案，如需调整备案事项请申请事项变更",
        pending="本机构已有办理中的业务备案申请")


def approve(case: Case, ctx: Context) -> dict[str, Any]:
    """Record the filing with its 备案编号; create or update the agency."""
    agency, changed = common.upsert_agency(case)
    common.require(common.valid_filing(agency.id) is None, "该机构已有有效的业务备案")
    filing = Filing(
        agency_id=agency.id,
        filing_number=numbering.issue("filing", case.division_code, ctx.today),
        items=case.payload["filing_items"],
        filed_on=ctx.today,
        source="application",
    )
    db.session.add(filing)
    db.session.flush()
    case.agency_id = agency.id
    return {"filing_id": filing.id, "filing_number": filing.filing_number,
            "agency_id": agency.id, **({"agency_changes": changed} if changed else {})}


FILING = register(CaseType(
    name="filing",
    label="业务备案",
    kind_code="BA",
    validate=validate,
    approve=approve,
    status_labels={"approved": "核查通过", "refused": "核查不通过"},
    action_labels={"approve": "核查通过", "refuse": "核查不通过"},
    issues=lambda case: (("filing", "备案编号"),),
    apply_label="申请业务备案",
    form_template="hrm/agency/filing.html",
    application_template="hrm/cases/first_application.html",
    menu_order=40,
    steps=(ACCEPT, MenuStep("review", "核查", "资料核查"), VIEW),
    records=RecordList(
        search=records.search_filings, number="filing_number", number_label="备案编号",
        granted="filed_on", granted_label="备案日期", result_key="filing_id",
        statuses=FILING_STATUS),
))
