"""The guarded state change every status-bearing row goes through (DESIGN.md principle 5)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update

from portal_plugin.core.errors import STALE, Conflict, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.models import MAX_ID

MISSING = "数据不存在，或不在您的管辖范围内"


def check(status: str, version: int, sources: Collection[str], expected: int | None,
          label: Callable[[str], str]) -> None:
    """Refuse, before any work, what the loaded row cannot take: another version than the one
    the user saw (`expected`, when given), or a state the action does not start from."""
    if expected is not None and expected != version:
        raise Conflict(STALE)
    if status not in sources:
        raise Conflict(f"{STALE}（当前状态：{label(status)}）")


def change(model: Any, row_id: int, sources: Collection[str], target: str | None,
           version: int, *, where: Sequence[ColumnElement[bool]] = (),
           **values: Any) -> None:
    """Move one row from one of `sources` to `target` (None: the status stays) if it still has
    `version`, bumping the version and setting `values` — ONE conditional UPDATE.

    The UPDATE is the guard: of two racing actors exactly one matches the row, the other gets
    Conflict(STALE). `where` narrows it to the caller's scope; a row outside it (or gone) is
    NotFound, as absence is not revealed.
    """
    criteria = (model.id == row_id, *where)
    # A version beyond the column's range matches no row; PostgreSQL would refuse the parameter.
    changed = 0 if not 0 < version <= MAX_ID else db.session.execute(
        update(model)
        .where(*criteria, model.status.in_(sorted(sources)), model.version == version)
        .values(**values, **({"status": target} if target else {}), version=model.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        return
    if db.session.scalar(select(model.id).where(*criteria)) is None:
        raise NotFound(MISSING)
    raise Conflict(STALE)
