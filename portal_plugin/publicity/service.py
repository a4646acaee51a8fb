"""The public list (条例 Art 22) and the 双公示 queue: queries, workbooks, publishing a batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from portal_plugin.core import audit, catalog, excel
from portal_plugin.core.clock import local_zone, today, utcnow
from portal_plugin.core.errors import Conflict, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import covered_divisions, jurisdiction, scope
from portal_plugin.core.models import FILING_STATUS, LICENSE_STATUS, Agency, Filing, License
from portal_plugin.core.paging import Found, offset_page, page_bounds
from portal_plugin.core.transaction import atomic
from workflows import calendar
from workflows.publicity import (
    CODE_FIELDS,
    EXPORT_TIME,
    FIELDS,
    PUBLICITY_STATUS,
    PublicityBatch,
    PublicityItem,
)
from workflows.service import Backlog

PUBLIC_EXPORT_MAX = 20_000  # rows of the public .xlsx (the whole city is far below)
MAX_BATCH = 1000  # items one 【标记已公示】 or one export may name
NOT_FOUND = "公示事项不存在，或不在您的管辖范围内"


# --- the public list ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicQuery:
    q: str | None = None
    division: str | None = None
    page: int = 1
    per_page: int = 20


def _licence_status(licence: License, day: dt.date) -> str:
    """The stored status, or 已过期 once a valid licence is past 有效期至 (computed on read)."""
    if licence.status == "valid" and licence.valid_until is not None and licence.valid_until < day:
        return "expired"
    return licence.status


def _public_select(query: PublicQuery) -> Select[Any]:
    holds = or_(select(License.id).where(License.agency_id == Agency.id).exists(),
                select(Filing.id).where(Filing.agency_id == Agency.id).exists())
    stmt = select(Agency).where(holds)
    if query.division:
        covered = covered_divisions(query.division)
        if not covered:
            raise Invalid({"division": "不是本市的行政区划代码"})
        stmt = stmt.where(Agency.division_code.in_(sorted(covered)))
    term = (query.q or "").strip()
    if term:
        stmt = stmt.where(or_(Agency.name.contains(term, autoescape=True),
                              Agency.credit_code == term.upper()))
    return stmt


ORDER = (Agency.name, Agency.id)
LOADED = (selectinload(Agency.licenses), selectinload(Agency.filings))


def public_search(query: PublicQuery) -> Found:
    """One page of the licensed and filed agencies (valid and ended), by name."""
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(_public_select(query), ORDER, page, per_page, options=LOADED)
    return rows, total, page, per_page


def public_row(agency: Agency) -> dict[str, Any]:
    """An agency's public facts only: no legal representative's ID, no phone, no contact."""
    day = today()
    licence_items, filing_items = catalog.labels("license_item"), catalog.labels("filing_item")
    licences = sorted(agency.licenses, key=lambda r: r.id)
    filings = sorted(agency.filings, key=lambda r: r.id)
    changes: list[dt.date] = [agency.updated_at.astimezone(local_zone()).date()]
    for licence in licences:
        changes += [d for d in (licence.issued_on, licence.status_changed_on) if d]
    for filing in filings:
        changes += [d for d in (filing.filed_on, filing.status_changed_on) if d]
    return {
        "name": agency.name, "credit_code": agency.credit_code,
        "division": agency.division_code,
        "division_name": catalog.division_name(agency.division_code),
        "licenses": [{
            "license_number": lic.license_number,
            "items": [licence_items.get(code, code) for code in lic.items or []],
            "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
            "status": (status := _licence_status(lic, day)),
            "status_label": LICENSE_STATUS.get(status, status),
        } for lic in licences],
        "filings": [{
            "filing_number": fil.filing_number,
            "items": [filing_items.get(code, code) for code in fil.items or []],
            "status": fil.status, "status_label": FILING_STATUS.get(fil.status, fil.status),
        } for fil in filings],
        "last_changed": max(changes).isoformat(),
    }


PUBLIC_COLUMNS = ("机构名称", "统一社会信用代码", "所属行政区划", "许可证编号", "许可事项", "有效期至",
                  "许可证状态", "备案编号", "备案事项", "备案状态", "最近变更日期")
PUBLIC_TEXT = (2, 4, 8)  # credit code, licence and filing numbers


def _public_lines(row: dict[str, Any]) -> Iterable[list[str]]:
    """One line per licence / filing pair (an agency holds one of each, ended ones beside)."""
    licences, filings = row["licenses"] or [None], row["filings"] or [None]
    for index in range(max(len(licences), len(filings))):
        lic = licences[index] if index < len(licences) else None
        fil = filings[index] if index < len(filings) else None
        yield [row["name"], row["credit_code"], row["division_name"],
               lic["license_number"] if lic else "", "、".join(lic["items"]) if lic else "",
               (lic["valid_until"] or "长期") if lic else "", lic["status_label"] if lic else "",
               fil["filing_number"] if fil else "", "、".join(fil["items"]) if fil else "",
               fil["status_label"] if fil else "", row["last_changed"]]


def public_workbook(query: PublicQuery) -> bytes:
    """The public list as .xlsx (every match, formula-safe cells, code columns text)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人力资源服务机构名录")
    excel.text_columns(ws, PUBLIC_TEXT)
    excel.set_widths(ws, [[c] for c in PUBLIC_COLUMNS])
    excel.freeze_header(ws, len(PUBLIC_COLUMNS))
    ws.append([excel.header_cell(ws, label) for label in PUBLIC_COLUMNS])
    agencies = db.session.scalars(_public_select(query).options(*LOADED).order_by(*ORDER)
                                  .limit(PUBLIC_EXPORT_MAX))
    for agency in agencies:
        for line in _public_lines(public_row(agency)):
            ws.append([excel.cell(ws, value, text=index in PUBLIC_TEXT)
                       for index, value in enumerate(line, start=1)])
    return excel.to_bytes(wb)


