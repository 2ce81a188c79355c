"""Client summaries: ``deprecation_usage`` summed per client, coordinate and block of 32 days, one column a day.

The monitoring pages ask per client: which clients used each element over the last 30 days and how often (the
deprecation report), which elements each client version used (client versions), in which weeks each client used
an element (the migration report). Summed from ``deprecation_usage``, those reads group one row per signature,
client and day: 4.5 million rows for 1,000 elements x 90 days x 50 clients, seconds per page.

``client_summaries`` keeps the same counts per (endpoint, block, coordinate, client name, client version), where a
block is 32 consecutive days (``date.toordinal() // 32``) and the row has one count column per day of the block
(``d00`` .. ``d31``) and their ``total``. The counts stay exact per day, so a window of *any* days is answered
exactly: the one or two blocks at its ends sum the day columns inside it, the blocks between use ``total``
(:func:`span_sum`), and a client's last day in it is its last non-zero column (:func:`span_last_day`). A 30-day
window reads one or two rows per client and coordinate. Why blocks of day columns rather than the alternatives:

- a row per client, coordinate and *week* cannot answer a window that does not start on a week's first day (the
  reports' windows end on any day: ``--as-of``, today);
- a first/last-seen row per client and coordinate cannot count a client's operations in a window, nor say in
  which weeks it used an element;
- 32 columns: a 30-day window spans at most two blocks, and SQLite stores a 0 in no bytes at all.

Kept by :func:`add_client_summaries`, which the writer calls in the transaction (and under the ledger entry) of
the usage it sums; :func:`rebuild_client_summaries` sums them again from ``deprecation_usage`` (rows written some
other way: a bulk import, a benchmark's fill); :func:`prune_client_summaries` follows retention.

Example: ``web`` used ``User.name`` on two days, ``ios`` on one (``clock``: a :class:`~gqlevolve.clock.FixedClock`
pinned to 2026-11-21); its sums over the last 7 days, per client, read the way :mod:`~gqlevolve.usage_store.reads`
does:

    >>> from datetime import date
    >>> import sqlalchemy as sa
    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.tables import client_summaries as summaries
    >>> store = UsageStore(store_url, clock=clock)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", when=date(2026, 11, 2), count=5)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", when=date(2026, 11, 20), count=2)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="ios", when=date(2026, 11, 21))
    >>> since, until = date(2026, 11, 15), date(2026, 11, 21)
    >>> used = span_sum(since, until)
    >>> query = (
    ...     sa.select(summaries.c.client_name, sa.func.sum(used), sa.func.max(span_last_day(since, until)))
    ...     .where(summaries.c.endpoint == "/api/v1/graphql", *span_blocks(since, until))
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
import functools
import operator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import (
    CLIENT_SUMMARY_DAYS,
    client_summaries,
    deprecation_usage,
    signature_coordinates,
)

__all__ = [
    "DAY_COLUMNS",
    "add_client_summaries",
    "block_of",
    "day_of_number",
    "prune_client_summaries",
    "rebuild_client_summaries",
    "span_blocks",
    "span_last_day",
    "span_sum",
]

#: The day columns of a row, the block's first day first.
DAY_COLUMNS = tuple(f"d{offset:02d}" for offset in range(CLIENT_SUMMARY_DAYS))

_KEY = ("endpoint", "block", "coordinate", "client_name", "client_version")


def block_of(day: dt.date) -> tuple[int, int]:
    """(block, offset): the block a day falls in, and its day column (``DAY_COLUMNS[offset]``)."""
    return divmod(day.toordinal(), CLIENT_SUMMARY_DAYS)


def day_of_number(number: int | None) -> dt.date | None:
    """The day of a day number that :func:`span_last_day` read (``block * 32 + offset``, a ``date.toordinal()``)."""
    return None if number is None else dt.date.fromordinal(int(number))


# --- upkeep ----------------------------------------------------------------------------------------------------------


def add_client_summaries(connection: sa.Connection, batch: Batch) -> None:
    """Add the batch's usage to ``client_summaries`` (call in the transaction that writes the usage itself).

    One upsert per row (``count = count + excluded.count`` on every day column and the total), rows in key order
    as the writer's other tables, so that concurrent flushers lock them in the same order: a key that two days of
    the batch share is one row, never two statements that could lock it in turn.
    """
    rows: dict[tuple[str, int, str, str, str], list[int]] = {}
    for (endpoint, day, name, version, signature), count in batch.usage.items():
        block, offset = block_of(day)
        for coordinate in batch.signatures[signature]:
            days = rows.setdefault((endpoint, block, coordinate, name, version), [0] * CLIENT_SUMMARY_DAYS)
            days[offset] += count
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(client_summaries)
    added = {column: client_summaries.c[column] + statement.excluded[column] for column in ("total", *DAY_COLUMNS)}
    connection.execute(
        statement.on_conflict_do_update(index_elements=list(_KEY), set_=added),
        [
            {**dict(zip(_KEY, key, strict=True)), "total": sum(days), **dict(zip(DAY_COLUMNS, days, strict=True))}
            for key, days in sorted(rows.items())
        ],
    )


def _day_number(connection: sa.Connection, day: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """``date.toordinal()`` of a DATE column, in SQL (each backend has its own date arithmetic)."""
    if connection.dialect.name == "postgresql":
        return sa.type_coerce(day - sa.literal_column("DATE '0001-01-01'"), sa.Integer) + 1
    # julianday of 0001-01-01 is 1721425.5 (midnight); its ordinal is 1.
    return sa.cast(sa.func.julianday(day) - 1721424.5, sa.Integer)


def rebuild_client_summaries(connection: sa.Connection) -> int:
    """Sum ``client_summaries`` again from ``deprecation_usage`` (call inside a transaction); the rows written.

    One grouped ``INSERT ... SELECT`` (the database pivots each day into its column).
    """
    connection.execute(client_summaries.delete())
    usage = deprecation_usage
    number = _day_number(connection, usage.c.day)
    block = (number // CLIENT_SUMMARY_DAYS).label("block")
    offset = number % CLIENT_SUMMARY_DAYS
    per_day = [
        sa.func.sum(sa.case((offset == index, usage.c.count), else_=0)) for index in range(CLIENT_SUMMARY_DAYS)
    ]
    grouped = (
        sa.select(
            usage.c.endpoint, block, signature_coordinates.c.coordinate, usage.c.client_name, usage.c.client_version,
            sa.func.sum(usage.c.count), *per_day,
        )
        .join(signature_coordinates, signature_coordinates.c.signature == usage.c.signature)
        .group_by(usage.c.endpoint, block, signature_coordinates.c.coordinate, usage.c.client_name, usage.c.client_version)
    )
    connection.execute(client_summaries.insert().from_select([*_KEY, "total", *DAY_COLUMNS], grouped))
    # Counted again: psycopg does not say how many rows an INSERT ... SELECT wrote.
    return connection.execute(sa.select(sa.func.count()).select_from(client_summaries)).scalar_one()


def prune_client_summaries(connection: sa.Connection, cutoff: dt.date) -> int:
    """Forget the days before ``cutoff``, as retention does with the usage rows (call inside a transaction).

    Blocks that end before it are deleted; in the block it falls in, the days before it are set to 0 and the total
    follows (a row left with nothing is deleted). Returns the rows deleted.
    """
    block, offset = block_of(cutoff)
    table = client_summaries
    deleted = connection.execute(table.delete().where(table.c.block < block)).rowcount
    if offset:
        gone = DAY_COLUMNS[:offset]
        connection.execute(
            table.update()
            .where(table.c.block == block)
            .values(
                total=table.c.total - functools.reduce(operator.add, [table.c[column] for column in gone]),
                **{column: 0 for column in gone},
            )
        )
        deleted += connection.execute(table.delete().where(table.c.block == block, table.c.total == 0)).rowcount
    return int(deleted)


# --- reading a span of days --------------------------------------------------------------------------------------------


def _columns_sum(first: int, last: int) -> sa.ColumnElement[int]:
    if first == 0 and last == CLIENT_SUMMARY_DAYS - 1:
        return client_summaries.c.total
    return functools.reduce(operator.add, [client_summaries.c[DAY_COLUMNS[offset]] for offset in range(first, last + 1)])


def span_blocks(since: dt.date | None, until: dt.date | None) -> list[sa.ColumnElement[bool]]:
    """The conditions that keep the rows of the blocks ``since`` to ``until`` touch (None: no bound that side)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if since is not None:
        conditions.append(client_summaries.c.block >= block_of(since)[0])
    if until is not None:
        conditions.append(client_summaries.c.block <= block_of(until)[0])
    return conditions


