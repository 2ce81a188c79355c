"""Versioned GraphQL endpoints: ``/api/<version>/graphql`` for each schema, with a lifecycle per version.

Example (``schema``: a Strawberry schema; ``clock`` pins today to 2026-11-21; ``store_url`` names a new SQLite file):

    >>> from datetime import date
    >>> from starlette.testclient import TestClient
    >>> from gqlevolve import UsageStore, VersionLifecycle, versioned_app
    >>> store = UsageStore(store_url, clock=clock)      # e.g. "sqlite:///gqlevolve.db"
    >>> v1_lifecycle = VersionLifecycle(deprecated_on=date(2026, 1, 1), sunset_on=date(2026, 12, 31), successor="v2")
    >>> app = versioned_app({"v1": schema, "v2": schema}, store=store, lifecycles={"v1": v1_lifecycle})
    >>> with TestClient(app) as client:     # `uvicorn module:app` serves it; the lifespan closes the store
    ...     v1 = client.post("/api/v1/graphql", json={"query": "{ users { id } }"})
    ...     v2 = client.post("/api/v2/graphql/", json={"query": "{ users { id } }"})
    ...     v9 = client.post("/api/v9/graphql", json={"query": "{ users { id } }"})
    >>> v1.status_code, v1.headers["sunset"], v1.headers["link"]
    (200, 'Thu, 31 Dec 2026 00:00:00 GMT', '</api/v2/graphql>; rel="successor-version"')
    >>> v2.status_code, "sunset" in v2.headers
    (200, False)
    >>> v9.status_code, v9.json()["versions"]
    (404, ['v1', 'v2'])

Version names follow the ADR (``draft`` or ``vN``); a bad one is refused here, at start-up. While a version is
deprecated, every response it gives carries the policy's headers and ``Link: <successor>; rel="successor-version"``;
once removed it answers ``410 Gone`` with the policy's body. An endpoint answers ``GET`` and ``POST``; any other
method gets ``405 Method Not Allowed`` with ``Allow: GET, POST`` (a removed version answers 410 to every method).
An unknown version gets a 404 problem+json body that lists the versions there are, whatever the method.
When the schema's extension reports the deprecated elements an operation used (as records, in
``scope["gqlevolve.deprecations"]``), a deprecated version renders its own record and theirs at once: one
``Deprecation`` and one ``Sunset`` header, the earliest of all.
Strawberry's own view serves each endpoint, so its context (``request``, ``response``) is what extensions
expect; the endpoint's canonical path is put in the ASGI scope under ``"gqlevolve.endpoint"`` (the same with or
without a trailing slash).

Every endpoint is protected by :class:`~gqlevolve.request_limits.RequestLimits` (``limits=``; on by default): a
query string, a body, a document, its tokens and aliases, and the JSON's nesting are limited, and what Strawberry
cannot parse (a body that is not UTF-8, not JSON, not a JSON object) is refused with a 400, so no request gets a
500 and no connection is closed under the client. Every refusal of an endpoint, Strawberry's own included, is an
``application/problem+json`` body.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute, request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from gqlevolve.clock import SYSTEM_CLOCK, Clock, clock_of
from gqlevolve.endpoints import (
    DEPRECATIONS_SCOPE_KEY,
    ENDPOINT_SCOPE_KEY,
    VERSION_SCOPE_KEY,
    ServesEndpoints,
    endpoint_path,
)
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import (
    VERSION_RULE,
    Deprecation,
    InvalidVersionName,
    Status,
    VersionLifecycle,
    gone_body,
    response_headers,
    validate_version,
)
from gqlevolve.monitor.enforcement import PREVIEW_HEADER, Refusal, preview_requested
from gqlevolve.monitor.version_gate import VersionGate
from gqlevolve.problems import ProblemResponse
from gqlevolve.request_limits import DEFAULT_LIMITS, RequestGuard, RequestLimits

try:  # what Strawberry's view raises to refuse a request (from cross-web, a dependency of Strawberry's)
    from cross_web import HTTPException
except ImportError:  # pragma: no cover - Strawberry releases before cross-web
    from strawberry.http.exceptions import HTTPException  # type: ignore[attr-defined, no-redef]

#: The GraphQL IDEs Strawberry's view can serve in a browser.
GraphiQLName = Literal["graphiql", "apollo-sandbox", "pathfinder"]

if TYPE_CHECKING:
    from strawberry.schema.base import BaseSchema

    from gqlevolve.notices.settings import NoticeSettings
    from gqlevolve.usage_store import UsageStore

__all__ = ["ENDPOINT_SCOPE_KEY", "VERSION_SCOPE_KEY", "RequestLimits", "endpoint_path", "versioned_app"]

logger = logging.getLogger("gqlevolve.asgi")

#: The methods a versioned GraphQL endpoint answers (GraphQL over HTTP: queries by GET, everything by POST).
ALLOWED_METHODS = ("GET", "POST")


class GraphQLView(GraphQL):
    """Strawberry's ASGI view, answering its refusals (``HTTPException``: 400, 404, 405) as problem+json.

    Strawberry's view answers them as ``text/plain``; everything else is Strawberry's own.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        response: Response
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as refused:
            response = ProblemResponse(refused.status_code, _status_phrase(refused.status_code), refused.reason)
        await response(scope, receive, send)


