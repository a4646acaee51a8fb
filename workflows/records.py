"""Registry read services: licences and filings in the caller's jurisdiction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction
from portal_plugin.core.models import FILING_STATUS, LICENSE_STATUS, Agency, Filing, License
from portal_plugin.core.paging import contains, page_bounds


@dataclass(frozen=True)
class RecordQuery:
    """The 查看 pages' and the API's filters over licences or filings."""

    q: str | None = None  # any of: agency name (part), credit code, record number
    name: str | None = None
    credit_code: str | None = None
    number: str | None = None
    status: str | None = None
    division: str | None = None
    granted_from: dt.date | None = None  # issue date of a licence, filing date of a filing
    granted_to: dt.date | None = None
    page: int = 1
    per_page: int = 20


def agency_json(agency: Agency) -> dict[str, Any]:
    return {"id": agency.id, "credit_code": agency.credit_code, "name": agency.name,
            "division": agency.division_code}


def _search(model: type[License] | type[Filing], number: Any, granted: Any,
            labels: dict[str, str], identity: Identity, query: RecordQuery
            ) -> tuple[list[Any], int, int, int]:
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
        stmt = stmt.where(or_(Agency.name.like(contains(term)), Agency.credit_code == term.upper(),
                              number == term))
    if query.name:
        stmt = stmt.where(Agency.name.like(contains(query.name.strip())))
    if query.credit_code:
        stmt = stmt.where(Agency.credit_code == query.credit_code.strip().upper())
    if query.number:
        stmt = stmt.where(number == query.number.strip())
    if query.granted_from:
        stmt = stmt.where(granted >= query.granted_from)
    if query.granted_to:
        stmt = stmt.where(granted <= query.granted_to)
    page, per_page = page_bounds(query.page, query.per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.order_by(model.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total or 0), page, per_page


def search_licenses(identity: Identity, query: RecordQuery) -> tuple[list[dict[str, Any]], int,
                                                                    int, int]:
    rows, total, page, per_page = _search(License, License.license_number, License.issued_on, LICENSE_STATUS,
                                          identity, query)
    return [
        {"id": r.id, "license_number": r.license_number, "decision_number": r.decision_number,
         "agency": agency_json(r.agency), "items": r.items, "issued_on": r.issued_on.isoformat(),
         "valid_until": r.valid_until.isoformat() if r.valid_until else None,
         "status": r.status, "status_label": LICENSE_STATUS[r.status], "source": r.source}
        for r in rows
    ], total, page, per_page


def search_filings(identity: Identity, query: RecordQuery) -> tuple[list[dict[str, Any]], int,
                                                                   int, int]:
    rows, total, page, per_page = _search(Filing, Filing.filing_number, Filing.filed_on, FILING_STATUS,
                                          identity, query)
    return [
        {"id": r.id, "filing_number": r.filing_number, "agency": agency_json(r.agency),
         "items": r.items, "filed_on": r.filed_on.isoformat(), "status": r.status,
         "status_label": FILING_STATUS[r.status], "source": r.source}
        for r in rows
    ], total, page, per_page
