"""The evidence for the removal rule (and the reports' recent usage), aggregated in the database: a fixed handful
of grouped queries per endpoint, whatever the number of coordinates asked about.

Usage is stored per operation signature (the set of deprecated coordinates an operation referenced), client
and day. The database sums ``deprecation_usage`` per (signature, day) and per (signature, client), with the
excluded clients filtered out; those sums (bounded by signatures x days, not by stored rows) are then fanned
out to the coordinates each signature references, from a ``signature_coordinates`` map read once (doing the fan-out in SQL instead, a join and a second GROUP BY,
measured slower on SQLite than this dictionary walk). When no client is left out, the sums per coordinate and day are read from ``coordinate_days`` instead (the writer keeps
them with the usage: one row per coordinate and day, whatever the number of signatures and clients), and so is
the last day of a coordinate unused in the window; only the lists of clients need the usage rows.
The denominator comes from ``operation_totals`` (:func:`gqlevolve.usage_store.reads.daily_totals`), with the
same clients left out. On SQLite the read connection's page cache is raised for the aggregation
(:data:`SQLITE_READ_CACHE_KIB`).

The removal rule itself (what the evidence means) is :mod:`gqlevolve.advisor`'s; this module only reads.

Example: ``User.name`` used by ``web`` on 2026-11-20 and by a bot on 2026-11-21 (``clock``: a
:class:`~gqlevolve.clock.FixedClock` pinned to 2026-11-21), the bot left out:

    >>> from datetime import date
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)      # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> v1 = "/api/v1/graphql"
    >>> store.record_operation(v1, {"User.name"}, client_name="web", when=date(2026, 11, 20), count=2)
    >>> store.record_operation(v1, set(), client_name="web", when=date(2026, 11, 20), count=8)
    >>> store.record_operation(v1, {"User.name", "Role.GUEST"}, client_name="bot", count=5)
    >>> with store.reading() as connection:
    ...     evidence = gather(
    ...         connection, v1, ["User.name", "Role.GUEST"], date(2026, 11, 1), date(2026, 11, 21), exclude=("bot",)
    ...     )
    >>> evidence.totals            # every day with data, the bot's operations left out
    {datetime.date(2026, 11, 20): 10, datetime.date(2026, 11, 21): 0}
    >>> evidence.used["User.name"]
    {datetime.date(2026, 11, 20): 2}
    >>> evidence.last_used         # Role.GUEST: only the bot used it
    {'User.name': datetime.date(2026, 11, 20)}
    >>> evidence.clients["User.name"]
    [ClientUsage(name='web', version=None, operations=2, last_seen=datetime.date(2026, 11, 20))]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from gqlevolve.usage_store.reads import ClientUsage, daily_totals
from gqlevolve.usage_store.tables import (
    client_from_column,
    coordinate_days,
    day_from_column,
    deprecation_usage,
    signature_coordinates,
)

__all__ = ["SQLITE_READ_CACHE_KIB", "Evidence", "gather"]

#: The page cache a SQLite read connection gets for an aggregation (KiB).
SQLITE_READ_CACHE_KIB = 131_072


@dataclass(slots=True)
class Evidence:
    """What the store holds for some coordinates of an endpoint over a window of days.

    ``totals`` has one entry per day with data (0 for a watched day without traffic, or whose traffic all
    came from excluded clients); ``used`` only the days on which a coordinate was referenced; ``clients`` the
    clients that used a coordinate, most operations first; ``last_used`` the last day a coordinate was used up to
    the window's last day, looking before the window for those unused in it (empty when not asked for:
    ``gather(last_used=False)``).
    """

    totals: dict[dt.date, int] = field(default_factory=dict)
    used: dict[str, dict[dt.date, int]] = field(default_factory=lambda: defaultdict(dict))
    clients: dict[str, list[ClientUsage]] = field(default_factory=lambda: defaultdict(list))
    last_used: dict[str, dt.date] = field(default_factory=dict)


def gather(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    *,
    exclude: Sequence[str] = (),
    clients: bool = True,
    last_used: bool = True,
) -> Evidence:
    """Totals, usage per coordinate and day, clients, and the last day used (up to ``last_day``) on ``endpoint``.

    The window is ``first_day`` to ``last_day``, both included; ``exclude`` (client names) leaves those clients
    out of every figure, totals included. ``clients=False`` leaves ``clients`` empty: the sums per client are the
    costliest of these reads (one group per signature and client), and a caller that shows no client list (the
    deprecation report's verdicts) need not pay for them. ``last_used=False`` leaves ``last_used`` empty, for a
    caller that does not show it (the deprecation report's recent usage): the last day of a coordinate unused in
    the window is looked for in all the days before it (30 ms for the thousand coordinates of the benchmark store
    on a day nobody used them, as much as the 30 days' counts themselves).
    """
    _prepare_read(connection)
    evidence = Evidence(totals=daily_totals(connection, endpoint, since=first_day, until=last_day, exclude=exclude))
    if not coordinates:
        return evidence
    wanted = set(coordinates)
    used = evidence.used
    if not exclude:
        # Every client counts: the daily counts (one row per coordinate and day) already hold these sums.
        used.update(_daily_counts(connection, endpoint, coordinates, first_day, last_day))
        if clients:
            coordinates_of = _coordinates_of_signatures(connection, coordinates)
            _gather_clients(connection, evidence, endpoint, coordinates, coordinates_of, first_day, last_day, exclude)
        if not last_used:
            return evidence
        for coordinate, days in used.items():
            evidence.last_used[coordinate] = max(days)
        unused = [coordinate for coordinate in coordinates if coordinate not in used]
        if unused:
            for coordinate, day in _last_daily_count(connection, endpoint, unused, first_day):
                evidence.last_used[coordinate] = day_from_column(day)
        return evidence

    # Some clients left out: the usage rows, which name the client, summed per signature and fanned out.
    coordinates_of = _coordinates_of_signatures(connection, coordinates)
    for signature, day, count in _sums_per_signature_and_day(connection, endpoint, coordinates, first_day, last_day, exclude):
        day = day_from_column(day)
        for coordinate in coordinates_of[signature]:
            per_day = used[coordinate]
            per_day[day] = per_day.get(day, 0) + int(count)

    if clients:
        _gather_clients(connection, evidence, endpoint, coordinates, coordinates_of, first_day, last_day, exclude)
    if not last_used:
        return evidence

    for coordinate, days in used.items():
        evidence.last_used[coordinate] = max(days)
    # Only the coordinates unused in the window need a look further back.
    unused = [coordinate for coordinate in coordinates if coordinate not in used]
    if unused:
        for signature, day in _last_day_per_signature(connection, endpoint, unused, first_day, exclude):
            day = day_from_column(day)
            for coordinate in coordinates_of[signature]:
                if coordinate in wanted and coordinate not in used:
                    evidence.last_used[coordinate] = max(evidence.last_used.get(coordinate, day), day)
    return evidence


def _gather_clients(
    connection: sa.Connection,
    evidence: Evidence,
    endpoint: str,
    coordinates: Sequence[str],
    coordinates_of: dict[str, list[str]],
    first_day: dt.date,
    last_day: dt.date,
    exclude: Sequence[str],
) -> None:
    per_client: dict[str, dict[tuple[str, str], list[Any]]] = defaultdict(dict)
    for signature, name, version, count, last_seen in _sums_per_signature_and_client(
        connection, endpoint, coordinates, first_day, last_day, exclude
    ):
        last_seen = day_from_column(last_seen)
        for coordinate in coordinates_of[signature]:
            entry = per_client[coordinate].setdefault((name, version), [0, last_seen])
            entry[0] += int(count)
            entry[1] = max(entry[1], last_seen)
    for coordinate, found in per_client.items():
        evidence.clients[coordinate] = sorted(
            (
                ClientUsage(client_from_column(name), client_from_column(version), count, last)
                for (name, version), (count, last) in found.items()
            ),
            key=lambda client: (-client.operations, client.name or "", client.version or ""),
        )


def _prepare_read(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        # SQLite's default page cache (2 MB) is far smaller than a window of usage rows; a read that
        # aggregates them runs about three times faster with the pages it revisits kept in memory.
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_READ_CACHE_KIB}")


def _among(column: sa.ColumnElement[str], values: Sequence[str], dialect: str) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(values)``, the list one array parameter. A thousand
    coordinates as a thousand parameters make a statement that psycopg parses again on each run (it keeps the
    parsed form of statements up to 4 KiB only) and SQLAlchemy expands on each run: about 5 ms of processor time per
    read of the benchmark store's 1,000 coordinates, for the same plan: the array is a constant, hashed, to a plan
    made for its values, as a read-only transaction's plans are (``plan_cache_mode = force_custom_plan``:
    :mod:`gqlevolve.usage_store.engine`; a plan made once for any values compares each row with the names one by
    one: 3.5 to 5.4 s instead of 0.1 s for the benchmark store's daily counts, from a connection's 11th overview
    on)."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.Text)))
    return column.in_(list(values))


def _usage_filter(
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date | None,
    last_day: dt.date,
    exclude: Sequence[str],
    dialect: str,
) -> list[sa.ColumnElement[bool]]:
    conditions = [
        deprecation_usage.c.endpoint == endpoint,
        deprecation_usage.c.day <= last_day,
        deprecation_usage.c.signature.in_(
            sa.select(signature_coordinates.c.signature).where(
                _among(signature_coordinates.c.coordinate, coordinates, dialect)
            )
        ),
    ]
    if first_day is not None:
        conditions.append(deprecation_usage.c.day >= first_day)
    if exclude:
        conditions.append(deprecation_usage.c.client_name.not_in(list(exclude)))
    return conditions


def _coordinates_of_signatures(connection: sa.Connection, coordinates: Sequence[str]) -> dict[str, list[str]]:
    """Signature -> the asked-for coordinates it references (an operation counts for each of them)."""
    mapping: dict[str, list[str]] = defaultdict(list)
    rows = connection.execute(
        sa.select(signature_coordinates.c.signature, signature_coordinates.c.coordinate).where(
            _among(signature_coordinates.c.coordinate, coordinates, connection.dialect.name)
        )
    )
    for signature, coordinate in rows:
        mapping[signature].append(coordinate)
    return mapping


def _sums_per_signature_and_day(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    exclude: Sequence[str],
) -> sa.CursorResult[str, Any, int]:
    return connection.execute(
        sa.select(deprecation_usage.c.signature, deprecation_usage.c.day, sa.func.sum(deprecation_usage.c.count))
        .where(*_usage_filter(endpoint, coordinates, first_day, last_day, exclude, connection.dialect.name))
        .group_by(deprecation_usage.c.signature, deprecation_usage.c.day)
    )


def _sums_per_signature_and_client(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    exclude: Sequence[str],
) -> sa.CursorResult[str, str, str, int, Any]:
    return connection.execute(
        sa.select(
            deprecation_usage.c.signature,
            deprecation_usage.c.client_name,
            deprecation_usage.c.client_version,
            sa.func.sum(deprecation_usage.c.count),
            sa.func.max(deprecation_usage.c.day),
        )
        .where(*_usage_filter(endpoint, coordinates, first_day, last_day, exclude, connection.dialect.name))
        .group_by(deprecation_usage.c.signature, deprecation_usage.c.client_name, deprecation_usage.c.client_version)
    )


def _daily_counts(
    connection: sa.Connection, endpoint: str, coordinates: Sequence[str], first_day: dt.date, last_day: dt.date
) -> Iterator[tuple[str, dict[dt.date, int]]]:
    """Each coordinate's counts per day (days with a row only), from ``coordinate_days``.

    One row per coordinate, its days and its counts concatenated by the database (``group_concat`` on SQLite,
    ``string_agg`` on PostgreSQL: SQLAlchemy's ``aggregate_strings``), instead of one row per coordinate and day:
    the advisor's 90 days of a thousand elements are 1,000 rows to fetch rather than 90,000, and the database's
    concatenation and Python's ``split`` cost far less than building a row object, and a date, per day (measured:
    about 35 ms instead of 150 ms of processor time on SQLite). The two lists are built in one pass over the same
    rows, so their items pair up whatever order the database visited the days in. A day is sent as the text
    :class:`_Days` knows it by (:func:`_day_text`).
    """
    postgresql = connection.dialect.name == "postgresql"
    day_text = _day_text(coordinate_days.c.day, first_day, postgresql=postgresql)
    rows = connection.execute(
        sa.select(
            coordinate_days.c.coordinate,
            sa.func.aggregate_strings(day_text, ","),
            sa.func.aggregate_strings(sa.cast(coordinate_days.c["count"], sa.Text), ","),
        )
        .where(
            coordinate_days.c.endpoint == endpoint,
            _among(coordinate_days.c.coordinate, coordinates, connection.dialect.name),
            coordinate_days.c.day.between(first_day, last_day),
        )
        .group_by(coordinate_days.c.coordinate)
    )
    dates = _Days(first_day, last_day, offsets=postgresql)
    for coordinate, days, counts in rows:
        yield coordinate, dict(zip(map(dates.__getitem__, days.split(",")), map(int, counts.split(",")), strict=True))


class _Days(dict[str, dt.date]):
    """Day text -> date, the window's days made once, so that ``map(days.__getitem__, texts)`` finds each day
    without a Python call per item: a function that parsed or looked up each text took about a third of the
    advisor's processor time on the benchmark store (the overview's 90,000 coordinate-days; measured 390 -> 240 ms
    for the whole overview read, with the advisor reading each coordinate's counts from C as well). The text is
    :func:`_day_text`'s: ``YYYY-MM-DD``, or with ``offsets`` the days since ``first_day``. A text of another shape (a
    SQLite date written as a datetime) is parsed when first met (``__missing__``)."""

    def __init__(self, first_day: dt.date, last_day: dt.date, *, offsets: bool = False) -> None:
        days = [first_day + dt.timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
        super().__init__((str(offset) if offsets else day.isoformat(), day) for offset, day in enumerate(days))

    def __missing__(self, text: str) -> dt.date:
        day = self[text] = dt.date.fromisoformat(text[:10])
        return day


def _day_text(column: sa.ColumnElement[dt.date], first_day: dt.date, *, postgresql: bool) -> sa.ColumnElement[str]:
    """A DATE column as text that :class:`_Days` knows: SQLite stores ``YYYY-MM-DD`` (read as it is); PostgreSQL
    sends the days since ``first_day`` (``day - first_day``, an integer: 43 ms instead of 68 ms to aggregate the
    90,000 days of the benchmark store than with ``to_char(day, 'YYYY-MM-DD')``; a date's own text would depend on
    ``DateStyle``)."""
    if postgresql:
        return sa.cast(column - first_day, sa.Text)
    return sa.cast(column, sa.Text)


def _last_daily_count(
    connection: sa.Connection, endpoint: str, coordinates: Sequence[str], before: dt.date
) -> sa.CursorResult[str, Any]:
    return connection.execute(
        sa.select(coordinate_days.c.coordinate, sa.func.max(coordinate_days.c.day))
        .where(
            coordinate_days.c.endpoint == endpoint,
            _among(coordinate_days.c.coordinate, coordinates, connection.dialect.name),
            coordinate_days.c.day < before,
        )
        .group_by(coordinate_days.c.coordinate)
    )


def _last_day_per_signature(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Sequence[str],
    before: dt.date,
    exclude: Sequence[str],
) -> sa.CursorResult[str, Any]:
    return connection.execute(
        sa.select(deprecation_usage.c.signature, sa.func.max(deprecation_usage.c.day))
        .where(
            *_usage_filter(endpoint, coordinates, None, before - dt.timedelta(days=1), exclude, connection.dialect.name)
        )
        .group_by(deprecation_usage.c.signature)
    )
