"""延续 renewal: the holder asks for its licence's validity to be extended (《行政许可法》 Art 50)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal_plugin.core import audit
from portal_plugin.core.clock import today as local_today
from portal_plugin.core.clock import utcnow
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import MAX_ID, Agency, License
from portal_plugin.core.validation import Checker
from workflows import certificates, common, numbering, publicity, state
from workflows.engine import ACCEPT, OPEN_STATUSES, REVIEW, CaseType, Context, register
from workflows.models import Case

# 《行政许可法》 Art 50: the application is made 30 days before the validity ends, at the latest.
LAST_DAYS = 30
TOO_EARLY = "尚未到延续申请期（有效期至前{days}日起可申请）"
TOO_LATE = f"已超过延续申请期限：应在有效期届满{LAST_DAYS}日前提出"
PERMANENT = "该许可证长期有效，无需申请延续"
DEEMED = "有效期届满前未作出决定，视为准予延续（《行政许可法》第五十条）"
# Undecided renewals: submitted or accepted, waiting for the bureau (a returned one is the
# applicant's to correct, a draft was never made).
UNDECIDED = frozenset({"submitted", "pending_review"})


def window(valid_until: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day a renewal of a licence valid until `valid_until` may be applied for."""
    days = int(current_app.config["RENEWAL_WINDOW_DAYS"])
    return valid_until - dt.timedelta(days=days), valid_until - dt.timedelta(days=LAST_DAYS)


def window_problem(valid_until: dt.date | None, today: dt.date) -> str | None:
    """Why a renewal cannot be applied for today (None: it can)."""
    if valid_until is None:
        return PERMANENT
    opens, closes = window(valid_until)
    if today < opens:
        return TOO_EARLY.format(days=current_app.config["RENEWAL_WINDOW_DAYS"])
    if today > closes:
        return TOO_LATE
    return None


def renewable(license_: License | None, today: dt.date | None = None) -> bool:
    """Whether the clerk's home offers 申请延续 for this licence today."""
    day = today or local_today()
    return (license_ is not None and license_.is_in_force(day)
            and window_problem(license_.valid_until, day) is None)


def open_renewal(license_id: int, credit_code: str, exclude: Case | None = None) -> bool:
    """Whether a renewal of this licence is in progress (draft, submitted, returned, accepted)."""
    query = select(Case).where(Case.workflow == "renewal", Case.credit_code == credit_code,
                               Case.status.in_(OPEN_STATUSES))
    if exclude is not None:
        query = query.where(Case.id != exclude.id)
    return any((c.payload or {}).get("license_id") == license_id
               for c in db.session.scalars(query))


def _license(check: Checker, body: Mapping[str, Any], agency: Agency) -> License | None:
    ident = body.get("license_id")
    if not isinstance(ident, int) or isinstance(ident, bool) or not 0 < ident <= MAX_ID:
        check.fail("license_id", "请选择要延续的许可证")
        return None
    license_ = db.session.get(License, ident)
    if license_ is None or license_.agency_id != agency.id:
        check.fail("license_id", "不是本机构的许可证")
        return None
    if not license_.is_in_force():
        check.fail("license_id", f"该许可证{license_.current_status_label}，不能申请延续")
        return None
    return license_


def validate(body: Mapping[str, Any], identity: Identity, case: Case | None) -> dict[str, Any]:
    body = common.body_object(body)
    check = Checker()
    agency = common.registered_applicant(check, body, identity)
    license_ = _license(check, body, agency) if agency is not None else None
    check.raise_any()
    assert agency is not None and license_ is not None
    problem = window_problem(license_.valid_until, local_today())
    if problem:
        raise Invalid({"license_id": problem})
    if open_renewal(license_.id, agency.credit_code, case):
        raise Invalid({"license_id": "该许可证已有办理中的延续申请"})
    return {"agency": common.snapshot(agency), "license_id": license_.id,
            "license_number": license_.license_number, "items": list(license_.items),
            "issued_on": license_.issued_on.isoformat(),
            "valid_until": license_.valid_until.isoformat() if license_.valid_until else None}


