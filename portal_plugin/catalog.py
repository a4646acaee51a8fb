"""The code catalogue and divisions as lookups (labels for display, codes for validation)."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from portal_plugin.extensions import db
from portal_plugin.models import CodeItem, Division

KINDS = ("agency_type", "license_item", "filing_item", "deregistration_ground",
         "revocation_ground", "id_type")


def labels(kind: str, *, active_only: bool = False) -> dict[str, str]:
    """code → label of one catalogue kind, in catalogue order (cached for the request)."""
    cache = g.setdefault("hrm_catalog", {})
    if kind not in cache:
        rows = db.session.execute(
            select(CodeItem.code, CodeItem.label, CodeItem.active)
            .where(CodeItem.kind == kind)
            .order_by(CodeItem.sort_order)
        ).all()
        cache[kind] = rows
    return {code: label for code, label, active in cache[kind] if active or not active_only}


def districts() -> dict[str, str]:
    """code → name of the current districts (the divisions an agency can belong to)."""
    cache = g.setdefault("hrm_catalog", {})
    if "districts" not in cache:
        cache["districts"] = dict(
            db.session.execute(
                select(Division.code, Division.name)
                .where(Division.parent_code.is_not(None), Division.active)
                .order_by(Division.sort_order)
            ).all()
        )
    return cache["districts"]


def division_name(code: str | None) -> str:
    if not code:
        return ""
    division = db.session.get(Division, code)
    return division.name if division else code
