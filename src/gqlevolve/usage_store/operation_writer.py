"""Writing a batch's whole-schema usage: its operations, their coordinates, and the per-coordinate sums.

Called by :func:`~gqlevolve.usage_store.writer.write_batch`, in the same transaction (and so under the same
ledger entry) as the rest of the batch. A batch holds usage per (endpoint, day, client, operation signature); its
coordinates are stored once per signature (``operations``, ``operation_coordinates``), so that counting every
coordinate costs storage per signature, not per request. The per-coordinate sums are expanded here, once per
(endpoint, day, signature) after summing over clients: ``coordinate_usage`` (a count per endpoint, coordinate
and day) and ``coordinate_seen`` (first and last day, moved only outwards), which answer "used, and when?"
without reading a signature.

What a flush does *not* write, because the store has it already (every process of a fleet flushes the same hot
rows, and each row it writes is locked until it commits; see ``docs/scale.md``):

- an operation whose signature the process wrote before (``known_signatures``), or that the database already
  holds: a process that has just started asks (:func:`write_new_operations`: one ``SELECT`` instead of offering
  every operation's coordinates again, 180,000 rows for a day of GitHub-sized traffic);
- a ``coordinate_seen`` row whose stored span already covers the batch's days. :class:`SeenSpans` remembers, per
  process, the spans the store is known to cover (they only ever widen, and retention keeps them), so that after
  a coordinate's first flush of the day its row is not touched again that day; a coordinate it does not know is
  looked up first (:func:`spans_to_write`), so that a restarted process does not rewrite them all.

The rows are computed before any is written (:func:`operation_rows`), so that the transaction holds its locks for
the statements only; they are written in key order, as every table of the flush (concurrent flushers lock rows
in one order: they may queue, never deadlock).

    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.tables import coordinate_seen, coordinate_usage
    >>> store = UsageStore(store_url, clock=clock)
    >>> shape = OperationShape("query", "Users", "3f1c", frozenset({"Query", "Query.users", "User", "User.name"}))
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", operation=shape, count=2)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="ios", operation=shape)
    >>> with store.reading() as connection:
    ...     connection.execute(sa.select(coordinate_usage.c.coordinate, coordinate_usage.c.count)
    ...                        .order_by(coordinate_usage.c.coordinate)).all()
    [('Query', 3), ('Query.users', 3), ('User', 3), ('User.name', 3)]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gqlevolve.usage_store.bulk import insert_missing
from gqlevolve.usage_store.operations import OVERFLOW_SHAPE, OVERFLOW_SIGNATURE, StoredOperation
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import coordinate_seen, operation_coordinates, operations

__all__ = [
    "OperationRows",
    "SeenSpans",
    "Span",
    "SpanKey",
    "operation_rows",
    "spans_to_write",
    "stored_signatures",
    "write_new_operations",
]

#: (endpoint, coordinate): a row of ``coordinate_seen``.
SpanKey = tuple[str, str]
#: (first day, last day) a coordinate was used.
Span = tuple[dt.date, dt.date]

#: Keys per ``IN (...)`` of a lookup (SQLite's old default limit of variables a statement is 999).
_LOOKUP_CHUNK = 900


@dataclass(frozen=True, slots=True)
class OperationRows:
    """What a batch adds to the whole-schema counters, in key order: ``operation_usage`` rows (endpoint,
    signature, day, client name, client version, count), ``coordinate_usage`` rows (endpoint, coordinate, day,
    count), and each coordinate's span of days in the batch (for ``coordinate_seen``)."""

    usage: list[tuple[str, str, dt.date, str, str, int]]
    coordinates: list[tuple[str, str, dt.date, int]]
    spans: dict[SpanKey, Span]


def operation_rows(batch: Batch) -> OperationRows:
    """The batch's whole-schema rows (no I/O): operations per (endpoint, coordinate, day) are each signature's
    count summed over clients first, then spread over its coordinates; the operations past the cap were spread when
    counted (``batch.overflow``)."""
    usage = sorted(
        (endpoint, signature, day, name, version, count)
        for (endpoint, day, name, version, signature), count in batch.operation_usage.items()
    )
    per_signature: dict[tuple[str, dt.date, str], int] = {}
    for endpoint, signature, day, _name, _version, count in usage:
        if signature != OVERFLOW_SIGNATURE:
            key = (endpoint, day, signature)
            per_signature[key] = per_signature.get(key, 0) + count
    per_coordinate = dict(batch.overflow)
    for (endpoint, day, signature), count in per_signature.items():
        for coordinate in batch.shapes[signature].shape.coordinates:
            coordinate_key = (endpoint, coordinate, day)
            per_coordinate[coordinate_key] = per_coordinate.get(coordinate_key, 0) + count
    spans: dict[SpanKey, Span] = {}
    for endpoint, coordinate, day in per_coordinate:
        known = spans.get((endpoint, coordinate))
        spans[(endpoint, coordinate)] = (day, day) if known is None else (min(known[0], day), max(known[1], day))
    return OperationRows(
        usage,
        [(endpoint, coordinate, day, count) for (endpoint, coordinate, day), count in sorted(per_coordinate.items())],
        spans,
    )


