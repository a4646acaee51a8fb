"""Gap-free number series allocated inside the caller's transaction (DESIGN.md principle 6)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal_plugin.core.extensions import db
from workflows.models import Counter

DEFAULT_FORMATS = {
    "case": "{kind}{division}{date:%Y%m%d}{seq:04d}",
    "license": "（津）人服证字〔{year}〕第{district}{seq:04d}号",
    "decision": "津人社许准字〔{year}〕{seq}号",
    "filing": "津人服备字〔{year}〕第{district}{seq:04d}号",
    "deregistration": "津人社许注字〔{year}〕{seq}号",
}


def next_value(series: str) -> int:
    """Increment a series and return its new value.

    The UPDATE takes the counter row's lock until the transaction ends, so concurrent
    approvals queue up; a rolled-back transaction gives its number back — no gaps, no repeats.
    """
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Counter).values(series=series, value=0).on_conflict_do_nothing())
    return db.session.execute(
        update(Counter)
        .where(Counter.series == series)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()


def issue(kind: str, division: str, on: dt.date) -> str:
    """The next number of a kind (license, decision, filing, deregistration) for a division/year."""
    seq = next_value(f"{kind}:{on.year}:{division}")
    return _format(kind).format(year=on.year, district=division[2:], division=division, seq=seq)


def case_number(kind_code: str, division: str, on: dt.date) -> str:
    """A case number (办件编号): kind code, division, date, daily sequence."""
    seq = next_value(f"case:{kind_code}:{division}:{on:%Y%m%d}")
    return _format("case").format(kind=kind_code, division=division, date=on, seq=seq)


def _format(kind: str) -> str:
    return current_app.config.get("NUMBER_FORMATS", {}).get(kind) or DEFAULT_FORMATS[kind]
