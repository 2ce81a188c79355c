"""Retention: drop usage counters and totals older than N days. The deprecation records and their audit log stay.

Example: usage of 2025-06-01 and of 2026-11-21, pruned on 2026-11-21 (``clock``: a
:class:`~gqlevolve.clock.FixedClock` pinned to that day) with the default 400 days: the days from 2025-10-17 on stay.

    >>> from datetime import date
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)      # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, when=date(2025, 6, 1))
    >>> store.record_operation("/api/v1/graphql", {"User.name"})
    >>> with store.engine.begin() as connection:        # what store.prune(older_than_days=400) does
    ...     prune(connection, older_than_days=400, now=clock.now())
    PruneResult(cutoff=datetime.date(2025, 10, 17), usage_rows=1, total_rows=1, ledger_rows=0)
    >>> [usage.day for usage in store.daily_usage("/api/v1/graphql", "User.name")]
    [datetime.date(2026, 11, 21)]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gqlevolve.inputs import day_count
from gqlevolve.usage_store.tables import (
    coordinate_days,
    deprecated_days,
    deprecation_usage,
    flush_ledger,
    operation_totals,
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
    ledger = connection.execute(flush_ledger.delete().where(flush_ledger.c.updated_at < now - _LEDGER_RETENTION))
    return PruneResult(cutoff, usage.rowcount, totals.rowcount, ledger.rowcount)
