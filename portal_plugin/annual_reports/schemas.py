"""年度报告's API objects: the report a clerk fills in, as answered, and the list's query."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from portal_plugin.annual_reports.models import ANNUAL_REPORT_STATUS, AnnualReport
from portal_plugin.annual_reports.service import (
    EDITABLE,
    FIGURES,
    FIRST_YEAR,
    LABELS,
    TRANSITIONS,
)
from portal_plugin.core.schemas import Answer, DivisionCode, Event, Paging, one_of, text
from portal_plugin.core.validation import MAX_AMOUNT, MAX_COUNT

# What a reviewer may do to a report, from its transition table.
REVIEWER_ACTIONS = [a for a, t in TRANSITIONS.items() if t.step == "review"]

Year = Annotated[int, Field(ge=FIRST_YEAR, description=f"{LABELS['year']}, from {FIRST_YEAR}, "
                                                       "not in the future")]
_FIGURES: dict[str, Any] = {key: (Annotated[int, Field(ge=0, le=MAX_COUNT,
                                                       description=LABELS[key])], ...)
                            for key in FIGURES}

ReportFigures = create_model(
    "ReportFigures", __doc__="What a report states.", **_FIGURES,
    year=(Year, ...),
    revenue=(Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2,
                                      description=LABELS["revenue"])], ...),
    complaints=(Annotated[str | None, Field(description=LABELS["complaints"])], None),
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
