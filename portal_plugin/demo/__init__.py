"""Demo data for `make run`: agencies, cases in every state, job fairs, reports, 补发 requests.

Everything goes through the same services as real use (validation, engine, numbering, audit),
acting as the dev portal's demo users, so the demo registry is consistent by construction.
"""

from __future__ import annotations

from portal_plugin.demo import (
    agencies,
    annual_reports,
    cases,
    certificates,
    clocks,
    commitment,
    history,
    job_fairs,
    lifecycle,
    publicity,
    revocations,
    statistics,
)
from portal_plugin.demo.base import who


def load() -> int:
    """Create the demo data unless cases exist already; returns the number of records made."""
    made = cases.load()
    if not made:
        return 0
    made += clocks.load()
    made += statistics.load()
    job_fairs.load()
    made += certificates.load()
    made += annual_reports.load(who)
    revocations.load()
    made += commitment.load()
    made += publicity.load()
    made += agencies.load()
    made += history.load(who("HRM_GL", "120000"))
    made += lifecycle.load()
    return made
