"""``deprecation_usage``: see every deprecated element an operation uses, warn the client, count it.

One line in a Strawberry schema::

    store = UsageStore("sqlite:///gqlevolve.db")
    schema = strawberry.Schema(Query, extensions=[deprecation_usage(store=store, declared=DECLARED)])
    app = versioned_app({"v1": schema}, store=store)

``deprecation_usage(...)`` returns a factory (:class:`DeprecationUsage`); Strawberry calls it once per request
for a fresh :class:`DeprecationUsageExtension`, while the factory keeps what is shared: the analysis cache,
the deprecation records per endpoint and the thread that refreshes them.

Per operation (after validation, so invalid operations are never counted), the extension:

1. looks up the operation's analysis (:mod:`gqlevolve.operation_analysis`; cached) and adds the deprecated
   elements its variable values reach;
2. counts it in the store's buffered recorder (endpoint, day, client): an in-memory add, no I/O. Operations
   that only introspect are not counted;
3. when something deprecated was used: adds ``extensions.deprecations`` to the response and the lifecycle
   headers to the HTTP response (not over WebSocket); if an element is ``removed``, rejects the operation
   with a ``GONE`` error (:mod:`gqlevolve.extensions.notice`).

An internal error of the extension is logged and the operation proceeds as if it were not there.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, OperationType
from strawberry.extensions import SchemaExtension

from gqlevolve.extensions.client_identity import (
    ClientIdentifier,
    client_from_headers,
    request_endpoint,
    request_of,
)
from gqlevolve.extensions.declared import Declared, declarations
from gqlevolve.extensions.notice import Notice, gone_error
from gqlevolve.extensions.records import DeprecationRecords
from gqlevolve.clock import Clock, clock_of
from gqlevolve.operation_analysis import AnalysisCache

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["DEFAULT_ENDPOINT", "DeprecationUsage", "DeprecationUsageExtension", "deprecation_usage"]

logger = logging.getLogger("gqlevolve.extensions")

#: The endpoint name when there is no HTTP request and no ``endpoint=`` was given.
DEFAULT_ENDPOINT = "graphql"




class DeprecationUsage:
    """The factory in ``Schema(extensions=[...])``: shared state, and a new extension per request."""

    def __init__(
        self,
        store: UsageStore,
        *,
        endpoint: str | None = None,
        declared: Declared = None,
        client_identity: ClientIdentifier = client_from_headers,
        refresh_interval: float = 30.0,
        cache_size: int = 1_000,
        clock: Clock | Callable[[], dt.date] | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        if store is None or not hasattr(store, "record_buffered"):
            raise TypeError(f"deprecation_usage needs a UsageStore as store=, not {store!r}")
        if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.strip()):
            raise ValueError(f"endpoint must be a non-empty name, not {endpoint!r}")
        if not callable(client_identity):
            raise TypeError(f"client_identity must be callable (execution_context -> (name, version)), not {client_identity!r}")
        self.store = store
        self.endpoint = endpoint or DEFAULT_ENDPOINT
        self.client_identity = client_identity
        if clock is not None and today is not None:
            raise TypeError("pass clock= or today=, not both (today= is a clock given as a () -> date function)")
        self.clock = clock_of(clock if clock is not None else today, store.clock)
        self.today = self.clock.today
        self.analyses = AnalysisCache(cache_size)
        self.records = DeprecationRecords(
            store, declarations(declared), refresh_interval=refresh_interval, today=self.today
        )

    def __call__(self) -> DeprecationUsageExtension:
        return DeprecationUsageExtension(self)

    def __repr__(self) -> str:
        return f"deprecation_usage(store={self.store!r}, endpoint={self.endpoint!r})"

    def on_app_startup(self, *, schema: Any, endpoint: str | None = None) -> None:
        """Register ``schema``'s deprecations for ``endpoint`` in the store and start refreshing them.

        ``versioned_app`` calls this from its lifespan for each endpoint; a script that runs
        ``schema.execute`` may call it too (otherwise the first operation triggers it in the background).
        """
        self.records.register(endpoint or self.endpoint, self.analyses.index_of(schema))
        self.records.start()

    def refresh(self) -> None:
        """Read the deprecation records from the store now (the background thread does it periodically)."""
        self.records.refresh()

    def close(self) -> None:
        """Stop the refresh thread (the store is closed by its owner)."""
        self.records.close()

    # --- per operation ------------------------------------------------------------------------

    def observe(self, execution_context: Any) -> Notice | None:
        """Analyse, count and judge one valid operation; the notice for the client, if there is one."""
        operation_name = execution_context.operation_name
        analysis = self.analyses.analysis(
            execution_context.schema, execution_context.query, operation_name, execution_context.graphql_document
        )
        if analysis is None or analysis.introspection_only:
            return None
        coordinates = analysis.coordinates_for(execution_context.variables)
        context = execution_context.context
        endpoint = request_endpoint(request_of(context)) or self.endpoint
        name, version = self.client_identity(execution_context)
        today = self.today()
        self.store.record_buffered(
            endpoint, coordinates, client_name=name, client_version=version, operation_name=operation_name, when=today
        )
        if not coordinates:
            return None
        assert analysis.index is not None
        notice = self.records.for_endpoint(endpoint, analysis.index).notice(coordinates, today)
        if notice.headers and analysis.operation_type is not OperationType.SUBSCRIPTION:
            _set_headers(context, notice.headers)
        return notice


def _set_headers(context: Any, headers: tuple[tuple[str, str], ...]) -> None:
    """Add the headers to Strawberry's sub-response (``context["response"]``), when there is one."""
    response = context.get("response") if isinstance(context, dict) else getattr(context, "response", None)
    response_headers = getattr(response, "headers", None)
    append = getattr(response_headers, "append", None)  # Starlette's MutableHeaders; a WebSocket's are read-only
    if append is None:
        return
    for name, value in headers:
        append(name, value)


