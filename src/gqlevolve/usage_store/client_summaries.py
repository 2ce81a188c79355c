"""Client summaries: ``deprecation_usage`` summed per client, coordinate and block of 64 days, one column a day.

The monitoring pages ask per client: which clients used each element over the last 30 days and how often (the
deprecation report), which elements each client version used (client versions), in which weeks each client used
an element (the migration report). Summed from ``deprecation_usage``, those reads group one row per signature,
client and day: 4.5 million rows for 1,000 elements x 90 days x 50 clients, seconds per page.

``client_summaries`` keeps the same counts per (endpoint, grid, block, coordinate, client name, client version):
blocks of 64 days, one running-sum column a day, on two grids 32 days apart (:mod:`~gqlevolve.usage_store.day_blocks`,
which says why this shape): a window of up to 33 days is one row per client and coordinate, any window exact.

Kept by :func:`add_client_summaries`, which the writer calls in the transaction (and under the ledger entry) of
the usage it sums; :func:`rebuild_client_summaries` sums them again from ``deprecation_usage`` (rows written some
other way: a bulk import, a benchmark's fill); :func:`prune_client_summaries` follows retention.

Example: ``web`` used ``User.name`` on two days, ``ios`` on one (``clock``: a :class:`~gqlevolve.clock.FixedClock`
pinned to 2026-11-21); its sums over the last 7 days, per client, read the way :mod:`~gqlevolve.usage_store.reads`
does:

    >>> from datetime import date
    >>> import sqlalchemy as sa
    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.day_blocks import day_of_number, span_blocks, span_grid, span_last_day, span_sum
    >>> from gqlevolve.usage_store.tables import client_summaries as summaries
    >>> store = UsageStore(store_url, clock=clock)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", when=date(2026, 11, 2), count=5)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", when=date(2026, 11, 20), count=2)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="ios", when=date(2026, 11, 21))
    >>> since, until = date(2026, 11, 15), date(2026, 11, 21)
    >>> grid = span_grid(since, until)
    >>> used = span_sum(since, until, grid, summaries)
    >>> query = (
    ...     sa.select(summaries.c.client_name, sa.func.sum(used), sa.func.max(span_last_day(since, until, grid, summaries)))
    ...     .where(summaries.c.endpoint == "/api/v1/graphql", *span_blocks(since, until, grid, summaries))
    ...     .group_by(summaries.c.client_name)
    ...     .having(sa.func.sum(used) > 0)
    ...     .order_by(summaries.c.client_name)
    ... )
    >>> with store.reading() as connection:
    ...     [(name, count, day_of_number(last)) for name, count, last in connection.execute(query)]
    [('ios', 1, datetime.date(2026, 11, 21)), ('web', 2, datetime.date(2026, 11, 20))]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gqlevolve.usage_store.day_blocks import (
    GRIDS,
    BlockKey,
    add_block_sums,
    block_of,
    prune_block_sums,
    rebuild_block_sums,
)
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import client_summaries, deprecation_usage, signature_coordinates

__all__ = ["add_client_summaries", "prune_client_summaries", "rebuild_client_summaries"]


def add_client_summaries(connection: sa.Connection, batch: Batch) -> None:
    """Add the batch's usage to ``client_summaries`` (call in the transaction that writes the usage itself).

    An upsert per row (``c = c + excluded.c`` on the day columns: a day's operations add to its running sum and to
    every later one), rows in key order as the writer's other tables, so that concurrent flushers lock them in the
    same order (one statement per grid: grid 0's keys all sort before grid 1's), and a key that two days of the
    batch share is one row. A statement names only the day columns from the batch's first day on (the earlier
    ones gain nothing), and its rows go to the driver as plain values (:func:`_upsert`): SQLAlchemy's processing
    of 70 parameters a row took ten times what the database took to write them. SQLite gets one ``executemany``
    (its driver loops in C); PostgreSQL one statement whose parameters are the columns, as arrays, read back into
    rows by ``unnest`` (psycopg's ``executemany`` sends a statement per row: several times slower).
    """
    per_grid: dict[int, dict[BlockKey, dict[int, int]]] = {grid: {} for grid in GRIDS}
    for (endpoint, day, name, version, signature), count in batch.usage.items():
        for grid in GRIDS:
            block, offset = block_of(day, grid)
            for coordinate in batch.signatures[signature]:
                days = per_grid[grid].setdefault((endpoint, grid, block, coordinate, name, version), {})
                days[offset] = days.get(offset, 0) + count
    add_block_sums(connection, client_summaries, per_grid)


def rebuild_client_summaries(connection: sa.Connection) -> int:
    """Sum ``client_summaries`` again from ``deprecation_usage`` (call inside a transaction); the rows written.

    One grouped ``INSERT ... SELECT`` per grid (the database sums each day into its column and the later ones).
    """
    usage = deprecation_usage
    return rebuild_block_sums(
        connection, client_summaries, usage, signature_coordinates.c.coordinate,
        lambda grouped: grouped.join(signature_coordinates, signature_coordinates.c.signature == usage.c.signature),
    )


def prune_client_summaries(connection: sa.Connection, cutoff: dt.date) -> int:
    """Forget the days before ``cutoff``, as retention does with ``deprecation_usage`` (call inside a transaction);
    the rows deleted (:func:`~gqlevolve.usage_store.day_blocks.prune_block_sums`)."""
    return prune_block_sums(connection, client_summaries, cutoff)
