"""The landing workbench, the agency's home, and every manual function's menu entry."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from portal_plugin.access import (
    AGENCY,
    MenuItem,
    current_identity,
    grouped,
    menu_entries,
    requires,
    signed_in,
)
from portal_plugin.extensions import db
from portal_plugin.models import Agency

bp = Blueprint("pages", __name__)

# The manual's 18 bureau functions (19 menu items) in the manual's order:
# (endpoint, path, label, group, permission). Each row becomes a real page when the issue that
# builds its function replaces the row with a view; until then the page says so honestly.
FUNCTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("licensing_accept", "/licensing/accept", "行政许可受理", "行政许可", "licensing.accept"),
    ("licensing_review", "/licensing/review", "行政许可审批", "行政许可", "licensing.review"),
    ("licensing_view", "/licensing/records", "行政许可查看", "行政许可", "licensing.view"),
    ("filing_accept", "/filing/accept", "业务备案受理", "业务备案", "filing.accept"),
    ("filing_review", "/filing/review", "业务备案核查", "业务备案", "filing.review"),
    ("filing_view", "/filing/records", "业务备案查看", "业务备案", "filing.view"),
    ("change_accept", "/change/accept", "事项变更受理", "事项变更", "change.accept"),
    ("change_review", "/change/review", "事项变更审批", "事项变更", "change.review"),
    ("branch_accept", "/branch/accept", "设立分支机构报告受理", "设立分支机构报告", "branch.accept"),
    ("branch_review", "/branch/review", "设立分支机构报告审核", "设立分支机构报告", "branch.review"),
    ("deregistration_accept", "/deregistration/accept", "注销受理", "注销", "deregistration.accept"),
    ("deregistration_review", "/deregistration/review", "注销审批", "注销", "deregistration.review"),
    ("revocations", "/revocations", "注销单位行政许可", "机构监管", "revocation.manage"),
    ("agencies", "/agencies", "机构管理", "机构监管", "agencies.manage"),
    ("annual_reports", "/annual-reports", "年度报告查阅", "机构监管", "annual_reports.review"),
    ("job_fairs", "/job-fairs", "现场招聘会查阅", "机构监管", "job_fairs.view"),
    ("statistics_new", "/statistics/new", "按年度统计各地区新增情况", "人力资源服务机构统计分析",
     "statistics.view"),
    ("statistics_deregistered", "/statistics/deregistered", "按年度统计各地区注销情况",
     "人力资源服务机构统计分析", "statistics.view"),
    ("history_import", "/history-import", "历史数据采集", "数据采集", "history.import"),
)


def _not_open(label: str) -> Callable[[], str]:
    def view() -> str:
        return render_template("pages/not_open.html", title=label)

    view.__doc__ = f"Show that {label} is not open yet."
    return view


for order, (endpoint, path, label, group, permission) in enumerate(FUNCTIONS, start=1):
    bp.add_url_rule(
        path, endpoint,
        requires(permission, menu=MenuItem(label, group, order * 10))(_not_open(label)),
    )


@bp.get("/")
@signed_in
def workbench() -> str:
    """Show the user's functions (工作台)."""
    identity = current_identity()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return render_template("pages/workbench.html", groups=grouped(menu_entries(app, identity)))


@bp.get("/agency")
@requires("agency.self_service", menu=MenuItem("本机构信息", "单位端", 1000, side=AGENCY))
def agency_home() -> str:
    """Show the clerk's own agency as the registry holds it."""
    identity = current_identity()
    assert identity is not None
    agency = db.session.scalar(
        select(Agency).where(Agency.credit_code == identity.agency_credit_code)
    )
    return render_template("pages/agency_home.html", agency=agency,
                           credit_code=identity.agency_credit_code)
