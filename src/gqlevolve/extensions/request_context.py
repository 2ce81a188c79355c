"""The request behind an operation, whichever web framework serves Strawberry: one small view per framework.

Strawberry puts the framework's request (or WebSocket) and a sub-response into the operation's context, each
framework with types of its own. A :class:`RequestView` knows one framework:

- the path the client called (the endpoint's name in the store, without a trailing slash);
- the client's headers (:mod:`.client_identity`): the raw pairs of an ASGI scope, else the framework's
  case-insensitive look-up (Django's ``META``; Werkzeug's, multidict's and Sanic's ``headers.get``);
- the per-request mapping where a server leaves gqlevolve's keys (``versioned_app``'s canonical endpoint and the
  list a deprecated version collects records in, :mod:`gqlevolve.endpoints`): the ASGI scope, Django's ``META``,
  WSGI's ``environ``, aiohttp's request;
- how a header is added to its response: appended where the response keeps several values of a name (Starlette,
  Werkzeug, multidict), joined with ``", "`` where it keeps one (RFC 9110, section 5.3: the same thing to a
  client): Django's item assignment, and the plain dicts of Litestar, Sanic and Channels. Nothing is written on a
  WebSocket (no response headers after the handshake).

The view is chosen by the request's type: the qualified names of its classes, most specific first (its MRO), are
looked up in one table, so no framework is imported; the answer is kept per type. A type no view knows (a
context of the server author's own) is read by duck typing (:class:`GenericView`).

:class:`RequestContext` binds the view to one operation's request and response and never raises: a request that
cannot be read counts at the extension's configured endpoint as an unknown client (a warning is logged once per
framework and step), a response that cannot be written is left as it is. Nothing a framework does makes the
extension step aside: the operation is still counted and a removed element still refused.

    >>> from starlette.requests import Request
    >>> from starlette.responses import Response
    >>> scope = {"type": "http", "path": "/graphql/", "headers": [(b"graphql-client-name", b"web")]}
    >>> request, response = Request(scope), Response()
    >>> bound = RequestContext.of({"request": request, "response": response})
    >>> bound.view.name, bound.endpoint(), bound.client()
    ('starlette', '/graphql', ClientIdentity(name='web', version=None))
    >>> bound.add_headers((("Warning", '299 - "a"'), ("Warning", '299 - "b"')))
    >>> response.headers.getlist("warning")
    ['299 - "a"', '299 - "b"']

A framework whose response keeps one value per name gets them joined:

    >>> headers = {"content-type": "application/json"}
    >>> join_into(headers, (("Warning", '299 - "a"'), ("warning", '299 - "b"')))
    >>> headers
    {'content-type': 'application/json', 'Warning': '299 - "a", 299 - "b"'}
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from gqlevolve.client_identity import (
    NAME_HEADERS,
    UNKNOWN,
    VERSION_HEADERS,
    ClientIdentity,
    identity_from_lookup,
    identity_from_raw,
)
from gqlevolve.endpoints import DEPRECATIONS_SCOPE_KEY, ENDPOINT_SCOPE_KEY
from gqlevolve.logs import request_logger
from gqlevolve.monitor.enforcement import PREVIEW_HEADER, preview_requested

if TYPE_CHECKING:
    from gqlevolve.monitor import Notice

__all__ = [
    "NO_REQUEST",
    "GenericView",
    "RequestContext",
    "RequestView",
    "client_from_headers",
    "join_into",
    "view_for",
]

logger = request_logger("gqlevolve.extensions")

Headers = Iterable[tuple[str, str]]


def _endpoint_of(path: object) -> str | None:
    """A path as an endpoint's name: without its trailing slash (``/graphql/`` and ``/graphql`` are one endpoint)."""
    if not isinstance(path, str) or not path:
        return None
    return path.rstrip("/") or "/"


def join_into(headers: MutableMapping[str, str], added: Headers) -> None:
    """Add ``added`` to a mapping that keeps one value per name, joining a repeated name's values with ``", "``.

    The mapping's own spelling of a name is kept (a plain dict is case-sensitive; HTTP names are not).
    """
    for name, value in added:
        lowered = name.lower()
        existing = next((key for key in headers if key.lower() == lowered), None)
        if existing is None:
            headers[name] = value
        else:
            headers[existing] = f"{headers[existing]}, {value}"


def _add_each(add: Any, added: Headers) -> None:
    """Werkzeug's ``Headers.add``, multidict's ``add``, Starlette's ``MutableHeaders.append``: one line per value."""
    for name, value in added:
        add(name, value)


