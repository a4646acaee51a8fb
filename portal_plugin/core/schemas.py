"""The API schemas' shared pieces: pages, errors, codes and texts measured from the columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from portal_plugin.core import catalog
from portal_plugin.core.check_digits import CREDIT_CHARSET
from portal_plugin.core.models import MAX_ID, Agency, CodeItem, Division
from portal_plugin.core.paging import MAX_PAGE, MAX_PER_PAGE
from portal_plugin.core.validation import AGENCY_FIELDS, PHONE_RE

T = TypeVar("T")


def length(column: Any) -> int:
    """A String column's length, so the document states what the database holds."""
    return int(column.type.length)


def one_of(codes: Iterable[str]) -> Any:
    """A string among a code table's keys: the document's enum follows the table."""
    return Literal[tuple(codes)]  # type: ignore[valid-type]


def text(column: Any, description: str = "") -> Any:
    """Text up to the column's length."""
    return Annotated[str, Field(max_length=length(column), description=description or None)]


def code_of(kind: str, description: str = "") -> Any:
    """A code of a catalogue kind; the codes are administered data, listed by GET /catalog."""
    if kind not in catalog.KINDS:
        raise ValueError(f"unknown catalogue kind {kind!r}")
    return Annotated[str, Field(max_length=length(CodeItem.code),
                                description=f"{description} (catalogue {kind})".strip(),
                                json_schema_extra={"x-catalog": kind})]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
DivisionCode = Annotated[str, Field(pattern=f"^[0-9]{{{length(Division.code)}}}$",
                                    description="区级行政区划代码")]
CreditCode = Annotated[str, Field(pattern=f"^[{CREDIT_CHARSET}]{{{length(Agency.credit_code)}}}$",
                                  description="统一社会信用代码 (GB 32100 check digit)")]
Phone = Annotated[str, Field(pattern=PHONE_RE.pattern)]


class Answer(BaseModel):
    """An object the API answers: every field is always there (null when empty)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Paging(BaseModel):
    """The page of a list every list call takes."""

    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    per_page: Annotated[int, Field(ge=1, description=f"at most {MAX_PER_PAGE}; more is capped",
                                   )] = 20


class Page(Answer, Generic[T]):
    """One page of a list and the size of the whole list."""

    items: list[T]
    total: int
    page: int
    per_page: int


class ErrorDetail(Answer):
    """What went wrong: a machine code, a Chinese message, and per-field messages on 422."""

    code: str
    message: str
    fields: dict[str, str] | None = None


class Error(Answer):
    """Every refusal's body (CONTRACT.md)."""

    error: ErrorDetail


def codes_of(kind: str, description: str = "") -> Any:
    """A non-empty list of codes of a catalogue kind."""
    return Annotated[list[code_of(kind)], Field(min_length=1, description=description or None)]


# An agency's registered facts as applications and the registry take them, by field.
AGENCY_FACTS: dict[str, Any] = {
    "name": text(Agency.name, "机构名称"),
    "credit_code": CreditCode,
    "agency_type": code_of("agency_type", "机构类型"),
    "division": DivisionCode,
    "address": text(Agency.address, "住所"),
    "legal_rep": text(Agency.legal_rep, "法定代表人（负责人）"),
    "legal_rep_id_type": code_of("id_type", "证件类型"),
    "legal_rep_id_no": text(Agency.legal_rep_id_no, "证件号码 (居民身份证: GB 11643 check digit)"),
    "contact": text(Agency.contact, "联系人"),
    "phone": Phone,
}
OPTIONAL_FACTS = frozenset({"contact", "phone"})


def fields(types: dict[str, Any], names: Iterable[str], *, optional: Iterable[str] = (),
           every: bool = False) -> dict[str, Any]:
    """create_model's field definitions: the named types, required unless optional (or every)."""
    loose = set(optional)
    return {name: (types[name] | None, None) if every or name in loose else (types[name], ...)
            for name in names}


AgencyFacts = create_model("AgencyFacts", __doc__="An agency's registered facts.",
                           **fields(AGENCY_FACTS, AGENCY_FIELDS, optional=OPTIONAL_FACTS))


class AgencyRef(Answer):
    """An agency as another object names it."""

    id: int
    credit_code: str
    name: str


class Reason(BaseModel):
    """A decision's body: the reason (where the action needs one) and the version read."""

    reason: Annotated[str | None, Field(description="required to return, reject or refuse")] = None
    version: Annotated[int | None, Field(description="the version last read (409 if stale)")] = None


class Event(Answer):
    """One step of an object's 流转记录 (its audit trail), oldest first."""

    at: dt.datetime
    action: str
    from_: str | None = Field(alias="from")
    to: str | None
    actor: str
    reason: str | None
