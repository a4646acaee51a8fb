"""注销单位行政许可 services for the page and the API: revoke a licence, query, pick an agency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from portal_plugin.core import audit, catalog
from portal_plugin.core.errors import Conflict, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import in_jurisdiction, jurisdiction, scope
from portal_plugin.core.models import LICENSE_STATUS, Agency, License
from portal_plugin.core.paging import offset_page, page_bounds
from portal_plugin.core.queryargs import REVERSED_RANGE
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from portal_plugin.revocations.models import STATUS_BY_GROUND, Revocation
from portal_plugin.revocations.schemas import GROUND_KIND, RevocationIn
from workflows import common, numbering, publicity

# The 注销文号 series (shared with approved 注销 cases of the same division).
NUMBER_KIND = "deregistration"
NOT_FOUND = "许可证不存在，或不在您的管辖范围内"
AGENCY_MATCHES = 20


@dataclass(frozen=True)
class RevocationQuery:
    name: str | None = None
    credit_code: str | None = None
    license_number: str | None = None
    ground: str | None = None
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None
    division: str | None = None
    page: int = 1
    per_page: int = 20


def validate(data: Mapping[str, Any]) -> dict[str, Any]:
    """A revocation's clean values, or Invalid naming every bad field with its reason."""
    check = Checker()
    clean = check.model(RevocationIn, data)
    check.raise_any()
    return clean


def _locked(identity: Identity, license_id: int) -> tuple[Agency, License]:
    """The licence and its agency, both row-locked (agency first, as 注销 approvals lock them).

    Out of jurisdiction is 404 like an absent licence.
    """
    agency_id = db.session.scalar(select(License.agency_id).where(License.id == license_id))
    agency = (db.session.scalar(select(Agency).where(Agency.id == agency_id)
                                .with_for_update(of=Agency))
              if agency_id is not None else None)
    if agency is None or not in_jurisdiction(identity, agency.division_code):
        raise NotFound(NOT_FOUND)
    license_ = db.session.get(License, license_id, with_for_update=True, populate_existing=True)
    assert license_ is not None
    return agency, license_


def revoke(identity: Identity, data: Mapping[str, Any]) -> Revocation:
    """Store a revocation and take the licence (and the agency left with nothing valid) out of
    force, numbered and audited, in one transaction."""
    clean = validate(data)
    with atomic():
        agency, license_ = _locked(identity, clean["license_id"])
        # An expired licence is still deregistered (有效期届满未延续, 《行政许可法》 Art 70).
        if license_.status not in ("valid", "expired"):
            raise Conflict(f"该许可证已不是有效状态（{LICENSE_STATUS[license_.status]}），"
                           "不能重复注销")
        decided = clean["decision_date"]
        if decided < license_.issued_on:
            raise Invalid({"decision_date": f"决定日期不能早于许可证发证日期"
                                            f"（{license_.issued_on.isoformat()}）"})
        document = clean["document_number"]
        if document:  # a 文号 given by hand is registered city-wide too (409 if issued before)
            numbering.register(document, "revocation", agency.division_code)
        else:
            document = numbering.issue(NUMBER_KIND, agency.division_code, decided)
        revocation = Revocation(
            license_id=license_.id, agency_id=agency.id, division_code=agency.division_code,
            ground=clean["ground"], decision_date=decided, document_number=document,
            remarks=clean["remarks"], created_by=identity.user_id, created_by_name=identity.name)
        db.session.add(revocation)
        db.session.flush()
        ground = catalog.labels(GROUND_KIND)[clean["ground"]]
        status = STATUS_BY_GROUND.get(clean["ground"], "deregistered")
        before = common.end_record(license_, status, ground, decided, document, identity)
        audit.record(identity, "revoke", "revocation", revocation.id, to_state="recorded",
                     reason=ground, data={"license": license_.license_number,
                                          "agency": agency.credit_code, "document": document,
                                          "decision_date": decided.isoformat()})
        audit.record(identity, "revoke", "license", license_.id, from_state=before,
                     to_state=status, reason=ground,
                     data={"revocation": revocation.id, "document": document})
        publicity.on_revocation(revocation.id, agency, license_, agency.division_code, decided,
                                document, ground)
        if common.close_agency_if_empty(agency, decided):
            audit.record(identity, "deregister", "agency", agency.id, from_state="valid",
                         to_state="deregistered", reason="注销单位行政许可后无有效许可证和业务备案",
                         data={"revocation": revocation.id, "deregistered_on": decided.isoformat()})
    return revocation