def _status_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class VersionEndpoint:
    """The ASGI app of one version: Strawberry's view, wrapped with the version's lifecycle."""

    def __init__(
        self,
        version: str,
        graphql_app: ASGIApp,
        lifecycle: Deprecation | None,
        successor_path: str | None,
        clock: Clock,
        gate: VersionGate | None = None,
    ) -> None:
        self.version = version
        self.path = endpoint_path(version)
        self.graphql_app = graphql_app
        self.lifecycle = lifecycle
        self.successor_path = successor_path
        self.clock = clock
        #: No new adopters, brownouts and the preview for the whole version (monitor.version_gate): a 410.
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[ENDPOINT_SCOPE_KEY] = self.path
        scope[VERSION_SCOPE_KEY] = self.version
        allowed = scope["type"] != "http" or scope["method"] in ALLOWED_METHODS
        if self.lifecycle is None:
            if allowed:
                await self.graphql_app(scope, receive, send)
            else:
                await self.not_allowed(scope, receive, send, [])
            return
        today = self.clock.today()
        status = self.lifecycle.status_on(today)
        if status is Status.REMOVED:  # gone for every method, as an unknown version is not found for every method
            await self.gone(scope, receive, send, self.lifecycle_headers(today))
        elif not allowed:
            await self.not_allowed(scope, receive, send, self.lifecycle_headers(today))
        elif status is Status.ACTIVE or scope["type"] != "http":  # no headers to add (a socket has none to carry)
            await self.graphql_app(scope, receive, send)
        elif self.gate is not None and (refused := self.refusal(scope)) is not None:
            await self.refuse(scope, receive, send, refused, self.lifecycle_headers(today))
        else:
            await self.serve_deprecated(scope, receive, send, today)

    def refusal(self, scope: Scope) -> tuple[Refusal, str | None, str | None] | None:
        """What refuses this request to the whole version (no new adopters, a brownout, the client's preview)."""
        assert self.gate is not None
        raw = scope.get("headers") or ()
        preview = any(name == _PREVIEW_HEADER and preview_requested(value.decode("latin-1")) for name, value in raw)
        if not preview and not self.gate.snapshot.armed:  # nothing can refuse it: the client is not even read
            return None
        from gqlevolve.client_identity import identity_from_raw

        name, version = identity_from_raw(raw)
        refused = self.gate.judge(name, version, preview=preview)
        return None if refused is None else (refused, name, version)

    async def refuse(
        self, scope: Scope, receive: Receive, send: Send, refused: tuple[Refusal, str | None, str | None],
        headers: list[tuple[str, str]],
    ) -> None:
        """410 with the policy's Gone body saying why; counted as refused (or previewed), not as usage."""
        assert self.gate is not None
        refusal, name, version = refused
        self.gate.count(refusal, name, version)
        response = JSONResponse(refusal.body(), status_code=410)
        for header, value in headers:
            response.headers.append(header, value)
        await response(scope, receive, send)

    async def serve_deprecated(self, scope: Scope, receive: Receive, send: Send, today: dt.date) -> None:
        """Serve an HTTP request to a deprecated version; its lifecycle headers are rendered once, at the response.

        The schema's extension puts the records its operation touched in the scope's
        ``DEPRECATIONS_SCOPE_KEY`` list instead of setting headers; they are rendered together with the version's
        own record, so the response has one ``Deprecation`` and one ``Sunset``: the earliest of all.
        """
        touched: list[Deprecation] = []
        scope[DEPRECATIONS_SCOPE_KEY] = touched

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = [_raw_header(name, value) for name, value in self.lifecycle_headers(today, touched)]
                message = {**message, "headers": [*message.get("headers", []), *ours]}
            await send(message)

        await self.graphql_app(scope, receive, send_with_headers)

    def lifecycle_headers(self, today: dt.date, touched: Sequence[Deprecation] = ()) -> list[tuple[str, str]]:
        """The headers of a response of this version that touched ``touched`` (the records its operation used)."""
        assert self.lifecycle is not None
        headers = response_headers([self.lifecycle, *touched], today)
        if headers and self.successor_path:
            headers.append(("Link", f'<{self.successor_path}>; rel="successor-version"'))
        return headers

    async def not_allowed(self, scope: Scope, receive: Receive, send: Send, headers: list[tuple[str, str]]) -> None:
        """405 problem+json with ``Allow``; a deprecated version's headers come along, as on every response."""
        allow = ", ".join(ALLOWED_METHODS)
        response = ProblemResponse(
            405,
            "Method Not Allowed",
            f"{self.path} answers {' and '.join(ALLOWED_METHODS)}, not {scope['method']}.",
            headers={"Allow": allow},
            allowed_methods=list(ALLOWED_METHODS),
        )
        for name, value in headers:
            response.headers.append(name, value)
        await response(scope, receive, send)

    async def gone(self, scope: Scope, receive: Receive, send: Send, headers: list[tuple[str, str]]) -> None:
        assert self.lifecycle is not None
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403: no socket for a removed version.
            await send({"type": "websocket.close", "code": 1008, "reason": "Gone"})
            return
        response = JSONResponse(gone_body(self.lifecycle), status_code=410)
        for name, value in headers:  # appended, not set: Link and Warning may come more than once
            response.headers.append(name, value)
        await response(scope, receive, send)


