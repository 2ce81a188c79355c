"""Writing a :class:`~gqlevolve.usage_store.recorder.Batch`: upserts that add to the counters, in one transaction.

``INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`` on both SQLite and PostgreSQL.
Rows are written in key order, so that concurrent flushers lock rows in the same order and cannot deadlock.

A batch from the buffered recorder carries (writer id, batch number); the same transaction records it in
``flush_ledger``. When a flush fails after its statements were sent (a lost connection during COMMIT), the
recorder cannot know whether the batch was counted; the ledger tells it on the next attempt
(:func:`committed_batch`), so a batch is counted exactly once.

Example::

    with engine.begin() as connection:
        write_batch(connection, batch, ledger=("9f2c…", 17))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import (
    deprecation_usage,
    flush_ledger,
    operation_signatures,
    operation_totals,
    signature_coordinates,
)

__all__ = ["committed_batch", "write_batch"]

# Rows per INSERT statement (SQLite allows 32766 bound parameters; 6 columns per row).
_CHUNK = 2_000


def _insert(connection: sa.Connection, table: sa.Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _add_counts(connection: sa.Connection, table: sa.Table, key_columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = _insert(connection, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key_columns), set_={"count": table.c.count + statement.excluded["count"]}
    )
    for start in range(0, len(rows), _CHUNK):
        connection.execute(statement.values(rows[start : start + _CHUNK]))


def _insert_missing(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = _insert(connection, table).on_conflict_do_nothing()
    for start in range(0, len(rows), _CHUNK):
        connection.execute(statement.values(rows[start : start + _CHUNK]))


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

    ``now`` (the store's clock) stamps the ledger and a new signature's first day.
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
    _add_counts(
        connection,
        operation_totals,
        ("endpoint", "day", "client_name", "client_version"),
        [
            {"endpoint": endpoint, "day": day, "client_name": name, "client_version": version, "count": count}
            for (endpoint, day, name, version), count in sorted(batch.totals.items())
        ],
    )
    if ledger is not None:
        writer_id, batch_number = ledger
        statement = _insert(connection, flush_ledger).values(
            writer_id=writer_id, last_batch=batch_number, updated_at=now
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["writer_id"],
                set_={"last_batch": statement.excluded.last_batch, "updated_at": statement.excluded.updated_at},
            )
        )


def committed_batch(connection: sa.Connection, writer_id: str) -> int | None:
    """The number of the last batch this writer committed (None: none yet)."""
    return connection.execute(
        sa.select(flush_ledger.c.last_batch).where(flush_ledger.c.writer_id == writer_id)
    ).scalar_one_or_none()
