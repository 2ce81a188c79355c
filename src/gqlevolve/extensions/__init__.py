"""Strawberry extensions of gqlevolve.

- :func:`deprecation_usage` / :class:`DeprecationUsageExtension`: count the deprecated elements each operation
  uses, tell the client, reject removed ones (:mod:`.usage_extension`), an adapter of the framework-neutral
  :class:`gqlevolve.monitor.DeprecationMonitor`;
- :func:`client_from_headers`: who sent the operation (:mod:`gqlevolve.client_identity`), read from the request of
  whichever framework serves Strawberry (:mod:`.request_context`).

One line in the schema (``store_url`` names a new SQLite file; ``clock`` pins today):

    >>> import strawberry
    >>> from gqlevolve import UsageStore
    >>> @strawberry.type
    ... class Query:
    ...     @strawberry.field(deprecation_reason="Use new")
    ...     def old(self) -> str:
    ...         return "x"
    >>> store = UsageStore(store_url, clock=clock)
    >>> usage = deprecation_usage(store=store, endpoint="/graphql")
    >>> schema = strawberry.Schema(Query, extensions=[usage])
    >>> result = schema.execute_sync("{ old }")
    >>> result.data, result.extensions["deprecations"][0]["coordinate"]
    ({'old': 'x'}, 'Query.old')
    >>> store.flush()           # what the background flusher does every few seconds (rows written)
    1
    >>> [(day.operations, day.total) for day in store.daily_usage("/graphql", "Query.old")]
    [(1, 1)]
    >>> usage.close(); store.close()
"""

from gqlevolve.client_identity import ClientIdentity
from gqlevolve.extensions.request_context import client_from_headers
from gqlevolve.extensions.usage_extension import DeprecationUsage, DeprecationUsageExtension, deprecation_usage
from gqlevolve.monitor import GONE_CODE, DeclarationError, load_declarations

__all__ = [
    "GONE_CODE",
    "ClientIdentity",
    "DeclarationError",
    "DeprecationUsage",
    "DeprecationUsageExtension",
    "client_from_headers",
    "deprecation_usage",
    "load_declarations",
]
