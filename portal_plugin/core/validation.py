"""The value types every body is made of, and the one way a body is checked against its schema.

Each kind of value (a text, a count, an amount, a date, a code …) is a pydantic type here: its
constraints state the OpenAPI document and its validators read forms' text and JSON alike, so
the document, the API and the pages cannot disagree. pydantic (v2) was chosen over
flask-smorest/marshmallow because its models are plain typed classes the services can share
with the document generator, with no second schema language. A problem's Chinese message comes
from MESSAGES, keyed by the error's type; `Checker` collects every problem of one body by field
path (422 bodies, form errors) beside the rules the services add from the database.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from portal_plugin.core import catalog, clock
from portal_plugin.core.check_digits import CREDIT_CHARSET, credit_code_problem
from portal_plugin.core.errors import Invalid

MAX_PHONE = 20
PHONE_RE = re.compile(rf"^[0-9+()\- ]{{7,{MAX_PHONE}}}$")
# NUL and other control characters: PostgreSQL refuses NUL, and none belongs in a form field.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ASCII digits only: str.isdigit also takes "٣" or "²", which int() refuses or misreads.
WHOLE_NUMBER_RE = re.compile(r"-?[0-9]+")
ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The largest count a form takes (visitors, staff, placements …).
MAX_COUNT = 1_000_000
# Amounts in 万元 (注册资本, 营业收入) are Numeric(16, 2) columns.
MAX_AMOUNT = Decimal("99999999999999.99")
CENT = Decimal("0.01")
# The bureau's rule: no agency, licence or filing of the People's Republic predates its founding.
EARLIEST_DATE = dt.date(1949, 10, 1)
MAX_REASON = 1000
MAX_CODE = 20  # CodeItem.code's length
MAX_DATE_TEXT = 40

# Every problem's Chinese message, by the type of the error (pydantic's own or ours below);
# `{label}` is the field's Chinese name, the other fields come with the error.
MESSAGES = {
    "missing": "必填",
    "text_type": "应为文本",
    "control_characters": "包含不允许的控制字符",
    "illegal_characters": "含有非法字符",
    "string_too_long": "不能超过{max_length}个字",
    "string_pattern_mismatch": "格式不正确",
    "whole_number": "应为整数",
    "negative": "不能为负数",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能超过{le}",
    "not_amount": "应为数字，如 1234.50",
    "amount_too_large": "金额过大",
    "decimal_max_places": "最多保留两位小数",
    "date_format": "日期格式应为 YYYY-MM-DD",
    "date_too_early": "{label}不能早于{earliest}",
    "date_in_future": "{label}不能晚于今天",
    "moment_format": "时间格式应为 YYYY-MM-DD HH:MM",
    "moment_year": "年份应在{first}至{last}之间",
    "unknown_code": "不是有效的代码",
    "no_codes": "至少选择一项",
    "unknown_codes": "包含无效的代码：{codes}",
    "unknown_district": "不是有效的区级行政区划代码",
    "phone": "电话号码格式不正确",
    "check_digit": "{problem}",
    "object_type": "应为对象",
    "list_type": "应为列表",
    "not_id": "应为{what}的编号（正整数）",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
}
FALLBACK = "格式不正确"
REQUIRED = MESSAGES["missing"]
NOT_WHOLE_NUMBER = MESSAGES["whole_number"]
DATE_FORMAT = MESSAGES["date_format"]


def problem(kind: str, **context: Any) -> PydanticCustomError:
    """The error a validator raises: its type keys MESSAGES."""
    return PydanticCustomError(kind, MESSAGES[kind], context)


def message(error: Mapping[str, Any], label: str = "") -> str:
    """The Chinese message of one pydantic error."""
    kind, context = error["type"], dict(error.get("ctx") or {})
    if kind == "greater_than_equal" and context.get("ge") == 0:
        kind = "negative"
    try:
        return MESSAGES.get(kind, FALLBACK).format(label=label, **context)
    except (KeyError, IndexError):
        return MESSAGES.get(kind, FALLBACK)


# --- the parsers of text values (forms, query arguments, Excel cells) -------------------------

def blank(value: Any) -> bool:
    """Nothing given: absent, None, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def whole_number(value: Any) -> int | None:
    """A JSON integer, or text of ASCII digits with an optional minus, as an int; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not WHOLE_NUMBER_RE.fullmatch(value.strip()):
        return None
    try:
        return int(value.strip())
    except ValueError:  # more digits than Python converts (4,300)
        return None


def iso_date(text: str) -> dt.date | None:
    """A YYYY-MM-DD text as its date; None when malformed or no such day."""
    text = text.strip()
    if not ISO_DATE_RE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def date_problem(day: dt.date, label: str, today: dt.date, *,
                 future: bool = False) -> str | None:
    """Why a registry date is out of range: before EARLIEST_DATE, or after today unless
    `future` (a licence's 有效期至); None when it is in range."""
    if day < EARLIEST_DATE:
        return MESSAGES["date_too_early"].format(label=label, earliest=EARLIEST_DATE.isoformat())
    if not future and day > today:
        return MESSAGES["date_in_future"].format(label=label)
    return None


# --- the value types ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Missing:
    """A type's own message when it is required and left blank (instead of 必填)."""

    text: str


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise problem("text_type")
    value = value.strip()
    if CONTROL_RE.search(value):
        raise problem("control_characters")
    return value


def _checked(rule: Callable[[str], Any]) -> BeforeValidator:
    """A validator that reads the value as text first, then applies `rule`."""
    return BeforeValidator(lambda value: rule(_text(value)))


@cache
def Text(max_len: int = 200, label: str = "") -> Any:  # noqa: N802 (a type)
    """Stripped text of at most `max_len` characters, without control characters."""
    return Annotated[str, Field(max_length=max_len, title=label or None), BeforeValidator(_text)]


# What no registered name (of an agency, a fair, a person) contains: angle brackets and control
# characters (a name is printed on certificates and lists; these come only from mistakes or attacks).
NAME_FORBIDDEN_RE = re.compile(r"[<>\x00-\x1f\x7f]")


def _name(value: Any) -> str:
    if isinstance(value, str) and NAME_FORBIDDEN_RE.search(value.strip()):
        raise problem("illegal_characters")
    return _text(value)


@cache
def Name(max_len: int = 200, label: str = "") -> Any:  # noqa: N802 (a type)
    """A name (of an agency, a fair, a person): text without `<`, `>` or control characters."""
    return Annotated[str, Field(max_length=max_len, title=label or None), BeforeValidator(_name)]


def _count(value: Any) -> int:
    number = whole_number(value)
    if number is None:
        raise problem("whole_number")
    return number


@cache
def Count(maximum: int = MAX_COUNT, label: str = "") -> Any:  # noqa: N802
    """A whole number from 0 to `maximum` (a JSON number or a form's digits)."""
    return Annotated[int, Field(ge=0, le=maximum, title=label or None), BeforeValidator(_count)]


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise problem("not_amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise problem("not_amount") from None
    if not amount.is_finite():
        raise problem("not_amount")
    if amount < 0:
        raise problem("negative")
    if amount > MAX_AMOUNT:  # before quantize, which fails beyond 28 digits
        raise problem("amount_too_large")
    if amount != amount.quantize(CENT):
        raise problem("decimal_max_places")
    return amount.quantize(CENT)


@cache
def Amount(label: str = "") -> Any:  # noqa: N802
    """An amount in 万元: at least 0, at most two decimals (a JSON number or text)."""
    return Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2, title=label or None),
                     BeforeValidator(_amount)]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # a date read already (an Excel cell)
    text = _text(value)
    if len(text) > MAX_DATE_TEXT:
        raise problem("string_too_long", max_length=MAX_DATE_TEXT)
    day = iso_date(text)
    if day is None:
        raise problem("date_format")
    return day