_PREVIEW_HEADER = PREVIEW_HEADER.lower().encode("latin-1")  # as the ASGI scope's raw headers spell it


def _raw_header(name: str, value: str) -> tuple[bytes, bytes]:
    # ASGI's raw headers: lower-case names, latin-1 bytes (as Starlette's own responses send them).
    return name.lower().encode("latin-1"), value.encode("latin-1")


def unknown_version_endpoint(versions: Sequence[str]) -> Callable[[Request], Any]:
    """404 problem+json for ``/api/<anything>/graphql`` that is not served, listing the versions that are."""
    served = list(versions)

    async def unknown_version(request: Request) -> Response:
        asked = request.path_params.get("version", "")
        try:
            validate_version(asked)
            detail = f"There is no GraphQL endpoint for version {json_quote(asked)}."
        except InvalidVersionName:
            detail = f"{json_quote(asked)} is not a version name: {VERSION_RULE}."
        return ProblemResponse(
            404,
            "Unknown API version",
            f"{detail} Versions: {', '.join(served)}.",
            versions=served,
            endpoints=[endpoint_path(version) for version in served],
        )

    return unknown_version


def versioned_app(
    schemas: Mapping[str, BaseSchema],
    *,
    store: UsageStore | None = None,
    lifecycles: Mapping[str, VersionLifecycle] | None = None,
    admin_token: str | None = None,
    graphql_ide: GraphiQLName | None = "graphiql",
    clock: Clock | Callable[[], dt.date] | None = None,
    today: Callable[[], dt.date] | None = None,
    debug: bool = False,
    extra_routes: Sequence[BaseRoute] = (),
    limits: RequestLimits = DEFAULT_LIMITS,
    adopters_by_version: bool = False,
    enforcement_refresh: float = 30.0,
    dashboard: bool | str | None = None,
    notify_daily: NoticeSettings | None = None,
) -> Starlette:
    """A Starlette app serving each schema at ``/api/<version>/graphql``.

    ``store`` is started with the app and flushed and closed when it stops (the ASGI lifespan).
    ``lifecycles`` gives a whole version its dates and successor. ``admin_token`` mounts the admin API
    under ``/api/admin/`` (not mounted without one). ``clock`` (:mod:`gqlevolve.clock`) dates the versions'
    lifecycles; by default the store's clock, so one pinned clock moves the whole app (``today=``, a
    ``() -> date`` function, is the older spelling of the same). ``limits`` (:class:`RequestLimits`) bounds what
    one request may carry; the defaults apply unless told otherwise (``RequestLimits.unlimited()`` for none).
    The schemas are served as they are given (nothing is added to their extensions).
    A deprecated version's enforcement (:mod:`gqlevolve.monitor.version_gate`): ``VersionLifecycle`` says
    ``refuse_new_adopters`` and ``brownouts``, the store may add to them; they are read again every
    ``enforcement_refresh`` seconds, and ``adopters_by_version`` knows a client by its name and version.
    ``dashboard`` mounts the dashboard under ``/dashboard/`` (:mod:`gqlevolve.dashboard`): ``True`` with the
    viewer token of ``$GQLEVOLVE_DASHBOARD_TOKEN``, or the token itself; ``admin_token`` lets an admin change
    dates there. Without a viewer token it is not mounted.
    ``notify_daily`` (:class:`~gqlevolve.notices.NoticeSettings`) runs ``gqlevolve notify`` in a background thread
    when the app starts and once a day after (:mod:`gqlevolve.notices.daily`); never on a request's path.
    """
    if not schemas:
        raise ValueError("versioned_app needs at least one schema")
    versions = [validate_version(version) for version in schemas]
    app_clock = clock_of(clock if clock is not None else today, store.clock if store is not None else SYSTEM_CLOCK)
    lifecycles = _checked_lifecycles(schemas, lifecycles or {})
    if not isinstance(limits, RequestLimits):
        raise TypeError(f"limits is a RequestLimits, not {limits!r}")

    routes: list[BaseRoute] = []
    gates: list[VersionGate] = []
    for version in versions:
        view = GraphQLView(schemas[version], graphql_ide=graphql_ide, allow_queries_via_get=True)
        graphql_app = RequestGuard(view, limits, schemas[version])
        routes.extend(
            _version_routes(
                version, graphql_app, lifecycles.get(version), app_clock,
                gates=gates, store=store, refresh=enforcement_refresh, by_version=adopters_by_version,
            )
        )
    if admin_token is not None:
        routes.append(Mount("/api/admin", app=_admin_app(store, admin_token, versions, schemas)))
    if dashboard:
        routes.extend(_dashboard_routes(dashboard, store, admin_token, versions, lifecycles, schemas, app_clock))
    routes.extend(extra_routes)
    routes.extend(_unknown_version_routes(versions))  # last: a served version's own route matches first

    app = Starlette(debug=debug, routes=routes, lifespan=_lifespan(schemas, store, gates))
    app.router.redirect_slashes = False
    if notify_daily is not None:
        from gqlevolve.notices.daily import with_daily_notices

        app.router.lifespan_context = with_daily_notices(app.router.lifespan_context, store, notify_daily)
    app.state.schemas = dict(schemas)
    app.state.store = store
    return app