# --- 双公示 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueQuery:
    status: str = "pending"
    q: str | None = None
    division: str | None = None
    page: int = 1
    per_page: int = 20


def _scoped(identity: Identity) -> Select[Any]:
    return select(PublicityItem).where(scope(PublicityItem.division_code, identity))


def queue(identity: Identity, query: QueueQuery) -> Found:
    """One page of the 双公示 items of the jurisdiction: pending ones by due date, published
    ones latest first."""
    if query.status not in PUBLICITY_STATUS:
        raise Invalid({"status": "应为 pending 或 published"})
    stmt = _scoped(identity).where(PublicityItem.status == query.status)
    if query.division:
        if query.division not in jurisdiction(identity):
            raise Invalid({"division": "不在您的管辖范围内"})
        stmt = stmt.where(PublicityItem.division_code == query.division)
    term = (query.q or "").strip()
    if term:
        stmt = stmt.join(Agency, PublicityItem.agency_id == Agency.id, isouter=True).where(
            or_(Agency.name.contains(term, autoescape=True), Agency.credit_code == term.upper()))
    order = ((PublicityItem.due_date, PublicityItem.id) if query.status == "pending"
             else (PublicityItem.published_at.desc(), PublicityItem.id.desc()))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(stmt, order, page, per_page)
    return rows, total, page, per_page


def days_left(item: PublicityItem, day: dt.date | None = None) -> int | None:
    if item.status != "pending":
        return None
    return calendar.shared().working_days_between(day or today(), item.due_date)


def item_json(item: PublicityItem) -> dict[str, Any]:
    """A queue item as the API and the page show it (the frozen record included)."""
    left = days_left(item)
    return {
        "id": item.id, "source": item.source, "source_id": item.source_id,
        "decision": item.decision, "name": item.name,
        "credit_code": item.record.get("统一社会信用代码", ""),
        "document_name": item.record.get("行政许可决定文书名称", ""),
        "document_number": item.record.get("行政许可决定文书号", ""),
        "division": item.division_code, "division_name": catalog.division_name(item.division_code),
        "decision_date": item.decision_date.isoformat(), "due_date": item.due_date.isoformat(),
        "days_left": left, "deadline_flag": calendar.deadline_flag(left),
        "deadline": item.due_date.isoformat(),
        "status": item.status, "status_label": PUBLICITY_STATUS[item.status],
        "batch_id": item.batch_id,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "record": dict(item.record),
    }