def _in_registry(day: dt.date) -> dt.date:
    if day < EARLIEST_DATE:
        raise problem("date_too_early", earliest=EARLIEST_DATE.isoformat())
    if day > clock.today():
        raise problem("date_in_future")
    return day


# A YYYY-MM-DD date (or one read already).
Day = Annotated[dt.date, BeforeValidator(_date)]


@cache
def RegistryDate(label: str) -> Any:  # noqa: N802
    """A date of the registry: from EARLIEST_DATE up to today."""
    return Annotated[dt.date, Field(title=label, description=f"{label}, from {EARLIEST_DATE}, "
                                                             "not in the future"),
                     AfterValidator(_in_registry), BeforeValidator(_date)]


MOMENT_YEARS = (2000, 2100)
MAX_MOMENT_TEXT = 32


def _moment(value: Any) -> dt.datetime:
    text = _text(value)
    if len(text) > MAX_MOMENT_TEXT:
        raise problem("string_too_long", max_length=MAX_MOMENT_TEXT)
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise problem("moment_format") from None
    first, last = MOMENT_YEARS
    if not first <= moment.year <= last:
        raise problem("moment_year", first=first, last=last)
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.local_zone())


# A date and time (YYYY-MM-DD HH:MM, or ISO with T and an offset), in the bureau's zone unless
# an offset is given.
Moment = Annotated[dt.datetime, BeforeValidator(_moment)]


def _code_in(kind: str) -> Callable[[str], str]:
    def rule(value: str) -> str:
        if len(value) > MAX_CODE:
            raise problem("string_too_long", max_length=MAX_CODE)
        if value not in catalog.labels(kind, active_only=True):
            raise problem("unknown_code")
        return value
    return rule


@cache
def Code(kind: str, label: str = "") -> Any:  # noqa: N802
    """A code of a catalogue kind; the codes are administered data, listed by GET /catalog."""
    if kind not in catalog.KINDS:
        raise ValueError(f"unknown catalogue kind {kind!r}")
    return Annotated[str, Field(max_length=MAX_CODE, title=label or None,
                                description=f"{label} (catalogue {kind})".strip(),
                                json_schema_extra={"x-catalog": kind}), _checked(_code_in(kind))]


