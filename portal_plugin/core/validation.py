"""Field validation with Chinese messages keyed by field path (422 bodies, form errors)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from portal_plugin.core import catalog, clock
from portal_plugin.core.check_digits import credit_code_problem, id_number_problem
from portal_plugin.core.errors import Invalid

MAX_PHONE = 20
PHONE_RE = re.compile(rf"^[0-9+()\- ]{{7,{MAX_PHONE}}}$")
# NUL and other control characters: PostgreSQL refuses NUL, and none belongs in a form field.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ASCII digits only: str.isdigit also takes "٣" or "²", which int() refuses or misreads.
WHOLE_NUMBER_RE = re.compile(r"-?[0-9]+")
ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
REQUIRED = "必填"
T = TypeVar("T")
NOT_WHOLE_NUMBER = "应为整数"
NEGATIVE = "不能为负数"
DATE_FORMAT = "日期格式应为 YYYY-MM-DD"
NOT_AMOUNT = "应为数字，如 1234.50"

# The largest count a form takes (visitors, staff, placements …).
MAX_COUNT = 1_000_000
# Amounts in 万元 (注册资本, 营业收入) are Numeric(16, 2) columns.
MAX_AMOUNT = Decimal("99999999999999.99")
CENT = Decimal("0.01")
# The bureau's rule: no agency, licence or filing of the People's Republic predates its founding.
EARLIEST_DATE = dt.date(1949, 10, 1)
MAX_REASON = 1000


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
        return f"{label}不能早于{EARLIEST_DATE.isoformat()}"
    if not future and day > today:
        return f"{label}不能晚于今天"
    return None


def reason(value: Any, *, required: bool, missing: str = "请填写原因") -> str | None:
    """A transition's reason (退回, 不予许可 …): text up to MAX_REASON characters, `missing`
    when it is required but absent; Invalid({"reason": …}) otherwise."""
    check = Checker()
    text = check.text({"reason": value}, "reason", "reason", required=required,
                      max_len=MAX_REASON, missing=missing)
    if check.errors:
        raise Invalid(check.errors)
    return text


class Checker:
    """Collects every problem of one body in one pass; `errors` maps field path → message."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def checked(self, path: str, value: T, problem: str | None) -> T | None:
        """The value when there is no problem; else None, with the problem noted."""
        if problem:
            self.fail(path, problem)
            return None
        return value

    def given(self, value: Any, path: str, *, required: bool, missing: str = REQUIRED) -> bool:
        """Whether a value was given; a required one left blank is noted (`missing`)."""
        if not blank(value):
            return True
        if required:
            self.fail(path, missing)
        return False

    def count(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
              maximum: int = MAX_COUNT) -> int | None:
        """A whole number from 0 to `maximum` (a JSON number or a form's digits)."""
        value = data.get(key)
        if not self.given(value, path, required=required):
            return None
        number = whole_number(value)
        return self.checked(path, number, (
            NOT_WHOLE_NUMBER if number is None else NEGATIVE if number < 0
            else f"不能超过{maximum}" if number > maximum else None))

    def amount(self, data: Mapping[str, Any], key: str, path: str, *,
               required: bool = True) -> Decimal | None:
        """An amount in 万元: at least 0, at most two decimals (a JSON number or text)."""
        value = data.get(key)
        if not self.given(value, path, required=required):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(path, NOT_AMOUNT)
            return None
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(path, NOT_AMOUNT)
            return None
        if not amount.is_finite():
            self.fail(path, NOT_AMOUNT)
        elif amount < 0:
            self.fail(path, NEGATIVE)
        elif amount > MAX_AMOUNT:  # before quantize, which fails beyond 28 digits
            self.fail(path, "金额过大")
        elif amount != amount.quantize(CENT):
            self.fail(path, "最多保留两位小数")
        else:
            return amount.quantize(CENT)
        return None

    def date(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
             label: str | None = None) -> dt.date | None:
        """A YYYY-MM-DD date, or a date already read (an Excel cell); with `label`, also
        within the registry's dates (date_problem, up to today)."""
        value = data.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day: dt.date | None = value
        else:
            text = self.text(data, key, path, required=required, max_len=40)
            if text is None:
                return None
            day = iso_date(text)
            if day is None:
                self.fail(path, DATE_FORMAT)
                return None
        return self.checked(path, day, date_problem(day, label, clock.today()) if label else None)

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
             max_len: int = 200, missing: str = REQUIRED) -> str | None:
        """Stripped text of at most `max_len` characters, without control characters."""
        value = data.get(key)
        if not self.given(value, path, required=required, missing=missing):
            return None
        if not isinstance(value, str):
            self.fail(path, "应为文本")
            return None
        value = value.strip()
        if CONTROL_RE.search(value):
            self.fail(path, "包含不允许的控制字符")
            return None
        if len(value) > max_len:
            self.fail(path, f"不能超过{max_len}个字")
            return None
        return value

    def code(self, data: Mapping[str, Any], key: str, path: str, kind: str, *,
             required: bool = True) -> str | None:
        value = self.text(data, key, path, required=required, max_len=20)
        if value is not None and value not in catalog.labels(kind, active_only=True):
            self.fail(path, "不是有效的代码")
            return None
        return value

    def codes(self, data: Mapping[str, Any], key: str, path: str, kind: str) -> list[str] | None:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(path, "至少选择一项")
            return None
        known = catalog.labels(kind, active_only=True)
        bad = [v for v in value if not isinstance(v, str) or v not in known]
        if bad:
            self.fail(path, f"包含无效的代码：{', '.join(map(str, bad))}")
            return None
        return list(dict.fromkeys(value))  # keep order, drop repeats

    def division(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.text(data, key, path, max_len=6)
        if value is not None and value not in catalog.districts():
            self.fail(path, "不是有效的区级行政区划代码")
            return None
        return value

    def credit_code(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.text(data, key, path, max_len=AGENCY_MAX_LEN["credit_code"])
        if value is None:
            return None
        return self.checked(path, value.upper(), credit_code_problem(value.upper()))

    def phone(self, data: Mapping[str, Any], key: str, path: str, *,
              required: bool = False) -> str | None:
        value = self.text(data, key, path, required=required, max_len=MAX_PHONE)
        if value is not None and not PHONE_RE.match(value):
            self.fail(path, "电话号码格式不正确")
            return None
        return value

    def obj(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.fail(path, REQUIRED if value is None else "应为对象")
            return None
        return value


AGENCY_FIELDS = ("name", "credit_code", "agency_type", "division", "address", "legal_rep",
                 "legal_rep_id_type", "legal_rep_id_no", "contact", "phone")
# What 机构管理 keeps of an agency besides what cases carry (DOMAIN.md "The registry").
AGENCY_EXTRA_FIELDS = ("business_address", "founded_on", "registered_capital", "business_scope",
                       "staff_count")
AGENCY_RECORD_FIELDS = (*AGENCY_FIELDS, *AGENCY_EXTRA_FIELDS)
# Every agency field's label, as DOMAIN.md names it: pages, error messages, Excel headers.
AGENCY_LABELS = {
    "name": "机构名称", "credit_code": "统一社会信用代码", "agency_type": "机构类型",
    "division": "所属行政区划", "address": "住所", "legal_rep": "法定代表人（负责人）",
    "legal_rep_id_type": "证件类型", "legal_rep_id_no": "证件号码", "contact": "联系人",
    "phone": "联系电话", "business_address": "经营场所", "founded_on": "成立日期",
    "registered_capital": "注册资本（万元）", "business_scope": "经营范围",
    "staff_count": "从业人员数", "license_items": "许可事项", "filing_items": "备案事项",
}
# The agency's text fields' longest values (the model's columns).
AGENCY_MAX_LEN = {"name": 200, "credit_code": 18, "address": 300, "legal_rep": 100,
                  "legal_rep_id_no": 40, "contact": 100, "phone": MAX_PHONE,
                  "business_address": 300, "business_scope": 2000}


def agency(check: Checker, data: Mapping[str, Any], path: str,
           only: tuple[str, ...] = AGENCY_FIELDS) -> dict[str, Any]:
    """Validate an agency object (or the given subset of its fields); returns the clean values."""
    p = f"{path}." if path else ""

    def text(field: str, *, required: bool = True) -> str | None:
        return check.text(data, field, p + field, required=required,
                          max_len=AGENCY_MAX_LEN[field])

    clean: dict[str, Any] = {}
    rules = {
        "name": lambda: text("name"),
        "credit_code": lambda: check.credit_code(data, "credit_code", p + "credit_code"),
        "agency_type": lambda: check.code(data, "agency_type", p + "agency_type", "agency_type"),
        "division": lambda: check.division(data, "division", p + "division"),
        "address": lambda: text("address"),
        "legal_rep": lambda: text("legal_rep"),
        "legal_rep_id_type": lambda: check.code(data, "legal_rep_id_type",
                                                p + "legal_rep_id_type", "id_type"),
        "legal_rep_id_no": lambda: text("legal_rep_id_no"),
        "contact": lambda: text("contact", required=False),
        "phone": lambda: check.phone(data, "phone", p + "phone"),
        "business_address": lambda: text("business_address", required=False),
        "founded_on": lambda: check.date(data, "founded_on", p + "founded_on", required=False,
                                         label=AGENCY_LABELS["founded_on"]),
        "registered_capital": lambda: check.amount(data, "registered_capital",
                                                   p + "registered_capital", required=False),
        "business_scope": lambda: text("business_scope", required=False),
        "staff_count": lambda: check.count(data, "staff_count", p + "staff_count",
                                           required=False),
    }
    for field in only:
        clean[field] = rules[field]()
    id_no = clean.get("legal_rep_id_no")
    id_type = clean.get("legal_rep_id_type", data.get("legal_rep_id_type"))
    if id_no and id_type == "resident_id":
        id_no = id_no.upper()
        problem = id_number_problem(id_no)
        if problem:
            check.fail(p + "legal_rep_id_no", problem)
        clean["legal_rep_id_no"] = id_no
    return clean
