"""``UsageStore``: where deprecation usage is counted, and where deprecation records live.

Two ways to count an operation:

- :meth:`UsageStore.record_buffered` (the request path): one addition to an in-memory inbox keyed by the
  arguments as given, no I/O, never raises. A daemon thread drains the inbox into the recorder's counters every
  second (validating, cleaning client names, capping clients: once per distinct key, not per request) and
  flushes the counters every ``flush_interval`` seconds as upserts;
  :meth:`~UsageStore.flush` and :meth:`~UsageStore.close` drain and flush at once (and so does the process
  exit, SIGTERM included).
- :meth:`UsageStore.record_operation` (imports, backfills, tests): written straight through, errors raised.

If the store cannot be reached (at construction or later), counts stay in memory, bounded by ``max_pending``
distinct keys, and are written in full once it answers. A flush is one transaction; a batch whose commit was
in doubt is checked against the ``flush_ledger`` before it is sent again, so nothing is counted twice.

Example::

    store = UsageStore("sqlite:///gqlevolve.db")
    store.watch("/api/v1/graphql")
    store.record_buffered("/api/v1/graphql", frozenset({"User.name"}), client_name="web", client_version="1.4")
    store.flush()
    store.daily_usage("/api/v1/graphql", "User.name")    # [DailyUsage(day=..., operations=1, total=1)]
    store.close()
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gqlevolve.clock import SYSTEM_CLOCK, Clock, clock_of
from gqlevolve.lifecycle import Deprecation
from gqlevolve.usage_store import deprecations as records
from gqlevolve.usage_store import reads, shutdown
from gqlevolve.usage_store.clients import ClientLimiter, clean_client_name, clean_client_version
from gqlevolve.usage_store.engine import create_store_engine, is_sqlite
from gqlevolve.usage_store.recorder import Batch, Recorder
from gqlevolve.usage_store.retention import DEFAULT_RETENTION_DAYS, PruneResult, prune
from gqlevolve.usage_store.schema import check_revision, current_revision, upgrade
from gqlevolve.usage_store.signatures import SignatureCache, coordinate_set
from gqlevolve.usage_store.tables import ENDPOINT_LENGTH, UNKNOWN_CLIENT
from gqlevolve.usage_store.urls import parse_store_url, redacted
from gqlevolve.usage_store.writer import committed_batch, write_batch

__all__ = ["StoreStats", "UsageStore"]

logger = logging.getLogger("gqlevolve.usage_store")

_NAME_CACHE_SIZE = 10_000

#: How often the flusher thread drains the inbox into counters (seconds), whatever ``flush_interval`` is.
INBOX_DRAIN_INTERVAL = 1.0
#: An inbox with this many distinct keys is drained by the request that finds it so (the flusher is behind).
INBOX_DRAIN_SIZE = 50_000

# The inbox's key: the arguments of record_buffered as given (endpoint, coordinates, client name and version, day).
_InboxKey = tuple[object, object, object, object, object]


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What the recorder holds and what it has done (for monitoring, and for tests)."""

    #: Distinct counter keys waiting to be written (bounded by ``max_pending``).
    pending_keys: int
    #: Operations waiting to be written (including a batch whose commit is in doubt).
    pending_operations: int
    #: Operations lost because the buffer was full while the store was unreachable.
    dropped: int
    #: Operations ``record_buffered`` refused because its arguments were invalid (logged).
    rejected: int
    #: Operations written by flushes since the store was created.
    flushed_operations: int
    failed_flushes: int
    last_error: str | None
    #: Whether the store has been reached and its schema checked.
    ready: bool


