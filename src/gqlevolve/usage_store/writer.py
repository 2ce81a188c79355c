"""Writing a :class:`~gqlevolve.usage_store.recorder.Batch`: upserts that add to the counters, in one transaction.

``INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`` on both SQLite and PostgreSQL, a few
statements for many rows, the values handed to the driver as they are (:mod:`~gqlevolve.usage_store.bulk`:
PostgreSQL reads one array per column, SQLite's driver loops in C), which keeps a flush's locks short.
Every row is computed before the first is written, and the tables are written in one fixed order, each in key
order, the rows that every flush of a fleet shares last (:func:`write_batch`): concurrent flushers lock rows in
the same order, so they may queue but cannot deadlock, and hold the shared rows only for the last statements.

A batch from the buffered recorder carries (writer id, batch number); the same transaction records it in
``flush_ledger``. When a flush fails after its COMMIT was sent (a lost connection during COMMIT), the recorder
cannot know whether the batch was counted; the ledger tells it on the next attempt, so a batch is counted exactly
once. Each flush transaction starts with :func:`lock_ledger`, which locks the writer's ledger row (PostgreSQL:
``SELECT ... FOR UPDATE``; SQLite: ``BEGIN IMMEDIATE`` already serialises writers): a transaction whose COMMIT is
still on its way holds that row, so whoever asks the ledger about its batch waits for the answer instead of
reading a state that the COMMIT is about to change. The ledger only moves forward (:class:`LedgerConflict`).

Counts spilled to a file by a store that could not write them (:mod:`~gqlevolve.usage_store.spill`) are written
by :func:`write_spilled`, exactly once: a spilled batch whose commit was in doubt is written only if its writer's
ledger does not count it (and the ledger is then moved past it, so that the in-doubt COMMIT can no longer land);
any other spilled batch is recorded in the ledger under its own id.

Example: one batch written twice under the same ledger entry; the second attempt is refused, so its counts are
not added again:

    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.recorder import Recorder
    >>> store = UsageStore(store_url, clock=clock)
    >>> recorder = Recorder(max_pending=1_000)
    >>> recorder.add("/api/v1/graphql", clock.today(), "web", "1.4", "sig-1", frozenset({"User.name"}), 2)
    True
    >>> batch = recorder.take()
    >>> with store.engine.begin() as connection:
    ...     last = lock_ledger(connection, "writer-1", now=clock.now())     # the last batch this writer committed
    ...     _ = write_batch(connection, batch, ledger=("writer-1", last + 1), now=clock.now())
    >>> last
    0
    >>> with store.engine.begin() as connection:        # the same batch again (its COMMIT seemed lost)
    ...     write_batch(connection, batch, ledger=("writer-1", 1), now=clock.now())
    Traceback (most recent call last):
    gqlevolve.usage_store.writer.LedgerConflict: the flush ledger already counts batch 1 of writer writer-1
    >>> [(usage.operations, usage.total) for usage in store.daily_usage("/api/v1/graphql", "User.name")]
    [(2, 2)]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from gqlevolve.usage_store.bulk import add_counts, insert_missing, widen_spans
from gqlevolve.usage_store.client_summaries import add_client_summaries, rebuild_client_summaries
from gqlevolve.usage_store.engine import dialect_insert
from gqlevolve.usage_store.operation_summaries import add_operation_summaries, rebuild_operation_summaries
from gqlevolve.usage_store.operation_writer import (
    SeenSpans,
    Span,
    SpanKey,
    operation_rows,
    spans_to_write,
    stored_signatures,
    write_new_operations,
)
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import (
    coordinate_days,
    coordinate_seen,
    coordinate_usage,
    deprecated_days,
    deprecation_usage,
    enforcement_counts,
    flush_ledger,
    operation_signatures,
    operation_totals,
    operation_usage,
    signature_coordinates,
)

__all__ = [
    "LedgerConflict",
    "committed_batch",
    "lock_ledger",
    "rebuild_daily_counts",
    "write_batch",
    "write_signatures",
    "write_spilled",
    "write_spilled_batches",
]



class LedgerConflict(RuntimeError):
    """The ledger already counts this batch number (its counts were written by a replay of spilled counts)."""



def write_signatures(connection: sa.Connection, signatures: dict[str, frozenset[str]], today: dt.date) -> None:
    """Make sure each signature and its coordinates exist (they never change once written: the ones the database
    holds already are skipped)."""
    if not signatures:
        return
    stored = stored_signatures(connection, operation_signatures, signatures)
    ordered = sorted((s, c) for s, c in signatures.items() if s not in stored)
    insert_missing(connection, operation_signatures, [(s, len(c), today) for s, c in ordered])
    insert_missing(connection, signature_coordinates, [(s, coordinate) for s, c in ordered for coordinate in sorted(c)])


def write_batch(
    connection: sa.Connection,
    batch: Batch,
    *,
    known_signatures: set[str] | frozenset[str] = frozenset(),
    seen: SeenSpans | None = None,
    ledger: tuple[str, int] | None = None,
    now: dt.datetime,
) -> dict[SpanKey, Span]:
    """Add the batch's counts (call inside a transaction). ``known_signatures`` were written before: skipped.

    ``now`` (the store's clock) stamps the ledger and a new signature's first day. ``ledger``: (writer id, batch
    number), whose row :func:`lock_ledger` locked in this transaction; the batch number must be past the last one
    it counts (:class:`LedgerConflict` otherwise). ``seen``: the ``coordinate_seen`` spans this process knows the
    store covers (skipped). Returns the spans the store covers once the transaction has committed: give them to
    ``seen.learn`` then, not before.

    Every row is computed first, then the tables are written in one fixed order, each in key order, so that
    concurrent flushes lock rows in one order (they queue, never deadlock), and so that the rows every flush of a
    fleet shares come last, just before the COMMIT that releases them: the operations and signatures the store
    lacks (rarely shared), the per-client counters, then the per-coordinate and per-day sums (``coordinate_usage``,
    ``coordinate_days``, ``deprecated_days``: the same rows of today in every flush).
    """
    usage = sorted(
        (endpoint, signature, day, name, version, count)
        for (endpoint, day, name, version, signature), count in batch.usage.items()
    )
    per_coordinate, per_day = _daily_counts(batch)
    whole_schema = operation_rows(batch)
    totals = [(*key, count) for key, count in sorted(batch.totals.items())]
    enforcement = [(*key, count) for key, count in sorted(batch.enforcement.items())]
    seen_rows, learned = spans_to_write(connection, whole_schema.spans, seen)  # a read: before any lock is taken

    new_signatures = {s: c for s, c in batch.signatures.items() if s not in known_signatures}
    write_signatures(connection, new_signatures, now.date())
    write_new_operations(connection, batch, known_signatures=known_signatures, today=now.date())
    add_counts(connection, deprecation_usage, usage)
    add_counts(connection, operation_totals, totals)
    add_counts(connection, enforcement_counts, enforcement)  # refused and previewed operations: apart from usage
    add_client_summaries(connection, batch)  # per client and block of days (client_summaries.py)
    add_counts(connection, operation_usage, whole_schema.usage)
    add_operation_summaries(connection, whole_schema.usage)  # per operation and block of days (operation_summaries.py)
    widen_spans(connection, coordinate_seen, seen_rows)
    add_counts(connection, coordinate_usage, whole_schema.coordinates)
    add_counts(connection, coordinate_days, per_coordinate)
    add_counts(connection, deprecated_days, per_day)
    if ledger is not None:
        writer_id, batch_number = ledger
        result = connection.execute(
            sa.update(flush_ledger)
            .where(flush_ledger.c.writer_id == writer_id, flush_ledger.c.last_batch < batch_number)
            .values(last_batch=batch_number, updated_at=now)
        )
        if result.rowcount != 1:  # rolled back with the rest: these counts are in the store already
            raise LedgerConflict(f"the flush ledger already counts batch {batch_number} of writer {writer_id}")
    return learned


def _daily_counts(
    batch: Batch,
) -> tuple[list[tuple[str, str, dt.date, int]], list[tuple[str, dt.date, int]]]:
    """The batch's usage summed per (endpoint, coordinate, day) and per (endpoint, day), in key order: added to
    ``coordinate_days`` and ``deprecated_days`` in the same transaction (and so under the same ledger entry) as the
    usage itself, so that the daily counts never disagree with the rows they sum."""
    per_coordinate: dict[tuple[str, str, dt.date], int] = {}
    per_day: dict[tuple[str, dt.date], int] = {}
    for (endpoint, day, _name, _version, signature), count in batch.usage.items():
        per_day[(endpoint, day)] = per_day.get((endpoint, day), 0) + count
        for coordinate in batch.signatures[signature]:
            key = (endpoint, coordinate, day)
            per_coordinate[key] = per_coordinate.get(key, 0) + count
    return (
        [(*key, count) for key, count in sorted(per_coordinate.items())],
        [(*key, count) for key, count in sorted(per_day.items())],
    )


def rebuild_daily_counts(connection: sa.Connection) -> tuple[int, int]:
    """Sum ``coordinate_days`` and ``deprecated_days`` again from ``deprecation_usage`` (call inside a transaction);
    (coordinate rows, day rows) written. For rows that reached ``deprecation_usage`` or ``operation_usage``
    without the writer (a bulk import, a benchmark's fill): the writer keeps the daily counts in step with what it
    writes itself. The client summaries and the operation summaries (and shaped totals) are summed again too."""
    connection.execute(coordinate_days.delete())
    connection.execute(deprecated_days.delete())
    usage = deprecation_usage
    per_coordinate = (
        sa.select(usage.c.endpoint, signature_coordinates.c.coordinate, usage.c.day, sa.func.sum(usage.c.count))
        .join(signature_coordinates, signature_coordinates.c.signature == usage.c.signature)
        .group_by(usage.c.endpoint, signature_coordinates.c.coordinate, usage.c.day)
    )
    connection.execute(coordinate_days.insert().from_select(["endpoint", "coordinate", "day", "count"], per_coordinate))
    per_day = sa.select(usage.c.endpoint, usage.c.day, sa.func.sum(usage.c.count)).group_by(usage.c.endpoint, usage.c.day)
    connection.execute(deprecated_days.insert().from_select(["endpoint", "day", "count"], per_day))
    rebuild_client_summaries(connection)  # the per-client sums too (client_summaries.py)
    rebuild_operation_summaries(connection)  # and the per-operation ones of operation_usage (operation_summaries.py)
    # Counted again: a driver need not say how many rows an INSERT ... SELECT wrote (psycopg's rowcount is -1).
    count = sa.select(sa.func.count()).select_from
    return connection.execute(count(coordinate_days)).scalar_one(), connection.execute(count(deprecated_days)).scalar_one()


def lock_ledger(connection: sa.Connection, writer_id: str, *, now: dt.datetime) -> int:
    """The last batch ``writer_id`` committed (0: none), its ledger row locked until the transaction ends.

    The row is created (with 0) if the writer has none yet, so that there is a row to lock.
    """
    connection.execute(
        dialect_insert(connection, flush_ledger)
        .values(writer_id=writer_id, last_batch=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["writer_id"])
    )
    last: int = connection.execute(
        sa.select(flush_ledger.c.last_batch).where(flush_ledger.c.writer_id == writer_id).with_for_update()
    ).scalar_one()
    return last


def write_spilled(
    connection: sa.Connection,
    batch: Batch,
    *,
    spill_id: str,
    in_doubt: tuple[str, int] | None,
    now: dt.datetime,
) -> bool:
    """Write a spilled batch unless the store has it already; True when it was written (call in a transaction).

    ``in_doubt``: (writer id, batch number) of a batch whose COMMIT was sent but not answered: written only if
    that writer's ledger does not count it, and the ledger is moved to it (a COMMIT still on its way can no longer
    land: :class:`LedgerConflict`). Otherwise ``spill_id`` goes into the ledger (a batch is replayed once).
    """
    written, _ = write_spilled_batches(connection, [(batch, spill_id, in_doubt)], now=now)
    return written[0]


def write_spilled_batches(
    connection: sa.Connection,
    records: Sequence[tuple[Batch, str, tuple[str, int] | None]],
    *,
    now: dt.datetime,
    known_signatures: set[str] | frozenset[str] = frozenset(),
    seen: SeenSpans | None = None,
) -> tuple[list[bool], dict[SpanKey, Span]]:
    """Write spilled batches, each (batch, spill id, in doubt) as :func:`write_spilled` says, in one transaction:
    whether each was written, and the spans for ``seen.learn`` once committed.

    Their ledger entries are claimed first, in the order of their keys (then batch numbers), and the batches to write
    are then merged and written as one: the transaction takes every ledger row before any counter row, and each
    counter row once, in the one order every flush follows. Written one after the other, a second batch would lock
    rows after (in key order) those the first had taken, and a concurrent flush could hold one and wait for another:
    a deadlock. The order of the claims matters too: two batches in doubt of one writer are claimed lowest first
    (claiming the higher one first would move the ledger past the lower one, which would then seem counted).
    """
    order = sorted(range(len(records)), key=lambda i: (records[i][2] or (records[i][1], 0)))
    written = [False] * len(records)
    for index in order:
        _, spill_id, in_doubt = records[index]
        if in_doubt is not None:
            writer_id, number = in_doubt
            if lock_ledger(connection, writer_id, now=now) >= number:
                continue
            connection.execute(
                sa.update(flush_ledger)
                .where(flush_ledger.c.writer_id == writer_id)
                .values(last_batch=number, updated_at=now)
            )
        else:
            if committed_batch(connection, spill_id) is not None:
                continue
            # A plain INSERT: a replay of the same file by another process at the same time fails on it and rolls
            # back.
            connection.execute(sa.insert(flush_ledger).values(writer_id=spill_id, last_batch=1, updated_at=now))
        written[index] = True
    batches = [records[i][0] for i in range(len(records)) if written[i]]
    if not batches:
        return written, {}
    combined = batches[0]
    if len(batches) > 1:
        combined = Batch()
        for batch in batches:
            combined.merge(batch)
    return written, write_batch(connection, combined, known_signatures=known_signatures, seen=seen, now=now)


def committed_batch(connection: sa.Connection, writer_id: str) -> int | None:
    """The number of the last batch this writer committed (None: none yet)."""
    return connection.execute(
        sa.select(flush_ledger.c.last_batch).where(flush_ledger.c.writer_id == writer_id)
    ).scalar_one_or_none()
