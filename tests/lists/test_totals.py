"""The "约 N 条" threshold of every list: exact totals up to LIST_EXACT_TOTAL_MAX, an estimate
above it — on the page (约 N 条) and in the API (the same `total` field, flagged by the
X-Total-Estimated header, the list object keeping CONTRACT.md's shape)."""

from __future__ import annotations

import pytest

from tests.kit import HP
from tests.lists.conftest import fill_every_list

ROWS = 5

# (role, page URL) — page 2 of 20 rows: past the first page, so the total is counted.
PAGES = [
    ("HRM_SL", "/licensing/accept?page=2"),
    ("HRM_SL", "/licensing/records?page=2"),
    ("HRM_SL", "/filing/records?page=2"),
    ("HRM_GL", "/agencies?page=2"),
    ("HRM_GL", "/annual-reports?page=2"),
    ("HRM_GL", "/job-fairs?page=2"),
    ("HRM_GL", "/revocations?page=2"),
    ("HRM_GL", "/history-import?page=2"),
    ("HRM_GL", "/history-import/batches?page=2"),
]
# (role, API URL, rows in the list); per_page=2: the first page is full, so it counts.
APIS = [
    ("HRM_SL", "/api/v1/cases/licensing?per_page=2", ROWS),
    ("HRM_SL", "/api/v1/licenses?per_page=2", ROWS),
    ("HRM_SL", "/api/v1/filings?per_page=2", ROWS),
    ("HRM_GL", "/api/v1/agencies?per_page=2", 2 * ROWS),  # the imported ones too
    ("HRM_GL", "/api/v1/annual-reports?per_page=2", ROWS),
    ("HRM_GL", "/api/v1/job-fairs?per_page=2", ROWS),
    ("HRM_GL", "/api/v1/revocations?per_page=2", ROWS),
    ("HRM_GL", "/api/v1/history-records?per_page=2", ROWS),
    ("HRM_GL", "/api/v1/history-imports?per_page=2", ROWS + 1),
]
PAGE_ROWS = {"/agencies": 2 * ROWS, "/history-import/batches": ROWS + 1}


def _rows_of(url: str) -> int:
    return PAGE_ROWS.get(url.split("?")[0], ROWS)


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[u for _, u in PAGES])
def test_a_page_counts_exactly_up_to_the_threshold(app, login_as, role, url):
    app.config["LIST_EXACT_TOTAL_MAX"] = 2 * ROWS + 1
    fill_every_list(app, ROWS)
    html = _get(login_as, role, url)
    assert f"共 {_rows_of(url)} 条" in html and "约" not in html.split('class="pager"')[1]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[u for _, u in PAGES])
def test_a_page_shows_an_estimate_above_the_threshold(app, login_as, role, url):
    app.config["LIST_EXACT_TOTAL_MAX"] = ROWS - 2
    fill_every_list(app, ROWS)
    pager = _get(login_as, role, url).split('class="pager"')[1].split("</nav>")[0]
    assert "约 " in pager and "共 " not in pager, pager


@pytest.mark.parametrize(("role", "url", "rows"), APIS, ids=[u for _, u, _ in APIS])
def test_the_api_counts_exactly_up_to_the_threshold(app, client, auth_header, role, url, rows):
    app.config["LIST_EXACT_TOTAL_MAX"] = 2 * ROWS + 1
    fill_every_list(app, ROWS)
    answer = client.get(url, headers=auth_header(role, HP))
    assert answer.status_code == 200, answer.json
    assert sorted(answer.json) == ["items", "page", "per_page", "total"]
    assert answer.json["total"] == rows and "X-Total-Estimated" not in answer.headers


@pytest.mark.parametrize(("role", "url", "rows"), APIS, ids=[u for _, u, _ in APIS])
def test_the_api_estimates_above_the_threshold(app, client, auth_header, role, url, rows):
    cap = app.config["LIST_EXACT_TOTAL_MAX"] = ROWS - 2
    fill_every_list(app, ROWS)
    answer = client.get(url, headers=auth_header(role, HP))
    assert answer.status_code == 200, answer.json
    assert sorted(answer.json) == ["items", "page", "per_page", "total"]
    assert answer.headers["X-Total-Estimated"] == "true"
    # At least what the capped count saw (the planner's guess may be off either way).
    assert answer.json["total"] > cap and len(answer.json["items"]) == 2


def _get(login_as, role: str, url: str) -> str:
    answer = login_as(role, HP).get(url)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def test_an_estimate_is_kept_a_minute_for_the_same_list_and_values(app, client, auth_header,
                                                                   monkeypatch):
    """core.paging.estimate asks the database once per list statement and values within
    ESTIMATE_SECONDS (the planner's statistics change only when the table is analysed)."""
    from sqlalchemy import event

    from portal_plugin.core import paging
    from portal_plugin.core.extensions import db
    from tests.lists.conftest import add_cases

    app.config["LIST_EXACT_TOTAL_MAX"] = ROWS - 2
    add_cases(app, ROWS)
    add_cases(app, ROWS, start=ROWS, status="pending_review")
    asked = []
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"

    def seen(conn, cursor, statement, *_):
        # The estimate: PostgreSQL's EXPLAIN; SQLite's uncapped count of the whole list.
        if statement.startswith("EXPLAIN") if postgres else (
                "count(*)" in statement and "LIMIT" not in statement.upper()):
            asked.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    headers = auth_header("HRM_SL", HP)

    def total(url):
        answer = client.get(url, headers=headers)
        assert answer.headers["X-Total-Estimated"] == "true", answer.json
        return answer.json["total"]

    submitted = "/api/v1/cases/licensing?per_page=2&status=submitted"
    first = total(submitted)
    assert total(submitted) == first and len(asked) == 1  # the same list and values: kept
    total("/api/v1/cases/licensing?per_page=2&status=pending_review")
    assert len(asked) == 2  # other values: asked again
    monkeypatch.setattr(paging, "ESTIMATE_SECONDS", -1)  # as if the minute had passed
    total(submitted)
    assert len(asked) == 3  # kept too long: asked again


def test_a_bounded_cache_drops_its_oldest_entries(app):
    from portal_plugin.core.cache import cached

    with app.app_context():
        loads = []
        for name in ("a", "b", "c", "a"):
            cached(name, lambda n=name: loads.append(n) or n, store="test", most=2)
        # "a" was dropped when "c" came in, so it was loaded again (and "b" dropped then).
        assert loads == ["a", "b", "c", "a"]
        assert list(app.extensions["test"]) == ["c", "a"]
