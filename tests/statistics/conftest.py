"""A generated registry spanning five years and several districts, with its counts computed apart."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

import pytest
from flask import Flask

from portal_plugin.extensions import db
from portal_plugin.models import Agency, Filing, License
from portal_plugin.statistics import this_year
from tests.workflows.conftest import ID_NO, credit_code

# Current districts and one legacy code (塘沽区, now 滨海新区); the city officer sees them all.
DISTRICTS = ("120101", "120103", "120104", "120116", "120107")
SUCCESSOR = {"120107": "120116"}


@dataclass
class Registry:
    """What was generated, and the counts expected: (year, current district) → agencies."""

    new: Counter[tuple[int, str]]
    deregistered: Counter[tuple[int, str]]
    years: tuple[int, int]

    def expected(self, kind: str, districts: set[str] | None = None) -> dict[tuple[int, str], int]:
        counts = self.new if kind == "new" else self.deregistered
        return {key: n for key, n in counts.items()
                if n and (districts is None or key[1] in districts)}


def _day(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


@pytest.fixture
def registry(app: Flask) -> Registry:
    """~120 agencies over the last five years (plus older ones outside the default range)."""
    rng = random.Random(20261127)
    last = this_year()
    new: Counter[tuple[int, str]] = Counter()
    gone: Counter[tuple[int, str]] = Counter()
    with app.app_context():
        for n in range(120):
            division = rng.choice(DISTRICTS)
            agency = Agency(name=f"统计测试人力资源服务有限公司{n:03d}",
                            credit_code=credit_code(70_000 + n, division), agency_type="01",
                            division_code=division, address="天津市测试路1号", legal_rep="张伟",
                            legal_rep_id_no=ID_NO)
            db.session.add(agency)
            db.session.flush()
            dates = []
            for k in range(rng.choice((0, 1, 1, 2))):
                dates.append(_day(rng, rng.randint(last - 6, last)))
                db.session.add(License(agency_id=agency.id, license_number=f"许{n}-{k}",
                                       issued_on=dates[-1], items=["L01"]))
            for k in range(rng.choice((0, 1, 2))):
                dates.append(_day(rng, rng.randint(last - 6, last)))
                db.session.add(Filing(agency_id=agency.id, filing_number=f"备{n}-{k}",
                                      filed_on=dates[-1], items=["F01"]))
            column = SUCCESSOR.get(division, division)
            if dates:
                new[(min(dates).year, column)] += 1
            if rng.random() < 0.3:
                agency.status = "deregistered"
                agency.deregistered_on = _day(rng, rng.randint(last - 6, last))
                gone[(agency.deregistered_on.year, column)] += 1
        db.session.commit()
    return Registry(new, gone, (last - 4, last))
