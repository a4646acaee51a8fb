"""年度报告 pages (bureau 年度报告查阅, agency 年度报告填报) and /api/v1/annual-reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template,
    request,
    url_for,
)

from portal_plugin.annual_reports import service as annual_reports
from portal_plugin.annual_reports.models import ANNUAL_REPORT_STATUS
from portal_plugin.annual_reports.schemas import (
    FIGURES,
    FIRST_YEAR,
    LABELS,
    AnnualReportDetail,
    AnnualReportIn,
    AnnualReportOut,
    ExportQuery,
    MissingAgency,
    MissingQuery,
    ReportQuery,
)
from portal_plugin.core.access import AGENCY_SIDE, MenuItem, identity, requires
from portal_plugin.core.api import body, form_version, page_of, version_of
from portal_plugin.core.apidoc import XLSX, documents
from portal_plugin.core.errors import Invalid
from portal_plugin.core.excel import XLSX_MIME, content_disposition
from portal_plugin.core.jurisdiction import own_agency
from portal_plugin.core.pages import action_post, form_post, list_page
from portal_plugin.core.paging import page_count
from portal_plugin.core.permissions import AGENCY_PERMISSION
from portal_plugin.core.queryargs import districts_of, int_arg
from portal_plugin.core.schemas import Page, Reason, max_lengths

PERMISSION = "annual_reports.review"
PER_PAGE = 20
FORM_FIELDS = ("year", *FIGURES, "revenue", "complaints", "filled_by")
DONE = {"pass": "已通过", "return": "已退回"}

bp = Blueprint("annual_reports", __name__, url_prefix="/annual-reports")
agency_bp = Blueprint("agency_annual_reports", __name__, url_prefix="/agency/annual-reports")
api_bp = Blueprint("annual_reports_api", __name__, url_prefix="/api/v1/annual-reports")
BLUEPRINTS = (bp, agency_bp, api_bp)


def query_from(args: Mapping[str, str], per_page: int | None = None
               ) -> annual_reports.ReportQuery:
    """The query parameters (pages and API alike); bad ones are Invalid with their field."""
    errors: dict[str, str] = {}

    query = annual_reports.ReportQuery(
        year=int_arg(args, "year", None, errors), name=args.get("name") or None,
        status=args.get("status") or None, division=args.get("division") or None,
        page=int_arg(args, "page", 1, errors) or 1,
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors) or 1)
    if errors:
        raise Invalid(errors)
    return query


def _list_page(template: str, **extra: Any) -> tuple[str, int]:
    """The reports in scope as one page of the list (a bad query: its errors, 422)."""
    return list_page(template, lambda: annual_reports.search(identity(), query_from(request.args, PER_PAGE)),
                     row=annual_reports.to_json, statuses=ANNUAL_REPORT_STATUS, years=_years(), **extra)


def _years() -> list[int]:
    return list(range(annual_reports.today().year, FIRST_YEAR - 1, -1))


def _detail(report_id: int, template: str, *, errors: Mapping[str, str] | None = None,
            message: str | None = None, status: int = 200, **extra: Any) -> tuple[str, int]:
    report = annual_reports.get(identity(), report_id)
    return render_template(template, report=annual_reports.to_json(report),
                           events=annual_reports.events(report), labels=LABELS,
                           statuses=ANNUAL_REPORT_STATUS, errors=errors or {}, message=message,
                           **extra), status


# --- bureau: 年度报告查阅 ---------------------------------------------------------------


@bp.get("")
@requires(PERMISSION, menu=MenuItem("年度报告查阅", "机构监管", 150))
def index() -> tuple[str, int]:
    """Query the annual reports of the officer's jurisdiction (年度报告查阅)."""
    return _list_page("hrm/annual_reports/index.html", divisions=districts_of(identity()),
                      export_year=request.args.get("year") or annual_reports.today().year - 1)


@bp.get("/<int:report_id>")
@requires(PERMISSION)
def detail(report_id: int) -> tuple[str, int]:
    """Show one annual report with 【查阅】 (通过 / 退回) or 【退回重填】."""
    return _detail(report_id, "hrm/annual_reports/detail.html")


