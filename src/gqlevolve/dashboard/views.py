"""What each dashboard page shows, read through the same layers as the command line and the admin API.

Every page's data comes from :mod:`gqlevolve.reports`, :mod:`gqlevolve.advisor`, :mod:`gqlevolve.procedures` or
the named reads of :mod:`gqlevolve.usage_store` (``reads``, ``evidence``): no SQL here. The functions are
synchronous (the store is); the routes run them in the thread pool. :class:`PageCache` keeps a page's data for a
few seconds, so that a reload or a second reader does not read the store again (the usage is flushed every few
seconds anyway); a change made through the dashboard clears it.

Example (``store_url`` and ``clock`` as in the other examples; ``clock`` pinned to 2026-11-21):

    >>> import datetime as dt
    >>> from gqlevolve.lifecycle import Deprecation
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> v1 = "/api/v1/graphql"
    >>> _ = store.register_deprecations(v1, [Deprecation("User.name", deprecated_on=dt.date(2026, 6, 1))], actor="doc")
    >>> store.record_operation(v1, {"User.name"}, client_name="web", count=1)
    >>> store.record_operation(v1, set(), client_name="ios", count=99)
    >>> page = overview(store, v1, today=clock.today())
    >>> counts = page.client_counts([row.coordinate for row in page.rows])     # those of a page's rows
    >>> [(row.coordinate, f"{row.share_30d:.0%}", counts[row.coordinate]) for row in page.rows]
    [('User.name', '1%', 1)]
    >>> page.daily_shares("User.name")[-1]
    0.01
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gqlevolve.advisor import RemovalPolicy, advise
from gqlevolve.endpoints import canonical_endpoint, endpoint_version
from gqlevolve.errors import NotFound
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import Status, VersionLifecycle
from gqlevolve.notices.consumers import list_consumers
from gqlevolve.procedures import history
from gqlevolve.reports import (
    DeprecationRow,
    MigrationWeek,
    SunsetWarning,
    migration_report,
)
from gqlevolve.reports.clients import ClientVersionSummary, client_version_summaries
from gqlevolve.reports.deprecations import endpoint_report
from gqlevolve.reports.enforcement import refused_per_coordinate
from gqlevolve.usage_store import reads

if TYPE_CHECKING:
    from gqlevolve.advisor import Verdict
    from gqlevolve.lifecycle import Deprecation
    from gqlevolve.usage_store import AuditEntry, UsageStore
    from gqlevolve.usage_store.reads import ClientUsage

__all__ = [
    "RECENT_DAYS",
    "Alert",
    "ElementPage",
    "MIGRATION_PAGE",
    "MigrationElement",
    "MigrationPages",
    "OVERVIEW_PAGE",
    "Overview",
    "PageCache",
    "SliceReads",
    "VersionRow",
    "consumers",
    "element",
    "known_endpoints",
    "migration",
    "overview",
    "versions",
]

_logger = logging.getLogger("gqlevolve.dashboard")

#: The overview's sparkline and the element page's client list cover the days ending with today (as the report).
RECENT_DAYS = 30

#: The elements of one migration page.
MIGRATION_PAGE = 20

#: The rows of one overview page.
OVERVIEW_PAGE = 100

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Alert:
    """One of the policy's alerts: ``kind`` is ``sunset`` (>10% near the sunset), ``removed`` (still called) or
    ``removable`` (may go now); ``message`` says what, after the coordinate."""

    kind: str
    coordinate: str
    message: str


@dataclass(frozen=True, slots=True)
class Overview:
    """The overview's data: ``totals`` and ``used`` are the report's 30 days of sums (the endpoint's operations per
    day, each element's), from which :meth:`daily_shares` draws a row's sparkline."""

    endpoint: str
    today: dt.date
    rows: list[DeprecationRow]
    days: list[dt.date]
    alerts: list[Alert]
    totals: Mapping[dt.date, int]
    used: Mapping[str, Mapping[dt.date, int]]
    #: How many clients used each of some elements over the 30 days (a page's rows), counted by the database when a
    #: page first shows them (:class:`SliceReads`); the rows' ``clients`` lists are not read but for removed
    #: elements (:func:`~gqlevolve.reports.deprecations.endpoint_report` with ``client_lists=False``).
    client_counts: SliceReads[dict[str, int]]

    def daily_shares(self, coordinate: str) -> list[float | None]:
        """The element's share of each of ``days`` (None: a day without traffic). Drawn for the rows a page shows
        (100), when it is rendered, not for all of them when the data is read: 30,000 divisions for the thousand
        elements of the benchmark store took 30 ms of a cold overview, those of one page take well under 1 ms."""
        used = self.used.get(coordinate, {})
        return [(used.get(day, 0) / self.totals[day]) if self.totals.get(day) else None for day in self.days]


def known_endpoints(store: UsageStore, served: Sequence[str] = ()) -> list[str]:
    """The endpoints a page may show: those the app serves, then those the store knows."""
    known = list(served)
    known += [name for name in store.endpoints() if name not in known]
    return known


def checked_endpoint(value: str | None, known: Sequence[str]) -> str:
    """The endpoint a request names (a path or a version), one of ``known``; the first when none is named."""
    if not value:
        if not known:
            raise NotFound("the usage store knows no endpoint yet: no traffic, no deprecation record")
        return known[0]
    name = canonical_endpoint(value)
    if name not in known:
        raise NotFound(f"unknown endpoint {json_quote(value)}; known: {', '.join(known) or 'none'}", field="endpoint")
    return name


def overview(
    store: UsageStore, endpoint: str, *, today: dt.date, policy: RemovalPolicy | None = None
) -> Overview:
    """The deprecation report of ``endpoint``, the daily shares of its last 30 days and the policy's alerts.

    One read (:func:`~gqlevolve.reports.deprecations.endpoint_report`): the sparklines and the sunset alerts come
    from the report's own 30 days of sums, not from reading those rows again. The page shows how many clients use
    each element, not who: the database counts them, for the rows of a page when it is first shown (the first
    page's now), and the lists are read for removed elements only, whose late callers an alert names."""
    report = endpoint_report(
        store, endpoint, as_of=today, policy=policy, within_days=RECENT_DAYS, client_lists=False, client_counts=False
    )
    rows = report.rows
    days = [today - dt.timedelta(days=offset) for offset in range(RECENT_DAYS - 1, -1, -1)]  # the report's window

    def count(coordinates: tuple[str, ...]) -> dict[str, int]:
        with store.reading() as connection:
            return reads.client_counts(connection, endpoint, coordinates, since=report.first_day, until=report.last_day)

    counts = SliceReads(count)
    counts([row.coordinate for row in rows[:OVERVIEW_PAGE]])  # the first page now, as the migration page's
    return Overview(
        endpoint, today, rows, days, _alerts(report.warnings, endpoint, rows), report.totals, report.used, counts
    )


def _alerts(warnings: Sequence[SunsetWarning], endpoint: str, rows: Sequence[DeprecationRow]) -> list[Alert]:
    """The policy's alerts: >10% of traffic within 30 days of the sunset, removed but called, removable now."""
    alerts = [
        Alert("sunset", warning.coordinate, warning.message.removeprefix(warning.coordinate).strip())
        for warning in warnings
        if warning.alert and warning.endpoint == endpoint
    ]
    for row in rows:
        if row.status is Status.REMOVED and row.sunset_on is not None:
            late = [client for client in row.clients if client.last_seen >= row.sunset_on]
            if late:
                last = max(client.last_seen for client in late)
                alerts.append(Alert(
                    "removed", row.coordinate,
                    f"was removed on {row.sunset_on.isoformat()} and is still called: "
                    f"{len(late)} client(s), last on {last.isoformat()}",
                ))
        elif row.removable:
            alerts.append(Alert("removable", row.coordinate, f"may be removed now: {row.reasons[0]}"))
    return alerts


@dataclass(frozen=True, slots=True)
class ElementPage:
    endpoint: str
    coordinate: str
    today: dt.date
    record: Deprecation
    status: Status
    verdict: Verdict
    days: list[tuple[dt.date, int | None, int | None, float | None]]  # day, operations, total, share (None: no data)
    clients: list[ClientUsage]
    history: list[AuditEntry]
    #: Operations refused (no new adopters, brownouts) and preview requests over the last 30 days, by kind: the
    #: deprecation report's ``refused_30d`` (never counted as use).
    refused_30d: dict[str, int] = field(default_factory=dict)


def element(
    store: UsageStore, endpoint: str, coordinate: str, *, today: dt.date, policy: RemovalPolicy | None = None
) -> ElementPage:
    """One deprecated element: its record, verdict, daily share over the policy's window, clients, audit log."""
    policy = policy or RemovalPolicy()
    [verdict] = advise(store, endpoint, coordinate, as_of=today, policy=policy)  # checks the coordinate
    records = {stored.record.coordinate: stored.record for stored in store.deprecations(endpoint)}
    record = records.get(coordinate)
    if record is None:
        raise NotFound(f"{json_quote(coordinate)} has no deprecation record on {endpoint}", field="coordinate")
    # The window of `gqlevolve usage-stats --days N`, read with the one-coordinate read (usage_stats would also sum
    # every deprecated operation of the endpoint, which the page does not show).
    first_day = today - dt.timedelta(days=policy.window_days - 1)
    by_day = {day.day: day for day in store.daily_usage(endpoint, coordinate, since=first_day, until=today)}
    days: list[tuple[dt.date, int | None, int | None, float | None]] = []
    for offset in range(policy.window_days):
        day = first_day + dt.timedelta(days=offset)
        found = by_day.get(day)
        if found is None:
            days.append((day, None, None, None))
        else:
            days.append((day, found.operations, found.total, found.operations / found.total if found.total else None))
    recent_first = today - dt.timedelta(days=RECENT_DAYS - 1)
    recent = store.clients(endpoint, coordinate, since=recent_first, until=today)
    with store.reading() as connection:
        refused = refused_per_coordinate(connection, endpoint, recent_first, today, coordinate=coordinate)
    return ElementPage(
        endpoint, coordinate, today, record, record.status_on(today), verdict, days, recent,
        history(store, endpoint, coordinate), refused.get(coordinate, {}),
    )


def clients(
    store: UsageStore, endpoint: str, *, today: dt.date, days: int = RECENT_DAYS, shown: int = 10
) -> list[ClientVersionSummary]:
    """Every client version of ``endpoint`` over the last ``days``: ``gqlevolve client-versions``' rows, each with
    its ``shown`` most used elements and the number of all (the page lists no more of them)."""
    return [
        client
        for client in client_version_summaries(store, endpoint, days=days, as_of=today, shown=shown)
        if client.endpoint == endpoint
    ]


def consumers(store: UsageStore) -> list[dict[str, Any]]:
    """The registered consumers (:mod:`gqlevolve.notices.consumers`) as the command line and the admin API list
    them: :meth:`~gqlevolve.notices.consumers.Consumer.public`, the Slack URL and the webhook's secret masked."""
    return [consumer.public() for consumer in list_consumers(store)]


@dataclass(frozen=True, slots=True)
class MigrationElement:
    coordinate: str
    weeks: list[MigrationWeek]


class MigrationPages(Sequence[MigrationElement]):
    """Every deprecated element of an endpoint (by coordinate) with its weeks, read a slice (a page) at a time: a
    page shows 20 elements, and the report of all of them (1,000 elements x 8 weeks x their clients) is read only
    when each page is asked for. A slice once read is kept (this object is what the page cache keeps)."""

    def __init__(self, coordinates: Sequence[str], read: Callable[[Sequence[str]], list[MigrationElement]]) -> None:
        self.coordinates = list(coordinates)
        self._slices = SliceReads(lambda wanted: read(wanted) if wanted else [])

    def __len__(self) -> int:
        return len(self.coordinates)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            position = range(len(self))[index]  # an IndexError as a list's
            return self[position : position + 1][0]
        return self._slices(self.coordinates[index])


class SliceReads(Generic[T]):
    """What a page shows of some elements, read when a page first asks for those elements and kept: one read per
    slice, however many requests ask for it at once. The object the page cache keeps holds it, so it lives as long
    as the page's data (:class:`PageCache`). A page of a long list reads its own slice (the overview counts the
    clients of its 100 rows, the migration page reads its 20 elements' weeks), not the whole list's."""

    def __init__(self, read: Callable[[tuple[str, ...]], T]) -> None:
        self._read = read
        self._slices: dict[tuple[str, ...], T] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many slices were read (and are kept)."""
        return len(self._slices)

    def __call__(self, coordinates: Sequence[str]) -> T:
        wanted = tuple(coordinates)
        with self._lock:
            if wanted not in self._slices:
                self._slices[wanted] = self._read(wanted)
            return self._slices[wanted]


def migration(store: UsageStore, endpoint: str, *, today: dt.date, weeks: int = 8) -> MigrationPages:
    """Per deprecated element, its weeks (oldest first) of clients migrated away versus remaining; each slice of
    elements read when it is asked for (:class:`MigrationPages`; the first 20 at once)."""

    def read(coordinates: Sequence[str]) -> list[MigrationElement]:
        grouped: dict[str, list[MigrationWeek]] = defaultdict(list)
        for week in migration_report(store, endpoint, weeks=weeks, as_of=today, coordinates=set(coordinates)):
            if week.endpoint == endpoint:
                grouped[week.coordinate].append(week)
        return [MigrationElement(coordinate, grouped[coordinate]) for coordinate in coordinates]

    pages = MigrationPages(sorted(stored.record.coordinate for stored in store.deprecations(endpoint)), read)
    pages[:MIGRATION_PAGE]  # the first page now: what the page cache's read ahead at sign-in is for
    return pages


@dataclass(frozen=True, slots=True)
class VersionRow:
    endpoint: str
    version: str | None
    served: bool
    lifecycle: VersionLifecycle | None
    status: Status
    operations: int
    days_with_data: int
    deprecated_operations: int
    last_day: dt.date | None

    @property
    def deprecated_share(self) -> float | None:
        return self.deprecated_operations / self.operations if self.operations else None


def versions(
    store: UsageStore, served: Sequence[str], lifecycles: Mapping[str, VersionLifecycle], *, today: dt.date
) -> list[VersionRow]:
    """Each endpoint (served first) with its version's lifecycle and its traffic over the last 30 days."""
    first = today - dt.timedelta(days=RECENT_DAYS - 1)
    rows: list[VersionRow] = []
    with store.reading() as connection:
        names = list(served) + [name for name in reads.endpoints(connection) if name not in served]
        for name in names:
            totals = reads.daily_totals(connection, name, since=first, until=today)
            deprecated = reads.deprecated_operations(connection, name, since=first, until=today)
            version = endpoint_version(name)
            lifecycle = lifecycles.get(version) if version else None
            record = lifecycle.as_deprecation(name, None) if lifecycle else None
            rows.append(VersionRow(
                name, version, name in served, lifecycle,
                record.status_on(today) if record else Status.ACTIVE,
                sum(totals.values()), len(totals), sum(deprecated.values()),
                max((day for day, count in totals.items() if count), default=None),
            ))
    return rows


@dataclass
class PageCache:
    """Page data kept for ``seconds``, then served stale while one background thread reads it again
    (stale-while-revalidate: no reader waits for a read of the store but the first), up to ``max_stale`` seconds
    old; at most ``size`` pages. Readers of a page that is being read wait for that read instead of starting
    another. Time here is ``time.monotonic``: a duration, never a date."""

    seconds: float = 15.0
    max_stale: float = 600.0
    size: int = 128
    _entries: OrderedDict[Hashable, tuple[float, object]] = field(default_factory=OrderedDict)
    _refreshing: set[Hashable] = field(default_factory=set)
    _pending: dict[Hashable, threading.Event] = field(default_factory=dict)
    _prefetching: bool = False
    _generation: int = 0  # clear() moves it on: a refresh begun before a change does not keep its older read
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] < self.max_stale:
                self._entries.move_to_end(key)
                if now - found[0] >= self.seconds and key not in self._refreshing:
                    self._refreshing.add(key)
                    threading.Thread(
                        target=self._refresh, args=(key, compute, self._generation), daemon=True
                    ).start()
                return found[1]  # type: ignore[return-value]
            generation = self._generation
            pending = self._pending.get(key)
            if pending is None:
                self._pending[key] = threading.Event()
        if pending is not None:  # another request reads this page now: wait for it rather than read twice
            pending.wait(self.max_stale)
            with self._lock:
                found = self._entries.get(key)
            if found is not None:
                return found[1]  # type: ignore[return-value]
            return compute()  # that read failed, or a change cleared the cache meanwhile: read here
        try:
            value = compute()
            self._keep(key, value, generation)
        finally:
            with self._lock:
                self._pending.pop(key).set()
        return value

    def prefetch_all(self, pages: Sequence[tuple[Hashable, Callable[[], object]]]) -> None:
        """Read ``pages`` (key, read) one after the other in one background thread, each unless it is kept or being
        read; one such thread at a time (a sign-in warms the pages it is followed by)."""
        with self._lock:
            if self._prefetching:
                return
            self._prefetching = True
        threading.Thread(target=self._prefetch, args=(list(pages),), daemon=True).start()

    def _prefetch(self, pages: list[tuple[Hashable, Callable[[], object]]]) -> None:
        try:
            for key, compute in pages:
                with self._lock:
                    if key in self._entries or key in self._pending:
                        continue
                try:
                    self.get(key, compute)
                except Exception:
                    _logger.warning("dashboard: reading %r ahead failed", key, exc_info=True)
        finally:
            with self._lock:
                self._prefetching = False

    def _refresh(self, key: Hashable, compute: Callable[[], object], generation: int) -> None:
        try:
            self._keep(key, compute(), generation)
        except Exception:  # the stale page stays; the next request past max_stale reads (and reports) again
            _logger.warning("dashboard: refreshing %r failed", key, exc_info=True)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _keep(self, key: Hashable, value: object, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1
