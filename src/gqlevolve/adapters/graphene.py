"""Graphene 3: count the deprecated elements each operation uses, tell the client, refuse removed ones.

Graphene 3 runs on graphql-core 3.2, whose ``execute`` builds an execution context from a class the caller may
choose (``execution_context_class``, which ``Schema.execute`` and ``Schema.execute_async`` pass on). The adapter's
class observes each operation once it is valid and its variables coerce, just before executing it: counted per
endpoint, day and client by the framework-neutral :class:`~gqlevolve.monitor.DeprecationMonitor`, the entries added
to the result's ``extensions`` (``{"deprecations": [...]}``), and a removed element refused with the ``GONE`` error
instead of executing (``data: null``, as Strawberry's adapter answers). It imports neither Graphene nor a web
framework: any server on graphql-core 3.2 can pass it.

The headers go on the HTTP response through :class:`DeprecationHeaders`, an ASGI middleware around the app that
serves the schema: it makes each request current for the execution context (the endpoint is the request path
without a trailing slash, the client comes from ``apollographql-client-name`` and the like) and adds the
``Deprecation``, ``Sunset``, ``Link`` and ``Warning`` headers to the response's start. The few lines of a Starlette
app (docs/integrations/graphene.md; Graphene's own docs leave the HTTP server to the user, and
``starlette-graphene3``, archived, drops ``result.extensions``, so its clients would never see the entries)::

    usage = deprecation_usage(store=store, declared="deprecations.toml")

    async def graphql(request):
        body = await request.json()
        result = await schema.execute_async(
            body["query"], variable_values=body.get("variables"), operation_name=body.get("operationName"),
            context_value={"request": request}, execution_context_class=usage.execution_context_class,
        )
        return JSONResponse(result.formatted)

    app = DeprecationHeaders(Starlette(routes=[Route("/graphql", graphql, methods=["POST"])]))

Outside an HTTP request (``schema.execute`` in a script) the operation counts at ``endpoint=`` (default
``/graphql``) as an unknown client. The tests (tests/test_adapter_graphene.py) run in ``.venv-graphene``
(``make test-graphene``): graphql-core 3.2 cannot be installed beside Strawberry's 3.3.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gqlevolve.adapters.request_state import announce, begin, end
from gqlevolve.adapters.usage import ServerUsage
from gqlevolve.clock import Clock
from gqlevolve.graphql_compat import GRAPHQL_CORE_VERSION
from gqlevolve.monitor import Declared

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["DeprecationHeaders", "GrapheneUsage", "deprecation_usage"]


class GrapheneUsage(ServerUsage):
    """The adapter of a Graphene (graphql-core 3.2) server: its execution context class; create it with
    :func:`deprecation_usage`."""

    _context_class: type[Any] | None = None

    def start(self, schema: Any, endpoint: str | None = None) -> None:
        """Register the schema's deprecations (a ``graphene.Schema`` or its ``graphql_schema``) for ``endpoint`` now
        and start refreshing them; optional: the first request to an endpoint does it in the background."""
        super().start(getattr(schema, "graphql_schema", schema), endpoint)

    @property
    def execution_context_class(self) -> type[Any]:
        """The class to pass as ``execution_context_class`` (made once per adapter: it carries this adapter)."""
        if self._context_class is None:
            self._context_class = _execution_context_class(self)
        return self._context_class


def _execution_context_class(usage: ServerUsage) -> type[Any]:
    try:
        from graphql.execution import ExecutionContext  # type: ignore[attr-defined,unused-ignore]  # 3.2 only: 3.3 has Executor
    except ImportError:
        version = ".".join(map(str, GRAPHQL_CORE_VERSION))
        raise ImportError(
            f"the Graphene adapter needs graphql-core 3.2 (Graphene 3's), not {version}: "
            'pip install "gqlevolve[graphene]" in an environment without Strawberry'
        ) from None
    from graphql import ExecutionResult, GraphQLError

    class DeprecationExecutionContext(ExecutionContext):  # type: ignore[misc]
        """graphql-core's execution context, observing the operation once it is valid (the adapter's hook)."""

        notice: Any = None
        gone: GraphQLError | None = None

        @classmethod
        def build(cls, schema: Any, document: Any, root_value: Any = None, context_value: Any = None,
                  raw_variable_values: Any = None, operation_name: Any = None, *args: Any, **kwargs: Any) -> Any:
            built = super().build(
                schema, document, root_value, context_value, raw_variable_values, operation_name, *args, **kwargs
            )
            if isinstance(built, list):  # the variables do not coerce: not executed, so neither counted nor told
                return built
            notice = usage.observe(schema, None, document, operation_name, raw_variable_values)
            if notice is not None:
                built.notice = notice
                built.gone = notice.gone_error()  # removed, or refused for this request (it says why)
            return built

        def execute_operation(self, operation: Any, root_value: Any) -> Any:
            if self.gone is not None:
                raise self.gone  # graphql-core answers it as the operation's only error, with data: null
            return super().execute_operation(operation, root_value)

        def build_response(self, data: Any, errors: Any) -> ExecutionResult:
            result: ExecutionResult = ExecutionContext.build_response(data, errors)
            if self.notice is not None and self.notice.entries:
                result.extensions = {**(result.extensions or {}), **self.notice.results()}
            return result

    return DeprecationExecutionContext


class DeprecationHeaders:
    """ASGI middleware: makes each HTTP request current for the execution context and adds the notice's headers to
    the response (or hands its records to a deprecated version of ``versioned_app``). WebSockets pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state, token = begin(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                added: list[tuple[bytes, bytes]] = []
                announce(state, lambda name, value: added.append((name.lower().encode("latin-1"), value.encode("latin-1"))))
                if added:
                    message = {**message, "headers": [*message.get("headers", ()), *added]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            end(token)


def deprecation_usage(
    *,
    store: UsageStore,
    endpoint: str | None = None,
    declared: Declared = None,
    refresh_interval: float = 30.0,
    cache_size: int = 1_000,
    clock: Clock | Callable[[], dt.date] | None = None,
) -> GrapheneUsage:
    """The adapter: pass ``usage.execution_context_class`` to ``schema.execute``/``execute_async`` and wrap the app
    in :class:`DeprecationHeaders`.

    ``store``: the :class:`~gqlevolve.usage_store.UsageStore`; ``endpoint``: the endpoint's name outside an HTTP
    request (default ``/graphql``); ``declared``: dates, replacements and guides (records or a TOML path);
    ``refresh_interval``: seconds between reads of the records; ``cache_size``: analyses kept; ``clock``: where
    "today" comes from (default: the store's).
    """
    return GrapheneUsage(
        store, endpoint=endpoint, declared=declared, refresh_interval=refresh_interval, cache_size=cache_size,
        clock=clock,
    )
