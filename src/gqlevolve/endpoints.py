"""Endpoint names as people type them: ``/api/v1/graphql`` or just ``v1``, checked against the store.

The store names an endpoint by its canonical path (:func:`endpoint_path`). The command line
and the admin API accept that path or a bare version, and, when none is given and the store knows only one
endpoint, take that one.

Example::

    resolve_endpoint("v1", store.endpoints())          # '/api/v1/graphql'
    resolve_endpoint(None, ["/api/v1/graphql"])        # '/api/v1/graphql'
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["UnknownEndpoint", "canonical_endpoint", "endpoint_path", "resolve_endpoint"]


def endpoint_path(version: str) -> str:
    """The canonical path of a version's GraphQL endpoint, used as the endpoint's name in the usage store."""
    return f"/api/{version}/graphql"


class UnknownEndpoint(LookupError):
    """An endpoint the store has never heard of (or none given while it knows several)."""


def canonical_endpoint(name: str) -> str:
    """``v1`` -> ``/api/v1/graphql``; a path is kept as given, without a trailing slash."""
    name = name.strip()
    if not name:
        raise UnknownEndpoint("an endpoint is a path such as /api/v1/graphql or a version such as v1, not ''")
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
        raise UnknownEndpoint(f"the store knows several endpoints; choose one with --endpoint: {listed}")
    endpoint = canonical_endpoint(name)
    if endpoint not in known:
        raise UnknownEndpoint(f"unknown endpoint {name!r}; the usage store knows: {listed}")
    return endpoint