class UsageStore:
    """The usage store on SQLite (the default) or PostgreSQL.

    ``url`` is checked at once (:class:`~gqlevolve.usage_store.urls.InvalidStoreURL`, a ``ValueError``).
    ``migrate``: ``True`` upgrades the schema to the latest revision; ``None`` (the default) does so only for a
    SQLite file without a schema (a new one); ``False`` never. A database at another revision than the code's
    raises :class:`~gqlevolve.usage_store.schema.StoreSchemaError` here, at construction; an unreachable one
    does not raise: the store retries at every flush, and counts wait in memory.
    ``clock``: where "today" comes from (:mod:`gqlevolve.clock`); the extension, the advisor, the reports and
    the interfaces built on this store use it too.
    """

    def __init__(
        self,
        url: str | sa.URL,
        *,
        flush_interval: float = 5.0,
        max_pending: int = 100_000,
        max_clients_per_day: int = 1_000,
        migrate: bool | None = None,
        handle_shutdown: bool = True,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not flush_interval > 0:
            raise ValueError(f"flush_interval must be a positive number of seconds, not {flush_interval!r}")
        self.url = parse_store_url(url)
        #: Every date the store writes (usage days, first-seen, audit times, retention) and its readers use.
        self.clock: Clock = clock_of(clock)
        self.flush_interval = float(flush_interval)
        self.engine: sa.Engine = create_store_engine(self.url)
        self._migrate = migrate
        self._recorder = Recorder(max_pending)
        # The request path only adds to these; draining validates and counts them off that path. Keeping one
        # entry per distinct key (not one per request) also keeps the garbage collector's old generation small.
        self._inbox: dict[_InboxKey, int] = {}
        self._inbox_lock = threading.Lock()
        # Observations whose arguments cannot be a dictionary key (a list of coordinates), validated at draining.
        self._odd_inbox: deque[tuple[_InboxKey, object]] = deque()
        self._clients = ClientLimiter(max_clients_per_day)
        self._signatures = SignatureCache()
        self._names: dict[object, str] = {}
        self._versions: dict[object, str] = {}

        # Flushing: one at a time; re-entrant because a signal may interrupt a flush in the main thread.
        self._flush_lock = threading.RLock()
        self._writer_id = uuid.uuid4().hex
        self._batch_number = 0
        self._in_doubt: tuple[int, Batch] | None = None
        self._written_signatures: set[str] = set()
        self._watched: dict[str, dt.date | None] = {}
        self._ready = False
        self._flushed_operations = 0
        self._failed_flushes = 0
        self._rejected = 0
        self._last_error: str | None = None

        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self._closed = False

        try:
            self._prepare()
        except sa.exc.OperationalError as error:  # cannot connect: not an error yet, counts will wait
            self._last_error = _describe(error)
            logger.warning(
                "the usage store at %s is unreachable (%s); counting in memory until it answers",
                redacted(self.url), self._last_error,
            )
        except BaseException:  # a wrong schema revision: refuse the store, release its connections
            self.engine.dispose()
            raise
        if handle_shutdown:
            shutdown.register(self)

    def __repr__(self) -> str:
        return f"UsageStore({redacted(self.url)!r})"

    def __enter__(self) -> UsageStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------------------------

    def _prepare(self) -> None:
        """Reach the database, migrate it as configured, check its revision (once)."""
        if self._ready:
            return
        with self._flush_lock:
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
    ) -> None:
        """Count ``count`` operations at once, in their own transaction (raises if the store fails)."""
        batch = Batch()
        self._count(batch.add, endpoint, coordinates, client_name, client_version, when, count)
        self._prepare()
        with self.engine.begin() as connection:
            write_batch(connection, batch, known_signatures=self._written_signatures, now=self.clock.now())
        self._written_signatures.update(batch.signatures)

    def record_buffered(
        self,
        endpoint: str,
        coordinates: Iterable[str],
        *,
        client_name: str | None = None,
        client_version: str | None = None,
        operation_name: str | None = None,
        when: dt.date | dt.datetime | None = None,
        count: int = 1,
    ) -> None:
        """Count ``count`` operations in memory (the request path): no I/O, never raises.

        The arguments go into an inbox as given; draining it (every second, in the flusher thread) validates
        and aggregates them, so invalid arguments are logged and counted in ``stats().rejected`` rather than
        raised. The day is taken now (``when``, else today in UTC), not at draining.
        ``coordinates`` is best a frozenset the caller caches per operation: its signature is cached by it.
        ``operation_name`` is accepted and not stored (see :mod:`~gqlevolve.usage_store.signatures`).
        """
        key = (endpoint, coordinates, client_name, client_version, self.clock.today() if when is None else _day_of(when))
        try:
            if type(count) is not int or count < 1:
                raise TypeError  # an invalid count is validated (and rejected) with the odd ones
            with self._inbox_lock:
                inbox = self._inbox
                inbox[key] = inbox.get(key, 0) + count
                full = len(inbox) >= INBOX_DRAIN_SIZE
        except TypeError:
            self._odd_inbox.append((key, count))
            full = False
        if full:
            self._drain_inbox()
        if self._flusher is None and not self._closed:
            self.start()

    def _drain_inbox(self) -> None:
        """Count what waits in the inbox into the recorder, once per distinct key."""
        with self._inbox_lock:
            inbox, self._inbox = self._inbox, {}
        observations: list[tuple[_InboxKey, object]] = list(inbox.items())
        while self._odd_inbox:
            try:
                observations.append(self._odd_inbox.popleft())
            except IndexError:
                break
        for (endpoint, coordinates, name, version, when), count in observations:
            try:
                self._count(self._add_buffered, endpoint, coordinates, name, version, when, count)
            except Exception as error:  # bad arguments: the request that sent them did not fail for it
                valid_count = isinstance(count, int) and not isinstance(count, bool) and count > 0
                with self._recorder.lock:
                    self._rejected += count if valid_count else 1
                logger.warning("usage not recorded: %s", error)

    def _add_buffered(self, total_key: tuple, usage_key: tuple | None, coordinates: frozenset[str], count: int) -> None:
        endpoint, day, name, version = total_key
        self._recorder.add(endpoint, day, name, version, None if usage_key is None else usage_key[4], coordinates, count)

    def _count(
        self,
        add: Any,
        endpoint: str,
        coordinates: Iterable[str],
        client_name: object,
        client_version: object,
        when: dt.date | dt.datetime | None,
        count: int,
    ) -> None:
        """Validate and normalise one observation, then hand its keys to ``add`` (under the recorder's lock)."""
        if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_LENGTH:
            raise ValueError(f"an endpoint is a non-empty string of at most {ENDPOINT_LENGTH} characters, not {endpoint!r:.80}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be a positive whole number, not {count!r}")
        coordinates = coordinate_set(coordinates)
        signature = self._signatures.signature_of(coordinates) if coordinates else None
        day = self.clock.today() if when is None else _utc_day(when)
        name = self._clean(self._names, client_name, clean_client_name)
        version = self._clean(self._versions, client_version, clean_client_version)
        with self._recorder.lock:
            name, version = self._clients.admit(endpoint, day, name, version)
            total_key = (endpoint, day, name, version)
            add(total_key, None if signature is None else (*total_key, signature), coordinates, count)

    @staticmethod
    def _clean(cache: dict[object, str], value: object, clean: Any) -> str:
        if value is None:
            return UNKNOWN_CLIENT
        try:
            return cache[value]
        except KeyError:
            if len(cache) >= _NAME_CACHE_SIZE:
                cache.clear()
            cleaned = cache[value] = clean(value)
            return cleaned
        except TypeError:  # unhashable
            return clean(value)

    def watch(self, endpoint: str) -> None:
        """``endpoint`` is being observed: each flush makes sure today has a total (0 without traffic)."""
        if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_LENGTH:
            raise ValueError(f"an endpoint is a non-empty string of at most {ENDPOINT_LENGTH} characters, not {endpoint!r:.80}")
        with self._flush_lock:
            self._watched.setdefault(endpoint, None)
        if not self._closed:
            self.start()

    # --- flushing ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background flusher (idempotent; ``record_buffered`` and ``watch`` call it)."""
        with self._state_lock:
            if self._closed or (self._flusher is not None and self._flusher.is_alive()):
                return
            self._stop.clear()
            self._flusher = threading.Thread(target=self._run_flusher, name="gqlevolve-usage-flusher", daemon=True)
            self._flusher.start()

    def _run_flusher(self) -> None:
        next_flush = time.monotonic() + self.flush_interval
        while not self._stop.wait(min(INBOX_DRAIN_INTERVAL, self.flush_interval)):
            if time.monotonic() >= next_flush:
                self.flush()
                next_flush = time.monotonic() + self.flush_interval
            else:
                self._drain_inbox()

    def flush(self) -> int:
        """Write what the recorder holds; returns the operations written (0, and nothing lost, if the store is down)."""
        self._drain_inbox()
        with self._flush_lock:
            batch = self._recorder.take()
            today = self.clock.today()
            for endpoint, day in self._watched.items():
                if day != today:
                    batch.totals.setdefault((endpoint, today, UNKNOWN_CLIENT, UNKNOWN_CLIENT), 0)
            if not batch.totals and self._in_doubt is None:
                return 0
            try:
                self._prepare()
                connection = self.engine.connect()
            except BaseException as error:
                self._recorder.put_back(batch)
                self._flush_failed(error)
                if not isinstance(error, Exception):
                    raise
                return 0
            number: int | None = None
            try:
                with connection:
                    if self._in_doubt is not None:
                        batch = self._resolve_in_doubt(connection, batch)
                    self._batch_number += 1
                    number = self._batch_number
                    with connection.begin():
                        write_batch(
                            connection, batch, known_signatures=self._written_signatures,
                            ledger=(self._writer_id, number), now=self.clock.now(),
                        )
            except BaseException as error:
                if number is None:  # nothing of this batch was sent
                    self._recorder.put_back(batch)
                else:  # sent: it may or may not have been committed; the ledger will tell
                    self._in_doubt = (number, batch)
                self._flush_failed(error)
                if not isinstance(error, Exception):
                    raise
                return 0
            self._written_signatures.update(batch.signatures)
            for endpoint in self._watched:
                self._watched[endpoint] = today
            written = batch.operations
            self._flushed_operations += written
            if self._last_error is not None:
                logger.info("the usage store at %s answers again", redacted(self.url))
                self._last_error = None
            return written

    def _resolve_in_doubt(self, connection: sa.Connection, batch: Batch) -> Batch:
        """Merge the batch whose commit was in doubt into ``batch`` unless the ledger shows it was committed."""
        assert self._in_doubt is not None
        number, doubtful = self._in_doubt
        with connection.begin():
            committed = committed_batch(connection, self._writer_id)
        if committed is None or committed < number:
            batch.merge(doubtful)
        self._in_doubt = None
        return batch

    def _flush_failed(self, error: BaseException) -> None:
        self._failed_flushes += 1
        description = _describe(error)
        if description != self._last_error:
            logger.warning("flushing usage to %s failed (%s); counts are kept", redacted(self.url), description)
        self._last_error = description

    def close(self) -> None:
        """Stop the flusher, flush, release the connections (idempotent)."""
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
            flusher = self._flusher
        self._stop.set()
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join()
        self.flush()
        stats = self.stats()
        if stats.pending_operations:
            logger.error(
                "closing the usage store at %s with %d operations not written (%s)",
                redacted(self.url), stats.pending_operations, stats.last_error,
            )
        self.engine.dispose()

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> StoreStats:
        self._drain_inbox()
        recorder = self._recorder.stats()
        in_doubt = self._in_doubt
        return StoreStats(
            pending_keys=recorder.pending_keys + (len(in_doubt[1]) if in_doubt else 0),
            pending_operations=recorder.pending_operations + (in_doubt[1].operations if in_doubt else 0),
            dropped=recorder.dropped,
            rejected=self._rejected,
            flushed_operations=self._flushed_operations,
            failed_flushes=self._failed_flushes,
            last_error=self._last_error,
            ready=self._ready,
        )

    # --- reading ----------------------------------------------------------------------------------

    def _read(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._prepare()
        with self._reading() as connection, connection.begin():
            return query(connection, *args, **kwargs)

    def _write(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        self._prepare()
        with self.engine.begin() as connection:
            return command(connection, *args, **kwargs)

    def daily_usage(
        self, endpoint: str, coordinate: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[reads.DailyUsage]:
        """Per UTC day for which ``endpoint`` has data: operations that referenced ``coordinate``, all operations."""
        return self._read(reads.daily_usage, endpoint, coordinate, since=since, until=until)

    def daily_totals(
        self, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> dict[dt.date, int]:
        return self._read(reads.daily_totals, endpoint, since=since, until=until)

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

    def endpoints(self) -> list[str]:
        return self._read(reads.endpoints)

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

    def audit_log(self, endpoint: str | None = None, coordinate: str | None = None) -> list[records.AuditEntry]:
        """Audit entries (every change to a record, field by field, with who and why), oldest first."""
        return self._read(records.audit_log, endpoint, coordinate)

    # --- retention --------------------------------------------------------------------------------

    def prune(self, older_than_days: int = DEFAULT_RETENTION_DAYS) -> PruneResult:
        """Delete usage and totals older than ``older_than_days`` (never the deprecation records or their audit)."""
        return self._write(prune, older_than_days=older_than_days, now=self.clock.now())


def _utc_day(when: dt.date | dt.datetime) -> dt.date:
    if isinstance(when, dt.datetime):
        # A naive datetime is taken as UTC.
        return when.astimezone(dt.timezone.utc).date() if when.tzinfo else when.date()
    if isinstance(when, dt.date):
        return when
    raise ValueError(f"when must be a date or a datetime, not {when!r}")


def _day_of(when: object) -> object:
    """``when``'s UTC day for the inbox key (so that datetimes of one day share a key); never raises."""
    if type(when) is dt.date:
        return when
    try:
        return _utc_day(when)  # type: ignore[arg-type]
    except Exception:  # invalid: kept as given, and rejected when the inbox is drained
        return when


def _describe(error: BaseException) -> str:
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        return f"{type(error.orig).__name__}: {str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ''}"
    return f"{type(error).__name__}: {error}"
