"""The working-day calendar: 2026 statutory holidays and 调休 from chinesecalendar, fallback, CLI."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import chinese_calendar
import pytest
from flask import Flask
from sqlalchemy import delete, event, func, inspect, select

from portal_plugin.core.extensions import db
from workflows.calendar import (
    CalendarDay,
    CalendarYear,
    WorkingCalendar,
    calendar_command,
    clear_day,
    deadline_flag,
    load_years_from_package,
    set_day,
)

D = dt.date
TABLES = (CalendarDay.__table__, CalendarYear.__table__)


@pytest.fixture
def calendar_tables(app: Flask) -> Iterator[None]:
    """The two calendar tables, empty; those the migrations did not make are dropped afterwards."""
    with app.app_context():
        existing = set(inspect(db.engine).get_table_names())
        created = [table for table in TABLES if table.name not in existing]
        for table in created:
            table.create(db.engine)
        for model in (CalendarDay, CalendarYear):
            db.session.execute(delete(model))
        db.session.commit()
        try:
            yield
        finally:
            db.session.rollback()
            for model in (CalendarDay, CalendarYear):
                db.session.execute(delete(model))
            db.session.commit()
            db.session.remove()
            for table in created:
                table.drop(db.engine)


@pytest.fixture
def loaded(calendar_tables: None) -> None:
    """2025 and 2026 loaded from the chinesecalendar package and committed."""
    assert load_years_from_package([2025, 2026]) == [2025, 2026]
    db.session.commit()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)


@pytest.fixture
def queries(calendar_tables: None) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def calendar_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "workflows.calendar" and r.levelno == logging.WARNING]


# --- the 2026 arrangement as the package has it ---------------------------------------------


def test_2026_package_data_is_the_published_arrangement():
    holidays = {d for d in chinese_calendar.holidays if d.year == 2026}
    workdays = {d for d in chinese_calendar.workdays if d.year == 2026}
    # 中秋 9-25..27 and 国庆 10-01..07, with 调休 Sunday 9-20 and Saturday 10-10.
    assert {D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27)} <= holidays
    assert {D(2026, 10, d) for d in range(1, 8)} <= holidays
    assert D(2026, 10, 8) not in holidays
    assert workdays == {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9),
                        D(2026, 9, 20), D(2026, 10, 10)}


def test_every_day_of_2025_and_2026_agrees_with_chinesecalendar(loaded):
    calendar = WorkingCalendar.load([2025, 2026])
    day = D(2025, 1, 1)
    while day.year < 2027:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


# --- arithmetic across holidays and 调休 -------------------------------------------------------


def test_national_day_week_is_skipped(loaded):
    calendar = WorkingCalendar.load([2026])
    # Wednesday 9-30, then 国庆 10-01..07: the next working day is Thursday 10-08.
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    # 中秋 Friday 9-25 off: Thursday 9-24 + 1 is Monday 9-28.
    assert calendar.add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)


def test_twenty_working_days_from_a_case_accepted_on_mid_autumn_friday(loaded):
    calendar = WorkingCalendar.load([2026])
    # 9-28/29/30, 10-08/09, 调休 Saturday 10-10, then 10-12.. : the 20th is Thursday 10-29
    # (plain Monday–Friday would have given Friday 10-23).
    assert calendar.add_working_days(D(2026, 9, 25), 20) == D(2026, 10, 29)
    assert calendar.working_days_between(D(2026, 9, 25), D(2026, 10, 29)) == 20


def test_make_up_weekend_workdays_count(loaded):
    calendar = WorkingCalendar.load([2026])
    assert calendar.is_working_day(D(2026, 10, 10))  # Saturday, 国庆 调休
    assert calendar.is_working_day(D(2026, 9, 20))  # Sunday, 国庆 调休
    assert not calendar.is_working_day(D(2026, 10, 11))  # an ordinary Sunday
    assert calendar.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 9, 19), 1) == D(2026, 9, 20)
    assert calendar.working_days_between(D(2026, 10, 9), D(2026, 10, 12)) == 2
    # Spring festival: Friday 2-13, 调休 Saturday 2-14, then off 2-15..23: next is Tuesday 2-24.
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_new_year_across_the_year_boundary(loaded):
    calendar = WorkingCalendar.load([2025])
    # 元旦 2026-01-01..03 off, 调休 Sunday 01-04 on, Monday 01-05 on.
    assert calendar.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert calendar.working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == 2
    assert calendar.working_days_between(D(2025, 12, 26), D(2026, 1, 5)) == 5


def test_add_and_between_are_consistent_for_many_starts(loaded):
    calendar = WorkingCalendar.load([2025, 2026])
    start = D(2025, 12, 1)
    while start <= D(2026, 12, 31):
        for n in range(31):
            end = calendar.add_working_days(start, n)
            assert calendar.working_days_between(start, end) == n, (start, n)
            assert calendar.working_days_between(end, start) == -n, (start, n)
            assert n == 0 or calendar.is_working_day(end)
        start += dt.timedelta(days=1)


def test_between_matches_counting_day_by_day(loaded):
    calendar = WorkingCalendar.load([2025, 2026])
    a = D(2025, 12, 20)
    for offset in range(0, 400, 7):
        b = a + dt.timedelta(days=offset)
        brute = sum(calendar.is_working_day(a + dt.timedelta(days=i)) for i in range(1, offset + 1))
        assert calendar.working_days_between(a, b) == brute


def test_days_left_is_zero_on_the_due_day_and_negative_when_overdue(loaded):
    calendar = WorkingCalendar.load([2026])
    deadline = D(2026, 10, 8)
    assert calendar.working_days_between(deadline, deadline) == 0
    assert calendar.working_days_between(D(2026, 10, 9), deadline) == -1
    # Over the holiday week a case due 10-08 is only one working day away on 9-30.
    assert calendar.working_days_between(D(2026, 9, 30), deadline) == 1
    # Overdue by 10-09, 调休 Saturday 10-10, 10-12 and 10-13 itself.
    assert calendar.working_days_between(D(2026, 10, 13), deadline) == -4
    assert calendar.add_working_days(deadline, 0) == deadline


def test_negative_n_and_datetimes_are_refused(loaded):
    calendar = WorkingCalendar.load([2026])
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2026, 10, 8), -1)
    with pytest.raises(TypeError):
        calendar.is_working_day(dt.datetime(2026, 10, 8, 9, 0, tzinfo=dt.UTC))


@pytest.mark.parametrize(("days_left", "flag"), [
    (None, None), (-30, "red"), (-1, "red"), (0, "yellow"), (1, "yellow"), (3, "yellow"),
    (4, None), (20, None),
])
def test_deadline_flag_boundaries(days_left, flag):
    assert deadline_flag(days_left) == flag


# --- unknown years, lazy loading --------------------------------------------------------------


def test_missing_year_counts_monday_to_friday_with_one_warning(loaded, caplog):
    caplog.set_level(logging.WARNING)
    calendar = WorkingCalendar.load([2026])
    assert calendar.is_working_day(D(2099, 1, 2))  # Friday
    assert not calendar.is_working_day(D(2099, 1, 3))  # Saturday
    assert calendar.add_working_days(D(2099, 1, 2), 1) == D(2099, 1, 5)
    assert calendar.working_days_between(D(2099, 1, 1), D(2099, 1, 31)) == 21  # 01-02..01-30
    assert not calendar.is_known(2099)
    warnings = calendar_warnings(caplog)
    assert len(warnings) == 1 and "2099" in warnings[0]
    # A new instance (the next request) warns again, once.
    WorkingCalendar.load([2099]).is_working_day(D(2099, 5, 1))
    assert len(calendar_warnings(caplog)) == 2


def test_no_calendar_data_at_all_still_works(calendar_tables, caplog):
    caplog.set_level(logging.WARNING)
    calendar = WorkingCalendar.load([2026])
    # Without data 10-01 (Thursday) is a working day: wrong, but no crash, and a warning.
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 1)
    assert len(calendar_warnings(caplog)) == 1


def test_load_reads_several_years_in_one_query(loaded, queries):
    calendar = WorkingCalendar.load([2025, 2026])
    assert len(queries.statements) == 1
    calendar.is_working_day(D(2025, 6, 3))
    calendar.working_days_between(D(2025, 1, 1), D(2026, 12, 31))
    assert len(queries.statements) == 1


def test_lazy_extension_to_another_year_costs_one_query(loaded, queries):
    calendar = WorkingCalendar.load([2026])
    assert len(queries.statements) == 1
    assert not calendar.is_working_day(D(2025, 10, 1))  # 2025 国庆, read now
    assert len(queries.statements) == 2
    assert not calendar.is_working_day(D(2025, 10, 8))
    assert calendar.is_working_day(D(2025, 10, 11))  # 2025 调休 Saturday
    assert calendar.is_working_day(D(2026, 10, 10))
    assert len(queries.statements) == 2


def test_adding_days_across_years_prefetches_in_one_query(loaded, queries):
    calendar = WorkingCalendar()
    assert calendar.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert len(queries.statements) == 1


# --- loading from the package and manual edits -------------------------------------------------


def test_load_2026_from_package_and_skip_2099_with_a_warning(calendar_tables, caplog):
    caplog.set_level(logging.WARNING)
    assert load_years_from_package([2026, 2099]) == [2026]
    db.session.commit()
    warnings = calendar_warnings(caplog)
    assert len(warnings) == 1 and "2099" in warnings[0]
    count = select(func.count()).select_from(CalendarDay)
    assert db.session.scalar(count.where(CalendarDay.kind == "holiday")) == 33
    assert db.session.scalar(count.where(CalendarDay.kind == "workday")) == 6
    assert db.session.get(CalendarDay, D(2026, 10, 1)).name == "国庆节"
    assert db.session.get(CalendarDay, D(2026, 2, 14)).name == "春节"
    assert db.session.get(CalendarDay, D(2026, 9, 25)).name == "中秋节"
    assert db.session.get(CalendarYear, 2026).source == "chinesecalendar"
    assert db.session.get(CalendarYear, 2099) is None


def test_reloading_a_year_replaces_it_and_drops_manual_edits(loaded):
    set_day(D(2026, 10, 9), "holiday", "临时休假")
    db.session.commit()
    assert load_years_from_package([2026]) == [2026]
    db.session.commit()
    assert db.session.get(CalendarDay, D(2026, 10, 9)) is None
    total = db.session.scalar(select(func.count()).select_from(CalendarDay).where(
        CalendarDay.day.between(D(2026, 1, 1), D(2026, 12, 31))))
    assert total == 39


def test_manual_holiday_and_clear_override_the_package(loaded):
    set_day(D(2026, 10, 9), "holiday", "临时休假")  # a Friday
    db.session.commit()
    calendar = WorkingCalendar.load([2026])
    assert not calendar.is_working_day(D(2026, 10, 9))
    assert calendar.add_working_days(D(2026, 10, 8), 1) == D(2026, 10, 10)
    assert db.session.get(CalendarYear, 2026).source == "chinesecalendar"

    assert clear_day(D(2026, 10, 10))  # the 调休 Saturday becomes an ordinary Saturday
    assert clear_day(D(2026, 10, 9))
    assert not clear_day(D(2026, 10, 9))
    db.session.commit()
    calendar = WorkingCalendar.load([2026])
    assert calendar.is_working_day(D(2026, 10, 9))
    assert not calendar.is_working_day(D(2026, 10, 10))


def test_manual_entry_makes_an_unknown_year_known(calendar_tables, caplog):
    caplog.set_level(logging.WARNING)
    set_day(D(2027, 2, 6), "workday", "春节")  # a Saturday
    set_day(D(2027, 2, 8), "holiday", "春节")  # a Monday
    db.session.commit()
    assert db.session.get(CalendarYear, 2027).source == "manual"
    calendar = WorkingCalendar.load([2027])
    assert calendar.is_known(2027)
    assert calendar.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 6)
    assert calendar.add_working_days(D(2027, 2, 6), 1) == D(2027, 2, 9)
    assert calendar_warnings(caplog) == []


def test_set_day_refuses_nonsense(calendar_tables):
    with pytest.raises(ValueError):
        set_day(D(2026, 10, 9), "workday", "国庆节")  # a Friday is a working day already
    with pytest.raises(ValueError):
        set_day(D(2026, 10, 10), "halfday", "国庆节")
    with pytest.raises(ValueError):
        set_day(D(2026, 10, 9), "holiday", " ")


# --- flask calendar ... ------------------------------------------------------------------------


def test_cli_load_show_set_clear(app, calendar_tables):
    app.cli.add_command(calendar_command)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["calendar", "show", "2026"])
    assert result.exit_code == 0, result.output
    assert "2026: unknown" in result.output

    result = runner.invoke(args=["calendar", "load", "--year", "2026", "--year", "2099"])
    assert result.exit_code == 0, result.output
    assert "2026: loaded" in result.stdout
    assert "2099: not in chinesecalendar" in result.stderr

    result = runner.invoke(args=["calendar", "show", "2026"])
    assert "2026: known (source chinesecalendar" in result.output
    assert "2026-10-01 周四 holiday" in result.output
    assert "2026-10-10 周六 workday" in result.output
    assert len(result.output.splitlines()) == 1 + 39

    result = runner.invoke(args=["calendar", "set", "2027-02-06", "workday", "春节"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["calendar", "show", "2027"])
    assert "2027: known (source manual" in result.output
    assert "2027-02-06 周六 workday" in result.output and "春节" in result.output

    result = runner.invoke(args=["calendar", "clear", "2027-02-06"])
    assert result.exit_code == 0 and "cleared" in result.output
    result = runner.invoke(args=["calendar", "show", "2027"])
    assert len(result.output.splitlines()) == 1

    assert runner.invoke(args=["calendar", "set", "2027-02-08", "halfday", "春节"]).exit_code == 2
    assert runner.invoke(args=["calendar", "set", "2027-02-08", "workday", "春节"]).exit_code == 2
    assert runner.invoke(args=["calendar", "clear", "2027-13-01"]).exit_code == 2

    db.session.remove()
    assert db.session.get(CalendarYear, 2026).source == "chinesecalendar"
    assert db.session.get(CalendarDay, D(2027, 2, 6)) is None


def test_cli_load_defaults_to_this_year_and_next(app, calendar_tables):
    app.cli.add_command(calendar_command)
    result = app.test_cli_runner().invoke(args=["calendar", "load"])
    assert result.exit_code == 0, result.output
    this_year = dt.date.today().year
    assert f"{this_year}:" in result.output and f"{this_year + 1}:" in result.output
