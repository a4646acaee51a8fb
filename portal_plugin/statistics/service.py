"""统计分析: new and deregistered agencies per year and district of a jurisdiction.

New in a year: the agency's first licence or filing was granted that year (the earliest
License.issued_on / Filing.filed_on, its year kept as Agency.first_granted_year by the
triggers of migration 0005). Deregistered in a year: an agency now 已注销 whose Agency.deregistered_on
(set when a 注销 is approved, or imported) falls in that year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import ColumnElement, Select, func, select

from portal_plugin.core import audit, catalog, excel
from portal_plugin.core.clock import today
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import scope
from portal_plugin.core.models import Agency
from portal_plugin.core.queryargs import districts_of
from portal_plugin.core.validation import whole_number

DEFAULT_YEARS = 5
MAX_YEARS = 30
EARLIEST, LATEST = 1949, 2100
TOTAL = "合计"


@dataclass(frozen=True)
class Statistic:
    """One of the two statistics: its menu label, what it counts, its year and its filter."""

    kind: str
    label: str
    counted: str
    year: ColumnElement[Any]
    between: Callable[[int, int], ColumnElement[bool]]


STATISTICS = {
    "new": Statistic("new", "按年度统计各地区新增情况", "新增机构数", Agency.first_granted_year,
                     lambda start, end: Agency.first_granted_year.between(start, end)),
    "deregistered": Statistic(
        "deregistered", "按年度统计各地区注销情况", "注销机构数",
        func.extract("year", Agency.deregistered_on),
        lambda start, end: (Agency.status == "deregistered") & Agency.deregistered_on.between(
            dt.date(start, 1, 1), dt.date(end, 12, 31))),
}


@dataclass(frozen=True)
class Table:
    """Years (rows) × the districts of a jurisdiction (columns), with the totals."""

    statistic: Statistic
    years: list[int]
    districts: dict[str, str]  # code → name, in the catalogue's order
    counts: dict[tuple[int, str], int]

    def count(self, year: int, district: str) -> int:
        return self.counts.get((year, district), 0)

    def year_total(self, year: int) -> int:
        return sum(self.count(year, code) for code in self.districts)

    def district_total(self, district: str) -> int:
        return sum(self.count(year, district) for year in self.years)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows(self) -> list[dict[str, Any]]:
        """Every cell as {"year", "division", "division_name", "count"} (zeros included)."""
        return [{"year": year, "division": code, "division_name": name,
                 "count": self.count(year, code)}
                for year in self.years for code, name in self.districts.items()]


def this_year() -> int:
    return today().year


def year_range(first: str | None, last: str | None) -> tuple[int, int]:
    """The chosen 起始年度 and 截止年度 (default: the last five years); Invalid when absurd."""
    errors: dict[str, str] = {}
    current = this_year()

    def parse(key: str, text: str | None, default: int) -> int:
        text = (text or "").strip()
        if not text:
            return default
        year = whole_number(text)
        if year is None or len(text) != 4 or not EARLIEST <= year <= LATEST:
            errors[key] = f"应为{EARLIEST}至{LATEST}之间的四位年份"
            return default
        return year

    end = parse("to", last, current)
    start = parse("from", first, end - DEFAULT_YEARS + 1)
    if not errors and start > end:
        errors["from"] = "起始年度不能晚于截止年度"
    elif not errors and end - start + 1 > MAX_YEARS:
        errors["to"] = f"统计范围不能超过{MAX_YEARS}年"
    if errors:
        raise Invalid(errors, "统计年度有误：" + "；".join(
            message if message.startswith(("起始年度", "截止年度", "统计范围")) else
            f"{'起始年度' if key == 'from' else '截止年度'}{message}"
            for key, message in errors.items()))
    return start, end


def query(identity: Identity, kind: str, start: int, end: int) -> Select[tuple[Any, ...]]:
    """(year, division, count) of one statistic over the identity's jurisdiction: one GROUP BY
    on a covering index (migration 0005)."""
    statistic = STATISTICS[kind]
    return (select(statistic.year, Agency.division_code, func.count())
            .where(statistic.between(start, end), scope(Agency.division_code, identity))
            .group_by(statistic.year, Agency.division_code))


def compute(identity: Identity, kind: str, start: int, end: int) -> Table:
    """The table of one statistic over the identity's jurisdiction.

    Legacy district codes of old records count under their successor (Division.successor_code).
    """
    successor = catalog.divisions().successors
    counts: dict[tuple[int, str], int] = {}
    for year, code, n in db.session.execute(query(identity, kind, start, end)):
        key = (int(year), successor.get(code, code))
        counts[key] = counts.get(key, 0) + n
    districts = districts_of(identity)
    for _, code in counts:  # a division outside the current districts still gets its column
        districts.setdefault(code, catalog.division_name(code))
    return Table(STATISTICS[kind], list(range(start, end + 1)), districts, counts)


def chart(table: Table, *, width: int = 720, height: int = 260) -> dict[str, Any]:
    """Bar geometry of the yearly totals for an inline SVG (no script, no external asset)."""
    top, bottom, left = 24, 36, 48
    plot = height - top - bottom
    peak = max((table.year_total(y) for y in table.years), default=0) or 1
    slot = (width - left) / max(len(table.years), 1)
    bars = []
    for index, year in enumerate(table.years):
        value = table.year_total(year)
        tall = round(plot * value / peak, 1)
        x = round(left + index * slot + slot * 0.15, 1)
        bars.append({"year": year, "value": value, "x": x, "width": round(slot * 0.7, 1),
                     "y": round(top + plot - tall, 1), "height": tall,
                     "middle": round(x + slot * 0.35, 1)})
    return {"width": width, "height": height, "base": top + plot, "left": left, "peak": peak,
            "top": top, "bars": bars}


def workbook(identity: Identity, table: Table) -> bytes:
    """The table as an .xlsx (write-only; header frozen with a filter); the export is audited."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.statistic.label[:31])
    headers = ["年度", *table.districts.values(), TOTAL]
    excel.set_widths(ws, [[h] for h in headers])
    excel.text_columns(ws, [1])
    excel.freeze_header(ws, len(headers))
    ws.append([excel.header_cell(ws, h) for h in headers])
    for year in table.years:
        ws.append([excel.cell(ws, str(year), text=True),
                   *(table.count(year, code) for code in table.districts),
                   table.year_total(year)])
    ws.append([excel.cell(ws, TOTAL, text=True),
               *(table.district_total(code) for code in table.districts), table.total])
    audit.record(identity, "export", "statistics", table.statistic.kind,
                 data={"from": table.years[0], "to": table.years[-1], "total": table.total})
    db.session.commit()
    return excel.to_bytes(wb)


def download_name(table: Table) -> str:
    return excel.download_name(table.statistic.label, f"{table.years[0]}-{table.years[-1]}")
