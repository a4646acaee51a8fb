"""现场招聘会 services for the pages and the API: register (agency clerk), query and read."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, not_, select
from sqlalchemy.orm import selectinload

from portal_plugin.core import audit, catalog
from portal_plugin.core.clock import local_zone, start_of, today
from portal_plugin.core.errors import Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction, own_valid_agency, scope
from portal_plugin.core.models import MAX_ID, Agency
from portal_plugin.core.paging import contains, offset_page, page_bounds
from portal_plugin.core.queryargs import REVERSED_RANGE
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from portal_plugin.job_fairs.models import JobFair
from portal_plugin.job_fairs.schemas import (
    FAIR_ITEM_LABEL,
    KIND,
    MAX_DAYS,
    POLICE_PERMIT_FROM,
    JobFairIn,
    PolicePermit,
)
from workflows import common


@dataclass(frozen=True)
class FairQuery:
    name: str | None = None
    organizer: str | None = None
    division: str | None = None
    held_from: dt.date | None = None
    held_to: dt.date | None = None
    permit_pending: bool | None = None
    page: int = 1
    per_page: int = 20


def days_of(start: dt.datetime, end: dt.datetime) -> int:
    """The local calendar days a fair spans (a fair ending at midnight does not reach the next)."""
    zone = local_zone()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return max((last - start.astimezone(zone).date()).days + 1, 1)


def per_session(visitors: int, sessions: int) -> int:
    """Expected visitors of one session: the total shared over the sessions, rounded up."""
    return math.ceil(visitors / max(sessions, 1))


def permit_required(fair: JobFair) -> bool:
    return per_session(fair.expected_visitors, fair.sessions) >= POLICE_PERMIT_FROM


def validate(data: Mapping[str, Any]) -> dict[str, Any]:
    """A fair's clean values, or Invalid naming every bad field with its reason.

    `sessions` defaults to one a day; a fair whose sessions reach the permit threshold may come
    without its permit number and is then 待补安全许可.
    """
    check = Checker()
    clean = check.model(JobFairIn, data)
    start, end = clean["start_at"], clean["end_at"]
    if start and end:
        if end <= start:
            check.fail("end_at", "结束时间应晚于开始时间")
        elif end - start > dt.timedelta(days=MAX_DAYS):
            check.fail("end_at", f"举办时间不能超过{MAX_DAYS}天")
    if clean.get("sessions") == 0:
        check.fail("sessions", "场次至少为1")
    check.raise_any()
    if clean.get("sessions") is None:
        clean["sessions"] = days_of(start, end)
    return clean


def fair_item() -> str:
    """The catalogue code of the licence item 组织开展现场招聘会."""
    labels = catalog.labels("license_item")
    return next((code for code, label in labels.items() if label == FAIR_ITEM_LABEL), "L03")


def licensed(agency: Agency, on: dt.date) -> None:
    """A job fair is a licensed activity: the organiser holds a valid, unexpired licence with
    the item 组织开展现场招聘会 — else 422 naming the reason."""
    license_ = common.valid_license(agency.id)
    item = fair_item()
    if license_ is None or (license_.valid_until is not None and license_.valid_until < on):
        raise Invalid({"agency": "本机构没有有效的人力资源服务许可证，不能举办现场招聘会"},
                      "本机构没有有效的人力资源服务许可证，不能举办现场招聘会")
    if item not in license_.items:
        message = (f"本机构的许可证（{license_.license_number}）未包含许可事项"
                   f"“{catalog.labels('license_item').get(item, FAIR_ITEM_LABEL)}”，"
                   "不能举办现场招聘会")
        raise Invalid({"agency": message}, message)


def register(identity: Identity, data: Mapping[str, Any]) -> JobFair:
    """Register a fair for the clerk's own licensed agency, audited."""
    agency = own_valid_agency(identity, "登记现场招聘会")
    clean = validate(data)
    licensed(agency, today())
    fair = JobFair(**{k: v for k, v in clean.items() if k != "division"},
                   division_code=clean["division"], agency_id=agency.id,
                   credit_code=agency.credit_code, created_by=identity.user_id,
                   created_by_name=identity.name)
    with atomic():
        db.session.add(fair)
        db.session.flush()
        pending = permit_required(fair) and not fair.police_permit_no
        audit.record(identity, "register", "job_fair", fair.id,
                     to_state="permit_pending" if pending else "registered",
                     data={"name": fair.name, "division": fair.division_code,
                           "agency": agency.credit_code, "sessions": fair.sessions})
    return fair