def span_sum(since: dt.date | None, until: dt.date | None) -> sa.ColumnElement[int]:
    """A row's operations from ``since`` to ``until`` (both included; None: unbounded): its day columns inside the
    span in the blocks at its ends, its ``total`` in the blocks between, 0 in the blocks outside."""
    table = client_summaries
    first = block_of(since) if since is not None else None
    last = block_of(until) if until is not None else None
    if first is not None and last is not None:
        if first[0] > last[0]:
            return sa.literal(0, sa.BigInteger)
        if first[0] == last[0]:
            return sa.case((table.c.block == first[0], _columns_sum(first[1], last[1])), else_=0)
    branches: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    inside: list[sa.ColumnElement[bool]] = []
    if first is not None:
        branches.append((table.c.block == first[0], _columns_sum(first[1], CLIENT_SUMMARY_DAYS - 1)))
        inside.append(table.c.block > first[0])
    if last is not None:
        branches.append((table.c.block == last[0], _columns_sum(0, last[1])))
        inside.append(table.c.block < last[0])
    if not branches:
        return table.c.total
    return sa.case(*branches, (sa.and_(*inside), table.c.total), else_=0)


def _last_of(first: int, last: int, base: sa.ColumnElement[int] | int) -> sa.ColumnElement[int]:
    table = client_summaries
    return sa.case(
        *[(table.c[DAY_COLUMNS[offset]] > 0, base + offset) for offset in range(last, first - 1, -1)], else_=None
    )