class SeenSpans:
    """What one process knows ``coordinate_seen`` holds: per (endpoint, coordinate), a span the stored row covers.

    The stored spans only widen and are never pruned, so a span known once stays covered. :meth:`learn` is told
    what a transaction made sure of, *after* it committed (a rolled-back write teaches nothing). Bounded: past
    ``max_entries`` it forgets everything and learns again (a flush then looks its coordinates up once more).
    Shared by the flusher thread and the store's straight-through writes, hence the lock.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self._spans: dict[SpanKey, Span] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._spans)

    def uncovered(self, spans: Mapping[SpanKey, Span]) -> dict[SpanKey, Span]:
        """The spans of ``spans`` that the store is not known to cover."""
        with self._lock:
            known = self._spans
            return {
                key: span for key, span in spans.items()
                if (stored := known.get(key)) is None or span[0] < stored[0] or span[1] > stored[1]
            }

    def learn(self, spans: Mapping[SpanKey, Span]) -> None:
        """The store covers each of ``spans`` (committed)."""
        with self._lock:
            known = self._spans
            if len(known) + len(spans) > self._max_entries:
                known.clear()
            for key, span in spans.items():
                stored = known.get(key)
                known[key] = span if stored is None else (min(stored[0], span[0]), max(stored[1], span[1]))

    def forget(self) -> None:
        with self._lock:
            self._spans.clear()


def spans_to_write(
    connection: sa.Connection, spans: Mapping[SpanKey, Span], seen: SeenSpans | None
) -> tuple[list[tuple[str, str, dt.date, dt.date]], dict[SpanKey, Span]]:
    """The ``coordinate_seen`` rows this batch must write, in key order, and what the store covers once they are
    committed (for :meth:`SeenSpans.learn`). Spans ``seen`` covers are skipped; the others are looked up (a read:
    no lock) and written only where they widen the stored span."""
    uncovered = dict(spans) if seen is None else seen.uncovered(spans)
    if not uncovered:
        return [], {}
    stored = _stored_spans(connection, uncovered)
    rows: list[tuple[str, str, dt.date, dt.date]] = []
    learned: dict[SpanKey, Span] = {}
    for key, (first, last) in sorted(uncovered.items()):
        current = stored.get(key)
        if current is not None and current[0] <= first and last <= current[1]:
            learned[key] = current
            continue
        rows.append((*key, first, last))
        learned[key] = (first, last) if current is None else (min(first, current[0]), max(last, current[1]))
    return rows, learned


def _stored_spans(connection: sa.Connection, keys: Iterable[SpanKey]) -> dict[SpanKey, Span]:
    by_endpoint: dict[str, list[str]] = {}
    for endpoint, coordinate in keys:
        by_endpoint.setdefault(endpoint, []).append(coordinate)
    seen = coordinate_seen.c
    stored: dict[SpanKey, Span] = {}
    for endpoint, coordinates in sorted(by_endpoint.items()):
        for start in range(0, len(coordinates), _LOOKUP_CHUNK):
            query = sa.select(seen.coordinate, seen.first_day, seen.last_day).where(
                seen.endpoint == endpoint, seen.coordinate.in_(coordinates[start:start + _LOOKUP_CHUNK])
            )
            for coordinate, first, last in connection.execute(query):
                stored[(endpoint, coordinate)] = (first, last)
    return stored


def stored_signatures(connection: sa.Connection, table: sa.Table, signatures: Collection[str]) -> set[str]:
    """Which of ``signatures`` ``table`` (keyed by ``signature``) holds (a read: no lock)."""
    ordered = sorted(signatures)
    found: set[str] = set()
    column = table.c.signature
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        found.update(connection.execute(sa.select(column).where(column.in_(ordered[start:start + _LOOKUP_CHUNK]))).scalars())
    return found


def write_new_operations(
    connection: sa.Connection, batch: Batch, *, known_signatures: Collection[str], today: dt.date
) -> None:
    """Insert the batch's operations and their coordinates that the store does not hold yet (``today``: their
    ``first_seen``). ``known_signatures`` were written before; of the others, the ones the database has (another
    process, an earlier run of this one) are skipped too: rows of a signature never change once written."""
    unknown = [signature for signature in batch.shapes if signature not in known_signatures]
    if not unknown:
        return
    stored = stored_signatures(connection, operations, unknown)
    new: list[tuple[str, StoredOperation]] = []
    for signature in sorted(unknown):
        if signature in stored:
            continue
        operation = batch.shapes[signature]
        if operation.overflow:  # the one row for every operation past the cap: no coordinates of its own
            operation = StoredOperation(OVERFLOW_SIGNATURE, OVERFLOW_SHAPE, frozenset())
        new.append((signature, operation))
    if not new:
        return
    operation_values: list[tuple[Any, ...]] = [
        (signature, operation.shape.kind, operation.shape.name, operation.shape.document_hash,
         len(operation.shape.coordinates), today)
        for signature, operation in new
    ]
    insert_missing(connection, operations, operation_values)
    insert_missing(
        connection,
        operation_coordinates,
        [
            (signature, coordinate, coordinate in operation.deprecated)
            for signature, operation in new
            for coordinate in sorted(operation.shape.coordinates)
        ],
    )
