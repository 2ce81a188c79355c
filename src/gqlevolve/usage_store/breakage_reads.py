"""Reading what a change would break: whole-schema coverage of a window, and the operations that match a rule.

The reads behind the advisor's candidate verdicts and ``gqlevolve check --db`` for breaking changes
(:mod:`gqlevolve.advisor.candidates`, :mod:`gqlevolve.schema_diff.usage_check`), on top of
:mod:`~gqlevolve.usage_store.operation_reads`:

- :func:`whole_schema_days`: per day of a window, how many operations whole-schema usage knows (their shape was
  recorded), told apart from days whose operations were all counted without a shape (a store written before
  whole-schema usage, or an adapter that passes no shape): those days are not evidence that something is unused;
- :func:`coordinate_day_counts`: operations per coordinate and day (``coordinate_usage``), the excluded clients'
  named operations taken out;
- :func:`signatures_using`, :func:`named_day_counts`, :func:`operations_of`, :func:`clients_of`: the operations
  (signatures) that use some coordinates, their sums per day, what each is and who sent it
  (:func:`operations_and_clients`: both of the last two from one read);
- :class:`WindowUsage`: the same answers for the many questions of one check, each operation's rows read once
  (the breaking changes of a pull request share most of their operations).

Operations past the daily cap of distinct operations (:mod:`~gqlevolve.usage_store.operations`) are in
``coordinate_usage`` but have no coordinates of their own: they are counted, never named.

    >>> from datetime import date
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> v1 = "/api/v1/graphql"
    >>> users = OperationShape("query", "Users", "aa" * 16, frozenset({"Query", "Query.users", "Query.users(first:)"}))
    >>> store.record_operation(v1, (), client_name="web", operation=users, count=3, when=date(2026, 11, 19))
    >>> store.record_operation(v1, (), client_name="old", count=4, when=date(2026, 11, 18))   # no shape
    >>> with store.reading() as connection:
    ...     days = whole_schema_days(connection, v1, date(2026, 11, 18), date(2026, 11, 20))
    ...     passing = signatures_using(connection, ["Query.users(first:)"])
    ...     [(o.name, o.count) for o in operations_of(connection, v1, passing, date(2026, 11, 18), date(2026, 11, 20))]
    [('Users', 3)]
    >>> days.totals, days.uncovered, days.unshaped
    ({datetime.date(2026, 11, 19): 3}, [datetime.date(2026, 11, 18)], 4)
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from gqlevolve.usage_store.coordinate_clients import fold_clients
from gqlevolve.usage_store.operation_reads import (
    OperationUse,
    UsageRow,
    describe_operations,
    fold_operations,
    rank_operations,
    top_operations,
)
from gqlevolve.usage_store.operation_summaries import operation_summaries, shaped_totals, window_rows
from gqlevolve.usage_store.reads import ClientUsage
from gqlevolve.usage_store.tables import (
    coordinate_usage,
    day_from_column,
    operation_coordinates,
    operation_totals,
    operation_usage,
)

__all__ = [
    "UsedBy",
    "WholeSchemaDays",
    "WindowUsage",
    "clients_of",
    "coordinate_day_counts",
    "last_used_before",
    "named_day_counts",
    "operations_and_clients",
    "operations_of",
    "signatures_using",
    "whole_schema_days",
]

# Values per IN list (a type removed may bring hundreds of coordinates, an operation list thousands of signatures).
_CHUNK = 500
# On PostgreSQL, signatures of operation_usage per IN list: each list of a popular change's operations is a scan of
# the window's rows (a parallel sequential scan, 0.15-0.2 s on the GitHub-sized store), so PageInfo.startCursor's
# 1,069 signatures in lists of 500 scanned it 3 times; one list (hashed by the server) scans it once. Below the
# protocol's 65,535 parameters per statement.
_POSTGRES_SIGNATURE_CHUNK = 20_000


def _chunks(values: Iterable[str], size: int = _CHUNK) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _signature_chunks(connection: sa.Connection, signatures: Iterable[str]) -> Iterable[list[str]]:
    """``signatures`` in IN lists for ``operation_usage``: of 500 on SQLite (each value is an index seek there),
    in one list on PostgreSQL (see ``_POSTGRES_SIGNATURE_CHUNK``)."""
    return _chunks(signatures, _POSTGRES_SIGNATURE_CHUNK if connection.dialect.name == "postgresql" else _CHUNK)


@dataclass(frozen=True, slots=True)
class WholeSchemaDays:
    """A window's days as whole-schema usage sees them.

    ``totals``: per day whose operations whole-schema usage knows, their number (0: watched, no traffic after the
    excluded clients are left out); ``uncovered``: days with operations counted, none of them with its shape;
    ``unshaped``: operations in the window counted without a shape (on any day). A day in neither has no data.
    """

    totals: dict[dt.date, int] = field(default_factory=dict)
    uncovered: list[dt.date] = field(default_factory=list)
    unshaped: int = 0

    @property
    def recorded(self) -> bool:
        """Whether whole-schema usage knows any operation of the window (False: nothing can be approved by it)."""
        return any(self.totals.values())


def _counted(table: sa.Table, exclude: Sequence[str]) -> sa.ColumnElement[int]:
    if not exclude:
        return table.c.count
    return sa.case((table.c.client_name.in_(list(exclude)), 0), else_=table.c.count)


def whole_schema_days(
    connection: sa.Connection, endpoint: str, first: dt.date, last: dt.date, *, exclude: Sequence[str] = ()
) -> WholeSchemaDays:
    """:class:`WholeSchemaDays` of ``endpoint`` from ``first`` to ``last``; ``exclude``: client names left out."""
    all_operations = {
        day_from_column(day): int(total or 0)
        for day, total in connection.execute(
            sa.select(operation_totals.c.day, sa.func.sum(_counted(operation_totals, exclude)))
            .where(operation_totals.c.endpoint == endpoint, operation_totals.c.day.between(first, last))
            .group_by(operation_totals.c.day)
        )
    }
    shaped = {  # the operations with a shape, per client and day (the writer's sums of operation_usage)
        day_from_column(day): int(total or 0)
        for day, total in connection.execute(
            sa.select(shaped_totals.c.day, sa.func.sum(_counted(shaped_totals, exclude)))
            .where(shaped_totals.c.endpoint == endpoint, shaped_totals.c.day.between(first, last))
            .group_by(shaped_totals.c.day)
        )
    }
    totals: dict[dt.date, int] = {}
    uncovered: list[dt.date] = []
    unshaped = 0
    for day in sorted(all_operations.keys() | shaped.keys()):
        counted, known = all_operations.get(day, 0), shaped.get(day, 0)
        unshaped += max(counted - known, 0)
        if known:
            totals[day] = known
        elif counted:
            uncovered.append(day)  # operations that day, none with its shape: no evidence either way
        else:
            totals[day] = 0  # watched without traffic (or only excluded clients): the policy's zero_traffic decides
    return WholeSchemaDays(totals, uncovered, unshaped)


def signatures_using(connection: sa.Connection, coordinates: Collection[str]) -> set[str]:
    """The operation signatures (any endpoint) that use any of ``coordinates``."""
    found: set[str] = set()
    for chunk in _chunks(coordinates):
        found.update(
            connection.execute(
                sa.select(operation_coordinates.c.signature)
                .where(operation_coordinates.c.coordinate.in_(chunk)).distinct()
            ).scalars()
        )
    return found


def named_day_counts(
    connection: sa.Connection,
    endpoint: str,
    signatures: Collection[str],
    first: dt.date,
    last: dt.date,
    *,
    clients: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> dict[dt.date, int]:
    """Operations per day on ``endpoint`` among ``signatures``; ``clients``: only these names; ``exclude``: not these."""
    counts: dict[dt.date, int] = {}
    conditions = [operation_usage.c.endpoint == endpoint, operation_usage.c.day.between(first, last)]
    if clients is not None:
        conditions.append(operation_usage.c.client_name.in_(list(clients)))
    if exclude:
        conditions.append(operation_usage.c.client_name.not_in(list(exclude)))
    for chunk in _signature_chunks(connection, signatures):
        for day, count in connection.execute(
            sa.select(operation_usage.c.day, sa.func.sum(operation_usage.c.count))
            .where(*conditions, operation_usage.c.signature.in_(chunk))
            .group_by(operation_usage.c.day)
        ):
            day = day_from_column(day)
            counts[day] = counts.get(day, 0) + int(count)
    return counts


def coordinate_day_counts(
    connection: sa.Connection,
    endpoint: str,
    coordinates: Collection[str],
    first: dt.date,
    last: dt.date,
    *,
    exclude: Sequence[str] = (),
) -> dict[str, dict[dt.date, int]]:
    """Per coordinate, operations per day that used it (days with use only), every operation counted: those past
    the cap too. ``exclude``: the excluded clients' named operations are subtracted (``coordinate_usage`` keeps no
    client; their operations past the cap, which have no coordinates of their own, stay counted: an upper bound)."""
    counts: dict[str, dict[dt.date, int]] = {coordinate: {} for coordinate in coordinates}
    for chunk in _chunks(coordinates):
        for coordinate, day, count in connection.execute(
            sa.select(coordinate_usage.c.coordinate, coordinate_usage.c.day, coordinate_usage.c.count).where(
                coordinate_usage.c.endpoint == endpoint, coordinate_usage.c.coordinate.in_(chunk),
                coordinate_usage.c.day.between(first, last),
            )
        ):
            counts[coordinate][day_from_column(day)] = int(count)
    if exclude:
        for coordinate, days in counts.items():
            if not days:
                continue
            excluded = named_day_counts(
                connection, endpoint, signatures_using(connection, [coordinate]), first, last, clients=exclude
            )
            for day, count in excluded.items():
                left = days.get(day, 0) - count
                if left > 0:
                    days[day] = left
                else:
                    days.pop(day, None)
    return counts


def last_used_before(connection: sa.Connection, endpoint: str, coordinate: str, before: dt.date) -> dt.date | None:
    """The last day before ``before`` on which ``coordinate`` was used on ``endpoint`` (every client)."""
    day = connection.execute(
        sa.select(sa.func.max(coordinate_usage.c.day)).where(
            coordinate_usage.c.endpoint == endpoint, coordinate_usage.c.coordinate == coordinate,
            coordinate_usage.c.day < before,
        )
    ).scalar()
    return None if day is None else day_from_column(day)


def operations_of(
    connection: sa.Connection,
    endpoint: str,
    signatures: Collection[str],
    first: dt.date,
    last: dt.date,
    *,
    exclude: Sequence[str] = (),
) -> list[OperationUse]:
    """The operations among ``signatures`` seen on ``endpoint`` in the window (excluded clients left out), most
    used first: :class:`~gqlevolve.usage_store.operation_reads.OperationUse`, as ``operations_using`` gives them."""
    return operations_and_clients(connection, endpoint, signatures, first, last, exclude=exclude)[0]


def clients_of(
    connection: sa.Connection,
    endpoint: str,
    signatures: Collection[str],
    first: dt.date,
    last: dt.date,
    *,
    exclude: Sequence[str] = (),
) -> list[ClientUsage]:
    """The clients that sent any of ``signatures`` on ``endpoint`` in the window, most operations first."""
    return _clients(_rows(connection, endpoint, signatures, first, last, exclude))


def operations_and_clients(
    connection: sa.Connection,
    endpoint: str,
    signatures: Collection[str],
    first: dt.date,
    last: dt.date,
    *,
    exclude: Sequence[str] = (),
) -> tuple[list[OperationUse], list[ClientUsage]]:
    """:func:`operations_of` and :func:`clients_of` from one read of the window's rows of ``signatures``: both
    are folded from the same sums per (operation, client version), which a change that many operations break (a
    field of ``PageInfo``) would otherwise have the database group twice."""
    rows = _rows(connection, endpoint, signatures, first, last, exclude)
    found = fold_operations(rows)
    named = rank_operations(found, describe_operations(connection, [operation.signature for operation in found]))
    return named, _clients(rows)


def _rows(
    connection: sa.Connection,
    endpoint: str,
    signatures: Collection[str],
    first: dt.date,
    last: dt.date,
    exclude: Sequence[str],
) -> list[UsageRow]:
    """(signature, client name, client version, operations, last day) of ``signatures`` in the window, from the
    writer's per-operation sums (:func:`~gqlevolve.usage_store.operation_summaries.window_rows`)."""
    table = operation_summaries
    conditions = [table.c.client_name.not_in(list(exclude))] if exclude else []
    rows: list[UsageRow] = []
    for chunk in _signature_chunks(connection, signatures):
        rows += window_rows(connection, endpoint, first, last, table.c.signature.in_(chunk), *conditions)
    return rows