def _checked_lifecycles(
    schemas: Mapping[str, BaseSchema], lifecycles: Mapping[str, VersionLifecycle]
) -> dict[str, VersionLifecycle]:
    """``lifecycles``, refused at start-up when one names a version, or a successor, that is not served."""
    for version, lifecycle in lifecycles.items():
        if version not in schemas:
            raise ValueError(f"a lifecycle is given for version {version!r}, which has no schema")
        if lifecycle.successor is not None and lifecycle.successor not in schemas:
            raise ValueError(f"version {version!r} names successor {lifecycle.successor!r}, which has no schema")
    return dict(lifecycles)


def _version_routes(
    version: str, graphql_app: ASGIApp, lifecycle: VersionLifecycle | None, clock: Clock, *,
    gates: list[VersionGate] | None = None, store: UsageStore | None = None, refresh: float = 30.0,
    by_version: bool = False,
) -> list[BaseRoute]:
    """HTTP and WebSocket routes of one version, with and without a trailing slash, to its :class:`VersionEndpoint`."""
    successor_path = endpoint_path(lifecycle.successor) if lifecycle and lifecycle.successor else None
    record = lifecycle.as_deprecation(endpoint_path(version), successor_path) if lifecycle else None
    gate = None
    if record is not None and store is not None and gates is not None:  # a deprecated version: its enforcement
        gate = VersionGate(store, record, clock=clock, refresh_interval=refresh, adopters_by_version=by_version)
        gates.append(gate)
    endpoint = VersionEndpoint(version, graphql_app, record, successor_path, clock, gate)
    routes: list[BaseRoute] = []
    for path in (endpoint.path, endpoint.path + "/"):
        # Every method reaches the endpoint, which answers 405 to those it does not allow: routed by method,
        # a PUT would fall through to the unknown-version route and get a 404.
        routes.append(Route(path, endpoint, methods=None))
        routes.append(WebSocketRoute(path, endpoint))
    return routes


