"""Strawberry extensions of gqlevolve.

- :func:`deprecation_usage` / :class:`DeprecationUsageExtension`: count the deprecated elements each operation
  uses, tell the client, reject removed ones (:mod:`.usage_extension`).

Example::

    schema = strawberry.Schema(Query, extensions=[deprecation_usage(store=store, declared=DECLARED)])
"""

from gqlevolve.extensions.client_identity import ClientIdentity, client_from_headers
from gqlevolve.extensions.declared import DeclarationError, load_declarations
from gqlevolve.extensions.usage_extension import DeprecationUsage, DeprecationUsageExtension, deprecation_usage
from gqlevolve.extensions.notice import GONE_CODE

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