def enter_permit(identity: Identity, fair_id: int, data: Mapping[str, Any]) -> JobFair:
    """The clerk enters (or corrects) its fair's police permit number; 待补安全许可 ends."""
    if not identity.is_agency_clerk or identity.is_officer:
        raise NotFound("招聘会不存在，或不在您的管辖范围内")
    get(identity, fair_id)  # another agency's fair is 404 before its input is judged
    check = Checker()
    clean = check.model(PolicePermit, data)
    check.raise_any()
    with atomic():
        fair = get(identity, fair_id, lock=True)
        before = fair.police_permit_no
        fair.police_permit_no = clean["police_permit_no"]
        audit.record(identity, "enter_permit", "job_fair", fair.id,
                     from_state="permit_pending" if permit_required(fair) and not before
                     else "registered", to_state="registered",
                     data={"before": before, "after": fair.police_permit_no})
    return fair


def _scoped(identity: Identity) -> Select[Any]:
    """Officers see the fairs held in their jurisdiction; clerks their own agency's."""
    if identity.is_officer:
        return select(JobFair).where(scope(JobFair.division_code, identity))
    return select(JobFair).where(JobFair.credit_code == identity.agency_credit_code)


def search(identity: Identity, query: FairQuery) -> tuple[list[JobFair], int, int, int]:
    """One page of fairs in scope, the latest first; a date range keeps fairs held within it."""
    stmt = _scoped(identity)
    if query.division:
        if identity.is_officer and query.division not in jurisdiction(identity):
            raise Invalid({"division": "不在您的管辖范围内"})
        stmt = stmt.where(JobFair.division_code == query.division)
    if query.name and query.name.strip():
        stmt = stmt.where(JobFair.name.like(contains(query.name.strip())))
    if query.organizer and query.organizer.strip():
        stmt = stmt.where(JobFair.organizer.like(contains(query.organizer.strip())))
    if query.held_from and query.held_to and query.held_to < query.held_from:
        raise Invalid({"held_to": REVERSED_RANGE})
    if query.held_from:
        stmt = stmt.where(JobFair.end_at >= start_of(query.held_from))
    if query.held_to:
        stmt = stmt.where(JobFair.start_at < start_of(query.held_to + dt.timedelta(days=1)))
    if query.permit_pending is not None:
        pending = and_(JobFair.police_permit_no.is_(None),
                       JobFair.expected_visitors > (POLICE_PERMIT_FROM - 1) * JobFair.sessions)
        stmt = stmt.where(pending if query.permit_pending else not_(pending))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(stmt, (JobFair.start_at.desc(), JobFair.id.desc()), page, per_page,
                              options=(selectinload(JobFair.agency),))
    return rows, total, page, per_page


def get(identity: Identity, fair_id: int, *, lock: bool = False) -> JobFair:
    """One fair in scope; anything else is 404 (out of jurisdiction looks like absent)."""
    stmt = _scoped(identity).where(JobFair.id == fair_id)
    fair = (db.session.scalar(stmt.with_for_update(of=JobFair) if lock else stmt)
            if 0 < fair_id <= MAX_ID else None)
    if fair is None:
        raise NotFound("招聘会不存在，或不在您的管辖范围内")
    return fair


def to_json(fair: JobFair) -> dict[str, Any]:
    """A fair as CONTRACT.md names its fields; times in the bureau's zone, with their offset."""
    zone = local_zone()
    return {
        "id": fair.id, "name": fair.name, "kind": fair.kind,
        "kind_label": catalog.labels(KIND).get(fair.kind, fair.kind),
        "organizer": fair.organizer, "co_organizer": fair.co_organizer,
        "start_at": fair.start_at.astimezone(zone).isoformat(),
        "end_at": fair.end_at.astimezone(zone).isoformat(),
        "venue": fair.venue, "venue_address": fair.venue_address,
        "division": fair.division_code, "division_name": catalog.division_name(fair.division_code),
        "booths": fair.booths, "expected_employers": fair.expected_employers,
        "expected_positions": fair.expected_positions,
        "expected_visitors": fair.expected_visitors, "sessions": fair.sessions,
        "visitors_per_session": per_session(fair.expected_visitors, fair.sessions),
        "permit_required": permit_required(fair),
        "permit_pending": permit_required(fair) and not fair.police_permit_no,
        "safety_officer": fair.safety_officer, "safety_phone": fair.safety_phone,
        "contact": fair.contact, "contact_phone": fair.contact_phone,
        "police_permit_no": fair.police_permit_no,
        "agency": {"id": fair.agency_id, "credit_code": fair.credit_code,
                   "name": fair.agency.name},
        "created_by_name": fair.created_by_name,
        "created_at": fair.created_at.isoformat(),
    }
