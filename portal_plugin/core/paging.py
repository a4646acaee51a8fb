"""Paged list queries: the page bounds every list accepts, the page count, the LIKE pattern;
totals that stay cheap on any result size, and keyset (seek) paging that costs the same at any
depth.

* A page number skips at most MAX_OFFSET rows (OFFSET reads and throws away every row it
  skips); deeper pages are reached with 上一页 / 下一页, which carry the position of the page's
  first or last row (`before` / `after`, a cursor) instead of a row count.
* The total is counted exactly up to `LIST_EXACT_TOTAL_MAX` rows (a count that stops there);
  above it the planner's estimate is shown as "约 N 条" (`Total.estimated`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Integer, Select, and_, bindparam, func, literal_column, or_, select, tuple_, union_all

from portal_plugin.core.cache import cached
from portal_plugin.core.errors import Invalid
from portal_plugin.core.extensions import db

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
# The rows a page number may skip with OFFSET; deeper pages are reached by cursor.
MAX_OFFSET = 10_000
DEEP_PAGE = "页码太靠后：请缩小查询条件，或用【上一页】/【下一页】逐页翻看"
BAD_CURSOR = "翻页位置无效，请从第一页重新查询"
CURSOR_ARGS = ("after", "before")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Total(int):
    """A list's total (exact, or the planner's estimate when `estimated`) and where the page
    stands: `after` / `before` are the cursors of the next and the previous page (None when
    there is none), so the pager's links seek instead of skipping rows."""

    estimated: bool
    after: str | None
    before: str | None
    more: bool  # a list paged by number only (no cursors): there is a next page to jump to
    capped: bool  # … there are more rows, beyond MAX_OFFSET: the filter must be narrowed
    note: str | None  # why there is no page to show (a page too deep, a garbled cursor)

    def __new__(cls, value: int, *, estimated: bool = False, after: str | None = None,
                before: str | None = None, more: bool = False, capped: bool = False,
                note: str | None = None) -> Total:
        total = super().__new__(cls, value)
        total.estimated, total.after, total.before = estimated, after, before
        total.more, total.capped, total.note = more, capped, note
        return total

    @classmethod
    def refused(cls, problem: Invalid) -> Total:
        """The empty listing of a refused page, saying why under the list."""
        return cls(0, note=problem.fields.get("page"))

    def link_args(self, args: Mapping[str, Any], page: int, step: int) -> dict[str, Any] | None:
        """The query arguments of the previous (step -1) or next (+1) page, None if none."""
        base = {k: v for k, v in dict(args).items() if k not in CURSOR_ARGS}
        if step < 0:
            if page <= 1:
                return None
            if page == 2 or not self.before:
                return {**base, "page": page - 1}  # page 1 is always the newest rows
            return {**base, "page": page - 1, "before": self.before}
        if self.after:
            return {**base, "page": page + 1, "after": self.after}
        return {**base, "page": page + 1} if self.more else None

    def shown(self) -> str:
        """The total as the pager says it: 共 N 条, or 约 N 条 for an estimate."""
        return f"约 {self:,} 条" if self.estimated else f"共 {int(self)} 条"


# What a service's search returns: the page's rows, the total, the page and its size.
Found = tuple[list[Any], int, int, int]


def page_bounds(page: int, per_page: int, *, seeking: bool = False) -> tuple[int, int]:
    """The page and page size to use; absurd page numbers are refused, not sent to the database.

    Without a cursor (`seeking`) a page number may skip at most MAX_OFFSET rows.
    """
    if page > MAX_PAGE:
        raise Invalid({"page": f"页码不能超过{MAX_PAGE}"})
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    if not seeking and (page - 1) * per_page > MAX_OFFSET:
        raise Invalid({"page": DEEP_PAGE})
    return page, per_page


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, the empty page)."""
    return max((total + per_page - 1) // per_page, 1)


def contains(term: str) -> str:
    """A LIKE pattern for a substring, with the user's wildcards taken literally away."""
    return f"%{term.replace('%', '').replace('_', '')}%"


