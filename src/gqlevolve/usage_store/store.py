"""``UsageStore``: where deprecation usage is counted, and where deprecation records live.

Two ways to count an operation:

- :meth:`UsageStore.record_buffered` (the request path): one addition to an in-memory inbox keyed by the
  arguments as given, no I/O, never raises (:mod:`~gqlevolve.usage_store.buffer`). A daemon thread drains the
  inbox into the recorder's counters every second (validating, cleaning client names, capping clients: once per
  distinct key, not per request) and flushes the counters every ``flush_interval`` seconds as upserts
  (:mod:`~gqlevolve.usage_store.flusher`); :meth:`~UsageStore.flush` and :meth:`~UsageStore.close` drain and
  flush at once (and so does the process exit, SIGTERM included).
- :meth:`UsageStore.record_operation` (imports, backfills, tests): written straight through, errors raised.

If the store cannot be reached (at construction or later), counts stay in memory, bounded by ``max_pending``
distinct keys, and are written in full once it answers. A flush is one transaction, bounded by
``statement_timeout`` and ``lock_timeout``; a batch whose commit was in doubt is checked against the
``flush_ledger`` before it is sent again, so nothing is counted twice. :meth:`~UsageStore.close` returns within
``close_timeout`` seconds and appends what it could not write to the store's spill file
(:mod:`~gqlevolve.usage_store.spill`), which the next store with the same URL writes when it starts.

This module is the facade: construction and the schema check, and the public methods, each handing its work to
the module that does it (the buffer, the flusher, the reads, the deprecation records, retention).

Example: an operation counted on the request path, written by an explicit flush (the flusher thread would write it
within ``flush_interval`` seconds), then read back:

    >>> store = UsageStore(store_url, clock=clock, flush_interval=60)    # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> store.record_buffered("/api/v1/graphql", frozenset({"User.name"}), client_name="web", client_version="1.4")
    >>> store.daily_usage("/api/v1/graphql", "User.name")        # nothing written yet
    []
    >>> store.flush()                                            # the operations written
    1
    >>> [(usage.day, usage.operations, usage.total) for usage in store.daily_usage("/api/v1/graphql", "User.name")]
    [(datetime.date(2026, 11, 21), 1, 1)]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa

from gqlevolve.clock import SYSTEM_CLOCK, Clock, clock_of
from gqlevolve.lifecycle import Deprecation
from gqlevolve.operation_shape import OperationShape
from gqlevolve.usage_store import deprecations as records
from gqlevolve.usage_store import reads, schema_registry, shutdown
from gqlevolve.usage_store.buffer import ObservationBuffer, check_endpoint
from gqlevolve.usage_store.engine import WriteTimeouts, create_store_engine, is_sqlite
from gqlevolve.usage_store.flusher import DEFAULT_CLOSE_TIMEOUT, Flusher, describe_error
from gqlevolve.usage_store.operation_writer import SeenSpans
from gqlevolve.usage_store.operations import DEFAULT_MAX_OPERATIONS_PER_DAY
from gqlevolve.usage_store.recorder import Batch, Recorder
from gqlevolve.usage_store.retention import DEFAULT_RETENTION_DAYS, PruneResult, prune
from gqlevolve.usage_store.revisions import check_revision, current_revision, upgrade
from gqlevolve.usage_store.signatures import coordinate_set
from gqlevolve.usage_store.spill import SpillFile
from gqlevolve.usage_store.urls import parse_store_url, redacted
from gqlevolve.usage_store.writer import write_batch

__all__ = ["StoreStats", "UsageStore"]

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger("gqlevolve.usage_store")


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What the recorder holds and what it has done (for monitoring, and for tests)."""

    #: Distinct counter keys waiting to be written (bounded by ``max_pending``).
    pending_keys: int
    #: Operations waiting to be written (including a batch whose commit is in doubt, or being sent).
    pending_operations: int
    #: Operations lost because the buffer was full while the store was unreachable.
    dropped: int
    #: Operations ``record_buffered`` refused because its arguments were invalid (logged).
    rejected: int
    #: Operations written by flushes since the store was created (a batch whose commit was in doubt counts once
    #: the ledger shows it was committed).
    flushed_operations: int
    failed_flushes: int
    last_error: str | None
    #: Whether the store has been reached and its schema checked.
    ready: bool
    #: Operations that ``close`` could not write and appended to the spill file.
    spilled_operations: int = 0
    #: Operations spilled by an earlier run (of this or another process) that this store wrote.
    replayed_operations: int = 0