class RequestView:
    """How one framework's request is read and its response written; stateless, one instance per framework.

    Every method may raise on a request it cannot read: :class:`RequestContext` catches it.
    """

    name = "unknown"

    def path(self, request: Any) -> str | None:
        """The path the client called."""
        return None

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        """The request's mapping where a server leaves gqlevolve's keys (``gqlevolve.endpoint``, ...); None: none."""
        return None

    def client(self, request: Any) -> ClientIdentity:
        """The client the request's headers name."""
        return UNKNOWN

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        """Add the lifecycle headers to the response; nothing where there is none (a WebSocket)."""

    def __repr__(self) -> str:
        return f"<request view {self.name}>"


class _ScopeView(RequestView):
    """An ASGI request: its scope has the path, the raw headers and gqlevolve's keys; a WebSocket gets no headers."""

    def scope(self, request: Any) -> Mapping[str, Any]:
        scope: Mapping[str, Any] = request.scope
        return scope

    def path(self, request: Any) -> str | None:
        path: str | None = self.scope(request).get("path")
        return path

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        return self.scope(request)

    def client(self, request: Any) -> ClientIdentity:
        return identity_from_raw(self.scope(request).get("headers") or ())

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        if self.scope(request).get("type") == "http":
            self.write(response, headers)

    def write(self, response: Any, headers: Headers) -> None:
        """Write to an HTTP response of this framework."""


class StarletteView(_ScopeView):
    """Starlette's ``Request`` / ``WebSocket``: ``strawberry.asgi``, FastAPI, ``versioned_app``."""

    name = "starlette"

    def write(self, response: Any, headers: Headers) -> None:
        _add_each(response.headers.append, headers)  # MutableHeaders: one line per value


class LitestarView(_ScopeView):
    """Litestar's ``Request`` / ``WebSocket`` (the WebSocket's context names it ``socket``)."""

    name = "litestar"

    def write(self, response: Any, headers: Headers) -> None:
        join_into(response.headers, headers)  # Response.headers is a plain dict: one value per name


class ChannelsHttpView(_ScopeView):
    """Strawberry's ``ChannelsRequest``: the consumer holds the scope; the sub-response's headers are a dict."""

    name = "channels"

    def scope(self, request: Any) -> Mapping[str, Any]:
        scope: Mapping[str, Any] = request.consumer.scope
        return scope

    def write(self, response: Any, headers: Headers) -> None:
        join_into(response.headers, headers)


class ChannelsWebsocketView(_ScopeView):
    """A Channels consumer (Strawberry's ``GraphQLWSConsumer`` is the WebSocket's request): nothing to write."""

    name = "channels-websocket"


#: Django's ``META`` names of the client headers (``HTTP_`` and upper case, ``_`` for ``-``).
_DJANGO_NAMES = tuple("HTTP_" + name.upper().replace("-", "_") for name in NAME_HEADERS)
_DJANGO_VERSIONS = tuple("HTTP_" + name.upper().replace("-", "_") for name in VERSION_HEADERS)


class DjangoView(RequestView):
    """Django's ``HttpRequest`` (``GraphQLView``, ``AsyncGraphQLView``); ``META`` carries gqlevolve's keys."""

    name = "django"

    def path(self, request: Any) -> str | None:
        path: str = request.path
        return path

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        meta: Mapping[str, Any] = request.META
        return meta

    def client(self, request: Any) -> ClientIdentity:
        return identity_from_lookup(request.META.get, _DJANGO_NAMES, _DJANGO_VERSIONS)

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        join_into(response.headers, headers)  # ResponseHeaders: item assignment replaces; it is case-insensitive


class WerkzeugView(RequestView):
    """Flask's (Werkzeug's) request; its sub-response's ``Headers.add`` keeps each value; ``environ`` the keys."""

    name = "flask"

    def path(self, request: Any) -> str | None:
        return f"{request.root_path}{request.path}"  # the path the client called, the app's mount point included

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        environ: Mapping[str, Any] | None = getattr(request, "environ", None)
        return environ

    def client(self, request: Any) -> ClientIdentity:
        return identity_from_lookup(request.headers.get)

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        _add_each(response.headers.add, headers)


class QuartView(WerkzeugView):
    """Quart's ``Request``: Werkzeug's headers, an ASGI scope."""

    name = "quart"

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        scope: Mapping[str, Any] = request.scope
        return scope


class QuartWebsocketView(QuartView):
    """Quart's ``Websocket``: read like its request; nothing to write."""

    name = "quart-websocket"

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        return None


class AiohttpView(RequestView):
    """aiohttp's ``Request`` (itself the mapping of gqlevolve's keys); multidict's ``add``; not on a WebSocket."""

    name = "aiohttp"

    def path(self, request: Any) -> str | None:
        path: str = request.path
        return path

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        keys: Mapping[str, Any] = request
        return keys

    def client(self, request: Any) -> ClientIdentity:
        return identity_from_lookup(request.headers.get)

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        if not _is_a(response, "aiohttp.web_ws.WebSocketResponse"):
            _add_each(response.headers.add, headers)


