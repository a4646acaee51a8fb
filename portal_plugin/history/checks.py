"""Validation of history-import rows: each row by the column spec, then the file against the registry."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.datetime import from_excel
from sqlalchemy import select, text

from portal_plugin.core import catalog, schemas, validation
from portal_plugin.core.check_digits import CREDIT_CHARSET, credit_code_problem
from portal_plugin.core.clock import today
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction
from portal_plugin.core.models import AGENCY_STATUS, FILING_STATUS, LICENSE_STATUS, Agency, Filing, License
from portal_plugin.core.schemas import AGENCY_FIELDS, AGENCY_MAX_LEN
from portal_plugin.core.validation import REQUIRED, Checker, Text
from portal_plugin.history.spec import BY_KEY, CHOOSE_HINT, COLUMNS, DATE_HINT, ITEM_SEPARATOR, Column

# Where each coded column's choices come from (code → label). Imports may carry the legacy
# licence / filing item labels the catalogue keeps inactive.
SOURCES: dict[str, Callable[[], Mapping[str, str]]] = {
    "agency_type": lambda: catalog.labels("agency_type", active_only=True),
    "id_type": lambda: catalog.labels("id_type", active_only=True),
    "license_item": lambda: catalog.labels("license_item"),
    "filing_item": lambda: catalog.labels("filing_item"),
    "license_status": lambda: LICENSE_STATUS,
    "filing_status": lambda: FILING_STATUS,
    "agency_status": lambda: AGENCY_STATUS,
    "division": catalog.districts,
}
# The agency fields the shared agency validation checks: text, phone, ID number and founding
# date rules. The coded fields are mapped from labels (and checked) here, the credit code too
# (a failing check digit is only a warning for historical data).
CODED = ("agency_type", "legal_rep_id_type", "division")
AGENCY_CHECKED = (*(f for f in AGENCY_FIELDS if f not in ("credit_code", *CODED)),
                  "founded_on")
ITEM_SPLIT = re.compile(r"[、,，;；/\n]+")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MAX_EXACT_DIGITS = 15  # Excel keeps 15 significant digits: longer numbers lost their tail
# Columns whose values must be unique: in the file and in the registry.
UNIQUE = ("credit_code", "license_number", "filing_number")
LICENSE_KEYS = ("license_number", "license_issued_on", "license_valid_until", "license_items",
                "license_status")
FILING_KEYS = ("filing_number", "filed_on", "filing_items", "filing_status")
MAX_STORED = 1000  # problems of each level kept for the preview; the report marks every one
PREVIEW_ROWS = 10
DUPLICATE_HINT = "同一文件中不能重复，请删除或更正其中一行"
CHUNK = 1000  # rows per registry look-up (a few IN queries each), and per insert at commit


@dataclass(frozen=True)
class Lookups:
    """What validation needs from the database, read once per pass: choices, old districts,
    the officer's jurisdiction, today's date."""

    choices: dict[str, Mapping[str, str]]
    codes: dict[str, dict[str, str]]  # source → code or label → code
    legacy: dict[str, tuple[str, str]]  # old district code or name → (current code, old name)
    covered: frozenset[str]
    today: dt.date

    @classmethod
    def load(cls, identity: Identity) -> Lookups:
        choices = {name: source() for name, source in SOURCES.items()}
        codes = {name: {**{label: code for code, label in values.items()},
                        **{code: code for code in values}}
                 for name, values in choices.items()}
        divisions = catalog.divisions()
        legacy: dict[str, tuple[str, str]] = {}
        for code, successor in divisions.successors.items():
            name = divisions.names[code]
            legacy[code] = legacy[name] = (successor, name)
        return cls(choices, codes, legacy, jurisdiction(identity),
                   today())

    def label(self, column: Column, code: str) -> str:
        return self.choices[column.source or column.kind].get(code, code)


@dataclass
class RowResult:
    """One row checked: clean values (codes, dates, lists) and its problems by column key."""

    clean: dict[str, Any]
    errors: dict[str, str]
    warnings: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)

    def fail(self, key: str, message: str, hint: str | None = None) -> None:
        if key not in self.errors:
            self.errors[key] = message
            if hint:
                self.hints[key] = hint

    @property
    def has_license(self) -> bool:
        return bool(self.clean.get("license_number"))

    @property
    def has_filing(self) -> bool:
        return bool(self.clean.get("filing_number"))


def normalise(value: Any, column: Column) -> tuple[Any, str | None]:
    """A cell's value as text (or a date for date columns), or why it cannot be read."""
    if value is None:
        return None, None
    if column.kind == "date":
        return _date(value)
    if isinstance(value, bool):
        return str(value), None
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d"), None
    if isinstance(value, int | float):
        exact = float(value).is_integer()
        if column.text_format and (not exact or len(str(int(abs(value)))) > MAX_EXACT_DIGITS):
            return None, "已被Excel改写为数字，无法还原"
        return (str(int(value)) if exact else str(value)), None
    text = str(value).strip()
    return (text or None), None


