"""Synthetic usage histories for the advisor, reports, command-line and admin API tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from gqlevolve import UsageStore

ENDPOINT = "/api/v1/graphql"
AS_OF = dt.date(2025, 6, 1)


def days_before(as_of: dt.date, count: int) -> list[dt.date]:
    """The ``count`` days before ``as_of``, oldest first."""
    return [as_of - dt.timedelta(days=offset) for offset in range(count, 0, -1)]


def days_through(as_of: dt.date, count: int) -> list[dt.date]:
    """The ``count`` days ending with ``as_of`` (included), oldest first: a report's window."""
    return [as_of - dt.timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def deprecate(
    store: UsageStore, coordinate: str, deprecated_on: dt.date = dt.date(2025, 1, 1), endpoint: str = ENDPOINT, **fields
) -> None:
    store.update_deprecation(
        endpoint, coordinate, {"deprecated_on": deprecated_on, **fields}, actor="test", why="fixture", create=True
    )


def seed(
    store: UsageStore,
    days: Iterable[dt.date],
    used: Callable[[dt.date], int],
    *,
    total: int = 10_000,
    coordinates: Iterable[str] = ("User.name",),
    client: str | None = "web",
    version: str | None = "1.0",
    endpoint: str = ENDPOINT,
) -> None:
    """Per day: ``used(day)`` operations referenced ``coordinates``, ``total`` operations in all (same client)."""
    coordinates = list(coordinates)
    for day in days:
        count = used(day)
        if count:
            store.record_operation(endpoint, coordinates, client_name=client, client_version=version, when=day, count=count)
        if total - count:
            store.record_operation(endpoint, [], client_name=client, client_version=version, when=day, count=total - count)
