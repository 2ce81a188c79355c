"""Retention: drop usage counters and totals older than N days. The deprecation records and their audit log stay.

The days go from every per-day table (deprecated usage, whole-schema usage, totals, and the sums the writer keeps
of them); then the signatures that no row references any more (deprecated-coordinate sets and operations, with
their coordinates), when they were first seen before the cutoff too, so that a signature a running process has
just written, and whose usage is on its way, is never taken. ``coordinate_seen`` (first and last day a coordinate
was used) stays: "last used 14 months ago" is worth keeping when the days themselves are gone.

Example: usage of 2025-06-01 and of 2026-11-21, pruned on 2026-11-21 (``clock``: a
:class:`~gqlevolve.clock.FixedClock` pinned to that day) with the default 400 days: the days from 2025-10-17 on stay.

    >>> from datetime import date
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)      # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, when=date(2025, 6, 1))
    >>> store.record_operation("/api/v1/graphql", {"User.name"})
    >>> with store.engine.begin() as connection:        # what store.prune(older_than_days=400) does
    ...     prune(connection, older_than_days=400, now=clock.now())
    PruneResult(cutoff=datetime.date(2025, 10, 17), usage_rows=1, total_rows=1, ledger_rows=0, operation_rows=0, signature_rows=0)
    >>> [usage.day for usage in store.daily_usage("/api/v1/graphql", "User.name")]
    [datetime.date(2026, 11, 21)]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gqlevolve.inputs import day_count
from gqlevolve.usage_store.client_summaries import prune_client_summaries
from gqlevolve.usage_store.operation_summaries import prune_operation_summaries
from gqlevolve.usage_store.tables import (
    coordinate_days,
    coordinate_usage,
    deprecated_days,
    deprecation_usage,
    flush_ledger,
    operation_coordinates,
    operation_signatures,
    operation_totals,
    operation_usage,
    operations,
    signature_coordinates,
)

__all__ = ["DEFAULT_RETENTION_DAYS", "PruneResult", "prune"]

DEFAULT_RETENTION_DAYS = 400

# A writer's ledger row is only read by that writer after a failed flush; a week-old one belongs to a
# process that is long gone.
_LEDGER_RETENTION = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PruneResult:
    #: The oldest day kept.
    cutoff: dt.date
    usage_rows: int
    total_rows: int
    ledger_rows: int
    #: Whole-schema usage rows (``operation_usage``).
    operation_rows: int = 0
    #: Signatures no longer referenced (of deprecated-coordinate sets and of operations).
    signature_rows: int = 0


#: The longest retention: a century of days, well within what date arithmetic from today holds.
_MOST_DAYS = 36_600


def prune(
    connection: sa.Connection, *, older_than_days: int = DEFAULT_RETENTION_DAYS, now: dt.datetime
) -> PruneResult:
    """Delete the days before ``now``'s day ``- older_than_days`` (call inside a transaction)."""
    day_count(older_than_days, field="older_than_days", most=_MOST_DAYS)  # InvalidInput, a ValueError
    cutoff = now.date() - dt.timedelta(days=older_than_days)
    usage = connection.execute(deprecation_usage.delete().where(deprecation_usage.c.day < cutoff))
    totals = connection.execute(operation_totals.delete().where(operation_totals.c.day < cutoff))
    for daily in (coordinate_days, deprecated_days):  # the sums of the usage rows just deleted (writer)
        connection.execute(daily.delete().where(daily.c.day < cutoff))
    prune_client_summaries(connection, cutoff)  # the per-client sums of those days (client_summaries.py)
    operation_rows = connection.execute(operation_usage.delete().where(operation_usage.c.day < cutoff)).rowcount
    prune_operation_summaries(connection, cutoff)  # the per-operation sums of those days (operation_summaries.py)
    connection.execute(coordinate_usage.delete().where(coordinate_usage.c.day < cutoff))
    signatures = _drop_unreferenced(
        connection, operation_signatures, signature_coordinates, deprecation_usage, cutoff
    ) + _drop_unreferenced(connection, operations, operation_coordinates, operation_usage, cutoff)
    ledger = connection.execute(flush_ledger.delete().where(flush_ledger.c.updated_at < now - _LEDGER_RETENTION))
    return PruneResult(cutoff, usage.rowcount, totals.rowcount, ledger.rowcount, operation_rows, signatures)


def _drop_unreferenced(
    connection: sa.Connection, signatures: sa.Table, coordinates: sa.Table, usage: sa.Table, cutoff: dt.date
) -> int:
    """Delete the signatures first seen before ``cutoff`` that no ``usage`` row references, with their coordinates."""
    unreferenced = (
        sa.select(signatures.c.signature)
        .where(signatures.c.first_seen < cutoff)
        .where(~sa.exists().where(usage.c.signature == signatures.c.signature))
    )
    gone = list(connection.execute(unreferenced).scalars())
    for start in range(0, len(gone), 500):
        chunk = gone[start:start + 500]
        connection.execute(coordinates.delete().where(coordinates.c.signature.in_(chunk)))
        connection.execute(signatures.delete().where(signatures.c.signature.in_(chunk)))
    return len(gone)
