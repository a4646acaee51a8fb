"""Bounded waits on PostgreSQL, so a stopped or frozen database costs a request at most about
DB_PING + DB_CONNECT (or one DB_STATEMENT) seconds and ends in an error the web layer answers
with 503 — never a hang, never a 500.

- A new connection: psycopg's own connect_timeout cannot go below 2 s, so the connect runs in
  a helper thread and the pool gives up after DB_CONNECT_TIMEOUT_SECONDS (the thread finishes
  on libpq's own timeout and closes what it got).
- A kept connection is checked at checkout (the pool's pre-ping, done here so it is bounded):
  a ping that does not answer within DB_PING_TIMEOUT_SECONDS drops the connection and the pool
  opens a new one. A connection returned less than DB_PING_IDLE_SECONDS ago is trusted without
  one, as HikariCP trusts a connection used within its `aliveBypassWindowMs` (500 ms): under
  load every checkout follows a return by milliseconds, and the ping's round trip was 5 % of a
  list page's CPU. What the window lets through is bounded all the same: a connection the
  server dropped fails its first statement at once (the pool then replaces every connection
  older than the failure, and the request answers 503), one to a frozen server is cut by the
  statement watchdog below.
- A statement run for a request that has not answered within DB_STATEMENT_TIMEOUT_SECONDS has
  its socket shut by a watchdog thread (the server, even frozen, cannot answer a cancel), so
  psycopg raises at once; PostgreSQL rolls back the open transaction by itself, so no change is
  ever half made. The server also gets `statement_timeout` for requests, which cancels slow
  statements cleanly while it is alive. CLI commands (migrations, imports) are not limited.

After such a timeout the process treats the database as down for DB_RETRY_SECONDS: requests
fail at once (503) instead of each waiting again, and the first one after that probes it.

SQLite is local and needs none of this.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_CONNECTORS: dict[int, ThreadPoolExecutor] = {}  # by process: a forked worker makes its own
# libpq's own timeout for the helper thread's connect (its minimum).
LIBPQ_CONNECT_TIMEOUT = 2


def _connectors() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _CONNECTORS:
        _CONNECTORS[pid] = ThreadPoolExecutor(max_workers=8, thread_name_prefix="hrm-db-connect")
    return _CONNECTORS[pid]


class Breaker:
    """This process's memory that the database just timed out (a cache that may be lost)."""

    def __init__(self) -> None:
        self.until = 0.0
        self.seconds = 1.0

    def trip(self) -> None:
        self.until = time.monotonic() + self.seconds

    def open(self) -> bool:
        return time.monotonic() < self.until

    def reset(self) -> None:
        self.until = 0.0


BREAKER = Breaker()


class Watchdog:
    """Shuts the socket of a connection whose armed deadline passed (one thread per process)."""

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, int]] = {}  # id(dbapi conn) → (deadline, fd)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def _ensure_thread(self) -> None:
        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            self._pid = os.getpid()  # a forked worker needs its own thread
            self._thread = threading.Thread(target=self._run, name="hrm-db-watchdog", daemon=True)
            self._thread.start()

    def arm(self, dbapi_conn: Any, seconds: float) -> None:
        fd = dbapi_conn.pgconn.socket
        with self._lock:
            self._ensure_thread()
            self._armed[id(dbapi_conn)] = (time.monotonic() + seconds, fd)

    def disarm(self, dbapi_conn: Any) -> None:
        with self._lock:
            self._armed.pop(id(dbapi_conn), None)

    def _run(self) -> None:
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            with self._lock:
                late = [key for key, (deadline, _) in self._armed.items() if deadline <= now]
                fds = [self._armed.pop(key)[1] for key in late]
            if fds:
                BREAKER.trip()
            for fd in fds:
                with contextlib.suppress(OSError):
                    # A duplicate of the descriptor: shutting it ends the connection for the
                    # waiting psycopg call; closing the duplicate leaves psycopg's fd to psycopg.
                    dup = socket.socket(fileno=os.dup(fd))
                    try:
                        dup.shutdown(socket.SHUT_RDWR)
                    finally:
                        dup.close()


