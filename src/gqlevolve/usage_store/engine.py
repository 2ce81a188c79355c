"""The engine behind a store: SQLite set up for many writing processes, PostgreSQL through psycopg 3, and the
bounds that keep a write from hanging.

SQLite gets WAL (readers never block the writer), a busy timeout (a writer waits for the lock instead of
failing), and ``BEGIN IMMEDIATE`` for every transaction that may write: taking the write lock at the start
of the transaction, not at its first write, is what keeps several processes from failing with
"database is locked" (a deferred transaction that must upgrade its lock while another holds it fails at once,
whatever the busy timeout). pysqlite's own transaction handling is turned off for that, following
SQLAlchemy's documented recipe. A read opens ``BEGIN`` (deferred) instead: ``connection.execution_options(
read_only=True)``. The file is read through a memory map (:data:`SQLITE_MMAP_BYTES`): the whole-schema answers
look up hundreds of thousands of rows of ``operation_usage`` by key, and without the map each page that is not in
SQLite's own 2 MiB cache is a ``pread`` and a copy (measured: 10 to 20 % of ``usage Query`` and of ``check --db``).

A read-only transaction on PostgreSQL plans each statement for its own values (``plan_cache_mode =
force_custom_plan``, for that transaction): psycopg prepares a statement a connection has run 5 times, and
PostgreSQL may then plan it once for any values, which compares each row with an ``IN`` list of signatures one
value at a time instead of hashing the list (:mod:`gqlevolve.usage_store.evidence` measured 3.5 to 5.4 s instead
of 0.1 s for such a plan).

A write that must not hang (a flush of buffered counts, the replay of spilled ones) runs on a connection from
:func:`bounded`, under a :class:`StatementGuard`:

- every transaction of a bounded connection has a statement timeout and a lock timeout (:class:`WriteTimeouts`).
  PostgreSQL: ``SET LOCAL statement_timeout`` and ``lock_timeout`` (as ``set_config(..., true)``) when it begins;
  SQLite: the busy timeout of that transaction is the lock timeout (60 s for every other transaction). A lock
  held by another session makes the write fail after the lock timeout, with nothing written;
- the guard, a thread of its own, aborts the connection of a statement, a COMMIT or a checkout ping that has not
  answered ``statement timeout + 1 s`` after it was sent (:data:`GUARD_GRACE_S`): a server that accepts
  connections but answers nothing (a hung host, a black-holed network path) cannot send the error of its own
  statement timeout. PostgreSQL: the socket is shut down, so the waiting call fails at once as a lost
  connection; SQLite: ``sqlite3_interrupt`` (a wait for the busy lock is bounded by the busy timeout instead);
- a PostgreSQL connection is pinged when it is checked out of the pool (what ``pool_pre_ping`` did, but under the
  guard: a stalled ping is aborted too, and the guarded write then fails instead of opening a new connection);
  opening one is bounded by ``connect_timeout`` (5 s).

After a failed write, :func:`connection_may_be_broken` says whether the pool's connections are to be dropped
(``engine.dispose()``), so that the next attempt opens afresh: a SQLite connection opened while the file was
read-only stays read-only after the file is writable again, and a connection to a server that answered nothing
is of no more use.

Example: SQLite in WAL mode, and a bounded write that finds the write lock taken: it gives up after its lock
timeout (0.1 s here) with nothing written, on a connection that is still good:

    >>> from gqlevolve.usage_store.urls import parse_store_url
    >>> engine = create_store_engine(parse_store_url(store_url))
    >>> with engine.connect().execution_options(read_only=True) as connection:     # a read: BEGIN (deferred)
    ...     connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    'wal'
    >>> timeouts = WriteTimeouts(statement=5.0, lock=0.1)
    >>> with engine.begin():                    # another writer: BEGIN IMMEDIATE takes the write lock at once
    ...     try:
    ...         with StatementGuard(timeouts), bounded(engine.connect(), timeouts) as connection, connection.begin():
    ...             pass
    ...     except sa.exc.OperationalError as error:
    ...         print(error.orig, connection_may_be_broken(error))
    database is locked False
    >>> engine.dispose()
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL

__all__ = [
    "GUARD_GRACE_S",
    "POSTGRES_CONNECT_TIMEOUT_S",
    "SQLITE_BUSY_TIMEOUT_MS",
    "SQLITE_MMAP_BYTES",
    "StatementGuard",
    "WriteTimeouts",
    "bounded",
    "connection_may_be_broken",
    "create_store_engine",
    "dialect_insert",
    "is_sqlite",
]

#: How long a SQLite writer waits for another process's write lock before giving up (outside bounded writes).
SQLITE_BUSY_TIMEOUT_MS = 60_000

#: How much of a SQLite file a connection reads through a memory map (PRAGMA mmap_size): more than the
#: GitHub-sized benchmark's 90 days (306 MiB), most of a year's (1.2 GiB at 400 days). The map shares the
#: operating system's page cache (no copy per connection); pages past it are read as before.
SQLITE_MMAP_BYTES = 1 << 30

#: How long a PostgreSQL connection attempt may take (an unreachable store must not hang a flush for long).
POSTGRES_CONNECT_TIMEOUT_S = 5

#: How much longer than the statement timeout the guard waits for an answer before it aborts the connection.
GUARD_GRACE_S = 1.0

#: The execution option that carries a connection's :class:`WriteTimeouts` to the "begin" listeners.
_TIMEOUTS_OPTION = "gqlevolve_write_timeouts"
#: ``connection.info`` keys: the busy timeout a SQLite connection has now; a connection that was just opened.
_BUSY_TIMEOUT_KEY = "gqlevolve_busy_timeout_ms"
_FRESH_KEY = "gqlevolve_fresh"

#: PostgreSQL errors after which the connection is still good: a statement or lock timeout, a deadlock, a
#: serialization failure (SQLSTATE).
_TRANSIENT_SQLSTATES = frozenset({"57014", "55P03", "40P01", "40001"})


@dataclass(frozen=True, slots=True)
class WriteTimeouts:
    """The bounds of one bounded write (seconds)."""

    #: The longest a statement (or COMMIT) may run.
    statement: float = 5.0
    #: The longest a statement may wait for a lock another session holds.
    lock: float = 3.0

    def __post_init__(self) -> None:
        for name in ("statement", "lock"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"the {name} timeout must be a positive number of seconds, not {value!r}")


def dialect_insert(connection: sa.Connection, table: sa.Table) -> Any:
    """An INSERT into ``table`` in the connection's dialect, which has ``on_conflict_do_update`` and
    ``on_conflict_do_nothing`` (SQLite and PostgreSQL spell the upsert alike; SQLAlchemy's core INSERT has neither)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


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
    else:
        connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _configure_postgresql(engine)
    _configure_guard(engine)
    return engine


def bounded(connection: sa.Connection, timeouts: WriteTimeouts) -> sa.Connection:
    """``connection``, each of its transactions bounded by ``timeouts`` (set when the transaction begins)."""
    return connection.execution_options(**{_TIMEOUTS_OPTION: timeouts})


def _timeouts_of(connection: sa.Connection) -> WriteTimeouts | None:
    timeouts = connection.get_execution_options().get(_TIMEOUTS_OPTION)
    return timeouts if isinstance(timeouts, WriteTimeouts) else None


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The busy timeout first: switching to WAL itself needs the lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            record.info[_BUSY_TIMEOUT_KEY] = SQLITE_BUSY_TIMEOUT_MS
            _switch_to_wal(cursor)
            # In WAL mode, NORMAL is durable against process crashes (only an OS crash may lose the last commits).
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        timeouts = _timeouts_of(connection)
        busy_ms = SQLITE_BUSY_TIMEOUT_MS if timeouts is None else _milliseconds(timeouts.lock)
        if connection.info.get(_BUSY_TIMEOUT_KEY) != busy_ms:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_ms}")
            connection.info[_BUSY_TIMEOUT_KEY] = busy_ms
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _configure_postgresql(engine: sa.Engine) -> None:
    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        timeouts = _timeouts_of(connection)
        if timeouts is not None:  # psycopg opens the transaction with this first statement: SET LOCAL
            connection.exec_driver_sql(
                f"SELECT set_config('statement_timeout', '{_milliseconds(timeouts.statement)}', true), "
                f"set_config('lock_timeout', '{_milliseconds(timeouts.lock)}', true)"
            )
        elif connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        record.info[_FRESH_KEY] = True

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        """The pool's pre-ping, done here so that a guard can watch (and abort) it."""
        guard = StatementGuard.current()
        if guard is not None:
            guard.watch(dbapi_connection)
        if record.info.pop(_FRESH_KEY, False):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            if guard is not None and guard.fired:  # given up on: no new connection for this write
                raise
            raise sa.exc.DisconnectionError(f"the pooled connection is gone ({error})") from error


