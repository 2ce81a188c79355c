"""The weekly migration report: per deprecated element and week, clients migrated away versus remaining.

A client is a client *name* here (an app migrates by shipping a new version). The weeks are the 7-day spans
ending with ``as_of`` (the last one ends on ``as_of``, included). In a week:

- **remaining**: clients that used the element that week;
- **migrated**: clients that used it before (in an earlier week, or any time before the report) and were
  active that week without using it;
- **inactive**: clients that used it before and sent nothing at all that week (gone, or just quiet: not
  counted as migrated).

Example::

    for week in migration_report(store, "v1", weeks=4):
        print(week.coordinate, week.week_start, len(week.migrated), "migrated,", len(week.remaining), "remaining")
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from gqlevolve.reports._common import check_days, endpoints_to_cover, reading, report_window
from gqlevolve.usage_store.tables import UNKNOWN_CLIENT, deprecation_usage, operation_totals, signature_coordinates

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["MigrationWeek", "migration_report"]

_BEFORE = -1  # the bucket of the days before the report's first week


@dataclass(frozen=True, slots=True)
class MigrationWeek:
    endpoint: str
    coordinate: str
    week_start: dt.date
    week_end: dt.date
    remaining: list[str]
    migrated: list[str]
    inactive: list[str]


def _week_of(column: sa.ColumnElement, first_day: dt.date, weeks: int) -> sa.ColumnElement[int]:
    """The report week a day falls in (0 = oldest), or -1 before the first week, as a portable CASE."""
    whens = [
        (column < first_day + dt.timedelta(days=7 * (week + 1)), week) for week in range(weeks)
    ]
    return sa.case((column < first_day, _BEFORE), *whens, else_=weeks)


def migration_report(
    store: UsageStore, endpoint: str | None = None, *, weeks: int = 4, as_of: dt.date | None = None
) -> list[MigrationWeek]:
    """The ``weeks`` weeks (7 days each) ending with ``as_of``, oldest first, for every deprecated element.

    The last week ends on ``as_of``, included (default today: its usage so far counts).
    """
    check_days(weeks, name="weeks", at_most=520)
    as_of, first_day, last_day = report_window(store, as_of, 7 * weeks)
    report: list[MigrationWeek] = []
    for name in endpoints_to_cover(store, endpoint):
        coordinates = sorted(stored.record.coordinate for stored in store.deprecations(name))
        if not coordinates:
            continue
        with reading(store) as connection:
            usage_week = _week_of(deprecation_usage.c.day, first_day, weeks).label("week")
            per_signature = (
                sa.select(deprecation_usage.c.signature, deprecation_usage.c.client_name, usage_week)
                .where(deprecation_usage.c.endpoint == name, deprecation_usage.c.day <= last_day)
                .group_by(deprecation_usage.c.signature, deprecation_usage.c.client_name, usage_week)
                .subquery()
            )
            used = connection.execute(
                sa.select(signature_coordinates.c.coordinate, per_signature.c.client_name, per_signature.c.week)
                .join(
                    signature_coordinates,
                    sa.and_(
                        signature_coordinates.c.signature == per_signature.c.signature,
                        signature_coordinates.c.coordinate.in_(coordinates),
                    ),
                )
                .distinct()
            ).all()
            active_week = _week_of(operation_totals.c.day, first_day, weeks).label("week")
            active = connection.execute(
                sa.select(operation_totals.c.client_name, active_week)
                .where(
                    operation_totals.c.endpoint == name,
                    operation_totals.c.day.between(first_day, last_day),
                    operation_totals.c.count > 0,
                )
                .group_by(operation_totals.c.client_name, active_week)
            ).all()
        users: dict[tuple[str, int], set[str]] = defaultdict(set)
        for coordinate, client_name, week in used:
            users[(coordinate, int(week))].add(_client(client_name))
        active_in: dict[int, set[str]] = defaultdict(set)
        for client_name, week in active:
            active_in[int(week)].add(_client(client_name))
        for coordinate in coordinates:
            earlier = set(users.get((coordinate, _BEFORE), set()))
            for week in range(weeks):
                remaining = users.get((coordinate, week), set())
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


def _client(value: str) -> str:
    return value if value != UNKNOWN_CLIENT else "(unnamed)"
