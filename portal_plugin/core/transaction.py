"""The one transaction boundary: a service call commits all its writes or none of them; a
request that only read ends its transaction with COMMIT (see commit_reads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from portal_plugin.core.extensions import db

_DEPTH = "hrm_atomic_depth"


@contextmanager
def atomic() -> Iterator[None]:
    """Commit when the outermost block ends, roll everything back on any error.

    Nested blocks (a service calling another) join the outer transaction, as Django's
    `atomic` does, so a change and its audit event can never be committed apart.
    """
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        info[_DEPTH] = depth



# --- a request's read-only transaction ends with COMMIT ----------------------------------------
# psycopg forgets every prepared statement at a ROLLBACK (a rolled-back transaction may have
# dropped what they name), and Flask-SQLAlchemy ends every request's transaction with one: so
# nothing was ever prepared, and PostgreSQL parsed and analysed each list statement anew (a
# quarter of the server's CPU for the 受理 list's statement: 0.47 → 0.36 ms prepared). A
# transaction that only read ends alike either way, so a request whose transaction sent nothing
# but SELECTs and holds no pending ORM change commits it; any other (a write, an error, a
# pending object) is rolled back as before.
WROTE = "hrm_wrote"  # in the connection's info: this transaction sent more than SELECTs


def commit_reads(app: Flask, engine: Engine) -> None:
    """Track, per transaction, whether a statement other than a SELECT was sent, and end a
    request's read-only transaction with COMMIT (PostgreSQL: keeps psycopg's prepared
    statements)."""

    @event.listens_for(engine, "connect")
    def custom_plans(dbapi_conn: Any, record: Any) -> None:
        # Prepared, a statement is still planned for each execution's values: a generic plan
        # (PostgreSQL's choice after five runs) ignores how skewed statuses and districts are,
        # and the lists keep the plans tests/lists/test_plans.py checks.
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_conn.commit()

    @event.listens_for(engine, "begin")
    def began(conn: Connection) -> None:
        conn.info[WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def sent(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("SELECT"):
            conn.info[WROTE] = True

    # Teardown functions run in reverse order: this one before Flask-SQLAlchemy's removal.
    app.teardown_appcontext(_end_reads)


def _end_reads(error: BaseException | None) -> None:
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE, True):
        return
    # The session is removed next; what it loaded stays readable as a rollback left it.
    session.expire_on_commit = False
    try:
        session.commit()
    except SQLAlchemyError:  # the session's removal rolls back what is left
        return
