"""Jurisdiction: the divisions an officer covers (every query filters by them), a clerk's agency."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from portal_plugin.core import catalog
from portal_plugin.core.errors import Conflict, Forbidden
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import Agency


def covered_divisions(code: str | None) -> frozenset[str]:
    """A city covers itself and all its districts (current and legacy); a district itself only."""
    if not code:
        return frozenset()
    return catalog.divisions().covered.get(code, frozenset())


def jurisdiction(identity: Identity) -> frozenset[str]:
    """The divisions this identity may see (empty for anyone without an officer division)."""
    return covered_divisions(identity.division) if identity.is_officer else frozenset()


def covers_all(identity: Identity) -> bool:
    """Whether this identity's jurisdiction is every division there is (a city officer): then
    scoping a query by division restricts nothing, and is left out (it would only blur the
    planner's row estimates and keep it from the list's index order)."""
    divisions = jurisdiction(identity)
    return bool(divisions) and divisions >= catalog.divisions().names.keys()


def in_jurisdiction(identity: Identity, division_code: str | None) -> bool:
    return division_code is not None and division_code in jurisdiction(identity)


def scope(column: InstrumentedAttribute[str], identity: Identity) -> ColumnElement[bool]:
    """A WHERE clause restricting a division column to the identity's jurisdiction (for one
    covering every division: only that the row has a division, as `IN` requires too)."""
    if covers_all(identity):
        return column.is_not(None)
    return column.in_(sorted(jurisdiction(identity)))


def own_agency(identity: Identity) -> Agency | None:
    """The agency a clerk acts for, as the registry holds it (None when it is not registered)."""
    if not identity.is_agency_clerk or not identity.agency_credit_code:
        return None
    return db.session.scalar(select(Agency).where(Agency.credit_code == identity.agency_credit_code))


def own_valid_agency(identity: Identity, doing: str) -> Agency:
    """The clerk's registered, valid agency; anyone else is refused what they are `doing`."""
    if not identity.is_agency_clerk or not identity.agency_credit_code:
        raise Forbidden(f"只有机构经办人可以{doing}")
    agency = own_agency(identity)
    if agency is None or agency.status != "valid":
        raise Conflict(f"本机构不在登记册中或已注销，不能{doing}")
    return agency
