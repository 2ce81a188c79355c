"""The flusher: a store's background thread, and each flush of its counters as one transaction.

The thread drains the inbox (:class:`~gqlevolve.usage_store.buffer.ObservationBuffer`) every second
(:data:`INBOX_DRAIN_INTERVAL`) and flushes every ``interval`` seconds. A flush takes the recorder's counters
as a :class:`~gqlevolve.usage_store.recorder.Batch` (with a total of 0 for today on every watched endpoint that
has none yet) and writes it in one transaction, recorded in the ``flush_ledger`` under this flusher's writer id
and a batch number. Nothing is lost and nothing is counted twice:

- the store cannot be reached, or the transaction fails before its COMMIT is sent: nothing of the batch can have
  been committed, so it goes back into the recorder, and the next flush tries again;
- the COMMIT was sent but its answer was lost: the batch is kept *in doubt*. The next flush locks this writer's
  ledger row first (a COMMIT still on its way holds it) and reads which batch it last committed: a batch the
  ledger counts is done (and counted in ``flushed_operations``), any other is written again with the new one.

A flush never hangs: its transaction has a statement timeout and a lock timeout, and a guard aborts a connection
that answers nothing (:class:`~gqlevolve.usage_store.engine.StatementGuard`, :class:`WriteTimeouts`). After a
failure that may be tied to the connection (a read-only database, a disk I/O error, a lost or aborted
connection), the pool is emptied (``engine.dispose()``) and the next flush opens a new connection.

:meth:`Flusher.close` returns within ``close_timeout`` seconds: it stops the thread, flushes a last time with the
time left (a flush still running in the thread is cut at the same deadline), and appends whatever it could not
write to the store's spill file (:mod:`~gqlevolve.usage_store.spill`): the counts of the recorder, each batch in
doubt and a batch still being sent (both with their ledger entry, so that one whose COMMIT lands after all is
not written twice). A flusher with a spill file writes what an earlier run spilled (:meth:`replay`; the store
calls it at start, and each flush does while the file is there).

A ``KeyboardInterrupt`` or ``SystemExit`` (SIGTERM, see :mod:`~gqlevolve.usage_store.shutdown`) during a flush is
handled like any failure, then let through.

Example (``UsageStore`` builds and drives it): one flush writes what the inbox and the recorder hold, and gives a
watched endpoint without traffic its total of 0 for today:

    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.engine import create_store_engine
    >>> from gqlevolve.usage_store.urls import parse_store_url
    >>> UsageStore(store_url, clock=clock, handle_shutdown=False).close()     # creates the store's schema
    >>> url = parse_store_url(store_url)
    >>> recorder = Recorder(max_pending=100_000)
    >>> buffer = ObservationBuffer(recorder, clock, max_clients_per_day=1_000)
    >>> flusher = Flusher(create_store_engine(url), url, clock, buffer, recorder, prepare=lambda: None,
    ...                   interval=60.0, timeouts=WriteTimeouts(statement=5.0, lock=3.0), close_timeout=5.0)
    >>> flusher.watch("/api/v2/graphql")
    >>> buffer.add("/api/v1/graphql", frozenset({"User.name"}), "web", "1.4", None, 2)
    False
    >>> flusher.flush(), flusher.flushed_operations, flusher.failed_flushes      # the operations written
    (2, 2, 0)
    >>> with UsageStore(store_url, clock=clock, handle_shutdown=False) as store:
    ...     store.daily_totals("/api/v2/graphql", since=clock.today())
    {datetime.date(2026, 11, 21): 0}
    >>> flusher.close()         # stop the thread, flush a last time, spill the rest: within 5 s
    True
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from gqlevolve.clock import Clock
from gqlevolve.usage_store.buffer import ObservationBuffer
from gqlevolve.usage_store.engine import StatementGuard, WriteTimeouts, bounded, connection_may_be_broken
from gqlevolve.usage_store.operation_writer import SeenSpans, Span, SpanKey
from gqlevolve.usage_store.recorder import Batch, Recorder
from gqlevolve.usage_store.spill import SpillFile, SpillRecord
from gqlevolve.usage_store.tables import UNKNOWN_CLIENT
from gqlevolve.usage_store.urls import redacted
from gqlevolve.usage_store.writer import lock_ledger, write_batch, write_spilled_batches

__all__ = ["DEFAULT_CLOSE_TIMEOUT", "INBOX_DRAIN_INTERVAL", "Flusher", "describe_error"]

logger = logging.getLogger("gqlevolve.usage_store")

#: How often the flusher thread drains the inbox into counters (seconds), whatever the flush interval is.
INBOX_DRAIN_INTERVAL = 1.0

#: How long :meth:`Flusher.close` may take by default (seconds): well within the 10 s that ``docker stop`` and
#: Kubernetes (30 s) leave between SIGTERM and SIGKILL.
DEFAULT_CLOSE_TIMEOUT = 5.0

#: The part of the close timeout kept for writing the spill file (at most; a fifth of a shorter timeout).
SPILL_RESERVE_S = 0.5

#: A batch number, and its counts.
_Numbered = tuple[int, Batch]


class FlushAbandoned(RuntimeError):
    """The flusher was closed while this flush waited: what it holds is in the spill file."""


@dataclass(eq=False)
class _Attempt:
    """One flush transaction: a new batch, and the batches in doubt when it started."""

    number: int
    batch: Batch
    today: dt.date
    doubts: list[_Numbered]
    #: Whether the ledger was read (``committed`` and ``rewritten`` are then known).
    resolved: bool = False
    committed: list[_Numbered] = field(default_factory=list)
    rewritten: list[_Numbered] = field(default_factory=list)
    #: Whether the COMMIT may have been sent (its outcome is then in doubt if it failed).
    commit_sent: bool = False
    #: The ``coordinate_seen`` spans the store covers once this transaction has committed.
    learned: dict[SpanKey, Span] = field(default_factory=dict)

    def resolve(self, last_committed: int) -> Batch:
        """Sort the doubts by the ledger; what this transaction writes: the batch and the doubts not committed."""
        self.committed = [doubt for doubt in self.doubts if doubt[0] <= last_committed]
        self.rewritten = [doubt for doubt in self.doubts if doubt[0] > last_committed]
        self.resolved = True
        if not self.rewritten:
            return self.batch
        combined = Batch()
        for batch in (self.batch, *(doubtful for _, doubtful in self.rewritten)):
            combined.merge(batch)
        return combined


class Flusher:
    """The thread that drains and flushes one store's counters, and the flush transaction itself."""

    def __init__(
        self,
        engine: sa.Engine,
        url: sa.URL,
        clock: Clock,
        buffer: ObservationBuffer,
        recorder: Recorder,
        *,
        prepare: Callable[[], None],
        interval: float,
        timeouts: WriteTimeouts | None = None,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        spill: SpillFile | None = None,
        known_signatures: set[str] | None = None,
        seen: SeenSpans | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self.clock = clock
        self.buffer = buffer
        self.recorder = recorder
        self.prepare = prepare  # reach the database and check its schema (once); raises while it cannot
        self.interval = interval
        self.timeouts = timeouts or WriteTimeouts()
        self.close_timeout = close_timeout
        self.spill = spill
        #: One flush at a time; re-entrant because a signal may interrupt a flush in the main thread.
        self.lock = threading.RLock()
        self.writer_id = uuid.uuid4().hex
        self._batch_number = 0
        #: Batches whose COMMIT was sent but not answered, with their numbers in the ledger.
        self.in_doubt: list[_Numbered] = []
        #: Signatures whose coordinates are in the store already (not written again); the store's straight-through
        #: writes share the set.
        self.written_signatures: set[str] = known_signatures if known_signatures is not None else set()
        #: The ``coordinate_seen`` spans the store is known to cover (not written again); shared like the signatures.
        self.seen: SeenSpans = seen if seen is not None else SeenSpans()
        self._watched: dict[str, dt.date | None] = {}  # endpoint -> the last day a flush gave it a total
        #: Operations the store holds thanks to this flusher's batches (a batch in doubt once the ledger counts it).
        self.flushed_operations = 0
        #: Operations an earlier run spilled that this flusher wrote; operations this one spilled at close.
        self.replayed_operations = 0
        self.spilled_operations = 0
        #: Where :meth:`close` spilled what it could not write (None: nothing spilled).
        self.spill_path: Path | None = None
        self.failed_flushes = 0
        self.last_error: str | None = None
        # Guards the state a flush's outcome changes (recorder hand-over, in_doubt, the attempt under way), which
        # close() reads when it must give up on a flush that does not finish.
        self._outcome_lock = threading.Lock()
        self._attempt: _Attempt | None = None
        self._guard: StatementGuard | None = None
        self._abandoned = False
        #: The last write failed in a way that may be tied to its connection: open new ones before the next.
        self._reconnect = False
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: True once the thread was started or the flusher closed: all ``record_buffered`` checks.
        self.started = False
        self.closed = False

    # --- the thread -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread (idempotent; not after :meth:`close`)."""
        with self._state_lock:
            if self.closed or (self._thread is not None and self._thread.is_alive()):
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="gqlevolve-usage-flusher", daemon=True)
            self._thread.start()
            self.started = True

    def _run(self) -> None:
        next_flush = time.monotonic() + self.interval
        while not self._stop.wait(min(INBOX_DRAIN_INTERVAL, self.interval)):
            if time.monotonic() >= next_flush:
                self.flush()
                next_flush = time.monotonic() + self.interval
            else:
                self.buffer.drain()

    def close(self, timeout: float | None = None) -> bool:
        """Stop the thread, flush a last time, spill what could not be written; False if closed already.

        Returns within ``timeout`` seconds (default: ``close_timeout``), plus the time to append to the spill file.
        """
        budget = self.close_timeout if timeout is None else max(0.0, float(timeout))
        deadline = time.monotonic() + budget
        with self._state_lock:
            if self.closed:
                return False
            self.closed = self.started = True
            thread = self._thread
        self._stop.set()
        reserve = min(SPILL_RESERVE_S, budget / 5)
        # The last flush gives up at flush_deadline (its timeouts are cut to it, a statement still running then is
        # aborted); close() waits a little longer for it to unwind before it gives up on it.
        flush_deadline = deadline - reserve
        guard = self._guard
        if guard is not None:  # a flush under way in the thread: cut it at the same deadline
            guard.limit(flush_deadline)
        if thread is threading.current_thread():
            thread = None
        # The last flush runs in a thread of its own, so that close() can give up on it at the deadline whatever
        # it waits for (a connection, a lock, a server that answers nothing).
        last = threading.Thread(
            target=self._last_flush, args=(thread, flush_deadline), name="gqlevolve-usage-close", daemon=True
        )
        last.start()
        last.join(max(0.0, flush_deadline + reserve / 2 - time.monotonic()))
        self._spill_rest(abandon=last.is_alive())
        return True

    def _last_flush(self, thread: threading.Thread | None, deadline: float) -> None:
        if thread is not None:
            thread.join()
        self.flush(deadline=deadline)

    def watch(self, endpoint: str) -> None:
        """Give ``endpoint`` a total for every day a flush runs (0 without traffic)."""
        with self._outcome_lock:
            self._watched.setdefault(endpoint, None)

    def pending(self) -> tuple[int, int]:
        """(keys, operations) in batches in doubt or being sent (the recorder holds the rest)."""
        with self._outcome_lock:
            batches = [batch for _, batch in self.in_doubt]
            if self._attempt is not None:
                batches.append(self._attempt.batch)
        return sum(len(batch) for batch in batches), sum(batch.operations for batch in batches)

    # --- one flush ------------------------------------------------------------------------------

    def flush(self, *, deadline: float | None = None) -> int:
        """Write what the recorder holds; the operations written (0, and nothing lost, if the store is down).

        ``deadline`` (monotonic time): give up then (what was not written stays, or goes into the spill file).
        """
        self.buffer.drain()
        with self.lock:
            if self._abandoned or (deadline is not None and time.monotonic() >= deadline):
                return 0
            replay = self.spill is not None and self.spill.pending()
            attempt = self._start_attempt()
            if attempt is None and not replay:
                return 0
            try:
                self.prepare()
                if replay:
                    self._replay(deadline)
                if attempt is not None:
                    self._send(attempt, deadline)
            except BaseException as error:
                self._attempt_failed(attempt, error)
                if not isinstance(error, Exception):
                    raise
                return 0
            return 0 if attempt is None else self._attempt_succeeded(attempt)

    def _start_attempt(self) -> _Attempt | None:
        with self._outcome_lock:
            today = self.clock.today()
            batch = self._batch_for(today)
            if not batch.totals and not self.in_doubt:
                return None
            self._batch_number += 1
            attempt = _Attempt(self._batch_number, batch, today, list(self.in_doubt))
            self._attempt = attempt
            return attempt

    def _batch_for(self, today: dt.date) -> Batch:
        """The recorder's counters, and a total for today on each watched endpoint that has none yet."""
        batch = self.recorder.take()
        for endpoint, day in self._watched.items():
            if day != today:
                batch.totals.setdefault((endpoint, today, UNKNOWN_CLIENT, UNKNOWN_CLIENT), 0)
        return batch

    def _send(self, attempt: _Attempt, deadline: float | None) -> None:
        """The attempt's transaction: lock the ledger row, sort the doubts, write, commit."""
        now = self.clock.now()
        with StatementGuard(self.timeouts, deadline=deadline) as guard:
            self._guard = guard
            try:
                with self._connect(deadline) as connection:
                    if self._abandoned:
                        raise FlushAbandoned("the store was closed while this flush waited")
                    with connection.begin():
                        to_write = attempt.resolve(lock_ledger(connection, self.writer_id, now=now))
                        attempt.learned = write_batch(
                            connection, to_write, known_signatures=self.written_signatures, seen=self.seen,
                            ledger=(self.writer_id, attempt.number), now=now,
                        )
                        attempt.commit_sent = True  # the block's end sends the COMMIT
            finally:
                self._guard = None

    def _attempt_succeeded(self, attempt: _Attempt) -> int:
        with self._outcome_lock:
            if self._attempt is attempt:
                self._attempt = None
            if self._abandoned:  # spilled meanwhile, as in doubt: the ledger tells the replay it is written
                return 0
            self.in_doubt = []
            written = attempt.batch.operations + sum(batch.operations for _, batch in attempt.rewritten)
            self.flushed_operations += written + sum(batch.operations for _, batch in attempt.committed)
            for _, batch in [(attempt.number, attempt.batch), *attempt.rewritten]:
                self.written_signatures.update(batch.signatures)
                self.written_signatures.update(batch.shapes)
            self.seen.learn(attempt.learned)
            for endpoint in self._watched:
                self._watched[endpoint] = attempt.today
        if self.last_error is not None:
            logger.info("the usage store at %s answers again", redacted(self.url))
            self.last_error = None
        return written

    def _attempt_failed(self, attempt: _Attempt | None, error: BaseException) -> None:
        with self._outcome_lock:
            if attempt is not None and self._attempt is attempt:
                self._attempt = None
            if attempt is not None and not self._abandoned:
                still_in_doubt = attempt.doubts
                if attempt.resolved:  # what the ledger said holds whatever became of this transaction
                    still_in_doubt = attempt.rewritten
                    self.flushed_operations += sum(batch.operations for _, batch in attempt.committed)
                if attempt.commit_sent:
                    self.in_doubt = [*still_in_doubt, (attempt.number, attempt.batch)]
                else:  # nothing of this transaction was committed
                    self.in_doubt = list(still_in_doubt)
                    self.recorder.put_back(attempt.batch)
        self.failed_flushes += 1
        self._failed("flushing usage to", error)

    def _failed(self, what: str, error: BaseException) -> None:
        description = describe_error(error)
        if description != self.last_error:  # once per kind of failure, not at every flush
            logger.warning("%s %s failed (%s); counts are kept", what, redacted(self.url), description)
        self.last_error = description
        if connection_may_be_broken(error):
            # A connection opened while the file was read-only stays read-only; one whose server answered nothing
            # is of no more use: the next attempt opens new ones (and drops the pool again before it starts, in
            # case a read put a connection opened meanwhile back into the pool).
            self.engine.dispose()
            self._reconnect = True

    def _connect(self, deadline: float | None) -> sa.Connection:
        """A bounded connection for one write (from a new pool after a failure that may be the connection's);
        its timeouts end by ``deadline`` (monotonic time)."""
        if self._reconnect:
            self._reconnect = False
            self.engine.dispose()
        timeouts = self.timeouts
        if deadline is not None:
            left = max(0.05, deadline - time.monotonic())
            timeouts = WriteTimeouts(statement=min(timeouts.statement, left), lock=min(timeouts.lock, left))
        return bounded(self.engine.connect(), timeouts)

    # --- spilled counts ---------------------------------------------------------------------------

    def replay(self) -> int:
        """Write what an earlier run spilled for this store, if anything; the operations written."""
        if self.spill is None or not self.spill.pending():
            return 0
        with self.lock:
            return 0 if self._abandoned else self._replay(None)

    def _replay(self, deadline: float | None) -> int:
        assert self.spill is not None
        written = 0
        for path, records in self.spill.read():
            if records:
                try:
                    operations = self._write_spilled(records, deadline)
                except Exception as error:
                    self._failed(f"writing the usage spilled in {path} to", error)
                    return written
                logger.info("wrote %d operations spilled by an earlier run from %s", operations, path)
                written += operations
            try:
                self.spill.forget(path, {record.id for record in records})
            except OSError as error:  # written: a later replay finds them in the ledger and skips them
                logger.error("cannot remove the written records from the spill file %s: %s", path, error)
        return written

    def _write_spilled(self, records: list[SpillRecord], deadline: float | None) -> int:
        now = self.clock.now()
        with StatementGuard(self.timeouts, deadline=deadline) as guard:
            self._guard = guard
            try:
                with self._connect(deadline) as connection, connection.begin():
                    written, learned = write_spilled_batches(
                        connection, [(record.batch, record.id, record.in_doubt) for record in records], now=now,
                        known_signatures=self.written_signatures, seen=self.seen,
                    )
            finally:
                self._guard = None
        operations = sum(record.batch.operations for record, done in zip(records, written, strict=True) if done)
        self.seen.learn(learned)
        for record in records:
            self.written_signatures.update(record.batch.signatures)
            self.written_signatures.update(record.batch.shapes)
        self.replayed_operations += operations
        return operations

    def _spill_rest(self, *, abandon: bool) -> None:
        """At close: append what is not written to the spill file (``abandon``: a flush is still under way)."""
        if abandon:
            logger.warning(
                "the last flush to %s did not finish within the close timeout (%.1f s)",
                redacted(self.url), self.close_timeout,
            )
        self.buffer.drain()
        with self._outcome_lock:
            if abandon:
                self._abandoned = True  # the flush under way changes nothing any more: its batch is spilled
            in_doubt = list(self.in_doubt)
            if self._attempt is not None:
                in_doubt.append((self._attempt.number, self._attempt.batch))
            unsent = self.recorder.take()
            self.in_doubt, self._attempt = [], None
        # (A batch of only the zero totals of watched endpoints is not worth a record: the next store writes its own.)
        records = [SpillRecord.new(batch, (self.writer_id, n)) for n, batch in in_doubt if batch.operations]
        if unsent.operations:
            records.append(SpillRecord.new(unsent))
        if not records:
            return
        operations = sum(record.batch.operations for record in records)
        try:
            if self.spill is None:
                raise OSError("this store has no spill file")
            path = self.spill.append(records)
        except OSError as error:
            with self._outcome_lock:
                self.in_doubt = in_doubt
            self.recorder.put_back(unsent)
            logger.error(
                "closing the usage store at %s: %d operations not written (%s) and not spilled (%s)",
                redacted(self.url), operations, self.last_error, error,
            )
            return
        self.spilled_operations += operations
        self.spill_path = path
        logger.warning(
            "closing the usage store at %s: %d operations not written (%s) were spilled to %s; the next store "
            "with this URL writes them",
            redacted(self.url), operations, self.last_error, path,
        )


def describe_error(error: BaseException) -> str:
    """One line for what went wrong: the driver's own error, without SQLAlchemy's wrapping, when there is one."""
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        text = str(error.orig).strip()
        return f"{type(error.orig).__name__}: {text.splitlines()[0] if text else ''}"
    return f"{type(error).__name__}: {error}"
