"""Each endpoint's deprecation records, kept in step with the store: :class:`RecordSync` and its snapshots.

At start-up (``on_app_startup``, or the first request to an endpoint not seen before) the schema's deprecated
elements, completed by the author's declarations, are registered in the store; the store answers with the
effective records (the store wins: the platform team may have extended a sunset or rolled a removal back).
A background thread reads the records again every ``refresh_interval`` seconds, so a change made through the
store reaches every running process without a restart. The request path only reads an immutable
:class:`RecordSnapshot` (one endpoint's records at one moment): no I/O, no lock.

Until the store has answered (or while it is down), an endpoint is served from its seed: the schema's reasons
and the declarations.

Enforcement (:mod:`.enforcement`) is judged from the snapshot too: a record's brownout windows are part of it, and
so are, for each record that refuses new adopters, the clients that used it before its sunset warning began (read
by the same thread; until they are known the rule fails open). :meth:`RecordSnapshot.judge` is the request path's
one call: the cached notice, and the refusals for this client at this moment when a rule or a preview applies.

Example: the schema's records registered, then a sunset changed through the store (by the platform team, from any
process), and read again:

    >>> from datetime import date
    >>> from gqlevolve.operation_analysis import DeprecationIndex
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> sync = RecordSync(store, {}, refresh_interval=30.0, today=store.clock.today)
    >>> index = DeprecationIndex.of(schema)
    >>> snapshot = sync.register("/api/v1/graphql", index)     # at start-up: the store's effective records
    >>> snapshot.records["User.name"].deprecated_on, snapshot.records["User.name"].sunset_on
    (datetime.date(2026, 11, 21), None)
    >>> _ = store.update_deprecation("/api/v1/graphql", "User.name", {"sunset_on": date(2027, 3, 31)},
    ...                              actor="alice", why="Partner X needs one more quarter")
    >>> sync.refresh()                                          # what the thread does every refresh_interval
    >>> sync.for_endpoint("/api/v1/graphql", index).records["User.name"].sunset_on      # the request path: no I/O
    datetime.date(2027, 3, 31)
    >>> sync.close()
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gqlevolve.lifecycle import Deprecation, Status, adoption_cutoff, client_key
from gqlevolve.monitor.enforcement import refusals
from gqlevolve.monitor.notice import Notice
from gqlevolve.operation_analysis import DeprecationIndex

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["RecordSnapshot", "RecordSync", "seed_records"]

# A moment no window contains: the judgement of a request whose records have no windows never reads the clock.
_NO_MOMENT = dt.datetime.min.replace(tzinfo=dt.UTC)
_BEFORE_REMOVAL = (Status.DEPRECATED, Status.SUNSET_WARNING)


def _cleaned_name(name: str | None) -> str:
    from gqlevolve.usage_store.clients import clean_client_name  # as the store keeps it: the adopters' names

    return clean_client_name(name)


def _cleaned_version(version: str | None) -> str:
    from gqlevolve.usage_store.clients import clean_client_version

    return clean_client_version(version)

logger = logging.getLogger("gqlevolve.extensions")

_MAX_NOTICES = 1_024

# Generations are unique across every RecordSync of the process: a plan tagged with one is never mistaken for
# another sync's (``next`` on a count is atomic under the GIL: no lock on the request path).
_GENERATIONS = itertools.count(1)


@dataclass(frozen=True, slots=True, eq=False)
class RecordSnapshot:
    """One endpoint's records at one moment; replaced, never changed, when the store says something new."""

    endpoint: str
    records: Mapping[str, Deprecation]
    #: For each record that refuses new adopters: the clients that used it before its sunset warning (as
    #: :func:`~gqlevolve.lifecycle.client_key` knows them). A coordinate absent here is not known yet.
    adopters: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Whether a client is its name and version (True) or its name alone, for the no-new-adopters rule.
    by_version: bool = False
    #: Notices by (coordinates, day), computed on first use: they depend only on this snapshot.
    _notices: dict[tuple[frozenset[str], dt.date], Notice] = field(default_factory=dict, repr=False)

    def notice(self, coordinates: frozenset[str], today: dt.date) -> Notice:
        key = (coordinates, today)
        notice = self._notices.get(key)
        if notice is None:
            if len(self._notices) >= _MAX_NOTICES:
                self._notices.clear()
            notice = self._notices[key] = Notice.of(coordinates, self.records, today)
        return notice

    def judge(
        self,
        coordinates: frozenset[str],
        today: dt.date,
        now: Callable[[], dt.datetime],
        client_name: str | None = None,
        client_version: str | None = None,
        *,
        preview: bool = False,
    ) -> Notice:
        """The notice for this request: :meth:`notice`, with what the rules or a preview refuse for this client.

        ``now`` is called only when a record used has brownout windows (most requests never read the clock).
        """
        notice = self.notice(coordinates, today)
        if not preview and not notice.enforceable:
            return notice  # the common case: a dict look-up, nothing else
        candidates = notice.live if preview else notice.enforceable
        moment = now() if any(record.brownouts for record in candidates) else _NO_MOMENT
        client = client_key(_cleaned_name(client_name), _cleaned_version(client_version), by_version=self.by_version)
        return notice.refusing(refusals(candidates, today, moment, client, self.adopters, preview=preview))


