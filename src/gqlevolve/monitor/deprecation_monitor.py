"""``DeprecationMonitor``: what happens to one operation, whatever server runs it.

Given plain inputs (the schema, the document, the operation name, the raw variables, the endpoint, the client
and the day), the monitor:

1. looks up the operation's analysis (:mod:`gqlevolve.operation_analysis`; cached by query text) and, when the
   operation has variables, coerces their values as graphql-core will: an operation whose variables are refused
   is not executed, so it is neither counted nor told anything (graphql-core reports the errors itself). Then it
   adds the coordinates the variable values reach (input fields, enum values);
2. counts the operation in the store's buffered recorder (endpoint, day, client): an in-memory add, no I/O. The
   deprecated coordinates it used, and its shape (every coordinate, its kind, name and document hash: whole-schema
   usage), both cached per document. Operations that only introspect are not counted;
3. judges what it used against the endpoint's deprecation records (kept in step with the store by
   :class:`~gqlevolve.monitor.record_sync.RecordSync`) and returns the :class:`Notice` for the
   client: the ``extensions.deprecations`` entries, the lifecycle headers (none for a subscription: it has no
   response headers to carry them) and the removed elements, for which :func:`gone_error` is the ``GONE`` error.
   That judgement is made once per document, endpoint and day, and kept with the cached analysis as its *plan*
   while the endpoint's records stay the same (:attr:`RecordSync.generation`, one integer compared): a request
   of a known document costs the cache's look-up, the plan's, and the count;
4. applies the enforcement rules (:mod:`.enforcement`): an element that refuses new adopters, one in a brownout
   window, or every deprecated element when the client asked for the preview (``preview=True``: the adapter
   read ``GraphQL-Deprecations: reject``) answers ``GONE`` too (``notice.gone_error()`` says why). What was refused
   or previewed is counted apart from usage (``enforcement_counts``), never as use of the element.

It knows no web framework and no GraphQL server library: the Strawberry extension
(:mod:`gqlevolve.extensions.usage_extension`) is a thin adapter that reads these inputs from Strawberry's
execution context and writes the notice back; adapters for other servers do the same.

Example: a Strawberry schema's operation on ``/api/v1/graphql``, counted and judged (a declaration sets the
sunset of ``User.name``; ``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock, flush_interval=60)
    >>> declared = [Deprecation("User.name", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 1),
    ...                         replacement="User.fullName")]
    >>> monitor = DeprecationMonitor(store, declared=declared)
    >>> monitor.start(schema, "/api/v1/graphql")        # register the schema's deprecations, start refreshing
    >>> notice = monitor.observe(schema, "{ users { name } }", None, None, None,
    ...                          endpoint="/api/v1/graphql", client_name="web", client_version="1.4")
    >>> [(entry["coordinate"], entry["status"], entry["sunsetOn"]) for entry in notice.entries]
    [('User.name', 'sunset_warning', '2026-12-01')]
    >>> notice.removed            # nothing removed yet: no GONE error (``gone_error(notice.removed)`` otherwise)
    ()
    >>> monitor.observe(schema, "{ users { fullName } }", None, None, None, endpoint="/api/v1/graphql") is None
    True
    >>> store.flush()             # both operations were counted
    2
    >>> monitor.close()
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, OperationType, parse

from gqlevolve.clock import Clock, clock_of
from gqlevolve.monitor.declared import Declared, declarations
from gqlevolve.monitor.notice import Notice
from gqlevolve.monitor.record_sync import RecordSnapshot, RecordSync
from gqlevolve.operation_analysis import AnalysisCache, OperationAnalysis
from gqlevolve.operation_shape import OperationShape

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["DeprecationMonitor"]


class DeprecationMonitor:
    """Analyse, count and judge operations for one or more endpoints; shared by every request of a server.

    ``store``: the :class:`~gqlevolve.usage_store.UsageStore` that counts usage and keeps the records.
    ``declared``: dates, replacements and guides (records or a TOML path, see :mod:`gqlevolve.monitor.declared`).
    ``refresh_interval``: seconds between reads of the records from the store.
    ``cache_size``: analyses kept (by schema, query text and operation name; 16 MiB in all at most).
    ``clock``: where "today" comes from (default: the store's clock); a ``() -> date`` function is accepted.
    ``adopters_by_version``: the no-new-adopters rule knows a client by its name and version (each release a
    new client) instead of its name alone.
    """

    def __init__(
        self,
        store: UsageStore,
        *,
        declared: Declared = None,
        refresh_interval: float = 30.0,
        cache_size: int = 1_000,
        clock: Clock | Callable[[], dt.date] | None = None,
        adopters_by_version: bool = False,
    ) -> None:
        if store is None or not hasattr(store, "record_buffered"):
            raise TypeError(f"a DeprecationMonitor needs a UsageStore, not {store!r}")
        self.store = store
        self.clock = clock_of(clock, store.clock)
        self.analyses = AnalysisCache(cache_size)
        #: Each endpoint's deprecation records, kept in step with the store (the extension's ``.records`` too).
        self.records = RecordSync(
            store, declarations(declared), refresh_interval=refresh_interval, today=self.clock.today,
            adopters_by_version=adopters_by_version,
        )

    def __repr__(self) -> str:
        return f"DeprecationMonitor(store={self.store!r})"

    # --- life cycle ---------------------------------------------------------------------------

    def start(self, schema: Any, endpoint: str) -> None:
        """Register ``schema``'s deprecations for ``endpoint`` in the store now and start refreshing them.

        Optional: an endpoint first seen by :meth:`observe` is registered in the background.
        """
        self.records.register(endpoint, self.analyses.index_of(schema))
        self.records.start()

    def refresh(self) -> None:
        """Read the deprecation records from the store now (the background thread does it periodically)."""
        self.records.refresh()

    def close(self) -> None:
        """Stop the refresh thread (the store is closed by its owner)."""
        self.records.close()

    # --- one operation ------------------------------------------------------------------------

    def observe(
        self,
        schema: Any,
        query: str | None,
        document: DocumentNode | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        *,
        endpoint: str,
        client_name: str | None = None,
        client_version: str | None = None,
        day: dt.date | None = None,
        preview: bool | Callable[[], bool] = False,
        now: dt.datetime | None = None,
    ) -> Notice | None:
        """Analyse, count and judge one valid operation; the notice for the client, or None if it used nothing.

        ``schema`` is a graphql-core ``GraphQLSchema`` (or a server's schema object that holds one as
        ``_schema``, as Strawberry's does); ``document`` is ``query`` parsed (parsed here when None);
        ``variables`` are the raw values the client sent. ``day`` defaults to today by the monitor's clock.
        None, and nothing counted, when the variable values do not coerce (the operation will not execute).
        ``preview``: the client asked for every deprecated element to behave as removed (or a function that says
        so, called only when the operation used a deprecated element: reading a header costs the rest nothing).
        ``now``: the moment the
        brownout windows are judged at (default: the clock's ``now()``, read only if a record used has windows).
        """
        if document is None:
            if query is None:
                raise ValueError("observe needs the query text or its parsed document")
            document = parse(query)
        analysis = self.analyses.analysis(schema, query, operation_name, document)
        if analysis is None or analysis.introspection_only:
            return None
        coordinates = analysis.coordinates
        shape: OperationShape | None = analysis.shape
        if analysis.declared_variables:  # an operation without variables pays nothing here
            if not analysis.accepts(variables):
                return None
            coordinates, shape = analysis.usage_for(variables)
        today = day or self.clock.today()
        if not coordinates:
            self.store.record_buffered(
                endpoint, coordinates, client_name=client_name, client_version=client_version, when=today,
                operation=shape,
            )
            return None
        if coordinates is analysis.coordinates:  # the usual case: the document's own, judged once per endpoint and day
            plan = analysis.plans.get(endpoint)
            if plan is None or plan.generation != self.records.generation or plan.day != today:
                plan = self._plan(analysis, endpoint, today)
            snapshot, notice, told = plan.snapshot, plan.notice, plan.told
        else:  # the variable values reached a deprecated element the document does not name
            assert analysis.index is not None
            snapshot = self.records.for_endpoint(endpoint, analysis.index)
            notice = snapshot.notice(coordinates, today)
            told = None
        # ``preview`` is read only here, once an element used is deprecated (``False``: not even a call).
        wants_preview = preview is not False and (preview() if callable(preview) else bool(preview))
        if not (wants_preview or notice.enforceable):  # the common case: no rule on what it used, no preview
            self.store.record_buffered(
                endpoint, coordinates, client_name=client_name, client_version=client_version, when=today,
                operation=shape,
            )
            return told if told is not None else _told(analysis.operation_type, notice)
        notice = snapshot.judge(  # judged for this request: not the plan's notice
            coordinates, today, self.clock.now if now is None else lambda: now,
            client_name, client_version, preview=wants_preview,
        )
        if notice.refusals:  # refused or previewed: not executed, so neither usage nor an operation run (apart)
            refused = {refusal.coordinate for refusal in notice.refusals}
            self.store.record_buffered(
                endpoint, frozenset() if wants_preview else coordinates - refused, client_name=client_name,
                client_version=client_version, when=today,
                enforced=frozenset((refusal.coordinate, refusal.kind) for refusal in notice.refusals),
            )
        else:
            self.store.record_buffered(
                endpoint, coordinates, client_name=client_name, client_version=client_version, when=today,
                operation=shape,
            )
        return _told(analysis.operation_type, notice)

    def _plan(self, analysis: OperationAnalysis, endpoint: str, today: dt.date) -> _Plan:
        """Judge the document's own coordinates on ``endpoint`` today, once: what its next requests reuse."""
        assert analysis.index is not None
        generation = self.records.generation  # read before the snapshot (a newer one then only makes a new plan)
        snapshot = self.records.for_endpoint(endpoint, analysis.index)
        notice = snapshot.notice(analysis.coordinates, today)
        plan = _Plan(generation, today, snapshot, notice, _told(analysis.operation_type, notice))
        plans = analysis.plans
        if len(plans) >= _MAX_PLANS:  # endpoints come from requests' paths: a few are kept, never all
            plans.clear()
        plans[endpoint] = plan
        return plan


#: Plans kept with one analysis (one per endpoint; a server has a handful): past it they are made again.
_MAX_PLANS = 8


class _Plan:
    """One document's deprecated coordinates judged on one endpoint on one day, while the records stay the same:
    what a cache hit reuses (an integer and a date compared, no look-up in the snapshot)."""

    __slots__ = ("day", "generation", "notice", "snapshot", "told")

    def __init__(
        self, generation: int, day: dt.date, snapshot: RecordSnapshot, notice: Notice, told: Notice
    ) -> None:
        #: :attr:`RecordSync.generation` when it was made: a newer one makes it stale.
        self.generation = generation
        self.day = day
        self.snapshot = snapshot  # judges a request that asks for a preview or uses an enforceable record
        self.notice = notice
        self.told = told  # the notice as the client gets it (without headers for a subscription)


def _told(operation_type: OperationType, notice: Notice) -> Notice:
    if operation_type is OperationType.SUBSCRIPTION and notice.headers:
        return replace(notice, records=(), headers=())  # a subscription has no response headers to carry them
    return notice
