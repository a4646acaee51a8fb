"""The cases API's objects (applications, decisions, cases) and the registry records' lists."""

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from portal_plugin.core.models import FILING_STATUS, LICENSE_STATUS, RECORD_SOURCE
from portal_plugin.core.permissions import WORKFLOWS
from portal_plugin.core.schemas import (
    AGENCY_FACTS,
    AgencyFacts,
    Answer,
    DivisionCode,
    Event,
    Id,
    Paging,
    code_of,
    codes_of,
    fields,
    one_of,
)
from workflows import change, deregistration
from workflows.engine import STATUS_LABELS

Workflow = one_of(WORKFLOWS)

Changes = create_model(
    "Changes", __doc__="The facts that change, each with its new value (at least one).",
    __config__=ConfigDict(json_schema_extra={"minProperties": 1}),
    **fields(AGENCY_FACTS, change.AGENCY_FIELDS, every=True),
    **{key: (codes_of(kind) | None, None) for key, kind in change.ITEM_FIELDS.items()})


class Target(BaseModel):
    """A licence or filing of the agency's to deregister."""

    kind: one_of(deregistration.MODELS)
    id: Id


class CaseBody(BaseModel):
    """An application: licensing takes agency + license_items; filing agency + filing_items;
    change changes; branch branch; deregistration targets + ground. For change, branch and
    deregistration the agency is the clerk's registered one."""

    agency: AgencyFacts | None = None
    license_items: codes_of("license_item", "许可事项") | None = None
    filing_items: codes_of("filing_item", "备案事项") | None = None
    changes: Changes | None = None
    branch: AgencyFacts | None = None
    targets: Annotated[list[Target], Field(min_length=1)] | None = None
    ground: code_of("deregistration_ground", "注销原因") | None = None
    submit: bool = Field(False, description="create only: submit at once")
    version: int | None = Field(None, description="edit only: the version last read")


class CaseAgency(Answer):
    """The applicant as a case names it."""

    credit_code: str
    name: str


class Case(BaseModel):
    """A case as a list row; the numbers appear once a decision gave them."""

    id: int
    case_no: str | None = Field(description="办件编号, from submission on")
    workflow: Workflow
    status: one_of(STATUS_LABELS)
    status_label: str
    version: int
    agency: CaseAgency
    division: str = Field(description="the handling bureau's division")
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str | None
    deadline: dt.date | None
    days_left: int | None = Field(description="working days left, < 0 overdue")
    deadline_flag: str | None = Field(description="yellow when due soon, red when overdue")
    actions: list[str] = Field(description="what the caller may do now")
    license_number: str | None = None
    decision_number: str | None = None
    filing_number: str | None = None
    document_number: str | None = None


class CaseAgencyDetail(CaseAgency):
    """The applicant with the division the application names."""

    division: str | None


class CaseEvent(Event):
    """One step of a case's 流转记录."""

    actor_division: str | None


class CaseDetail(Case):
    """One case with its application, result and 流转记录."""

    agency: CaseAgencyDetail
    application: dict[str, Any]
    result: dict[str, Any] | None
    events: list[CaseEvent]


class CaseQuery(Paging):
    """The case list's conditions."""

    q: str | None = Field(None, description="agency name (part), credit code or case number")
    status: one_of(STATUS_LABELS) | None = None
    name: str | None = Field(None, description="agency name (part)")
    credit_code: str | None = None
    case_no: str | None = None
    division: DivisionCode | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None


class CasePath(BaseModel):
    """The case type in a case's path."""

    wf: Workflow


class RecordAgency(Answer):
    """The agency a record belongs to."""

    id: int
    credit_code: str
    name: str
    division: str


class RecordQuery(Paging):
    """The licence and filing lists' conditions (the 查看 pages')."""

    q: str | None = Field(None, description="agency name (part), credit code or number")
    name: str | None = Field(None, description="agency name (part)")
    credit_code: str | None = None
    number: str | None = Field(None, description="licence or filing number")
    division: DivisionCode | None = None
    granted_from: dt.date | None = Field(None, description="issued / filed on or after")
    granted_to: dt.date | None = Field(None, description="issued / filed on or before")


class LicenseQuery(RecordQuery):
    """The licence list's conditions."""

    status: one_of(LICENSE_STATUS) | None = None


class FilingQuery(RecordQuery):
    """The filing list's conditions."""

    status: one_of(FILING_STATUS) | None = None


class LicenseRecord(Answer):
    """A licence in the registry."""

    id: int
    license_number: str
    decision_number: str | None
    agency: RecordAgency
    items: list[str]
    issued_on: dt.date
    valid_until: dt.date | None
    status: one_of(LICENSE_STATUS)
    status_label: str
    source: one_of(RECORD_SOURCE)


class FilingRecord(Answer):
    """A filing in the registry."""

    id: int
    filing_number: str
    agency: RecordAgency
    items: list[str]
    filed_on: dt.date
    status: one_of(FILING_STATUS)
    status_label: str
    source: one_of(RECORD_SOURCE)