WATCHDOG = Watchdog()


def guard(app: Flask, engine: Engine) -> None:
    """Install the bounded connect, checkout ping and request statement limit on a PostgreSQL
    engine (nothing for other backends)."""
    if engine.dialect.name != "postgresql":
        return
    cfg = app.config
    connect_s = float(cfg["DB_CONNECT_TIMEOUT_SECONDS"])
    ping_s = float(cfg["DB_PING_TIMEOUT_SECONDS"])
    statement_s = float(cfg["DB_STATEMENT_TIMEOUT_SECONDS"])
    trusted_s = float(cfg["DB_PING_IDLE_SECONDS"])
    dialect = engine.dialect
    BREAKER.seconds = float(cfg["DB_RETRY_SECONDS"])

    @event.listens_for(engine, "do_connect")
    def bounded_connect(dialect_: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        down = dialect_.loaded_dbapi.OperationalError
        if has_request_context() and BREAKER.open():
            raise down("the database timed out a moment ago; not trying again yet")
        cparams.setdefault("connect_timeout", LIBPQ_CONNECT_TIMEOUT)
        future = _connectors().submit(dialect_.connect, *cargs, **cparams)
        try:
            connection = future.result(timeout=connect_s)
        except FutureTimeout:
            BREAKER.trip()
            future.add_done_callback(_close_late)
            raise down(f"connection timeout expired after {connect_s:g} s") from None
        BREAKER.reset()
        return connection

    @event.listens_for(engine, "checkin")
    def returned(dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["hrm_returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        if has_request_context() and BREAKER.open():
            raise exc.DisconnectionError("the database timed out a moment ago")
        if time.monotonic() - record.info.get("hrm_returned", -math.inf) >= trusted_s:
            try:
                WATCHDOG.arm(dbapi_conn, ping_s)
                dialect.do_ping(dbapi_conn)
            except Exception as error:  # any failure: drop it, the pool connects anew (once)
                raise exc.DisconnectionError(str(error)) from error
            finally:
                WATCHDOG.disarm(dbapi_conn)
        # record.info lives as long as the connection (a reconnect clears it).
        limit = record.info.get("hrm_limit")
        if has_request_context() and limit != statement_s:
            _set_statement_timeout(dbapi_conn, statement_s)
            record.info["hrm_limit"] = statement_s
        elif not has_request_context() and limit is not None:
            _set_statement_timeout(dbapi_conn, 0)
            record.info["hrm_limit"] = None

    @event.listens_for(engine, "before_cursor_execute")
    def arm(conn: Any, cursor: Any, statement: Any, params: Any, context: Any,
            executemany: bool) -> None:
        if has_request_context():
            with contextlib.suppress(Exception):  # a closed connection fails in execute itself
                WATCHDOG.arm(conn.connection.dbapi_connection, statement_s + 0.2)

    @event.listens_for(engine, "after_cursor_execute")
    def disarm(conn: Any, cursor: Any, statement: Any, params: Any, context: Any,
               executemany: bool) -> None:
        WATCHDOG.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def disarm_on_error(context: Any) -> None:
        if context.connection is not None and context.connection.connection is not None:
            with contextlib.suppress(Exception):
                WATCHDOG.disarm(context.connection.connection.dbapi_connection)


def _set_statement_timeout(dbapi_conn: Any, seconds: float) -> None:
    """The server-side limit for this connection's statements (0 = none), outside any
    transaction of the caller's (psycopg opens one; it is committed at once)."""
    try:
        WATCHDOG.arm(dbapi_conn, 1.0)
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
        dbapi_conn.commit()
    except Exception as error:
        raise exc.DisconnectionError(str(error)) from error
    finally:
        WATCHDOG.disarm(dbapi_conn)


def _close_late(future: Any) -> None:
    """A connection that arrived after the pool gave up on it."""
    if future.exception() is None:
        with contextlib.suppress(Exception):
            future.result().close()
