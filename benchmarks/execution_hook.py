"""A prototype, for measurement only: the extension's work in graphql-core's execution context class instead of a
Strawberry ``SchemaExtension`` (issue 13, point 6).

``strawberry.Schema(execution_context_class=...)`` hands graphql-core an executor class; its ``build`` sees the
document, the raw variables and the context once per operation, after validation, with none of the wrapping
Strawberry puts around each extension hook (a context manager per hook and per extension, the generator stepped
in and out). Graphene and Ariadne pass graphql-core such a class too. The prototype does what
``DeprecationUsage.observe`` does (the request's endpoint and client, the monitor's observe, the headers) and
refuses a removed element with the ``GONE`` error; what it cannot do is put ``extensions.deprecations`` into the
response: Strawberry builds its own ``ExecutionResult`` from graphql-core's data and errors and fills
``extensions`` from its extensions alone (a ``get_results``-only extension would be needed for that).

    >>> import strawberry, tempfile
    >>> from gqlevolve import UsageStore, deprecation_usage
    >>> @strawberry.type
    ... class Query:
    ...     @strawberry.field(deprecation_reason="gone soon")
    ...     def old(self) -> int:
    ...         return 1
    >>> store = UsageStore(f"sqlite:///{tempfile.mkdtemp()}/usage.db")
    >>> usage = deprecation_usage(store=store, endpoint="/bench")
    >>> schema = strawberry.Schema(Query, execution_context_class=monitoring_executor(usage))
    >>> schema.execute_sync("{ old }").data
    {'old': 1}
    >>> store.flush()
    1
    >>> usage.close(); store.close()
"""

from __future__ import annotations

from typing import Any

from graphql import ExecutionResult
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gqlevolve.extensions.request_context import RequestContext
from gqlevolve.extensions.usage_extension import DeprecationUsage

__all__ = ["monitoring_executor"]


def monitoring_executor(usage: DeprecationUsage) -> type[StrawberryGraphQLCoreExecutionContext]:
    """An executor class that observes each operation with ``usage``'s monitor (a prototype: see the module)."""
    monitor = usage.monitor
    default_endpoint = usage.endpoint

    class MonitoringExecutor(StrawberryGraphQLCoreExecutionContext):
        notice: Any = None

        @classmethod
        def build(  # type: ignore[override]
            cls,
            schema: Any,
            document: Any,
            root_value: Any = None,
            context_value: Any = None,
            raw_variable_values: dict[str, Any] | None = None,
            operation_name: str | None = None,
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            built = super().build(
                schema, document, root_value, context_value, raw_variable_values, operation_name, *args, **kwargs
            )
            if isinstance(built, list):  # variables refused: graphql-core answers with its errors, nothing counted
                return built
            request = RequestContext.of(context_value)
            name, version = request.client()
            # The query text keys the analysis cache: graphql-core's parser keeps it in the document's location.
            query = document.loc.source.body if document.loc is not None else None
            notice = monitor.observe(
                schema, query, document, operation_name, raw_variable_values,
                endpoint=request.endpoint() or default_endpoint, client_name=name, client_version=version,
                preview=request.preview,
            )
            if notice is not None and notice.records:
                request.announce(notice)
            built.notice = notice
            return built

        def execute_operation(self, serially: bool | None = None) -> Any:
            notice = self.notice
            if notice is not None and notice.removed:
                return ExecutionResult(None, [notice.gone_error()])
            return super().execute_operation(serially)

    return MonitoringExecutor
