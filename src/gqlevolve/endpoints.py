"""Endpoint names as people type them: ``/api/v1/graphql`` or just ``v1``, checked against the store.

The store names an endpoint by its canonical path (:func:`endpoint_path`). The command line
and the admin API accept that path or a bare version, and, when none is given and the store knows only one
endpoint, take that one.

Example::

    resolve_endpoint("v1", store.endpoints())          # '/api/v1/graphql'
    resolve_endpoint(None, ["/api/v1/graphql"])        # '/api/v1/graphql'
    endpoint_version("/api/v1/graphql")                # 'v1'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from gqlevolve.jsonable import json_quote

__all__ = [
    "ENDPOINT_SCOPE_KEY",
    "VERSION_SCOPE_KEY",
    "EndpointNotChosen",
    "ServesEndpoints",
    "UnknownEndpoint",
    "canonical_endpoint",
    "endpoint_path",
    "endpoint_version",
    "resolve_endpoint",
]

#: ASGI scope keys ``versioned_app`` sets for every request to a versioned endpoint: its canonical path (the
#: endpoint's name in the store) and its version. Here, not in ``gqlevolve.asgi``, so that the extensions can read
#: them without depending on the app that sets them.
ENDPOINT_SCOPE_KEY = "gqlevolve.endpoint"
VERSION_SCOPE_KEY = "gqlevolve.version"


@runtime_checkable
class ServesEndpoints(Protocol):
    """A schema extension (factory) that wants to know, at app start-up, each endpoint its schema is served at.

    ``versioned_app`` calls :meth:`on_app_startup` from its lifespan for every extension of every schema that
    has it (``deprecation_usage`` registers the schema's deprecations for that endpoint then).
    """

    def on_app_startup(self, *, schema: Any, endpoint: str) -> None: ...


def endpoint_path(version: str) -> str:
    """The canonical path of a version's GraphQL endpoint, used as the endpoint's name in the usage store."""
    return f"/api/{version}/graphql"


def endpoint_version(endpoint: str) -> str | None:
    """The version in a canonical path (``/api/v1/graphql`` -> ``v1``); None for any other path."""
    prefix, suffix = "/api/", "/graphql"
    if endpoint.startswith(prefix) and endpoint.endswith(suffix) and len(endpoint) > len(prefix) + len(suffix):
        version = endpoint[len(prefix):-len(suffix)]
        return None if "/" in version else version
    return None


class UnknownEndpoint(LookupError):
    """An endpoint the store has never heard of (or none given while it knows several).

    ``given`` is the name asked for (None when none was) and ``known`` the endpoints there are, so that each
    interface can phrase the error its own way (the command line names ``--endpoint``, the admin API its
    ``endpoint`` field); the message itself names neither.
    """

    def __init__(self, message: str, *, given: str | None = None, known: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.given = given
        self.known = list(known)


class EndpointNotChosen(UnknownEndpoint, ValueError):
    """No endpoint given while several are known (``known``): the caller must choose one."""


def canonical_endpoint(name: str) -> str:
    """``v1`` -> ``/api/v1/graphql``; a path is kept as given, without a trailing slash."""
    name = name.strip()
    if not name:
        raise UnknownEndpoint('an endpoint is a path such as /api/v1/graphql or a version such as v1, not ""', given=name)
    if name.startswith("/"):
        return name.rstrip("/") or "/"
    return endpoint_path(name)


def resolve_endpoint(name: str | None, known: Sequence[str]) -> str:
    """The canonical endpoint for ``name`` among ``known`` (the store's endpoints), or a clear error."""
    listed = ", ".join(known) if known else "none yet"
    if name is None:
        if len(known) == 1:
            return known[0]
        if not known:
            raise UnknownEndpoint("the usage store knows no endpoint yet (no traffic and no deprecation records)")
        raise EndpointNotChosen(f"the usage store knows several endpoints; name one of them: {listed}", known=known)
    endpoint = canonical_endpoint(name)
    if endpoint not in known:
        raise UnknownEndpoint(
            f"unknown endpoint {json_quote(name)}; the usage store knows: {listed}", given=name, known=known
        )
    return endpoint
