"""工作日历 services: read a year, add and remove days, replace a year (each audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select

from portal_plugin.calendar.schemas import FIRST_YEAR, LABELS, LAST_YEAR
from portal_plugin.core import audit
from portal_plugin.core.clock import today
from portal_plugin.core.errors import Forbidden, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.transaction import atomic
from portal_plugin.core.validation import Checker, Day, Text
from workflows.calendar import (
    KINDS,
    WEEKDAYS,
    WORKDAY,
    CalendarDay,
    CalendarYear,
    clear_day,
    set_day,
)

PERMISSION = "calendar.manage"


def _allowed(identity: Identity) -> None:
    if not identity.can(PERMISSION):
        raise Forbidden("您的业务角色无权维护工作日历")


def year_of(value: Any) -> int:
    """A year of the path or query, within the calendar's range."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Invalid({"year": "应为年份，如 2027"}) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid({"year": f"年份应在{FIRST_YEAR}至{LAST_YEAR}之间"})
    return year


def year_json(year: int) -> dict[str, Any]:
    """A year: whether it is known, where its data came from, its days in order."""
    row = db.session.get(CalendarYear, year)
    days = db.session.scalars(select(CalendarDay).where(
        CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(CalendarDay.day))
    return {"year": year, "known": row is not None, "source": row.source if row else None,
            "loaded_at": row.loaded_at.isoformat() if row else None,
            "days": [{"day": d.day.isoformat(), "kind": d.kind, "kind_label": KINDS[d.kind],
                      "weekday": WEEKDAYS[d.day.weekday()], "name": d.name} for d in days]}


def clean_day(data: Mapping[str, Any], year: int | None = None, path: str = "") -> dict[str, Any]:
    """One day's values, checked: a date (of `year`, when given), a kind, a name; a 调休
    working day must be a Saturday or Sunday."""
    check = Checker()
    prefix = f"{path}." if path else ""
    day = check.value(Day, data, "day", prefix + "day", missing="请填写日期")
    kind = data.get("kind")
    if kind not in KINDS:
        check.fail(prefix + "kind", "请选择休息日或调休上班")
    name = check.value(Text(50, LABELS["name"]), data, "name", prefix + "name",
                       missing="请填写名称，如 春节")
    if day is not None:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            check.fail(prefix + "day", f"日期应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
        elif year is not None and day.year != year:
            check.fail(prefix + "day", f"日期应在{year}年内")
        elif kind == WORKDAY and day.weekday() < 5:
            check.fail(prefix + "kind", f"{day.isoformat()}是工作日，只有周六、周日可设为调休上班")
    check.raise_any()
    return {"day": day, "kind": kind, "name": name}


def add_day(identity: Identity, data: Mapping[str, Any]) -> CalendarDay:
    """Make a day a holiday or a 调休 working day (replacing what it was)."""
    _allowed(identity)
    clean = clean_day(data)
    with atomic():
        before = db.session.get(CalendarDay, clean["day"])
        was = (before.kind, before.name) if before else None
        row = set_day(clean["day"], clean["kind"], clean["name"])
        audit.record(identity, "set", "calendar_day", clean["day"].isoformat(),
                     from_state=was[0] if was else None, to_state=clean["kind"],
                     data={"name": clean["name"], "before": list(was) if was else None})
    return row


def remove_day(identity: Identity, value: Any) -> None:
    """Make a day an ordinary day again."""
    _allowed(identity)
    check = Checker()
    day = check.value(Day, {"day": value}, "day", missing="请填写日期")
    check.raise_any()
    with atomic():
        before = db.session.get(CalendarDay, day)
        if before is None:
            raise NotFound(f"{day.isoformat()}不是节假日或调休日")
        kind, name = before.kind, before.name
        clear_day(day)
        audit.record(identity, "clear", "calendar_day", day.isoformat(), from_state=kind,
                     data={"name": name})


def replace_year(identity: Identity, year: int, days: Sequence[Any]) -> dict[str, Any]:
    """PUT: the year's days are exactly `days` (the year becomes known, source manual)."""
    _allowed(identity)
    if not isinstance(days, list):
        raise Invalid({"days": "应为日期列表"})
    errors: dict[str, str] = {}
    clean: dict[dt.date, dict[str, Any]] = {}
    for index, entry in enumerate(days):
        if not isinstance(entry, Mapping):
            errors[f"days.{index}"] = "应为对象"
            continue
        try:
            value = clean_day(entry, year, f"days.{index}")
        except Invalid as exc:
            errors.update(exc.fields)
            continue
        if value["day"] in clean:
            errors[f"days.{index}.day"] = "日期重复"
        clean[value["day"]] = value
    if errors:
        raise Invalid(errors)
    with atomic():
        db.session.execute(delete(CalendarDay).where(
            CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))
        db.session.flush()
        for value in clean.values():
            set_day(value["day"], value["kind"], value["name"])
        if not clean:  # an empty year is still a known one: Monday–Friday on purpose
            row = db.session.get(CalendarYear, year) or CalendarYear(year=year, source="manual")
            row.source = "manual"
            db.session.add(row)
        audit.record(identity, "replace", "calendar_year", str(year),
                     data={"days": len(clean)})
    return year_json(year)


def missing_next_year() -> int | None:
    """Next year, when it has no calendar data yet (the workbench warns the calendar's keeper)."""
    year = today().year + 1
    return None if db.session.get(CalendarYear, year) is not None else year
