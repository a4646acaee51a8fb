"""Registry read services: licences and filings in the caller's jurisdiction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from portal_plugin.core.clock import today as clock_today
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction
from portal_plugin.core.models import FILING_STATUS, LICENSE_STATUS, Agency, Filing, License
from portal_plugin.core.paging import contains, page_bounds, seek_page


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
    after: str | None = None  # the cursors of the pages around, see core.paging.seek_page
    before: str | None = None
    expiring_within: int | None = None  # licences: in force and ending within so many days


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
        stmt = stmt.where(model.status_is(query.status) if model is License
                          else model.status == query.status)
    if query.division:
        stmt = stmt.where(Agency.division_code == query.division)
    if query.expiring_within is not None and model is License:
        stmt = stmt.where(*expiring(query.expiring_within))
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
    page, per_page = page_bounds(query.page, query.per_page,
                                 seeking=bool(query.after or query.before))
    rows, total = seek_page(stmt.options(contains_eager(model.agency)), (model.id,), page,
                            per_page, after=query.after, before=query.before)
    return rows, total, page, per_page


MAX_EXPIRING_DAYS = 3650


def expiring(days: int, today: dt.date | None = None) -> tuple[Any, ...]:
    """SQL: in force today and ending within `days` calendar days (长期 never does)."""
    if not 0 <= days <= MAX_EXPIRING_DAYS:
        raise Invalid({"expiring_within": f"应为0至{MAX_EXPIRING_DAYS}之间的天数"})
    day = today or clock_today()
    return (License.in_force(day), License.valid_until.is_not(None),
            License.valid_until <= day + dt.timedelta(days=days))


EXPIRING_LIMIT = 1000  # the 即将到期 page lists at most so many (a city's few months' worth)


def expiring_licenses(identity: Identity, days: int, *, descending: bool = False
                      ) -> list[dict[str, Any]]:
    """Licences of the jurisdiction in force and ending within `days`, by 有效期至, each with
    its days left."""
    day = clock_today()
    order = License.valid_until.desc() if descending else License.valid_until
    rows = db.session.scalars(
        select(License).join(Agency, License.agency_id == Agency.id)
        .where(Agency.division_code.in_(sorted(jurisdiction(identity))), *expiring(days, day))
        .options(contains_eager(License.agency)).order_by(order, License.id)
        .limit(EXPIRING_LIMIT)).all()
    return [{"id": r.id, "license_number": r.license_number, "agency": agency_json(r.agency),
             "items": r.items, "issued_on": r.issued_on.isoformat(),
             "valid_until": r.valid_until.isoformat() if r.valid_until else None,
             "days_left": (r.valid_until - day).days if r.valid_until else None}
            for r in rows]


def search_licenses(identity: Identity, query: RecordQuery) -> tuple[list[dict[str, Any]], int,
                                                                    int, int]:
    rows, total, page, per_page = _search(License, License.license_number, License.issued_on, LICENSE_STATUS,
                                          identity, query)
    return [
        {"id": r.id, "license_number": r.license_number, "decision_number": r.decision_number,
         "agency": agency_json(r.agency), "items": r.items, "issued_on": r.issued_on.isoformat(),
         "valid_until": r.valid_until.isoformat() if r.valid_until else None,
         "status": r.current_status, "status_label": r.current_status_label,
         "source": r.source}
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
