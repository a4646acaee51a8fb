"""年度报告 services for the pages and the API: fill in, submit, review, query, export."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal_plugin.annual_reports.models import (
    ANNUAL_REPORT_STATUS,
    EDITABLE,
    TRANSITIONS,
    AnnualReport,
)
from portal_plugin.annual_reports.schemas import FIGURES, FIRST_YEAR, LABELS, ReportFigures
from portal_plugin.core import audit, catalog, excel, validation
from portal_plugin.core.clock import local_zone, today, utcnow
from portal_plugin.core.errors import Conflict, Forbidden, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction, own_valid_agency, scope
from portal_plugin.core.models import MAX_ID, Agency, AuditEvent, Filing, License
from portal_plugin.core.paging import offset_page, page_bounds
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker
from workflows import state
from workflows.engine import CLERK_STEP, Transition

DOING = "填报年度报告"
# The 公示信息 sheet: publishable identity and compliance fields only (DOMAIN.md).
EXPORT_COLUMNS = ("name", "credit_code", "license_numbers", "filing_numbers", "legal_rep",
                  "address", "year", "submitted_on", "status")
EXPORT_HEADERS = tuple(LABELS[key] for key in EXPORT_COLUMNS)
EXPORT_TEXT_COLUMNS = (2, 3, 4)
EXPORT_WIDTHS = (40, 22, 30, 30, 14, 40, 10, 12, 8)
EXPORT_BATCH = 1000
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ReportQuery:
    year: int | None = None
    name: str | None = None
    status: str | None = None
    division: str | None = None
    page: int = 1
    per_page: int = 20


def validate(data: Mapping[str, Any]) -> dict[str, Any]:
    """A report's clean values, or Invalid naming every bad field with its reason."""
    check = Checker()
    clean = check.model(ReportFigures, data)
    year = clean["year"]
    if year is not None and year == today().year:
        check.fail("year", f"年度报告报告的是已经结束的年度，{year}年度尚未结束，不能填报；"
                           f"请填报{year - 1}年度")
    elif year is not None and not FIRST_YEAR <= year < today().year:
        check.fail("year", f"报告年度应在{FIRST_YEAR}年至{today().year - 1}年之间")
    check.raise_any()
    return clean


def due_date(year: int) -> dt.date:
    """The day a year's report is due: ANNUAL_REPORT_DEADLINE (MM-DD) of the following year."""
    month, day = (int(part) for part in current_app.config["ANNUAL_REPORT_DEADLINE"].split("-"))
    return dt.date(year + 1, month, day)


def _late(report: AnnualReport | None, year: int) -> dict[str, Any]:
    """逾期报送 is judged at the first submission (a resubmission after 退回 keeps the mark)."""
    if report is not None and report.submitted_at is not None:
        return {}
    return {"late": today() > due_date(year)}


def _numbers(column: Any, model: Any, agency_id: int) -> str | None:
    in_force = model.in_force() if model is License else model.status == "valid"
    numbers = db.session.scalars(select(column).where(
        model.agency_id == agency_id, in_force).order_by(column)).all()
    return "、".join(numbers) or None


def _snapshot(agency: Agency) -> dict[str, Any]:
    """The agency's basics as the report keeps them (taken again at every submission)."""
    return {
        "name": agency.name, "credit_code": agency.credit_code,
        "division_code": agency.division_code, "legal_rep": agency.legal_rep,
        "address": agency.address,
        "license_numbers": _numbers(License.license_number, License, agency.id),
        "filing_numbers": _numbers(Filing.filing_number, Filing, agency.id),
    }


def _duplicate(year: int) -> Conflict:
    return Conflict(f"本机构{year}年度的年度报告已经填报，不能重复填报；请在列表中打开该报告修改")


@contextmanager
def _saving(year: int) -> Iterator[None]:
    """One transaction, committed at the end; the unique (agency, year) constraint, whether the
    row is inserted, re-dated or raced by a second request, answers the same clear refusal."""
    try:
        with atomic():
            yield
    except IntegrityError:
        raise _duplicate(year) from None


