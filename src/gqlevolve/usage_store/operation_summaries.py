"""Operation summaries: ``operation_usage`` summed per operation, client and block of 64 days; shaped totals per day.

``gqlevolve usage Query`` and ``gqlevolve check --db`` ask which operations used some coordinates in a window, and
which clients sent them. Summed from ``operation_usage``, the answer for a coordinate that every operation uses
groups one row per operation, client version and day: 556,000 rows for 90 days of the benchmark's GitHub-sized store
(5,000 operations, 200 clients), 0.7 to 2.5 s. Two tables (revision 0007) keep the same counts in fewer rows:

- ``operation_summaries``: per (endpoint, grid, block, signature, client name, client version), one running-sum
  column per day of a 64-day block: the shape of ``client_summaries``, read with the same span functions
  (:mod:`~gqlevolve.usage_store.day_blocks`). A 90-day window reads at most three rows per operation and
  client version (the blocks at its ends and the one between), a 30-day one at most two, any window exactly.
  Grid 0 only, where ``client_summaries`` keeps two grids 32 days apart: these reads group their rows per
  operation and client anyway (several operations, a join), so the second grid would save little reading and it
  doubles the writing: with both, a whole day's flush into PostgreSQL took 1.43 s and the same keys again
  1.16 s; with grid 0 alone 0.95 and 0.68 s, and 0.78 and 0.53 s without the table (2026-12-02,
  ``docs/scale.md``), as PostgreSQL writes a whole 1 KB row for each update;
- ``shaped_totals``: per (endpoint, day, client name, client version), the operations whose shape was recorded,
  beside ``operation_totals`` (every operation): the days of a window with whole-schema evidence read 200 rows a
  day instead of 6,900 (:func:`~gqlevolve.usage_store.breakage_reads.whole_schema_days`).

Both are written by the writer in the transaction (and under the ledger entry) of the rows they sum
(:func:`add_operation_summaries`), summed afresh from ``operation_usage`` by :func:`rebuild_operation_summaries`
(rows written another way: a bulk import, a benchmark's fill, the migration), and pruned with the days they sum
(:func:`prune_operation_summaries`).

Example: ``web`` ran ``Users`` on two days, 10 and 2 operations; its sum and last day over the 30 days ending
2026-11-21, as the reads of :mod:`~gqlevolve.usage_store.coordinate_clients` get them (``clock``: pinned to
2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> users = OperationShape("query", "Users", "aa" * 16, frozenset({"Query", "Query.users"}))
    >>> for day, count in ((date(2026, 10, 30), 10), (date(2026, 11, 20), 2)):
    ...     store.record_operation("/api/v1/graphql", (), client_name="web", operation=users, count=count, when=day)
    >>> with store.reading() as connection:
    ...     [row[1:] for row in window_rows(connection, "/api/v1/graphql", date(2026, 10, 23), date(2026, 11, 21))]
    [('web', None, 12, datetime.date(2026, 11, 20))]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from gqlevolve.usage_store.bulk import add_counts
from gqlevolve.usage_store.day_blocks import (
    BlockKey,
    add_block_sums,
    block_of,
    day_of_number,
    prune_block_sums,
    rebuild_block_sums,
    span_blocks,
    span_last_day,
    span_sum,
)
from gqlevolve.usage_store.tables import (
    client_from_column,
    operation_summaries,
    operation_usage,
    shaped_totals,
)

__all__ = [
    "GRID",
    "OperationUsageRow",
    "UsageRow",
    "add_operation_summaries",
    "operation_summaries",
    "prune_operation_summaries",
    "rebuild_operation_summaries",
    "shaped_totals",
    "window_rows",
]

#: The one grid of blocks ``operation_summaries`` keeps (see the module's docstring).
GRID = 0

#: (signature, client name, client version, operations, last day) of one (operation, client version) in a window:
#: the rows every list of operations and of clients is folded from (client parts as the API gives them: None for
#: what a client did not say).
UsageRow = tuple[str, str | None, str | None, int, dt.date]


def window_rows(
    connection: sa.Connection,
    endpoint: str,
    first: dt.date,
    last: dt.date,
    *conditions: sa.ColumnElement[bool],
    join: sa.FromClause | None = None,
) -> list[UsageRow]:
    """Each (operation, client version) of ``endpoint`` with operations in [first, last]: its operations and its
    last day there, from ``operation_summaries`` (the rows of the blocks the window touches, each summed over its
    days inside the window). ``conditions`` narrow the rows (signatures, clients: on ``operation_summaries``'s
    columns, or on ``join``'s, a table joined to it on ``signature``)."""
    table, grid = operation_summaries, GRID
    used = sa.func.sum(span_sum(first, last, grid, table))
    source: sa.FromClause = table if join is None else table.join(join, join.c.signature == table.c.signature)
    query = (
        sa.select(table.c.signature, table.c.client_name, table.c.client_version, used,
                  sa.func.max(span_last_day(first, last, grid, table)))
        .select_from(source)
        .where(table.c.endpoint == endpoint, *span_blocks(first, last, grid, table), *conditions)
        .group_by(table.c.signature, table.c.client_name, table.c.client_version)
        .having(used > 0)  # rows of the blocks at the window's ends whose days there had no operations
    )
    found: list[UsageRow] = []
    for signature, name, version, count, day in connection.execute(query):
        last_day = day_of_number(day)
        assert last_day is not None  # a sum above 0 has a day that grew
        found.append((signature, client_from_column(name), client_from_column(version), int(count), last_day))
    return found


#: A row of ``operation_usage`` as the writer adds it: (endpoint, signature, day, client name, version, count).
OperationUsageRow = tuple[str, str, dt.date, str, str, int]


def add_operation_summaries(connection: sa.Connection, usage: Sequence[OperationUsageRow]) -> None:
    """Add the ``operation_usage`` rows a flush writes to both tables (call in the same transaction).

    Rows in key order, as the writer's other tables (concurrent flushers lock them in one order): the summaries
    one upsert (:func:`~gqlevolve.usage_store.day_blocks.add_block_sums`), the shaped totals one bulk upsert
    (a flush's rows share one row per client and day: 200 on the benchmark's store)."""
    rows: dict[BlockKey, dict[int, int]] = {}
    per_day: dict[tuple[str, dt.date, str, str], int] = {}
    for endpoint, signature, day, name, version, count in usage:
        block, offset = block_of(day, GRID)
        days = rows.setdefault((endpoint, GRID, block, signature, name, version), {})
        days[offset] = days.get(offset, 0) + count
        key = (endpoint, day, name, version)
        per_day[key] = per_day.get(key, 0) + count
    add_block_sums(connection, operation_summaries, {GRID: rows})
    add_counts(connection, shaped_totals, [(*key, count) for key, count in sorted(per_day.items())])


def rebuild_operation_summaries(connection: sa.Connection) -> tuple[int, int]:
    """Sum both tables afresh from ``operation_usage`` (call inside a transaction); (summary rows, shaped rows)."""
    summaries = rebuild_block_sums(
        connection, operation_summaries, operation_usage, operation_usage.c.signature, grids=(GRID,)
    )
    connection.execute(shaped_totals.delete())
    usage = operation_usage
    key = [usage.c.endpoint, usage.c.day, usage.c.client_name, usage.c.client_version]
    connection.execute(
        shaped_totals.insert().from_select(
            ["endpoint", "day", "client_name", "client_version", "count"],
            sa.select(*key, sa.func.sum(usage.c.count)).group_by(*key),
        )
    )
    return summaries, int(connection.execute(sa.select(sa.func.count()).select_from(shaped_totals)).scalar_one())


def prune_operation_summaries(connection: sa.Connection, cutoff: dt.date) -> None:
    """Forget the days before ``cutoff`` in both tables, as retention does with ``operation_usage``."""
    prune_block_sums(connection, operation_summaries, cutoff, grids=(GRID,))
    connection.execute(shaped_totals.delete().where(shaped_totals.c.day < cutoff))
