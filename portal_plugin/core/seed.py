"""Load reference data (divisions, code catalogue) from data files; idempotent upserts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from portal_plugin.core.cache import forget
from portal_plugin.core.extensions import db
from portal_plugin.core.models import CodeItem, Division

AUTHORITY_SUFFIX = "人力资源和社会保障局"


def load_divisions(path: str) -> int:
    """Upsert a city, its districts and its legacy codes from a JSON file; returns the count."""
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    city = data["city"]
    existing = {d.code: d for d in db.session.scalars(select(Division))}

    def upsert(code: str, **values: Any) -> None:
        row = existing.get(code) or Division(code=code)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.add(row)
        existing[code] = row

    def authority(entry: dict[str, Any], full_name: str) -> dict[str, Any]:
        # The issuing authority: the file's, else one kept from an earlier load or edit, else
        # the division's full name + 人力资源和社会保障局.
        row = existing.get(entry["code"])
        return {"authority_name": entry.get("authority_name")
                or (row.authority_name if row else None) or full_name + AUTHORITY_SUFFIX,
                "authority_credit_code": entry.get("authority_credit_code")
                or (row.authority_credit_code if row else None)}

    upsert(city["code"], name=city["name"], parent_code=None, successor_code=None, sort_order=0,
           **authority(city, city["name"]))
    db.session.flush()
    for order, district in enumerate(data["districts"], start=1):
        upsert(district["code"], name=district["name"], parent_code=city["code"],
               successor_code=None, active=True, sort_order=order,
               **authority(district, city["name"] + district["name"]))
    db.session.flush()
    for legacy in data.get("legacy", []):
        upsert(legacy["code"], name=legacy["name"], parent_code=city["code"],
               successor_code=legacy["successor"], active=False, sort_order=900)
    db.session.flush()
    forget("divisions")
    return 1 + len(data["districts"]) + len(data.get("legacy", []))


def load_catalog(path: str) -> int:
    """Upsert the code catalogue from a JSON file of {kind: [{code, label, active?}]}."""
    with open(path, encoding="utf-8") as fh:
        data: dict[str, list[dict[str, Any]]] = json.load(fh)
    existing = {(c.kind, c.code): c for c in db.session.scalars(select(CodeItem))}
    count = 0
    for kind, entries in data.items():
        for order, entry in enumerate(entries, start=1):
            row = existing.get((kind, entry["code"])) or CodeItem(kind=kind, code=entry["code"])
            row.label = entry["label"]
            row.active = entry.get("active", True)
            row.sort_order = order
            db.session.add(row)
            count += 1
    db.session.flush()
    forget("codes")
    return count
