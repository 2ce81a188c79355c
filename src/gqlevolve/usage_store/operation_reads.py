"""Reading whole-schema usage: any coordinate's days, the operations behind it, what each endpoint has used.

The reads every whole-schema answer shares (``gqlevolve usage``, ``gqlevolve unused``, the advisor's candidate
verdicts, ``gqlevolve check --db``), each taking a connection first like :mod:`~gqlevolve.usage_store.reads`:

- :func:`coordinate_days`: a coordinate's operations per day against all operations, for all clients
  (``coordinate_usage``) or for one client (its operations' rows in ``operation_usage``);
- :func:`operations_using`: the operations that used any of some coordinates in a window, each with its name,
  kind, document hash, count, clients and last day (``operation_coordinates`` -> ``operation_usage`` by key);
- :func:`coordinate_counts` and :func:`coordinates_seen`: per coordinate, operations in a window, and the
  first and last day it was ever used (kept when old days are pruned);
- :func:`used_coordinates`: which coordinates were used in a window at all (``gqlevolve unused``), without
  summing the window: ``coordinate_seen`` leaves out those whose first and last days do not reach it, and one
  index probe into ``coordinate_usage`` per remaining coordinate finds a day of use;
- :func:`coordinate_seen_days`: one coordinate's first and last day (what :func:`coordinates_seen` says of it);
- :func:`schema_since`: the day some coordinates entered the schema an endpoint registered last (what
  :func:`~gqlevolve.usage_store.schema_registry.current_coordinates` says of them, without reading the rest).

Operations past the daily cap (:mod:`~gqlevolve.usage_store.operations`) are counted in ``coordinate_usage``
like any other, but have no operation of their own: :func:`operations_using` cannot name them, and a coordinate
whose count is higher than its named operations' says so (:attr:`CoordinateDay.operations` against the sum).

    >>> from datetime import date
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> users = OperationShape("query", "Users", "aa" * 16, frozenset({"Query", "Query.users", "User", "User.name"}))
    >>> viewer = OperationShape("query", "Viewer", "bb" * 16, frozenset({"Query", "Query.viewer", "User"}))
    >>> v1 = "/api/v1/graphql"
    >>> store.record_operation(v1, (), client_name="web", client_version="1.4", operation=users, count=3,
    ...                        when=date(2026, 11, 20))
    >>> store.record_operation(v1, (), client_name="ios", operation=viewer, count=5)
    >>> with store.reading() as connection:
    ...     [(d.day, d.operations, d.total) for d in coordinate_days(connection, v1, "User.name", date(2026, 11, 1), date(2026, 11, 21))]
    ...     [(o.name, o.count, o.clients, o.last_seen) for o in operations_using(connection, v1, ["User"], date(2026, 11, 1), date(2026, 11, 21))]
    ...     coordinates_seen(connection, v1)["Query.users"]
    [(datetime.date(2026, 11, 20), 3, 3), (datetime.date(2026, 11, 21), 0, 5)]
    [('Viewer', 5, (('ios', None),), datetime.date(2026, 11, 21)), ('Users', 3, (('web', '1.4'),), datetime.date(2026, 11, 20))]
    (datetime.date(2026, 11, 20), datetime.date(2026, 11, 20))
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace

import sqlalchemy as sa

from gqlevolve.usage_store.operation_summaries import UsageRow, operation_summaries, window_rows
from gqlevolve.usage_store.tables import (
    coordinate_seen,
    coordinate_usage,
    day_from_column,
    operation_coordinates,
    operation_totals,
    operation_usage,
    operations,
    schema_coordinates,
)

__all__ = [
    "ClientFilter",
    "CoordinateDay",
    "OperationUse",
    "UsageRow",
    "client_conditions",
    "coordinate_counts",
    "coordinate_days",
    "coordinate_seen_days",
    "coordinates_seen",
    "describe_operations",
    "fold_operations",
    "operations_using",
    "rank_operations",
    "schema_since",
    "top_operations",
    "used_coordinates",
]

#: (client name, client version or None): one client, or one version of it. None: every client.
ClientFilter = tuple[str, str | None] | None

# Coordinates per IN list (a breaking change may touch hundreds: e.g. a type removed with all its fields).
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CoordinateDay:
    """One day with data on the endpoint: operations that used the coordinate, and all operations."""

    day: dt.date
    operations: int
    total: int

    @property
    def share(self) -> float | None:
        return self.operations / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class OperationUse:
    """An operation (one signature) seen in a window: what it is, how often, by whom, and when last."""

    signature: str
    kind: str
    name: str | None
    document_hash: str
    count: int
    #: (client name, client version), None for what the client did not say; most operations first.
    clients: tuple[tuple[str | None, str | None], ...]
    last_seen: dt.date


def client_conditions(table: sa.Table, client: ClientFilter) -> list[sa.ColumnElement[bool]]:
    """The conditions that keep ``client``'s rows of ``table`` (its ``client_name``, and ``client_version`` when the
    filter names one); none for None."""
    if client is None:
        return []
    name, version = client
    conditions = [table.c.client_name == name]
    if version is not None:
        conditions.append(table.c.client_version == version)
    return conditions


def coordinate_days(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    first: dt.date,
    last: dt.date,
    *,
    client: ClientFilter = None,
) -> list[CoordinateDay]:
    """Per day with data in [first, last] (oldest first): operations that used ``coordinate``, all operations;
    for one ``client`` (name, version or None), both counted for that client only."""
    totals = dict(
        connection.execute(
            sa.select(operation_totals.c.day, sa.func.sum(operation_totals.c.count))
            .where(operation_totals.c.endpoint == endpoint, operation_totals.c.day.between(first, last),
                   *client_conditions(operation_totals, client))
            .group_by(operation_totals.c.day)
        ).all()
    )
    if client is None:
        used_rows = connection.execute(
            sa.select(coordinate_usage.c.day, coordinate_usage.c.count).where(
                coordinate_usage.c.endpoint == endpoint, coordinate_usage.c.coordinate == coordinate,
                coordinate_usage.c.day.between(first, last),
            )
        )
    else:
        signatures = sa.select(operation_coordinates.c.signature).where(operation_coordinates.c.coordinate == coordinate)
        used_rows = connection.execute(
            sa.select(operation_usage.c.day, sa.func.sum(operation_usage.c.count))
            .where(operation_usage.c.endpoint == endpoint, operation_usage.c.signature.in_(signatures),
                   operation_usage.c.day.between(first, last), *client_conditions(operation_usage, client))
            .group_by(operation_usage.c.day)
        )
    used = {day_from_column(day): int(count) for day, count in used_rows}
    days = {day_from_column(day): int(total or 0) for day, total in totals.items()}
    return [CoordinateDay(day, used.get(day, 0), days[day]) for day in sorted(days)]


def operations_using(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Collection[str],
    first: dt.date,
    last: dt.date,
    *,
    client: ClientFilter = None,
) -> list[OperationUse]:
    """The operations on ``endpoint`` that used any of ``coordinates`` in [first, last], most used first."""
    signatures: set[str] = set()
    ordered = sorted(set(coordinates))
    for start in range(0, len(ordered), _CHUNK):
        signatures.update(
            connection.execute(
                sa.select(operation_coordinates.c.signature)
                .where(operation_coordinates.c.coordinate.in_(ordered[start:start + _CHUNK]))
                .distinct()
            ).scalars()
        )
    return _operations(connection, endpoint, sorted(signatures), first, last, client)


def _operations(
    connection: sa.Connection, endpoint: str, signatures: list[str], first: dt.date, last: dt.date, client: ClientFilter
) -> list[OperationUse]:
    rows: list[UsageRow] = []
    table = operation_summaries  # the writer's per-operation sums: a few rows per operation and client
    for start in range(0, len(signatures), _CHUNK):
        rows += window_rows(
            connection, endpoint, first, last, table.c.signature.in_(signatures[start:start + _CHUNK]),
            *client_conditions(table, client),
        )
    found = fold_operations(rows)
    described = describe_operations(connection, [operation.signature for operation in found])
    return rank_operations(found, described)


def fold_operations(rows: Iterable[UsageRow]) -> list[OperationUse]:
    """The operations of ``rows``, not yet described (kind '', no name or hash: :func:`rank_operations` adds
    them), each with its count, clients most operations first and last day; in no order."""
    per_client: dict[str, dict[tuple[str | None, str | None], int]] = {}
    last_seen: dict[str, dt.date] = {}
    for signature, name, version, count, day in rows:
        per_client.setdefault(signature, {})[(name, version)] = count
        if signature not in last_seen or day > last_seen[signature]:
            last_seen[signature] = day
    found = []
    for signature, clients in per_client.items():
        ranked = sorted(clients.items(), key=lambda item: (-item[1], item[0][0] or "", item[0][1] or ""))
        found.append(OperationUse(
            signature, "", None, "", sum(clients.values()), tuple(key for key, _ in ranked), last_seen[signature],
        ))
    return found


def describe_operations(connection: sa.Connection, signatures: Collection[str]) -> dict[str, tuple[str, str | None, str]]:
    """(kind, name, document hash) of each of ``signatures`` that ``operations`` holds."""
    described: dict[str, tuple[str, str | None, str]] = {}
    found = sorted(set(signatures))
    for start in range(0, len(found), _CHUNK):
        for signature, kind, name, document_hash in connection.execute(
            sa.select(operations.c.signature, operations.c.kind, operations.c.name, operations.c.document_hash)
            .where(operations.c.signature.in_(found[start:start + _CHUNK]))
        ):
            described[signature] = (kind, name, document_hash)
    return described


def rank_operations(
    found: Iterable[OperationUse], described: dict[str, tuple[str, str | None, str]]
) -> list[OperationUse]:
    """``found`` (:func:`fold_operations`) described, most used first (then by name and signature); an operation
    that ``described`` lacks keeps kind '' and no name."""
    result = [
        replace(operation, kind=kind, name=name, document_hash=document_hash)
        for operation in found
        for kind, name, document_hash in [described.get(operation.signature, ("", None, ""))]
    ]
    result.sort(key=lambda operation: (-operation.count, operation.name or "", operation.signature))
    return result


def top_operations(
    found: Iterable[OperationUse],
    limit: int | None,
    describe: Callable[[list[str]], dict[str, tuple[str, str | None, str]]],
) -> list[OperationUse]:
    """The ``limit`` most used of ``found`` (:func:`fold_operations`; None: all), described and ranked as
    :func:`rank_operations` ranks them; ``describe`` gives the descriptions of some signatures
    (:func:`describe_operations` on a connection).

    Only the operations that may be shown are described: the ranking breaks ties on counts by name, so every
    operation as used as the last one shown is. A change that breaks 1,069 operations (``PageInfo.startCursor``)
    describes 5 of them, not 1,069 (3 ``IN`` lists of ``operations``)."""
    ordered = sorted(found, key=lambda operation: -operation.count)
    shown = len(ordered) if limit is None else max(limit, 0)
    cut = ordered[shown - 1].count if 0 < shown <= len(ordered) else 0
    candidates = [operation for operation in ordered if operation.count >= cut] if shown else []
    return rank_operations(candidates, describe([operation.signature for operation in candidates]))[:shown]


def coordinate_counts(connection: sa.Connection, endpoint: str, first: dt.date, last: dt.date) -> dict[str, int]:
    """Operations per coordinate on ``endpoint`` in [first, last] (coordinates used at least once)."""
    rows = connection.execute(
        sa.select(coordinate_usage.c.coordinate, sa.func.sum(coordinate_usage.c.count))
        .where(coordinate_usage.c.endpoint == endpoint, coordinate_usage.c.day.between(first, last))
        .group_by(coordinate_usage.c.coordinate)
    )
    return {coordinate: int(count) for coordinate, count in rows}


def coordinates_seen(connection: sa.Connection, endpoint: str) -> dict[str, tuple[dt.date, dt.date]]:
    """Every coordinate ever used on ``endpoint``: (first day, last day)."""
    rows = connection.execute(
        sa.select(coordinate_seen.c.coordinate, coordinate_seen.c.first_day, coordinate_seen.c.last_day)
        .where(coordinate_seen.c.endpoint == endpoint)
    )
    return {coordinate: (day_from_column(first), day_from_column(last)) for coordinate, first, last in rows}


def coordinate_seen_days(connection: sa.Connection, endpoint: str, coordinate: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day ``coordinate`` was ever used on ``endpoint`` (None: never): one row, where
    :func:`coordinates_seen` reads every coordinate's."""
    row = connection.execute(
        sa.select(coordinate_seen.c.first_day, coordinate_seen.c.last_day)
        .where(coordinate_seen.c.endpoint == endpoint, coordinate_seen.c.coordinate == coordinate)
    ).first()
    return None if row is None else (day_from_column(row[0]), day_from_column(row[1]))


