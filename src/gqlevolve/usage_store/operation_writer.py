"""Writing a batch's whole-schema usage: its operations, their coordinates, and the per-coordinate sums.

Called by :func:`~gqlevolve.usage_store.writer.write_batch`, in the same transaction (and so under the same
ledger entry) as the rest of the batch. A batch holds usage per (endpoint, day, client, operation signature); its
coordinates are stored once per signature (``operations``, ``operation_coordinates``), so that counting every
coordinate costs storage per signature, not per request. The per-coordinate sums are expanded here, once per
(endpoint, day, signature) after summing over clients: ``coordinate_usage`` (a count per endpoint, coordinate
and day) and ``coordinate_seen`` (first and last day, moved only outwards), which answer "used, and when?"
without reading a signature.

    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.tables import coordinate_seen, coordinate_usage
    >>> store = UsageStore(store_url, clock=clock)
    >>> shape = OperationShape("query", "Users", "3f1c", frozenset({"Query", "Query.users", "User", "User.name"}))
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", operation=shape, count=2)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="ios", operation=shape)
    >>> with store.reading() as connection:
    ...     connection.execute(sa.select(coordinate_usage.c.coordinate, coordinate_usage.c.count)
    ...                        .order_by(coordinate_usage.c.coordinate)).all()
    [('Query', 3), ('Query.users', 3), ('User', 3), ('User.name', 3)]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa

from gqlevolve.usage_store.engine import dialect_insert
from gqlevolve.usage_store.operations import OVERFLOW_SHAPE, OVERFLOW_SIGNATURE, StoredOperation
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.tables import (
    coordinate_seen,
    coordinate_usage,
    operation_coordinates,
    operation_usage,
    operations,
)

__all__ = ["write_operations"]



def write_operations(
    connection: sa.Connection, batch: Batch, *, known_signatures: Collection[str], today: dt.date
) -> None:
    """Add the batch's whole-schema usage (inside the batch's transaction); ``known_signatures`` were written
    before and are skipped; ``today`` is a new operation's ``first_seen``."""
    if not batch.operation_usage and not batch.overflow:
        return
    _write_new_operations(connection, batch, known_signatures, today)
    usage = sorted(batch.operation_usage.items(), key=lambda item: (item[0][0], item[0][4], item[0][1:4]))
    if usage:  # rows in key order: concurrent flushers lock them in the same order and cannot deadlock
        statement = dialect_insert(connection, operation_usage)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["endpoint", "signature", "day", "client_name", "client_version"],
                set_={"count": operation_usage.c.count + statement.excluded["count"]},
            ),
            [
                {"endpoint": endpoint, "signature": signature, "day": day, "client_name": name,
                 "client_version": version, "count": count}
                for (endpoint, day, name, version, signature), count in usage
            ],
        )
    per_coordinate = _per_coordinate_and_day(batch)
    if not per_coordinate:
        return
    statement = dialect_insert(connection, coordinate_usage)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["endpoint", "coordinate", "day"],
            set_={"count": coordinate_usage.c.count + statement.excluded["count"]},
        ),
        [
            {"endpoint": endpoint, "coordinate": coordinate, "day": day, "count": count}
            for (endpoint, coordinate, day), count in sorted(per_coordinate.items())
        ],
    )
    _widen_seen(connection, per_coordinate)


def _write_new_operations(
    connection: sa.Connection, batch: Batch, known_signatures: Collection[str], today: dt.date
) -> None:
    new: list[tuple[str, StoredOperation]] = []
    for signature, operation in sorted(batch.shapes.items()):
        if signature in known_signatures:
            continue
        if operation.overflow:  # the one row for every operation past the cap: no coordinates of its own
            operation = StoredOperation(OVERFLOW_SIGNATURE, OVERFLOW_SHAPE, frozenset())
        new.append((signature, operation))
    if not new:
        return
    connection.execute(
        dialect_insert(connection, operations).on_conflict_do_nothing(),
        [
            {"signature": signature, "kind": operation.shape.kind, "name": operation.shape.name,
             "document_hash": operation.shape.document_hash, "coordinate_count": len(operation.shape.coordinates),
             "first_seen": today}
            for signature, operation in new
        ],
    )
    rows = [
        {"signature": signature, "coordinate": coordinate, "deprecated": coordinate in operation.deprecated}
        for signature, operation in new
        for coordinate in sorted(operation.shape.coordinates)
    ]
    if rows:
        connection.execute(dialect_insert(connection, operation_coordinates).on_conflict_do_nothing(), rows)


def _per_coordinate_and_day(batch: Batch) -> dict[tuple[str, str, dt.date], int]:
    """Operations per (endpoint, coordinate, day): each signature's count summed over clients first, then spread
    over its coordinates; the operations past the cap were spread when counted (``batch.overflow``)."""
    per_signature: dict[tuple[str, dt.date, str], int] = {}
    for (endpoint, day, _name, _version, signature), count in batch.operation_usage.items():
        if signature != OVERFLOW_SIGNATURE:
            key = (endpoint, day, signature)
            per_signature[key] = per_signature.get(key, 0) + count
    per_coordinate = dict(batch.overflow)
    for (endpoint, day, signature), count in per_signature.items():
        for coordinate in batch.shapes[signature].shape.coordinates:
            coordinate_key = (endpoint, coordinate, day)
            per_coordinate[coordinate_key] = per_coordinate.get(coordinate_key, 0) + count
    return per_coordinate


def _widen_seen(connection: sa.Connection, per_coordinate: dict[tuple[str, str, dt.date], int]) -> None:
    """``coordinate_seen``: each coordinate's first and last day, moved only outwards."""
    spans: dict[tuple[str, str], tuple[dt.date, dt.date]] = {}
    for endpoint, coordinate, day in per_coordinate:
        known = spans.get((endpoint, coordinate))
        spans[(endpoint, coordinate)] = (day, day) if known is None else (min(known[0], day), max(known[1], day))
    statement = dialect_insert(connection, coordinate_seen)
    first, last = coordinate_seen.c.first_day, coordinate_seen.c.last_day
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["endpoint", "coordinate"],
            set_={
                "first_day": sa.case((statement.excluded["first_day"] < first, statement.excluded["first_day"]), else_=first),
                "last_day": sa.case((statement.excluded["last_day"] > last, statement.excluded["last_day"]), else_=last),
            },
        ),
        [
            {"endpoint": endpoint, "coordinate": coordinate, "first_day": span[0], "last_day": span[1]}
            for (endpoint, coordinate), span in sorted(spans.items())
        ],
    )
