"""What comes to people on the 工作台: the 业务管理岗's counts and the clerk's to-do items."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import func, select

from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core.clock import today
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import own_agency, scope
from portal_plugin.core.models import Agency, License
from portal_plugin.core.todos import Count, Todo, count, todo
from portal_plugin.history.models import ImportBatch
from workflows.engine import case_type
from workflows.models import Case

EXPIRING_DAYS = 90  # a licence valid for at most this many more days is "expiring"
OPEN = ("submitted", "pending_review")


def _expiring(identity: Identity) -> int:
    start = today()
    return db.session.scalar(
        select(func.count()).select_from(License).join(Agency, License.agency_id == Agency.id)
        .where(License.status == "valid", License.valid_until >= start,
               License.valid_until <= start + dt.timedelta(days=EXPIRING_DAYS),
               scope(Agency.division_code, identity))) or 0


def _overdue(identity: Identity) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Case)
        .where(Case.status.in_(OPEN), Case.deadline < today(),
               scope(Case.division_code, identity))) or 0


count(Count("reports", "待查阅的年度报告", "annual_reports.review", lambda who: db.session.scalar(
    select(func.count()).select_from(AnnualReport).where(
        AnnualReport.status == "submitted", scope(AnnualReport.division_code, who))) or 0,
    lambda: url_for("hrm.annual_reports.index", status="submitted"), order=10))
count(Count("batches", "待确认导入的批次", "history.import", lambda who: db.session.scalar(
    select(func.count()).select_from(ImportBatch).where(
        ImportBatch.status == "validated", ImportBatch.error_count == 0,
        scope(ImportBatch.division_code, who))) or 0,
    lambda: url_for("hrm.history.batches"), order=20))
count(Count("expiring", f"{EXPIRING_DAYS}日内到期的许可证", "agencies.manage", _expiring,
            lambda: url_for("hrm.cases.licensing_expiring"), warn=True, order=30))
count(Count("overdue", "辖区内超期办件", "agencies.manage", _overdue,
            lambda: url_for("hrm.pages.workbench"), warn=True, order=40))


@todo
def returned_cases(who: Identity) -> list[Todo]:
    """Applications the bureau returned: the reason and 【修改】."""
    cases = db.session.scalars(select(Case).where(
        Case.credit_code == who.agency_credit_code, Case.status == "returned")
        .order_by(Case.id.desc()).limit(20))
    return [Todo("退回待修改", f"{case_type(c.workflow).label}申请 {c.case_no or ''}".strip(),
                 f"退回原因：{c.reason or ''}",
                 url_for("hrm.agency.case_page", wf=c.workflow, case_id=c.id), "修改")
            for c in cases]


@todo
def returned_reports(who: Identity) -> list[Todo]:
    reports = db.session.scalars(select(AnnualReport).where(
        AnnualReport.credit_code == who.agency_credit_code, AnnualReport.status == "returned")
        .order_by(AnnualReport.year.desc()).limit(20))
    return [Todo("退回待修改", f"{r.year}年度报告", f"退回原因：{r.reason or ''}",
                 url_for("hrm.agency_annual_reports.edit", report_id=r.id), "修改")
            for r in reports]


@todo
def certificates_to_collect(who: Identity) -> list[Todo]:
    """Approved licences whose certificate has not been handed over yet (no 登记发证)."""
    cases = db.session.scalars(select(Case).where(
        Case.credit_code == who.agency_credit_code, Case.status == "approved",
        Case.issue_due.is_not(None), Case.issued_on.is_(None)).order_by(Case.id.desc()).limit(20))
    return [Todo("待领取证书", f"{case_type(c.workflow).label} {c.case_no or ''}".strip(),
                 f"许可证编号：{(c.result or {}).get('license_number', '')}，请到窗口领取许可证",
                 url_for("hrm.agency.case_page", wf=c.workflow, case_id=c.id), "查看")
            for c in cases]


@todo
def expiring_licences(who: Identity) -> list[Todo]:
    agency = own_agency(who)
    if agency is None:
        return []
    start = today()
    licences = db.session.scalars(select(License).where(
        License.agency_id == agency.id, License.status == "valid",
        License.valid_until >= start,
        License.valid_until <= start + dt.timedelta(days=EXPIRING_DAYS)))
    return [Todo("许可证即将到期", f"许可证 {lic.license_number}",
                 f"有效期至 {lic.valid_until}（{(lic.valid_until - start).days}天后到期）",
                 url_for("hrm.agency.home"), "查看") for lic in licences]


@todo
def reports_due(who: Identity) -> list[Todo]:
    """Last year's annual report, while it is not submitted (a licensed or filed agency)."""
    agency = own_agency(who)
    if agency is None or agency.status != "valid":
        return []
    year = today().year - 1
    report = db.session.scalar(select(AnnualReport).where(
        AnnualReport.agency_id == agency.id, AnnualReport.year == year))
    if report is not None and report.status in ("submitted", "passed"):
        return []
    if report is not None and report.status == "returned":
        return []  # listed with its reason by returned_reports
    url = (url_for("hrm.agency_annual_reports.edit", report_id=report.id) if report else
           url_for("hrm.agency_annual_reports.own"))
    return [Todo("年度报告待报送", f"{year}年度报告", "尚未报送" if report is None else "草稿未报送",
                 url, "填报")]
