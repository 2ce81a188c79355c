"""Reading which clients used one coordinate in a window, with their counts and last day (``gqlevolve usage``).

:func:`~gqlevolve.usage_store.operation_reads.operations_using` names each operation's clients, most operations
first, without their counts; the answer to "who uses ``User.name``" needs each client's own count and last day.
This read sums the writer's per-operation sums (``operation_summaries``, a few rows per operation and client for
any window: :mod:`~gqlevolve.usage_store.operation_summaries`) per client over the operations whose shape has the
coordinate (``operation_coordinates``), taking a connection first like the other reads. Operations past the
store's daily cap of operations have no signature, so no client here: the report says how many those are.

:func:`coordinate_operations` answers both questions of ``gqlevolve usage`` at once, the operations and the
clients, from one grouped read: ``operation_summaries`` joined to the coordinate's rows of ``operation_coordinates``
(no list of signatures sent back to the database: a coordinate that every operation uses, ``Query``, has
thousands, and PostgreSQL planned 500-value ``IN`` lists over ``operation_usage`` badly), summed per
(operation, client version) by the database, then folded per operation and per client here. Only the operations
shown are described (``operations``: kind, name, document hash).

    >>> from datetime import date
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> users = OperationShape("query", "Users", "aa" * 16, frozenset({"Query", "Query.users", "User", "User.name"}))
    >>> store.record_operation("/api/v1/graphql", (), client_name="web", client_version="1.4", operation=users,
    ...                        count=3, when=date(2026, 11, 20))
    >>> store.record_operation("/api/v1/graphql", (), client_name="ios", operation=users, count=5)
    >>> with store.reading() as connection:
    ...     coordinate_clients(connection, "/api/v1/graphql", "User.name", date(2026, 11, 1), date(2026, 11, 21))
    [ClientCount(name='ios', version=None, operations=5, last_seen=datetime.date(2026, 11, 21)), ClientCount(name='web', version='1.4', operations=3, last_seen=datetime.date(2026, 11, 20))]
    >>> with store.reading() as connection:
    ...     found = coordinate_operations(connection, "/api/v1/graphql", "User.name", date(2026, 11, 1), date(2026, 11, 21))
    >>> [(o.name, o.count) for o in found.operations], found.more, found.named, [c.name for c in found.clients]
    ([('Users', 8)], 0, 8, ['ios', 'web'])
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from gqlevolve.usage_store.operation_reads import (
    ClientFilter,
    OperationUse,
    UsageRow,
    client_conditions,
    describe_operations,
    fold_operations,
    top_operations,
)
from gqlevolve.usage_store.operation_summaries import operation_summaries, window_rows
from gqlevolve.usage_store.tables import operation_coordinates

__all__ = ["ClientCount", "CoordinateOperations", "coordinate_clients", "coordinate_operations", "fold_clients"]


@dataclass(frozen=True, slots=True)
class ClientCount:
    """One client (name and version; None for what it did not say) that used a coordinate in a window."""

    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


def coordinate_clients(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    first: dt.date,
    last: dt.date,
    *,
    client: ClientFilter = None,
) -> list[ClientCount]:
    """The clients whose operations on ``endpoint`` used ``coordinate`` in [first, last], most operations first
    (``client``: that client, or that version of it, only)."""
    return fold_clients(_coordinate_rows(connection, endpoint, coordinate, first, last, client))


def _coordinate_rows(
    connection: sa.Connection, endpoint: str, coordinate: str, first: dt.date, last: dt.date, client: ClientFilter
) -> list[UsageRow]:
    """The window's sums per (operation, client version) of the operations that use ``coordinate``: the writer's
    per-operation sums joined to the coordinate's rows of ``operation_coordinates`` (no list of signatures sent back
    to the database: ``Query`` has thousands, and PostgreSQL planned 500-value ``IN`` lists badly)."""
    return window_rows(
        connection, endpoint, first, last, operation_coordinates.c.coordinate == coordinate,
        *client_conditions(operation_summaries, client), join=operation_coordinates,
    )


@dataclass(frozen=True, slots=True)
class CoordinateOperations:
    """The operations that used a coordinate in a window, and their clients (:func:`coordinate_operations`)."""

    #: The ``limit`` most used, described, most used first (as :func:`operations_using` ranks them).
    operations: list[OperationUse]
    #: How many more operations used it, and the operations all of them counted (shown or not).
    more: int
    named: int
    #: Every client, most operations first (as :func:`coordinate_clients` gives them).
    clients: list[ClientCount]


def fold_clients(rows: Iterable[UsageRow]) -> list[ClientCount]:
    """Per client version of ``rows``: its operations and last day, most operations first."""
    counts: dict[tuple[str | None, str | None], int] = {}
    last_days: dict[tuple[str | None, str | None], dt.date] = {}
    for _signature, name, version, count, day in rows:
        key = (name, version)
        counts[key] = counts.get(key, 0) + count
        if key not in last_days or day > last_days[key]:
            last_days[key] = day
    found = [ClientCount(name, version, count, last_days[(name, version)]) for (name, version), count in counts.items()]
    found.sort(key=lambda row: (-row.operations, row.name or "", row.version or ""))
    return found


def coordinate_operations(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    first: dt.date,
    last: dt.date,
    *,
    client: ClientFilter = None,
    limit: int | None = None,
) -> CoordinateOperations:
    """The operations on ``endpoint`` that used ``coordinate`` in [first, last] (the ``limit`` most used
    described; None: all) and their clients: what :func:`operations_using` and :func:`coordinate_clients` say,
    from one grouped read (see the module's docstring)."""
    rows = _coordinate_rows(connection, endpoint, coordinate, first, last, client)
    found = fold_operations(rows)
    ranked = top_operations(found, limit, lambda signatures: describe_operations(connection, signatures))
    return CoordinateOperations(
        ranked, len(found) - len(ranked), sum(operation.count for operation in found), fold_clients(rows),
    )