def _clients(rows: list[UsageRow]) -> list[ClientUsage]:
    return [ClientUsage(client.name, client.version, client.operations, client.last_seen) for client in fold_clients(rows)]


@dataclass(frozen=True, slots=True)
class UsedBy:
    """The operations among some signatures seen in a window, and their clients (:meth:`WindowUsage.used_by`)."""

    #: The ``limit`` most used, described, most used first (as :func:`operations_of` ranks them).
    shown: list[OperationUse]
    #: How many more operations there are, and the operations all of them counted (shown or not).
    more: int
    counted: int
    #: Every client, most operations first (as :func:`clients_of` gives them).
    clients: list[ClientUsage]


class WindowUsage:
    """The window's ``operation_usage`` of one endpoint, summed per (operation, client version), read once per
    operation and kept: :meth:`used_by` answers :func:`operations_and_clients` for any signatures, reading only
    those it has not read yet.

    The breaking changes of one check share most of their operations: on the GitHub-sized store the three
    ``PageInfo`` fields a pull request removes are selected by 936, 817 and 1,069 operations, 1,150 of them in all,
    and each change grouped its operations' rows afresh (101,000 to 133,000 rows, 0.2 to 0.4 s each); kept, the
    second and third read only the 138 and 76 operations the first did not. Operations are described (kind, name,
    document hash) once too, and only those that may be shown. One instance answers for one state of the store: the
    questions of one check (:class:`~gqlevolve.schema_diff.usage_check.BreakageCheck` keeps one per endpoint), as
    it keeps the window's days."""

    def __init__(self, endpoint: str, first: dt.date, last: dt.date, *, exclude: Sequence[str] = ()) -> None:
        self.endpoint, self.first, self.last, self.exclude = endpoint, first, last, tuple(exclude)
        self._rows: dict[str, list[UsageRow]] = {}
        self._described: dict[str, tuple[str, str | None, str]] = {}

    def rows(self, connection: sa.Connection, signatures: Collection[str]) -> list[UsageRow]:
        """The window's rows of ``signatures`` summed per (signature, client name, client version)."""
        missing = {signature for signature in signatures if signature not in self._rows}
        if missing:
            read = _rows(connection, self.endpoint, missing, self.first, self.last, self.exclude)
            for signature in missing:
                self._rows[signature] = []
            for row in read:
                self._rows[row[0]].append(row)
        return [row for signature in sorted(set(signatures)) for row in self._rows[signature]]

    def used_by(self, connection: sa.Connection, signatures: Collection[str], *, limit: int | None) -> UsedBy:
        """The operations among ``signatures`` seen in the window (the ``limit`` most used described; None: all)
        and their clients: what :func:`operations_and_clients` says, the operations past ``limit`` counted."""
        rows = self.rows(connection, signatures)
        found = fold_operations(rows)
        shown = top_operations(found, limit, lambda wanted: self._describe(connection, wanted))
        counted = sum(operation.count for operation in found)
        return UsedBy(shown, len(found) - len(shown), counted, _clients(rows))

    def _describe(self, connection: sa.Connection, signatures: list[str]) -> dict[str, tuple[str, str | None, str]]:
        missing = [signature for signature in signatures if signature not in self._described]
        if missing:
            self._described.update(describe_operations(connection, missing))
        return {signature: self._described[signature] for signature in signatures if signature in self._described}
