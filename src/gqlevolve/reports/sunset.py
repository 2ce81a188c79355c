"""Sunset warnings: deprecations in ``sunset_warning`` or entering it soon, and the policy's alert.

The lifecycle policy alerts when an element still has more than 10% of traffic 30 days before its sunset.
"Traffic" here is the share of the endpoint's operations that used the element over the ``RECENT_DAYS`` (7)
days ending with ``as_of``, ``as_of`` included (today so far by default): one week, so that a quiet day does not
hide a busy client.

Example: ``Query.users(offset:)`` is removed on 2026-12-01 and still has 12% of the week's traffic (``clock`` is
pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import Deprecation, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_deprecations("/api/v1/graphql", [
    ...     Deprecation("Query.users(offset:)", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 1)),
    ... ])
    >>> store.record_operation("/api/v1/graphql", {"Query.users(offset:)"}, client_name="ios", count=12)
    >>> store.record_operation("/api/v1/graphql", set(), client_name="web", count=88)
    >>> for warning in sunset_warnings(store):
    ...     print(warning.alert, warning.coordinate, warning.days_until_sunset, f"{warning.recent_share:.0%}")
    ...     print(warning.message)
    True Query.users(offset:) 10 12%
    Query.users(offset:) is removed in 10 days, on 2026-12-01; 12.0% of traffic over the last 7 days - ALERT: above
    10% within 30 days of its sunset
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gqlevolve.lifecycle import SUNSET_WARNING_DAYS, Status
from gqlevolve.reports._common import check_days, endpoints_to_cover, reading, report_window
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.deprecations import list_deprecations
from gqlevolve.usage_store.evidence import Evidence, gather
from gqlevolve.usage_store.reads import ClientUsage

if TYPE_CHECKING:
    from gqlevolve.lifecycle import Deprecation
    from gqlevolve.usage_store import UsageStore

__all__ = ["RECENT_DAYS", "SUNSET_ALERT_SHARE", "SunsetWarning", "sunset_warnings", "warnings_from"]

#: The policy's alert: more than this share of traffic within 30 days of the sunset.
SUNSET_ALERT_SHARE = 0.10
#: The days of the recent share, ending with ``as_of`` (included).
RECENT_DAYS = 7


@dataclass(frozen=True, slots=True)
class SunsetWarning:
    endpoint: str
    coordinate: str
    status: Status
    sunset_on: dt.date | None
    warning_starts: dt.date | None
    days_until_sunset: int | None
    replacement: str | None
    migration_guide: str | None
    recent_operations: int
    recent_share: float | None
    alert: bool
    message: str
    clients: list[ClientUsage]


def sunset_warnings(
    store: UsageStore,
    endpoint: str | None = None,
    *,
    as_of: dt.date | None = None,
    within_days: int = 7,
    alert_share: float = SUNSET_ALERT_SHARE,
) -> list[SunsetWarning]:
    """Records in ``sunset_warning`` on ``as_of``, or entering it within ``within_days``; soonest sunset first.

    Read in one transaction, every endpoint included.
    """
    check_days(within_days, name="within_days")
    as_of, first_day, last_day = report_window(store, as_of, RECENT_DAYS)
    horizon = as_of + dt.timedelta(days=within_days)
    warnings: list[SunsetWarning] = []
    with reading(store) as connection:
        for name in endpoints_to_cover(reads.endpoints(connection), endpoint):
            chosen = _chosen([stored.record for stored in list_deprecations(connection, name)], as_of, horizon)
            if chosen:
                recent = gather(connection, name, [record.coordinate for record in chosen], first_day, last_day)
                warnings.extend(_warnings(name, chosen, recent, as_of, alert_share))
    return _sorted(warnings)


def warnings_from(
    name: str,
    records: Sequence[Deprecation],
    recent: Evidence,
    *,
    as_of: dt.date,
    within_days: int = 7,
    alert_share: float = SUNSET_ALERT_SHARE,
) -> list[SunsetWarning]:
    """:func:`sunset_warnings` of endpoint ``name`` from evidence already read: ``records`` are its deprecation
    records, ``recent`` their usage over a window that ends with ``as_of`` and holds at least the last
    :data:`RECENT_DAYS` days (the deprecation report's 30 days: :func:`gqlevolve.reports.deprecations.endpoint_report`),
    so that a caller that has read them does not read the same rows again. The shares, alerts and messages are
    :func:`sunset_warnings`'s; ``clients`` is left empty (a client's operations over the 7 days cannot be told
    from its sums over a longer window)."""
    check_days(within_days, name="within_days")
    first_day = as_of - dt.timedelta(days=RECENT_DAYS - 1)
    chosen = _chosen(records, as_of, as_of + dt.timedelta(days=within_days))
    week = Evidence(
        totals={day: count for day, count in recent.totals.items() if first_day <= day <= as_of},
        used=defaultdict(dict, {
            record.coordinate: {
                day: count for day, count in recent.used.get(record.coordinate, {}).items() if first_day <= day <= as_of
            }
            for record in chosen
        }),
    )
    return _sorted(_warnings(name, chosen, week, as_of, alert_share))


def _chosen(records: Sequence[Deprecation], as_of: dt.date, horizon: dt.date) -> list[Deprecation]:
    """The records in ``sunset_warning`` on ``as_of``, or deprecated then and past it by ``horizon``."""
    return [
        record for record in records
        if record.status_on(as_of) is Status.SUNSET_WARNING
        or (record.status_on(as_of) is Status.DEPRECATED and record.status_on(horizon) is not Status.DEPRECATED)
    ]


def _sorted(warnings: list[SunsetWarning]) -> list[SunsetWarning]:
    return sorted(warnings, key=lambda warning: (warning.sunset_on or dt.date.max, warning.endpoint, warning.coordinate))


def _warnings(
    name: str, chosen: list[Deprecation], recent: Evidence, as_of: dt.date, alert_share: float
) -> list[SunsetWarning]:
    total = sum(recent.totals.values())
    warnings: list[SunsetWarning] = []
    for record in chosen:
        used = sum(recent.used.get(record.coordinate, {}).values())
        share = used / total if total else None
        days_left = record.days_until_sunset(as_of)
        alert = share is not None and share > alert_share and (days_left is None or days_left <= SUNSET_WARNING_DAYS)
        status = record.status_on(as_of)
        if status is Status.SUNSET_WARNING:
            when = f"is removed in {days_left} days, on {record.sunset_on}" if record.sunset_on else "is pinned to sunset_warning"
        else:
            when = f"enters sunset_warning on {record.sunset_warning_starts} (sunset {record.sunset_on})"
        usage = f"{share:.1%} of traffic over the last {RECENT_DAYS} days" if share is not None else "no traffic data"
        message = f"{record.coordinate} {when}; {usage}"
        if alert:
            message += f" - ALERT: above {alert_share:.0%} within {SUNSET_WARNING_DAYS} days of its sunset"
        warnings.append(
            SunsetWarning(
                endpoint=name,
                coordinate=record.coordinate,
                status=status,
                sunset_on=record.sunset_on,
                warning_starts=record.sunset_warning_starts,
                days_until_sunset=days_left,
                replacement=record.replacement,
                migration_guide=record.migration_guide,
                recent_operations=used,
                recent_share=share,
                alert=alert,
                message=message,
                clients=recent.clients.get(record.coordinate, []),
            )
        )
    return warnings
