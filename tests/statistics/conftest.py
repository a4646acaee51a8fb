"""A generated registry spanning five years and several districts, with its counts computed apart."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

import pytest
from flask import Flask

from portal_plugin.core.extensions import db
from portal_plugin.statistics.service import this_year
from tests.kit import add_agency, add_filing, add_license, credit_code

# Current districts and one legacy code (塘沽区, now 滨海新区); the city officer sees them all.
DISTRICTS = ("120101", "120103", "120104", "120116", "120107")
SUCCESSOR = {"120107": "120116"}


@dataclass
class Registry:
    """What was generated: (division, first grant, deregistration) per agency, and the range."""

    agencies: list[tuple[str, dt.date | None, dt.date | None]]
    years: tuple[int, int]

    def expected(self, kind: str, first: int, last: int, covered: set[str] | None = None
                 ) -> dict[tuple[int, str], int]:
        """(year, current district) → agencies, computed from the generated rows alone."""
        counts: Counter[tuple[int, str]] = Counter()
        for division, granted, gone in self.agencies:
            day = granted if kind == "new" else gone
            if day and first <= day.year <= last and (covered is None or division in covered):
                counts[(day.year, SUCCESSOR.get(division, division))] += 1
        return dict(counts)


def _day(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


@pytest.fixture
def registry(app: Flask) -> Registry:
    """~120 agencies over the last five years (plus older ones outside the default range)."""
    rng = random.Random(20261127)
    last = this_year()
    made: list[tuple[str, dt.date | None, dt.date | None]] = []
    with app.app_context():
        for n in range(120):
            division = rng.choice(DISTRICTS)
            agency = add_agency(credit_code(70_000 + n, division), division,
                                f"统计测试人力资源服务有限公司{n:03d}", agency_type="01")
            dates = []
            for k in range(rng.choice((0, 1, 1, 2))):
                dates.append(_day(rng, rng.randint(last - 6, last)))
                add_license(agency, f"许{n}-{k}", issued_on=dates[-1])
            for k in range(rng.choice((0, 1, 2))):
                dates.append(_day(rng, rng.randint(last - 6, last)))
                add_filing(agency, f"备{n}-{k}", filed_on=dates[-1])
            if rng.random() < 0.3:
                agency.status = "deregistered"
                agency.deregistered_on = _day(rng, rng.randint(last - 6, last))
            made.append((division, min(dates, default=None), agency.deregistered_on))
        db.session.commit()
    return Registry(made, (last - 4, last))
