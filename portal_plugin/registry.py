"""Registry read services: licences and filings in the caller's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from portal_plugin.extensions import db
from portal_plugin.models import FILING_STATUS, LICENSE_STATUS, Agency, Filing, License
from sso.identity import Identity
from sso.jurisdiction import jurisdiction
from workflows.errors import Invalid
from workflows.service import page_bounds


@dataclass(frozen=True)
class RecordQuery:
    q: str | None = None
    status: str | None = None
    division: str | None = None
    page: int = 1
    per_page: int = 20


def agency_json(agency: Agency) -> dict[str, Any]:
    return {"id": agency.id, "credit_code": agency.credit_code, "name": agency.name,
            "division": agency.division_code}


def _search(model: type[License] | type[Filing], number: Any, labels: dict[str, str],
            identity: Identity, query: RecordQuery) -> tuple[list[Any], int, int, int]:
    stmt = select(model).join(Agency, model.agency_id == Agency.id).where(
        Agency.division_code.in_(sorted(jurisdiction(identity))))
    if query.status:
        if query.status not in labels:
            raise Invalid({"status": "不是有效的状态"})
        stmt = stmt.where(model.status == query.status)
    if query.division:
        stmt = stmt.where(Agency.division_code == query.division)
    if query.q:
        term = query.q.strip()
        stmt = stmt.where(or_(Agency.name.like(f"%{term}%"), Agency.credit_code == term.upper(),
                              number == term))
    page, per_page = page_bounds(query.page, query.per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.order_by(model.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total or 0), page, per_page


def search_licenses(identity: Identity, query: RecordQuery) -> tuple[list[dict[str, Any]], int,
                                                                    int, int]:
    rows, total, page, per_page = _search(License, License.license_number, LICENSE_STATUS,
                                          identity, query)
    return [
        {"id": r.id, "license_number": r.license_number, "decision_number": r.decision_number,
         "agency": agency_json(r.agency), "items": r.items, "issued_on": r.issued_on.isoformat(),
         "valid_until": r.valid_until.isoformat() if r.valid_until else None,
         "status": r.status, "status_label": LICENSE_STATUS[r.status]}
        for r in rows
    ], total, page, per_page


def search_filings(identity: Identity, query: RecordQuery) -> tuple[list[dict[str, Any]], int,
                                                                   int, int]:
    rows, total, page, per_page = _search(Filing, Filing.filing_number, FILING_STATUS,
                                          identity, query)
    return [
        {"id": r.id, "filing_number": r.filing_number, "agency": agency_json(r.agency),
         "items": r.items, "filed_on": r.filed_on.isoformat(), "status": r.status,
         "status_label": FILING_STATUS[r.status]}
        for r in rows
    ], total, page, per_page