def _configure_guard(engine: sa.Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def before_statement(
        connection: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        guard = StatementGuard.current()
        if guard is not None:
            guard.watch(connection.connection.dbapi_connection)
            guard.arm()

    @event.listens_for(engine, "commit")
    def before_commit(connection: sa.Connection) -> None:
        guard = StatementGuard.current()
        if guard is not None:
            guard.arm()


class StatementGuard:
    """Aborts the connections of this thread's bounded write when a statement does not answer in time.

    Used as a context manager around the write, in the thread that runs it: every statement, COMMIT and checkout
    ping the thread sends meanwhile is given ``timeouts.statement + GUARD_GRACE_S`` (:meth:`arm`), never past
    ``deadline`` (monotonic time; :meth:`limit` may bring it closer). When that passes, the connections it saw
    are aborted and :attr:`fired` is set; the write then fails like one whose connection was lost.
    """

    _local = threading.local()

    def __init__(self, timeouts: WriteTimeouts, *, deadline: float | None = None) -> None:
        self.allowance = timeouts.statement + GUARD_GRACE_S
        self._limit = deadline
        self._condition = threading.Condition()
        self._deadline = 0.0
        self._connections: list[Any] = []
        self._active = False
        self._previous: StatementGuard | None = None
        #: Whether the guard aborted the connections.
        self.fired = False

    @classmethod
    def current(cls) -> StatementGuard | None:
        """The guard of the write this thread runs, if any."""
        guard: StatementGuard | None = getattr(cls._local, "guard", None)
        return guard

    def __enter__(self) -> StatementGuard:
        self._previous = StatementGuard.current()
        with self._condition:
            self._active = True
            self._deadline = self._next_deadline()
        StatementGuard._local.guard = self
        threading.Thread(target=self._watch, name="gqlevolve-statement-guard", daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        with self._condition:
            self._active = False
            self._connections = []
            self._condition.notify_all()
        StatementGuard._local.guard = self._previous

    def arm(self) -> None:
        """A statement is being sent: it has ``allowance`` seconds (within the deadline) to answer."""
        with self._condition:
            self._deadline = self._next_deadline()

    def limit(self, deadline: float) -> None:
        """Abort at ``deadline`` (monotonic time) at the latest."""
        with self._condition:
            self._limit = deadline if self._limit is None else min(self._limit, deadline)
            self._deadline = min(self._deadline, deadline)
            self._condition.notify_all()

    def watch(self, dbapi_connection: Any) -> None:
        """``dbapi_connection`` is used by the write: abort it too when time is up."""
        with self._condition:
            if not any(known is dbapi_connection for known in self._connections):
                self._connections.append(dbapi_connection)

    def _next_deadline(self) -> float:
        deadline = time.monotonic() + self.allowance
        return deadline if self._limit is None else min(deadline, self._limit)

    def _watch(self) -> None:
        with self._condition:
            while self._active:
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    self.fired = True
                    for dbapi_connection in self._connections:
                        _abort(dbapi_connection)
                    return
                self._condition.wait(remaining)


def _abort(dbapi_connection: Any) -> None:
    """Make the call waiting on ``dbapi_connection`` fail now (from another thread)."""
    try:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.interrupt()
            return
        if getattr(dbapi_connection, "closed", False):
            return
        # Shutting the socket down (on a duplicate of its descriptor: psycopg keeps its own) wakes libpq with EOF.
        with socket.socket(fileno=os.dup(dbapi_connection.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # closed meanwhile: nothing waits on it any more
        pass


def connection_may_be_broken(error: BaseException) -> bool:
    """Whether the connection a write failed on (and its siblings in the pool) may be of no more use.

    True for a lost or aborted connection, a read-only database, a disk I/O error and the like (and for a write
    interrupted by a signal, whose connection is in an unknown state); False for a lock or statement timeout, a
    deadlock or a SQLite busy lock (the connection is fine: the next attempt may succeed on it) and for errors
    of the SQL or the data.
    """
    if not isinstance(error, Exception):
        return True
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa.exc.IntegrityError | sa.exc.ProgrammingError | sa.exc.DataError):
            return False
        original = error.orig
        if getattr(original, "sqlstate", None) in _TRANSIENT_SQLSTATES:
            return False
        if isinstance(original, sqlite3.OperationalError) and "locked" in str(original):
            return False
        return True
    return isinstance(error, sa.exc.DisconnectionError | sa.exc.InvalidRequestError | OSError)


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
