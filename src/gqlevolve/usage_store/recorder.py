"""The in-memory recorder: the hot path's counters, swapped out as a :class:`Batch` at each flush.

``add`` is a few dictionary updates under a lock: no I/O, safe from any thread and from asyncio code.
The counters are keyed by (endpoint, day, client name, client version, signature) for usage and by
(endpoint, day, client name, client version) for the totals. They are bounded by ``max_pending`` distinct
keys: while the store is down and the bound is reached, operations that would need a new key are dropped
(and counted in ``dropped``), operations on existing keys keep counting.

Example: counts taken for a write that fails, then put back; a full recorder drops new keys only:

    >>> recorder = Recorder(max_pending=2)
    >>> recorder.add("/api/v1/graphql", clock.today(), "web", "1.2", "sig-1", frozenset({"User.name"}), 3)
    True
    >>> batch = recorder.take()         # what to write; the recorder starts empty again
    >>> batch.operations, len(batch), recorder.stats().pending_keys
    (3, 2, 0)
    >>> recorder.put_back(batch)        # the write failed: merge it back, nothing lost
    >>> recorder.add("/api/v1/graphql", clock.today(), "ios", "2.0", None, frozenset())     # a third key
    False
    >>> recorder.stats()
    RecorderStats(pending_keys=2, pending_operations=3, dropped=1)
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from gqlevolve.usage_store.operations import StoredOperation

__all__ = ["ENFORCEMENT_KINDS", "Batch", "Enforced", "EnforcementKey", "Recorder", "RecorderStats", "TotalKey", "UsageKey"]

#: (endpoint, day, client name, client version)
TotalKey = tuple[str, dt.date, str, str]
#: (endpoint, day, client name, client version, signature)
UsageKey = tuple[str, dt.date, str, str, str]
#: (endpoint, day, client name, client version, coordinate, kind): refused or previewed, never usage.
EnforcementKey = tuple[str, dt.date, str, str, str, str]
#: (endpoint, coordinate, day): the coordinates of operations past the daily cap, counted one by one.
CoordinateDayKey = tuple[str, str, dt.date]
#: What one operation had refused or previewed: (coordinate, kind) pairs.
Enforced = frozenset[tuple[str, str]]
#: The kinds of ``enforcement_counts``: refused as a newcomer, refused in a brownout, asked for the preview.
ENFORCEMENT_KINDS = ("no_new_adopters", "brownout", "preview")


@dataclass
class Batch:
    """Counts to add to the store in one transaction."""

    totals: dict[TotalKey, int] = field(default_factory=dict)
    usage: dict[UsageKey, int] = field(default_factory=dict)
    #: The coordinates of each signature in ``usage``.
    signatures: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Refused and previewed operations per coordinate and kind (``enforcement_counts``).
    enforcement: dict[EnforcementKey, int] = field(default_factory=dict)
    #: Whole-schema usage: every operation per (endpoint, day, client name, client version, operation signature).
    operation_usage: dict[UsageKey, int] = field(default_factory=dict)
    #: Each operation signature's shape (the overflow row's: the shape of the first operation past the cap).
    shapes: dict[str, StoredOperation] = field(default_factory=dict)
    #: The coordinates of operations past the daily cap, counted per coordinate (those of the others are counted
    #: from ``operation_usage`` and ``shapes`` when written).
    overflow: dict[CoordinateDayKey, int] = field(default_factory=dict)

    def __len__(self) -> int:
        """The number of distinct keys (what ``max_pending`` bounds)."""
        return len(self.totals) + len(self.usage) + len(self.enforcement) + len(self.operation_usage) + len(self.overflow)

    def __bool__(self) -> bool:
        return bool(self.totals or self.usage or self.enforcement or self.operation_usage or self.overflow)

    @property
    def operations(self) -> int:
        return sum(self.totals.values())

    def add(
        self,
        total_key: TotalKey,
        usage_key: UsageKey | None,
        coordinates: frozenset[str],
        count: int,
        enforced: Enforced = frozenset(),
        operation: StoredOperation | None = None,
    ) -> None:
        self.totals[total_key] = self.totals.get(total_key, 0) + count
        if usage_key is not None:
            self.usage[usage_key] = self.usage.get(usage_key, 0) + count
            if usage_key[4] not in self.signatures:
                self.signatures[usage_key[4]] = coordinates
        for coordinate, kind in enforced:
            key = (*total_key, coordinate, kind)
            self.enforcement[key] = self.enforcement.get(key, 0) + count
        if operation is not None:
            self.add_operation(total_key, operation, count)

    def add_operation(self, total_key: TotalKey, operation: StoredOperation, count: int) -> None:
        """Count ``count`` runs of ``operation`` (the operation count of ``totals`` is the caller's)."""
        signature = operation.signature
        key = (*total_key, signature)
        self.operation_usage[key] = self.operation_usage.get(key, 0) + count
        if signature not in self.shapes:
            self.shapes[signature] = operation
        if operation.overflow:
            endpoint, day = total_key[0], total_key[1]
            for coordinate in operation.shape.coordinates:
                overflow_key = (endpoint, coordinate, day)
                self.overflow[overflow_key] = self.overflow.get(overflow_key, 0) + count

    def merge(self, other: Batch) -> None:
        for total_key, count in other.totals.items():
            self.totals[total_key] = self.totals.get(total_key, 0) + count
        for usage_key, count in other.usage.items():
            self.usage[usage_key] = self.usage.get(usage_key, 0) + count
        for signature, coordinates in other.signatures.items():
            self.signatures.setdefault(signature, coordinates)
        for enforcement_key, count in other.enforcement.items():
            self.enforcement[enforcement_key] = self.enforcement.get(enforcement_key, 0) + count
        for operation_key, count in other.operation_usage.items():
            self.operation_usage[operation_key] = self.operation_usage.get(operation_key, 0) + count
        for signature, operation in other.shapes.items():
            self.shapes.setdefault(signature, operation)
        for overflow_key, count in other.overflow.items():
            self.overflow[overflow_key] = self.overflow.get(overflow_key, 0) + count


@dataclass(frozen=True)
class RecorderStats:
    pending_keys: int
    pending_operations: int
    #: Operations lost because the buffer was full (the store was down for too long).
    dropped: int


class Recorder:
    """Thread-safe counters bounded by ``max_pending`` distinct keys."""

    def __init__(self, max_pending: int) -> None:
        if max_pending < 2:
            raise ValueError(f"max_pending must be at least 2 (one operation may need two keys), not {max_pending}")
        self.max_pending = max_pending
        # Re-entrant: a signal handler that flushes may interrupt the main thread inside `add`.
        self._lock = threading.RLock()
        self._batch = Batch()
        self._dropped = 0

    @property
    def lock(self) -> threading.RLock:
        """Held while counting; callers that must decide and count atomically (the client cap) take it too."""
        return self._lock

    def add(
        self,
        endpoint: str,
        day: dt.date,
        client_name: str,
        client_version: str,
        signature: str | None,
        coordinates: frozenset[str],
        count: int = 1,
        enforced: Enforced = frozenset(),
        operation: StoredOperation | None = None,
    ) -> bool:
        """Count ``count`` operations; False when they had to be dropped (buffer full)."""
        total_key = (endpoint, day, client_name, client_version)
        usage_key = None if signature is None else (*total_key, signature)
        with self._lock:
            batch = self._batch
            new_keys = (total_key not in batch.totals) + (usage_key is not None and usage_key not in batch.usage)
            new_keys += sum((*total_key, *pair) not in batch.enforcement for pair in enforced)
            if operation is not None:
                new_keys += (*total_key, operation.signature) not in batch.operation_usage
            if new_keys and len(batch) + new_keys > self.max_pending:
                self._dropped += count
                return False
            batch.add(total_key, usage_key, coordinates, count, enforced, operation)
            return True

    def take(self) -> Batch:
        """Everything counted so far; the recorder starts over empty."""
        with self._lock:
            batch, self._batch = self._batch, Batch()
            return batch

    def put_back(self, batch: Batch) -> None:
        """Merge a batch that could not be written back in (beyond the bound if need be: it was already counted)."""
        if not batch:
            return
        with self._lock:
            batch.merge(self._batch)
            self._batch = batch

    def stats(self) -> RecorderStats:
        with self._lock:
            return RecorderStats(len(self._batch), self._batch.operations, self._dropped)
