"""Strawberry extensions of gqlevolve.

- :func:`deprecation_usage` / :class:`DeprecationUsageExtension`: count the deprecated elements each operation
  uses, tell the client, reject removed ones (:mod:`.usage_extension`), an adapter of the framework-neutral
  :class:`gqlevolve.monitor.DeprecationMonitor`;
- :func:`client_from_headers`: who sent the operation (:mod:`.client_identity`).

Example::

    schema = strawberry.Schema(Query, extensions=[deprecation_usage(store=store, declared=DECLARED)])
"""

from gqlevolve.extensions.client_identity import ClientIdentity, client_from_headers
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
