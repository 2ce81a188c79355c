"""Reading usage: the named reads that the store, the advisor, the reports and the admin API share.

Every function takes a connection first and runs its queries on it, so that a caller that reads several things
(a report) does so in one read-only transaction, one state of the store (:meth:`UsageStore.reading
<gqlevolve.usage_store.store.UsageStore.reading>`). No other module outside ``gqlevolve.usage_store`` builds SQL
over the usage tables; the removal advisor's aggregation is :mod:`gqlevolve.usage_store.evidence`.

- totals: :func:`daily_totals` (optionally without some clients), :func:`deprecated_operations`;
- one coordinate: :func:`daily_usage`, :func:`clients`;
- an endpoint: :func:`coordinates`, :func:`clients_seen`, :func:`endpoints`;
- per client and coordinate (from ``client_summaries``, the writer's per-client sums:
  :mod:`~gqlevolve.usage_store.client_summaries`): :func:`client_coordinates`, :func:`coordinate_clients`,
  :func:`client_counts` (how many clients per coordinate), :func:`client_first_coordinates` (each client's most
  used coordinates, and how many it used);
- per week (the migration report): :func:`weekly_users` (``client_summaries`` too), :func:`weekly_active_clients`;
- enforcement: :func:`adopters` (who used an element before a day), :func:`version_adopters` (who used a
  version before a day), :func:`enforcement_counts` (operations refused or previewed, apart from usage).

The reads of one coordinate start from ``signature_coordinates`` (coordinate -> signatures) and then read
``deprecation_usage`` by its primary key (endpoint, signature, day, ...), so their cost grows with the days
and clients asked for, not with the size of the store. A client name or version that was not sent is read as
None (it is stored as ``''``).

Example: ``web`` used ``User.name`` on two days, a load test on one; ``clock`` is a
:class:`~gqlevolve.clock.FixedClock` pinned to 2026-11-21:

    >>> from datetime import date
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)      # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> v1 = "/api/v1/graphql"
    >>> store.record_operation(v1, {"User.name"}, client_name="web", when=date(2026, 11, 20), count=2)
    >>> store.record_operation(v1, set(), client_name="load-test", when=date(2026, 11, 20), count=6)
    >>> store.record_operation(v1, {"User.name"}, client_name="web", count=1)
    >>> store.record_operation(v1, set(), client_name="web", count=3)
    >>> with store.reading() as connection:     # or engine.connect().execution_options(read_only=True), begin()
    ...     for row in daily_usage(connection, v1, "User.name", since=date(2026, 11, 1)):
    ...         print(row.day, row.operations, row.total, f"{row.share:.0%}")
    ...     daily_totals(connection, v1, since=date(2026, 11, 1), exclude=("load-test",))
    ...     clients(connection, v1, "User.name")
    2026-11-20 2 8 25%
    2026-11-21 1 4 25%
    {datetime.date(2026, 11, 20): 2, datetime.date(2026, 11, 21): 4}
    [ClientUsage(name='web', version=None, operations=3, last_seen=datetime.date(2026, 11, 21))]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import neg
from typing import Any

import sqlalchemy as sa

from gqlevolve.lifecycle.adoption import client_key
from gqlevolve.usage_store.day_blocks import day_of_number, span_blocks, span_grid, span_last_day, span_sum
from gqlevolve.usage_store.tables import (
    client_from_column,
    client_summaries,
    coordinate_days,
    day_from_column,
    deprecated_days,
    deprecation_usage,
    deprecations,
    operation_totals,
    signature_coordinates,
)
from gqlevolve.usage_store.tables import enforcement_counts as _enforcement_table

__all__ = [
    "BEFORE_FIRST_WEEK",
    "ClientCoordinateUsage",
    "ClientUsage",
    "Connection",
    "CoordinateUsage",
    "DailyUsage",
    "EnforcementCount",
    "adopters",
    "client_coordinates",
    "clients",
    "client_counts",
    "client_first_coordinates",
    "clients_seen",
    "coordinate_clients",
    "coordinates",
    "daily_totals",
    "daily_usage",
    "deprecated_operations",
    "endpoints",
    "enforcement_counts",
    "version_adopters",
    "weekly_active_clients",
    "weekly_users",
]

#: The week :func:`weekly_users` gives to the days before the first week asked for.
BEFORE_FIRST_WEEK = -1

#: What every read takes first (callers outside the store annotate with this name, not with SQLAlchemy's): a
#: connection, best in one read-only transaction (:meth:`UsageStore.reading <gqlevolve.usage_store.UsageStore.reading>`).
Connection = sa.Connection


@dataclass(frozen=True, slots=True)
class DailyUsage:
    """One UTC day of an endpoint: the operations that referenced a coordinate, and all operations."""

    day: dt.date
    operations: int
    total: int

    @property
    def share(self) -> float:
        """``operations / total`` (0.0 on a day without traffic)."""
        return self.operations / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ClientUsage:
    """A client (name and version; None when it did not say), its operations over some days and its last day.

    The one record of a client's usage: of a coordinate (:func:`clients`, the advisor's evidence, the reports'
    client lists; ``gqlevolve.advisor.ClientEvidence`` is this class), or of the whole endpoint
    (:func:`clients_seen`).
    """

    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


@dataclass(frozen=True, slots=True)
class CoordinateUsage:
    """A coordinate used on an endpoint: the operations that referenced it, and the last day one did."""

    coordinate: str
    operations: int
    last_seen: dt.date


@dataclass(frozen=True, slots=True)
class ClientCoordinateUsage:
    """A client (name and version; None when it did not say) that used a coordinate: operations, last day."""

    name: str | None
    version: str | None
    coordinate: str
    operations: int
    last_seen: dt.date


def _signatures_of(coordinate: str) -> sa.Select[tuple[str]]:
    return sa.select(signature_coordinates.c.signature).where(signature_coordinates.c.coordinate == coordinate)


def _between(
    column: sa.ColumnElement[Any], since: dt.date | None, until: dt.date | None
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column <= until)
    return conditions


def daily_totals(
    connection: sa.Connection,
    endpoint: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    exclude: Sequence[str] = (),
) -> dict[dt.date, int]:
    """All operations per day on ``endpoint``: the denominator of every share.

    Days with data only (``since`` and ``until`` included). ``exclude`` (client names) leaves those clients'
    operations out. A watched day without traffic is 0, and so is a day whose operations all came from excluded
    clients: such a day keeps its entry, so that a day without traffic is told apart from a day without data.
    """
    counted: sa.ColumnElement[int] = operation_totals.c.count
    if exclude:
        counted = sa.case((operation_totals.c.client_name.in_(list(exclude)), 0), else_=operation_totals.c.count)
    rows = connection.execute(
        sa.select(operation_totals.c.day, sa.func.sum(counted))
        .where(operation_totals.c.endpoint == endpoint, *_between(operation_totals.c.day, since, until))
        .group_by(operation_totals.c.day)
    )
    return {day_from_column(day): int(total or 0) for day, total in rows}


def deprecated_operations(
    connection: sa.Connection, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[dt.date, int]:
    """Per day, the operations on ``endpoint`` that used at least one deprecated element (days with such use only).

    Each operation has one signature, so summing per day counts it once however many elements it used; the
    writer keeps that sum per day in ``deprecated_days`` (one row a day to read, not one per signature and client).
    """
    rows = connection.execute(
        sa.select(deprecated_days.c.day, deprecated_days.c.count)
        .where(deprecated_days.c.endpoint == endpoint, *_between(deprecated_days.c.day, since, until))
    )
    return {day_from_column(day): int(count) for day, count in rows}


def daily_usage(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[DailyUsage]:
    """One entry per day for which ``endpoint`` has data (``since`` and ``until`` included), oldest first.

    One query (one round trip): the day's totals, left-joined with the operations that referenced the
    coordinate (``coordinate_days``, the writer's sums per coordinate and day). A day with usage always has its
    totals: both are written in the same transaction.
    """
    totals = (
        sa.select(operation_totals.c.day, sa.func.sum(operation_totals.c.count).label("total"))
        .where(operation_totals.c.endpoint == endpoint, *_between(operation_totals.c.day, since, until))
        .group_by(operation_totals.c.day)
        .subquery("totals")
    )
    used = (
        sa.select(coordinate_days.c.day, coordinate_days.c.count.label("operations"))
        .where(
            coordinate_days.c.endpoint == endpoint,
            coordinate_days.c.coordinate == coordinate,
            *_between(coordinate_days.c.day, since, until),
        )
        .subquery("used")
    )
    rows = connection.execute(
        sa.select(totals.c.day, sa.func.coalesce(used.c.operations, 0), totals.c.total)
        .select_from(totals.outerjoin(used, used.c.day == totals.c.day))
        .order_by(totals.c.day)
    )
    return [DailyUsage(day_from_column(day), int(operations), int(total)) for day, operations, total in rows]


def clients(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[ClientUsage]:
    """The clients that used ``coordinate`` on ``endpoint``, most operations first."""
    operations = sa.func.sum(deprecation_usage.c.count)
    rows = connection.execute(
        sa.select(
            deprecation_usage.c.client_name,
            deprecation_usage.c.client_version,
            operations,
            sa.func.max(deprecation_usage.c.day),
        )
        .where(
            deprecation_usage.c.endpoint == endpoint,
            deprecation_usage.c.signature.in_(_signatures_of(coordinate)),
            *_between(deprecation_usage.c.day, since, until),
        )
        .group_by(deprecation_usage.c.client_name, deprecation_usage.c.client_version)
        .order_by(operations.desc(), deprecation_usage.c.client_name, deprecation_usage.c.client_version)
    )
    return [
        ClientUsage(client_from_column(name), client_from_column(version), int(count), day_from_column(last_seen))
        for name, version, count, last_seen in rows
    ]


def coordinates(
    connection: sa.Connection,
    endpoint: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[CoordinateUsage]:
    """Every coordinate used on ``endpoint``, with its operations and last day, most used first (read from
    ``coordinate_days``, the writer's sums per coordinate and day)."""
    operations = sa.func.sum(coordinate_days.c.count)
    rows = connection.execute(
        sa.select(coordinate_days.c.coordinate, operations, sa.func.max(coordinate_days.c.day))
        .where(coordinate_days.c.endpoint == endpoint, *_between(coordinate_days.c.day, since, until))
        .group_by(coordinate_days.c.coordinate)
        .order_by(operations.desc(), coordinate_days.c.coordinate)
    )
    return [CoordinateUsage(coordinate, int(count), day_from_column(last)) for coordinate, count, last in rows]


def clients_seen(
    connection: sa.Connection, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
) -> list[ClientUsage]:
    """Every client (name and version) that sent at least one operation to ``endpoint`` in the days asked for.

    ``operations`` counts all of its operations (deprecated elements or not), ``last_seen`` is its last day with
    one. Ordered by name and version (an unnamed client first). A watched day's 0 row names no client.
    """
    rows = connection.execute(
        sa.select(
            operation_totals.c.client_name,
            operation_totals.c.client_version,
            sa.func.sum(operation_totals.c.count),
            sa.func.max(operation_totals.c.day),
        )
        .where(
            operation_totals.c.endpoint == endpoint,
            *_between(operation_totals.c.day, since, until),
            operation_totals.c.count > 0,
        )
        .group_by(operation_totals.c.client_name, operation_totals.c.client_version)
        .order_by(operation_totals.c.client_name, operation_totals.c.client_version)
    )
    return [
        ClientUsage(client_from_column(name), client_from_column(version), int(count), day_from_column(last_seen))
        for name, version, count, last_seen in rows
    ]


def _pairs(
    endpoint: str,
    since: dt.date | None,
    until: dt.date | None,
    coordinates: Sequence[str] | None = None,
    *,
    sums: bool = True,
) -> sa.Select[Any]:
    """Each (coordinate, client name, version) used on ``endpoint`` in the days asked for, with its operations and
    last day number when ``sums``: from ``client_summaries`` (:mod:`~gqlevolve.usage_store.client_summaries`), the
    block of the grid that holds the days (one row per client and coordinate for up to 33 days), its rows without
    operations in those days left out before they are grouped."""
    table = client_summaries
    grid = span_grid(since, until)
    used = span_sum(since, until, grid, table)
    conditions = [table.c.endpoint == endpoint, *span_blocks(since, until, grid, table), used > 0]
    if coordinates is not None:
        conditions.append(table.c.coordinate.in_(list(coordinates)))
    key = [table.c.coordinate, table.c.client_name, table.c.client_version]
    last_day = span_last_day(since, until, grid, table)
    if since is not None and until is not None and span_grid(since, until, one_block=True) is not None:
        # The days in one block: a client and coordinate is one row there, nothing to group.
        return sa.select(*key, *([used.label("operations"), last_day.label("last_day")] if sums else [])).where(*conditions)
    columns = [sa.func.sum(used).label("operations"), sa.func.max(last_day).label("last_day")]
    return sa.select(*key, *(columns if sums else [])).where(*conditions).group_by(*key)


def _client_sums(
    connection: sa.Connection,
    endpoint: str,
    since: dt.date | None,
    until: dt.date | None,
    coordinates: Sequence[str] | None = None,
) -> Any:
    """(coordinate, client name, version, operations, last day number) of each pair (:func:`_pairs`)."""
    return connection.execute(_pairs(endpoint, since, until, coordinates))


def client_coordinates(
    connection: sa.Connection, endpoint: str, *, since: dt.date | None = None, until: dt.date | None = None
) -> list[ClientCoordinateUsage]:
    """Each (client, coordinate) pair on ``endpoint`` in the days asked for: its operations and last day.

    Read from ``client_summaries`` (the writer's sums per client, coordinate and block of days). Ordered by client
    name, version, then most operations first.
    """
    rows = [
        ClientCoordinateUsage(
            client_from_column(name), client_from_column(version), coordinate, int(count), _day_of(last)
        )
        for coordinate, name, version, count, last in _client_sums(connection, endpoint, since, until)
    ]
    return sorted(rows, key=lambda use: (use.name or "", use.version or "", -use.operations, use.coordinate))


def client_first_coordinates(
    connection: sa.Connection,
    endpoint: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    first: int = 10,
) -> tuple[list[ClientCoordinateUsage], dict[tuple[str | None, str | None], int]]:
    """:func:`client_coordinates` cut to each client's ``first`` pairs (most operations first, then by coordinate),
    and how many pairs each client has: for a page that shows a client's first few elements and the number of the
    others.

    One row per client comes back: the database groups the pairs by client and concatenates each client's
    coordinates, operations and last days (``aggregate_strings``, as :mod:`~gqlevolve.usage_store.evidence` reads
    its daily counts), and Python ranks them (a sort in C of the client's pairs) and counts them (the length of
    the list). The three lists are built in one pass over the same rows, so their items pair up. Why not rank in
    the database: a window function (``row_number`` over each client's pairs) sorts every pair with its key, and
    took 220 ms on SQLite and 300 ms on PostgreSQL for the 50,000 pairs of the benchmark store (50 clients x 1,000
    elements), plus a second pass to count them on SQLite; grouped by client (a hash on PostgreSQL, no sort of the
    pairs) the read took about 110 ms on SQLite and 60 ms on PostgreSQL, the ranking in Python 20 ms (a busy 2-core
    machine, load 4.5). Ties are broken by the coordinate's code points, as :func:`client_coordinates` sorts them.
    A coordinate holds no comma (:func:`gqlevolve.coordinates.parse_coordinate`; the pairing is checked).
    """
    pairs = _pairs(endpoint, since, until).cte("pairs")
    if connection.dialect.name == "sqlite":
        # Each pair's sums computed once, before the grouping's sort: SQLite would otherwise sort the day columns
        # the sums come from (measured: 150 to 230 ms instead of 105 to 150). PostgreSQL groups by a hash, without
        # a sort, and is slower with the pairs materialized first (60 -> 120 ms).
        pairs = pairs.prefix_with("MATERIALIZED")

    def listed(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        return sa.func.aggregate_strings(sa.cast(column, sa.Text), ",")

    rows = connection.execute(
        sa.select(
            pairs.c.client_name,
            pairs.c.client_version,
            sa.func.aggregate_strings(pairs.c.coordinate, ","),
            listed(pairs.c.operations),
            listed(pairs.c.last_day),
        ).group_by(pairs.c.client_name, pairs.c.client_version)
    )
    uses: list[ClientCoordinateUsage] = []
    counts: dict[tuple[str | None, str | None], int] = {}
    for name, version, coordinates, operations, last_days in rows:
        key = (client_from_column(name), client_from_column(version))
        used = coordinates.split(",")
        counts[key] = len(used)
        # (-operations, coordinate): most operations first, then by coordinate; a client's coordinates are distinct.
        ranked = sorted(zip(map(neg, map(int, operations.split(","))), used, last_days.split(","), strict=True))
        uses.extend(
            ClientCoordinateUsage(key[0], key[1], coordinate, -negative, _day_of(int(last)))
            for negative, coordinate, last in ranked[:first]
        )
    uses.sort(key=lambda use: (use.name or "", use.version or "", -use.operations, use.coordinate))
    return uses, counts


def coordinate_clients(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str] | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, list[ClientUsage]]:
    """Coordinate -> the clients that used it on ``endpoint`` in the days asked for, most operations first (then
    by name and version): :func:`clients` for many coordinates at once (None: every coordinate used), read from
    ``client_summaries``. Coordinates nobody used have no entry."""
    per_coordinate: dict[str, list[ClientUsage]] = defaultdict(list)
    for coordinate, name, version, count, last in _client_sums(connection, endpoint, since, until, coordinates):
        per_coordinate[coordinate].append(
            ClientUsage(client_from_column(name), client_from_column(version), int(count), _day_of(last))
        )
    for found in per_coordinate.values():
        found.sort(key=lambda client: (-client.operations, client.name or "", client.version or ""))
    return dict(per_coordinate)


def client_counts(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str] | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, int]:
    """Coordinate -> how many clients (name and version) used it on ``endpoint`` in the days asked for: the length
    of each of :func:`coordinate_clients`' lists, counted by the database (one row per coordinate comes back, not
    one per client and coordinate). Coordinates nobody used have no entry."""
    pairs = _pairs(endpoint, since, until, coordinates, sums=False).subquery()
    rows = connection.execute(sa.select(pairs.c.coordinate, sa.func.count()).group_by(pairs.c.coordinate))
    return {coordinate: int(count) for coordinate, count in rows}


def _day_of(number: int) -> dt.date:
    day = day_of_number(number)
    assert day is not None  # a pair with operations in the days asked for has a last day among them
    return day


def _week_of(column: sa.ColumnElement[Any], first_day: dt.date, weeks: int) -> sa.ColumnElement[int]:
    """The week a day falls in (0 = the one starting on ``first_day``), or :data:`BEFORE_FIRST_WEEK`, as a portable CASE."""
    whens = [(column < first_day + dt.timedelta(days=7 * (week + 1)), week) for week in range(weeks)]
    return sa.case((column < first_day, BEFORE_FIRST_WEEK), *whens, else_=weeks)


def weekly_users(
    connection: sa.Connection, endpoint: str, coordinates: Sequence[str], *, first_day: dt.date, weeks: int
) -> dict[str, dict[int, set[str | None]]]:
    """Coordinate -> week -> the client *names* that used it on ``endpoint`` that week.

    Week 0 starts on ``first_day``; there are ``weeks`` weeks of 7 days. Every day before ``first_day``, as far
    back as the store goes, falls in week :data:`BEFORE_FIRST_WEEK` (-1); days after the last week are not read.
    Only the ``coordinates`` asked for, and only the weeks in which they were used, have entries.

    One grouped read of ``client_summaries``: per coordinate and client name, its operations in each week (and
    before the first), summed from the day columns of the blocks each week touches.
    """
    if not coordinates:
        return {}
    table = client_summaries
    last_day = first_day + dt.timedelta(days=7 * weeks - 1)
    grid = span_grid(first_day, last_day)  # the weeks in one block when they can be (the days before: every block)
    spans = [(None, first_day - dt.timedelta(days=1))] + [
        (first_day + dt.timedelta(days=7 * week), first_day + dt.timedelta(days=7 * week + 6)) for week in range(weeks)
    ]
    rows = connection.execute(
        sa.select(table.c.coordinate, table.c.client_name, *[sa.func.sum(span_sum(since, until, grid, table)) for since, until in spans])
        .where(
            table.c.endpoint == endpoint,
            table.c.coordinate.in_(list(coordinates)),
            *span_blocks(None, last_day, grid, table),
        )
        .group_by(table.c.coordinate, table.c.client_name)
    )
    numbers = [BEFORE_FIRST_WEEK, *range(weeks)]
    users: dict[str, dict[int, set[str | None]]] = defaultdict(lambda: defaultdict(set))
    for coordinate, name, *sums in rows:
        client = client_from_column(name)
        for week_number, used in zip(numbers, sums, strict=True):
            if used:  # a block's row may hold days outside every week asked for
                users[coordinate][week_number].add(client)
    return {coordinate: dict(per_week) for coordinate, per_week in users.items()}


def weekly_active_clients(
    connection: sa.Connection, endpoint: str, *, first_day: dt.date, weeks: int
) -> dict[int, set[str | None]]:
    """Week -> the client *names* that sent at least one operation (of any kind) to ``endpoint`` that week.

    The weeks are those of :func:`weekly_users` (0 starts on ``first_day``), without the days before them; a
    week in which nobody sent anything has no entry.
    """
    last_day = first_day + dt.timedelta(days=7 * weeks - 1)
    week = _week_of(operation_totals.c.day, first_day, weeks).label("week")
    rows = connection.execute(
        sa.select(operation_totals.c.client_name, week)
        .where(
            operation_totals.c.endpoint == endpoint,
            operation_totals.c.day.between(first_day, last_day),
            operation_totals.c.count > 0,
        )
        .group_by(operation_totals.c.client_name, week)
    )
    active: dict[int, set[str | None]] = defaultdict(set)
    for name, week_number in rows:
        active[int(week_number)].add(client_from_column(name))
    return dict(active)


def endpoints(connection: sa.Connection) -> list[str]:
    """Every endpoint the store knows: with traffic, watched, or with deprecation records.

    Nothing else names an endpoint: one whose records were all deleted and that has no traffic (or watch) rows is
    no longer listed, though the audit log keeps its entries.
    """
    union = sa.union(sa.select(operation_totals.c.endpoint), sa.select(deprecations.c.endpoint))  # UNION is distinct
    return sorted(connection.execute(union).scalars())


# --- enforcement ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnforcementCount:
    """Operations of one client refused (``no_new_adopters``, ``brownout``) or previewed (``preview``), per element."""

    coordinate: str
    kind: str
    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


def _clients_of(rows: Any, by_version: bool) -> frozenset[str]:
    # As the rule knows a client (gqlevolve.lifecycle.client_key): its name, or "name/version".
    return frozenset(client_key(name, version, by_version=by_version) for name, version in rows)


def adopters(
    connection: sa.Connection, endpoint: str, coordinate: str, *, before: dt.date | None, by_version: bool = False
) -> frozenset[str]:
    """The clients that used ``coordinate`` on ``endpoint`` before ``before`` (None: ever), as the no-new-adopters
    rule knows them (:func:`~gqlevolve.lifecycle.client_key`: the name, ``''`` unknown, or ``name/version``). Refused and previewed operations are not usage: not here."""
    columns = [deprecation_usage.c.client_name, deprecation_usage.c.client_version]
    query = (
        sa.select(*columns)
        .where(deprecation_usage.c.endpoint == endpoint)
        .where(deprecation_usage.c.signature.in_(_signatures_of(coordinate)))
        .group_by(*columns)
    )
    if before is not None:
        query = query.where(deprecation_usage.c.day < before)
    return _clients_of(connection.execute(query).all(), by_version)


def version_adopters(
    connection: sa.Connection, endpoint: str, *, before: dt.date | None, by_version: bool = False
) -> frozenset[str]:
    """The clients that sent operations to ``endpoint`` (a whole version) before ``before`` (None: ever)."""
    columns = [operation_totals.c.client_name, operation_totals.c.client_version]
    query = (
        sa.select(*columns)
        .where(operation_totals.c.endpoint == endpoint, operation_totals.c.count > 0)
        .group_by(*columns)
    )
    if before is not None:
        query = query.where(operation_totals.c.day < before)
    return _clients_of(connection.execute(query).all(), by_version)


def enforcement_counts(
    connection: sa.Connection,
    endpoint: str,
    *,
    coordinate: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[EnforcementCount]:
    """Refused and previewed operations on ``endpoint`` per coordinate, kind and client, most first."""
    table = _enforcement_table
    query = (
        sa.select(
            table.c.coordinate, table.c.kind, table.c.client_name, table.c.client_version,
            sa.func.sum(table.c.count), sa.func.max(table.c.day),
        )
        .where(table.c.endpoint == endpoint)
        .group_by(table.c.coordinate, table.c.kind, table.c.client_name, table.c.client_version)
    )
    if coordinate is not None:
        query = query.where(table.c.coordinate == coordinate)
    if since is not None:
        query = query.where(table.c.day >= since)
    if until is not None:
        query = query.where(table.c.day <= until)
    rows = [
        EnforcementCount(
            coordinate, kind, client_from_column(name), client_from_column(version), int(count), day_from_column(day)
        )
        for coordinate, kind, name, version, count, day in connection.execute(query)
    ]
    return sorted(rows, key=lambda row: (-row.operations, row.coordinate, row.kind, row.name or "", row.version or ""))
