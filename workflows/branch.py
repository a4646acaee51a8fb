"""设立分支机构报告 branch report: a branch inherits its parent's licence and filing items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal_plugin.core import schemas
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import Agency, Filing, License
from portal_plugin.core.validation import Checker
from workflows import common, numbering
from workflows.engine import ACCEPT, CaseType, Context, MenuStep, register
from workflows.models import Case


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    body = common.body_object(body)
    check = Checker()
    parent = common.registered_applicant(check, body, identity)
    given = check.obj(body, "branch", "branch")
    branch = schemas.agency(check, given, "branch") if given is not None else {}
    if check.errors or parent is None:
        raise Invalid(check.errors)
    if branch["credit_code"] == parent.credit_code:
        check.fail("branch.credit_code", "分支机构的统一社会信用代码不能与本机构相同")
    elif common.agency_by_credit_code(branch["credit_code"]) is not None:
        check.fail("branch.credit_code", "该统一社会信用代码的机构已登记")
    if common.valid_license(parent.id) is None and common.valid_filing(parent.id) is None:
        check.fail("agency", "本机构没有有效的许可证或业务备案，无需报告设立分支机构")
    if check.errors:
        raise Invalid(check.errors)
    return {"agency": common.snapshot(parent), "branch": branch}


def approve(case: Case, ctx: Context) -> dict[str, Any]:
    """Create the branch agency and give it the parent's licence and filing items."""
    parent = common.agency_by_credit_code(case.credit_code, lock=True)
    common.require(parent is not None and parent.status == "valid", "上级机构已不在登记状态")
    assert parent is not None
    data = case.payload["branch"]
    common.require(common.agency_by_credit_code(data["credit_code"]) is None,
                   "该统一社会信用代码的机构已登记")
    branch = Agency(credit_code=data["credit_code"], parent_id=parent.id, source="application",
                    status="valid")
    for key, column in common.AGENCY_COLUMNS.items():
        setattr(branch, column, data.get(key))
    db.session.add(branch)
    db.session.flush()
    result: dict[str, Any] = {"agency_id": branch.id, "parent_id": parent.id}
    division = case.division_code
    parent_license = common.valid_license(parent.id)
    if parent_license is not None:
        license_ = License(
            agency_id=branch.id, items=list(parent_license.items), issued_on=ctx.today,
            license_number=numbering.issue("license", division, ctx.today),
            valid_until=parent_license.valid_until, issuing_division=division,
            certificate_issued_on=ctx.today, parent_license_id=parent_license.id,
            issuing_authority=common.authority_name(division), source="application")
        db.session.add(license_)
        db.session.flush()
        result.update(license_id=license_.id, license_number=license_.license_number)
    parent_filing = common.valid_filing(parent.id)
    if parent_filing is not None:
        filing = Filing(agency_id=branch.id, items=list(parent_filing.items),
                        filed_on=ctx.today, source="application",
                        parent_filing_id=parent_filing.id,
                        filing_number=numbering.issue("filing", division, ctx.today))
        db.session.add(filing)
        db.session.flush()
        result.update(filing_id=filing.id, filing_number=filing.filing_number)
    case.agency_id = branch.id
    return result


def issues(case: Case) -> tuple[tuple[str, str], ...]:
    """The numbers approval will issue: a 许可证编号 and / or a 备案编号, as the parent holds them."""
    parent = common.agency_by_credit_code(case.credit_code)
    if parent is None:
        return ()
    return ((("license", "许可证编号"),) if common.valid_license(parent.id) else ()) + \
        ((("filing", "备案编号"),) if common.valid_filing(parent.id) else ())


BRANCH = register(CaseType(
    name="branch",
    label="设立分支机构报告",
    kind_code="FZ",
    validate=validate,
    approve=approve,
    status_labels={"approved": "审核通过", "refused": "审核不通过"},
    action_labels={"approve": "确定", "refuse": "不通过"},
    # A branch report goes to the bureau where the branch is located.
    division_of=lambda payload: payload["branch"]["division"],
    apply_label="报告设立分支机构",
    form_template="hrm/agency/branch.html",
    application_template="hrm/cases/branch.html",
    menu_order=90,
    steps=(ACCEPT, MenuStep("review", "审核", "资料核查")),
    issues=issues,
))
