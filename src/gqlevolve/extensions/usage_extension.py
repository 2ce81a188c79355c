"""``deprecation_usage``: see every deprecated element an operation uses, warn the client, count it.

One line in a Strawberry schema (``schema``'s ``User.name`` is deprecated; ``clock`` pins today):

    >>> import strawberry
    >>> from gqlevolve import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> usage = deprecation_usage(store=store, endpoint="/graphql")
    >>> served = strawberry.Schema(query=schema.query, extensions=[usage])  # Schema(Query, extensions=[usage])
    >>> served.execute_sync("{ users { name } }").extensions["deprecations"][0]["status"]
    'deprecated'
    >>> usage.close(); store.close()

``deprecation_usage(...)`` returns a factory (:class:`DeprecationUsage`); Strawberry calls it once per request
for a fresh :class:`DeprecationUsageExtension`, while the factory keeps what is shared: a
:class:`~gqlevolve.monitor.DeprecationMonitor` (the analysis cache, the deprecation records per endpoint and
the thread that refreshes them).

This module is the Strawberry adapter of that framework-neutral core. Per operation (after validation, so
invalid operations are never counted) it reads from Strawberry's execution context what the monitor needs (the
schema, the query and its document, the operation name, the variables, the endpoint from the request, the
client from its headers), hands it over, and writes back what the monitor answers:
``extensions.deprecations`` in the response, the lifecycle headers on the HTTP response (not over WebSocket),
and, if an element is ``removed``, the ``GONE`` error instead of executing the operation. Under a deprecated
version of ``versioned_app`` the notice's records go to the version (``scope["gqlevolve.deprecations"]``), which
renders the response's headers once from them and its own record; anywhere else the extension sets them.

Every Strawberry integration is read through its own small view (:mod:`.request_context`): Starlette (plain
ASGI, FastAPI), Django, Flask, Quart, aiohttp, Litestar, Sanic and Channels. A request that cannot be read, or a
``client_identity`` callable that fails, costs the client's name (and the path: the configured ``endpoint``
is used), never the count nor the ``GONE`` error. Only an internal error of the monitor itself is logged and lets
the operation proceed as if the extension were not there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gqlevolve.client_identity import ClientIdentifier
from gqlevolve.clock import Clock
from gqlevolve.extensions.request_context import NO_REQUEST, RequestContext, client_from_headers
from gqlevolve.logs import request_logger
from gqlevolve.monitor import Declared, DeprecationMonitor, Notice

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["DEFAULT_ENDPOINT", "DeprecationUsage", "DeprecationUsageExtension", "deprecation_usage"]

# A request's values (a client's name) may be in an error's message: its tracebacks are escaped.
logger = request_logger("gqlevolve.extensions")

#: The endpoint name when there is no HTTP request and no ``endpoint=`` was given.
DEFAULT_ENDPOINT = "graphql"


class DeprecationUsage:
    """The factory in ``Schema(extensions=[...])``: a :class:`DeprecationMonitor`, and a new extension per request."""

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
        adopters_by_version: bool = False,
    ) -> None:
        if store is None or not hasattr(store, "record_buffered"):
            raise TypeError(f"deprecation_usage needs a UsageStore as store=, not {store!r}")
        if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.strip()):
            raise ValueError(f"endpoint must be a non-empty name, not {endpoint!r}")
        if not callable(client_identity):
            raise TypeError(f"client_identity must be callable (execution_context -> (name, version)), not {client_identity!r}")
        if clock is not None and today is not None:
            raise TypeError("pass clock= or today=, not both (today= is a clock given as a () -> date function)")
        self.monitor = DeprecationMonitor(
            store,
            declared=declared,
            refresh_interval=refresh_interval,
            cache_size=cache_size,
            clock=clock if clock is not None else today,
            adopters_by_version=adopters_by_version,
        )
        self.store = store
        self.endpoint = endpoint or DEFAULT_ENDPOINT
        self.client_identity = client_identity
        self.clock = self.monitor.clock
        self.analyses = self.monitor.analyses
        self.records = self.monitor.records

    def __call__(self) -> DeprecationUsageExtension:
        # Strawberry calls this once per request: the instance made without __init__'s checks (``usage`` is known).
        extension = _new_extension(DeprecationUsageExtension)
        extension.usage = self
        return extension

    def __repr__(self) -> str:
        return f"deprecation_usage(store={self.store!r}, endpoint={self.endpoint!r})"

    def on_app_startup(self, *, schema: Any, endpoint: str | None = None) -> None:
        """Register ``schema``'s deprecations for ``endpoint`` in the store and start refreshing them.

        ``versioned_app`` calls this from its lifespan for each endpoint; a script that runs
        ``schema.execute`` may call it too (otherwise the first operation triggers it in the background).
        """
        self.monitor.start(schema, endpoint or self.endpoint)

    def refresh(self) -> None:
        """Read the deprecation records from the store now (the background thread does it periodically)."""
        self.monitor.refresh()

    def close(self) -> None:
        """Stop the refresh thread (the store is closed by its owner)."""
        self.monitor.close()

    # --- per operation ------------------------------------------------------------------------

    def observe(self, execution_context: Any) -> Notice | None:
        """Hand one valid operation to the monitor with what Strawberry knows of it; announce the notice's headers.

        What the request cannot tell (it cannot be read, or a ``client_identity`` callable fails) is left out,
        never the operation: it is counted at the configured endpoint as an unknown client, and judged.
        """
        request = RequestContext.of(execution_context.context)
        if request is NO_REQUEST and self.client_identity is client_from_headers:
            # No request (schema.execute without a context): no client, path, preview header nor response.
            return self.monitor.observe(
                execution_context.schema,
                execution_context.query,
                execution_context.graphql_document,
                execution_context.operation_name,
                execution_context.variables,
                endpoint=self.endpoint,
            )
        if self.client_identity is client_from_headers:
            name, version = request.client()  # the request already bound: not looked up twice
        else:
            name, version = self._client(execution_context)
        notice = self.monitor.observe(
            execution_context.schema,
            execution_context.query,
            execution_context.graphql_document,
            execution_context.operation_name,
            execution_context.variables,
            endpoint=request.endpoint() or self.endpoint,
            client_name=name,
            client_version=version,
            preview=request.preview,  # called only when the operation used a deprecated element
        )
        if notice is not None and notice.records:
            request.announce(notice)
        return notice

    def _client(self, execution_context: Any) -> tuple[str | None, str | None]:
        """A ``client_identity`` callable's answer (the default reads the bound request: see :meth:`observe`)."""
        try:
            name, version = self.client_identity(execution_context)
        except Exception:  # the author's callable: its failure costs the client's name, not the count
            logger.exception("deprecation usage: client_identity failed; the operation is counted as an unknown client")
            return None, None
        return name, version