class UsageStore:
    """The usage store on SQLite (the default) or PostgreSQL.

    ``url`` is checked at once (:class:`~gqlevolve.usage_store.urls.InvalidStoreURL`, a ``ValueError``).
    ``migrate``: ``True`` upgrades the schema to the latest revision; ``None`` (the default) does so only for a
    SQLite file without a schema (a new one); ``False`` never. A database at another revision than the code's
    raises :class:`~gqlevolve.usage_store.revisions.StoreSchemaError` here, at construction; an unreachable one
    does not raise: the store retries at every flush, and counts wait in memory.
    ``clock``: where "today" comes from (:mod:`gqlevolve.clock`); the extension, the advisor, the reports and
    the interfaces built on this store use it too.

    Faults (seconds): every flush transaction gives up on a statement after ``statement_timeout`` (5) and on a
    lock another session holds after ``lock_timeout`` (3), and a connection that answers nothing is aborted one
    second after the statement timeout; :meth:`close` returns within ``close_timeout`` (5) and appends what it
    could not write to the spill file, in ``spill_dir`` (default: next to a SQLite file, else
    ``$GQLEVOLVE_SPILL_DIR`` or the user's cache directory; :mod:`~gqlevolve.usage_store.spill`).
    """

    def __init__(
        self,
        url: str | sa.URL,
        *,
        flush_interval: float = 5.0,
        max_pending: int = 100_000,
        max_clients_per_day: int = 1_000,
        max_operations_per_day: int = DEFAULT_MAX_OPERATIONS_PER_DAY,
        migrate: bool | None = None,
        handle_shutdown: bool = True,
        clock: Clock = SYSTEM_CLOCK,
        statement_timeout: float = 5.0,
        lock_timeout: float = 3.0,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        spill_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if not flush_interval > 0:
            raise ValueError(f"flush_interval must be a positive number of seconds, not {flush_interval!r}")
        if isinstance(close_timeout, bool) or not isinstance(close_timeout, int | float) or not close_timeout >= 0:
            raise ValueError(f"close_timeout must be a number of seconds, not {close_timeout!r}")
        timeouts = WriteTimeouts(statement=statement_timeout, lock=lock_timeout)
        self.url = parse_store_url(url)
        #: Every date the store writes (usage days, first-seen, audit times, retention) and its readers use.
        self.clock: Clock = clock_of(clock)
        self.flush_interval = float(flush_interval)
        self._recorder = Recorder(max_pending)
        self._buffer = ObservationBuffer(
            self._recorder, self.clock, max_clients_per_day=max_clients_per_day,
            max_operations_per_day=max_operations_per_day,
        )
        # Signatures whose coordinates the store holds already (of deprecated-coordinate sets and of operations:
        # different digests), known to both ways of writing.
        self._written_signatures: set[str] = set()
        # The coordinate_seen spans the store covers: a flush writes only those that widen (operation_writer.py).
        self._seen = SeenSpans()
        self.engine: sa.Engine = create_store_engine(self.url)
        self._migrate = migrate
        self._ready = False
        self.close_timeout = float(close_timeout)
        #: Where ``close`` appends what it could not write, and where this store looks for what an earlier one did.
        self.spill = SpillFile.for_store(self.url, spill_dir)
        self._flusher = Flusher(
            self.engine, self.url, self.clock, self._buffer, self._recorder,
            prepare=self._prepare, interval=self.flush_interval, timeouts=timeouts,
            close_timeout=self.close_timeout, spill=self.spill, known_signatures=self._written_signatures,
            seen=self._seen,
        )
        self._reach()
        if handle_shutdown:
            shutdown.register(self)

    def __repr__(self) -> str:
        return f"UsageStore({redacted(self.url)!r})"

    def __enter__(self) -> UsageStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------------------------

    def _reach(self) -> None:
        """Reach the store at construction: unreachable is not an error yet (counts wait), a wrong revision is.

        Once reached, what an earlier run spilled for this URL is written (the flushes retry if that fails).
        """
        try:
            self._prepare()
        except sa.exc.OperationalError as error:  # cannot connect: not an error yet, counts will wait
            self._flusher.last_error = describe_error(error)
            logger.warning(
                "the usage store at %s is unreachable (%s); counting in memory until it answers",
                redacted(self.url), self._flusher.last_error,
            )
            return
        except BaseException:  # a wrong schema revision: refuse the store, release its connections
            self.engine.dispose()
            raise
        try:
            self._flusher.replay()
        except OSError as error:  # the spill file cannot be read: the counts stay in it
            logger.error("cannot read the spill file of the usage store at %s: %s", redacted(self.url), error)

    def _prepare(self) -> None:
        """Reach the database, migrate it as configured, check its revision (once)."""
        if self._ready:
            return
        with self._flusher.lock:  # not while a flush runs (a flush calls this, under the same re-entrant lock)
            if self._ready:
                return
            if self._migrate:
                upgrade(self.engine)
            elif self._migrate is None and is_sqlite(self.engine):
                with self._reading() as connection:
                    new = current_revision(connection) is None
                if new:
                    upgrade(self.engine)
            with self._reading() as connection:
                check_revision(connection)
            self._ready = True

    def _reading(self) -> sa.Connection:
        return self.engine.connect().execution_options(read_only=True)

    # --- recording --------------------------------------------------------------------------------

    def record_operation(
        self,
        endpoint: str,
        coordinates: Iterable[str],
        *,
        client_name: str | None = None,
        client_version: str | None = None,
        operation_name: str | None = None,
        when: dt.date | dt.datetime | None = None,
        count: int = 1,
        operation: OperationShape | None = None,
    ) -> None:
        """Count ``count`` operations at once, in their own transaction (raises if the store fails).

        ``coordinates``: the deprecated coordinates the operations used. ``operation``: their shape (every
        coordinate they used, their kind, name and document hash: whole-schema usage); or ``operation_name``
        alone (DESIGN.md's signature), which stands for a query of that name whose coordinates are ``coordinates``
        and whose document is not known. Without either, only deprecated usage and the totals are counted.
        """
        if operation is None and operation_name is not None:
            operation = OperationShape("query", operation_name, "", coordinate_set(coordinates))
        batch = Batch()
        self._buffer.count(batch.add, endpoint, coordinates, client_name, client_version, when, count, None, operation)
        self._prepare()
        with self.engine.begin() as connection:
            learned = write_batch(
                connection, batch, known_signatures=self._written_signatures, seen=self._seen, now=self.clock.now()
            )
        self._seen.learn(learned)  # committed
        self._written_signatures.update(batch.signatures)
        self._written_signatures.update(batch.shapes)

    def record_buffered(
        self,
        endpoint: str,
        coordinates: Iterable[str],
        *,
        client_name: str | None = None,
        client_version: str | None = None,
        when: dt.date | dt.datetime | None = None,
        count: int = 1,
        enforced: frozenset[tuple[str, str]] | None = None,
        operation: OperationShape | None = None,
    ) -> None:
        """Count ``count`` operations in memory (the request path): no I/O, never raises.

        ``operation``: the operation's shape, every coordinate it used (whole-schema usage); best the one the
        analysis caches per document (:mod:`gqlevolve.operation_analysis`): its signature is cached by it.

        ``enforced``: the (coordinate, kind) pairs the operation had refused (``no_new_adopters``, ``brownout``) or
        previewed (``preview``), counted in ``enforcement_counts``, apart from usage (leave those coordinates out of
        ``coordinates``: a refused or previewed element was not used).

        The arguments go into an inbox as given; draining it (every second, in the flusher thread) validates
        and aggregates them, so invalid arguments are logged and counted in ``stats().rejected`` rather than
        raised. The day is taken now (``when``, else today by the store's clock), not at draining.
        ``coordinates`` is best a frozenset the caller caches per operation: its signature is cached by it.
        """
        if self._buffer.add(endpoint, coordinates, client_name, client_version, when, count, enforced, operation):
            self._buffer.drain()  # full: the flusher is behind, this request drains
        if not self._flusher.started:
            self.start()

    def watch(self, endpoint: str) -> None:
        """``endpoint`` is being observed: each flush makes sure today has a total (0 without traffic)."""
        check_endpoint(endpoint)
        self._flusher.watch(endpoint)
        if not self.closed:
            self.start()

    # --- flushing ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background flusher (idempotent; ``record_buffered`` and ``watch`` call it)."""
        self._flusher.start()

    def flush(self) -> int:
        """Write what the recorder holds; returns the operations written (0, and nothing lost, if the store is down)."""
        return self._flusher.flush()

    def close(self, timeout: float | None = None) -> None:
        """Stop the flusher, flush, release the connections (idempotent).

        Returns within ``timeout`` seconds (default: ``close_timeout``) plus the time to append to the spill file:
        what could not be written by then (the database answers nothing, a lock is held, the file is read-only)
        is appended to the spill file (logged, with its path; :attr:`spill`), and the next store with this URL
        writes it.
        """
        if not self._flusher.close(timeout):
            return
        self.engine.dispose()

    @property
    def closed(self) -> bool:
        return self._flusher.closed

    def stats(self) -> StoreStats:
        self._buffer.drain()
        recorder = self._recorder.stats()
        flusher = self._flusher
        sending_keys, sending_operations = flusher.pending()
        return StoreStats(
            pending_keys=recorder.pending_keys + sending_keys,
            pending_operations=recorder.pending_operations + sending_operations,
            dropped=recorder.dropped,
            rejected=self._buffer.rejected,
            flushed_operations=flusher.flushed_operations,
            failed_flushes=flusher.failed_flushes,
            last_error=flusher.last_error,
            ready=self._ready,
            spilled_operations=flusher.spilled_operations,
            replayed_operations=flusher.replayed_operations,
        )

    # --- reading ----------------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """One read-only transaction on one connection, for several reads that must see one state of the store.

        The reports and the advisor call the connection-level reads (:mod:`~gqlevolve.usage_store.reads`,
        :mod:`~gqlevolve.usage_store.evidence`, :func:`~gqlevolve.usage_store.deprecations.list_deprecations`)
        on it. Like every read, it reaches the store and checks its schema first.
        """
        self._prepare()
        with self._reading() as connection, connection.begin():
            yield connection

    def _read(self, query: Callable[Concatenate[sa.Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        with self.reading() as connection:
            return query(connection, *args, **kwargs)

    def _write(self, command: Callable[Concatenate[sa.Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        self._prepare()
        with self.engine.begin() as connection:
            return command(connection, *args, **kwargs)

    def daily_usage(
        self, endpoint: str, coordinate: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[reads.DailyUsage]:
        """Per UTC day for which ``endpoint`` has data: operations that referenced ``coordinate``, all operations."""
        return self._read(reads.daily_usage, endpoint, coordinate, since=since, until=until)

    def daily_totals(
        self,
        endpoint: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        exclude: Sequence[str] = (),
    ) -> dict[dt.date, int]:
        """All operations per UTC day with data on ``endpoint`` (0: watched, no traffic); ``exclude``: client names
        left out."""
        return self._read(reads.daily_totals, endpoint, since=since, until=until, exclude=exclude)

    def deprecated_operations(
        self, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> dict[dt.date, int]:
        """Per UTC day, the operations on ``endpoint`` that used at least one deprecated element."""
        return self._read(reads.deprecated_operations, endpoint, since=since, until=until)

    def clients(
        self, endpoint: str, coordinate: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[reads.ClientUsage]:
        """The clients (name, version, operations, last day seen) that used ``coordinate``, most first."""
        return self._read(reads.clients, endpoint, coordinate, since=since, until=until)

    def coordinates(
        self, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[reads.CoordinateUsage]:
        """The coordinates used on ``endpoint`` (operations, last day seen), most used first."""
        return self._read(reads.coordinates, endpoint, since=since, until=until)

    def clients_seen(
        self, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[reads.ClientUsage]:
        """Every client that sent operations to ``endpoint`` (all its operations, last day seen), by name and version."""
        return self._read(reads.clients_seen, endpoint, since=since, until=until)

    def endpoints(self) -> list[str]:
        return self._read(reads.endpoints)

    def enforcement_counts(
        self, endpoint: str, *, coordinate: str | None = None, since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> list[reads.EnforcementCount]:
        """Operations refused (no new adopters, brownouts) or previewed, per coordinate, kind and client."""
        return self._read(reads.enforcement_counts, endpoint, coordinate=coordinate, since=since, until=until)

    # --- the served schema -------------------------------------------------------------------------

    def register_schema(self, endpoint: str, schema: Any, *, today: dt.date | None = None) -> bool:
        """Record ``schema`` (Strawberry, graphql-core or SDL) as what ``endpoint`` serves, for whole-schema
        usage (:mod:`~gqlevolve.usage_store.schema_registry`); False when it is already the one registered."""
        check_endpoint(endpoint)
        return self._write(schema_registry.register_schema, endpoint, schema, today=today or self.clock.today())

    # --- deprecation records ----------------------------------------------------------------------

    def register_deprecations(
        self,
        endpoint: str,
        records_: Iterable[Deprecation],
        *,
        actor: str = "gqlevolve",
        today: dt.date | None = None,
    ) -> list[Deprecation]:
        """Insert the schema's records that the store lacks, fill empty fields; the store wins otherwise.

        A record without ``deprecated_on`` is deprecated from ``today`` (the day it was first seen; default: the
        store's clock).
        """
        return self._write(
            records.register_deprecations, endpoint, list(records_), actor=actor,
            today=today or self.clock.today(), now=self.clock.now(),
        )

    def deprecations(self, endpoint: str | None = None) -> list[records.StoredDeprecation]:
        return self._read(records.list_deprecations, endpoint)

    def update_deprecation(
        self,
        endpoint: str,
        coordinate: str,
        changes: Mapping[str, object],
        *,
        actor: str,
        why: str | None = None,
        create: bool = False,
    ) -> Deprecation:
        """Change fields of a record (one audit entry per changed field); ``LookupError`` if absent."""
        return self._write(
            records.update_deprecation, endpoint, coordinate, changes, actor=actor, why=why, create=create,
            now=self.clock.now(),
        )

    def delete_deprecation(self, endpoint: str, coordinate: str, *, actor: str, why: str) -> Deprecation:
        """Delete a record (audited: ``record: exists -> deleted`` and the values it had); ``LookupError`` if absent.

        An endpoint that nothing else references (no traffic, not watched, no other record) is no longer listed
        by :meth:`endpoints` afterwards; its audit entries stay.
        """
        return self._write(records.delete_deprecation, endpoint, coordinate, actor=actor, why=why, now=self.clock.now())

    def version_enforcement(self, endpoint: str | None = None) -> list[records.VersionEnforcement]:
        """Whole versions' enforcement set through the store (brownout windows, no new adopters)."""
        return self._read(records.list_version_enforcement, endpoint)

    def update_version_enforcement(
        self, endpoint: str, changes: Mapping[str, object], *, actor: str, why: str
    ) -> records.VersionEnforcement:
        """Set a whole version's ``refuse_new_adopters`` / ``brownouts`` (audited under the endpoint's path)."""
        return self._write(
            records.update_version_enforcement, endpoint, changes, actor=actor, why=why, now=self.clock.now()
        )

    def audit_log(self, endpoint: str | None = None, coordinate: str | None = None) -> list[records.AuditEntry]:
        """Audit entries (every change to a record, field by field, with who and why), oldest first."""
        return self._read(records.audit_log, endpoint, coordinate)

    # --- retention --------------------------------------------------------------------------------

    def prune(self, older_than_days: int = DEFAULT_RETENTION_DAYS) -> PruneResult:
        """Delete usage and totals older than ``older_than_days`` (never the deprecation records or their audit)."""
        return self._write(prune, older_than_days=older_than_days, now=self.clock.now())

