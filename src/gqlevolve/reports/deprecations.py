"""The deprecation report: every deprecation with its status, dates, replacement, recent usage and verdict.

Example: two records on ``/api/v1/graphql``, one of them still used (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import Deprecation, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_deprecations("/api/v1/graphql", [
    ...     Deprecation("User.name", deprecated_on=date(2026, 6, 1), replacement="User.fullName"),
    ...     Deprecation("Query.users(offset:)", deprecated_on=date(2026, 11, 1), sunset_on=date(2026, 12, 1)),
    ... ])
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", when=date(2026, 11, 20), count=3)
    >>> store.record_operation("/api/v1/graphql", set(), client_name="web", when=date(2026, 11, 20), count=97)
    >>> for row in deprecation_report(store, "v1"):
    ...     print(row.coordinate, row.status, f"{row.share_30d:.0%}", row.removable, row.earliest_removal)
    Query.users(offset:) sunset_warning 0% False 2027-02-18
    User.name deprecated 3% False None
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gqlevolve.advisor import RemovalPolicy, advise_records, window_bounds
from gqlevolve.lifecycle import Status
from gqlevolve.reports._common import endpoints_to_cover, reading, report_window
from gqlevolve.reports.enforcement import refused_per_coordinate
from gqlevolve.reports.sunset import SunsetWarning, warnings_from
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.deprecations import list_deprecations
from gqlevolve.usage_store.evidence import Evidence, gather
from gqlevolve.usage_store.reads import ClientUsage

if TYPE_CHECKING:
    from gqlevolve.lifecycle import Deprecation
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.reads import Connection

__all__ = ["RECENT_DAYS", "DeprecationRow", "EndpointReport", "deprecation_report", "endpoint_report"]

#: The report's "recent usage" covers this many days, ending with ``as_of`` (included: today so far by default).
RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class DeprecationRow:
    """One deprecation. ``share_30d`` is operations that used it / all operations over the 30 days ending with
    ``as_of``, ``as_of`` included (None without traffic); ``clients`` used it in those days; the verdict
    (``removable``, ``earliest_removal``, ``reasons``) is the advisor's, over the complete days before ``as_of``."""

    endpoint: str
    coordinate: str
    status: Status
    reason: str | None
    deprecated_on: dt.date | None
    sunset_on: dt.date | None
    days_until_sunset: int | None
    replacement: str | None
    migration_guide: str | None
    operations_30d: int
    share_30d: float | None
    clients: list[ClientUsage]
    removable: bool
    earliest_removal: dt.date | None
    reasons: list[str]
    #: Over the same 30 days: operations refused (no new adopters, brownouts) and preview requests, by kind. Not
    #: usage: not in ``operations_30d``, ``share_30d`` nor the verdict (:mod:`gqlevolve.reports.enforcement`).
    refused_30d: dict[str, int] | None = None
    #: The enforcement set on the record: refuse new adopters, and its brownout windows.
    refuse_new_adopters: bool = False
    brownouts: tuple[str, ...] = ()


def deprecation_report(
    store: UsageStore,
    endpoint: str | None = None,
    *,
    as_of: dt.date | None = None,
    policy: RemovalPolicy | None = None,
) -> list[DeprecationRow]:
    """Every deprecation of ``endpoint`` (default: of every endpoint), by endpoint and coordinate.

    Read in one transaction: the records, the advisor's evidence and the recent usage of every endpoint.
    """
    as_of, first_day, last_day = report_window(store, as_of, RECENT_DAYS)
    policy = policy or RemovalPolicy()
    rows: list[DeprecationRow] = []
    with reading(store) as connection:
        for name in endpoints_to_cover(reads.endpoints(connection), endpoint):
            rows.extend(_read(connection, name, as_of, first_day, last_day, policy).rows)
    return rows


