"""年度报告's API objects: the report a clerk fills in, as answered, and the list's query."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from portal_plugin.annual_reports.models import (
    ANNUAL_REPORT_STATUS,
    EDITABLE,
    TRANSITIONS,
    AnnualReport,
)
from portal_plugin.core.schemas import Answer, DivisionCode, Event, Paging, one_of, text
from portal_plugin.core.validation import Amount, Count, Text

FIRST_YEAR = 2000
FIGURES = ("staff_count", "served_workers", "served_employers", "placements", "job_fairs_held",
           "online_postings", "trainings")
LABELS = {
    "year": "报告年度", "staff_count": "从业人员数", "revenue": "营业收入（万元）",
    "served_workers": "服务劳动者人次", "served_employers": "服务用人单位家次",
    "placements": "帮助实现就业人数", "job_fairs_held": "举办招聘会场次",
    "online_postings": "网络发布岗位数", "trainings": "培训人次", "complaints": "投诉及处罚情况",
    "filled_by": "填报人", "filled_on": "填报日期",
    # The agency's basics as the report keeps them, and its life.
    "name": "机构名称", "credit_code": "统一社会信用代码", "license_numbers": "许可证编号",
    "filing_numbers": "备案编号", "legal_rep": "法定代表人", "address": "住所",
    "submitted_on": "报送日期", "status": "状态",
}
# What a reviewer may do to a report, from its transition table.
REVIEWER_ACTIONS = [a for a, t in TRANSITIONS.items() if t.step == "review"]

# The year is a whole number; the service keeps it between FIRST_YEAR and last year (a report
# covers a finished year: the current one is refused).
Year = Annotated[Count(9999, LABELS["year"]), Field(
    description=f"{LABELS['year']}, from {FIRST_YEAR} to last year (the current year is refused)")]

ReportFigures = create_model(
    "ReportFigures", __doc__="What a report states.",
    year=(Year, ...),
    **{key: (Count(label=LABELS[key]), ...) for key in FIGURES},
    revenue=(Amount(LABELS["revenue"]), ...),
    complaints=(Text(2000, LABELS["complaints"]) | None, None),
    filled_by=(text(AnnualReport.filled_by, LABELS["filled_by"]), ...))


class AnnualReportIn(ReportFigures):
    """A report to save (409: one a year); `submit` submits it at once (报送)."""

    submit: bool = False
    version: int | None = Field(None, description="PUT: the version read (409 if stale)")


class ReportAgency(Answer):
    """The agency's basics as they were when the report was (last) submitted."""

    id: int
    name: str
    credit_code: str
    division: str
    division_name: str
    legal_rep: str
    address: str
    license_numbers: str | None
    filing_numbers: str | None


class AnnualReportOut(ReportFigures, Answer):
    """An annual report with what its status allows (return on a passed one: 退回重填)."""

    id: int
    status: one_of(ANNUAL_REPORT_STATUS)
    status_label: str
    version: int
    actions: list[str] = Field(description=f"edit and submit while {' or '.join(EDITABLE)}; "
                                           f"the reviewer's {', '.join(REVIEWER_ACTIONS)}")
    agency: ReportAgency
    filled_on: dt.date
    reason: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    reviewed_by_name: str | None
    due_on: dt.date = Field(description="the year's deadline (ANNUAL_REPORT_DEADLINE of the "
                                        "following year)")
    late: bool = Field(description="逾期报送: first submitted after the deadline")


class AnnualReportDetail(AnnualReportOut):
    """One annual report with its 流转记录."""

    events: list[Event]


class ReportQuery(Paging):
    """The report list's conditions."""

    year: Annotated[int | None, Field(description=LABELS["year"])] = None
    name: str | None = Field(None, description="机构名称 (part)")
    status: one_of(ANNUAL_REPORT_STATUS) | None = None
    division: DivisionCode | None = Field(None, description="a district of the jurisdiction")


class ExportQuery(BaseModel):
    """The 公示信息 export's year."""

    year: Year


class MissingQuery(Paging):
    """未报送: the year (last year unless told); `format=xlsx` gives the sheet."""

    year: Annotated[int | None, Field(description=f"{LABELS['year']}; default last year")] = None
    format: Annotated[Literal["xlsx"] | None, Field(description="xlsx: the list as a sheet")] = None


class MissingAgency(Answer):
    """An agency with a valid licence or filing and no submitted report for the year."""

    id: int
    name: str
    credit_code: str
    division: str
    division_name: str
    license_numbers: str | None
    filing_numbers: str | None
    legal_rep: str
    contact: str | None
    phone: str | None
    year: int
    due_on: dt.date
    report_status: Literal["draft", "returned"] | None = Field(
        description="its report of the year, if one was begun or returned")
    report_status_label: str
