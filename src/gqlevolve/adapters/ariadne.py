"""Ariadne: count the deprecated elements each operation uses, tell the client, refuse removed ones.

Two of Ariadne's own hooks, given to its ASGI app (``ariadne.asgi.GraphQL``)::

    usage = deprecation_usage(schema, store=store, declared="deprecations.toml")
    app = GraphQL(schema, root_value=usage.root_value(), http_handler=usage.http_handler())

- ``root_value``: Ariadne calls a callable root value with the context, the operation name, the variables and the
  parsed document once the operation is valid, just before executing it. There the adapter hands the operation to
  the framework-neutral :class:`~gqlevolve.monitor.DeprecationMonitor` (counted per endpoint, day and client), and
  raises the ``GONE`` error for a removed element (Ariadne answers an error raised there as the operation's only
  error: ``{"errors": [...]}``, HTTP 400, nothing executed). A root value of your own goes in
  ``usage.root_value(root)`` (a value, or a callable that is then called as Ariadne would).
- ``http_handler``: :class:`DeprecationHTTPHandler`, Ariadne's ``GraphQLHTTPHandler`` that also reads the endpoint
  (the request path without a trailing slash) and the client (``apollographql-client-name`` and the like) and puts
  the ``Deprecation``, ``Sunset``, ``Link`` and ``Warning`` headers on the response. Its extension
  (:class:`DeprecationNotice`, Ariadne's extension API) adds ``extensions.deprecations`` to the response. Options of
  Ariadne's handler (``extensions=``, ``middleware=``...) pass through ``usage.http_handler(...)``.

The same hooks work without HTTP (``ariadne.graphql`` in a script: ``extensions=[usage.extension]``): counted at
``endpoint=`` (default ``/graphql``) as an unknown client.

    >>> from ariadne import QueryType, make_executable_schema
    >>> from ariadne.asgi import GraphQL
    >>> from starlette.testclient import TestClient
    >>> from gqlevolve.usage_store import UsageStore
    >>> query = QueryType()
    >>> _ = query.set_field("old", lambda *_: "x")
    >>> schema = make_executable_schema('type Query { old: String @deprecated(reason: "Use new") new: String }', query)
    >>> store = UsageStore(store_url, clock=clock)
    >>> usage = deprecation_usage(schema, store=store)
    >>> app = GraphQL(schema, root_value=usage.root_value(), http_handler=usage.http_handler())
    >>> response = TestClient(app).post("/graphql/", json={"query": "{ old }"}, headers={"graphql-client-name": "web"})
    >>> response.json()["extensions"]["deprecations"][0]["coordinate"], response.headers["warning"]
    ('Query.old', '299 - "Deprecated API: Query.old"')
    >>> _ = store.flush()
    >>> [(client.name, client.operations) for client in store.clients("/graphql", "Query.old")]
    [('web', 1)]
    >>> usage.close(); store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ariadne.asgi.handlers import GraphQLHTTPHandler
from ariadne.types import Extension
from graphql import DocumentNode, GraphQLSchema
from starlette.requests import Request
from starlette.responses import Response

from gqlevolve.adapters.request_state import RequestState, announce, begin, current, end, open_request
from gqlevolve.adapters.usage import ServerUsage
from gqlevolve.clock import Clock
from gqlevolve.monitor import Declared

if TYPE_CHECKING:
    from contextvars import Token

    from gqlevolve.usage_store import UsageStore

__all__ = ["AriadneUsage", "DeprecationHTTPHandler", "DeprecationNotice", "deprecation_usage"]


class AriadneUsage(ServerUsage):
    """The adapter of one Ariadne schema: its root value, its HTTP handler and its extension (create it with
    :func:`deprecation_usage`)."""

    def __init__(self, schema: GraphQLSchema, store: UsageStore, **options: Any) -> None:
        if not isinstance(schema, GraphQLSchema):
            raise TypeError(f"deprecation_usage needs the schema Ariadne serves (make_executable_schema), not {schema!r}")
        super().__init__(store, **options)
        self.schema = schema
        #: The extension class to give Ariadne (``extensions=[usage.extension]``); the HTTP handler adds it itself.
        self.extension: type[DeprecationNotice] = DeprecationNotice

    def start(self, schema: Any = None, endpoint: str | None = None) -> None:
        """Register the schema's deprecations for ``endpoint`` (the path it is served at) now and start refreshing
        them; optional: the first request to an endpoint registers it in the background (served meanwhile from the
        schema and ``declared=``)."""
        super().start(self.schema if schema is None else schema, endpoint)

    def root_value(self, root: Any = None) -> Callable[[Any, str | None, dict[str, Any] | None, DocumentNode], Any]:
        """The callable root value that observes each valid operation; ``root``: the root value of your own."""

        def observed_root(context: Any, operation_name: str | None, variables: dict[str, Any] | None, document: DocumentNode) -> Any:
            notice = self.observe(self.schema, None, document, operation_name, variables)
            gone = None if notice is None else notice.gone_error()  # removed, or refused for this request (says why)
            if gone is not None:
                raise gone  # Ariadne answers it as the operation's only error
            return root(context, operation_name, variables, document) if callable(root) else root

        return observed_root

    def http_handler(self, **options: Any) -> DeprecationHTTPHandler:
        """Ariadne's HTTP handler with the headers and the extension; ``options`` are the handler's own."""
        return DeprecationHTTPHandler(**options)


class DeprecationNotice(Extension):
    """Ariadne's extension API: ``extensions.deprecations`` in the response (one instance per request, Ariadne's way).

    Outside an HTTP request it makes one for the operation, so that a script's ``ariadne.graphql`` call gets the
    entries too.
    """

    # No per-field hook: there is nothing to do while fields resolve, and without ``resolve`` Ariadne's middleware
    # manager does not wrap every resolver in one more call.
    resolve = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self._token: Token[RequestState | None] | None = None

    def request_started(self, context: Any) -> None:
        if current() is None:
            _, self._token = begin({})

    def request_finished(self, context: Any) -> None:
        if self._token is not None:
            end(self._token)
            self._token = None

    def format(self, context: Any) -> dict[str, Any]:
        state = current()
        notice = None if state is None else state.notice
        return {} if notice is None else notice.results()


class DeprecationHTTPHandler(GraphQLHTTPHandler):
    """Ariadne's ``GraphQLHTTPHandler``: each request is made current for the root value (endpoint, client), and
    the notice's headers go on its response; :class:`DeprecationNotice` is added to the handler's extensions."""

    def __init__(self, *, extensions: Any = None, **options: Any) -> None:
        super().__init__(extensions=_with_notice(extensions), **options)

    async def graphql_http_server(self, request: Request) -> Response:
        with open_request(request.scope) as state:
            response = await super().graphql_http_server(request)
        announce(state, response.headers.append)
        return response


def _with_notice(extensions: Any) -> Any:
    """The handler's extensions and :class:`DeprecationNotice` (a list, or Ariadne's per-request callable)."""
    if extensions is None:
        return [DeprecationNotice]
    if callable(extensions):

        async def per_request(request: Any, context: Any) -> list[Any]:
            chosen = extensions(request, context)
            if hasattr(chosen, "__await__"):
                chosen = await chosen
            return [*(chosen or ()), DeprecationNotice]

        return per_request
    return [*extensions, DeprecationNotice]


def deprecation_usage(
    schema: GraphQLSchema,
    *,
    store: UsageStore,
    endpoint: str | None = None,
    declared: Declared = None,
    refresh_interval: float = 30.0,
    cache_size: int = 1_000,
    clock: Clock | Callable[[], dt.date] | None = None,
) -> AriadneUsage:
    """The adapter for ``schema`` (``make_executable_schema``'s): ``root_value()`` and ``http_handler()`` for
    ``ariadne.asgi.GraphQL``.

    ``store``: the :class:`~gqlevolve.usage_store.UsageStore`; ``endpoint``: the endpoint's name outside an HTTP
    request (default ``/graphql``); ``declared``: dates, replacements and guides (records or a TOML path);
    ``refresh_interval``: seconds between reads of the records; ``cache_size``: analyses kept; ``clock``: where
    "today" comes from (default: the store's).
    """
    return AriadneUsage(
        schema, store, endpoint=endpoint, declared=declared, refresh_interval=refresh_interval,
        cache_size=cache_size, clock=clock,
    )
