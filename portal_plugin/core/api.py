"""What every API route shares: the JSON body, query arguments, the page of a list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import jsonify, request
from werkzeug.wrappers import Response

from portal_plugin.core import queryargs
from portal_plugin.core.errors import Invalid, Malformed

T = TypeVar("T")


def body() -> dict[str, Any]:
    """The JSON object sent; malformed JSON is 400, anything but an object 422."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Malformed("请求体不是有效的JSON") from None
    if not isinstance(data, dict):
        raise Invalid({"body": "请求体应为JSON对象"})
    return data


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


def page_of(items: list[Any], total: int, page: int, per_page: int) -> Response:
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})
