"""One request, between a server's HTTP layer and the hook that runs its operation (Ariadne's and Graphene's adapters).

The HTTP layer (Ariadne's HTTP handler, :class:`~gqlevolve.adapters.graphene.DeprecationHeaders` for Graphene) opens
a :class:`RequestState` for each request with :func:`open_request`; the hook that sees the validated operation
(Ariadne's ``root_value``, graphql-core's execution context) reads the endpoint and the client from it and leaves
the :class:`~gqlevolve.monitor.Notice` there; the HTTP layer then writes the notice's headers onto the response
(:func:`announce`). A context variable carries the state from one to the other, so neither needs the server
author's context value: it follows the request into the tasks and thread pools the server runs it in (they copy
the context, and the copy holds the same object). Without an HTTP layer (``schema.execute`` in a script) there is
no state: the operation counts at the adapter's configured endpoint, as an unknown client.

    >>> scope = {"type": "http", "path": "/graphql/", "headers": [(b"graphql-client-name", b"web")]}
    >>> with open_request(scope) as state:
    ...     current() is state, state.endpoint("/default"), state.client()
    (True, '/graphql', ClientIdentity(name='web', version=None))
    >>> current() is None
    True
    >>> RequestState({"type": "http", "path": "/", "headers": []}).client()
    ClientIdentity(name=None, version=None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from gqlevolve.client_identity import ClientIdentity, identity_from_raw
from gqlevolve.endpoints import DEPRECATIONS_SCOPE_KEY, ENDPOINT_SCOPE_KEY, check_endpoint_name
from gqlevolve.monitor.enforcement import PREVIEW_HEADER, preview_requested

if TYPE_CHECKING:
    from gqlevolve.monitor import Notice

__all__ = ["RequestState", "announce", "begin", "current", "end", "open_request"]

_PREVIEW_RAW = PREVIEW_HEADER.lower().encode("latin-1")

_CURRENT: ContextVar[RequestState | None] = ContextVar("gqlevolve_request", default=None)


class RequestState:
    """One HTTP request (its ASGI scope) and, once the operation was observed, the notice for its client."""

    __slots__ = ("notice", "scope")

    def __init__(self, scope: MutableMapping[str, Any]) -> None:
        self.scope = scope
        self.notice: Notice | None = None

    def endpoint(self, default: str) -> str:
        """``versioned_app``'s canonical path, else the request's path without a trailing slash, else ``default``."""
        endpoint = self.scope.get(ENDPOINT_SCOPE_KEY)
        if isinstance(endpoint, str) and endpoint:
            return endpoint
        path = self.scope.get("path")
        if not isinstance(path, str) or not path:
            return default
        try:
            return check_endpoint_name(path.rstrip("/") or "/")
        except ValueError:  # a path longer than the store keeps: counted at the configured endpoint
            return default

    def preview(self) -> bool:
        """Whether the client asked for the preview (``GraphQL-Deprecations: reject``): every deprecated element
        of its operation behaves as removed (:mod:`gqlevolve.monitor.enforcement`)."""
        try:
            for key, value in self.scope.get("headers") or ():
                if key == _PREVIEW_RAW:
                    return preview_requested(value.decode("latin-1"))
        except Exception:  # headers that cannot be read asked for nothing: served by the usual rules
            return False
        return False

    def client(self) -> ClientIdentity:
        """(name, version) from the client headers (:mod:`gqlevolve.client_identity`), cut to what the store keeps."""
        return identity_from_raw(self.scope.get("headers") or ())


def current() -> RequestState | None:
    """The request being served in this context, if an HTTP layer opened one."""
    return _CURRENT.get()


def begin(scope: MutableMapping[str, Any]) -> tuple[RequestState, Token[RequestState | None]]:
    """Make ``scope``'s request the current one until :func:`end` is given the token (in the same context)."""
    state = RequestState(scope)
    return state, _CURRENT.set(state)


def end(token: Token[RequestState | None]) -> None:
    """The request :func:`begin` made current is no longer."""
    _CURRENT.reset(token)


@contextmanager
def open_request(scope: MutableMapping[str, Any]) -> Iterator[RequestState]:
    """Make ``scope``'s request the current one for the ``with`` block (the HTTP layer's part)."""
    state, token = begin(scope)
    try:
        yield state
    finally:
        end(token)


def announce(state: RequestState, add: Callable[[str, str], None]) -> None:
    """Put the notice's headers on the response through ``add(name, value)`` (once per value), or hand its records
    to a deprecated version of ``versioned_app`` that renders the response's headers once from its own and these."""
    notice = state.notice
    if notice is None or not notice.records:
        return
    collected = state.scope.get(DEPRECATIONS_SCOPE_KEY)
    if isinstance(collected, list):
        collected.extend(notice.records)
        return
    headers: Iterable[tuple[str, str]] = notice.headers
    for name, value in headers:
        add(name, value)