class DeprecationUsageExtension(SchemaExtension):
    """The per-request extension; create it with :func:`deprecation_usage`, never share an instance."""

    def __init__(self, usage: DeprecationUsage | None = None, *, execution_context: Any = None) -> None:
        if usage is None:
            raise TypeError(
                "DeprecationUsageExtension needs its shared state: "
                "use strawberry.Schema(..., extensions=[deprecation_usage(store=store)])"
            )
        self.usage = usage
        self.notice: Notice | None = None
        if execution_context is not None:
            self.execution_context = execution_context

    def on_execute(self) -> Iterator[None]:
        gone: GraphQLError | None = None
        try:
            self.notice = self.usage.observe(self.execution_context)
            if self.notice is not None and self.notice.removed:
                gone = gone_error(self.notice.removed)
        except Exception:  # never the cause of a failure: log, and let the operation run untouched
            logger.exception("deprecation usage: internal error; the operation proceeds without it")
            self.notice = None
        if gone is not None:
            raise gone  # Strawberry turns an error raised before execution into the operation's only error
        yield

    def get_results(self) -> dict[str, Any]:
        notice = self.notice
        return {} if notice is None else notice.results()


def deprecation_usage(
    store: UsageStore,
    *,
    endpoint: str | None = None,
    declared: Declared = None,
    client_identity: ClientIdentifier = client_from_headers,
    refresh_interval: float = 30.0,
    cache_size: int = 1_000,
    clock: Clock | Callable[[], dt.date] | None = None,
    today: Callable[[], dt.date] | None = None,
) -> DeprecationUsage:
    """The factory to put in ``strawberry.Schema(extensions=[...])``.

    ``store``: the :class:`~gqlevolve.usage_store.UsageStore` that counts usage and keeps the records.
    ``endpoint``: the endpoint's name when there is no HTTP request (``schema.execute`` in a script).
    ``declared``: dates, replacements and guides (records or a TOML path, see :mod:`.declared`).
    ``client_identity``: ``execution_context -> (name, version)``; by default the client headers.
    ``refresh_interval``: seconds between reads of the records from the store.
    ``cache_size``: analyses kept (by schema, query text and operation name).
    ``clock``: where "today" comes from (:mod:`gqlevolve.clock`): the usage day, the first-seen
    ``deprecated_on`` of a record registered from the schema, the lifecycle status. Default: the store's clock,
    so pinning the store's pins everything. ``today`` is the same given as a ``() -> date`` function.
    """
    return DeprecationUsage(
        store,
        endpoint=endpoint,
        declared=declared,
        client_identity=client_identity,
        refresh_interval=refresh_interval,
        cache_size=cache_size,
        clock=clock,
        today=today,
    )
