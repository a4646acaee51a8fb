"""双公示: every licensing decision enters the publication queue in the decision's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal_plugin.core import catalog
from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import LICENSE_STATUS, Agency, License, UTCDateTime
from workflows import calendar
from workflows.models import Case

# DOMAIN.md "Deadlines": a licensing decision is published within 7 working days.
DUE_WORKING_DAYS = 7
PUBLICITY_STATUS = {"pending": "待公示", "published": "已公示"}

# The credit platform's 行政许可 record layout (DOMAIN.md "Documents and publicity"), in order.
FIELDS: tuple[str, ...] = (
    "行政相对人名称", "统一社会信用代码", "工商注册号", "组织机构代码", "税务登记号", "事业单位证书号",
    "社会组织登记证号", "法定代表人", "法定代表人身份证号", "证件类型", "证件号码",
    "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
    "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注", "数据导出时间",
)
# Columns that hold codes and numbers: text-formatted in the export (no 1.2E+17, no lost zeros).
CODE_FIELDS = frozenset({
    "统一社会信用代码", "工商注册号", "组织机构代码", "税务登记号", "事业单位证书号", "社会组织登记证号",
    "法定代表人身份证号", "证件号码", "行政许可决定文书号", "许可编号", "许可机关统一社会信用代码",
    "数据来源单位统一社会信用代码",
})
EXPORT_TIME = "数据导出时间"  # filled at export, not frozen with the record
LICENSE_CATEGORY = "普通"  # 《行政许可法》 Art 12(1): an ordinary licence (普通许可)
CERTIFICATE_NAME = "人力资源服务许可证"


class PublicityBatch(db.Model):
    """One 【标记已公示】: the items an officer published on the credit platform together."""

    __tablename__ = "publicity_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6))  # the publishing officer's division
    item_count: Mapped[int] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublicityItem(db.Model):
    """A licensing decision awaiting (or past) publication, its 27-field record frozen at the
    decision."""

    __tablename__ = "publicity_items"
    __table_args__ = (Index("ix_publicity_items_queue", "status", "division_code", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What decided: a case of a workflow (licensing, change, …) or a revocation.
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column()
    decision: Mapped[str] = mapped_column(String(20))  # approve / refuse / revoke
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The deciding division: whose officers see and publish the item.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    remarks: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("publicity_batches.id"), index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def name(self) -> str:
        return str(self.record.get("行政相对人名称", ""))


@dataclass(frozen=True)
class Publication:
    """What a workflow's decisions publish: the decision documents' names per action."""

    approve: str
    refuse: str
    # Whether the case concerns a licence at all (a filing-only 注销 or change is no 行政许可).
    concerns_licence: bool = True


# The engine's hook table, keyed by workflow name: a workflow listed here publishes its
# approvals and refusals. Adding the renewal workflow is one line:
#     "renewal": Publication("准予延续行政许可决定书", "不予延续行政许可决定书"),
PUBLISHED: dict[str, Publication] = {
    "licensing": Publication("准予行政许可决定书", "不予行政许可决定书"),
    "change": Publication("准予变更行政许可决定书", "不予变更行政许可决定书"),
    "deregistration": Publication("准予注销行政许可决定书", "不予注销行政许可决定书"),
    "renewal": Publication("准予延续行政许可决定书", "不予延续行政许可决定书"),
}
REVOCATION_DOCUMENT = "注销行政许可决定书"


def due_date(decided: dt.date) -> dt.date:
    """The 双公示 deadline: 7 working days after the decision (holidays and 调休 count)."""
    return calendar.shared().add_working_days(decided, DUE_WORKING_DAYS)


def _items_text(items: list[str] | None) -> str:
    labels = catalog.labels("license_item")
    names = [labels.get(code, code) for code in items or []]
    return "职业中介活动" + ("：" + "、".join(names) if names else "")


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def build_record(*, name: str, credit_code: str, legal_rep: str | None, document_name: str,
                 document_number: str | None, license_: License | None, items: list[str] | None,
                 decided: dt.date, division: str, state: str, remarks: str | None
                 ) -> dict[str, str]:
    """The 27 fields (but 数据导出时间) of one decision, as they stand at the decision."""
    from workflows import common  # common imports the engine, which imports this module

    authority, authority_code = common.authority(division)
    number = license_.license_number if license_ else ""
    return {
        "行政相对人名称": name,
        "统一社会信用代码": credit_code,
        # Since 三证合一 the 统一社会信用代码 replaces these registration numbers.
        "工商注册号": "", "组织机构代码": "", "税务登记号": "", "事业单位证书号": "",
        "社会组织登记证号": "",
        "法定代表人": legal_rep or "",
        # The ID number fields stay EMPTY: the 行政相对人 here is always an agency (a legal
        # person), and the layout carries ID numbers for natural-person applicants only, whom
        # this system does not have; a legal representative's ID number is never published.
        "法定代表人身份证号": "", "证件类型": "", "证件号码": "",
        "行政许可决定文书名称": document_name,
        # The 决定文号; the licence number when the decision has none.
        "行政许可决定文书号": document_number or number,
        "许可类别": LICENSE_CATEGORY,
        "许可证书名称": CERTIFICATE_NAME,
        "许可编号": number,
        "许可内容": _items_text(items),
        "许可决定日期": decided.isoformat(),
        "有效期自": _iso(license_.issued_on) if license_ else "",
        "有效期至": (_iso(license_.valid_until) or "长期") if license_ else "",
        "许可机关": authority,
        "许可机关统一社会信用代码": authority_code or "",
        "当前状态": state,
        "数据来源单位": authority,
        "数据来源单位统一社会信用代码": authority_code or "",
        "备注": remarks or "",
    }


def _enqueue(source: str, source_id: int, decision: str, agency_id: int | None, division: str,
             decided: dt.date, record: dict[str, str]) -> PublicityItem:
    item = PublicityItem(source=source, source_id=source_id, decision=decision,
                         agency_id=agency_id, division_code=division, decision_date=decided,
                         due_date=due_date(decided), record=record, remarks=record["备注"],
                         status="pending")
    db.session.add(item)
    db.session.flush()
    return item


def _case_licence(case: Case) -> License | None:
    """The licence a decided case concerns: the one it issued, named, or the agency's."""
    result = case.result or {}
    if result.get("license_id"):
        return db.session.get(License, result["license_id"])
    for target in case.payload.get("targets", []):
        if target.get("kind") == "license":
            return db.session.get(License, target["id"])
    if case.agency_id is None and case.workflow != "licensing":
        agency = db.session.query(Agency).filter_by(credit_code=case.credit_code).one_or_none()
        agency_id = agency.id if agency else None
    else:
        agency_id = case.agency_id
    if agency_id is None:
        return None
    return db.session.scalar(db.select(License).where(License.agency_id == agency_id)
                             .order_by(License.status != "valid", License.id.desc()))


