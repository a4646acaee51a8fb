"""现场招聘会 services for the pages and the API: register (agency clerk), query and read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal_plugin.core import audit, catalog
from portal_plugin.core.clock import local_zone, start_of
from portal_plugin.core.errors import Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction, own_valid_agency, scope
from portal_plugin.core.models import MAX_ID
from portal_plugin.core.paging import contains, page_bounds
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from portal_plugin.job_fairs.models import JobFair

KIND = "job_fair_kind"
# From this many expected visitors a fair needs the public-security permit (大型群众性活动).
POLICE_PERMIT_FROM = 1000
MAX_DAYS = 30
TEXT_FIELDS = (  # field, max length, required
    ("name", 200, True), ("organizer", 200, True), ("co_organizer", 200, False),
    ("venue", 200, True), ("venue_address", 300, True), ("safety_officer", 100, True),
    ("contact", 100, True),
)
PHONE_FIELDS = ("safety_phone", "contact_phone")
COUNT_FIELDS = ("booths", "expected_employers", "expected_positions", "expected_visitors")
# The Chinese label of every field (forms, details, error summaries).
LABELS = {
    "name": "招聘会名称", "kind": "招聘会类型", "organizer": "主办单位", "co_organizer": "承办单位",
    "start_at": "开始时间", "end_at": "结束时间", "venue": "举办场馆", "venue_address": "场馆地址",
    "division": "所在区", "booths": "展位数", "expected_employers": "预计参会单位数",
    "expected_positions": "预计岗位数", "expected_visitors": "预计入场人数",
    "safety_officer": "安全责任人", "safety_phone": "安全责任人电话", "contact": "联系人",
    "contact_phone": "联系人电话", "police_permit_no": "公安机关安全许可文号",
}


@dataclass(frozen=True)
class FairQuery:
    name: str | None = None
    organizer: str | None = None
    division: str | None = None
    held_from: dt.date | None = None
    held_to: dt.date | None = None
    page: int = 1
    per_page: int = 20


def _moment(check: Checker, data: Mapping[str, Any], key: str) -> dt.datetime | None:
    """A local date and time (YYYY-MM-DDTHH:MM, an offset optional) as an aware datetime."""
    value = check.text(data, key, key, max_len=32)
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        check.fail(key, "时间格式应为 YYYY-MM-DD HH:MM")
        return None
    if not 2000 <= moment.year <= 2100:
        check.fail(key, "年份应在2000至2100之间")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def validate(data: Mapping[str, Any]) -> dict[str, Any]:
    """A fair's clean values, or Invalid naming every bad field with its reason."""
    check = Checker()
    clean: dict[str, Any] = {
        key: check.text(data, key, key, required=required, max_len=max_len)
        for key, max_len, required in TEXT_FIELDS
    }
    clean["kind"] = check.code(data, "kind", "kind", KIND)
    clean["division"] = check.division(data, "division", "division")
    for key in PHONE_FIELDS:
        clean[key] = check.phone(data, key, key, required=True)
    for key in COUNT_FIELDS:
        clean[key] = check.count(data, key, key)
    start, end = _moment(check, data, "start_at"), _moment(check, data, "end_at")
    if start and end:
        if end <= start:
            check.fail("end_at", "结束时间应晚于开始时间")
        elif end - start > dt.timedelta(days=MAX_DAYS):
            check.fail("end_at", f"举办时间不能超过{MAX_DAYS}天")
    clean["start_at"], clean["end_at"] = start, end
    clean["police_permit_no"] = check.text(data, "police_permit_no", "police_permit_no",
                                           required=False, max_len=60)
    visitors = clean["expected_visitors"]
    if visitors is not None and visitors >= POLICE_PERMIT_FROM and not clean["police_permit_no"]:
        check.fail("police_permit_no", f"预计入场人数达到{POLICE_PERMIT_FROM}人的招聘会须填写"
                                       "公安机关安全许可文号")
    if check.errors:
        raise Invalid(check.errors)
    return clean


def register(identity: Identity, data: Mapping[str, Any]) -> JobFair:
    """Register a fair for the clerk's own agency (which must be in the registry), audited."""
    agency = own_valid_agency(identity, "登记现场招聘会")
    clean = validate(data)
    fair = JobFair(**{k: v for k, v in clean.items() if k != "division"},
                   division_code=clean["division"], agency_id=agency.id,
                   credit_code=agency.credit_code, created_by=identity.user_id,
                   created_by_name=identity.name)
    with atomic():
        db.session.add(fair)
        db.session.flush()
        audit.record(identity, "register", "job_fair", fair.id, to_state="registered",
                     data={"name": fair.name, "division": fair.division_code,
                           "agency": agency.credit_code})
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
        raise Invalid({"held_to": "结束日期不能早于开始日期"})
    if query.held_from:
        stmt = stmt.where(JobFair.end_at >= start_of(query.held_from))
    if query.held_to:
        stmt = stmt.where(JobFair.start_at < start_of(query.held_to + dt.timedelta(days=1)))
    page, per_page = page_bounds(query.page, query.per_page)
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    rows = db.session.scalars(stmt.options(selectinload(JobFair.agency))
                              .order_by(JobFair.start_at.desc(), JobFair.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total), page, per_page


def get(identity: Identity, fair_id: int) -> JobFair:
    """One fair in scope; anything else is 404 (out of jurisdiction looks like absent)."""
    fair = (db.session.scalar(_scoped(identity).where(JobFair.id == fair_id))
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
        "expected_visitors": fair.expected_visitors,
        "safety_officer": fair.safety_officer, "safety_phone": fair.safety_phone,
        "contact": fair.contact, "contact_phone": fair.contact_phone,
        "police_permit_no": fair.police_permit_no,
        "agency": {"id": fair.agency_id, "credit_code": fair.credit_code,
                   "name": fair.agency.name},
        "created_by_name": fair.created_by_name,
        "created_at": fair.created_at.isoformat(),
    }
