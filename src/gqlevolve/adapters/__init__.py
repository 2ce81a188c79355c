"""Adapters of the framework-neutral core (:mod:`gqlevolve.monitor`) to GraphQL servers built on graphql-core without
Strawberry (Strawberry's own is :mod:`gqlevolve.extensions`):

- :mod:`gqlevolve.adapters.ariadne`: Ariadne's root value, HTTP handler and extension (``pip install
  "gqlevolve[ariadne]"``);
- :mod:`gqlevolve.adapters.graphene`: graphql-core's execution context class and an ASGI middleware for the headers
  (Graphene 3, graphql-core 3.2: ``pip install "gqlevolve[graphene]"``).

Each is imported by its own name, so that importing one never needs the other server installed. What they share:
:mod:`.usage` (the monitor and one step per operation) and :mod:`.request_state` (the request between the HTTP
layer and the execution hook).

    >>> import gqlevolve.adapters
    >>> sorted(gqlevolve.adapters.ADAPTERS)
    ['ariadne', 'graphene']
"""

__all__ = ["ADAPTERS"]

#: The adapters by server, and the extra that installs what each needs.
ADAPTERS = {"ariadne": "gqlevolve[ariadne]", "graphene": "gqlevolve[graphene]"}
