"""Field validation with Chinese messages keyed by field path (422 bodies, form errors)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from portal_plugin.core import catalog
from portal_plugin.core.check_digits import credit_code_problem, id_number_problem

PHONE_RE = re.compile(r"^[0-9+()\- ]{7,20}$")
# NUL and other control characters: PostgreSQL refuses NUL, and none belongs in a form field.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REQUIRED = "必填"


# The largest count a form takes (visitors, staff, placements …).
MAX_COUNT = 1_000_000


class Checker:
    """Collects every problem of one body in one pass; `errors` maps field path → message."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def count(self, data: Mapping[str, Any], key: str, path: str, *,
              maximum: int = MAX_COUNT) -> int | None:
        """A required whole number from 0 to `maximum` (a JSON number or a form's digits)."""
        value = data.get(key)
        if isinstance(value, str):
            text = value.strip()
            if not text:
                value = None
            elif text.isascii() and text.removeprefix("-").isdigit():
                value = int(text)
        if value is None:
            self.fail(path, "必填")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "应为整数")
            return None
        if value < 0:
            self.fail(path, "不能为负数")
            return None
        if value > maximum:
            self.fail(path, f"不能超过{maximum}")
            return None
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
             max_len: int = 200) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path, REQUIRED)
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
        value = self.text(data, key, path, max_len=18)
        if value is not None:
            value = value.upper()
            problem = credit_code_problem(value)
            if problem:
                self.fail(path, problem)
                return None
        return value

    def phone(self, data: Mapping[str, Any], key: str, path: str, *,
              required: bool = False) -> str | None:
        value = self.text(data, key, path, required=required, max_len=20)
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


def agency(check: Checker, data: Mapping[str, Any], path: str,
           only: tuple[str, ...] = AGENCY_FIELDS) -> dict[str, Any]:
    """Validate an agency object (or the given subset of its fields); returns the clean values."""
    p = f"{path}." if path else ""
    clean: dict[str, Any] = {}
    rules = {
        "name": lambda: check.text(data, "name", p + "name", max_len=200),
        "credit_code": lambda: check.credit_code(data, "credit_code", p + "credit_code"),
        "agency_type": lambda: check.code(data, "agency_type", p + "agency_type", "agency_type"),
        "division": lambda: check.division(data, "division", p + "division"),
        "address": lambda: check.text(data, "address", p + "address", max_len=300),
        "legal_rep": lambda: check.text(data, "legal_rep", p + "legal_rep", max_len=100),
        "legal_rep_id_type": lambda: check.code(data, "legal_rep_id_type",
                                                p + "legal_rep_id_type", "id_type"),
        "legal_rep_id_no": lambda: check.text(data, "legal_rep_id_no", p + "legal_rep_id_no",
                                              max_len=40),
        "contact": lambda: check.text(data, "contact", p + "contact", required=False,
                                      max_len=100),
        "phone": lambda: check.phone(data, "phone", p + "phone"),
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