@dataclass(frozen=True, slots=True)
class EndpointReport:
    """The deprecation report of one endpoint with what it was read from, for a page that shows more of it (the
    dashboard's overview): ``rows`` are :func:`deprecation_report`'s; ``totals`` and ``used`` the endpoint's
    operations per day and each coordinate's over the same 30 days (``first_day`` to ``last_day``, days with data
    only); ``warnings`` :func:`~gqlevolve.reports.sunset.sunset_warnings` of the endpoint (without their client lists:
    :func:`~gqlevolve.reports.sunset.warnings_from`); ``client_counts`` the number of clients of each row (the length
    of its ``clients``, also when those lists were not read: ``client_lists=False``; empty with
    ``client_counts=False``)."""

    endpoint: str
    as_of: dt.date
    first_day: dt.date
    last_day: dt.date
    rows: list[DeprecationRow]
    totals: dict[dt.date, int]
    used: dict[str, dict[dt.date, int]]
    warnings: list[SunsetWarning]
    client_counts: dict[str, int]


def endpoint_report(
    store: UsageStore,
    endpoint: str,
    *,
    as_of: dt.date | None = None,
    policy: RemovalPolicy | None = None,
    within_days: int = 7,
    client_lists: bool = True,
    client_counts: bool = True,
) -> EndpointReport:
    """:func:`deprecation_report` of one endpoint, its daily usage and its sunset warnings (records entering
    ``sunset_warning`` within ``within_days``), read once in one transaction: the sunset warnings' 7 days are the
    last of the report's 30, so their shares come from the same sums instead of a second read of those rows.

    ``client_lists=False``: for a page that shows how many clients use each element, not who (the dashboard's
    overview): the database counts them (``client_counts``) and the rows' ``clients`` lists are read only for
    removed elements (whose late callers an alert names); empty for the others. The counts are the lengths of the
    lists :func:`deprecation_report` gives, read from the same sums. ``client_counts=False`` as well: not counted
    either (``client_counts`` empty), for a page that counts those of the rows it shows only, with
    :func:`gqlevolve.usage_store.reads.client_counts` over ``first_day`` to ``last_day`` (the overview shows 100
    rows: on the benchmark store, counting the clients of all 1,000 elements took 20 ms on SQLite and 45 ms on
    PostgreSQL, those of 100 elements 4 and 8 ms)."""
    as_of, first_day, last_day = report_window(store, as_of, RECENT_DAYS)
    policy = policy or RemovalPolicy()
    with reading(store) as connection:
        [name] = endpoints_to_cover(reads.endpoints(connection), endpoint)
        read = _read(
            connection, name, as_of, first_day, last_day, policy, client_lists=client_lists, client_counts=client_counts
        )
    warnings = warnings_from(name, read.records, read.recent, as_of=as_of, within_days=within_days)
    return EndpointReport(
        name, as_of, first_day, last_day, read.rows, read.recent.totals, dict(read.recent.used), warnings,
        read.client_counts,
    )


@dataclass(frozen=True, slots=True)
class _Read:
    rows: list[DeprecationRow]
    records: list[Deprecation]
    recent: Evidence
    client_counts: dict[str, int]


