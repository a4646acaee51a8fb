"""Keyset paging of the case lists: 下一页 / 上一页 seek from the row at the page's edge.

On a frozen set the pages hold exactly the rows OFFSET paging gives; while cases are added
and decided between requests no row is skipped or shown twice (OFFSET would do both).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import update

from portal_plugin.core.extensions import db
from portal_plugin.core.paging import MAX_OFFSET
from tests.kit import HP, HX
from tests.lists.conftest import NOW, add_cases
from workflows.models import Case

PER_PAGE = 7
API = f"/api/v1/cases/licensing?status=submitted&per_page={PER_PAGE}"


def _link(answer, rel: str) -> str | None:
    for part in answer.headers.get("Link", "").split(","):
        found = re.match(r'\s*<([^>]+)>; rel="(\w+)"', part)
        if found and found.group(2) == rel:
            return found.group(1)
    return None


def _walk(client, headers, url: str) -> list[list[int]]:
    """Every page from `url` on by the rel="next" links."""
    pages = []
    while url:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.json
        pages.append([item["id"] for item in answer.json["items"]])
        url = _link(answer, "next")
        assert len(pages) < 50
    return pages


def test_seeking_gives_the_offset_pages_on_a_frozen_set(app, client, auth_header):
    add_cases(app, 45, ties=3)  # three cases per submission time: ties broken by id
    officer = auth_header("HRM_SL", HP)
    by_cursor = _walk(client, officer, API)
    by_offset = [[item["id"] for item in client.get(f"{API}&page={n}", headers=officer)
                  .json["items"]] for n in range(1, 8)]
    assert by_cursor == by_offset
    assert [len(p) for p in by_cursor] == [7] * 6 + [3]
    assert len({i for page in by_cursor for i in page}) == 45

    # And back: 上一页 from the last page gives the same pages in reverse.
    answer = client.get(f"{API}&page=7", headers=officer)
    back = []
    url = _link(answer, "prev")
    while url:
        answer = client.get(url, headers=officer)
        back.append([item["id"] for item in answer.json["items"]])
        url = _link(answer, "prev")
    assert back == by_offset[-2::-1]


def test_a_district_pages_its_own_and_its_departed_change_cases_as_one_list(
        app, client, auth_header):
    """事项变更 is seen by the district an agency left too: the list is two parts (own cases,
    moved-away cases) read on their own indexes and merged, and pages the same either way."""
    with app.app_context():
        cases = []
        for n in range(30):  # every third case moved 和平区 → 河西区; every fifth is 河西区's own
            moment = NOW + dt.timedelta(minutes=n // 2)  # ties broken by id
            moved, foreign = n % 3 == 0, n % 5 == 0 and n % 3
            cases.append(Case(
                workflow="change", status="submitted", version=2, payload={},
                credit_code=f"9112010{n:011d}", agency_name=f"变更测试机构{n}",
                division_code=HX if moved or foreign else HP,
                origin_division_code=HP if moved else None, created_by="clerk",
                submitted_at=moment, case_no=f"BG{n:08d}", created_at=moment,
                updated_at=moment))
        db.session.add_all(cases)
        db.session.commit()
        seen = sorted(((c.submitted_at, c.id) for c in cases
                       if c.division_code == HP or c.origin_division_code == HP), reverse=True)
    officer = auth_header("HRM_SL", HP)
    url = f"/api/v1/cases/change?per_page={PER_PAGE}"
    by_cursor = _walk(client, officer, url)
    pages = (len(seen) + PER_PAGE - 1) // PER_PAGE
    by_offset = [[item["id"] for item in client.get(f"{url}&page={n}", headers=officer)
                  .json["items"]] for n in range(1, pages + 1)]
    assert by_cursor == by_offset
    assert [i for page in by_cursor for i in page] == [case_id for _, case_id in seen]
    assert client.get(url, headers=officer).json["total"] == len(seen)


def test_no_row_is_skipped_or_repeated_while_cases_come_and_go(app, client, auth_header):
    first = add_cases(app, 40)
    officer = auth_header("HRM_SL", HP)
    decided: set[int] = set()
    newest = iter(range(1000, 1100))
    pages: list[list[int]] = []

    def meanwhile(page: int) -> None:
        # New submissions (the newest: they belong before page 1) and decisions of a case
        # already shown and of one still to come (`first` is oldest first).
        add_cases(app, 3, start=next(newest) * 10, at=NOW.replace(year=2027))
        gone = {pages[0][0], first[page]}
        with app.app_context():
            db.session.execute(update(Case).where(Case.id.in_(gone))
                               .values(status="pending_review"))
            db.session.commit()
        decided.update(gone)

    url = API
    while url:
        answer = client.get(url, headers=officer)
        pages.append([item["id"] for item in answer.json["items"]])
        url = _link(answer, "next")
        if url:
            meanwhile(len(pages))
    shown = [i for page in pages for i in page]
    assert len(shown) == len(set(shown)), "a case was shown twice"
    # Every case submitted at the start and still waiting at the end was shown once.
    assert set(first) - decided <= set(shown)


def test_the_page_links_seek_and_deep_numbers_are_refused(app, login_as):
    add_cases(app, 45)
    browser = login_as("HRM_SL", HP)
    url, numbers = "/licensing/accept?status=submitted", []
    while url:
        html = browser.get(url).get_data(as_text=True)
        numbers += re.findall(r'<td class="code">(XK\d{8})</td>', html)
        found = re.search(r'<a href="([^"]+)" rel="next"[^>]*>下一页</a>', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        if url:
            assert "after=" in url
    assert len(numbers) == len(set(numbers)) == 45
    assert numbers == sorted(numbers, reverse=True)
    # A page number that would skip more than MAX_OFFSET rows is refused with a message.
    deep = browser.get(f"/licensing/accept?page={MAX_OFFSET // 20 + 2}").get_data(as_text=True)
    assert "页码太靠后" in deep
    # A garbled cursor too.
    assert "翻页位置无效" in browser.get("/licensing/accept?after=x~y").get_data(as_text=True)
