"""The weekly migration report: per deprecated element and week, clients migrated away versus remaining.

A client is a client *name* here (an app migrates by shipping a new version). The weeks are the 7-day spans
ending with ``as_of`` (the last one ends on ``as_of``, included). In a week:

- **remaining**: clients that used the element that week;
- **migrated**: clients that used it before (in an earlier week, or any time before the report) and were
  active that week without using it;
- **inactive**: clients that used it before and sent nothing at all that week (gone, or just quiet: not
  counted as migrated).

Example: ``ios`` stopped using ``User.name`` in the last week, ``web`` did not (``clock`` is pinned to
2026-11-21, so the weeks end on 2026-11-14 and 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import Deprecation, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_deprecations("/api/v1/graphql", [Deprecation("User.name", deprecated_on=date(2026, 6, 1))])
    >>> for client in ("ios", "web"):
    ...     store.record_operation("/api/v1/graphql", {"User.name"}, client_name=client, when=date(2026, 11, 10))
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", when=date(2026, 11, 20))
    >>> store.record_operation("/api/v1/graphql", set(), client_name="ios", when=date(2026, 11, 20))
    >>> for week in migration_report(store, "v1", weeks=2):
    ...     print(week.coordinate, week.week_start, week.week_end, week.migrated, week.remaining)
    User.name 2026-11-08 2026-11-14 [] ['ios', 'web']
    User.name 2026-11-15 2026-11-21 ['ios'] ['web']
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gqlevolve.errors import InvalidInput
from gqlevolve.reports._common import check_days, endpoints_to_cover, reading, report_window
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.deprecations import list_deprecations

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["MigrationWeek", "migration_report"]

#: How a client that sent no name is listed.
UNNAMED_CLIENT = "(unnamed)"


@dataclass(frozen=True, slots=True)
class MigrationWeek:
    endpoint: str
    coordinate: str
    week_start: dt.date
    week_end: dt.date
    remaining: list[str]
    migrated: list[str]
    inactive: list[str]


def migration_report(
    store: UsageStore,
    endpoint: str | None = None,
    *,
    weeks: int = 4,
    as_of: dt.date | None = None,
    coordinates: Collection[str] | None = None,
) -> list[MigrationWeek]:
    """The ``weeks`` weeks (7 days each) ending with ``as_of``, oldest first, for every deprecated element.

    The last week ends on ``as_of``, included (default today: its usage so far counts). Read in one transaction,
    every endpoint included. ``coordinates``: only those deprecated elements (a page of them: the dashboard reads
    the elements it shows); the others are not read.
    """
    check_days(weeks, name="weeks", at_most=520)
    if isinstance(coordinates, str):  # "User.name" would be its characters, each looked for in the records
        raise InvalidInput("coordinates: a collection of schema coordinates, not one string", field="coordinates")
    _, first_day, _ = report_window(store, as_of, 7 * weeks)  # the weeks end with as_of
    report: list[MigrationWeek] = []
    with reading(store) as connection:
        for name in endpoints_to_cover(reads.endpoints(connection), endpoint):
            deprecated = sorted(stored.record.coordinate for stored in list_deprecations(connection, name))
            if coordinates is not None:
                deprecated = [coordinate for coordinate in deprecated if coordinate in coordinates]
            if not deprecated:
                continue
            users = reads.weekly_users(connection, name, deprecated, first_day=first_day, weeks=weeks)
            active = reads.weekly_active_clients(connection, name, first_day=first_day, weeks=weeks)
            report.extend(_weeks(name, deprecated, users, active, first_day, weeks))
    return report


def _weeks(
    name: str,
    coordinates: list[str],
    users: dict[str, dict[int, set[str | None]]],
    active: dict[int, set[str | None]],
    first_day: dt.date,
    weeks: int,
) -> list[MigrationWeek]:
    report: list[MigrationWeek] = []
    active_in = {week: _names(clients) for week, clients in active.items()}
    for coordinate in coordinates:
        used_in = {week: _names(clients) for week, clients in users.get(coordinate, {}).items()}
        earlier = set(used_in.get(reads.BEFORE_FIRST_WEEK, set()))
        for week in range(weeks):
            remaining = used_in.get(week, set())
            gone = earlier - remaining
            report.append(
                MigrationWeek(
                    endpoint=name,
                    coordinate=coordinate,
                    week_start=first_day + dt.timedelta(days=7 * week),
                    week_end=first_day + dt.timedelta(days=7 * week + 6),
                    remaining=sorted(remaining),
                    migrated=sorted(gone & active_in.get(week, set())),
                    inactive=sorted(gone - active_in.get(week, set())),
                )
            )
            earlier |= remaining
    return report


def _names(clients: set[str | None]) -> set[str]:
    return {UNNAMED_CLIENT if client is None else client for client in clients}