def _codes_in(kind: str) -> Callable[[Any], list[str]]:
    def rule(value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise problem("no_codes")
        known = catalog.labels(kind, active_only=True)
        bad = [v for v in value if not isinstance(v, str) or v not in known]
        if bad:
            raise problem("unknown_codes", codes=", ".join(map(str, bad)))
        return list(dict.fromkeys(value))  # keep order, drop repeats
    return rule


@cache
def Codes(kind: str, label: str = "") -> Any:  # noqa: N802
    """A non-empty list of codes of a catalogue kind (repeats dropped)."""
    return Annotated[list[Code(kind)], Field(min_length=1, title=label or None),
                     Missing(MESSAGES["no_codes"]), BeforeValidator(_codes_in(kind))]


def _district(value: str) -> str:
    if len(value) > 6:
        raise problem("string_too_long", max_length=6)
    if value not in catalog.districts():
        raise problem("unknown_district")
    return value


District = Annotated[str, Field(pattern="^[0-9]{6}$", description="区级行政区划代码"),
                     _checked(_district)]


def _credit_code(value: str) -> str:
    if len(value) > 18:
        raise problem("string_too_long", max_length=18)
    value = value.upper()
    found = credit_code_problem(value)
    if found:
        raise problem("check_digit", problem=found)
    return value


CreditCode = Annotated[str, Field(pattern=f"^[{CREDIT_CHARSET}]{{18}}$", max_length=18,
                                  description="统一社会信用代码 (GB 32100 check digit)"),
                       _checked(_credit_code)]


def _phone(value: str) -> str:
    if len(value) > MAX_PHONE:
        raise problem("string_too_long", max_length=MAX_PHONE)
    if not PHONE_RE.match(value):
        raise problem("phone")
    return value


Phone = Annotated[str, Field(pattern=PHONE_RE.pattern, max_length=MAX_PHONE), _checked(_phone)]


# --- checking a body ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    adapter: TypeAdapter[Any]
    required: bool
    label: str
    missing: str


def _plain_type(annotation: Any) -> Any:
    """The type without its `| None` (blank values never reach it)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
    return annotation


def _missing_of(kind: Any) -> str:
    for extra in getattr(kind, "__metadata__", ()):
        if isinstance(extra, Missing):
            return extra.text
    return REQUIRED


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _label(kind: Any) -> str:
    for extra in getattr(kind, "__metadata__", ()):
        title = getattr(extra, "title", None)
        if title:
            return str(title)
    return ""


@cache
def _fields(schema: type[BaseModel]) -> dict[str, _Field]:
    """Each field of a schema as one value type (checked alone, so one bad field does not
    hide the others' values from the rules that follow)."""
    found = {}
    for name, info in schema.model_fields.items():
        kind = _plain_type(Annotated[(info.annotation, *info.metadata)] if info.metadata
                           else info.annotation)
        found[name] = _Field(_adapter(kind), info.is_required(), info.title or _label(kind),
                             _missing_of(kind))
    return found


class Checker:
    """Collects every problem of one body in one pass; `errors` maps field path → message."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, text: str) -> None:
        self.errors.setdefault(path, text)

    def _read(self, adapter: TypeAdapter[Any], value: Any, path: str, label: str) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as caught:
            self.fail(path, message(caught.errors()[0], label))
            return None

    def value(self, kind: Any, data: Mapping[str, Any], key: str, path: str | None = None, *,
              required: bool = True, missing: str | None = None) -> Any:
        """One value of a type (None when blank, or bad and noted under `path`)."""
        path = key if path is None else path
        value = data.get(key)
        if blank(value):
            if required:
                self.fail(path, missing or _missing_of(kind))
            return None
        return self._read(_adapter(kind), value, path, _label(kind))

    def model(self, schema: type[BaseModel], data: Mapping[str, Any], path: str = "", *,
              only: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The body's values by the schema's fields (or the `only` ones): blank is absent,
        required ones left blank and bad ones are noted under `path.field`."""
        prefix = f"{path}." if path else ""
        fields = _fields(schema)
        clean: dict[str, Any] = {}
        for name in fields if only is None else only:
            field, value = fields[name], data.get(name)
            if blank(value):
                if field.required:
                    self.fail(prefix + name, field.missing)
                clean[name] = None
            else:
                clean[name] = self._read(field.adapter, value, prefix + name, field.label)
        return clean

    def obj(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.fail(path, REQUIRED if value is None else MESSAGES["object_type"])
            return None
        return value

    def raise_any(self) -> None:
        """Invalid with every problem noted, if there is one."""
        if self.errors:
            raise Invalid(self.errors)


def reason(value: Any, *, required: bool, missing: str = "请填写原因") -> str | None:
    """A transition's reason (退回, 不予许可 …): text up to MAX_REASON characters, `missing`
    when it is required but absent; Invalid({"reason": …}) otherwise."""
    check = Checker()
    text = check.value(Text(MAX_REASON), {"reason": value}, "reason", required=required,
                       missing=missing)
    check.raise_any()
    return text
