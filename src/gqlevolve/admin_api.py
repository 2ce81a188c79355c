"""The admin HTTP API: the platform team's reports and emergency procedures as JSON, behind a bearer token.

``versioned_app(..., admin_token=...)`` mounts it under ``/api/admin`` (without a token it is not mounted).

=========================================================  ====================================================
``GET  /deprecations[?endpoint=&as_of=]``                  the deprecation report
``GET  /eligibility[?endpoint=&as_of=&threshold=&...]``    removal verdicts for every deprecated coordinate
``GET  /eligibility/{coordinate}``                         one verdict (404 if it has no deprecation record)
``GET  /sunset-warnings[?endpoint=&as_of=&within_days=]``  what is in, or enters, ``sunset_warning``
``GET  /clients[?endpoint=&days=&as_of=]``                 client names and versions, deprecated elements used
``GET  /usage?endpoint=&days=[&coordinate=&as_of=]``       daily operations and shares
``GET  /migration[?endpoint=&weeks=&as_of=]``              weekly clients migrated versus remaining
``POST /deprecations/{coordinate}/extend``                 ``{"days": 30, "reason": "...", "endpoint"?, "actor"?}``
``POST /deprecations/{coordinate}/rollback``               ``{"reason": "...", "endpoint"?, "actor"?}``
=========================================================  ====================================================

Every request needs ``Authorization: Bearer <token>`` (compared in constant time); a missing or wrong one gets
401 ``application/problem+json`` and a log line. Bad input gets 400/404 problem+json. The store is synchronous,
so handlers run in Starlette's thread pool and never block the event loop.

Example::

    curl -H "Authorization: Bearer $TOKEN" http://localhost:8000/api/admin/eligibility/User.name?endpoint=v1
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gqlevolve.advisor import RemovalPolicy, advise
from gqlevolve.asgi import ProblemResponse
from gqlevolve.endpoints import UnknownEndpoint, canonical_endpoint
from gqlevolve.lifecycle import parse_iso_date
from gqlevolve.procedures import extend_sunset, rollback
from gqlevolve.reports import (
    client_versions,
    deprecation_report,
    migration_report,
    sunset_warnings,
    to_jsonable,
    usage_stats,
)

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["BadRequest", "admin_app"]

logger = logging.getLogger("gqlevolve.admin_api")

DEFAULT_ACTOR = "admin-api"


class BadRequest(ValueError):
    """Input the API refuses with 400 (a malformed date, a negative number, a missing field)."""


class BearerTokenGuard:
    """Lets a request through only with ``Authorization: Bearer <token>``; 401 problem+json otherwise."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the admin API needs a non-empty token")
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", ())).get(b"authorization")
        if given is not None and hmac.compare_digest(given, self._expected):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        logger.warning(
            "admin API: %s token for %s %s from %s",
            "missing" if given is None else "wrong", scope.get("method"), scope.get("path"), client[0] if client else "?",
        )
        response = ProblemResponse(401, "Unauthorized", "the admin API needs 'Authorization: Bearer <admin token>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="gqlevolve-admin"'
        await response(scope, receive, send)


# --- request parameters ---------------------------------------------------------------------------


def _date(request: Request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    try:
        return parse_iso_date(value, name=name)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _int(value: Any, name: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadRequest(f"{name}: expected a whole number, not {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name}: expected a whole number, not {value!r}") from None


def _policy(request: Request) -> RemovalPolicy:
    params = request.query_params
    settings: dict[str, Any] = {"exclude_clients": tuple(params.getlist("exclude_client"))}
    if params.get("threshold"):
        text = params["threshold"].strip()
        try:
            settings["threshold"] = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise BadRequest(f"threshold: {text!r} is not a share (0.01) or a percentage (1%)") from None
    for name in ("window_days", "min_deprecated_days"):
        if params.get(name):
            settings[name] = _int(params[name], name)
    if params.get("zero_traffic"):
        settings["zero_traffic"] = params["zero_traffic"]
    return RemovalPolicy(**settings)


class AdminAPI:
    """The handlers, over one store; ``endpoints`` are the app's canonical endpoint paths."""

    def __init__(self, store: UsageStore, endpoints: Sequence[str]) -> None:
        self.store = store
        self.endpoints = list(endpoints)

    def endpoint(self, value: str | None) -> str | None:
        """An endpoint served by the app (path or version), or None to let the reports choose."""
        if value is None or value == "":
            return self.endpoints[0] if len(self.endpoints) == 1 else None
        endpoint = canonical_endpoint(value)
        if endpoint not in self.endpoints and endpoint not in self.store.endpoints():
            raise UnknownEndpoint(f"unknown endpoint {value!r}; this server has: {', '.join(self.endpoints)}")
        return endpoint

    def deprecations(self, request: Request) -> Any:
        return deprecation_report(
            self.store, self.endpoint(request.query_params.get("endpoint")), as_of=_date(request, "as_of"),
            policy=_policy(request),
        )

    def eligibility(self, request: Request) -> Any:
        endpoint = self.endpoint(request.query_params.get("endpoint"))
        coordinate = request.path_params.get("coordinate")
        if coordinate is None:
            return advise(self.store, endpoint, as_of=_date(request, "as_of"), policy=_policy(request))
        [verdict] = advise(self.store, endpoint, coordinate, as_of=_date(request, "as_of"), policy=_policy(request))
        if not verdict.deprecated:
            raise LookupError(verdict.reasons[0])
        return verdict

    def sunset_warnings(self, request: Request) -> Any:
        return sunset_warnings(
            self.store, self.endpoint(request.query_params.get("endpoint")), as_of=_date(request, "as_of"),
            within_days=_int(request.query_params.get("within_days"), "within_days", 7),
        )

    def clients(self, request: Request) -> Any:
        return client_versions(
            self.store, self.endpoint(request.query_params.get("endpoint")),
            days=_int(request.query_params.get("days"), "days", 30), as_of=_date(request, "as_of"),
        )

    def usage(self, request: Request) -> Any:
        return usage_stats(
            self.store, self.endpoint(request.query_params.get("endpoint")),
            _int(request.query_params.get("days"), "days", 30),
            coordinate=request.query_params.get("coordinate") or None, as_of=_date(request, "as_of"),
        )

    def migration(self, request: Request) -> Any:
        return migration_report(
            self.store, self.endpoint(request.query_params.get("endpoint")),
            weeks=_int(request.query_params.get("weeks"), "weeks", 4), as_of=_date(request, "as_of"),
        )

    def extend(self, request: Request, body: dict[str, Any]) -> Any:
        return extend_sunset(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            _int(body.get("days"), "days", 30), actor=_actor(body), why=_text(body, "reason"),
        )

    def rollback(self, request: Request, body: dict[str, Any]) -> Any:
        return rollback(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            actor=_actor(body), why=_text(body, "reason"),
        )


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name!r} is required (a non-empty string): every change is audited with why it was made")
    return value


def _actor(body: dict[str, Any]) -> str:
    actor = body.get("actor", DEFAULT_ACTOR)
    if not isinstance(actor, str) or not actor.strip():
        raise BadRequest("'actor' must be a non-empty string")
    return actor


def _problem(error: Exception) -> Response:
    if isinstance(error, LookupError):
        return ProblemResponse(404, "Not found", str(error).strip("'\""))
    return ProblemResponse(400, "Bad request", str(error))


def _read(handler: Callable[[Request], Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            result = await run_in_threadpool(handler, request)
        except (ValueError, LookupError) as error:
            return _problem(error)
        return JSONResponse(to_jsonable(result))

    return endpoint


def _write(handler: Callable[[Request, dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            return ProblemResponse(400, "Bad request", "the body must be a JSON object")
        if not isinstance(body, dict):
            return ProblemResponse(400, "Bad request", "the body must be a JSON object")
        try:
            result = await run_in_threadpool(handler, request, body)
        except (ValueError, LookupError) as error:
            return _problem(error)
        logger.info("admin API: %s %s by %s", request.method, request.url.path, body.get("actor", DEFAULT_ACTOR))
        return JSONResponse(to_jsonable(result))

    return endpoint


def admin_app(store: UsageStore, *, token: str, endpoints: Sequence[str]) -> ASGIApp:
    """The admin API over ``store``, guarded by ``token``; ``endpoints`` are the served endpoints' paths."""
    api = AdminAPI(store, endpoints)
    routes = [
        Route("/deprecations", _read(api.deprecations), methods=["GET"]),
        Route("/eligibility", _read(api.eligibility), methods=["GET"]),
        Route("/eligibility/{coordinate}", _read(api.eligibility), methods=["GET"]),
        Route("/sunset-warnings", _read(api.sunset_warnings), methods=["GET"]),
        Route("/clients", _read(api.clients), methods=["GET"]),
        Route("/usage", _read(api.usage), methods=["GET"]),
        Route("/migration", _read(api.migration), methods=["GET"]),
        Route("/deprecations/{coordinate}/extend", _write(api.extend), methods=["POST"]),
        Route("/deprecations/{coordinate}/rollback", _write(api.rollback), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    return BearerTokenGuard(app, token)


async def _not_found(request: Request, exc: Exception) -> Response:
    return ProblemResponse(404, "Not found", f"no admin resource at {request.url.path}")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return ProblemResponse(405, "Method not allowed", f"{request.method} is not allowed on {request.url.path}")
