"""Which coordinates each endpoint's schema has, and since when: what "unused" is measured against.

A server registers the schema it serves (:meth:`UsageStore.register_schema`, which the monitor calls when it
starts an endpoint). The store keeps every coordinate of it in ``schema_coordinates`` with the day it first
appeared in a registered schema (``since``) and the day a registered schema no longer had it (``removed_on``), so
that ``gqlevolve unused --days 30`` does not call a field added last week unused, and a field removed from the
schema is no longer listed. ``schema_registrations`` keeps the hash of the schema last registered: a process that
starts with that schema writes nothing (a fleet of 100 processes restarting costs 100 one-row reads).

    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> store.register_schema("/api/v1/graphql", "type Query { a: Int, b: Int }")
    True
    >>> store.register_schema("/api/v1/graphql", "type Query { a: Int, b: Int }")      # the same: nothing written
    False
    >>> with store.reading() as connection:
    ...     sorted(current_coordinates(connection, "/api/v1/graphql"))
    ['Boolean', 'Int', 'Query', 'Query.a', 'Query.b', 'String']
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa

from gqlevolve.coordinates import graphql_core_schema, schema_coordinates
from gqlevolve.usage_store.engine import dialect_insert
from gqlevolve.usage_store.tables import schema_coordinates as schema_coordinates_table
from gqlevolve.usage_store.tables import schema_registrations

__all__ = ["current_coordinates", "register_schema", "registered_endpoints", "schema_hash"]


def schema_hash(schema: Any) -> str:
    """SHA-256 of the schema's printed SDL (Strawberry, graphql-core or SDL text)."""
    from graphql import build_schema, print_schema

    core = build_schema(schema) if isinstance(schema, str) else graphql_core_schema(schema)
    return hashlib.sha256(print_schema(core).encode("utf-8")).hexdigest()


def register_schema(connection: sa.Connection, endpoint: str, schema: Any, *, today: dt.date) -> bool:
    """Record ``schema`` as what ``endpoint`` serves from ``today`` (inside a transaction); False when it was the
    schema registered last (nothing written)."""
    digest = schema_hash(schema)
    registered = connection.execute(
        sa.select(schema_registrations.c.schema_hash).where(schema_registrations.c.endpoint == endpoint)
    ).scalar_one_or_none()
    if registered == digest:
        return False
    table = schema_coordinates_table
    coordinates = schema_coordinates(schema, types=True)
    known = dict(
        connection.execute(sa.select(table.c.coordinate, table.c.removed_on).where(table.c.endpoint == endpoint)).all()
    )
    new = sorted(coordinates - known.keys())
    back = sorted(coordinate for coordinate in coordinates & known.keys() if known[coordinate] is not None)
    gone = sorted(coordinate for coordinate, removed in known.items() if removed is None and coordinate not in coordinates)
    if new:  # two processes of a fleet may register the same new schema at once: the second adds nothing
        connection.execute(
            dialect_insert(connection, table).on_conflict_do_nothing(),
            [{"endpoint": endpoint, "coordinate": c, "since": today, "removed_on": None} for c in new],
        )
    for coordinates_changed, values in ((back, {"since": today, "removed_on": None}), (gone, {"removed_on": today})):
        for start in range(0, len(coordinates_changed), 500):  # bounded IN lists
            connection.execute(
                table.update()
                .where(table.c.endpoint == endpoint, table.c.coordinate.in_(coordinates_changed[start:start + 500]))
                .values(**values)
            )
    statement = dialect_insert(connection, schema_registrations).values(endpoint=endpoint, schema_hash=digest, registered_on=today)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["endpoint"], set_={"schema_hash": digest, "registered_on": today}
        )
    )
    return True



def current_coordinates(connection: sa.Connection, endpoint: str) -> dict[str, dt.date]:
    """The coordinates of the schema ``endpoint`` registered last, each with the day it appeared (``{}``: none)."""
    table = schema_coordinates_table
    rows = connection.execute(
        sa.select(table.c.coordinate, table.c.since).where(table.c.endpoint == endpoint, table.c.removed_on.is_(None))
    )
    return {coordinate: since for coordinate, since in rows}


def registered_endpoints(connection: sa.Connection) -> dict[str, dt.date]:
    """Every endpoint with a registered schema, with the day it was last registered."""
    rows = connection.execute(sa.select(schema_registrations.c.endpoint, schema_registrations.c.registered_on))
    return dict(rows.all())
