"""What every page view shares: a list page from the request's query, a form's POST round trip."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core.errors import Conflict, Invalid
from portal_plugin.core.paging import Found, Total, page_count

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
