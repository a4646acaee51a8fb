"""Gap-free number series allocated inside the caller's transaction (DESIGN.md principle 6)."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal_plugin.core.errors import Conflict
from portal_plugin.core.extensions import db
from workflows.models import Counter, IssuedNumber

log = logging.getLogger(__name__)

# Every series is kind + year + issuing division, and every default format carries the
# division's part ({district}: the code without the province, 0101 for 和平区, 0000 for the city),
# so no two districts issue the same number; issued_numbers refuses a repeat at the database.
DEFAULT_FORMATS = {
    "case": "{kind}{division}{date:%Y%m%d}{seq:04d}",
    "license": "（津）人服证字〔{year}〕第{district}{seq:04d}号",
    "decision": "津人社许准字〔{year}〕{district}-{seq}号",
    "filing": "津人服备字〔{year}〕第{district}{seq:04d}号",
    "deregistration": "津人社许注字〔{year}〕{district}-{seq}号",
    # The documents' own series (workflows/documents.py).
    "acceptance": "津人社许受字〔{year}〕{district}-{seq}号",
    "correction": "津人社许补字〔{year}〕{district}-{seq}号",
    "non_acceptance": "津人社不受字〔{year}〕{district}-{seq}号",
    "refusal": "津人社不许字〔{year}〕{district}-{seq}号",
    "filing_refusal": "津人社不备字〔{year}〕{district}-{seq}号",
    "deregistration_refusal": "津人社不注字〔{year}〕{district}-{seq}号",
    "change": "津人社许变字〔{year}〕{district}-{seq}号",
    "change_refusal": "津人社不变字〔{year}〕{district}-{seq}号",
    "branch": "津人社分设字〔{year}〕{district}-{seq}号",
    "branch_refusal": "津人社不分字〔{year}〕{district}-{seq}号",
}
DUPLICATE = "文号{number}已经使用过，不能重复发出（请检查文号格式配置是否含有行政区划部分）"


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
    """The next number of a kind (license, decision, filing, deregistration) for a division/year,
    registered in issued_numbers in the caller's transaction; never one issued before."""
    series = f"{kind}:{on.year}:{division}"
    while True:
        seq = next_value(series)
        number = _format(kind).format(year=on.year, district=division[2:], division=division,
                                      seq=seq)
        # A number of the series entered by hand (a revocation's 文号) was issued already:
        # the series goes on after it rather than repeat it.
        if db.session.get(IssuedNumber, number) is None:
            break
        log.warning("number %s was issued already; series %s skips it", number, series)
    register(number, kind, division)
    return number


def peek(kind: str, division: str, on: dt.date) -> str:
    """The number `issue` would give next for a kind, division and year, without taking it:
    reads the counter (no lock, no write), so another approval may take it first — the final
    number is the one `issue` assigns when the decision is confirmed."""
    series = f"{kind}:{on.year}:{division}"
    seq = db.session.scalar(select(Counter.value).where(Counter.series == series)) or 0
    while True:
        seq += 1
        number = _format(kind).format(year=on.year, district=division[2:], division=division,
                                      seq=seq)
        if db.session.get(IssuedNumber, number) is None:
            return number


def register(number: str, kind: str, division: str | None) -> None:
    """Record an issued number city-wide; one issued before (any series, any district) is a
    Conflict and the caller's transaction goes no further."""
    # The database's unique key is the guarantee; the look-up before it gives the message.
    if db.session.get(IssuedNumber, number) is not None:
        raise Conflict(DUPLICATE.format(number=number))
    db.session.add(IssuedNumber(number=number, kind=kind, division_code=division))
    db.session.flush()


def case_number(kind_code: str, division: str, on: dt.date) -> str:
    """A case number (办件编号): kind code, division, date, daily sequence."""
    seq = next_value(f"case:{kind_code}:{division}:{on:%Y%m%d}")
    return _format("case").format(kind=kind_code, division=division, date=on, seq=seq)


def _format(kind: str) -> str:
    return current_app.config.get("NUMBER_FORMATS", {}).get(kind) or DEFAULT_FORMATS[kind]
