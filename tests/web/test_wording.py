"""Consistent words (issue 15): one message for a reversed date range on every list with a date
range, and names that refuse characters no registered name contains."""

from __future__ import annotations

import re

import pytest

from portal_plugin.core.queryargs import REVERSED_RANGE
from tests.kit import HP

# Every list page with a 起 / 止 date filter: (role, path, from-argument, to-argument).
RANGED_LISTS = [
    ("HRM_SL", "/licensing/accept", "submitted_from", "submitted_to"),
    ("HRM_SH", "/filing/review", "submitted_from", "submitted_to"),
    ("HRM_CX", "/licensing/records", "granted_from", "granted_to"),
    ("HRM_CX", "/filing/records", "granted_from", "granted_to"),
    ("HRM_GL", "/history-import", "imported_from", "imported_to"),
    ("HRM_GL", "/job-fairs", "held_from", "held_to"),
    ("HRM_GL", "/revocations", "decided_from", "decided_to"),
]


@pytest.mark.parametrize(("role", "path", "start", "end"), RANGED_LISTS)
def test_a_reversed_range_says_the_same_on_every_list(login_as, role, path, start, end) -> None:
    page = login_as(role, HP).get(f"{path}?{start}=2026-05-01&{end}=2026-04-01")
    assert page.status_code in (200, 422)
    assert REVERSED_RANGE in page.text, path
    assert "起始年度起始年度" not in page.text


def test_statistics_reversed_years_say_it_once(login_as) -> None:
    text = login_as("HRM_GL", HP).get("/statistics/new?from=2025&to=2020").text
    assert "起始年度不能晚于截止年度" in text and not re.search(r"(起始年度){2}", text)


@pytest.mark.parametrize("bad", ["<b>津和</b>人力资源服务有限公司", "津和\x07人力资源服务有限公司"])
def test_names_refuse_angle_brackets_and_control_characters(app, client, people, bad) -> None:
    from portal_plugin.core.validation import Checker
    from portal_plugin.job_fairs.schemas import JobFairIn
    from tests.kit import agency_body, fair_body

    case = client.post("/api/v1/cases/licensing", headers=people.clerk(),
                       json={"agency": agency_body(name=bad, legal_rep="张<伟"),
                             "license_items": ["L01"]})
    assert case.status_code == 422
    assert case.json["error"]["fields"]["agency.name"] == "含有非法字符"
    assert case.json["error"]["fields"]["agency.legal_rep"] == "含有非法字符"
    fair = Checker()
    with app.app_context():
        fair.model(JobFairIn, fair_body(name=bad, safety_officer="李<娜"))
    assert fair.errors["name"] == fair.errors["safety_officer"] == "含有非法字符"
