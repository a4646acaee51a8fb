"""What every page view shares: a list page from the request's query, a form's POST round trip."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import markupsafe
from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal_plugin.core.errors import Conflict, Invalid
from portal_plugin.core.paging import CURSOR_ARGS, MAX_OFFSET, Found, Total, page_count
from portal_plugin.core.queryargs import PAGE_SIZES, page_size, query_url, this_list

T = TypeVar("T")

# A number no id reaches, standing for the id in url_pattern's one built URL.
_ID_MARK = 9_087_654_321_012_345


def url_pattern(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """The URLs of `endpoint` for one integer `key` after another (a list's rows): url_for
    builds one with a placeholder id, each row's is a format of it. Werkzeug's build (about
    12 µs) for each of a list's 20 rows was 5 % of the page."""
    head, _, tail = url_for(endpoint, **values, **{key: _ID_MARK}).partition(str(_ID_MARK))
    return lambda value: f"{head}{int(value)}{tail}"


def list_page(template: str, search: Callable[[], Found], *, row: Callable[[Any], Any] = lambda r: r,
              **context: Any) -> tuple[str, int]:
    """Search with the request's query arguments and render one page of rows.

    A refused argument (Invalid) shows its field errors above an empty list, with 422.
    """
    try:
        rows, total, page, per_page = search()
        errors: dict[str, str] = {}
    except Invalid as exc:
        rows, total, page, per_page, errors = [], Total.refused(exc), 1, 1, exc.fields
    return render_template(
        template, rows=[row(r) for r in rows], total=total, page=page,
        pages=page_count(total, per_page), errors=errors, args=request.args, **context,
    ), 422 if errors else 200


def _post(save: Callable[[], T], done: Callable[[T], tuple[str, str]],
          refused: Callable[[Invalid | Conflict], tuple[str, int]]) -> Response | tuple[str, int]:
    """Save, then flash what happened and redirect (done → message, URL); a refusal is
    rendered by `refused`. The service commits (or rolls back) inside `save`."""
    try:
        result = save()
    except (Invalid, Conflict) as exc:
        return refused(exc)
    message, target = done(result)
    flash(message, "success")
    return redirect(target)


def form_post(save: Callable[[], T], done: Callable[[T], tuple[str, str]],
              render: Callable[[Mapping[str, str], int], tuple[str, int]]
              ) -> Response | tuple[str, int]:
    """The POST half of a form page: a refusal re-renders the form with its message (`form`)
    and field errors (422, or 409)."""
    return _post(save, done, lambda exc: render({"form": exc.message, **exc.fields}, exc.status))


def action_post(save: Callable[[], T], done: Callable[[T], tuple[str, str]],
                render: Callable[[Mapping[str, str], str | None, int], tuple[str, int]]
                ) -> Response | tuple[str, int]:
    """A button on a details page (a decision, 提交, 确认导入 …): a refusal re-renders the page
    with the field errors of an invalid reason (422) or the conflict's message (409)."""
    return _post(save, done, lambda exc: render(exc.fields, None, exc.status)
                 if isinstance(exc, Invalid) else render({}, exc.message, exc.status))


def html_text(value: Any) -> str:
    """`value` escaped for HTML as markupsafe.escape escapes it, as a plain str: for the many
    short values the lists' rows and the pager write into their HTML (markupsafe.escape wraps
    each in a Markup, several times the cost: 2 % of a list page). markupsafe's own C loop
    where the installed version has it (3.x), the same replacements in Python otherwise."""
    if _escape_inner is not None:
        return _escape_inner(str(value))  # type: ignore[no-any-return]
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


_escape_inner = getattr(markupsafe, "_escape_inner", None)


def pager(page: int, pages: int, total: int, args: Mapping[str, Any]) -> Markup:
    """The pager under every list (template global): 共 N 条 (约 N 条 for an estimate), 首页 /
    上一页 / page numbers / 下一页 / 末页, and 每页 N 条. A core.paging.Total carries the cursors
    of the pages around this one, so 上一页 / 下一页 seek at any depth; 首页, the numbers and 末页
    jump by page number (no cursor), only as deep as a page number may reach (MAX_OFFSET).

    Python rather than a Jinja macro: the macro, with one url_for per link, was 3.4 % of the
    受理 page's instructions. The links share this page's one URL (queryargs.this_list)."""
    path, fixed = this_list()
    base = {k: v for k, v in args.items() if k not in CURSOR_ARGS and k not in fixed}

    def href(query: Mapping[str, Any]) -> str:
        return html_text(query_url(path, query))

    if isinstance(total, Total):
        prev, next_ = total.link_args(base, page, -1), total.link_args(base, page, 1)
        shown, estimated = total.shown(), total.estimated
    else:  # a plain count (an import batch's errors): numbered pages only
        prev = {**base, "page": page - 1} if page > 1 else None
        next_ = {**base, "page": page + 1} if page < pages else None
        shown, estimated = f"共 {int(total)} 条", False
    size = page_size(args, 20)
    reach = MAX_OFFSET // size + 1
    links = [f'<nav class="pager" aria-label="分页">\n  <span class="nowrap">{html_text(shown)}，第 '
             f'{int(page)} / {"约 " if estimated else ""}{int(pages)} 页</span>']
    if page > 1:
        links.append(f'<a href="{href({**base, "page": 1})}" class="nowrap">首页</a>')
    if prev:
        links.append(f'<a href="{href(prev)}" rel="prev" class="nowrap">上一页</a>')
    for n in range(max(page - 2, 1), min(page + 2, pages, reach) + 1):
        if n == page:
            links.append(f'<span aria-current="page" class="current">{n}</span>')
        else:
            near = prev if n == page - 1 else next_ if n == page + 1 else None
            links.append(f'<a href="{href(near or {**base, "page": n})}">{n}</a>')
    if next_:
        links.append(f'<a href="{href(next_)}" rel="next" class="nowrap">下一页</a>')
    if page < pages and pages <= reach and not estimated:
        links.append(f'<a href="{href({**base, "page": pages})}" class="nowrap">末页</a>')
    if getattr(total, "capped", False):
        links.append('<span class="muted">更多结果请缩小查询条件</span>')
    if note := getattr(total, "note", None):
        links.append(f'<span class="field-error" id="err-page">{html_text(note)}</span>')
    hidden = "".join(f'<input type="hidden" name="{html_text(k)}" value="{html_text(v)}">'
                     for k, v in base.items() if k not in ("page", "per_page"))
    options = "".join(f'<option value="{n}"{" selected" if n == size else ""}>{n}</option>'
                      for n in PAGE_SIZES)
    links.append(f'<form method="get" class="per-page inline" action="{html_text(path)}">\n'
                 f'    {hidden}\n    <label class="nowrap">每页\n'
                 f'      <select name="per_page">{options}</select>\n    条</label>\n'
                 f'    <button type="submit" class="secondary">确定</button>\n  </form>\n</nav>')
    return Markup("\n  ".join(links))  # noqa: S704 -- every value above is escaped or a number
