"""The forms' limits come from the schemas the services check with (core.schemas.max_lengths)."""

from __future__ import annotations

import re

import pytest

from portal_plugin.annual_reports.schemas import AnnualReportIn
from portal_plugin.core.schemas import AgencyRecord, max_lengths
from portal_plugin.job_fairs.schemas import JobFairIn
from portal_plugin.revocations.schemas import RevocationIn
from tests.kit import HP

FIELD = re.compile(r'<(?:input|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', re.S)
MAXLENGTH = re.compile(r'\bmaxlength="(\d+)"')


def limits(html: str) -> dict[str, int]:
    """name → maxlength of every text field of a page."""
    found = {}
    for match in FIELD.finditer(html):
        limit = MAXLENGTH.search(match.group(0))
        if limit:
            found[match.group(1)] = int(limit.group(1))
    return found


@pytest.mark.parametrize(("role", "url", "schema"), [
    ("HRM_GL", "/agencies/new", AgencyRecord),
    ("HRM_JG", "/agency/job-fairs/new", JobFairIn),
    ("HRM_JG", "/agency/annual-reports/new", AnnualReportIn),
    ("HRM_GL", "/revocations/new", RevocationIn),
])
def test_every_text_field_of_a_form_is_limited_as_its_schema(login_as, agencies, role, url,
                                                            schema):
    page = login_as(role, HP).get(url)
    assert page.status_code == 200
    shown, wanted = limits(page.text), max_lengths(schema)
    assert {key: shown.get(key) for key in wanted} == wanted

