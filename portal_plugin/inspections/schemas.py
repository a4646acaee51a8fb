"""告知承诺核查's API objects: the 事后核查 and its outcome, the exclusion list's entries."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from portal_plugin.core.schemas import AgencyRef, Answer, DivisionCode, Paging, one_of
from portal_plugin.core.validation import CreditCode, Day, Missing, Text
from workflows.commitment import EXCLUSION_REASONS, INSPECTION_STATUS, OUTCOMES
from workflows.schemas import Code_

LABELS = {"outcome": "核查结果", "due": "整改期限", "remarks": "备注",
          "credit_code": "统一社会信用代码", "agency_name": "机构名称", "reason": "列入原因",
          "reason_text": "原因说明", "starts_on": "列入日期", "ends_on": "截止日期"}


class OutcomeIn(BaseModel):
    """A 事后核查's outcome: passed (核查合格, closes it), rectify (限期整改, `due` required, it
    stays open until then) or revoke (撤销许可: the licence 已撤销 through 注销单位行政许可 with
    the ground 被撤销, the agency put on the exclusion list)."""

    outcome: Annotated[Code_(OUTCOMES, LABELS["outcome"]), Missing("请选择核查结果")]
    due: Annotated[Day | None, Field(title=LABELS["due"],
                                     description="限期整改: the day the rectification is due "
                                                 "(after today)")] = None
    remarks: Text(500, LABELS["remarks"]) | None = None
    version: int | None = Field(None, description="the version last read")


class InspectionOut(Answer):
    """A 事后核查 with its clock (calendar days)."""

    id: int
    status: one_of(INSPECTION_STATUS)
    status_label: str
    version: int
    due: dt.date
    days_left: int | None = Field(description="calendar days until due (< 0 overdue); open only")
    deadline_flag: str | None = Field(description="yellow when due soon, red when overdue")
    outcome: one_of(OUTCOMES) | None
    outcome_label: str | None
    remarks: str | None
    rectify_due: dt.date | None
    checked_on: dt.date | None
    checked_by_name: str | None
    license_id: int
    license_number: str
    license_status: str
    license_status_label: str
    case_id: int
    case_no: str | None
    agency: AgencyRef
    division: str
    division_name: str
    revocation_document: str | None
    granted_on: dt.date


class InspectionQuery(Paging):
    """The 事后核查 list's conditions."""

    status: one_of(INSPECTION_STATUS) | None = Field(None, description="open or closed")
    name: str | None = Field(None, description="机构名称 (part)")
    division: DivisionCode | None = None


class ExclusionIn(BaseModel):
    """An agency to bar from 告知承诺制 (its district must be in the caller's jurisdiction)."""

    credit_code: Annotated[CreditCode, Field(title=LABELS["credit_code"]),
                           Missing("请填写统一社会信用代码")]
    agency_name: Text(200, LABELS["agency_name"]) | None = Field(
        None, description="taken from the registry when the agency is registered")
    reason: Annotated[Code_(EXCLUSION_REASONS, LABELS["reason"]), Missing("请选择列入原因")]
    reason_text: Text(500, LABELS["reason_text"]) | None = Field(
        None, description="required with the reason other (其他)")
    starts_on: Annotated[Day | None, Field(title=LABELS["starts_on"],
                                           description="default today")] = None
    ends_on: Annotated[Day | None, Field(title=LABELS["ends_on"],
                                         description="none: until removed")] = None


class ExclusionOut(Answer):
    """An entry of the exclusion list (ended ones are kept as history)."""

    id: int
    credit_code: str
    agency_name: str
    division: str
    division_name: str
    reason: one_of(EXCLUSION_REASONS)
    reason_label: str
    reason_text: str | None
    starts_on: dt.date
    ends_on: dt.date | None
    active: bool
    inspection_id: int | None
    created_by_name: str
    created_at: dt.datetime
    ended_by_name: str | None
    ended_at: dt.datetime | None


class ExclusionQuery(Paging):
    """The exclusion list's conditions."""

    active: bool | None = Field(None, description="true: in force today; false: ended")
    q: str | None = Field(None, description="机构名称 (part) or 统一社会信用代码")
