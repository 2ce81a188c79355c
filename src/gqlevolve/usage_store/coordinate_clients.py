"""Reading which clients used one coordinate in a window, with their counts and last day (``gqlevolve usage``).

:func:`~gqlevolve.usage_store.operation_reads.operations_using` names each operation's clients, most operations
first, without their counts; the answer to "who uses ``User.name``" needs each client's own count and last day.
This read sums ``operation_usage`` per client over the operations whose shape has the coordinate
(``operation_coordinates``), taking a connection first like the other reads. Operations past the store's daily
cap of operations have no signature, so no client here: the report says how many those are.

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
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gqlevolve.usage_store.operation_reads import ClientFilter
from gqlevolve.usage_store.tables import client_from_column, day_from_column, operation_coordinates, operation_usage

__all__ = ["ClientCount", "coordinate_clients"]


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
    signatures = sa.select(operation_coordinates.c.signature).where(operation_coordinates.c.coordinate == coordinate)
    conditions = [
        operation_usage.c.endpoint == endpoint, operation_usage.c.signature.in_(signatures),
        operation_usage.c.day.between(first, last),
    ]
    if client is not None:
        conditions.append(operation_usage.c.client_name == client[0])
        if client[1] is not None:
            conditions.append(operation_usage.c.client_version == client[1])
    rows = connection.execute(
        sa.select(
            operation_usage.c.client_name, operation_usage.c.client_version,
            sa.func.sum(operation_usage.c.count), sa.func.max(operation_usage.c.day),
        )
        .where(*conditions)
        .group_by(operation_usage.c.client_name, operation_usage.c.client_version)
    )
    found = [
        ClientCount(client_from_column(name), client_from_column(version), int(count), day_from_column(day))
        for name, version, count, day in rows
    ]
    found.sort(key=lambda row: (-row.operations, row.name or "", row.version or ""))
    return found
