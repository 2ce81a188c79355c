"""Bulk upserts for the flush: many rows in few statements, sent to the driver as plain values.

A flush writes a few thousand rows into each of a few tables, inside one transaction that holds the row locks it
takes until it commits; every other process's flush that needs one of those rows waits that long. So each statement
must be cheap for the database *and* for Python:

- PostgreSQL gets one statement per slice of rows whose parameters are the columns, one array each, read back
  into rows by ``unnest`` (``INSERT ... SELECT * FROM unnest(%s::date[], ...) ON CONFLICT ...``), as
  :mod:`~gqlevolve.usage_store.client_summaries` does. For the 2,200 rows of ``coordinate_usage`` a fleet's flush
  updates, that took 35 ms where SQLAlchemy's ``executemany`` of the same upsert took 40 ms (2026-12-01, the
  machine of ``docs/scale.md``): a small gain per statement; what matters more is that the rows are built as
  plain tuples before the first shared row is locked, and that no statement grows with a backlog (below).
- SQLite gets one ``executemany`` of ``VALUES (?, ...)`` per slice: its driver loops in C. Dates go as ISO text,
  which is how SQLAlchemy's ``Date`` stores them on SQLite.

Rows keep the order they are given (``unnest`` yields the arrays in order, and the insert takes the rows as they
come), so that callers that sort their rows by key make concurrent flushes lock rows in one order: they queue, but
never deadlock. A slice is at most :data:`SLICE_ROWS` rows, so no statement grows with a backlog (a store that was
unreachable for a day flushes it in statements of bounded size, each well inside the statement timeout).

The SQL comes from the table's definition (names and types), one text per (table, columns, action), cached.

Example: counts added to ``coordinate_usage`` twice, the second time as an update; a span that does not widen the
stored one changes nothing:

    >>> import datetime as dt
    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.tables import coordinate_seen, coordinate_usage
    >>> store = UsageStore(store_url, clock=clock)
    >>> day = dt.date(2026, 11, 21)
    >>> with store.engine.begin() as connection:
    ...     for count in (2, 3):
    ...         add_counts(connection, coordinate_usage, [("/api/v1/graphql", "User.name", day, count)])
    ...     widen_spans(connection, coordinate_seen, [("/api/v1/graphql", "User.name", day, day)])
    ...     widen_spans(connection, coordinate_seen, [("/api/v1/graphql", "User.name", day, day)])
    >>> with store.reading() as connection:
    ...     connection.execute(sa.select(coordinate_usage.c.count)).scalar_one()
    5
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

__all__ = ["SLICE_ROWS", "add_counts", "insert_missing", "widen_spans"]

#: The most rows one statement writes (a flush of a day's backlog is cut into statements of this size).
SLICE_ROWS = 5_000


def add_counts(connection: sa.Connection, table: sa.Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Upsert ``rows`` (the table's columns in order, ``count`` last) adding ``count`` to a row that exists."""
    _execute(connection, table, rows, "add")


def insert_missing(connection: sa.Connection, table: sa.Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (the table's columns in order) that the table does not have yet (by primary key)."""
    _execute(connection, table, rows, "missing")


def widen_spans(connection: sa.Connection, table: sa.Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Upsert (key..., first_day, last_day) rows, moving a stored span only outwards; a row whose span the stored
    one covers is left as it is (no new row version: PostgreSQL still locks it until the transaction ends)."""
    _execute(connection, table, rows, "widen")


def _execute(connection: sa.Connection, table: sa.Table, rows: Sequence[tuple[Any, ...]], action: str) -> None:
    if not rows:
        return
    postgresql = connection.dialect.name == "postgresql"
    statement = _statement(table, action, connection.dialect)
    for start in range(0, len(rows), SLICE_ROWS):
        part = rows[start:start + SLICE_ROWS]
        if postgresql:
            connection.exec_driver_sql(statement, tuple(list(column) for column in zip(*part, strict=True)))
        else:
            connection.exec_driver_sql(statement, [tuple(map(_sqlite_value, row)) for row in part])


def _sqlite_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@functools.lru_cache(maxsize=64)
def _statement(table: sa.Table, action: str, dialect: sa.Dialect) -> str:
    """``INSERT INTO table (every column) <rows> ON CONFLICT (primary key) <action>`` in the dialect's spelling."""
    columns = [column.name for column in table.columns]
    key = [column.name for column in table.primary_key.columns]
    if dialect.name == "postgresql":
        types = [column.type.compile(dialect=dialect) for column in table.columns]
        source = "SELECT * FROM unnest(" + ", ".join(f"%s::{kind}[]" for kind in types) + ")"
    else:
        source = "VALUES (" + ", ".join("?" for _ in columns) + ")"
    name = table.name
    if action == "add":
        conflict = f"DO UPDATE SET count = {name}.count + excluded.count"
    elif action == "missing":
        conflict = "DO NOTHING"
    elif action == "widen":
        first, last = f"{name}.first_day", f"{name}.last_day"
        conflict = (
            f"DO UPDATE SET first_day = CASE WHEN excluded.first_day < {first} THEN excluded.first_day ELSE {first} END, "
            f"last_day = CASE WHEN excluded.last_day > {last} THEN excluded.last_day ELSE {last} END "
            f"WHERE excluded.first_day < {first} OR excluded.last_day > {last}"
        )
    else:  # pragma: no cover - the three above are the module's whole API
        raise ValueError(action)
    return f"INSERT INTO {name} ({', '.join(columns)}) {source} ON CONFLICT ({', '.join(key)}) {conflict}"