def _date(value: Any) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date in a cell not formatted as a date
            return from_excel(value).date(), None
        return None, "日期格式不正确"
    text = str(value).strip()
    if not text:
        return None, None
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match is None:
        return None, "日期格式不正确"
    try:
        return dt.date(*map(int, match.groups())), None
    except ValueError:
        return None, "日期不存在"


def check_row(raw: Mapping[str, Any], lk: Lookups) -> RowResult:
    """Check one row (cell values by column key) by the column spec; every problem at once."""
    result = RowResult({}, {})
    data: dict[str, Any] = {}
    for column in COLUMNS:
        value, problem = normalise(raw.get(column.key), column)
        if problem:
            hint = "请将该列设为文本格式后重新填写" if column.text_format else DATE_HINT
            result.fail(column.key, problem, hint)
        data[column.key] = value
    for key in ("agency_type", "legal_rep_id_type"):
        data[key] = _choice(result, BY_KEY[key], data[key], lk)
    data["division"] = _division(result, data["division"], lk)

    check = Checker()
    check.errors = result.errors  # problems found above keep their cell: one per cell
    clean = schemas.agency(check, data, "", only=AGENCY_CHECKED)
    for key in CODED:
        if data[key] is None:
            check.fail(key, REQUIRED)
        clean[key] = data[key]
    clean["credit_code"] = _credit_code(result, check, data)
    for key in ("license_number", "filing_number"):
        clean[key] = check.value(Text(BY_KEY[key].max_len), data, key, required=False)
    for key in ("license_status", "filing_status", "status"):
        clean[key] = _choice(result, BY_KEY[key], data[key], lk)
    for key in ("license_items", "filing_items"):
        clean[key] = _items(result, BY_KEY[key], data[key], lk)
    for column in COLUMNS:
        if column.kind == "date" and column.key not in clean:  # 成立日期 is an agency field
            clean[column.key] = _in_range(result, column, data[column.key], lk.today)
    _rules(result, clean, data, lk)
    result.clean = clean
    return result


def _choice(result: RowResult, column: Column, text: str | None, lk: Lookups) -> str | None:
    if text is None:
        return None
    code = lk.codes[column.source or column.kind].get(text)
    if code is None:
        result.fail(column.key, f"“{text}”不是可选的{column.header}", CHOOSE_HINT)
    return code


def _division(result: RowResult, text: str | None, lk: Lookups) -> str | None:
    if text is None:
        return None
    code = lk.codes["division"].get(text)
    if code is None and text in lk.legacy:
        code, old = lk.legacy[text]
        result.warnings["division"] = (f"{old}是已撤销的旧区划，已按现区划"
                                       f"{lk.choices['division'].get(code, code)}导入")
    if code is None:
        result.fail("division", f"“{text}”不是天津市现有的区", "填写区名（如和平区）或6位区划代码")
    return code