def _change_remarks(case: Case) -> str:
    from portal_plugin.core.schemas import AGENCY_LABELS

    changes: Mapping[str, Any] = case.payload.get("changes", {})
    names = [AGENCY_LABELS.get(key, {"license_items": "许可事项",
                                     "filing_items": "备案事项"}.get(key, key))
             for key in changes]
    return "变更事项：" + "、".join(names) if names else ""


def on_decision(workflow: str, case: Case, action: str, decided: dt.date) -> PublicityItem | None:
    """The engine's hook at 【准予】/【不予】: queue the decision of a published workflow."""
    publication = PUBLISHED.get(workflow)
    if publication is None or action not in ("approve", "refuse"):
        return None
    licence = _case_licence(case)
    if publication.concerns_licence and workflow != "licensing" and licence is None:
        return None
    if workflow == "deregistration" and not any(
            t.get("kind") == "license" for t in case.payload.get("targets", [])):
        return None  # a filing's 注销 is no 行政许可 decision
    agency = case.payload.get("agency", {})
    name, legal_rep = agency.get("name") or case.agency_name, agency.get("legal_rep")
    result = case.result or {}
    if workflow == "change" and action == "approve":
        changed = case.payload.get("changes", {})
        name, legal_rep = changed.get("name", name), changed.get("legal_rep", legal_rep)
    approved = action == "approve"
    if workflow == "licensing":
        shown = licence if approved else None
        number = result.get("decision_number") if approved else None
        state = "有效" if approved else "不予许可"
        remarks = None if approved else case.reason
    elif workflow == "deregistration":
        shown, number = licence, result.get("document_number") if approved else None
        state = (LICENSE_STATUS.get(licence.status, "") if licence and approved
                 else "不予注销")
        remarks = catalog.labels("deregistration_ground").get(case.payload.get("ground", ""))
        if not approved:
            remarks = case.reason
    else:  # change, renewal: the licence stays in force either way
        shown, number = licence, None
        state = LICENSE_STATUS.get(licence.status, "") if licence else ""
        remarks = _change_remarks(case) if workflow == "change" else None
        if not approved:
            remarks = "；".join(x for x in (remarks, f"不予理由：{case.reason or ''}") if x)
    document = publication.approve if approved else publication.refuse
    if number is None and not approved:
        number = case.case_no  # a refusal issues no 文号 here: the case number identifies it
    items = (shown.items if shown else case.payload.get("license_items"))
    record = build_record(
        name=name, credit_code=case.credit_code, legal_rep=legal_rep, document_name=document,
        document_number=number, license_=shown, items=items, decided=decided,
        division=case.division_code, state=state, remarks=remarks)
    return _enqueue("case", case.id, action, case.agency_id, case.division_code, decided, record)


def on_revocation(revocation_id: int, agency: Agency, licence: License, division: str,
                  decided: dt.date, document_number: str, ground: str) -> PublicityItem:
    """注销单位行政许可's hook: the revocation decision enters the queue."""
    record = build_record(
        name=agency.name, credit_code=agency.credit_code, legal_rep=agency.legal_rep,
        document_name=REVOCATION_DOCUMENT, document_number=document_number, license_=licence,
        items=licence.items, decided=decided, division=division,
        state=LICENSE_STATUS.get(licence.status, licence.status), remarks=ground)
    return _enqueue("revocation", revocation_id, "revoke", agency.id, division, decided, record)
