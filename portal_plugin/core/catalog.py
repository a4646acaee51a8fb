"""The code catalogue and divisions as lookups (labels for display, codes for validation)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal_plugin.core.cache import cached
from portal_plugin.core.extensions import db
from portal_plugin.core.models import CodeItem, Division, MaterialRule

KINDS = ("agency_type", "license_item", "filing_item", "deregistration_ground",
         "revocation_ground", "id_type", "job_fair_kind")


@dataclass(frozen=True)
class Divisions:
    """The division table as every request reads it (it changes only when reseeded)."""

    names: dict[str, str]  # every code → name
    districts: dict[str, str]  # the current districts, in their order: code → name
    covered: dict[str, frozenset[str]]  # code → itself and its children (current and legacy)
    successors: dict[str, str]  # a legacy code → the current division that took it over
    authorities: dict[str, str]  # code → its bureau's full name, where the table names it


def _load_divisions() -> Divisions:
    rows = db.session.execute(
        select(Division.code, Division.name, Division.parent_code, Division.active,
               Division.successor_code, Division.authority_name)
        .order_by(Division.sort_order, Division.code)).all()
    covered: dict[str, set[str]] = {code: {code} for code, *_ in rows}
    for code, _, parent, *_ in rows:
        if parent in covered:
            covered[parent].add(code)
    return Divisions(
        names={code: name for code, name, *_ in rows},
        districts={code: name for code, name, parent, active, *_ in rows if parent and active},
        covered={code: frozenset(codes) for code, codes in covered.items()},
        successors={code: successor for code, *_, successor, _ in rows if successor},
        authorities={code: authority for code, *_, authority in rows if authority})


def divisions() -> Divisions:
    return cached("divisions", _load_divisions)


def _load_codes() -> dict[str, list[tuple[str, str, bool]]]:
    codes: dict[str, list[tuple[str, str, bool]]] = {}
    for kind, code, label, active in db.session.execute(
            select(CodeItem.kind, CodeItem.code, CodeItem.label, CodeItem.active)
            .order_by(CodeItem.kind, CodeItem.sort_order)):
        codes.setdefault(kind, []).append((code, label, active))
    return codes


def labels(kind: str, *, active_only: bool = False) -> dict[str, str]:
    """code → label of one catalogue kind, in catalogue order."""
    return {code: label for code, label, active in cached("codes", _load_codes).get(kind, ())
            if active or not active_only}


def districts() -> dict[str, str]:
    """code → name of the current districts (the divisions an agency can belong to)."""
    return divisions().districts


def division_name(code: str | None) -> str:
    if not code:
        return ""
    return divisions().names.get(code, code)


@dataclass(frozen=True)
class Material:
    """A material kind one workflow's procedure asks for."""

    code: str
    label: str
    required: bool


def _load_materials() -> dict[tuple[str, str], list[tuple[str, bool]]]:
    rules: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for workflow, procedure, code, required in db.session.execute(
            select(MaterialRule.workflow, MaterialRule.procedure, MaterialRule.code,
                   MaterialRule.required)
            .order_by(MaterialRule.workflow, MaterialRule.procedure, MaterialRule.sort_order)):
        rules.setdefault((workflow, procedure), []).append((code, required))
    return rules


def materials(workflow: str, procedure: str = "ordinary") -> list[Material]:
    """The materials (申请材料) of a workflow's procedure, in catalogue order."""
    names = labels("material")
    return [Material(code, names.get(code, code), required)
            for code, required in cached("materials", _load_materials).get((workflow, procedure), ())]


def all_materials() -> dict[str, dict[str, list[Material]]]:
    """Every workflow's procedures and their materials (the API catalogue's `materials`)."""
    out: dict[str, dict[str, list[Material]]] = {}
    for workflow, procedure in cached("materials", _load_materials):
        out.setdefault(workflow, {})[procedure] = materials(workflow, procedure)
    return out


def procedures_of(workflow: str) -> list[str]:
    """The procedures whose materials the catalogue lists for a workflow (ordinary first)."""
    found = {procedure for wf, procedure in cached("materials", _load_materials) if wf == workflow}
    return sorted(found, key=lambda p: (p != "ordinary", p))
