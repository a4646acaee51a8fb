"""Paged list queries: the page bounds every list accepts, the page count, the LIKE pattern."""

from __future__ import annotations

from typing import Any

from portal_plugin.core.errors import Invalid

MAX_PER_PAGE = 100
MAX_PAGE = 100_000

# What a service's search returns: the page's rows, the total, the page and its size.
Found = tuple[list[Any], int, int, int]


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """The page and page size to use; absurd page numbers are refused, not sent to the database."""
    if page > MAX_PAGE:
        raise Invalid({"page": f"页码不能超过{MAX_PAGE}"})
    return max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, the empty page)."""
    return max((total + per_page - 1) // per_page, 1)


def contains(term: str) -> str:
    """A LIKE pattern for a substring, with the user's wildcards taken literally away."""
    return f"%{term.replace('%', '').replace('_', '')}%"