def create(identity: Identity, data: Mapping[str, Any], *, submit: bool = False
           ) -> AnnualReport:
    """Fill in the year's report for the clerk's own agency (a draft, or submitted at once)."""
    agency = own_valid_agency(identity, DOING)
    clean = validate(data)
    now = utcnow()
    report = AnnualReport(**clean, **_snapshot(agency), agency_id=agency.id, filled_on=today(),
                          created_by=identity.user_id, created_at=now, updated_at=now)
    if submit:
        report.status, report.submitted_at = "submitted", now
        report.late = _late(None, clean["year"])["late"]
    with _saving(clean["year"]):
        db.session.add(report)
        db.session.flush()
        audit.record(identity, "create", "annual_report", report.id, to_state=report.status,
                     data={"year": report.year, "agency": agency.credit_code})
    return report


def edit(identity: Identity, report_id: int, data: Mapping[str, Any], *,
         version: int | None = None, submit: bool = False) -> AnnualReport:
    """Change a draft or returned report of the clerk's agency (and submit it, if asked)."""
    agency = own_valid_agency(identity, DOING)
    report = get(identity, report_id)
    values = validate(data) | _snapshot(agency) | {"filled_on": today()}
    if submit:
        values |= _late(report, values["year"]) | {"submitted_at": utcnow()}
    return _change(identity, report, TRANSITIONS["submit"] if submit else None, version, values)


def submit(identity: Identity, report_id: int, *, version: int | None = None) -> AnnualReport:
    """报送 a draft or returned report of the clerk's agency to the bureau."""
    agency = own_valid_agency(identity, DOING)
    report = get(identity, report_id)
    return _change(identity, report, TRANSITIONS["submit"], version,
                   _snapshot(agency) | _late(report, report.year) | {"submitted_at": utcnow()})


def review(identity: Identity, report_id: int, action: str, *, reason: str | None = None,
           version: int | None = None) -> AnnualReport:
    """【通过】 a submitted report, or 【退回】 / 【退回重填】 one submitted or passed (reason)."""
    transition = TRANSITIONS[action]
    if transition.step == CLERK_STEP or not identity.can(f"annual_reports.{transition.step}"):
        raise Forbidden("您的业务角色无权查阅年度报告")
    report = get(identity, report_id)
    return _change(identity, report, transition, version, {
        "reviewed_at": utcnow(), "reviewed_by": identity.user_id,
        "reviewed_by_name": identity.name}, reason=reason)


def _change(identity: Identity, report: AnnualReport, transition: Transition | None,
            version: int | None, values: dict[str, Any], *,
            reason: str | None = None) -> AnnualReport:
    """Take a transition (None: the clerk's edit) on a loaded report in one transaction: the
    version the user saw and the state, the reason, the one guarded state change, the audit."""
    sources, target = (transition.sources, transition.target) if transition else (EDITABLE, None)
    state.check(report.status, report.version, sources, version, ANNUAL_REPORT_STATUS.__getitem__)
    if transition:
        reason = validation.reason(reason, required=transition.reason_required,
                                 missing="请填写退回原因")
        # The agency sees why it was returned until the report is submitted or passed again.
        values = values | {"reason": reason if target == "returned" else None}
    source = report.status
    with _saving(values.get("year", report.year)):
        state.change(AnnualReport, report.id, sources, target, report.version,
                     where=(_visible(identity),), **values, updated_at=utcnow())
        db.session.refresh(report)
        audit.record(identity, transition.action if transition else "edit", "annual_report",
                     report.id, from_state=source, to_state=report.status, reason=reason,
                     data={"year": report.year, "agency": report.credit_code})
    return report


