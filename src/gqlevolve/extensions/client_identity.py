"""Who sent an operation: the client's name and version, and the endpoint it called.

The name and version come from the headers Apollo's and other GraphQL clients send:
``apollographql-client-name`` / ``apollographql-client-version`` or ``graphql-client-name`` /
``graphql-client-version``, each also with an ``x-`` prefix. Without them the client is unknown (``None``,
which the store keeps as ``unknown``). A server author who identifies clients differently passes a callable
to ``deprecation_usage(client_identity=...)``; it receives Strawberry's ``ExecutionContext``::

    def client_from_token(execution_context) -> ClientIdentity:
        request = execution_context.context["request"]
        return ClientIdentity(request.state.client_id, request.headers.get("x-app-version"))

The endpoint is the versioned app's canonical path (``scope["gqlevolve.endpoint"]``), else the request path
without a trailing slash, else the name given to the extension (``schema.execute`` in a script).

Only the first 64 characters of a name and 32 of a version are read (what the store keeps:
:mod:`gqlevolve.usage_store.clients`): a client that sends a 30 KB header costs no more than one that sends 64 bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from gqlevolve.endpoints import ENDPOINT_SCOPE_KEY

__all__ = [
    "NAME_HEADERS",
    "VERSION_HEADERS",
    "ClientIdentity",
    "ClientIdentifier",
    "client_from_headers",
    "request_endpoint",
    "request_of",
]

#: Header names, most specific first; the first one present wins.
NAME_HEADERS = (
    "apollographql-client-name",
    "x-apollographql-client-name",
    "graphql-client-name",
    "x-graphql-client-name",
)
VERSION_HEADERS = tuple(name.replace("-name", "-version") for name in NAME_HEADERS)

#: The characters of a name and a version that are read: what the store keeps (``CLIENT_NAME_LENGTH`` and
#: ``CLIENT_VERSION_LENGTH`` of :mod:`gqlevolve.usage_store.tables`, not imported: the adapter does not load the
#: store's database layer; a test keeps them equal).
CLIENT_NAME_LENGTH = 64
CLIENT_VERSION_LENGTH = 32

_NAME_RANK = {name.encode("latin-1"): rank for rank, name in enumerate(NAME_HEADERS)}
_VERSION_RANK = {name.encode("latin-1"): rank for rank, name in enumerate(VERSION_HEADERS)}


class ClientIdentity(NamedTuple):
    name: str | None = None
    version: str | None = None


#: What ``deprecation_usage(client_identity=...)`` accepts.
ClientIdentifier = Callable[[Any], "ClientIdentity | tuple[str | None, str | None]"]

UNKNOWN = ClientIdentity()


def request_of(context: Any) -> Any:
    """The HTTP request (or WebSocket) in Strawberry's context, if there is one."""
    if context is None:
        return None
    if isinstance(context, dict):
        return context.get("request")
    return getattr(context, "request", None)


def client_from_headers(execution_context: Any) -> ClientIdentity:
    """The default identifier: the client headers of the request, ``ClientIdentity()`` without them."""
    request = request_of(execution_context.context)
    headers = getattr(request, "headers", None)
    if headers is None:
        return UNKNOWN
    raw = getattr(headers, "raw", None)
    if raw is not None:  # Starlette: one pass over the raw (lower-cased) headers
        return _from_raw(raw)
    name = next((headers.get(header) for header in NAME_HEADERS if headers.get(header)), None)
    version = next((headers.get(header) for header in VERSION_HEADERS if headers.get(header)), None)
    return ClientIdentity(
        name[:CLIENT_NAME_LENGTH] if isinstance(name, str) else name,
        version[:CLIENT_VERSION_LENGTH] if isinstance(version, str) else version,
    )


def _from_raw(raw: list[tuple[bytes, bytes]]) -> ClientIdentity:
    name = version = None
    name_rank = version_rank = len(NAME_HEADERS)
    for key, value in raw:
        rank = _NAME_RANK.get(key)
        if rank is not None and rank < name_rank and value:
            name, name_rank = value, rank
            continue
        rank = _VERSION_RANK.get(key)
        if rank is not None and rank < version_rank and value:
            version, version_rank = value, rank
    if name is None and version is None:
        return UNKNOWN
    return ClientIdentity(  # cut before decoding: latin-1 is one character a byte
        None if name is None else name[:CLIENT_NAME_LENGTH].decode("latin-1").strip() or None,
        None if version is None else version[:CLIENT_VERSION_LENGTH].decode("latin-1").strip() or None,
    )


def request_endpoint(request: Any) -> str | None:
    """The endpoint a request called: the versioned app's canonical path, else its path without a trailing slash."""
    if request is None:
        return None
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        endpoint = scope.get(ENDPOINT_SCOPE_KEY)
        if isinstance(endpoint, str) and endpoint:
            return endpoint
        path = scope.get("path")
    else:
        path = getattr(getattr(request, "url", None), "path", None) or getattr(request, "path", None)
    if not isinstance(path, str) or not path:
        return None
    return path.rstrip("/") or "/"