def used_coordinates(connection: sa.Connection, endpoint: str, first: dt.date, last: dt.date) -> set[str]:
    """The coordinates used at least once on ``endpoint`` in [first, last]: the coordinates of
    :func:`coordinate_counts`, without their sums.

    Summing ``coordinate_usage`` over a 90-day window reads every row of it (610,000 on a GitHub-sized store: about
    a second on SQLite) to learn one bit per coordinate. Here ``coordinate_seen`` (one row per coordinate ever used)
    leaves out the coordinates whose first and last days do not reach the window (their days of use, pruned or not,
    all lie between those two), and for each of the others an ``EXISTS`` probes the primary key of
    ``coordinate_usage`` (endpoint, coordinate, day) for one day of the window: one index seek per coordinate,
    whatever the window's length. The answer is the same: a coordinate counts as used when a row of the window has
    a count (the writer writes no zero, but a zero would not count here either)."""
    seen = coordinate_seen.alias("seen")
    day_of_use = (
        sa.select(sa.literal(1))
        .where(coordinate_usage.c.endpoint == seen.c.endpoint, coordinate_usage.c.coordinate == seen.c.coordinate,
               coordinate_usage.c.day.between(first, last), coordinate_usage.c.count > 0)
        .exists()
    )
    rows = connection.execute(
        sa.select(seen.c.coordinate).where(
            seen.c.endpoint == endpoint, seen.c.first_day <= last, seen.c.last_day >= first, day_of_use,
        )
    )
    return set(rows.scalars())


def schema_since(
    connection: sa.Connection, endpoint: str, coordinates: Collection[str]
) -> dict[str, dt.date] | None:
    """The day each of ``coordinates`` that the schema ``endpoint`` registered last has entered it; None when that
    schema has no coordinate at all (none was registered): what
    :func:`~gqlevolve.usage_store.schema_registry.current_coordinates` says of them, without reading the 12,715
    coordinates of a GitHub-sized schema (30 to 100 ms) for one."""
    current = [schema_coordinates.c.endpoint == endpoint, schema_coordinates.c.removed_on.is_(None)]
    since: dict[str, dt.date] = {}
    ordered = sorted(set(coordinates))
    for start in range(0, len(ordered), _CHUNK):
        for coordinate, day in connection.execute(
            sa.select(schema_coordinates.c.coordinate, schema_coordinates.c.since)
            .where(*current, schema_coordinates.c.coordinate.in_(ordered[start:start + _CHUNK]))
        ):
            since[coordinate] = day
    if since:
        return since
    registered = connection.execute(sa.select(sa.literal(1)).where(*current).limit(1)).first() is not None
    return since if registered else None