def _credit_code(result: RowResult, check: Checker, data: Mapping[str, Any]) -> str | None:
    code = check.value(Text(AGENCY_MAX_LEN["credit_code"]), data, "credit_code")
    if code is None:
        return None
    code = code.upper()
    problem = credit_code_problem(code)
    if problem and len(code) == 18 and set(code) <= set(CREDIT_CHARSET):
        result.warnings["credit_code"] = problem + "（早期试点代码可以导入，请核对）"
    elif problem:
        result.fail("credit_code", problem, BY_KEY["credit_code"].help)
    return code


def _items(result: RowResult, column: Column, text: str | None, lk: Lookups) -> list[str] | None:
    if text is None:
        return None
    codes = lk.codes[column.source or column.kind]
    parts = [p.strip() for p in ITEM_SPLIT.split(text) if p.strip()]
    unknown = [p for p in parts if p not in codes]
    if unknown:
        result.fail(column.key, f"无效的{column.header}：{ITEM_SEPARATOR.join(unknown)}",
                    "可填多项，用顿号（、）分隔，每项须为代码表中的名称")
        return None
    if len(text) > column.max_len:
        result.fail(column.key, f"不能超过{column.max_len}个字")
        return None
    return list(dict.fromkeys(codes[p] for p in parts))


def _in_range(result: RowResult, column: Column, day: dt.date | None,
              today: dt.date) -> dt.date | None:
    if day is None or column.key in result.errors:
        return None
    problem = validation.date_problem(day, column.header, today,
                                      future=column.key == "license_valid_until")
    if problem:
        result.fail(column.key, problem, "请核对日期")
        return None
    return day


def _rules(result: RowResult, clean: dict[str, Any], data: Mapping[str, Any],
           lk: Lookups) -> None:
    """The rules between columns: complete licence and filing groups, status, jurisdiction."""
    for keys, required, what in (
            (LICENSE_KEYS, ("license_number", "license_issued_on", "license_items"), "许可证"),
            (FILING_KEYS, ("filing_number", "filed_on", "filing_items"), "备案")):
        if any(data[k] is not None for k in keys):
            for key in required:
                if data[key] is None:
                    result.fail(key, REQUIRED, f"填写了{what}信息时，{BY_KEY[key].header}必填")
    if data["license_number"] is None and data["filing_number"] is None:
        result.fail("license_number", "许可证编号和备案编号至少填写一项",
                    "历史机构须持有人力资源服务许可证或已办理业务备案")
    if clean.get("license_number"):
        clean["license_status"] = clean["license_status"] or "valid"
    if clean.get("filing_number"):
        clean["filing_status"] = clean["filing_status"] or "valid"
    issued, until = clean.get("license_issued_on"), clean.get("license_valid_until")
    if issued and until and until < issued:
        result.fail("license_valid_until", "有效期至早于发证日期", "请核对有效期")
    clean["status"] = clean["status"] or ("valid" if data["status"] is None else None)
    if clean["status"] == "deregistered" and clean.get("deregistered_on") is None:
        result.fail("deregistered_on", REQUIRED, "机构状态为已注销时，注销日期必填")
    if clean["status"] == "valid" and clean.get("deregistered_on"):
        result.fail("deregistered_on", "机构状态为有效时不能填写注销日期", "请核对机构状态")
    division = clean.get("division")
    if division and division not in lk.covered and "division" not in result.errors:
        names = [name for code, name in lk.choices["division"].items() if code in lk.covered]
        result.fail("division", "不在您的管辖范围内",
                    f"只能导入{'、'.join(names) or '本辖区'}的机构，其他区的机构由所在区导入")


