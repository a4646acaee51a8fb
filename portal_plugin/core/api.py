"""What every API route shares: the JSON body, query arguments, the page of a list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from portal_plugin.core.errors import Invalid, Malformed
from portal_plugin.core.paging import Found


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


def int_arg(name: str, default: int) -> int:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise Invalid({name: "应为整数"}) from None


def date_arg(name: str) -> dt.date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid({name: "日期格式应为 YYYY-MM-DD"}) from None


def page_of(found: Found, row: Callable[[Any], Any] = lambda r: r) -> Response:
    """One page of a service's search as the API's list object (items, total, page, per_page)."""
    rows, total, page, per_page = found
    return jsonify({"items": [row(r) for r in rows], "total": total, "page": page,
                    "per_page": per_page})
