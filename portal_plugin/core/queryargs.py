"""The list pages' query arguments: dates, numbers and the district within jurisdiction; the
URL of a list with other arguments (its pager's and its API's links)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import request, url_for

from portal_plugin.core import catalog, validation
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction

T = TypeVar("T")

# Werkzeug's own safe characters for a query (werkzeug.urls._urlencode), so the links read as
# url_for wrote them.
QUERY_SAFE = "!$'()*,/:;?@"

# The dates and years a query may name: beyond them no record exists and date arithmetic
# (a day's end, the local zone) would overflow; out of range is 422, like a malformed value.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
DATE_RANGE = f"日期应在{FIRST_DATE.isoformat()}至{LAST_DATE.isoformat()}之间"
YEAR_ARGS = frozenset({"year"})
YEAR_RANGE = f"年份应在{FIRST_DATE.year}至{LAST_DATE.year}之间"
# Whole numbers (ids, batch numbers) fit the database's 32-bit integers; paging arguments are
# clamped instead (core.paging.page_bounds brings them into range).
INT_LIMIT = 2**31 - 1
INT_RANGE = "数值超出范围"
CLAMPED_ARGS = frozenset({"page", "per_page"})


def _arg(args: Mapping[str, str], name: str, default: T, errors: dict[str, str],
         parse: Callable[[str], Any], problem: str) -> Any:
    """The argument as `parse` reads it (`default` when absent); one it cannot read is noted
    in `errors` under its name, with `problem`."""
    value = args.get(name) or ""
    if validation.blank(value):
        return default
    parsed = parse(value)
    if parsed is None:
        errors[name] = problem
        return default
    return parsed


def date_arg(args: Mapping[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    """A YYYY-MM-DD date argument; a malformed one is noted in `errors` under its name."""
    day: dt.date | None = _arg(args, name, None, errors, validation.iso_date,
                               validation.DATE_FORMAT)
    if day is not None and not FIRST_DATE <= day <= LAST_DATE:
        errors[name] = DATE_RANGE
        return None
    return day


REVERSED_RANGE = "结束日期不能早于开始日期"  # every list's one message for a reversed date range


def date_range(args: Mapping[str, str], start: str, end: str, errors: dict[str, str]
               ) -> tuple[dt.date | None, dt.date | None]:
    """A list's 起 / 止 date arguments; an end before the start is noted under the end's name."""
    first, last = date_arg(args, start, errors), date_arg(args, end, errors)
    if first is not None and last is not None and last < first:
        errors[end] = REVERSED_RANGE
    return first, last


def int_arg(args: Mapping[str, str], name: str, default: T, errors: dict[str, str]) -> int | T:
    """A whole-number argument (`default` when absent); anything else is noted in `errors`."""
    number: int | T = _arg(args, name, default, errors, validation.whole_number,
                           validation.NOT_WHOLE_NUMBER)
    if isinstance(number, int) and name in YEAR_ARGS and not (
            FIRST_DATE.year <= number <= LAST_DATE.year):
        errors[name] = YEAR_RANGE
        return default
    if isinstance(number, int) and not -INT_LIMIT <= number <= INT_LIMIT:
        if name in CLAMPED_ARGS:
            return max(-INT_LIMIT, min(number, INT_LIMIT))
        errors[name] = INT_RANGE
        return default
    return number


def districts_of(identity: Identity) -> dict[str, str]:
    """code → name of the current districts in this officer's jurisdiction, in their order."""
    covered = jurisdiction(identity)
    return {code: name for code, name in catalog.districts().items() if code in covered}


def district_arg(args: Mapping[str, str], districts: Mapping[str, str],
                 errors: dict[str, str], name: str = "division") -> str:
    """The chosen district ("" for all); one outside `districts` is noted in `errors`."""
    value = args.get(name, "")
    if value and value not in districts:
        errors[name] = "不在您的管辖范围内"
        return ""
    return value


PAGE_SIZES = (10, 20, 50, 100)  # the pager's 每页 N 条 choices


def page_size(args: Mapping[str, str], default: int) -> int:
    """The list's page size from `per_page` when it is one of PAGE_SIZES, else the default."""
    value = args.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else default


def this_list() -> tuple[str, dict[str, Any]]:
    """This request's URL path (its view arguments in it) and those arguments: the links of a
    list to its other pages share it, their query arguments encoded by `query_url`, so url_for
    never takes a query's _scheme or _external for its own (it raised: a 500) and is called
    once per list, not once per link."""
    fixed = request.view_args or {}
    return url_for(request.endpoint or "", **fixed), fixed


def query_url(path: str, query: Mapping[str, Any]) -> str:
    return f"{path}?{urlencode(list(query.items()), safe=QUERY_SAFE)}"