class SanicView(RequestView):
    """Sanic's ``Request``, on its own server or under ASGI.

    Never its ``scope`` (its own server raises ``NotImplementedError``) nor an attribute of its headers (they
    answer ``""`` for any name); the sub-response's headers are a plain dict.
    """

    name = "sanic"

    def path(self, request: Any) -> str | None:
        path: str = request.path
        return path

    def client(self, request: Any) -> ClientIdentity:
        return identity_from_lookup(request.headers.get)

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        join_into(response.headers, headers)


class GenericView(RequestView):
    """A request no view knows (or none at all): read and written by duck typing, as well as can be."""

    name = "generic"

    def path(self, request: Any) -> str | None:
        scope = self.keys(request)
        if scope is not None and isinstance(scope.get("path"), str):
            path: str = scope["path"]
            return path
        url_path = getattr(getattr(request, "url", None), "path", None)
        if isinstance(url_path, str):
            return url_path
        plain = getattr(request, "path", None)
        return plain if isinstance(plain, str) else None

    def keys(self, request: Any) -> Mapping[str, Any] | None:
        scope = getattr(request, "scope", None)
        return scope if isinstance(scope, dict) else None

    def client(self, request: Any) -> ClientIdentity:
        scope = self.keys(request)
        if scope is not None and isinstance(scope.get("headers"), list):
            return identity_from_raw(scope["headers"])
        get = getattr(getattr(request, "headers", None), "get", None)
        return identity_from_lookup(get) if callable(get) else UNKNOWN

    def add_headers(self, request: Any, response: Any, headers: Headers) -> None:
        scope = self.keys(request)
        if scope is not None and scope.get("type") == "websocket":
            return
        response_headers = getattr(response, "headers", None)
        if response_headers is None:
            return
        for method in ("append", "add"):  # the multi-valued kinds first: they keep each value as it is
            write = getattr(response_headers, method, None)
            if callable(write):
                _add_each(write, headers)
                return
        if isinstance(response_headers, dict):
            join_into(response_headers, headers)


STARLETTE, LITESTAR, DJANGO = StarletteView(), LitestarView(), DjangoView()
FLASK, QUART, QUART_WEBSOCKET = WerkzeugView(), QuartView(), QuartWebsocketView()
AIOHTTP, SANIC = AiohttpView(), SanicView()
CHANNELS_HTTP, CHANNELS_WEBSOCKET = ChannelsHttpView(), ChannelsWebsocketView()
GENERIC = GenericView()

#: The views by the qualified name of a class a request is an instance of (the most specific one in its MRO wins:
#: Quart's ``Websocket`` before the Werkzeug request it derives from). Several names where releases moved a class.
VIEWS: dict[str, RequestView] = {
    "starlette.requests.HTTPConnection": STARLETTE,
    "litestar.connection.base.ASGIConnection": LITESTAR,
    "django.http.request.HttpRequest": DJANGO,
    "quart.wrappers.websocket.Websocket": QUART_WEBSOCKET,
    "quart.wrappers.base.BaseRequestWebsocket": QUART,
    "werkzeug.sansio.request.Request": FLASK,
    "aiohttp.web_request.BaseRequest": AIOHTTP,
    "sanic.request.types.Request": SANIC,
    "sanic.request.Request": SANIC,
    "strawberry.channels.handlers.http_handler.ChannelsRequest": CHANNELS_HTTP,
    "channels.consumer.AsyncConsumer": CHANNELS_WEBSOCKET,
}

_BY_TYPE: dict[type, RequestView] = {}


def _qualified_names(cls: type) -> Iterable[str]:
    for klass in cls.__mro__:
        yield f"{klass.__module__}.{klass.__qualname__}"


def _is_a(value: object, qualified_name: str) -> bool:
    """``isinstance`` by name: true if ``value``'s type or a base is the class so named (nothing imported)."""
    return any(name == qualified_name for name in _qualified_names(type(value)))


def view_for(request: object) -> RequestView:
    """The view of ``request``'s framework (:data:`GENERIC` for a type none knows, and for ``None``)."""
    kind = type(request)
    view = _BY_TYPE.get(kind)
    if view is None:
        view = next((VIEWS[name] for name in _qualified_names(kind) if name in VIEWS), GENERIC)
        _BY_TYPE[kind] = view  # a few types per process: a dict set is atomic
    return view


