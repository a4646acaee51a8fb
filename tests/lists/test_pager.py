"""The pager under every list (core.pages.pager): links that keep the query, escaped, and
query arguments that url_for would take for its own (_scheme, _external …) kept as plain ones."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from markupsafe import escape

from portal_plugin.core.pages import html_text
from tests.kit import HP
from tests.lists.conftest import fill_every_list
from tests.lists.test_totals import APIS, PAGES, ROWS

NAME = '<b>"天津&'


def _pager(login_as, role: str, url: str) -> str:
    answer = login_as(role, HP).get(url)
    assert answer.status_code in (200, 422), answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True).split('<nav class="pager"')[1].split("</nav>")[0]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[u for _, u in PAGES])
def test_the_links_keep_the_query_escaped(app, login_as, role, url):
    fill_every_list(app, 3)
    path = url.split("?")[0]
    pager = _pager(login_as, role, f"{path}?page=3&keep={quote(NAME)}&per_page=10")
    assert "<b>" not in pager and NAME not in pager
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', pager)]
    assert hrefs, pager  # 首页, 上一页 and the page numbers: page 3 of one
    for href in hrefs:
        assert href.startswith(path + "?") and "keep=%3Cb%3E%22%E5%A4%A9%E6%B4%A5%26" in href
        assert "per_page=10" in href and "after=" not in href
    assert any(h.startswith(path + "?page=1&") for h in hrefs)  # 首页
    # The 每页 form: the other arguments as hidden fields, escaped, sent to the list itself.
    assert f'<input type="hidden" name="keep" value="{escape(NAME)}">' in pager
    assert f'action="{path}"' in pager and '<option value="10" selected>' in pager


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[u for _, u in PAGES])
def test_url_for_arguments_in_the_query_are_plain_arguments(app, login_as, role, url):
    # url_for(endpoint, **args) took ?_scheme=http for its own and raised (a 500).
    pager = _pager(login_as, role, url + "&_scheme=http&_anchor=x&_method=POST")
    assert "_scheme=http" in pager and "#x" not in pager


@pytest.mark.parametrize("value", ["", "plain 文本", "<script>alert('x')</script>", 'a"b\'c&d<e>f',
                                   "&amp; already", None, 42, "\u2028\x00"])
@pytest.mark.parametrize("c_loop", [True, False], ids=["markupsafe-c", "python"])
def test_html_text_escapes_as_markupsafe_does(value, c_loop, monkeypatch):
    if not c_loop:
        monkeypatch.setattr("portal_plugin.core.pages._escape_inner", None)
    assert html_text(value) == str(escape(value))


@pytest.mark.parametrize(("role", "url", "rows"), APIS, ids=[u for _, u, _ in APIS])
def test_the_api_links_keep_url_for_arguments_and_view_arguments_plain(app, client, auth_header,
                                                                      role, url, rows):
    # The Link header was built with url_for(endpoint, **view_args, **query): a query's
    # _scheme was taken for url_for's own, and one named like a view argument (wf) clashed.
    fill_every_list(app, ROWS)
    answer = client.get(url + "&_scheme=http&_external=1&wf=x&_anchor=y",
                        headers=auth_header(role, HP))
    assert answer.status_code == 200, answer.json
    path = url.split("?")[0]
    links = dict((rel, target) for target, rel in
                 re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["Link"]))
    assert links["next"].startswith(path + "?") and "page=2" in links["next"]
    assert "_scheme=http" in links["next"] and "_external=1" in links["next"]
    # wf names the case list's view argument: the path's own there, a plain argument elsewhere.
    assert "#" not in links["next"] and ("wf=x" in links["next"]) != path.startswith("/api/v1/cases/")
