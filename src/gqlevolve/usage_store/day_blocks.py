"""Sums of per-day counts in blocks of 64 days, one running-sum column a day: any window of days, in a few rows.

The summary tables (``client_summaries``: :mod:`~gqlevolve.usage_store.client_summaries`; ``operation_summaries``:
:mod:`~gqlevolve.usage_store.operation_summaries`) keep a usage table's counts per key (a coordinate or an
operation, a client name and version) and block of days: a block is 64 consecutive days, and the row has one
column per day of the block, ``c00`` .. ``c63``, each holding the operations from the block's first day to that
day (a running sum: the days ``i`` to ``j`` of a block sum to ``c[j] - c[i - 1]``, one subtraction whatever their
number; ``c63`` is the block's total). There may be two grids of blocks, 32 days apart (grid ``g`` numbers a day
``date.toordinal() + 32 * g``; its block is that number ``// 64``): a day is counted in one block of each grid a
table keeps. The counts stay exact per day, so a window of *any* days is answered exactly, and one of up to 33
days lies inside a single block of one of the grids (:func:`span_grid`): its read is one row per key
(:func:`span_sum`; the last day whose running sum grows is its last day: :func:`span_last_day`). A longer window
adds the ends of the blocks at its ends and the totals of those between. Why this shape rather than the
alternatives:

- a row per key and *week* cannot answer a window that does not start on a week's first day (the reports'
  windows end on any day: ``--as-of``, today);
- a first/last-seen row per key cannot count operations in a window, nor say in which weeks there were some;
- one grid of blocks: a 30-day window would mostly span two blocks, and the database would group two rows per
  key (sorting them) instead of reading one; two grids cost a second row per day written (``client_summaries``
  keeps both; ``operation_summaries``, whose reads group per key anyway, grid 0 alone).

This module is the mechanism, for any table of that shape (its key's columns, then the day columns): the upsert
that adds a batch's days (:func:`add_block_sums`), the sums made again from a usage table
(:func:`rebuild_block_sums`), retention (:func:`prune_block_sums`), and the SQL that reads a window
(:func:`span_blocks`, :func:`span_sum`, :func:`span_last_day`).

    >>> from datetime import date
    >>> block_of(date(2026, 11, 21)), block_of(date(2026, 11, 21), grid=1)      # (block, day column)
    ((11561, 37), (11562, 5))
    >>> span_grid(date(2026, 10, 23), date(2026, 11, 21))      # 30 days: inside one block of grid 0
    0
    >>> span_grid(date(2026, 12, 10), date(2026, 12, 23))      # across grid 0's block boundary (12-18): grid 1's
    1
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable
from typing import Any, Literal, overload

import sqlalchemy as sa

from gqlevolve.usage_store.tables import CLIENT_SUMMARY_DAYS

__all__ = [
    "DAY_COLUMNS",
    "BlockKey",
    "GRIDS",
    "add_block_sums",
    "block_of",
    "day_of_number",
    "prune_block_sums",
    "rebuild_block_sums",
    "span_blocks",
    "span_grid",
    "span_last_day",
    "span_sum",
]

#: The day columns of a row (running sums), the block's first day first.
DAY_COLUMNS = tuple(f"c{offset:02d}" for offset in range(CLIENT_SUMMARY_DAYS))
_TOTAL = DAY_COLUMNS[-1]

#: The grids of blocks; grid ``g`` starts its blocks ``g * CLIENT_SUMMARY_DAYS // 2`` days later than grid 0.
GRIDS = (0, 1)
_SHIFT = CLIENT_SUMMARY_DAYS // 2


def block_of(day: dt.date, grid: int = 0) -> tuple[int, int]:
    """(block, offset): the block of ``grid`` a day falls in, and its day column (``DAY_COLUMNS[offset]``)."""
    return divmod(day.toordinal() + _SHIFT * grid, CLIENT_SUMMARY_DAYS)


def day_of_number(number: int | None) -> dt.date | None:
    """The day of a day number that :func:`span_last_day` read (a ``date.toordinal()``; None stays None)."""
    return None if number is None else dt.date.fromordinal(int(number))


# --- upkeep -----------------------------------------------------------------------------------------------------------


#: A summary row's key: (endpoint, grid, block, what it sums: a coordinate or a signature, client name, version).
BlockKey = tuple[str, int, int, str, str, str]


def add_block_sums(
    connection: sa.Connection, table: sa.Table, per_grid: dict[int, dict[BlockKey, dict[int, int]]]
) -> None:
    """Upsert the operations of some days (per grid: key -> {day column offset: operations}) into a summary
    table of this module's shape (``client_summaries``, ``operation_summaries``), as
    :func:`~gqlevolve.usage_store.client_summaries.add_client_summaries` describes."""
    for rows in per_grid.values():
        if not rows:
            continue
        first = min(offset for days in rows.values() for offset in days)
        values = [(*key, *_running_sums(days, first)) for key, days in sorted(rows.items())]
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                _upsert(table, first, arrays=True), tuple(list(column) for column in zip(*values, strict=True))
            )
        else:
            connection.exec_driver_sql(_upsert(table, first, arrays=False), values)


def _running_sums(days: dict[int, int], first: int) -> tuple[int, ...]:
    """A row's day columns from ``first`` on: the operations from the block's first day to each day."""
    if len(days) == 1:  # the usual batch: one day
        [(offset, count)] = days.items()
        return (0,) * (offset - first) + (count,) * (CLIENT_SUMMARY_DAYS - offset)
    return tuple(itertools.accumulate(days.get(offset, 0) for offset in range(first, CLIENT_SUMMARY_DAYS)))


def _key(table: sa.Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


@functools.lru_cache(maxsize=256)
def _upsert(table: sa.Table, first: int, *, arrays: bool) -> str:
    """The upsert of :func:`add_block_sums`: the key and the day columns from ``first`` on. ``INSERT ... ON
    CONFLICT (key) DO UPDATE`` is the same on both backends; ``arrays``: PostgreSQL's rows from one array per
    column (``unnest``, psycopg's ``%s``), else one row of SQLite's ``?`` per ``executemany`` item. The names come
    from the table's definition."""
    days = DAY_COLUMNS[first:]
    key = _key(table)
    columns = [*key, *days]
    name = table.name
    if arrays:
        types = ["varchar", "smallint", "integer", "varchar", "varchar", "varchar", *["bigint"] * len(days)]
        source = f"SELECT * FROM unnest({', '.join(f'%s::{kind}[]' for kind in types)})"
    else:
        source = f"VALUES ({', '.join(['?'] * len(columns))})"
    added = ", ".join(f"{column} = {name}.{column} + excluded.{column}" for column in days)
    return (
        f"INSERT INTO {name} ({', '.join(columns)}) {source} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}"
    )


def _day_number(connection: sa.Connection, day: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """``date.toordinal()`` of a DATE column, in SQL (each backend has its own date arithmetic)."""
    if connection.dialect.name == "postgresql":
        return sa.type_coerce(day - sa.literal_column("DATE '0001-01-01'"), sa.Integer) + 1
    # julianday of 0001-01-01 is 1721425.5 (midnight); its ordinal is 1.
    return sa.cast(sa.func.julianday(day) - 1721424.5, sa.Integer)


def rebuild_block_sums(
    connection: sa.Connection,
    table: sa.Table,
    usage: sa.Table,
    summed: sa.ColumnElement[str],
    joined: Callable[[sa.Select[Any]], sa.Select[Any]] = lambda grouped: grouped,
    *,
    grids: tuple[int, ...] = GRIDS,
) -> int:
    """Fill the summary ``table`` afresh from the per-day rows of ``usage`` (endpoint, day, client name and
    version, count), summed per ``summed`` (what the key's fourth column holds; ``joined`` adds its join) on
    ``grids``; the rows written. One grouped ``INSERT ... SELECT`` per grid (the database sums each day into its
    column and the later ones)."""
    connection.execute(table.delete())
    for grid in grids:
        number = _day_number(connection, usage.c.day) + _SHIFT * grid
        block = (number // CLIENT_SUMMARY_DAYS).label("block")
        offset = number % CLIENT_SUMMARY_DAYS
        per_day = [
            sa.func.sum(sa.case((offset <= index, usage.c.count), else_=0)) for index in range(CLIENT_SUMMARY_DAYS)
        ]
        key = [usage.c.endpoint, block, summed, usage.c.client_name, usage.c.client_version]
        grouped = joined(sa.select(usage.c.endpoint, sa.literal(grid, sa.SmallInteger), *key[1:], *per_day)).group_by(*key)
        connection.execute(table.insert().from_select([*_key(table), *DAY_COLUMNS], grouped))
    # Counted again: psycopg does not say how many rows an INSERT ... SELECT wrote.
    return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def prune_block_sums(
    connection: sa.Connection, table: sa.Table, cutoff: dt.date, *, grids: tuple[int, ...] = GRIDS
) -> int:
    """Forget the days before ``cutoff`` in ``table`` (kept on ``grids``), as retention does with the usage rows
    (call inside a transaction).

    Blocks that end before it are deleted; in the block it falls in, the days before it are set to 0 and the
    running sums from it on lose what those days held (a row left with nothing is deleted). Returns the rows deleted.
    """
    deleted = 0
    for grid in grids:
        block, offset = block_of(cutoff, grid)
        in_grid = table.c.grid == grid
        deleted += connection.execute(table.delete().where(in_grid, table.c.block < block)).rowcount
        if offset:
            before = table.c[DAY_COLUMNS[offset - 1]]  # what the days before the cutoff add up to
            # Every SET reads the row as it was (SQL evaluates them all before assigning any).
            connection.execute(
                table.update()
                .where(in_grid, table.c.block == block)
                .values(
                    **{column: 0 for column in DAY_COLUMNS[:offset]},
                    **{column: table.c[column] - before for column in DAY_COLUMNS[offset:]},
                )
            )
            deleted += connection.execute(
                table.delete().where(in_grid, table.c.block == block, table.c[_TOTAL] == 0)
            ).rowcount
    return int(deleted)


# --- reading a span of days --------------------------------------------------------------------------------------------


@overload
def span_grid(since: dt.date | None, until: dt.date | None) -> int: ...
@overload
def span_grid(since: dt.date | None, until: dt.date | None, *, one_block: Literal[True]) -> int | None: ...
def span_grid(since: dt.date | None, until: dt.date | None, *, one_block: bool = False) -> int | None:
    """The grid to read the days ``since`` to ``until`` from: one in which they lie inside a single block (any
    span of up to 33 days has one), else grid 0 (``one_block=True``: None)."""
    if since is not None and until is not None:
        for grid in GRIDS:
            if block_of(since, grid)[0] == block_of(until, grid)[0]:
                return grid
    return None if one_block else GRIDS[0]


def _columns_sum(table: sa.Table, first: int, last: int) -> sa.ColumnElement[int]:
    """The operations of the days ``first`` to ``last`` of a row's block: one subtraction of running sums."""
    through = table.c[DAY_COLUMNS[last]]
    return through if first == 0 else through - table.c[DAY_COLUMNS[first - 1]]


def _ends(
    since: dt.date | None, until: dt.date | None, grid: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    return (
        block_of(since, grid) if since is not None else None,
        block_of(until, grid) if until is not None else None,
    )


def span_blocks(
    since: dt.date | None, until: dt.date | None, grid: int, table: sa.Table
) -> list[sa.ColumnElement[bool]]:
    """The conditions that keep the rows of ``grid`` whose blocks the days ``since`` to ``until`` touch (None: no
    bound that side); of ``table``, a summary table of this module's shape."""
    first, last = _ends(since, until, grid)
    conditions: list[sa.ColumnElement[bool]] = [table.c.grid == grid]
    if first is not None and last is not None and first[0] == last[0]:  # one block: its rows in key order
        return [*conditions, table.c.block == first[0]]
    if first is not None:
        conditions.append(table.c.block >= first[0])
    if last is not None:
        conditions.append(table.c.block <= last[0])
    return conditions


def span_sum(
    since: dt.date | None, until: dt.date | None, grid: int, table: sa.Table
) -> sa.ColumnElement[int]:
    """A row's operations from ``since`` to ``until`` (both included; None: unbounded), for the rows of ``grid``:
    its days inside the span in the blocks at its ends, its total (``c63``) in the blocks between, 0 outside."""
    first, last = _ends(since, until, grid)
    if first is not None and last is not None:
        if first > last:  # no day at all
            return sa.literal(0, sa.BigInteger)
        if first[0] == last[0]:
            return sa.case((table.c.block == first[0], _columns_sum(table, first[1], last[1])), else_=0)
    branches: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    inside: list[sa.ColumnElement[bool]] = []
    if first is not None:
        branches.append((table.c.block == first[0], _columns_sum(table, first[1], CLIENT_SUMMARY_DAYS - 1)))
        inside.append(table.c.block > first[0])
    if last is not None:
        branches.append((table.c.block == last[0], _columns_sum(table, 0, last[1])))
        inside.append(table.c.block < last[0])
    total = table.c[_TOTAL]
    if not branches:
        return total
    return sa.case(*branches, (sa.and_(*inside), total), else_=0)


def _last_of(table: sa.Table, first: int, last: int, base: sa.ColumnElement[int] | int) -> sa.ColumnElement[int]:
    """The last of the days ``first`` to ``last`` on which the running sum grew (``base`` + its offset), or NULL."""
    column = table.c
    grew = [
        (column[DAY_COLUMNS[offset]] > (column[DAY_COLUMNS[offset - 1]] if offset else 0), base + offset)
        for offset in range(last, first - 1, -1)
    ]
    return sa.case(*grew, else_=None)


def span_last_day(
    since: dt.date | None, until: dt.date | None, grid: int, table: sa.Table
) -> sa.ColumnElement[int]:
    """A row's last day with operations from ``since`` to ``until`` as a day number (:func:`day_of_number`), NULL
    when it has none there. Take its ``max`` over the rows of one client (rows outside the span give NULL)."""
    first, last = _ends(since, until, grid)
    top = CLIENT_SUMMARY_DAYS - 1

    def start(block: int) -> int:  # the ordinal of a block's first day
        return block * CLIENT_SUMMARY_DAYS - _SHIFT * grid

    if first is not None and last is not None:
        if first > last:  # no day at all
            return sa.cast(sa.null(), sa.Integer)
        if first[0] == last[0]:
            return sa.case((table.c.block == first[0], _last_of(table, first[1], last[1], start(first[0]))))
    branches: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    inside: list[sa.ColumnElement[bool]] = []
    if first is not None:
        branches.append((table.c.block == first[0], _last_of(table, first[1], top, start(first[0]))))
        inside.append(table.c.block > first[0])
    if last is not None:
        branches.append((table.c.block == last[0], _last_of(table, 0, last[1], start(last[0]))))
        inside.append(table.c.block < last[0])
    anywhere = _last_of(table, 0, top, table.c.block * CLIENT_SUMMARY_DAYS - _SHIFT * grid)
    if not branches:
        return anywhere
    return sa.case(*branches, (sa.and_(*inside), anywhere), else_=None)