def span_last_day(since: dt.date | None, until: dt.date | None) -> sa.ColumnElement[int]:
    """A row's last day with operations from ``since`` to ``until`` as a day number (:func:`day_of_number`), NULL
    when it has none there. Take its ``max`` over the rows of one client (rows outside the span give NULL)."""
    table = client_summaries
    first = block_of(since) if since is not None else None
    last = block_of(until) if until is not None else None
    top = CLIENT_SUMMARY_DAYS - 1
    base = table.c.block * CLIENT_SUMMARY_DAYS
    if first is not None and last is not None:
        if first[0] > last[0]:
            return sa.null()
        if first[0] == last[0]:
            return sa.case((table.c.block == first[0], _last_of(first[1], last[1], first[0] * CLIENT_SUMMARY_DAYS)))
    branches: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    inside: list[sa.ColumnElement[bool]] = []
    if first is not None:
        branches.append((table.c.block == first[0], _last_of(first[1], top, first[0] * CLIENT_SUMMARY_DAYS)))
        inside.append(table.c.block > first[0])
    if last is not None:
        branches.append((table.c.block == last[0], _last_of(0, last[1], last[0] * CLIENT_SUMMARY_DAYS)))
        inside.append(table.c.block < last[0])
    if not branches:
        return _last_of(0, top, base)
    return sa.case(*branches, (sa.and_(*inside), _last_of(0, top, base)), else_=None)