def seed_records(index: DeprecationIndex, declared: Mapping[str, Deprecation]) -> dict[str, Deprecation]:
    """A record for each deprecated element of the schema: the declaration, else the schema's reason alone."""
    seeded = {}
    for coordinate, reason in index.reasons.items():
        record = declared.get(coordinate)
        if record is None:
            record = Deprecation(coordinate, reason=reason)
        elif record.reason is None:
            record = record.with_changes(reason=reason)
        seeded[coordinate] = record
    return seeded


class RecordSync:
    """Keeps each endpoint's :class:`RecordSnapshot` in step with the store: registration, and a refresh thread."""

    def __init__(
        self,
        store: UsageStore,
        declared: Mapping[str, Deprecation],
        *,
        refresh_interval: float,
        today: Callable[[], dt.date],
        actor: str = "gqlevolve",
        adopters_by_version: bool = False,
    ) -> None:
        if not refresh_interval > 0:
            raise ValueError(f"refresh_interval must be a positive number of seconds, not {refresh_interval!r}")
        self.store = store
        self.declared = declared
        self.refresh_interval = float(refresh_interval)
        self.today = today  # a record first seen now is deprecated from this day
        self.actor = actor
        self.adopters_by_version = bool(adopters_by_version)
        self._snapshots: dict[str, RecordSnapshot] = {}
        #: Changes whenever an endpoint's snapshot is added or replaced: what the request path derived from the
        #: snapshots (the monitor's per-document plans) is current while this is the same (one integer compare).
        self.generation = next(_GENERATIONS)
        self._seeds: dict[str, dict[str, Deprecation]] = {}
        self._schemas: dict[str, Any] = {}  # each endpoint's graphql-core schema, registered with its records
        self._unregistered: set[str] = set()
        self._lock = threading.Lock()  # registration and refresh (I/O), never taken on the request path
        self._thread_lock = threading.Lock()  # starting the thread (a first request may do it)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store_down = False

    # --- the request path ---------------------------------------------------------------------

    def for_endpoint(self, endpoint: str, index: DeprecationIndex) -> RecordSnapshot:
        """The endpoint's snapshot; an endpoint seen for the first time is seeded and registered in the background."""
        snapshot = self._snapshots.get(endpoint)
        if snapshot is None:
            snapshot = self._seed(endpoint, index)
            self._unregistered.add(endpoint)
            self.start()
            self._wake.set()
        return snapshot

    def _seed(self, endpoint: str, index: DeprecationIndex) -> RecordSnapshot:
        seed = self._seeds.setdefault(endpoint, seed_records(index, self.declared))
        self._schemas.setdefault(endpoint, index.schema)
        snapshot = self._snapshots.get(endpoint)
        if snapshot is None:
            snapshot = self._snapshots.setdefault(
                endpoint, RecordSnapshot(endpoint, seed, by_version=self.adopters_by_version)
            )
            self.generation = next(_GENERATIONS)  # after the snapshot: a reader of the old one sees it change
        return snapshot

    # --- start-up and refresh (I/O) ----------------------------------------------------------

    def register(self, endpoint: str, index: DeprecationIndex) -> RecordSnapshot:
        """Register the schema's records for ``endpoint`` in the store now; the store's answer is served."""
        self._seed(endpoint, index)
        with self._lock:
            self._unregistered.add(endpoint)
            self._register_pending()
        return self._snapshots[endpoint]

    def refresh(self) -> None:
        """Register what is pending and read every endpoint's records from the store (never raises)."""
        with self._lock:
            if self._register_pending():
                self._read_all()

    def _register_pending(self) -> bool:
        try:
            for endpoint in sorted(self._unregistered):
                seed = self._seeds[endpoint]
                effective = self.store.register_deprecations(
                    endpoint, seed.values(), actor=self.actor, today=self.today()
                )
                # The schema served, for whole-schema usage (what `unused` is measured against).
                self.store.register_schema(endpoint, self._schemas[endpoint], today=self.today())
                self.store.watch(endpoint)
                self._install(endpoint, effective)
                self._unregistered.discard(endpoint)
        except Exception as error:  # the store is down: serve the seeds, try again at the next refresh
            self._failed("register the deprecation records", error)
            return False
        return True

    def _read_all(self) -> None:
        if not self._seeds:
            return
        try:
            stored = self.store.deprecations()
        except Exception as error:
            self._failed("read the deprecation records", error)
            return
        by_endpoint: dict[str, list[Deprecation]] = {}
        for entry in stored:
            by_endpoint.setdefault(entry.endpoint, []).append(entry.record)
        for endpoint in self._seeds:
            self._install(endpoint, by_endpoint.get(endpoint, ()))
        if self._store_down:
            logger.info("the usage store answers again; deprecation records are up to date")
            self._store_down = False

    def _install(self, endpoint: str, stored: list[Deprecation] | tuple[()]) -> None:
        seed = self._seeds[endpoint]
        records = dict(seed)
        records.update((record.coordinate, record) for record in stored if record.coordinate in seed)
        current = self._snapshots.get(endpoint)
        adopters = self._adopters(endpoint, records, current)
        if current is None or current.records != records or current.adopters != adopters:
            self._snapshots[endpoint] = RecordSnapshot(endpoint, records, adopters, self.adopters_by_version)
            self.generation = next(_GENERATIONS)

    def _adopters(
        self, endpoint: str, records: Mapping[str, Deprecation], current: RecordSnapshot | None
    ) -> dict[str, frozenset[str]]:
        """Who used each record that refuses new adopters before its sunset warning (read now; the last known, or
        unknown, if the store does not answer)."""
        wanted = [
            record for record in records.values()
            if record.refuse_new_adopters and record.status_on(self.today()) in _BEFORE_REMOVAL
        ]
        if not wanted:
            return {}
        from gqlevolve.usage_store import reads

        try:
            with self.store.reading() as connection:
                return {
                    record.coordinate: reads.adopters(
                        connection, endpoint, record.coordinate, before=adoption_cutoff(record),
                        by_version=self.adopters_by_version,
                    )
                    for record in wanted
                }
        except Exception as error:
            self._failed("read who used the elements that refuse new adopters", error)
            known = current.adopters if current is not None else {}
            return {record.coordinate: known[record.coordinate] for record in wanted if record.coordinate in known}

    def _failed(self, what: str, error: Exception) -> None:
        if not self._store_down:  # once per outage, not at every refresh
            logger.warning("could not %s (%s); serving what is known and retrying", what, error)
        self._store_down = True

    # --- the refresh thread -------------------------------------------------------------------

    def start(self) -> None:
        """Start the refresh thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        with self._thread_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="gqlevolve-deprecation-refresh", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if getattr(self.store, "closed", False):  # the app shut its store down: nothing left to refresh from
                return
            self._wake.clear()
            self.refresh()
            self._wake.wait(self.refresh_interval)

    def close(self) -> None:
        """Stop the refresh thread."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None