def _read(
    connection: Connection,
    name: str,
    as_of: dt.date,
    first_day: dt.date,
    last_day: dt.date,
    policy: RemovalPolicy,
    *,
    client_lists: bool = True,
    client_counts: bool = True,
) -> _Read:
    records = {stored.record.coordinate: stored.record for stored in list_deprecations(connection, name)}
    coordinates = sorted(records)  # the verdicts' order
    # The advisor's evidence read here and handed to it, so that the report's own days come from it too (_recent).
    # The rows show the recent 30 days' clients, not the verdicts': the advisor need not sum its window per client.
    window_first, window_last = window_bounds(as_of, policy)
    judged = gather(
        connection, name, coordinates, window_first, window_last, exclude=policy.exclude_clients, clients=False
    )
    verdicts = advise_records(
        connection, name, list(records.values()), as_of=as_of, policy=policy, clients=False, evidence=judged
    )
    recent = _recent(
        connection, name, coordinates, first_day, last_day, None if policy.exclude_clients else judged,
        (window_first, window_last),
    )
    # The clients of each element from the writer's per-client sums (reads.coordinate_clients), not from gather's
    # per-(signature, client) sums of the usage rows: the same lists, one or two rows per client and element to read.
    listed = coordinates if client_lists else [v.coordinate for v in verdicts if v.status is Status.REMOVED]
    if listed:
        recent.clients.update(reads.coordinate_clients(connection, name, listed, since=first_day, until=last_day))
    counts: dict[str, int] = {}
    if client_lists:
        counts = {coordinate: len(found) for coordinate, found in recent.clients.items()}
    elif client_counts:
        # Every coordinate counted, the records' kept: cheaper than a filter on a thousand names in the query.
        counted = reads.client_counts(connection, name, since=first_day, until=last_day)
        counts = {coordinate: counted[coordinate] for coordinate in coordinates if coordinate in counted}
    total = sum(recent.totals.values())
    refused = refused_per_coordinate(connection, name, first_day, last_day)
    rows: list[DeprecationRow] = []
    for verdict in verdicts:
        used = sum(recent.used.get(verdict.coordinate, {}).values())
        record = records[verdict.coordinate]
        rows.append(
            DeprecationRow(
                endpoint=name,
                coordinate=verdict.coordinate,
                status=verdict.status or record.status_on(as_of),  # the verdict's is the record's on as_of
                reason=record.reason,
                deprecated_on=record.deprecated_on,
                sunset_on=record.sunset_on,
                days_until_sunset=record.days_until_sunset(as_of),
                replacement=record.replacement,
                migration_guide=record.migration_guide,
                operations_30d=used,
                share_30d=used / total if total else None,
                clients=recent.clients.get(verdict.coordinate, []),
                removable=verdict.removable,
                earliest_removal=verdict.earliest_removal,
                reasons=verdict.reasons,
                refused_30d=refused.get(verdict.coordinate) or None,
                refuse_new_adopters=record.refuse_new_adopters,
                brownouts=tuple(record.brownouts),
            )
        )
    return _Read(rows, list(records.values()), recent, counts)


def _recent(
    connection: Connection,
    name: str,
    coordinates: list[str],
    first_day: dt.date,
    last_day: dt.date,
    judged: Evidence | None,
    judged_days: tuple[dt.date, dt.date],
) -> Evidence:
    """The report's days (``first_day`` to ``last_day``): their totals and each coordinate's counts, as
    ``gather(..., clients=False)`` gives them (without ``last_used``, which the report does not show).

    The days that ``judged`` holds (the advisor's evidence, from ``judged_days[0]`` to ``judged_days[1]``, every
    client counted; None: it left some out) are taken from it, and only the others read: with the default policy
    the advisor's 90 days end the day before ``as_of``, so the report reads its last day alone instead of its 30
    days again (on the benchmark store, 1,000 elements: the 30 days' read took 30 ms of processor time on SQLite;
    on PostgreSQL 20 ms here and 40 ms in the server; the copy of 29 days from the advisor's evidence takes 5 ms). A
    policy window that does not reach back to ``first_day``, or one that leaves clients out, has the report's days
    read whole.
    """
    window_first, window_last = judged_days
    if judged is None or not window_first <= first_day <= window_last:
        return gather(connection, name, coordinates, first_day, last_day, clients=False, last_used=False)
    through = min(window_last, last_day)
    days = [first_day + dt.timedelta(days=offset) for offset in range((through - first_day).days + 1)]
    recent = Evidence(totals={day: judged.totals[day] for day in days if day in judged.totals})
    for coordinate, counts in judged.used.items():
        kept = {day: counts[day] for day in days if day in counts}
        if kept:
            recent.used[coordinate] = kept
    if through < last_day:
        rest = gather(
            connection, name, coordinates, through + dt.timedelta(days=1), last_day, clients=False, last_used=False
        )
        recent.totals.update(rest.totals)
        for coordinate, counts in rest.used.items():
            recent.used[coordinate].update(counts)
    return recent