@bp.post("/<int:report_id>/<any(pass, return):action>")
@requires(PERMISSION)
def act(report_id: int, action: str) -> Response | tuple[str, int]:
    """Take the decision the officer clicked (通过 / 退回 / 退回重填)."""
    return action_post(
        lambda: annual_reports.review(identity(), report_id, action,
                                      reason=request.form.get("reason", ""),
                                      version=form_version()),
        lambda report: (f"{report.name} {report.year}年度报告{DONE[action]}",
                        url_for(".detail", report_id=report_id)),
        lambda errors, message, status: _detail(
            report_id, "hrm/annual_reports/detail.html", errors=errors, message=message,
            status=status, open_action=action if errors else None))


def _export() -> Response:
    chunks, name = annual_reports.export(identity(),
                                         annual_reports.export_year(request.args.get("year")))
    response = Response(chunks, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = content_disposition(name, "annual_reports.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export")
@requires(PERMISSION)
def export() -> Response:
    """Download the year's passed reports as 公示信息 (.xlsx, 【导出公示信息】)."""
    return _export()


def _missing_year() -> int:
    return annual_reports.export_year(request.args.get("year"),
                                      default=annual_reports.today().year - 1)


def _missing_export(year: int) -> Response:
    chunks, name = annual_reports.export_missing(identity(), year)
    response = Response(chunks, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = content_disposition(name, "missing_reports.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/missing")
@requires(PERMISSION)
def missing() -> tuple[str, int]:
    """未报送: the agencies of the jurisdiction due to report for a year that have not."""
    errors: dict[str, str] = {}
    try:
        year = _missing_year()
    except Invalid as exc:
        year, errors = annual_reports.today().year - 1, exc.fields
    page = int_arg(request.args, "page", 1, errors) or 1
    rows, total, page, per_page = annual_reports.missing(identity(), year, page, PER_PAGE)
    return render_template(
        "hrm/annual_reports/missing.html", rows=rows, total=total, page=page,
        pages=page_count(total, per_page), year=year, years=_years()[1:], errors=errors,
        args=request.args, due_on=annual_reports.due_date(year)), 422 if errors else 200


@bp.get("/missing/export")
@requires(PERMISSION)
def missing_export() -> Response:
    """The 未报送 list of a year as .xlsx."""
    return _missing_export(_missing_year())


# --- agency: 年度报告填报 ---------------------------------------------------------------


@agency_bp.get("")
@requires(AGENCY_PERMISSION, menu=MenuItem("年度报告填报", "单位端", 1020, side=AGENCY_SIDE))
def own() -> tuple[str, int]:
    """List the annual reports of the clerk's agency."""
    return _list_page("hrm/annual_reports/own.html", agency=own_agency(identity()))


def _form(values: Mapping[str, Any], errors: Mapping[str, str] | None = None,
          status: int = 200, report: dict[str, Any] | None = None) -> tuple[str, int]:
    return render_template("hrm/annual_reports/form.html", values=values, errors=errors or {},
                           labels=LABELS, report=report,
                           figures=FIGURES, max_len=max_lengths(AnnualReportIn),
                           agency=own_agency(identity())), status


def _save(report_id: int | None) -> Response | tuple[str, int]:
    """Save the posted form (【保存】 keeps a draft, 【提交】 submits)."""
    who = identity()
    values = {key: request.form.get(key, "").strip() or None for key in FORM_FIELDS}
    submit = request.form.get("submit") == "1"
    current = (annual_reports.to_json(annual_reports.get(who, report_id))
               if report_id else None)

    def save() -> Any:
        if report_id is None:
            return annual_reports.create(who, values, submit=submit)
        return annual_reports.edit(who, report_id, values, submit=submit,
                                   version=form_version())

    return form_post(
        save, lambda report: (f"{report.year}年度报告已{'提交' if submit else '保存'}",
                              url_for(".detail_own", report_id=report.id)),
        lambda errors, status: _form(values, errors, status, current))


@agency_bp.route("/new", methods=["GET", "POST"])
@requires(AGENCY_PERMISSION)
def new() -> Response | tuple[str, int]:
    """Fill in the annual report of a year (【保存】 / 【提交】)."""
    if request.method == "GET":
        return _form({"year": str(annual_reports.today().year - 1),
                      "filled_by": identity().name})
    return _save(None)


@agency_bp.get("/<int:report_id>")
@requires(AGENCY_PERMISSION)
def detail_own(report_id: int) -> tuple[str, int]:
    """Show one of the agency's annual reports (with the reason of a return)."""
    return _detail(report_id, "hrm/annual_reports/detail_own.html")


@agency_bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@requires(AGENCY_PERMISSION)
def edit(report_id: int) -> Response | tuple[str, int]:
    """Change a draft or returned report and save or resubmit it."""
    if request.method == "POST":
        return _save(report_id)
    report = annual_reports.to_json(annual_reports.get(identity(), report_id))
    values = {key: report[key] for key in FORM_FIELDS}
    return _form(values, report=report)


@agency_bp.post("/<int:report_id>/submit")
@requires(AGENCY_PERMISSION)
def submit_own(report_id: int) -> Response | tuple[str, int]:
    """Submit a draft report (【提交】)."""
    return action_post(
        lambda: annual_reports.submit(identity(), report_id, version=form_version()),
        lambda report: (f"{report.year}年度报告已提交", url_for(".detail_own", report_id=report_id)),
        lambda errors, message, status: _detail(
            report_id, "hrm/annual_reports/detail_own.html", errors=errors, message=message,
            status=status))


# --- API ----------------------------------------------------------------------------------


def _json(report: Any) -> Response:
    return jsonify(annual_reports.to_json(report))


@api_bp.post("")
@documents(body=AnnualReportIn, response=AnnualReportOut, status=201, errors=(409,))
@requires(AGENCY_PERMISSION)
def create() -> tuple[Response, int]:
    """Fill in a year's report for the clerk's own agency (submitted at once with "submit")."""
    data = body()
    report = annual_reports.create(identity(), data, submit=data.get("submit") is True)
    return _json(report), 201


@api_bp.put("/<int:report_id>")
@documents(body=AnnualReportIn, response=AnnualReportOut, errors=(409,))
@requires(AGENCY_PERMISSION)
def update(report_id: int) -> Response:
    """Change a draft or returned report (resubmitted with "submit")."""
    data = body()
    return _json(annual_reports.edit(identity(), report_id, data,
                                     version=version_of(data.get("version")),
                                     submit=data.get("submit") is True))


@api_bp.post("/<int:report_id>/submit")
@documents(body=Reason, response=AnnualReportOut, errors=(409,))
@requires(AGENCY_PERMISSION)
def submit(report_id: int) -> Response:
    """Submit a draft or returned report."""
    data = body()
    return _json(annual_reports.submit(identity(), report_id,
                                       version=version_of(data.get("version"))))


@api_bp.get("")
@documents(query=ReportQuery, response=Page[AnnualReportOut])
@requires(PERMISSION, AGENCY_PERMISSION)
def list_reports() -> Response:
    """List the reports in scope (jurisdiction, or the clerk's own), the latest year first."""
    return page_of(annual_reports.search(identity(), query_from(request.args)), annual_reports.to_json)


@api_bp.get("/<int:report_id>")
@documents(response=AnnualReportDetail)
@requires(PERMISSION, AGENCY_PERMISSION)
def get_report(report_id: int) -> Response:
    """One report in scope, with its 流转记录."""
    report = annual_reports.get(identity(), report_id)
    return jsonify(annual_reports.to_json(report) | {"events": annual_reports.events(report)})


@api_bp.post("/<int:report_id>/<any(pass, return):action>")
@documents(body=Reason, response=AnnualReportOut, errors=(409,))
@requires(PERMISSION)
def review(report_id: int, action: str) -> Response:
    """通过 a submitted report, or 退回 a submitted or passed one ({"reason"})."""
    data = body()
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise Invalid({"reason": "应为文本"})
    return _json(annual_reports.review(identity(), report_id, action, reason=reason,
                                       version=version_of(data.get("version"))))


@api_bp.get("/missing")
@documents(query=MissingQuery, response=Page[MissingAgency])
@requires(PERMISSION)
def missing_api() -> Response:
    """未报送: agencies of the jurisdiction with a valid licence or filing and no submitted
    report for the year (`&format=xlsx`: the sheet)."""
    year = _missing_year()
    fmt = request.args.get("format")
    if fmt == "xlsx":
        return _missing_export(year)
    if fmt:
        raise Invalid({"format": "只支持 xlsx"})
    errors: dict[str, str] = {}
    page = int_arg(request.args, "page", 1, errors) or 1
    per_page = int_arg(request.args, "per_page", PER_PAGE, errors) or 1
    if errors:
        raise Invalid(errors)
    return page_of(annual_reports.missing(identity(), year, page, per_page))


@api_bp.get("/export")
@documents(query=ExportQuery, response=XLSX)
@requires(PERMISSION)
def export_api() -> Response:
    """The year's 公示信息 .xlsx of the passed reports in the caller's jurisdiction."""
    return _export()