def _visible(identity: Identity) -> ColumnElement[bool]:
    """Officers see the submitted reports of their jurisdiction; clerks their own agency's."""
    if identity.is_officer:
        return and_(scope(AnnualReport.division_code, identity), AnnualReport.status != "draft")
    return AnnualReport.credit_code == identity.agency_credit_code


def _scoped(identity: Identity) -> Select[Any]:
    """The reports in the identity's scope (see _visible)."""
    return select(AnnualReport).where(_visible(identity))


def search(identity: Identity, query: ReportQuery) -> tuple[list[AnnualReport], int, int, int]:
    """One page of reports in scope, the latest year first, then by agency name."""
    stmt = _scoped(identity)
    if query.division:
        if identity.is_officer and query.division not in jurisdiction(identity):
            raise Invalid({"division": "不在您的管辖范围内"})
        stmt = stmt.where(AnnualReport.division_code == query.division)
    if query.status:
        if query.status not in ANNUAL_REPORT_STATUS:
            raise Invalid({"status": "不是有效的状态"})
        stmt = stmt.where(AnnualReport.status == query.status)
    if query.year is not None:
        stmt = stmt.where(AnnualReport.year == query.year)
    if query.name and query.name.strip():
        stmt = stmt.where(AnnualReport.name.contains(query.name.strip(), autoescape=True))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(stmt, (AnnualReport.year.desc(), AnnualReport.name,
                                     AnnualReport.id), page, per_page)
    return rows, total, page, per_page


def get(identity: Identity, report_id: int) -> AnnualReport:
    """One report in scope; anything else is 404 (out of jurisdiction looks like absent)."""
    report = (db.session.scalar(_scoped(identity).where(AnnualReport.id == report_id))
              if 0 < report_id <= MAX_ID else None)
    if report is None:
        raise NotFound("年度报告不存在，或不在您的管辖范围内")
    return report


