"""机构管理's API objects: the agency the registry takes and answers, and the list's query."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, create_model

from portal_plugin.agencies.service import FIELDS, LABELS
from portal_plugin.core.models import AGENCY_STATUS, RECORD_SOURCE, Agency
from portal_plugin.core.schemas import (
    AGENCY_FACTS,
    OPTIONAL_FACTS,
    AgencyRef,
    Answer,
    DivisionCode,
    Paging,
    code_of,
    fields,
    one_of,
    text,
)
from portal_plugin.core.validation import (
    AGENCY_EXTRA_FIELDS,
    AGENCY_MAX_LEN,
    EARLIEST_DATE,
    MAX_AMOUNT,
    MAX_COUNT,
)

# The registry's facts beyond an application's, by field.
REGISTRY_FACTS: dict[str, Any] = {
    "business_address": text(Agency.business_address, LABELS["business_address"]),
    "founded_on": Annotated[dt.date, Field(description=f"{LABELS['founded_on']}, from "
                                                       f"{EARLIEST_DATE}, not in the future")],
    "registered_capital": Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2,
                                                   description=LABELS["registered_capital"])],
    "business_scope": Annotated[str, Field(max_length=AGENCY_MAX_LEN["business_scope"],
                                           description=LABELS["business_scope"])],
    "staff_count": Annotated[int, Field(ge=0, le=MAX_COUNT, description=LABELS["staff_count"])],
}
FACTS = {**AGENCY_FACTS, **REGISTRY_FACTS}

AgencyFields = create_model("AgencyFields", __doc__="An agency's facts in the registry.",
                            **fields(FACTS, FIELDS, optional={*OPTIONAL_FACTS, *AGENCY_EXTRA_FIELDS}))


class AgencyIn(AgencyFields):
    """An agency to add (source 录入); 409 for a credit code registered already."""


AgencyEdit = create_model(
    "AgencyEdit", __doc__="The fields to change; the others keep their values, the credit code "
                          "cannot change.",
    **fields(FACTS, (f for f in FIELDS if f != "credit_code"), every=True))


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

