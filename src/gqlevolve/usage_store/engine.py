"""The engine behind a store: SQLite set up for many writing processes, PostgreSQL through psycopg 3.

SQLite gets WAL (readers never block the writer), a busy timeout (a writer waits for the lock instead of
failing), and ``BEGIN IMMEDIATE`` for every transaction that may write: taking the write lock at the start
of the transaction, not at its first write, is what keeps several processes from failing with
"database is locked" (a deferred transaction that must upgrade its lock while another holds it fails at once,
whatever the busy timeout). pysqlite's own transaction handling is turned off for that, following
SQLAlchemy's documented recipe. A read opens ``BEGIN`` (deferred) instead: ``connection.execution_options(
read_only=True)``.

Example::

    engine = create_store_engine(parse_store_url("sqlite:///gqlevolve.db"))
    with engine.connect().execution_options(read_only=True) as connection:
        ...
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "create_store_engine", "is_sqlite"]

#: How long a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 60_000

#: How long a PostgreSQL connection attempt may take (an unreachable store must not hang a flush for long).
POSTGRES_CONNECT_TIMEOUT_S = 5


def is_sqlite(engine_or_url: sa.Engine | URL) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, sa.Engine) else engine_or_url
    return url.get_backend_name() == "sqlite"


def create_store_engine(url: URL, **kwargs: Any) -> sa.Engine:
    """An engine for a URL from :func:`~gqlevolve.usage_store.urls.parse_store_url`."""
    if is_sqlite(url):
        engine = sa.create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The busy timeout first: switching to WAL itself needs the lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _switch_to_wal(cursor)
            # In WAL mode, NORMAL is durable against process crashes (only an OS crash may lose the last commits).
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another connection holds the lock it needs.

    SQLite does not call the busy handler for this pragma when several connections open a new file at once (each
    holds a shared lock the other must wait out), so it answers "database is locked" at once; measured: 2-4 of 40
    runs of four threads opening one new file. A short retry, bounded by the busy timeout, lets one of them win.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
