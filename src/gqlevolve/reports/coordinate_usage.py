"""How one coordinate of the schema is used, deprecated or not: ``gqlevolve usage COORD``.

Over the ``days`` ending with ``as_of`` (included, as every report's window), for all clients or one
(``client="web"`` or ``"web@1.4"``): the operations that used the coordinate per day against all operations
(and the share), the operations behind them (name, kind, document hash, count, clients, last day; the
``limit`` most used, and how many more there are), and the clients with their own counts. Besides the window:
whether the endpoint's registered schema has the coordinate, since when, and the first and last day it was ever
used there.

A client is named ``NAME`` or ``NAME@VERSION``, split at the last ``@`` (a stored name may hold an ``@``: name
such a client with its version, ``bot@corp@1.0``). Both parts must be what the store could keep
(:mod:`gqlevolve.usage_store.clients`: its safe characters, 64 and 32 at most): a name no client could have
is an error, not an empty answer.

Operations past the store's daily cap of distinct operations are counted in the days but have no operation of
their own: :attr:`CoordinateUsage.unattributed` says how many of the window's uses no listed operation
explains.

Example (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> v1 = "/api/v1/graphql"
    >>> store.register_schema(v1, "type Query { users: [User] } type User { name: String, email: String }")
    True
    >>> users = OperationShape("query", "Users", "aa" * 16, frozenset({"Query", "Query.users", "User", "User.name"}))
    >>> other = OperationShape("query", None, "bb" * 16, frozenset({"Query"}))
    >>> store.record_operation(v1, (), client_name="web", client_version="1.4", operation=users, count=3,
    ...                        when=date(2026, 11, 20))
    >>> store.record_operation(v1, (), client_name="ios", operation=other, count=9)
    >>> report = coordinate_usage(store, "v1", "User.name", days=7)
    >>> [(day.day.isoformat(), day.operations, day.total) for day in report.days]
    [('2026-11-20', 3, 3), ('2026-11-21', 0, 9)]
    >>> report.used, report.total, f"{report.share:.0%}", report.last_seen
    (3, 12, '25%', datetime.date(2026, 11, 20))
    >>> [(o.name, o.operations, [c.name for c in o.clients]) for o in report.operations]
    [('Users', 3, ['web'])]
    >>> coordinate_usage(store, "v1", "User.email", days=7).first_seen is None      # in the schema, never used
    True
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gqlevolve.coordinates import parse_coordinate
from gqlevolve.endpoints import resolve_endpoint
from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.inputs import day_count
from gqlevolve.jsonable import json_quote
from gqlevolve.reports._common import check_days, reading, report_window
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.clients import (
    CLIENT_NAME_LENGTH,
    CLIENT_VERSION_LENGTH,
    clean_client_name,
    clean_client_version,
)
from gqlevolve.usage_store.coordinate_clients import coordinate_operations
from gqlevolve.usage_store.operation_reads import coordinate_days, coordinate_seen_days, schema_since
from gqlevolve.usage_store.schema_registry import registered_endpoints

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.reads import Connection

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ClientRef",
    "ClientUse",
    "CoordinateUsage",
    "OperationRow",
    "UsageOfDay",
    "coordinate_usage",
    "known_endpoints",
    "parse_client",
]

#: Operations listed unless asked otherwise, and the most a caller may ask for (a page, a terminal, stays small).
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class ClientRef:
    """A client as asked for or as an operation names it: None for what it did not say."""

    name: str | None
    version: str | None


@dataclass(frozen=True, slots=True)
class ClientUse:
    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


@dataclass(frozen=True, slots=True)
class OperationRow:
    """An operation that used the coordinate: ``name`` None when anonymous; clients most operations first."""

    name: str | None
    kind: str
    document_hash: str
    operations: int
    clients: list[ClientRef]
    last_seen: dt.date


@dataclass(frozen=True, slots=True)
class UsageOfDay:
    """A day with data: operations that used the coordinate, all operations (of the client, when one is asked)."""

    day: dt.date
    operations: int
    total: int
    share: float | None


@dataclass(frozen=True, slots=True)
class CoordinateUsage:
    endpoint: str
    coordinate: str
    #: The client asked about (None: every client).
    client: ClientRef | None
    first_day: dt.date
    last_day: dt.date
    #: Operations in the window that used the coordinate, all operations, and the share.
    used: int
    total: int
    share: float | None
    #: Whether the endpoint's registered schema has it (None: the endpoint registered no schema), since when.
    in_schema: bool | None
    since: dt.date | None
    #: The first and last day it was ever used on the endpoint, by any client (None: never).
    first_seen: dt.date | None
    last_seen: dt.date | None
    days: list[UsageOfDay]
    #: The ``limit`` most used operations, and how many more used it in the window.
    operations: list[OperationRow]
    more_operations: int
    #: Uses in the window that no operation explains (operations past the store's daily cap have none).
    unattributed: int
    clients: list[ClientUse]


def parse_client(text: object, *, name: str = "client") -> tuple[str, str | None]:
    """``NAME`` or ``NAME@VERSION`` (split at the last ``@``) as (name, version or None), or an ``InvalidInput``
    naming ``name`` when no client could be stored under it.

    >>> parse_client("web@1.4"), parse_client("bot@corp@2.0"), parse_client("ios")
    (('web', '1.4'), ('bot@corp', '2.0'), ('ios', None))
    >>> parse_client("<script>")
    Traceback (most recent call last):
    gqlevolve.errors.InvalidInput: client: no client is stored as "<script>": names and versions keep letters, digits, spaces and . _ : / @ + - only (at most 64 and 32 characters)
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{name}: expected a client name, NAME or NAME@VERSION, not {json_quote(text)}", field="client")
    client, at, version = text.strip().rpartition("@")
    if not at:
        client, version = version, ""
    elif not version:
        raise InvalidInput(
            f"{name}: give a version after '@' (NAME@VERSION), or leave '@' out: {json_quote(text)}", field="client"
        )
    if (
        not client or len(client) > CLIENT_NAME_LENGTH or clean_client_name(client) != client
        or len(version) > CLIENT_VERSION_LENGTH or clean_client_version(version) != version
    ):
        raise InvalidInput(
            f"{name}: no client is stored as {json_quote(text)}: names and versions keep letters, digits, spaces and "
            f". _ : / @ + - only (at most {CLIENT_NAME_LENGTH} and {CLIENT_VERSION_LENGTH} characters)",
            field="client",
        )
    return client, (version or None) if at else None