def _unknown_version_routes(versions: Sequence[str]) -> list[BaseRoute]:
    """``/api/<anything>/graphql`` (with or without a slash), every method: the 404 that lists ``versions``."""
    unknown = _EveryMethod(unknown_version_endpoint(versions))
    return [Route(path, unknown, methods=None) for path in ("/api/{version}/graphql", "/api/{version}/graphql/")]


class _EveryMethod:
    """A request handler as an ASGI app: Starlette routes an app, unlike a function, whatever the method."""

    def __init__(self, handler: Callable[[Request], Any]) -> None:
        self.app = request_response(handler)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _admin_app(
    store: UsageStore | None, token: str, versions: Sequence[str], schemas: Mapping[str, BaseSchema]
) -> ASGIApp:
    if not token:
        raise ValueError("admin_token must not be empty; pass None to leave the admin API unmounted")
    if store is None:
        raise ValueError("the admin API answers from the usage store: pass store=... with admin_token")
    from gqlevolve.admin_api import admin_app

    # The served schemas: the emergency procedures refuse a coordinate that the endpoint's schema does not have.
    return admin_app(store, token=token, endpoints=[endpoint_path(version) for version in versions], schemas=schemas)


def _dashboard_routes(
    dashboard: bool | str, store: UsageStore | None, admin_token: str | None, versions: Sequence[str],
    lifecycles: Mapping[str, VersionLifecycle], schemas: Mapping[str, BaseSchema], clock: Clock,
) -> list[BaseRoute]:
    import os

    from gqlevolve.dashboard import TOKEN_ENV, dashboard_routes

    # True: the viewer token from the environment; none there, nothing mounted (the rule).
    token = os.environ.get(TOKEN_ENV) if dashboard is True else dashboard
    return dashboard_routes(
        store, viewer_token=token or None, admin_token=admin_token, clock=clock,
        served=[endpoint_path(version) for version in versions], lifecycles=lifecycles, schemas=schemas,
    )


def _lifespan(
    schemas: Mapping[str, BaseSchema], store: UsageStore | None, gates: Sequence[VersionGate] = ()
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if store is not None:
            store.start()
        for gate in gates:  # each deprecated version's enforcement, read from the store now and then
            gate.start()
        for version, schema in schemas.items():
            _notify_startup(schema, endpoint_path(version))
        try:
            yield
        finally:
            for gate in gates:
                gate.close()
            if store is not None:
                store.close()

    return lifespan


def _notify_startup(schema: BaseSchema, endpoint: str) -> None:
    """Tell the schema's extensions that serve endpoints (:class:`ServesEndpoints`) the endpoint they serve."""
    for extension in getattr(schema, "extensions", ()):  # a Strawberry schema's (BaseSchema does not declare it)
        if not isinstance(extension, ServesEndpoints):
            continue
        try:
            extension.on_app_startup(schema=schema, endpoint=endpoint)
        except Exception:  # an extension's start-up trouble must not keep the API down
            logger.exception("start-up hook of %r failed for %s", extension, endpoint)
