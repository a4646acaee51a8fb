"""现场招聘会's API objects: the fair a clerk registers, as answered, and the list's query."""

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, create_model

from portal_plugin.core.schemas import AgencyRef, Answer, DivisionCode, Paging, Phone, code_of, text
from portal_plugin.core.validation import MAX_COUNT
from portal_plugin.job_fairs.models import JobFair
from portal_plugin.job_fairs.service import (
    COUNT_FIELDS,
    KIND,
    LABELS,
    MAX_DAYS,
    PHONE_FIELDS,
    POLICE_PERMIT_FROM,
    TEXT_FIELDS,
)


def _labelled(kind: Any, key: str, description: str = "") -> Any:
    return Annotated[kind, Field(description=" ".join(filter(None, (LABELS[key], description))))]


# Every field a fair takes: (type, default) as create_model wants it; ... marks a required one.
_FIELDS: dict[str, Any] = {
    **{key: (Annotated[str, Field(max_length=length, description=LABELS[key])], ...)
       if required else
       (Annotated[str | None, Field(max_length=length, description=LABELS[key])], None)
       for key, length, required in TEXT_FIELDS},
    "kind": (code_of(KIND, LABELS["kind"]), ...),
    "division": (_labelled(DivisionCode, "division", "of the venue"), ...),
    **{key: (_labelled(Phone, key), ...) for key in PHONE_FIELDS},
    **{key: (Annotated[int, Field(ge=0, le=MAX_COUNT, description=LABELS[key])], ...)
       for key in COUNT_FIELDS},
    "start_at": (_labelled(dt.datetime, "start_at", "local time unless an offset is given"), ...),
    "end_at": (_labelled(dt.datetime, "end_at", f"after start_at, at most {MAX_DAYS} days"), ...),
    "police_permit_no": (text(JobFair.police_permit_no,
                              f"{LABELS['police_permit_no']}, required from "
                              f"{POLICE_PERMIT_FROM} expected visitors") | None, None),
}

JobFairIn = create_model("JobFairIn", __doc__="A job fair to register for the clerk's agency.",
                         **_FIELDS)


class JobFairOut(JobFairIn, Answer):
    """A registered job fair, its times in the bureau's zone with their offset."""

    id: int
    kind_label: str
    division_name: str
    agency: AgencyRef
    created_by_name: str
    created_at: dt.datetime


class JobFairQuery(Paging):
    """The fair list's conditions."""

    name: str | None = Field(None, description="招聘会名称 (part)")
    organizer: str | None = Field(None, description="主办单位 (part)")
    division: DivisionCode | None = Field(None, description="the venue's district")
    held_from: dt.date | None = Field(None, description="fairs still going on that day")
    held_to: dt.date | None = Field(None, description="fairs begun by that day")
