"""The 统计分析 pages (table, chart, 【导出】) and their API under /api/v1/statistics."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.wrappers import Response

from portal_plugin.core import excel
from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.apidoc import XLSX, documents
from portal_plugin.core.errors import Invalid
from portal_plugin.statistics import service as statistics
from portal_plugin.statistics.schemas import Table, YearsQuery

bp = Blueprint("statistics", __name__)
BLUEPRINTS = (bp,)

PERMISSION = "statistics.view"
GROUP = "人力资源服务机构统计分析"  # the manual's menu group
KINDS = "<any(new, deregistered):kind>"
API_PATHS = {"new": "new-agencies", "deregistered": "deregistered-agencies"}


def _table(kind: str) -> statistics.Table:
    start, end = statistics.year_range(request.args.get("from"), request.args.get("to"))
    return statistics.compute(identity(), kind, start, end)


def _export(kind: str) -> Response:
    table = _table(kind)
    data = statistics.workbook(identity(), table)
    return excel.xlsx_response(data, statistics.download_name(table), f"statistics_{kind}.xlsx")


def _page(kind: str) -> tuple[str, int]:
    try:
        table = _table(kind)
    except Invalid as refused:
        return render_template("hrm/statistics/table.html", statistic=statistics.STATISTICS[kind],
                               table=None, errors=refused.fields, message=refused.message,
                               args=request.args), 422
    return render_template("hrm/statistics/table.html", statistic=table.statistic, table=table,
                           chart=statistics.chart(table), errors={}, message=None,
                           args=request.args), 200


@bp.get("/statistics/new")
@requires(PERMISSION, menu=MenuItem("按年度统计各地区新增情况", GROUP, 170))
def statistics_new() -> tuple[str, int]:
    """Show new agencies per year and district (按年度统计各地区新增情况)."""
    return _page("new")


@bp.get("/statistics/deregistered")
@requires(PERMISSION, menu=MenuItem("按年度统计各地区注销情况", GROUP, 180))
def statistics_deregistered() -> tuple[str, int]:
    """Show deregistered agencies per year and district (按年度统计各地区注销情况)."""
    return _page("deregistered")


@bp.get(f"/statistics/{KINDS}/export")
@requires(PERMISSION)
def export(kind: str) -> Response:
    """Download the statistic as an .xlsx (【导出】)."""
    return _export(kind)


@bp.get("/api/v1/statistics/new-agencies", defaults={"kind": "new"}, endpoint="api_new")
@bp.get("/api/v1/statistics/deregistered-agencies", defaults={"kind": "deregistered"},
        endpoint="api_deregistered")
@documents(query=YearsQuery, response=(Table, XLSX))
@requires(PERMISSION)
def api(kind: str) -> Response:
    """Count per year and district over the caller's jurisdiction (`?format=xlsx`: the sheet)."""
    if request.args.get("format") == "xlsx":
        return _export(kind)
    table = _table(kind)
    return jsonify({"rows": table.rows(), "total": table.total,
                    "from": table.years[0], "to": table.years[-1]})