def known_endpoints(connection: Connection) -> list[str]:
    """The endpoints a whole-schema report may name: with traffic or records, or with a registered schema."""
    return sorted(set(reads.endpoints(connection)) | set(registered_endpoints(connection)))


def coordinate_usage(
    store: UsageStore,
    endpoint: str | None,
    coordinate: str,
    days: int = 30,
    *,
    client: str | None = None,
    limit: int = DEFAULT_LIMIT,
    as_of: dt.date | None = None,
) -> CoordinateUsage:
    """How ``coordinate`` was used on ``endpoint`` in the ``days`` ending with ``as_of`` (default today, included);
    ``client``: ``NAME`` or ``NAME@VERSION``. Read in one transaction.

    A :class:`~gqlevolve.errors.NotFound` when the coordinate was never used on the endpoint and is not in the
    schema it registered (a typo, most likely)."""
    check_days(days)
    parse_coordinate(coordinate)  # InvalidCoordinate (field: coordinate), a long one cut in the message
    day_count(limit, field="limit", most=MAX_LIMIT)
    wanted = None if client is None else parse_client(client)
    with reading(store) as connection:
        name = resolve_endpoint(endpoint, known_endpoints(connection))
        as_of, first_day, last_day = report_window(store, as_of, days)
        # The schema's day for this coordinate alone (a GitHub-sized schema has 12,715: 30 to 80 ms to read them all).
        schema = schema_since(connection, name, [coordinate])
        seen = coordinate_seen_days(connection, name, coordinate)
        if seen is None and (schema is None or coordinate not in schema):
            where = "and is not in the schema it registered" if schema is not None else "(it registered no schema to look in)"
            raise NotFound(f"{json_quote(coordinate)} was never used on {name} {where}", field="coordinate")
        per_day = coordinate_days(connection, name, coordinate, first_day, last_day, client=wanted)
        # The operations and the clients from one grouped read; only the `limit` shown are described.
        found = coordinate_operations(connection, name, coordinate, first_day, last_day, client=wanted, limit=limit)
    used = sum(day.operations for day in per_day)
    total = sum(day.total for day in per_day)
    return CoordinateUsage(
        endpoint=name, coordinate=coordinate,
        client=None if wanted is None else ClientRef(*wanted),
        first_day=first_day, last_day=last_day, used=used, total=total, share=used / total if total else None,
        in_schema=None if schema is None else coordinate in schema, since=None if schema is None else schema.get(coordinate),
        first_seen=seen[0] if seen else None, last_seen=seen[1] if seen else None,
        days=[UsageOfDay(day.day, day.operations, day.total, day.share) for day in per_day],
        operations=[
            OperationRow(o.name, o.kind, o.document_hash, o.count, [ClientRef(*c) for c in o.clients], o.last_seen)
            for o in found.operations
        ],
        more_operations=found.more,
        unattributed=max(0, used - found.named),
        clients=[ClientUse(c.name, c.version, c.operations, c.last_seen) for c in found.clients],
    )
