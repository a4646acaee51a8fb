"""Load reference data (divisions, code catalogue) from data files; idempotent upserts."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from portal_plugin.core.cache import forget
from portal_plugin.core.check_digits import credit_code_problem
from portal_plugin.core.extensions import db
from portal_plugin.core.models import CodeItem, Division, MaterialRule

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
    """Upsert the code catalogue from a JSON file of {kind: [{code, label, active?}]}, and
    replace the materials rules from its `materials` ({workflow: {procedure: [{code,
    required}]}}, each code a `material` of the catalogue)."""
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    rules = data.pop("materials", None)
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
    if rules is not None:
        count += _load_material_rules(rules, {code for kind, code in existing if kind == "material"}
                                      | {e["code"] for e in data.get("material", [])})
    forget("codes", "materials")
    return count


def _load_material_rules(rules: dict[str, dict[str, list[dict[str, Any]]]],
                         kinds: set[str]) -> int:
    db.session.execute(delete(MaterialRule))
    count = 0
    for workflow, procedures in rules.items():
        for procedure, entries in procedures.items():
            for order, entry in enumerate(entries, start=1):
                if entry["code"] not in kinds:
                    raise ValueError(f"申请材料 {entry['code']} 不在目录的 material 中")
                db.session.add(MaterialRule(workflow=workflow, procedure=procedure,
                                            code=entry["code"], sort_order=order,
                                            required=bool(entry.get("required", True))))
                count += 1
    db.session.flush()
    return count


def set_authority(code: str, name: str | None, credit_code: str | None) -> Division:
    """Edit a division's issuing authority (full name, 统一社会信用代码); the caller commits.
    ValueError names what is wrong."""
    row = db.session.get(Division, code)
    if row is None:
        raise ValueError(f"没有代码为 {code} 的行政区划")
    if name is not None:
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise ValueError("发证机关名称应为1至100个字")
        row.authority_name = name
    if credit_code is not None:
        credit_code = credit_code.strip().upper()
        problem = credit_code_problem(credit_code) if credit_code else None
        if problem:
            raise ValueError(problem)
        row.authority_credit_code = credit_code or None
    db.session.flush()
    forget("divisions")
    return row


@click.command("authority")
@with_appcontext
@click.argument("code")
@click.option("--name", help="the full name, e.g. 天津市和平区人力资源和社会保障局")
@click.option("--credit-code", help="its 统一社会信用代码 (empty to clear)")
def authority_command(code: str, name: str | None, credit_code: str | None) -> None:
    """Show or edit the issuing authority (发证机关) of the division CODE."""
    try:
        row = set_authority(code, name, credit_code)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    click.echo(f"{row.code} {row.name}: {row.authority_name} {row.authority_credit_code or ''}")