@dataclass(frozen=True)
class Shaped:
    """A list statement built once per filter shape (its values as bind parameters) and the
    values of this request. The paging and counting statements built on it are cached too, so
    a request only binds values: SQLAlchemy neither rebuilds nor re-keys any statement."""

    stmt: Select[Any]
    params: dict[str, Any] = field(default_factory=dict)
    # Disjoint conditions of which a row must meet one, where `stmt` leaves them out: an OR
    # of two indexed columns cannot be read in index order, so each part is paged, counted
    # and estimated on its own index and the parts' pages merged (`_merged`).
    parts: tuple[Any, ...] = ()


# Paging and counting statements built on a Shaped statement (and the estimate's compiled
# EXPLAIN): (statement, mode) → what was built.
_BUILT: dict[tuple[Any, ...], Any] = {}


def _built(key: tuple[Any, ...], build: Any, shaped: bool) -> Any:
    """The statement `build` makes, made once per key when built on a Shaped statement."""
    if not shaped:
        return build()
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) > 4096:  # the shapes are few; never grow without bound
            _BUILT.clear()
        found = _BUILT[key] = build()
    return found


def _parts(stmt: Select[Any] | Shaped) -> tuple[Select[Any], dict[str, Any] | None,
                                                 tuple[Any, ...]]:
    return (stmt.stmt, stmt.params, stmt.parts) if isinstance(stmt, Shaped) else (stmt, None, ())


def _together(stmt: Select[Any] | Shaped, each: Any) -> Any:
    """`each` applied to every part's statement (or to `stmt` alone), the results as one."""
    base, _, parts = _parts(stmt)
    pieces = [each(base.where(part)) for part in parts] or [each(base)]
    return union_all(*pieces) if len(pieces) > 1 else pieces[0]


def _merged(base: Select[Any], parts: Sequence[Any], unique: Any, order: Sequence[Any],
            cond: Any) -> Select[Any]:
    """`base`'s rows that meet one of the disjoint `parts`, in `order`: each part's first
    `_depth` keys (past the cursor `cond`) read in its index order, and only those rows read
    again by their unique key and ordered; limit and offset are the caller's."""
    depth = bindparam("_depth", type_=Integer)
    pages = []
    for part in parts:
        one = base.where(part) if cond is None else base.where(part, cond)
        keys = one.with_only_columns(unique).order_by(*order).limit(depth).subquery()
        pages.append(select(keys.c[0]))
    found = union_all(*pages).subquery()
    return base.where(unique.in_(select(found.c[0]))).order_by(*order)


# --- totals ---------------------------------------------------------------------------------

def exact_total_max() -> int:
    return int(current_app.config.get("LIST_EXACT_TOTAL_MAX", 10_000))


def total_of(stmt: Select[Any] | Shaped) -> tuple[int, bool]:
    """(total, estimated) of the rows `stmt` selects: counted exactly up to
    LIST_EXACT_TOTAL_MAX (a count that reads no further), else the planner's estimate."""
    base, params, _ = _parts(stmt)
    counted = db.session.scalar(_built((base, "count"), lambda: select(_capped_count(stmt)),
                                       params is not None),
                                {**(params or {}), "_cap": exact_total_max() + 1}) or 0
    return _beyond_cap(stmt, counted)


def _capped_count(stmt: Select[Any] | Shaped) -> Any:
    """The number of `stmt`'s rows, reading at most `_cap` of them (a scalar subquery)."""
    rows = _together(stmt, lambda piece: piece.with_only_columns(
        literal_column("1"), maintain_column_froms=True).order_by(None))
    return select(func.count()).select_from(
        rows.limit(bindparam("_cap", type_=Integer)).subquery()).scalar_subquery()


def _beyond_cap(stmt: Select[Any] | Shaped, counted: int) -> tuple[int, bool]:
    """A capped count as (total, estimated): above the cap, the planner's estimate."""
    cap = exact_total_max()
    if counted <= cap:
        return counted, False
    return max(estimate(stmt), cap + 1), True


# An estimate is kept this long per list statement and values (ESTIMATES_KEPT of them per
# process): it comes from the planner's statistics, which change only when the table is
# analysed, and sparing a city officer's page its EXPLAIN round trip saves 10 % of it.
ESTIMATE_SECONDS = 60
ESTIMATES_KEPT = 1000


