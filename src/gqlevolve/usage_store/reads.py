"""Reading usage: per day for one coordinate, the clients that used it, the endpoints and coordinates seen.

Every read starts from ``signature_coordinates`` (coordinate -> signatures) and then reads
``deprecation_usage`` by its primary key (endpoint, signature, day, ...), so the cost grows with the days
and clients asked for, not with the size of the store.

Example::

    with engine.connect().execution_options(read_only=True) as connection:
        for row in daily_usage(connection, "/api/v1/graphql", "User.name", since=date(2025, 10, 1)):
            print(row.day, row.operations, row.total, row.share)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gqlevolve.usage_store.tables import (
    client_from_column,
    day_from_column,
    deprecation_usage,
    deprecations,
    operation_totals,
    signature_coordinates,
)

__all__ = ["ClientUsage", "CoordinateUsage", "DailyUsage", "clients", "coordinates", "daily_totals", "daily_usage", "endpoints"]


@dataclass(frozen=True, slots=True)
class DailyUsage:
    """One UTC day of an endpoint: the operations that referenced a coordinate, and all operations."""

    day: dt.date
    operations: int
    total: int

    @property
    def share(self) -> float:
        """``operations / total`` (0.0 on a day without traffic)."""
        return self.operations / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ClientUsage:
    """A client (name and version; None when it did not say) that used a coordinate."""

    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


@dataclass(frozen=True, slots=True)
class CoordinateUsage:
    coordinate: str
    operations: int
    last_seen: dt.date


def _signatures_of(coordinate: str) -> sa.Select:
    return sa.select(signature_coordinates.c.signature).where(signature_coordinates.c.coordinate == coordinate)


def _between(column: sa.ColumnElement, since: dt.date | None, until: dt.date | None) -> list[sa.ColumnElement]:
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column <= until)
    return conditions


def daily_totals(
    connection: sa.Connection, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[dt.date, int]:
    """All operations per day on ``endpoint`` (days with data only; a watched day without traffic is 0)."""
    rows = connection.execute(
        sa.select(operation_totals.c.day, sa.func.sum(operation_totals.c.count))
        .where(operation_totals.c.endpoint == endpoint, *_between(operation_totals.c.day, since, until))
        .group_by(operation_totals.c.day)
    )
    return {day: int(total) for day, total in rows}


def daily_usage(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[DailyUsage]:
    """One entry per day for which ``endpoint`` has data (``since`` and ``until`` included), oldest first.

    One query (one round trip): the day's totals, left-joined with the operations that referenced the
    coordinate. A day with usage always has its totals: both are written in the same transaction.
    """
    totals = (
        sa.select(operation_totals.c.day, sa.func.sum(operation_totals.c.count).label("total"))
        .where(operation_totals.c.endpoint == endpoint, *_between(operation_totals.c.day, since, until))
        .group_by(operation_totals.c.day)
        .subquery("totals")
    )
    used = (
        sa.select(deprecation_usage.c.day, sa.func.sum(deprecation_usage.c.count).label("operations"))
        .where(
            deprecation_usage.c.endpoint == endpoint,
            deprecation_usage.c.signature.in_(_signatures_of(coordinate)),
            *_between(deprecation_usage.c.day, since, until),
        )
        .group_by(deprecation_usage.c.day)
        .subquery("used")
    )
    rows = connection.execute(
        sa.select(totals.c.day, sa.func.coalesce(used.c.operations, 0), totals.c.total)
        .select_from(totals.outerjoin(used, used.c.day == totals.c.day))
        .order_by(totals.c.day)
    )
    return [DailyUsage(day_from_column(day), int(operations), int(total)) for day, operations, total in rows]


def clients(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[ClientUsage]:
    """The clients that used ``coordinate`` on ``endpoint``, most operations first."""
    operations = sa.func.sum(deprecation_usage.c.count)
    rows = connection.execute(
        sa.select(
            deprecation_usage.c.client_name,
            deprecation_usage.c.client_version,
            operations,
            sa.func.max(deprecation_usage.c.day),
        )
        .where(
            deprecation_usage.c.endpoint == endpoint,
            deprecation_usage.c.signature.in_(_signatures_of(coordinate)),
            *_between(deprecation_usage.c.day, since, until),
        )
        .group_by(deprecation_usage.c.client_name, deprecation_usage.c.client_version)
        .order_by(operations.desc(), deprecation_usage.c.client_name, deprecation_usage.c.client_version)
    )
    return [
        ClientUsage(client_from_column(name), client_from_column(version), int(count), day_from_column(last_seen))
        for name, version, count, last_seen in rows
    ]


def coordinates(
    connection: sa.Connection,
    endpoint: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[CoordinateUsage]:
    """Every coordinate used on ``endpoint``, with its operations and last day, most used first."""
    operations = sa.func.sum(deprecation_usage.c.count)
    rows = connection.execute(
        sa.select(signature_coordinates.c.coordinate, operations, sa.func.max(deprecation_usage.c.day))
        .join(signature_coordinates, signature_coordinates.c.signature == deprecation_usage.c.signature)
        .where(deprecation_usage.c.endpoint == endpoint, *_between(deprecation_usage.c.day, since, until))
        .group_by(signature_coordinates.c.coordinate)
        .order_by(operations.desc(), signature_coordinates.c.coordinate)
    )
    return [CoordinateUsage(coordinate, int(count), day_from_column(last)) for coordinate, count, last in rows]


def endpoints(connection: sa.Connection) -> list[str]:
    """Every endpoint the store knows: with traffic, watched, or with deprecation records.

    Nothing else names an endpoint: one whose records were all deleted and that has no traffic (or watch) rows is
    no longer listed, though the audit log keeps its entries.
    """
    union = sa.union(sa.select(operation_totals.c.endpoint), sa.select(deprecations.c.endpoint))  # UNION is distinct
    return sorted(connection.execute(union).scalars())
