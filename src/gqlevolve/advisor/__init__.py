"""The removal advisor: may a deprecated coordinate be removed today, and if not, why and when?

The rule (``docs/advisor.md``): a deprecated coordinate may be removed from an endpoint on day D when, on each
of the ``window_days`` complete UTC days before D, the operations that referenced it were strictly under
``threshold`` of all operations on that endpoint; when each of those days is covered by data; and when it was
deprecated at least ``min_deprecated_days`` before D. Excluded clients leave numerator and denominator alike.

Example::

    from gqlevolve import RemovalPolicy, UsageStore, advise

    store = UsageStore("sqlite:///gqlevolve.db")
    for verdict in advise(store, "/api/v1/graphql", policy=RemovalPolicy(exclude_clients=("load-test",))):
        print(verdict.coordinate, verdict.removable, verdict.earliest_removal, *verdict.reasons, sep="\\n  ")
    advise(store, "v1", "User.name")[0].removable   # one coordinate: a list of one verdict
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gqlevolve.advisor.evidence import ClientEvidence, gather
from gqlevolve.advisor.policy import RemovalPolicy, ZeroTrafficDays
from gqlevolve.advisor.verdict import Verdict, judge, not_deprecated
from gqlevolve.coordinates import parse_coordinate
from gqlevolve.endpoints import UnknownEndpoint, resolve_endpoint
from gqlevolve.jsonable import json_quote

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = [
    "ClientEvidence",
    "RemovalPolicy",
    "UnknownEndpoint",
    "Verdict",
    "ZeroTrafficDays",
    "advise",
    "check_as_of",
    "check_coordinate",
]

_COORDINATE_LENGTH = 300  # gqlevolve.usage_store.tables.COORDINATE_LENGTH, without importing SQLAlchemy here


def check_as_of(as_of: dt.date | None, *, today: dt.date) -> dt.date:
    """``as_of`` as a date (default: ``today``); a day after ``today`` is refused."""
    if as_of is None:
        return today
    if isinstance(as_of, dt.datetime):
        as_of = as_of.astimezone(dt.timezone.utc).date() if as_of.tzinfo else as_of.date()
    if not isinstance(as_of, dt.date):
        raise ValueError(f"as_of must be a date, not {json_quote(as_of)}")
    if as_of > today:
        raise ValueError(
            f"as_of {as_of.isoformat()} is in the future (today is {today.isoformat()}, UTC): "
            "the rule judges a day by the complete days before it"
        )
    return as_of


def check_coordinate(coordinate: str, *, element: bool = False) -> str:
    """``coordinate`` if it is a schema coordinate in the GraphQL spec's syntax (:func:`gqlevolve.coordinates.parse_coordinate`)
    that the store can keep; ``element=True`` also refuses a type or a directive alone. ``ValueError`` otherwise."""
    if not isinstance(coordinate, str) or not coordinate.strip() or len(coordinate) > _COORDINATE_LENGTH:
        raise ValueError(
            f"a schema coordinate (User.name, Role.GUEST, Query.users(offset:)) is a non-empty string of at most "
            f"{_COORDINATE_LENGTH} characters, not {coordinate!r:.80}"
        )
    parse_coordinate(coordinate, element=element)  # InvalidCoordinate, a ValueError, says what is wrong
    return coordinate


def advise(
    store: UsageStore,
    endpoint: str | None,
    coordinate: str | None = None,
    *,
    as_of: dt.date | None = None,
    policy: RemovalPolicy | None = None,
) -> list[Verdict]:
    """Verdicts for every deprecated coordinate of ``endpoint`` (sorted by coordinate), or for the one asked for.

    Always a list, so callers handle one and all alike: ``advise(store, "v1", "User.name")[0]``.

    ``endpoint`` is a canonical path (``/api/v1/graphql``) or a version (``v1``); None picks the store's only
    endpoint. ``as_of`` is the day judged (default: today by the store's clock). A coordinate without a deprecation record
    gets a verdict that says so (not removable), not an exception. An unknown endpoint raises
    :class:`UnknownEndpoint`; a future ``as_of`` or a malformed coordinate, ``ValueError``.
    """
    policy = policy or RemovalPolicy()
    as_of = check_as_of(as_of, today=store.clock.today())
    if coordinate is not None:
        check_coordinate(coordinate)
    endpoint = resolve_endpoint(endpoint, store.endpoints())
    records = {stored.record.coordinate: stored.record for stored in store.deprecations(endpoint)}
    if coordinate is not None:
        records = {coordinate: records[coordinate]} if coordinate in records else {}
        if not records:
            return [not_deprecated(endpoint, coordinate, as_of, policy)]
    coordinates = sorted(records)

    first_day = as_of - dt.timedelta(days=policy.window_days)
    last_day = as_of - dt.timedelta(days=1)
    with store.engine.connect().execution_options(read_only=True) as connection, connection.begin():
        evidence = gather(connection, endpoint, coordinates, first_day, last_day, exclude=policy.exclude_clients)

    verdicts = [
        judge(
            endpoint,
            records[name],
            as_of=as_of,
            policy=policy,
            totals=evidence.totals,
            used=evidence.used.get(name, {}),
            clients=evidence.clients.get(name, ()),
            last_used=evidence.last_used.get(name),
        )
        for name in coordinates
    ]
    return verdicts
