"""The one clock: the bureau's time zone, today's local date, UTC timestamps."""

from __future__ import annotations

import datetime as dt

LOCAL_ZONE = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def local_zone() -> dt.tzinfo:
    """The bureau's time zone: dates (case numbers, deadlines, issue dates) are local dates."""
    return LOCAL_ZONE


def today() -> dt.date:
    """The bureau's local date."""
    return dt.datetime.now(local_zone()).date()


def start_of(day: dt.date) -> dt.datetime:
    """The first instant of a local day (for timestamp range filters)."""
    return dt.datetime.combine(day, dt.time(), local_zone())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
