"""事项变更 change report: name, legal representative, address or other registered facts change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from portal_plugin.core import schemas
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import Agency
from portal_plugin.core.validation import Checker, Codes
from workflows import certificates, common, forms
from workflows.engine import CaseType, Context, register
from workflows.models import Case

AGENCY_FIELDS = ("name", "address", "legal_rep", "legal_rep_id_type", "legal_rep_id_no",
                 "agency_type", "division")
ITEM_FIELDS = {"license_items": "license_item", "filing_items": "filing_item"}
# The change form's hidden copy of the registered values it showed.
REGISTERED = "registered"


def current_values(agency: Agency) -> dict[str, Any]:
    """The registry's present values of every changeable fact."""
    license_ = common.valid_license(agency.id)
    filing = common.valid_filing(agency.id)
    snapshot = common.snapshot(agency)
    return {
        **{field: snapshot[field] for field in AGENCY_FIELDS},
        "license_items": license_.items if license_ else None,
        "filing_items": filing.items if filing else None,
    }


def same(new: Any, old: Any) -> bool:
    """What counts as a change, for both faces: a value that is not the registered one.

    The API refuses a change it is asked for to the registered value (与现登记信息相同); the form,
    which shows the registered values, asks only for the fields that differ from what it showed.
    Item lists are the same in any order.
    """
    if isinstance(new, list) and isinstance(old, list):
        return sorted(new) == sorted(old)
    return new == old


def form_body(form: MultiDict[str, str], agency: Agency | None) -> dict[str, Any]:
    """The change form as the API's body: `changes` holds the fields the clerk changed.

    The form carries the registered values it showed (`registered.…`); a field left as shown,
    or emptied, is not asked for. Comparing with what the clerk saw, not with the registry now,
    keeps a typed value that the registry took meanwhile a request — which the API refuses.
    """
    body = forms.nested(form)
    given = body.get("changes") or {}
    shown = {**(current_values(agency) if agency else {}), **body.pop(REGISTERED, {})}
    values = {field: given.get(field) for field in AGENCY_FIELDS}
    for field in ITEM_FIELDS:
        # Unticked boxes send nothing: the marker tells an emptied list from an absent one.
        if f"{field}_shown" in given:
            values[field] = given.get(field) or []
    body["changes"] = {field: value for field, value in values.items()
                       if value is not None and not same(value, shown.get(field))}
    return body


def form_context(agency: Agency | None) -> dict[str, Any]:
    """The change form shows each changeable fact's registered value beside its new one."""
    return {"current": current_values(agency) if agency else {}}


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    body = common.body_object(body)
    check = Checker()
    agency = common.registered_applicant(check, body, identity)
    changes = check.obj(body, "changes", "changes")
    if agency is None or changes is None:
        raise Invalid(check.errors)
    unknown = sorted(set(changes) - set(AGENCY_FIELDS) - set(ITEM_FIELDS))
    if unknown:
        check.fail("changes", f"不能变更的事项：{', '.join(unknown)}")
    if not changes:
        check.fail("changes", "请至少填写一项变更内容")
    wanted = tuple(f for f in AGENCY_FIELDS if f in changes)
    clean: dict[str, Any] = {}
    if wanted:
        fields = {"legal_rep_id_type": agency.legal_rep_id_type, **changes}
        clean = {k: v for k, v in schemas.agency(check, fields, "changes", wanted).items()
                 if k in changes}
    for field, kind in ITEM_FIELDS.items():
        if field in changes:
            clean[field] = check.value(Codes(kind), changes, field, f"changes.{field}")
    before = current_values(agency)
    for field, value in clean.items():
        if field in ITEM_FIELDS and before[field] is None:
            check.fail(f"changes.{field}", "本机构没有有效的" +
                       ("许可证" if field == "license_items" else "业务备案") + "，不能变更其事项")
        elif value is not None and same(value, before[field]):
            check.fail(f"changes.{field}", "与现登记信息相同")
    if check.errors:
        raise Invalid(check.errors)
    return {"agency": common.snapshot(agency), "changes": clean,
            "before": {field: before[field] for field in clean}}


def approve(case: Case, ctx: Context) -> dict[str, Any]:
    """Apply the changes to the registry, keeping before and after."""
    agency = common.agency_by_credit_code(case.credit_code, lock=True)
    common.require(agency is not None and agency.status == "valid", "该机构已不在登记状态")
    assert agency is not None
    changes = case.payload["changes"]
    before = current_values(agency)
    for field in AGENCY_FIELDS:
        if field in changes:
            # A district move takes the agency's licences, filings and cases' registry view
            # with it: they hang off the agency, whose district is what every scope reads.
            setattr(agency, common.AGENCY_COLUMNS[field], changes[field])
    license_ = common.valid_license(agency.id)
    for field, record in (("license_items", license_),
                          ("filing_items", common.valid_filing(agency.id))):
        if field in changes:
            common.require(record is not None, "该机构已没有可变更事项的有效记录")
            record.items = changes[field]  # type: ignore[union-attr]
    db.session.flush()
    case.agency_id = agency.id
    result: dict[str, Any] = {"agency_id": agency.id, "before": {f: before[f] for f in changes},
                              "after": dict(changes)}
    # A change of what the certificate prints reissues it (换发): same number, next version.
    version = certificates.after_change(license_, set(changes), before, ctx.identity, ctx.today,
                                        case.id)
    if version is not None and license_ is not None:
        result.update(license_id=license_.id, certificate_version=version.version)
    return result


CHANGE = register(CaseType(
    name="change",
    label="事项变更",
    kind_code="BG",
    validate=validate,
    approve=approve,
    status_labels={"approved": "审核通过", "refused": "审核不通过"},
    action_labels={"approve": "准予变更", "refuse": "不予变更"},
    apply_label="申请事项变更",
    form_template="hrm/agency/change.html",
    application_template="hrm/cases/change.html",
    menu_order=70,
    form_body=form_body,
    form_context=form_context,
    # A district move is decided by the new district's bureau; the old one sees it.
    division_of=lambda payload: payload["changes"].get("division") or payload["agency"]["division"],
    origin_of=lambda payload: (payload["agency"]["division"]
                               if payload["changes"].get("division") else None),
))