def events(report: AnnualReport) -> list[dict[str, Any]]:
    """The report's audit trail (流转记录), oldest first."""
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "annual_report", AuditEvent.object_id == str(report.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
    return [{"at": e.occurred_at.isoformat(), "action": e.action, "from": e.from_state,
             "to": e.to_state, "actor": e.actor_name, "reason": e.reason} for e in rows]


def _local(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(local_zone()).isoformat() if moment else None


def actions(report: AnnualReport) -> list[str]:
    """What can be done with the report in its status: the clerk's edit / submit, the bureau's
    pass / return (return on a passed report is 退回重填)."""
    edit = ["edit"] if report.status in EDITABLE else []
    return edit + [action for action, t in TRANSITIONS.items() if report.status in t.sources]


def to_json(report: AnnualReport) -> dict[str, Any]:
    """A report as CONTRACT.md names its fields (the revenue as a string, exact)."""
    return {
        "id": report.id, "year": report.year, "status": report.status,
        "actions": actions(report),
        "status_label": ANNUAL_REPORT_STATUS[report.status], "version": report.version,
        "agency": {"id": report.agency_id, "name": report.name,
                   "credit_code": report.credit_code, "division": report.division_code,
                   "division_name": catalog.division_name(report.division_code),
                   "legal_rep": report.legal_rep, "address": report.address,
                   "license_numbers": report.license_numbers,
                   "filing_numbers": report.filing_numbers},
        **{key: getattr(report, key) for key in FIGURES},
        "revenue": f"{report.revenue:.2f}", "complaints": report.complaints,
        "filled_by": report.filled_by, "filled_on": report.filled_on.isoformat(),
        "reason": report.reason, "created_at": _local(report.created_at),
        "submitted_at": _local(report.submitted_at), "reviewed_at": _local(report.reviewed_at),
        "reviewed_by_name": report.reviewed_by_name,
        "due_on": due_date(report.year).isoformat(), "late": report.late,
    }


# --- 导出公示信息 ------------------------------------------------------------------------


def export_year(value: str | None, *, default: int | None = None) -> int:
    """A year argument (export, 未报送): required unless a default is given, from FIRST_YEAR
    to the last finished year (a report covers a past year)."""
    if validation.blank(value) and default is not None:
        return default
    year = validation.whole_number(value)
    if year is None:
        raise Invalid({"year": "请选择报告年度" if validation.blank(value) else "应为年份，如 2025"})
    if not FIRST_YEAR <= year < today().year:
        raise Invalid({"year": f"报告年度应在{FIRST_YEAR}年至{today().year - 1}年之间"})
    return year


# --- 未报送: agencies due to report that have not ---------------------------------------

REPORTED = ("submitted", "passed")
MISSING_HEADERS = ("机构名称", "统一社会信用代码", "所在区", "许可证编号", "备案编号", "法定代表人",
                   "联系人", "联系电话", "报告年度", "报送期限", "填报情况")
MISSING_WIDTHS = (40, 22, 12, 30, 30, 14, 12, 16, 10, 12, 10)


def _missing_stmt(identity: Identity, year: int) -> Select[Any]:
    """Agencies of the jurisdiction with a valid licence or filing (granted by the end of the
    year) and no submitted or passed report for it, by district and name."""
    if not identity.can("annual_reports.review"):
        raise Forbidden("您的业务角色无权查阅年度报告")
    end = dt.date(year, 12, 31)
    # A licence held during the year: not ended otherwise, and not expired before it began.
    licensed = select(License.id).where(
        License.agency_id == Agency.id, License.status.in_(("valid", "expired")),
        or_(License.valid_until.is_(None), License.valid_until >= dt.date(year, 1, 1)),
        License.issued_on <= end).exists()
    filed = select(Filing.id).where(Filing.agency_id == Agency.id, Filing.status == "valid",
                                    Filing.filed_on <= end).exists()
    reported = select(AnnualReport.id).where(AnnualReport.agency_id == Agency.id,
                                             AnnualReport.year == year,
                                             AnnualReport.status.in_(REPORTED)).exists()
    draft = (select(AnnualReport.status).where(AnnualReport.agency_id == Agency.id,
                                               AnnualReport.year == year)
             .scalar_subquery())
    return (select(Agency, draft.label("report_status"))
            .where(scope(Agency.division_code, identity), Agency.status == "valid",
                   or_(licensed, filed), ~reported)
            .order_by(Agency.division_code, Agency.name, Agency.id))


def missing(identity: Identity, year: int, page: int = 1, per_page: int = 20
            ) -> tuple[list[dict[str, Any]], int, int, int]:
    """One page of the 未报送 list of a year, with the total."""
    stmt = _missing_stmt(identity, year)
    page, per_page = page_bounds(page, per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    return [_missing_json(agency, status, year) for agency, status in rows], int(total or 0), \
        page, per_page


def _missing_json(agency: Agency, status: str | None, year: int) -> dict[str, Any]:
    return {
        "id": agency.id, "name": agency.name, "credit_code": agency.credit_code,
        "division": agency.division_code,
        "division_name": catalog.division_name(agency.division_code),
        "license_numbers": _numbers(License.license_number, License, agency.id),
        "filing_numbers": _numbers(Filing.filing_number, Filing, agency.id),
        "legal_rep": agency.legal_rep, "contact": agency.contact, "phone": agency.phone,
        "year": year, "due_on": due_date(year).isoformat(),
        "report_status": status, "report_status_label": MISSING_STATUS[status],
    }


MISSING_STATUS = {None: "未填报", "draft": "草稿未提交", "returned": "退回未重报"}


def export_missing(identity: Identity, year: int) -> tuple[Iterator[bytes], str]:
    """The 未报送 list of a year as .xlsx (audited), and its download name."""
    stmt = _missing_stmt(identity, year).execution_options(yield_per=EXPORT_BATCH)

    def rows() -> Iterator[tuple[Any, ...]]:
        for agency, status in db.session.execute(stmt):
            row = _missing_json(agency, status, year)
            yield (row["name"], row["credit_code"], row["division_name"],
                   row["license_numbers"], row["filing_numbers"], row["legal_rep"],
                   row["contact"], row["phone"], year, row["due_on"], row["report_status_label"])

    def write(spool: IO[bytes]) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("未报送年度报告机构")
        for index, width in enumerate(MISSING_WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        excel.text_columns(ws, (2, 4, 5, 8))
        excel.freeze_header(ws, len(MISSING_HEADERS))
        ws.append([excel.header_cell(ws, label) for label in MISSING_HEADERS])
        for row in rows():
            ws.append([_safe(ws, value) for value in row])
        wb.save(spool)

    return _exported(identity, "annual_report_missing", year, write), excel.download_name(
        "未报送年度报告机构", f"{year}年度")


def passed_rows(identity: Identity, year: int) -> Iterator[tuple[Any, ...]]:
    """The publishable columns of the year's passed reports in scope, read in batches."""
    stmt = (select(AnnualReport.name, AnnualReport.credit_code, AnnualReport.license_numbers,
                   AnnualReport.filing_numbers, AnnualReport.legal_rep, AnnualReport.address,
                   AnnualReport.year, AnnualReport.submitted_at)
            .where(scope(AnnualReport.division_code, identity), AnnualReport.year == year,
                   AnnualReport.status == "passed")
            .order_by(AnnualReport.division_code, AnnualReport.name, AnnualReport.id)
            .execution_options(yield_per=EXPORT_BATCH))
    zone, label = local_zone(), ANNUAL_REPORT_STATUS["passed"]
    for row in db.session.execute(stmt):
        *values, submitted_at = row
        yield (*values, submitted_at.astimezone(zone).date().isoformat()
               if submitted_at else None, label)


def write_sheet(rows: Iterator[tuple[Any, ...]], out: IO[bytes]) -> None:
    """Write the 公示信息 sheet (write-only: rows go to disk as they come) into `out`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("年度报告公示信息")
    for index, width in enumerate(EXPORT_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    excel.text_columns(ws, EXPORT_TEXT_COLUMNS)
    excel.freeze_header(ws, len(EXPORT_HEADERS))
    ws.append([excel.header_cell(ws, label) for label in EXPORT_HEADERS])
    # Codes are strings, so they are written as text; the columns' text format keeps them
    # text when edited. Only formula-like text needs a cell of its own (excel.cell).
    for row in rows:
        ws.append([_safe(ws, value) for value in row])
    wb.save(out)


def _safe(ws: Any, value: Any) -> Any:
    """A plain value as is; text through the sanitiser (formula-like text kept as text)."""
    if isinstance(value, str) and value.startswith(excel.FORMULA_START):
        return excel.cell(ws, value)
    return excel.sanitise(value)


def _exported(identity: Identity, object_type: str, year: int,
              write: Callable[[IO[bytes]], None]) -> Iterator[bytes]:
    """A workbook written to a temporary file and audited as an export of the year's
    `object_type`, streamed in chunks (the file closes once streamed, or on a failure)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _chunks once streamed)
    try:
        write(spool)
        audit.record(identity, "export", object_type, f"{year}",
                     data={"year": year, "divisions": sorted(jurisdiction(identity))})
        db.session.commit()
    except Exception:
        db.session.rollback()
        spool.close()
        raise
    spool.seek(0)
    return _chunks(spool)


def export(identity: Identity, year: int) -> tuple[Iterator[bytes], str]:
    """The year's 公示信息 workbook as a stream of bytes, and its download name (audited)."""
    if not identity.can("annual_reports.review"):
        raise Forbidden("您的业务角色无权导出年度报告")
    chunks = _exported(identity, "annual_report", year,
                       lambda spool: write_sheet(passed_rows(identity, year), spool))
    return chunks, excel.download_name("年度报告公示信息", f"{year}年度")


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK):
            yield chunk
