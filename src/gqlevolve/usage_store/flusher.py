"""The flusher: a store's background thread, and each flush of its counters as one transaction.

The thread drains the inbox (:class:`~gqlevolve.usage_store.buffer.ObservationBuffer`) every second
(:data:`INBOX_DRAIN_INTERVAL`) and flushes every ``interval`` seconds. A flush takes the recorder's counters
as a :class:`~gqlevolve.usage_store.recorder.Batch` (with a total of 0 for today on every watched endpoint that
has none yet) and writes it in one transaction, recorded in the ``flush_ledger`` under this flusher's writer id
and a batch number. Nothing is lost and nothing is counted twice:

- the store cannot be reached: the batch goes back into the recorder, and the next flush tries again;
- the batch was sent but the answer to its commit was lost: it is kept *in doubt*, and the next flush asks the
  ledger whether it was committed before sending it again (merged into the next batch only if it was not).

A ``KeyboardInterrupt`` or ``SystemExit`` (SIGTERM, see :mod:`~gqlevolve.usage_store.shutdown`) during a flush is
handled the same way, then let through.

Example (``UsageStore`` builds and drives it)::

    flusher = Flusher(engine, url, clock, buffer, recorder, prepare=reach_and_check_schema, interval=5.0)
    flusher.watch("/api/v1/graphql")
    flusher.start()
    flusher.flush()         # the operations written
    flusher.close()         # stop the thread, flush a last time
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from gqlevolve.clock import Clock
from gqlevolve.usage_store.buffer import ObservationBuffer
from gqlevolve.usage_store.recorder import Batch, Recorder
from gqlevolve.usage_store.tables import UNKNOWN_CLIENT
from gqlevolve.usage_store.urls import redacted
from gqlevolve.usage_store.writer import committed_batch, write_batch

__all__ = ["INBOX_DRAIN_INTERVAL", "Flusher", "describe_error"]

logger = logging.getLogger("gqlevolve.usage_store")

#: How often the flusher thread drains the inbox into counters (seconds), whatever the flush interval is.
INBOX_DRAIN_INTERVAL = 1.0


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
        known_signatures: set[str] | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self.clock = clock
        self.buffer = buffer
        self.recorder = recorder
        self.prepare = prepare  # reach the database and check its schema (once); raises while it cannot
        self.interval = interval
        #: One flush at a time; re-entrant because a signal may interrupt a flush in the main thread.
        self.lock = threading.RLock()
        self.writer_id = uuid.uuid4().hex
        self._batch_number = 0
        #: A batch that was sent but whose commit is unknown, with its number in the ledger.
        self.in_doubt: tuple[int, Batch] | None = None
        #: Signatures whose coordinates are in the store already (not written again); the store's straight-through
        #: writes share the set.
        self.written_signatures: set[str] = known_signatures if known_signatures is not None else set()
        self._watched: dict[str, dt.date | None] = {}  # endpoint -> the last day a flush gave it a total
        self.flushed_operations = 0
        self.failed_flushes = 0
        self.last_error: str | None = None
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

    def close(self) -> bool:
        """Stop the thread and flush a last time; False if the flusher was closed already."""
        with self._state_lock:
            if self.closed:
                return False
            self.closed = self.started = True
            thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self.flush()
        return True

    def watch(self, endpoint: str) -> None:
        """Give ``endpoint`` a total for every day a flush runs (0 without traffic)."""
        with self.lock:
            self._watched.setdefault(endpoint, None)

    # --- one flush ------------------------------------------------------------------------------

    def flush(self) -> int:
        """Write what the recorder holds; the operations written (0, and nothing lost, if the store is down)."""
        self.buffer.drain()
        with self.lock:
            today = self.clock.today()
            batch = self._batch_for(today)
            if not batch.totals and self.in_doubt is None:
                return 0
            try:
                self.prepare()
                connection = self.engine.connect()
            except BaseException as error:
                self.recorder.put_back(batch)
                self._failed(error)
                if not isinstance(error, Exception):
                    raise
                return 0
            number: int | None = None
            try:
                with connection:
                    if self.in_doubt is not None:
                        batch = self._resolve_in_doubt(connection, batch)
                    self._batch_number += 1
                    number = self._batch_number
                    with connection.begin():
                        write_batch(
                            connection, batch, known_signatures=self.written_signatures,
                            ledger=(self.writer_id, number), now=self.clock.now(),
                        )
            except BaseException as error:
                if number is None:  # nothing of this batch was sent
                    self.recorder.put_back(batch)
                else:  # sent: it may or may not have been committed; the ledger will tell
                    self.in_doubt = (number, batch)
                self._failed(error)
                if not isinstance(error, Exception):
                    raise
                return 0
            return self._written(batch, today)

    def _batch_for(self, today: dt.date) -> Batch:
        """The recorder's counters, and a total for today on each watched endpoint that has none yet."""
        batch = self.recorder.take()
        for endpoint, day in self._watched.items():
            if day != today:
                batch.totals.setdefault((endpoint, today, UNKNOWN_CLIENT, UNKNOWN_CLIENT), 0)
        return batch

    def _resolve_in_doubt(self, connection: sa.Connection, batch: Batch) -> Batch:
        """Merge the batch whose commit was in doubt into ``batch`` unless the ledger shows it was committed."""
        assert self.in_doubt is not None
        number, doubtful = self.in_doubt
        with connection.begin():
            committed = committed_batch(connection, self.writer_id)
        if committed is None or committed < number:
            batch.merge(doubtful)
        self.in_doubt = None
        return batch

    def _written(self, batch: Batch, today: dt.date) -> int:
        self.written_signatures.update(batch.signatures)
        for endpoint in self._watched:
            self._watched[endpoint] = today
        written = batch.operations
        self.flushed_operations += written
        if self.last_error is not None:
            logger.info("the usage store at %s answers again", redacted(self.url))
            self.last_error = None
        return written

    def _failed(self, error: BaseException) -> None:
        self.failed_flushes += 1
        description = describe_error(error)
        if description != self.last_error:  # once per kind of failure, not at every flush
            logger.warning("flushing usage to %s failed (%s); counts are kept", redacted(self.url), description)
        self.last_error = description


def describe_error(error: BaseException) -> str:
    """One line for what went wrong: the driver's own error, without SQLAlchemy's wrapping, when there is one."""
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        text = str(error.orig).strip()
        return f"{type(error.orig).__name__}: {text.splitlines()[0] if text else ''}"
    return f"{type(error).__name__}: {error}"