def _request_and_response(context: Any) -> tuple[Any, Any]:
    """The request (or WebSocket) and the sub-response in Strawberry's context, None where there is none.

    The WebSocket is ``request`` in most integrations, ``socket`` in Litestar's, also ``ws`` in Channels'
    and ``websocket`` in a Litestar context class. (``is None`` tests: an aiohttp request is an empty mapping.)
    """
    if context is None:
        return None, None
    if isinstance(context, dict):
        request = context.get("request")
        for key in ("socket", "websocket", "ws"):
            if request is not None:
                break
            request = context.get(key)
        return request, context.get("response")
    request = getattr(context, "request", None)
    if request is None:
        request = getattr(context, "websocket", None)
    return request, getattr(context, "response", None)


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def _cannot(view: RequestView, what: str) -> None:
    """Log, once per framework and step, that a request could not be read or its response written."""
    with _warned_lock:
        if (view.name, what) in _warned:
            return
        _warned.add((view.name, what))
    logger.warning(
        "deprecation usage: cannot %s of a %s request; the operation is counted and judged without it "
        "(logged once)", what, view.name, exc_info=True,
    )


class RequestContext:
    """One operation's request and response with their framework's view; its methods never raise."""

    __slots__ = ("request", "response", "view")

    def __init__(self, view: RequestView, request: Any, response: Any) -> None:
        self.view = view
        self.request = request
        self.response = response

    @classmethod
    def of(cls, context: Any) -> RequestContext:
        """The request and response in Strawberry's ``context`` (a dict or an object), with their view."""
        if context is None:  # schema.execute without a context (a script, a test): nothing to read, one shared
            return NO_REQUEST
        if type(context) is dict:  # every integration's default context: two look-ups, the view known by type
            request = context.get("request")
            if request is not None:
                view = _BY_TYPE.get(type(request))
                return cls(view if view is not None else view_for(request), request, context.get("response"))
        try:
            request, response = _request_and_response(context)
        except Exception:  # a context object whose attributes raise
            _cannot(GENERIC, "read the context")
            return NO_REQUEST
        return cls(view_for(request), request, response)

    def endpoint(self) -> str | None:
        """The endpoint called: ``versioned_app``'s canonical path, else the path without a trailing slash."""
        if self.request is None:
            return None
        try:
            keys = self.view.keys(self.request)
            if keys is not None:
                canonical = keys.get(ENDPOINT_SCOPE_KEY)
                if isinstance(canonical, str) and canonical:
                    return canonical
            return _endpoint_of(self.view.path(self.request))
        except Exception:
            _cannot(self.view, "read the path")
            return None

    def client(self) -> ClientIdentity:
        """The client the request's headers name; unknown without them (or without a readable request)."""
        if self.request is None:
            return UNKNOWN
        try:
            return self.view.client(self.request)
        except Exception:
            _cannot(self.view, "read the client headers")
            return UNKNOWN

    def preview(self) -> bool:
        """Whether the request sent ``GraphQL-Deprecations: reject`` (:mod:`gqlevolve.monitor.enforcement`); False
        if it cannot be read."""
        if self.request is None:
            return False
        try:
            keys = self.view.keys(self.request)
            raw = keys.get("headers") if keys is not None else None
            if isinstance(raw, (list, tuple)):  # an ASGI scope: raw, lower-cased pairs (``list | tuple`` is built per call)
                for name, value in raw:
                    if name == _PREVIEW_RAW and preview_requested(value.decode("latin-1")):
                        return True
                return False
            get = getattr(getattr(self.request, "headers", None), "get", None)  # every framework's look-up
            return callable(get) and preview_requested(get(PREVIEW_HEADER))
        except Exception:  # a request that cannot be read is served as usual
            return False

    def add_headers(self, headers: Headers) -> None:
        """Add ``headers`` to the response, the framework's way (nothing on a WebSocket or without a response)."""
        if self.response is None:
            return
        try:
            self.view.add_headers(self.request, self.response, headers)
        except Exception:
            _cannot(self.view, "set the response headers")

    def announce(self, notice: Notice) -> None:
        """Give the notice's records to the endpoint that renders the headers itself, else add its headers.

        A deprecated version of ``versioned_app`` puts a list in the request's keys (``gqlevolve.deprecations``)
        and renders its own record and these at once: one ``Deprecation`` and one ``Sunset``, the earliest.
        """
        if self.request is None:  # no request: no keys to read (a response alone, in a context of one's own)
            if self.response is not None:
                self.add_headers(notice.headers)
            return
        collected = None
        try:
            keys = self.view.keys(self.request)
            collected = keys.get(DEPRECATIONS_SCOPE_KEY) if keys is not None else None
        except Exception:
            _cannot(self.view, "read the request's keys")
        if isinstance(collected, list):
            collected.extend(notice.records)
        else:
            self.add_headers(notice.headers)


#: The context of an operation run without one (``schema.execute`` in a script): shared, never changed.
NO_REQUEST = RequestContext(GENERIC, None, None)
_PREVIEW_RAW = PREVIEW_HEADER.lower().encode("latin-1")


def client_from_headers(execution_context: Any) -> ClientIdentity:
    """The default ``client_identity``: the client headers of the operation's request, unknown without them."""
    return RequestContext.of(execution_context.context).client()
