"""The working-day calendar (法定节假日与调休) that case deadlines are counted in."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import (
    CheckConstraint,
    Date,
    Integer,
    String,
    cast,
    delete,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal_plugin.core import cache
from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import UTCDateTime

log = logging.getLogger(__name__)

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = {HOLIDAY: "休息日", WORKDAY: "调休上班"}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# chinese_calendar names its holidays in English; what we store and show.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
# Days left at or below which a running case is flagged yellow (red once overdue).
DUE_SOON_DAYS = 3


class CalendarDay(db.Model):
    """A day that departs from Monday–Friday: a holiday, or a 调休 working Saturday/Sunday."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("kind in ('holiday', 'workday')", name="kind"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))


class CalendarYear(db.Model):
    """A year whose calendar_days are complete; other years count Monday–Friday."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(50))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _as_date(value: dt.date) -> dt.date:
    # A datetime would silently miss the date keys, and a UTC timestamp may be the wrong day in China.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def _year_ranges(years: Iterable[int]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive years merged into half-open [first Jan 1, after-last Jan 1) date ranges."""
    ranges: list[tuple[int, int]] = []
    for year in sorted(set(years)):
        if ranges and ranges[-1][1] == year:
            ranges[-1] = (ranges[-1][0], year + 1)
        else:
            ranges.append((year, year + 1))
    return [(dt.date(first, 1, 1), dt.date(end, 1, 1)) for first, end in ranges]


