"""Jurisdiction: which divisions an officer's division covers, for every query to filter by."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from portal_plugin import catalog
from sso.identity import Identity


def covered_divisions(code: str | None) -> frozenset[str]:
    """A city covers itself and all its districts (current and legacy); a district itself only."""
    if not code:
        return frozenset()
    return catalog.divisions().covered.get(code, frozenset())


def jurisdiction(identity: Identity) -> frozenset[str]:
    """The divisions this identity may see (empty for anyone without an officer division)."""
    return covered_divisions(identity.division) if identity.is_officer else frozenset()


def in_jurisdiction(identity: Identity, division_code: str | None) -> bool:
    return division_code is not None and division_code in jurisdiction(identity)


def scope(column: InstrumentedAttribute[str], identity: Identity) -> ColumnElement[bool]:
    """A WHERE clause restricting a division column to the identity's jurisdiction."""
    return column.in_(sorted(jurisdiction(identity)))
