"""Usage statistics: per day, all operations of an endpoint and the share that used deprecated elements.

Example: two days of ``/api/v1/graphql`` (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, when=date(2026, 11, 20), count=5)
    >>> store.record_operation("/api/v1/graphql", {"User.name", "Role.GUEST"}, count=1)
    >>> store.record_operation("/api/v1/graphql", set(), count=3)
    >>> stats = usage_stats(store, "v1", days=2)
    >>> for day in stats.days:
    ...     print(day.day, day.operations, f"{day.deprecated_share:.0%}", day.coordinates["User.name"].operations)
    2026-11-20 5 100% 5
    2026-11-21 4 25% 1
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gqlevolve.advisor import check_coordinate
from gqlevolve.endpoints import resolve_endpoint
from gqlevolve.errors import NotFound
from gqlevolve.jsonable import json_quote
from gqlevolve.reports._common import check_days, reading, report_window
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.deprecations import list_deprecations
from gqlevolve.usage_store.evidence import gather

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["CoordinateDay", "UsageDay", "UsageStats", "usage_stats"]


@dataclass(frozen=True, slots=True)
class CoordinateDay:
    operations: int
    share: float | None


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One day with data. ``deprecated_operations`` used at least one deprecated element (each counted once)."""

    day: dt.date
    operations: int
    deprecated_operations: int
    deprecated_share: float | None
    coordinates: dict[str, CoordinateDay] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UsageStats:
    endpoint: str
    first_day: dt.date
    last_day: dt.date
    days_with_data: int
    coordinates: list[str]
    days: list[UsageDay]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def usage_stats(
    store: UsageStore,
    endpoint: str | None,
    days: int = 30,
    *,
    coordinate: str | None = None,
    as_of: dt.date | None = None,
) -> UsageStats:
    """The ``days`` UTC days ending with ``as_of`` (included; default today, so today's usage so far counts);
    days without data are left out. ``first_day`` and ``last_day`` of the result are that window's ends
    (``last_day`` is ``as_of``). Read in one transaction."""
    check_days(days)
    if coordinate is not None:
        check_coordinate(coordinate)
    with reading(store) as connection:
        name = resolve_endpoint(endpoint, reads.endpoints(connection))
        as_of, first_day, last_day = report_window(store, as_of, days)
        recorded = {stored.record.coordinate for stored in list_deprecations(connection, name)}
        if coordinate is not None:
            coordinates = [coordinate]
        else:
            seen = {used.coordinate for used in reads.coordinates(connection, name, since=first_day, until=last_day)}
            coordinates = sorted(recorded | seen)
        evidence = gather(connection, name, coordinates, first_day, last_day)
        deprecated = reads.deprecated_operations(connection, name, since=first_day, until=last_day)
    if coordinate is not None and coordinate not in evidence.used and coordinate not in recorded:
        raise NotFound(
            f"{json_quote(coordinate)} was never used on {name} and has no deprecation record there", field="coordinate"
        )
    totals = evidence.totals
    rows = []
    for day in sorted(totals):
        total = totals[day]
        per_coordinate = {
            coordinate_name: CoordinateDay(count, _share(count, total))
            for coordinate_name in coordinates
            for count in [evidence.used.get(coordinate_name, {}).get(day, 0)]
        }
        used = deprecated.get(day, 0)
        rows.append(UsageDay(day, total, used, _share(used, total), per_coordinate))
    return UsageStats(name, first_day, last_day, len(rows), coordinates, rows)