def estimate(stmt: Select[Any] | Shaped) -> int:
    """The number of rows the database expects `stmt` to return, rounded to two figures.

    PostgreSQL: the planner's row estimate (EXPLAIN, nothing is read); SQLite has none, so
    there it is the count itself. A statement built once per shape (Shaped) keeps its
    estimate for its values for ESTIMATE_SECONDS.
    """
    base, params, _ = _parts(stmt)
    if params is None:
        return _estimate(stmt)
    values = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return cached((base, values), lambda: _estimate(stmt), ESTIMATE_SECONDS,
                  store="hrm_estimates", most=ESTIMATES_KEPT)


def _estimate(stmt: Select[Any] | Shaped) -> int:
    base, params, _ = _parts(stmt)
    session = db.session
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        rows = _together(stmt, lambda piece: piece.with_only_columns(
            literal_column("1"), maintain_column_froms=True).order_by(None))
        found = session.scalar(select(func.count()).select_from(rows.subquery()), params) or 0
    else:
        # EXPLAIN is sent as text, outside SQLAlchemy's statement cache, so the statement is
        # compiled here once per shape (compiling it per request cost more than the EXPLAIN).
        compiled = _built((base, "explain"), lambda: _together(
            stmt, lambda piece: piece.order_by(None)).compile(dialect=bind.dialect),
            params is not None)
        state = compiled.construct_expanded_state(params or None)
        plan = session.connection().exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + state.statement, state.parameters).scalar()
        found = int(plan[0]["Plan"]["Plan Rows"])
    return _two_figures(found)


def _two_figures(n: int) -> int:
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return round(n / scale) * scale


def offset_page(stmt: Select[Any], order: Sequence[Any], page: int, per_page: int, *,
                options: Sequence[Any] = (), scalars: bool = True) -> tuple[list[Any], Total]:
    """One page of `stmt` by page number (OFFSET, at most MAX_OFFSET rows skipped: see
    page_bounds) and its total; past MAX_OFFSET the pager asks for a narrower filter."""
    paged = stmt.options(*options).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    rows = list(db.session.scalars(paged) if scalars else db.session.execute(paged))
    if page == 1 and len(rows) < per_page:
        total, estimated = len(rows), False  # a first page that is not full is the whole set
    else:
        total, estimated = total_of(stmt)
    more = page * per_page < total
    capped = more and page * per_page > MAX_OFFSET
    return rows, Total(total, estimated=estimated, more=more and not capped, capped=capped)


# --- keyset (seek) paging -------------------------------------------------------------------

def encode(values: Sequence[Any]) -> str:
    """A cursor: the sort key of a row, as URL-safe text."""
    return "~".join(_encode_value(v) for v in values)


