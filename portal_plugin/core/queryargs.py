"""The list pages' query arguments: dates, numbers and the district within jurisdiction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeVar

from portal_plugin.core import catalog
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import jurisdiction

T = TypeVar("T")


def date_arg(args: Mapping[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    """An ISO date argument; a malformed one is noted in `errors` under its name."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = "日期格式应为 YYYY-MM-DD"
        return None


def int_arg(args: Mapping[str, str], name: str, default: T, errors: dict[str, str]) -> int | T:
    """A whole-number argument (`default` when absent); anything else is noted in `errors`."""
    value = (args.get(name) or "").strip()
    if not value:
        return default
    if not (value.isdigit() and value.isascii()):
        errors[name] = "应为整数"
        return default
    return int(value)


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