def _weekdays_through(day: dt.date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday) through `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """Working days from the calendar tables; build one per request and reuse it for every row.

    Years are read from the database on first need (one query for any number of years), so a
    caller never has to know in advance which years its dates fall in. A year without a
    calendar_years row counts Monday–Friday, with one warning per year and instance.
    """

    def __init__(self, connection: Any = None) -> None:
        # Reads through the app's session, or a given connection (a migration's).
        self._db = connection
        self._loaded: set[int] = set()
        self._known: set[int] = set()
        self._warned: set[int] = set()
        # Only days of known years: date -> "holiday" | "workday".
        self._kinds: dict[dt.date, str] = {}

    @classmethod
    def load(cls, years: Iterable[int]) -> WorkingCalendar:
        calendar = cls()
        calendar._ensure(years)
        return calendar

    def _ensure(self, years: Iterable[int]) -> None:
        missing = set(years) - self._loaded
        if not missing:
            return
        # Days and the known-year markers in ONE round trip.
        days = select(CalendarDay.day, CalendarDay.kind, cast(null(), Integer).label("year")).where(
            or_(*(CalendarDay.day.between(first, end - dt.timedelta(days=1))
                  for first, end in _year_ranges(missing))))
        known = select(cast(null(), Date), cast(null(), String), CalendarYear.year).where(
            CalendarYear.year.in_(sorted(missing)))
        kinds: dict[dt.date, str] = {}
        for day, kind, year in (self._db or db.session).execute(union_all(days, known)):
            if year is not None:
                self._known.add(year)
            else:
                kinds[day] = kind
        self._kinds.update({day: kind for day, kind in kinds.items() if day.year in self._known})
        self._loaded |= missing

    def _ensure_year(self, year: int) -> None:
        if year not in self._loaded:
            self._ensure([year])
        if year not in self._known and year not in self._warned:
            self._warned.add(year)
            log.warning("working calendar: no holiday data for %d, counting Monday to Friday "
                        "(load it with `flask calendar load --year %d` or `flask calendar set`)",
                        year, year)

    def is_known(self, year: int) -> bool:
        """Whether `year` has holiday data (else it is counted Monday–Friday)."""
        self._ensure([year])
        return year in self._known

    def is_working_day(self, d: dt.date) -> bool:
        d = _as_date(d)
        self._ensure_year(d.year)
        kind = self._kinds.get(d)
        if kind is not None:
            return kind == WORKDAY
        return d.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted); n == 0 gives start."""
        start = _as_date(start)
        if n < 0:
            raise ValueError("n must be ≥ 0")
        if n == 0:
            return start
        # Prefetch every year the answer can plausibly reach in one query (holidays included).
        horizon = start + dt.timedelta(days=n * 2 + 14)
        self._ensure(range(start.year, horizon.year + 1))
        day = start
        while n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b] when b ≥ a; minus those in (b, a] when b < a.

        working_days_between(today, deadline) is the days left: 0 when due today, < 0 overdue.
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        if a == b:
            return 0
        years = range((a + dt.timedelta(days=1)).year, b.year + 1)
        self._ensure(years)
        for year in years:
            self._ensure_year(year)
        count = _weekdays_through(b) - _weekdays_through(a)
        for day, kind in self._kinds.items():
            if a < day <= b:
                weekend = day.weekday() >= 5
                if kind == WORKDAY and weekend:
                    count += 1
                elif kind == HOLIDAY and not weekend:
                    count -= 1
        return count


def deadline_flag(days_left: int | None) -> str | None:
    """The list-page flag: red when overdue, yellow when due within DUE_SOON_DAYS, else None."""
    if days_left is None:
        return None
    if days_left < 0:
        return "red"
    if days_left <= DUE_SOON_DAYS:
        return "yellow"
    return None


def shared() -> WorkingCalendar:
    """This app's calendar, kept by the process (every list row and deadline needs it).

    An edit made in this process clears it at once; one made elsewhere (the CLI) shows within
    cache.REFERENCE_SECONDS.
    """
    return cache.cached("calendar", lambda: WorkingCalendar.load([dt.date.today().year]))


def _mark_known(year: int, source: str) -> CalendarYear:
    row = db.session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year, source=source, loaded_at=utcnow())
        db.session.add(row)
    return row


def load_years_from_package(years: Iterable[int]) -> list[int]:
    """Replace each year's calendar_days with the chinesecalendar package's data; the years loaded.

    Every day the package lists as a holiday is stored (weekend ones too) and every 调休 working
    day; manual edits of those years are overwritten. Years the package lacks are skipped with a
    warning. The caller commits.
    """
    import chinese_calendar

    holidays: dict[dt.date, str] = chinese_calendar.holidays
    workdays: dict[dt.date, str] = chinese_calendar.workdays
    available = {d.year for d in holidays} | {d.year for d in workdays}
    version = getattr(chinese_calendar, "__version__", "?")
    loaded: list[int] = []
    for year in dict.fromkeys(years):
        if year not in available:
            log.warning("chinesecalendar %s has no data for %d (it covers %d–%d); skipped",
                        version, year, min(available), max(available))
            continue
        db.session.execute(delete(CalendarDay).where(
            CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))
        for kind, source in ((HOLIDAY, holidays), (WORKDAY, workdays)):
            db.session.add_all(
                CalendarDay(day=day, kind=kind, name=HOLIDAY_NAMES.get(name, name)[:50])
                for day, name in source.items() if day.year == year)
        row = _mark_known(year, "chinesecalendar")
        row.source, row.loaded_at = "chinesecalendar", utcnow()
        loaded.append(year)
    db.session.flush()
    cache.forget("calendar")
    return loaded


def set_day(day: dt.date, kind: str, name: str) -> CalendarDay:
    """Make `day` a holiday or a 调休 working weekend day (manual edit); the caller commits."""
    day = _as_date(day)
    name = name.strip()
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if kind == WORKDAY and day.weekday() < 5:
        raise ValueError(f"{day} is a weekday already; only a Saturday or Sunday can be a workday")
    if not name or len(name) > 50:
        raise ValueError("name must be 1–50 characters")
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.kind, row.name = kind, name
    db.session.add(row)
    _mark_known(day.year, "manual")
    db.session.flush()
    cache.forget("calendar")
    return row


def clear_day(day: dt.date) -> bool:
    """Make `day` an ordinary day again (manual edit); whether it had an entry. The caller commits."""
    day = _as_date(day)
    row = db.session.get(CalendarDay, day)
    if row is not None:
        db.session.delete(row)
    _mark_known(day.year, "manual")
    db.session.flush()
    cache.forget("calendar")
    return row is not None


# --- flask calendar ... ------------------------------------------------------------------------

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group("calendar")
def calendar_command() -> None:
    """The working-day calendar: statutory holidays and 调休 working days."""


@calendar_command.command("load")
@with_appcontext
@click.option("--year", "years", type=int, multiple=True,
              help="year to load (repeatable; default: this year and next)")
def load_command(years: tuple[int, ...]) -> None:
    """Load years from the chinesecalendar package (replaces their entries, manual ones too)."""
    wanted = list(years) or [dt.date.today().year, dt.date.today().year + 1]
    loaded = load_years_from_package(wanted)
    db.session.commit()
    for year in wanted:
        if year in loaded:
            click.echo(f"{year}: loaded from chinesecalendar")
        else:
            click.echo(f"{year}: not in chinesecalendar; skipped (enter it with `flask calendar set`)",
                       err=True)


@calendar_command.command("set")
@with_appcontext
@click.argument("day", type=DATE)
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("name")
def set_command(day: dt.datetime, kind: str, name: str) -> None:
    """Make DAY a holiday or a 调休 working day named NAME (e.g. 春节)."""
    try:
        set_day(day.date(), kind, name)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    click.echo(f"{day.date()}: {kind} {name.strip()}")


@calendar_command.command("clear")
@with_appcontext
@click.argument("day", type=DATE)
def clear_command(day: dt.datetime) -> None:
    """Make DAY an ordinary day again (working Monday–Friday, off at the weekend)."""
    removed = clear_day(day.date())
    db.session.commit()
    click.echo(f"{day.date()}: cleared" if removed else f"{day.date()}: had no entry")


@calendar_command.command("show")
@with_appcontext
@click.argument("year", type=int)
def show_command(year: int) -> None:
    """List YEAR's holidays and 调休 working days, and whether the year is known."""
    row = db.session.get(CalendarYear, year)
    if row is None:
        click.echo(f"{year}: unknown (counted Monday to Friday)")
    else:
        click.echo(f"{year}: known (source {row.source}, loaded {row.loaded_at:%Y-%m-%d %H:%M})")
    days = db.session.scalars(select(CalendarDay).where(
        CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))).order_by(CalendarDay.day))
    for entry in days:
        click.echo(f"{entry.day} {WEEKDAYS[entry.day.weekday()]} {entry.kind:<7} "
                   f"{KINDS.get(entry.kind, '')} {entry.name}")