def display(clean: Mapping[str, Any], lk: Lookups) -> dict[str, str]:
    """Clean values as people read them: labels for codes, dates as YYYY-MM-DD."""
    out: dict[str, str] = {}
    for column in COLUMNS:
        value = clean.get(column.key)
        if value is None:
            out[column.key] = ""
        elif isinstance(value, dt.date):
            out[column.key] = value.isoformat()
        elif column.kind == "codes":
            out[column.key] = ITEM_SEPARATOR.join(lk.label(column, v) for v in value)
        elif column.kind in ("code", "division"):
            out[column.key] = lk.label(column, value)
        else:
            out[column.key] = str(value)
    return out


def cell_text(value: Any) -> str:
    """A cell's raw value as the problem lists show it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def registry_conflicts(results: Iterable[tuple[int, RowResult]], *,
                       exclude_agency: int | None = None) -> dict[int, dict[str, str]]:
    """Row → {key: message} for credit codes and numbers the registry already holds.

    One IN query per unique column for the whole batch of rows; the excluded agency (a record
    being edited) does not conflict with itself or its own licences and filings.
    """
    rows = list(results)
    found: dict[int, dict[str, str]] = {}
    if db.session.get_bind().dialect.name == "postgresql":
        # After five runs psycopg prepares a statement and PostgreSQL may settle on a generic
        # plan: for a 1,000-value IN list over a table this transaction is filling, that plan
        # scans the table once per value (seconds per chunk at commit). Plan each run instead.
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    lookups = (
        ("credit_code", Agency.credit_code, Agency.id, "统一社会信用代码已在登记库中"),
        ("license_number", License.license_number, License.agency_id, "许可证编号已在登记库中"),
        ("filing_number", Filing.filing_number, Filing.agency_id, "备案编号已在登记库中"),
    )
    for key, column, owner, message in lookups:
        values = {r.clean[key] for _, r in rows if r.clean.get(key)}
        if not values:
            continue
        stmt = select(column).where(column.in_(values))
        if exclude_agency is not None:
            stmt = stmt.where(owner != exclude_agency)
        taken = set(db.session.scalars(stmt))
        for row, result in rows:
            if result.clean.get(key) in taken:
                found.setdefault(row, {})[key] = message
    return found


@dataclass
class Scan:
    """One pass over an upload: counts, the first problems and valid rows, duplicates.

    Rows come in one by one (`add`); every CHUNK rows they are checked against the registry
    together and, while the file has no error yet, handed to `on_chunk` (the commit's insert).
    Only small per-row facts are kept, so memory stays bounded for large files.
    """

    lk: Lookups
    on_chunk: Callable[[list[RowResult]], None] | None = None
    max_stored: int = MAX_STORED
    rows: int = 0
    valid_rows: int = 0
    error_count: int = 0
    warning_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"agencies": 0, "licenses": 0, "filings": 0})
    preview: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    # Every cell's problem, when asked for (the error report): (row, key) → (level, problem,
    # how to fix, the value as shown); an error outranks a warning on the same cell.
    marks: dict[tuple[int, str], tuple[str, str, str, str]] | None = None
    _pending: list[tuple[int, RowResult, Mapping[str, Any]]] = field(default_factory=list)
    # value hash → the first row × 4 + what it creates (licence 1, filing 2), negated once its
    # duplicate was reported: duplicates found without keeping every value (one int each).
    _seen: dict[str, dict[int, int]] = field(default_factory=lambda: {key: {} for key in UNIQUE})
    _bad: set[int] = field(default_factory=set)
    _counted_upto: int = 0

    def add(self, row: int, raw: Mapping[str, Any]) -> None:
        self.rows += 1
        result = check_row(raw, self.lk)
        self._duplicates(row, result, raw)
        self._pending.append((row, result, raw))
        if len(self._pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Check the pending rows against the registry, record their problems, count them."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        conflicts = registry_conflicts((row, r) for row, r, _ in pending)
        for row, result, raw in pending:
            for key, message in conflicts.get(row, {}).items():
                result.fail(key, message, "该机构或证照已在系统中，请删除本行或核对后修改")
            for key, message in result.errors.items():
                self._issue("error", row, key, raw.get(key), message, result.hints.get(key))
            for key, message in result.warnings.items():
                self._issue("warning", row, key, raw.get(key), message,
                            "无需修改；如有误请更正" if key == "credit_code" else "请核对")
        for row, result, _ in pending:
            if result.errors:
                self._bad.add(row)
                continue
            self.valid_rows += 1
            self._count(result.has_license, result.has_filing, 1)
            if len(self.preview) < PREVIEW_ROWS * 3:
                self.preview.append((row, display(result.clean, self.lk)))
        self._counted_upto = pending[-1][0]
        if self.on_chunk is not None and self.error_count == 0:
            self.on_chunk([r for _, r, _ in pending])

    def finish(self) -> None:
        self.flush()
        self.errors.sort(key=_order)
        self.warnings.sort(key=_order)
        self.preview = [p for p in self.preview if p[0] not in self._bad][:PREVIEW_ROWS]

    def _duplicates(self, row: int, result: RowResult, raw: Mapping[str, Any]) -> None:
        creates = int(result.has_license) | int(result.has_filing) << 1
        for key in UNIQUE:
            value = result.clean.get(key)
            if not value:
                continue
            seen = self._seen[key]
            digest = hash(value)  # 64-bit: a false duplicate in 100,000 rows is ~1e-9 likely
            if digest not in seen:
                seen[digest] = row * 4 + creates
                continue
            first, first_creates = divmod(abs(seen[digest]), 4)
            header = BY_KEY[key].header
            result.fail(key, f"与第{first}行的{header}重复", DUPLICATE_HINT)
            if seen[digest] > 0:  # the first row hears of its first twin only
                seen[digest] = -seen[digest]
                self._late_error(first, key, value, f"与第{row}行的{header}重复", first_creates)

    def _late_error(self, row: int, key: str, value: Any, message: str, creates: int) -> None:
        """An error found for an earlier row (its duplicate came later)."""
        pending = next((r for n, r, _ in self._pending if n == row), None)
        if pending is not None:
            pending.fail(key, message, DUPLICATE_HINT)
            return
        self._issue("error", row, key, value, message, DUPLICATE_HINT)
        if row not in self._bad and row <= self._counted_upto:
            self.valid_rows -= 1
            self._count(bool(creates & 1), bool(creates & 2), -1)
        self._bad.add(row)

    def _count(self, license_: bool, filing: bool, step: int) -> None:
        self.counts["agencies"] += step
        self.counts["licenses"] += step * license_
        self.counts["filings"] += step * filing

    def _issue(self, level: str, row: int, key: str, value: Any, message: str,
               hint: str | None) -> None:
        column = BY_KEY[key]
        hint = hint or _default_hint(column, message)
        text = cell_text(value)
        if self.marks is not None:
            mark = self.marks.get((row, key))
            if mark is None or (mark[0] == "warning" and level == "error"):
                self.marks[(row, key)] = (level, message, hint, text)
        if level == "error":
            self.error_count += 1
            stored = self.errors
        else:
            self.warning_count += 1
            stored = self.warnings
        if len(stored) < self.max_stored:
            stored.append({"row": row, "column": column.header, "key": key, "value": text,
                           "message": message, "hint": hint})


COLUMN_ORDER = {column.key: index for index, column in enumerate(COLUMNS)}


def _order(issue: Mapping[str, Any]) -> tuple[int, int]:
    return issue["row"], COLUMN_ORDER[issue["key"]]


def _default_hint(column: Column, message: str) -> str:
    if message == REQUIRED:
        return f"{column.header}为必填项，请填写"
    if column.help:
        return column.help
    if column.kind == "date":
        return DATE_HINT
    if column.kind in ("code", "codes"):
        return CHOOSE_HINT
    return f"请按要求填写{column.header}"