def backlog(identity: Identity) -> Backlog:
    """The workbench count: pending items, due within DUE_SOON_DAYS working days, overdue."""
    day = today()
    soon = calendar.shared().add_working_days(day, calendar.DUE_SOON_DAYS)
    n, late, near = db.session.execute(
        select(func.count(), func.count().filter(PublicityItem.due_date < day),
               func.count().filter(PublicityItem.due_date.between(day, soon)))
        .where(scope(PublicityItem.division_code, identity), PublicityItem.status == "pending")
    ).one()
    return Backlog(n, near, late)


def parse_ids(raw: Any) -> list[int]:
    """A list of item ids (a JSON list, or "1,2,3"); Invalid names the field otherwise."""
    if isinstance(raw, str):
        raw = [part for part in raw.replace("，", ",").split(",") if part.strip()]
    if not isinstance(raw, list) or not raw:
        raise Invalid({"ids": "请选择公示事项"})
    ids: list[int] = []
    for value in raw:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
            raise Invalid({"ids": "应为公示事项编号的列表"})
        if value not in ids:
            ids.append(value)
    if len(ids) > MAX_BATCH:
        raise Invalid({"ids": f"一次最多选择{MAX_BATCH}项"})
    return ids


def _chosen(identity: Identity, ids: Sequence[int], *, lock: bool = False
            ) -> list[PublicityItem]:
    stmt = _scoped(identity).where(PublicityItem.id.in_(ids)).order_by(PublicityItem.id)
    found = list(db.session.scalars(stmt.with_for_update() if lock else stmt))
    if len(found) != len(ids):
        raise NotFound(NOT_FOUND)
    return found


def export_items(identity: Identity, ids: Sequence[int] | None) -> list[PublicityItem]:
    """The chosen items, or every pending one of the jurisdiction (by due date)."""
    if ids:
        return _chosen(identity, ids)
    return list(db.session.scalars(
        _scoped(identity).where(PublicityItem.status == "pending")
        .order_by(PublicityItem.due_date, PublicityItem.id).limit(MAX_BATCH)))


def export_records(identity: Identity, items: Sequence[PublicityItem]) -> list[dict[str, str]]:
    """The 27-field records (数据导出时间 now), the export audited."""
    when = dt.datetime.now(local_zone()).strftime("%Y-%m-%d %H:%M:%S")
    with atomic():
        audit.record(identity, "export", "publicity", "queue",
                     data={"items": [i.id for i in items], "count": len(items)})
    return [{field: (when if field == EXPORT_TIME else str(item.record.get(field, "")))
             for field in FIELDS} for item in items]


def export_workbook(records: Sequence[dict[str, str]]) -> bytes:
    """The credit platform's layout: the 27 fields in order, code columns text, formula-safe."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("行政许可")
    text = {index for index, field in enumerate(FIELDS, start=1) if field in CODE_FIELDS}
    excel.text_columns(ws, text)
    excel.set_widths(ws, [[field] for field in FIELDS])
    excel.freeze_header(ws, len(FIELDS))
    ws.append([excel.header_cell(ws, field) for field in FIELDS])
    for record in records:
        ws.append([excel.cell(ws, record[field], text=index in text)
                   for index, field in enumerate(FIELDS, start=1)])
    return excel.to_bytes(wb)


def publish(identity: Identity, raw_ids: Any) -> PublicityBatch:
    """【标记已公示】: the chosen pending items become one published batch, audited."""
    ids = parse_ids(raw_ids)
    with atomic():
        items = _chosen(identity, ids, lock=True)
        done = [i.id for i in items if i.status != "pending"]
        if done:
            raise Conflict(f"以下事项已公示，请刷新后重新选择：{', '.join(map(str, done))}")
        now = utcnow()
        batch = PublicityBatch(division_code=identity.division or "", item_count=len(items),
                               created_by=identity.user_id, created_by_name=identity.name,
                               created_at=now)
        db.session.add(batch)
        db.session.flush()
        for item in items:
            item.status, item.batch_id, item.published_at = "published", batch.id, now
            audit.record(identity, "publish", "publicity_item", item.id, from_state="pending",
                         to_state="published", data={"batch": batch.id})
        audit.record(identity, "publish", "publicity_batch", batch.id, to_state="published",
                     data={"items": ids, "count": len(ids)})
    return batch