def submit_check(payload: Mapping[str, Any], today: dt.date) -> None:
    """A (re)submission is the 提出: it must still fall within the window."""
    license_ = db.session.get(License, payload["license_id"])
    if license_ is None or not license_.is_in_force(today):
        raise Invalid({"license_id": "该许可证已不是有效状态，不能申请延续"})
    problem = window_problem(license_.valid_until, today)
    if problem:
        raise Invalid({"license_id": problem})


def extend(case: Case, identity: Identity, today: dt.date, *, deemed: bool) -> dict[str, Any]:
    """Extend the same licence by the validity period counted from its old end; number the
    renewal decision; audit it on the licence."""
    license_ = db.session.get(License, case.payload["license_id"], with_for_update=True)
    common.require(license_ is not None and license_.status == "valid",
                   "该许可证已不是有效状态，不能延续")
    assert license_ is not None
    before = license_.valid_until
    common.require(before is not None, PERMANENT)
    assert before is not None
    after = common.license_valid_until(before + dt.timedelta(days=1))
    decision = numbering.issue("decision", case.division_code, today)
    license_.valid_until = after
    # The branches' licences (linked to this one) follow its validity; the certificate now
    # prints the new 有效期至: its next version.
    for branch in db.session.scalars(select(License).where(
            License.parent_license_id == license_.id, License.status == "valid")):
        branch.valid_until = after
    certificates.reissue(license_, "renewal", "准予延续（有效期至" + (
        after.isoformat() if after else "长期") + "）", identity, today, case_id=case.id)
    result = {"license_id": license_.id, "license_number": license_.license_number,
              "decision_number": decision, "valid_until_before": before.isoformat(),
              "valid_until": after.isoformat() if after else None, "deemed": deemed}
    audit.record(identity, "renew", "license", license_.id, from_state="valid",
                 to_state="valid", reason=DEEMED if deemed else "准予延续",
                 data={"case": case.id, "case_no": case.case_no, "decision_number": decision,
                       "valid_until_before": before.isoformat(),
                       "valid_until": after.isoformat() if after else None, "deemed": deemed})
    case.agency_id = license_.agency_id
    return result


def approve(case: Case, ctx: Context) -> dict[str, Any]:
    return extend(case, ctx.identity, ctx.today, deemed=False)


def deem_granted(case: Case, identity: Identity, today: dt.date) -> dict[str, Any]:
    """视为准予延续: an undecided renewal at the licence's expiry takes approval's effect,
    recorded as deemed (the daily command calls this)."""
    now = utcnow()
    source = case.status
    state.change(Case, case.id, UNDECIDED, "approved", case.version,
                 where=(Case.workflow == "renewal",), decided_at=now, updated_at=now,
                 deadline=None, reason=DEEMED)
    db.session.refresh(case)
    case.result = extend(case, identity, today, deemed=True)
    publicity.on_decision("renewal", case, "approve", today)  # 双公示, as any decision
    audit.record(identity, "deem", "case", case.id, from_state=source, to_state="approved",
                 reason=DEEMED, data={"workflow": "renewal", "case_no": case.case_no,
                                      **case.result})
    return case.result


def form_context(agency: Agency | None) -> dict[str, Any]:
    """The agency's licence in force, its window, and whether it may be renewed today."""
    license_ = common.valid_license(agency.id) if agency is not None else None
    if license_ is None:
        return {"renewal_license": None}
    opens_closes = window(license_.valid_until) if license_.valid_until else None
    return {"renewal_license": license_, "renewal_window": opens_closes,
            "renewal_problem": window_problem(license_.valid_until, local_today())}


def form_body(form: Any, agency: Agency | None) -> dict[str, Any]:
    raw = form.get("license_id", "")
    return {"license_id": int(raw) if raw.isdigit() and len(raw) < 11 else raw or None}


RENEWAL = register(CaseType(
    name="renewal",
    label="行政许可延续",
    kind_code="YX",
    validate=validate,
    approve=approve,
    status_labels={"approved": "准予延续", "refused": "不予延续"},
    action_labels={"approve": "准予延续", "refuse": "不予延续"},
    apply_label="申请延续",
    form_template="hrm/agency/renewal.html",
    application_template="hrm/cases/renewal.html",
    menu_order=200,
    steps=(ACCEPT, REVIEW),
    form_body=form_body,
    form_context=form_context,
    submit_check=submit_check,
))