class DeprecationUsageExtension(SchemaExtension):
    """The per-request extension; create it with :func:`deprecation_usage`, never share an instance."""

    usage: DeprecationUsage
    #: What the monitor answered for this request (None: nothing deprecated used, or not observed yet).
    notice: Notice | None = None

    def __init__(self, usage: DeprecationUsage | None = None, *, execution_context: Any = None) -> None:
        if usage is None:
            raise TypeError(
                "DeprecationUsageExtension needs its shared state: "
                "use strawberry.Schema(..., extensions=[deprecation_usage(store=store)])"
            )
        self.usage = usage
        self.notice = None
        if execution_context is not None:
            self.execution_context = execution_context

    def on_execute(self) -> Iterator[None]:
        gone: GraphQLError | None = None
        try:
            notice = self.notice = self.usage.observe(self.execution_context)
            if notice is not None and notice.removed:
                gone = notice.gone_error()  # removed, or refused for this request (it says why)
        except Exception:  # never the cause of a failure: log, and let the operation run untouched
            logger.exception("deprecation usage: internal error; the operation proceeds without it")
            self.notice = None
        if gone is not None:
            raise gone  # Strawberry turns an error raised before execution into the operation's only error
        yield

    def get_results(self) -> dict[str, Any]:
        notice = self.notice  # Notice.results(), inlined: a call less per request
        if notice is None or not notice.entries:
            return {}
        return {"deprecations": list(map(dict, notice.entries))}  # fresh copies: the response may be changed


_new_extension = object.__new__


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
    adopters_by_version: bool = False,
) -> DeprecationUsage:
    """The factory to put in ``strawberry.Schema(extensions=[...])``.

    ``store``: the :class:`~gqlevolve.usage_store.UsageStore` that counts usage and keeps the records.
    ``endpoint``: the endpoint's name when there is no HTTP request (``schema.execute`` in a script).
    ``declared``: dates, replacements and guides (records or a TOML path, see :mod:`.declared`).
    ``client_identity``: ``execution_context -> (name, version)``; by default the client headers.
    ``refresh_interval``: seconds between reads of the records from the store.
    ``cache_size``: analyses kept (by schema, query text and operation name; 16 MiB in all at most).
    ``clock``: where "today" comes from (:mod:`gqlevolve.clock`): the usage day, the first-seen
    ``deprecated_on`` of a record registered from the schema, the lifecycle status. Default: the store's clock,
    so pinning the store's pins everything. ``today`` is the same given as a ``() -> date`` function.
    ``adopters_by_version``: the no-new-adopters rule (docs/enforcement.md) knows a client by its name and
    version instead of its name alone.
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
        adopters_by_version=adopters_by_version,
    )