def _encode_value(value: Any) -> str:
    if value is None:
        return "n"
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return "t" + str((moment - EPOCH) // dt.timedelta(microseconds=1))
    if isinstance(value, dt.date):
        return "d" + value.isoformat()
    if isinstance(value, int):
        return "i" + str(value)
    raise TypeError(f"cannot page on {type(value).__name__}")


def decode(cursor: str, size: int) -> list[Any]:
    """The sort key a cursor names; a garbled one is 422."""
    parts = cursor.split("~")
    if len(parts) != size or len(cursor) > 200:
        raise Invalid({"page": BAD_CURSOR})
    try:
        return [_decode_value(part) for part in parts]
    except (ValueError, OverflowError):
        raise Invalid({"page": BAD_CURSOR}) from None


def _decode_value(text: str) -> Any:
    kind, rest = text[:1], text[1:]
    if kind == "n" and not rest:
        return None
    if kind == "t":
        return EPOCH + dt.timedelta(microseconds=int(rest))
    if kind == "d":
        return dt.date.fromisoformat(rest)
    if kind == "i":
        return int(rest)
    raise ValueError(text)


def seek_page(stmt: Select[Any] | Shaped, keys: Sequence[Any], page: int, per_page: int, *,
              after: str | None = None, before: str | None = None,
              key_of: Any = None, row: Any = None) -> tuple[list[Any], Total]:
    """One page of `stmt` in descending order of `keys` (a nullable sort column, nulls first,
    then a unique non-null column; or the unique column alone), by cursor or by page number,
    and its Total: the count (see total_of) with the cursors of the next and the previous page
    (None when there is none). `key_of(row)` gives a row's key values (default: the key
    columns' attributes). Each page row is `row(fetched)` of the statement's fetched row (the
    count, `_total`, its last field) — by default its first column: the entity.

    The count rides in the page's own statement (a scalar subquery, evaluated once): one
    round trip and one statement execution fewer than counting apart.
    """
    if after and before:
        raise Invalid({"page": BAD_CURSOR})
    key_of = key_of or (lambda row: [getattr(row, column.key) for column in keys])
    base, params, parts = _parts(stmt)
    cursor = decode(before or after, len(keys)) if (before or after) else None
    # The cursor's values and the page's bounds travel as bind parameters.
    marks = [bindparam(f"_k{i}", type_=column.type) for i, column in enumerate(keys)]
    values = {f"_k{i}": value for i, value in enumerate(cursor or ())}
    first_null = bool(cursor) and len(keys) > 1 and cursor[0] is None
    mode = ("before" if before else "after" if after else "offset", first_null)

    def build() -> Select[Any]:
        limit, offset = bindparam("_limit", type_=Integer), bindparam("_offset", type_=Integer)
        if before:
            order = [_asc(c, i < len(keys) - 1) for i, c in enumerate(keys)]
            cond = _earlier(keys, marks, first_null)
        else:
            order = [_desc(c, i < len(keys) - 1) for i, c in enumerate(keys)]
            cond = _later(keys, marks, first_null) if after else None
        if parts:
            paged = _merged(base, parts, keys[-1], order, cond)
        else:
            paged = (base if cond is None else base.where(cond)).order_by(*order)
        paged = paged.add_columns(_capped_count(stmt).label("_total"))
        return (paged if after or before else paged.offset(offset)).limit(limit)

    bound = {**(params or {}), **values, "_limit": per_page + 1,
             "_cap": exact_total_max() + 1}
    if not (after or before):
        bound["_offset"] = (page - 1) * per_page
    if parts:  # the rows of each part the page may need
        bound["_depth"] = bound.get("_offset", 0) + per_page + 1
    found = db.session.execute(_built((base, *mode), build, params is not None), bound).all()
    rows = [row(fetched) for fetched in found] if row else [fetched[0] for fetched in found]
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not (page > 1 or cursor or more):
        total, estimated = len(rows), False  # a first page that is not full is the whole set
    elif found:
        total, estimated = _beyond_cap(stmt, found[0][-1])
    else:  # a page past the end: no row carried the count
        total, estimated = total_of(stmt)
    if before:
        rows.reverse()
        # Came back from a later page: there is a next page; a previous one if more rows.
        after_, before_ = (encode(key_of(rows[-1])) if rows else None,
                           encode(key_of(rows[0])) if rows and more and page > 1 else None)
    else:
        after_, before_ = (encode(key_of(rows[-1])) if more else None,
                           encode(key_of(rows[0])) if rows and page > 1 else None)
    return rows, Total(total, estimated=estimated, after=after_, before=before_)


def _desc(column: Any, nullable: bool) -> Any:
    return column.desc().nulls_first() if nullable else column.desc()


def _asc(column: Any, nullable: bool) -> Any:
    return column.asc().nulls_last() if nullable else column.asc()


def _later(keys: Sequence[Any], marks: Sequence[Any], first_null: bool) -> Any:
    """Rows after the key in descending order (nulls of the sort column first)."""
    if len(keys) == 1:
        return keys[0] < marks[0]
    (column, unique), (value, last) = keys, marks
    if first_null:
        return or_(column.is_not(None), and_(column.is_(None), unique < last))
    return tuple_(column, unique) < tuple_(value, last)


def _earlier(keys: Sequence[Any], marks: Sequence[Any], first_null: bool) -> Any:
    """Rows before the key in descending order."""
    if len(keys) == 1:
        return keys[0] > marks[0]
    (column, unique), (value, last) = keys, marks
    if first_null:
        return and_(column.is_(None), unique > last)
    return or_(column.is_(None), tuple_(column, unique) > tuple_(value, last))
