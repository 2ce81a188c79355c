"""Endpoint names as people type them: ``/api/v1/graphql`` or just ``v1``, checked against the store.

The store names an endpoint by its canonical path (:func:`endpoint_path`). The command line
and the admin API accept that path or a bare version, and, when none is given and the store knows only one
endpoint, take that one.

:func:`canonical_endpoint` is the one check of an endpoint name someone typed (a non-blank string whose
canonical path the store can keep: :func:`check_endpoint_name`); a bad one is an
:class:`~gqlevolve.errors.InvalidInput`. An endpoint the store does not know is an :class:`UnknownEndpoint` (a
:class:`~gqlevolve.errors.NotFound`); none given while it knows several, an :class:`EndpointNotChosen` (invalid
input, and an unknown endpoint as it always was).

Example (``known``: what ``store.endpoints()`` returns):

    >>> known = ["/api/v1/graphql", "/api/v2/graphql"]
    >>> resolve_endpoint("v1", known)
    '/api/v1/graphql'
    >>> resolve_endpoint("/api/v2/graphql/", known)
    '/api/v2/graphql'
    >>> resolve_endpoint(None, ["/api/v1/graphql"])          # the only one
    '/api/v1/graphql'
    >>> resolve_endpoint(None, known)
    Traceback (most recent call last):
    ...
    gqlevolve.endpoints.EndpointNotChosen: the usage store knows several endpoints; name one of them: /api/v1/graphql, /api/v2/graphql
    >>> resolve_endpoint("v9", known)
    Traceback (most recent call last):
    ...
    gqlevolve.endpoints.UnknownEndpoint: unknown endpoint "v9"; the usage store knows: /api/v1/graphql, /api/v2/graphql
    >>> endpoint_version("/api/v1/graphql")
    'v1'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.jsonable import json_quote

__all__ = [
    "DEPRECATIONS_SCOPE_KEY",
    "ENDPOINT_LENGTH",
    "ENDPOINT_SCOPE_KEY",
    "VERSION_SCOPE_KEY",
    "EndpointNotChosen",
    "ServesEndpoints",
    "UnknownEndpoint",
    "canonical_endpoint",
    "check_endpoint_name",
    "endpoint_path",
    "endpoint_version",
    "resolve_endpoint",
]

#: ASGI scope keys ``versioned_app`` sets for every request to a versioned endpoint: its canonical path (the
#: endpoint's name in the store) and its version. Here, not in ``gqlevolve.asgi``, so that the extensions can read
#: them without depending on the app that sets them.
ENDPOINT_SCOPE_KEY = "gqlevolve.endpoint"
VERSION_SCOPE_KEY = "gqlevolve.version"
#: The longest endpoint name the usage store keeps (its endpoint columns are this wide).
ENDPOINT_LENGTH = 200
#: A list ``versioned_app`` puts in the scope of a deprecated version's HTTP requests. An extension appends the
#: deprecation records its operation touched instead of setting lifecycle headers itself, and the version renders
#: the response's headers once, from its own record and those (``gqlevolve.lifecycle.response_headers``): one
#: ``Deprecation`` and one ``Sunset``, the earliest, without reading back header text it or the extension wrote.
DEPRECATIONS_SCOPE_KEY = "gqlevolve.deprecations"


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


class UnknownEndpoint(NotFound):
    """An endpoint the store has never heard of (or none given while it knows several); a ``LookupError``.

    ``given`` is the name asked for (None when none was) and ``known`` the endpoints there are, so that each
    interface can phrase the error its own way (the command line names ``--endpoint``, the admin API its
    ``endpoint`` field); the message itself names neither. ``field`` is ``endpoint``.
    """

    def __init__(self, message: str, *, given: str | None = None, known: Sequence[str] = ()) -> None:
        super().__init__(message, field="endpoint")
        self.given = given
        self.known = list(known)


class EndpointNotChosen(UnknownEndpoint, InvalidInput):
    """No endpoint given while several are known (``known``): the caller must choose one.

    Invalid input (a ``ValueError``: the request lacks a required endpoint), and an :class:`UnknownEndpoint`
    (a ``LookupError``) as it always was; ``extra["choices"]`` lists the endpoints.
    """

    def __init__(self, message: str, *, given: str | None = None, known: Sequence[str] = ()) -> None:
        super().__init__(message, given=given, known=known)
        self.extra = {"choices": self.known}


def check_endpoint_name(endpoint: object) -> str:
    """``endpoint`` if the store can keep it as an endpoint's name: a non-empty string of at most
    :data:`ENDPOINT_LENGTH` characters; an :class:`~gqlevolve.errors.InvalidInput` otherwise."""
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidInput(
            f"endpoint: expected a path such as /api/v1/graphql or a version such as v1, not {json_quote(endpoint)}",
            field="endpoint",
        )
    if len(endpoint) > ENDPOINT_LENGTH:
        raise InvalidInput(
            f"endpoint: at most {ENDPOINT_LENGTH} characters, not {len(endpoint)}: {json_quote(endpoint)}",
            field="endpoint",
        )
    return endpoint


def canonical_endpoint(name: object) -> str:
    """``v1`` -> ``/api/v1/graphql``; a path is kept as given, without a trailing slash (surrounding spaces go).

    The one check of an endpoint name someone typed: a blank name, one that is not a string, or one too long
    for the store is an :class:`~gqlevolve.errors.InvalidInput` (``field``: ``endpoint``).
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(
            f"endpoint: expected a path such as /api/v1/graphql or a version such as v1, not {json_quote(name)}",
            field="endpoint",
        )
    name = name.strip()
    canonical = (name.rstrip("/") or "/") if name.startswith("/") else endpoint_path(name)
    return check_endpoint_name(canonical)


def resolve_endpoint(name: str | None, known: Sequence[str], *, hint: str = "") -> str:
    """The canonical endpoint for ``name`` among ``known`` (the store's endpoints), or a clear error.

    ``hint`` is added to the message of an :class:`UnknownEndpoint` for a name that is not known (what to do
    instead).
    """
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
            f"unknown endpoint {json_quote(name)}; the usage store knows: {listed}{hint}", given=name, known=known
        )
    return endpoint
