"""Writing a :class:`~gqlevolve.usage_store.recorder.Batch`: upserts that add to the counters, in one transaction.

``INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`` on both SQLite and PostgreSQL, one
statement executed for many rows (``executemany``: SQLAlchemy sends PostgreSQL multi-row batches; the SQLite
driver loops in C), which keeps a flush's write lock short: 3,000 keys in 0.15 s (SQLite) and 0.25 s (PostgreSQL)
where one multi-row ``VALUES`` statement per 2,000 rows took 0.5 s and 0.7 s.
Rows are written in key order, so that concurrent flushers lock rows in the same order and cannot deadlock.

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
    ...     write_batch(connection, batch, ledger=("writer-1", last + 1), now=clock.now())
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
from typing import Any

import sqlalchemy as sa

from gqlevolve.usage_store.client_summaries import add_client_summaries, rebuild_client_summaries
from gqlevolve.usage_store.engine import dialect_insert
from gqlevolve.usage_store.operation_writer import write_operations
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import (
    coordinate_days,
    deprecated_days,
    deprecation_usage,
    enforcement_counts,
    flush_ledger,
    operation_signatures,
    operation_totals,
    signature_coordinates,
)

__all__ = ["LedgerConflict", "committed_batch", "lock_ledger", "rebuild_daily_counts", "write_batch", "write_spilled"]



class LedgerConflict(RuntimeError):
    """The ledger already counts this batch number (its counts were written by a replay of spilled counts)."""



def _add_counts(connection: sa.Connection, table: sa.Table, key_columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = dialect_insert(connection, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key_columns), set_={"count": table.c.count + statement.excluded["count"]}
    )
    connection.execute(statement, rows)


def _insert_missing(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    connection.execute(dialect_insert(connection, table).on_conflict_do_nothing(), rows)


def write_signatures(connection: sa.Connection, signatures: dict[str, frozenset[str]], today: dt.date) -> None:
    """Make sure each signature and its coordinates exist (they never change once written)."""
    ordered = sorted(signatures.items())
    _insert_missing(
        connection,
        operation_signatures,
        [{"signature": s, "coordinate_count": len(c), "first_seen": today} for s, c in ordered],
    )
    _insert_missing(
        connection,
        signature_coordinates,
        [{"signature": s, "coordinate": coordinate} for s, c in ordered for coordinate in sorted(c)],
    )


def write_batch(
    connection: sa.Connection,
    batch: Batch,
    *,
    known_signatures: set[str] | frozenset[str] = frozenset(),
    ledger: tuple[str, int] | None = None,
    now: dt.datetime,
) -> None:
    """Add the batch's counts (call inside a transaction). ``known_signatures`` were written before: skipped.

    ``now`` (the store's clock) stamps the ledger and a new signature's first day. ``ledger``: (writer id, batch
    number), whose row :func:`lock_ledger` locked in this transaction; the batch number must be past the last one
    it counts (:class:`LedgerConflict` otherwise).
    """
    new_signatures = {s: c for s, c in batch.signatures.items() if s not in known_signatures}
    write_signatures(connection, new_signatures, now.date())
    _add_counts(
        connection,
        deprecation_usage,
        ("endpoint", "signature", "day", "client_name", "client_version"),
        [
            {
                "endpoint": endpoint,
                "signature": signature,
                "day": day,
                "client_name": name,
                "client_version": version,
                "count": count,
            }
            for (endpoint, day, name, version, signature), count in sorted(
                batch.usage.items(), key=lambda item: (item[0][0], item[0][4], item[0][1:4])
            )
        ],
    )
    _add_daily_counts(connection, batch)
    write_operations(connection, batch, known_signatures=known_signatures, today=now.date())
    _add_counts(
        connection,
        operation_totals,
        ("endpoint", "day", "client_name", "client_version"),
        [
            {"endpoint": endpoint, "day": day, "client_name": name, "client_version": version, "count": count}
            for (endpoint, day, name, version), count in sorted(batch.totals.items())
        ],
    )
    _add_counts(  # refused and previewed operations: apart from usage (tables.enforcement_counts)
        connection,
        enforcement_counts,
        ("endpoint", "day", "client_name", "client_version", "coordinate", "kind"),
        [
            {"endpoint": endpoint, "day": day, "client_name": name, "client_version": version,
             "coordinate": coordinate, "kind": kind, "count": count}
            for (endpoint, day, name, version, coordinate, kind), count in sorted(batch.enforcement.items())
        ],
    )
    add_client_summaries(connection, batch)  # per client and block of days (client_summaries.py)
    if ledger is not None:
        writer_id, batch_number = ledger
        result = connection.execute(
            sa.update(flush_ledger)
            .where(flush_ledger.c.writer_id == writer_id, flush_ledger.c.last_batch < batch_number)
            .values(last_batch=batch_number, updated_at=now)
        )
        if result.rowcount != 1:  # rolled back with the rest: these counts are in the store already
            raise LedgerConflict(f"the flush ledger already counts batch {batch_number} of writer {writer_id}")


def _add_daily_counts(connection: sa.Connection, batch: Batch) -> None:
    """The batch's usage summed per (endpoint, coordinate, day) and per (endpoint, day), added to
    ``coordinate_days`` and ``deprecated_days`` in the same transaction (and so under the same ledger entry) as the
    usage itself: the daily counts never disagree with the rows they sum."""
    per_coordinate: dict[tuple[str, str, dt.date], int] = {}
    per_day: dict[tuple[str, dt.date], int] = {}
    for (endpoint, day, _name, _version, signature), count in batch.usage.items():
        per_day[(endpoint, day)] = per_day.get((endpoint, day), 0) + count
        for coordinate in batch.signatures[signature]:
            key = (endpoint, coordinate, day)
            per_coordinate[key] = per_coordinate.get(key, 0) + count
    _add_counts(
        connection,
        coordinate_days,
        ("endpoint", "coordinate", "day"),
        [
            {"endpoint": endpoint, "coordinate": coordinate, "day": day, "count": count}
            for (endpoint, coordinate, day), count in sorted(per_coordinate.items())
        ],
    )
    _add_counts(
        connection,
        deprecated_days,
        ("endpoint", "day"),
        [{"endpoint": endpoint, "day": day, "count": count} for (endpoint, day), count in sorted(per_day.items())],
    )


def rebuild_daily_counts(connection: sa.Connection) -> tuple[int, int]:
    """Sum ``coordinate_days`` and ``deprecated_days`` again from ``deprecation_usage`` (call inside a transaction);
    (coordinate rows, day rows) written. For rows that reached ``deprecation_usage`` without the writer (a bulk
    import, a benchmark's fill): the writer keeps the daily counts in step with what it writes itself."""
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
    if in_doubt is not None:
        writer_id, number = in_doubt
        if lock_ledger(connection, writer_id, now=now) >= number:
            return False
        connection.execute(
            sa.update(flush_ledger)
            .where(flush_ledger.c.writer_id == writer_id)
            .values(last_batch=number, updated_at=now)
        )
    else:
        if committed_batch(connection, spill_id) is not None:
            return False
        # A plain INSERT: a replay of the same file by another process at the same time fails on it and rolls back.
        connection.execute(sa.insert(flush_ledger).values(writer_id=spill_id, last_batch=1, updated_at=now))
    write_batch(connection, batch, now=now)
    return True


def committed_batch(connection: sa.Connection, writer_id: str) -> int | None:
    """The number of the last batch this writer committed (None: none yet)."""
    return connection.execute(
        sa.select(flush_ledger.c.last_batch).where(flush_ledger.c.writer_id == writer_id)
    ).scalar_one_or_none()
