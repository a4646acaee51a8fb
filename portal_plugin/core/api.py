"""What the routes share in reading a request: the JSON body, query arguments, the `version`
the client saw (API and pages alike), the page of a list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import jsonify, request
from werkzeug.wrappers import Response

from portal_plugin.core import boundary, pii, queryargs
from portal_plugin.core.errors import Conflict, Invalid, Malformed
from portal_plugin.core.models import MAX_ID
from portal_plugin.core.paging import Found, Total

# A page form always carries the version it was rendered with (a hidden field).
PAGE_VERSION_MISSING = "页面已过期，请刷新后重试"
VERSION_DIGITS = len(str(MAX_ID))

T = TypeVar("T")


def body() -> dict[str, Any]:
    """The JSON object sent; malformed JSON is 400, anything but an object 422, as are NUL
    bytes and lone surrogates in any key or string (core.boundary)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Malformed("请求体不是有效的JSON") from None
    if not isinstance(data, dict):
        raise Invalid({"body": "请求体应为JSON对象"})
    problems = boundary.clean_json(data)
    if problems:
        raise Invalid(problems)
    return data


def version_of(value: Any, *, page: bool = False) -> int | None:
    """The `version` a client sent, the one definition for the API and the pages.

    In a JSON body it is optional (None) and must be an integer (422 otherwise). A page form
    must send the whole number it was rendered with: without it the change would be applied
    unchecked, so a missing or garbled one is refused like a stale page (409).
    """
    if page:
        text = value.strip() if isinstance(value, str) else ""
        if not (text.isascii() and text.isdigit() and len(text) <= VERSION_DIGITS):
            raise Conflict(PAGE_VERSION_MISSING)
        return int(text)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise Invalid({"version": "应为整数"})
    return value


def form_version() -> int | None:
    """The version the posted page form was rendered with (required, see version_of)."""
    return version_of(request.form.get("version"), page=True)


def _or_invalid(read: Callable[[dict[str, str]], T]) -> T:
    """A query argument read by the list pages' rule; a problem it notes is 422 here."""
    errors: dict[str, str] = {}
    value = read(errors)
    if errors:
        raise Invalid(errors)
    return value


def int_arg(name: str, default: int) -> int:
    """A whole-number query argument (`default` when absent); anything else is 422."""
    return _or_invalid(lambda errors: queryargs.int_arg(request.args, name, default, errors))


def date_arg(name: str) -> dt.date | None:
    """A YYYY-MM-DD query argument; a malformed one is 422."""
    return _or_invalid(lambda errors: queryargs.date_arg(request.args, name, errors))


def page_of(found: Found, row: Callable[[Any], Any] = lambda r: r) -> Response:
    """One page of a service's search as the API's list object (items, total, page, per_page),
    identity numbers and phones masked (core.pii) as every list shows them.

    The object keeps CONTRACT.md's shape; what a keyset-paged list adds travels in headers:
    `Link` (rel="next" / "prev", the URLs that seek to the pages around this one, RFC 8288)
    and `X-Total-Estimated: true` when `total` is the planner's estimate (above
    LIST_EXACT_TOTAL_MAX rows).
    """
    rows, total, page, per_page = found
    answer = jsonify({"items": [pii.masked(row(r)) for r in rows], "total": int(total), "page": page,
                      "per_page": per_page})
    if isinstance(total, Total):
        links = []
        path, fixed = queryargs.this_list()
        query = {k: v for k, v in request.args.items() if k not in fixed}
        for rel, step in (("prev", -1), ("next", 1)):
            args = total.link_args(query, page, step)
            if args is not None:
                links.append(f'<{queryargs.query_url(path, args)}>; rel="{rel}"')
        if links:
            answer.headers["Link"] = ", ".join(links)
        if total.estimated:
            answer.headers["X-Total-Estimated"] = "true"
    return answer
