"""The evidence for the removal rule, aggregated in the database: a few grouped queries per endpoint.

Usage is stored per operation signature (the set of deprecated coordinates an operation referenced), client
and day. Every query here first sums ``deprecation_usage`` per signature (and day or client) with the
excluded clients filtered out, then expands the sums to coordinates through ``signature_coordinates``, so
the database does the work and Python receives one row per (coordinate, day) or (coordinate, client).
The denominator comes from ``operation_totals``, with the same clients left out.

Example::

    with store.engine.connect().execution_options(read_only=True) as connection, connection.begin():
        evidence = gather(connection, "/api/v1/graphql", ["User.name"], first_day, last_day, exclude=("bot",))
        evidence.used["User.name"][day], evidence.totals[day]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from gqlevolve.usage_store.tables import (
    UNKNOWN_CLIENT,
    deprecation_usage,
    operation_totals,
    signature_coordinates,
)

__all__ = ["ClientEvidence", "Evidence", "gather"]


@dataclass(frozen=True, slots=True)
class ClientEvidence:
    """A client that used a coordinate in the window (name and version are None when it did not say)."""

    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


@dataclass(slots=True)
class Evidence:
    """What the store holds for some coordinates of an endpoint over a window of days.

    ``totals`` has one entry per day with data (0 for a watched day without traffic, or whose traffic all
    came from excluded clients); ``used`` only the days on which a coordinate was referenced.
    """

    totals: dict[dt.date, int] = field(default_factory=dict)
    used: dict[str, dict[dt.date, int]] = field(default_factory=lambda: defaultdict(dict))
    clients: dict[str, list[ClientEvidence]] = field(default_factory=lambda: defaultdict(list))
    last_used: dict[str, dt.date] = field(default_factory=dict)


def gather(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    *,
    exclude: Sequence[str] = (),
) -> Evidence:
    """Totals, usage per coordinate and day, clients, and the last day used (up to ``last_day``)."""
    evidence = Evidence(totals=daily_totals(connection, endpoint, first_day, last_day, exclude=exclude))
    if not coordinates:
        return evidence
    for coordinate, day, count in _usage_by_day(connection, endpoint, coordinates, first_day, last_day, exclude):
        evidence.used[coordinate][_as_date(day)] = int(count)
    for coordinate, name, version, count, last_seen in _usage_by_client(
        connection, endpoint, coordinates, first_day, last_day, exclude
    ):
        evidence.clients[coordinate].append(ClientEvidence(_client(name), _client(version), int(count), _as_date(last_seen)))
    for found in evidence.clients.values():
        found.sort(key=lambda client: (-client.operations, client.name or "", client.version or ""))
    for coordinate, days in evidence.used.items():
        evidence.last_used[coordinate] = max(days)
    # Only the coordinates unused in the window need a look further back (a single grouped query).
    unused = [coordinate for coordinate in coordinates if coordinate not in evidence.used]
    if unused:
        for coordinate, day in _last_used_before(connection, endpoint, unused, first_day, exclude):
            evidence.last_used[coordinate] = _as_date(day)
    return evidence


def daily_totals(
    connection: sa.Connection,
    endpoint: str,
    first_day: dt.date,
    last_day: dt.date,
    *,
    exclude: Sequence[str] = (),
) -> dict[dt.date, int]:
    """All operations per day, without the excluded clients; a day with data keeps its entry even if that is 0."""
    counted = operation_totals.c.count
    if exclude:
        counted = sa.case((operation_totals.c.client_name.in_(list(exclude)), 0), else_=operation_totals.c.count)
    rows = connection.execute(
        sa.select(operation_totals.c.day, sa.func.sum(counted))
        .where(operation_totals.c.endpoint == endpoint, operation_totals.c.day.between(first_day, last_day))
        .group_by(operation_totals.c.day)
    )
    return {_as_date(day): int(total or 0) for day, total in rows}


def _usage_filter(
    endpoint: str, coordinates: Sequence[str], first_day: dt.date | None, last_day: dt.date, exclude: Sequence[str]
) -> list[sa.ColumnElement[bool]]:
    conditions = [
        deprecation_usage.c.endpoint == endpoint,
        deprecation_usage.c.day <= last_day,
        deprecation_usage.c.signature.in_(
            sa.select(signature_coordinates.c.signature).where(signature_coordinates.c.coordinate.in_(list(coordinates)))
        ),
    ]
    if first_day is not None:
        conditions.append(deprecation_usage.c.day >= first_day)
    if exclude:
        conditions.append(deprecation_usage.c.client_name.not_in(list(exclude)))
    return conditions


def _to_coordinates(per_signature: sa.Subquery, coordinates: Sequence[str]) -> sa.Join:
    return per_signature.join(
        signature_coordinates,
        sa.and_(
            signature_coordinates.c.signature == per_signature.c.signature,
            signature_coordinates.c.coordinate.in_(list(coordinates)),
        ),
    )


def _usage_by_day(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    exclude: Sequence[str],
) -> sa.CursorResult:
    per_signature = (
        sa.select(
            deprecation_usage.c.signature,
            deprecation_usage.c.day,
            sa.func.sum(deprecation_usage.c.count).label("operations"),
        )
        .where(*_usage_filter(endpoint, coordinates, first_day, last_day, exclude))
        .group_by(deprecation_usage.c.signature, deprecation_usage.c.day)
        .subquery("per_signature")
    )
    return connection.execute(
        sa.select(signature_coordinates.c.coordinate, per_signature.c.day, sa.func.sum(per_signature.c.operations))
        .select_from(_to_coordinates(per_signature, coordinates))
        .group_by(signature_coordinates.c.coordinate, per_signature.c.day)
    )


def _usage_by_client(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    exclude: Sequence[str],
) -> sa.CursorResult:
    per_signature = (
        sa.select(
            deprecation_usage.c.signature,
            deprecation_usage.c.client_name,
            deprecation_usage.c.client_version,
            sa.func.sum(deprecation_usage.c.count).label("operations"),
            sa.func.max(deprecation_usage.c.day).label("last_seen"),
        )
        .where(*_usage_filter(endpoint, coordinates, first_day, last_day, exclude))
        .group_by(deprecation_usage.c.signature, deprecation_usage.c.client_name, deprecation_usage.c.client_version)
        .subquery("per_signature")
    )
    return connection.execute(
        sa.select(
            signature_coordinates.c.coordinate,
            per_signature.c.client_name,
            per_signature.c.client_version,
            sa.func.sum(per_signature.c.operations),
            sa.func.max(per_signature.c.last_seen),
        )
        .select_from(_to_coordinates(per_signature, coordinates))
        .group_by(signature_coordinates.c.coordinate, per_signature.c.client_name, per_signature.c.client_version)
    )


def _last_used_before(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    before: dt.date,
    exclude: Sequence[str],
) -> sa.CursorResult:
    per_signature = (
        sa.select(deprecation_usage.c.signature, sa.func.max(deprecation_usage.c.day).label("last_day"))
        .where(*_usage_filter(endpoint, coordinates, None, before - dt.timedelta(days=1), exclude))
        .group_by(deprecation_usage.c.signature)
        .subquery("per_signature")
    )
    return connection.execute(
        sa.select(signature_coordinates.c.coordinate, sa.func.max(per_signature.c.last_day))
        .select_from(_to_coordinates(per_signature, coordinates))
        .group_by(signature_coordinates.c.coordinate)
    )


def _client(value: str) -> str | None:
    return None if value == UNKNOWN_CLIENT else value


def _as_date(value: dt.date | str) -> dt.date:
    # SQLite hands back an aggregate (max) of a DATE column as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
