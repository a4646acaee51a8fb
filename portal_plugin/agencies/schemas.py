"""机构管理's API objects: the agency the registry takes and answers, and the list's query."""

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, create_model

from portal_plugin.core.models import AGENCY_STATUS, RECORD_SOURCE
from portal_plugin.core.pii import MASKED_NOTE
from portal_plugin.core.schemas import (
    AGENCY_FACTS,
    AGENCY_RECORD_FIELDS,
    AgencyRecord,
    AgencyRef,
    Answer,
    DivisionCode,
    Paging,
    code_of,
    fields,
    one_of,
)

# The registry's agency is the one agency schema (core.schemas.AgencyRecord).
AgencyFields = AgencyRecord


class AgencyIn(AgencyFields):
    """An agency to add (source 录入); 409 for a credit code registered already."""


AgencyEdit = create_model(
    "AgencyEdit", __doc__="The fields to change; the others keep their values, the credit code "
                          "cannot change.",
    **fields(AGENCY_FACTS, (f for f in AGENCY_RECORD_FIELDS if f != "credit_code"), every=True))


class AgencyQuery(Paging):
    """The agency list's conditions."""

    q: str | None = Field(None, description="机构名称 (part) or 统一社会信用代码 (part)")
    name: str | None = Field(None, description="机构名称 (part)")
    credit_code: str | None = Field(None, description="统一社会信用代码 (part)")
    division: DivisionCode | None = Field(None, description="a district of the jurisdiction")
    agency_type: code_of("agency_type", "机构类型") | None = None
    status: one_of(AGENCY_STATUS) | None = None


class AgencyOut(AgencyFields, Answer):
    """An agency as the registry holds it, with the labels of its codes."""

    # In lists, and for readers who do not need them, masked (core.pii).
    legal_rep_id_no: str = Field(title="证件号码", description=MASKED_NOTE)
    phone: str | None = Field(None, title="联系电话", description=MASKED_NOTE)
    id: int
    agency_type_label: str
    division_name: str
    legal_rep_id_type_label: str
    parent: AgencyRef | None
    status: one_of(AGENCY_STATUS)
    status_label: str
    source: one_of(RECORD_SOURCE)
    source_label: str
    deregistered_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AgencyChanged(AgencyOut):
    """An agency after an edit, with what changed."""

    changes: dict[str, Annotated[list[Any], Field(min_length=2, max_length=2)]] = Field(
        description="{field: [before, after]}")