def _scoped(identity: Identity) -> Select[Any]:
    return select(Revocation).where(scope(Revocation.division_code, identity))


def search(identity: Identity, query: RevocationQuery) -> tuple[list[Revocation], int, int, int]:
    """One page of revocations in the officer's jurisdiction, the latest decision first."""
    stmt = _scoped(identity)
    joined = stmt.join(Agency, Revocation.agency_id == Agency.id).join(
        License, Revocation.license_id == License.id)
    if query.division:
        if query.division not in jurisdiction(identity):
            raise Invalid({"division": "不在您的管辖范围内"})
        joined = joined.where(Revocation.division_code == query.division)
    if query.ground:
        if query.ground not in catalog.labels(GROUND_KIND):
            raise Invalid({"ground": "不是有效的代码"})
        joined = joined.where(Revocation.ground == query.ground)
    if query.decided_from and query.decided_to and query.decided_to < query.decided_from:
        raise Invalid({"decided_to": REVERSED_RANGE})
    if query.decided_from:
        joined = joined.where(Revocation.decision_date >= query.decided_from)
    if query.decided_to:
        joined = joined.where(Revocation.decision_date <= query.decided_to)
    if query.name and query.name.strip():
        joined = joined.where(Agency.name.contains(query.name.strip(), autoescape=True))
    if query.credit_code and query.credit_code.strip():
        joined = joined.where(Agency.credit_code == query.credit_code.strip().upper())
    if query.license_number and query.license_number.strip():
        joined = joined.where(License.license_number == query.license_number.strip())
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(
        joined, (Revocation.decision_date.desc(), Revocation.id.desc()), page, per_page,
        options=(contains_eager(Revocation.agency), contains_eager(Revocation.license)))
    return rows, total, page, per_page


def candidates(identity: Identity, term: str) -> list[tuple[Agency, list[License]]]:
    """The form's agency search: valid agencies in jurisdiction by name (part) or credit code,
    each with its valid licences (those without one are left out)."""
    term = term.strip()
    if not term:
        return []
    agencies = db.session.scalars(
        select(Agency).where(scope(Agency.division_code, identity), Agency.status == "valid",
                             or_(Agency.name.contains(term, autoescape=True),
                                 Agency.credit_code == term.upper()))
        .where(select(License.id).where(License.agency_id == Agency.id,
                                        License.status.in_(("valid", "expired"))).exists())
        .options(selectinload(Agency.licenses))
        .order_by(Agency.name, Agency.id).limit(AGENCY_MATCHES)).all()
    return [(agency, sorted((lic for lic in agency.licenses if lic.status in ("valid", "expired")),
                            key=lambda lic: lic.id)) for agency in agencies]


def to_json(revocation: Revocation) -> dict[str, Any]:
    """A revocation as the API and the list page show it."""
    license_, agency = revocation.license, revocation.agency
    return {
        "id": revocation.id, "license_id": license_.id,
        "license_number": license_.license_number,
        "license_status": license_.current_status,
        "license_status_label": license_.current_status_label,
        "agency": {"id": agency.id, "credit_code": agency.credit_code, "name": agency.name,
                   "status": agency.status},
        "division": revocation.division_code,
        "division_name": catalog.division_name(revocation.division_code),
        "ground": revocation.ground,
        "ground_label": catalog.labels(GROUND_KIND).get(revocation.ground, revocation.ground),
        "decision_date": revocation.decision_date.isoformat(),
        "document_number": revocation.document_number, "remarks": revocation.remarks,
        "created_by_name": revocation.created_by_name,
        "created_at": revocation.created_at.isoformat(),
    }
