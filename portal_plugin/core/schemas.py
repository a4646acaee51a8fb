"""The schemas' shared pieces: the agency's one schema, pages, errors, texts measured from the
columns. Services check bodies against these same schemas (validation.Checker.model)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from portal_plugin.core.check_digits import id_number_problem
from portal_plugin.core.models import MAX_ID, Agency
from portal_plugin.core.paging import MAX_PAGE, MAX_PER_PAGE
from portal_plugin.core.validation import (
    Amount,
    Checker,
    Code,
    Codes,
    Count,
    CreditCode,
    District,
    Name,
    Phone,
    RegistryDate,
    Text,
)

T = TypeVar("T")


def length(column: Any) -> int:
    """A String column's length, so the schema takes what the database holds."""
    return int(column.type.length)


def one_of(codes: Iterable[str]) -> Any:
    """A string among a code table's keys: the document's enum follows the table."""
    return Literal[tuple(codes)]  # type: ignore[valid-type]


def text(column: Any, label: str = "", description: str = "") -> Any:
    """Text up to the column's length."""
    kind = Text(length(column), label)
    return Annotated[kind, Field(description=description)] if description else kind


def name(column: Any, label: str = "") -> Any:
    """A name up to the column's length (validation.Name: no `<`, `>`, control characters)."""
    return Name(length(column), label)


def code_of(kind: str, label: str = "") -> Any:
    """A code of a catalogue kind (validation.Code)."""
    return Code(kind, label)


def codes_of(kind: str, label: str = "") -> Any:
    """A non-empty list of codes of a catalogue kind."""
    return Codes(kind, label)


def max_lengths(schema: type[BaseModel]) -> dict[str, int]:
    """The longest value of each free-text field of a schema, as its document states it (a
    form's maxlength, an import column's limit); coded fields are chosen, not typed."""
    found = {}
    for name, spec in schema.model_json_schema()["properties"].items():
        for one in (spec, *spec.get("anyOf", ())):
            if "maxLength" in one and "x-catalog" not in one:
                found[name] = one["maxLength"]
    return found


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
DivisionCode = District


# The agency: what applications carry (AGENCY_FIELDS) and what 机构管理 keeps besides
# (AGENCY_EXTRA_FIELDS, DOMAIN.md "The registry"). Each field's label, as DOMAIN.md names it,
# serves pages, error messages and Excel headers.
AGENCY_FIELDS = ("name", "credit_code", "agency_type", "division", "address", "legal_rep",
                 "legal_rep_id_type", "legal_rep_id_no", "contact", "phone")
AGENCY_EXTRA_FIELDS = ("business_address", "founded_on", "registered_capital", "business_scope",
                       "staff_count")
AGENCY_RECORD_FIELDS = (*AGENCY_FIELDS, *AGENCY_EXTRA_FIELDS)
AGENCY_LABELS = {
    "name": "机构名称", "credit_code": "统一社会信用代码", "agency_type": "机构类型",
    "division": "所属行政区划", "address": "住所", "legal_rep": "法定代表人（负责人）",
    "legal_rep_id_type": "证件类型", "legal_rep_id_no": "证件号码", "contact": "联系人",
    "phone": "联系电话", "business_address": "经营场所", "founded_on": "成立日期",
    "registered_capital": "注册资本（万元）", "business_scope": "经营范围",
    "staff_count": "从业人员数", "license_items": "许可事项", "filing_items": "备案事项",
}
_L = AGENCY_LABELS


def _titled(kind: Any, key: str, description: str = "") -> Any:
    return Annotated[kind, Field(title=_L[key], description=description or None)]


# An agency's registered facts, by field: the one place a new field of the agency is added.
AGENCY_FACTS: dict[str, Any] = {
    "name": name(Agency.name, _L["name"]),
    "credit_code": _titled(CreditCode, "credit_code"),
    "agency_type": code_of("agency_type", _L["agency_type"]),
    "division": _titled(District, "division"),
    "address": text(Agency.address, _L["address"]),
    "legal_rep": name(Agency.legal_rep, _L["legal_rep"]),
    "legal_rep_id_type": code_of("id_type", _L["legal_rep_id_type"]),
    "legal_rep_id_no": text(Agency.legal_rep_id_no, _L["legal_rep_id_no"],
                            "居民身份证: GB 11643 check digit"),
    "contact": name(Agency.contact, _L["contact"]),
    "phone": _titled(Phone, "phone"),
    "business_address": text(Agency.business_address, _L["business_address"]),
    "founded_on": RegistryDate(_L["founded_on"]),
    "registered_capital": Amount(_L["registered_capital"]),
    "business_scope": Text(2000, _L["business_scope"]),  # a Text column: the bureau's limit
    "staff_count": Count(label=_L["staff_count"]),
}
OPTIONAL_FACTS = frozenset({"contact", "phone", *AGENCY_EXTRA_FIELDS})


def fields(types: dict[str, Any], names: Iterable[str], *, optional: Iterable[str] = (),
           every: bool = False) -> dict[str, Any]:
    """create_model's field definitions: the named types, required unless optional (or every)."""
    loose = set(optional)
    return {name: (types[name] | None, None) if every or name in loose else (types[name], ...)
            for name in names}


AgencyFacts = create_model("AgencyFacts", __doc__="An agency's registered facts.",
                           **fields(AGENCY_FACTS, AGENCY_FIELDS, optional=OPTIONAL_FACTS))
AgencyRecord = create_model("AgencyRecord", __doc__="An agency's facts in the registry.",
                            **fields(AGENCY_FACTS, AGENCY_RECORD_FIELDS, optional=OPTIONAL_FACTS))
AGENCY_MAX_LEN = max_lengths(AgencyRecord)


def agency(check: Checker, data: Any, path: str,
           only: tuple[str, ...] = AGENCY_FIELDS) -> dict[str, Any]:
    """Check an agency object (or the given subset of its fields) by its schema, and the rule
    between two of them: a 居民身份证's number has its check digit. Returns the clean values."""
    clean = check.model(AgencyRecord, data, path, only=only)
    id_no = clean.get("legal_rep_id_no")
    id_type = clean.get("legal_rep_id_type", data.get("legal_rep_id_type"))
    if id_no and id_type == "resident_id":
        id_no = id_no.upper()
        problem = id_number_problem(id_no)
        if problem:
            check.fail(f"{path}.legal_rep_id_no" if path else "legal_rep_id_no", problem)
        clean["legal_rep_id_no"] = id_no
    return clean


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

    # `fields` comes only with the refusals that name fields (422, some 409s).
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    code: str
    message: str
    fields: dict[str, str] | None = None


class Error(Answer):
    """Every refusal's body (CONTRACT.md)."""

    error: ErrorDetail


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
