"""Every page of every role, over the demo data in real Chromium: axe-core (WCAG 2.1 A/AA) finds
nothing, no list cell of a code, date, district or action column breaks at 1366 px, and no text
repeats a word twice in a row. The pages come from the menu registry (core/access.py)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal_plugin.core.access import menu_entries
from portal_plugin.core.identity import Identity
from portal_plugin.core.permissions import DEFAULT_ROLES
from sso.devportal import DEMO_USERS

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# One demo user per role, and the user without roles.
USERS = ("陈晨", "刘洋", "赵静", "周杰", "吴芳", "钱多")
# The list columns that must stay on one line (core CSS: table.list cells never wrap).
ONE_LINE = ("编号", "代码", "日期", "时间", "地区", "行政区划", "所在区", "操作", "有效期至", "年度")
# A word of two or more characters written twice in a row ("起始年度起始年度", "退回退回").
DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,})\1")
# Doubled-looking text that is right: the bureau's own words.
ALLOWED_DOUBLES = ("人力人力",)


def menu_urls(app: Flask, name: str) -> list[str]:
    """The workbench and every menu page the demo user's roles open, from the registry."""
    user = next(u for u in DEMO_USERS if u.name == name)
    permissions = frozenset().union(*(DEFAULT_ROLES[r].permissions for r in user.roles
                                      if r in DEFAULT_ROLES))
    who = Identity(user.key, user.name, user.division, user.roles, permissions,
                   user.org_credit_code)
    with app.test_request_context():
        return ["/", *(entry["url"] for entry in menu_entries(app, who))]


@pytest.fixture(scope="module")
def demo(live) -> tuple[str, Flask]:  # type: ignore[no-untyped-def]
    base, app = live
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return base, app


def axe(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
             .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""",
        TAGS)


def broken_cells(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Cells of the one-line columns whose text box is taller than one line."""
    return page.evaluate(
        """(words) => {
          const bad = [];
          for (const table of document.querySelectorAll('table.list')) {
            const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
            const cols = heads.map((h, i) => words.some(w => h.includes(w)) ? i : -1)
                              .filter(i => i >= 0);
            for (const row of table.querySelectorAll('tbody tr')) {
              for (const i of cols) {
                const cell = row.children[i];
                if (!cell || !cell.innerText.trim() || cell.colSpan > 1) continue;
                // A text node laid out on more than one line box has wrapped.
                const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                  if (!node.textContent.trim()) continue;
                  const range = document.createRange();
                  range.selectNodeContents(node);
                  const rects = [...range.getClientRects()].filter(r => r.width > 0);
                  const tops = new Set(rects.map(r => Math.round(r.bottom)));
                  if (tops.size > 1) { bad.push(heads[i] + ': ' + cell.innerText); break; }
                }
              }
            }
          }
          return bad;
        }""", list(ONE_LINE))


def test_every_page_of_every_role_is_accessible_unbroken_and_says_each_word_once(
        browser, demo) -> None:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci --prefix tests/browser)")
    base, app = demo
    report: dict[str, int] = {}
    problems: list[str] = []
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768},
                                  bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/dev-portal/")
        report["/dev-portal/"] = len(found := axe(page))
        problems += [f"/dev-portal/ {v}" for v in found]
        for name in USERS:
            context.clear_cookies()
            page.goto("/dev-portal/")
            page.get_by_role("button", name=f"以{name}登录").click()
            page.wait_for_url(f"{base}/")
            urls = menu_urls(app, name)
            # A case page and its confirmation page, where the user opens one from a list.
            for url in urls[1:]:
                page.goto(url)
                # The list's own button (受理 / 审批) opens a case the user can decide.
                link = page.locator("table.list a.button[href*='/cases/']").first
                if not link.count():
                    link = page.locator("table.list a[href*='/cases/']").first
                if link.count():
                    urls.append(link.get_attribute("href"))
                    break
            for url in urls:
                page.goto(url)
                opener = page.locator("a[data-confirm]").first  # a decision: its confirmation
                if opener.count() and opener.get_attribute("href") not in urls:
                    urls.append(opener.get_attribute("href"))
                found = axe(page)
                report[f"{name} {url}"] = len(found)
                problems += [f"{name} {url} axe {v}" for v in found]
                problems += [f"{name} {url} breaks {c}" for c in broken_cells(page)]
                if opener.count():  # the confirmation dialog, open
                    opener.click()
                    found = axe(page)
                    report[f"{name} {url} （确认对话框）"] = len(found)
                    problems += [f"{name} {url} dialog axe {v}" for v in found]
                    page.locator("dialog[open] [data-cancel]").click()
                text = page.locator("body").inner_text()
                problems += [f"{name} {url} doubled {m.group(0)}" for m in DOUBLED.finditer(text)
                             if m.group(0) not in ALLOWED_DOUBLES]
    finally:
        context.close()
    if os.environ.get("AXE_REPORT"):
        Path(os.environ["AXE_REPORT"]).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert len(report) >= 20
    assert not problems, "\n".join(problems)


def test_favicon_is_served(demo) -> None:  # type: ignore[no-untyped-def]
    _, app = demo
    client = app.test_client()
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    icon = client.get(answer.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/dev-portal/").text
