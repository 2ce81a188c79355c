"""The admin HTTP API: the platform team's reports and emergency procedures as JSON, behind a bearer token.

``versioned_app(..., admin_token=...)`` mounts it under ``/api/admin`` (without a token it is not mounted).

=========================================================  ====================================================
``GET  /deprecations[?endpoint=&as_of=]``                  the deprecation report
``GET  /eligibility[?endpoint=&as_of=&threshold=&...]``    removal verdicts for every deprecated coordinate
``GET  /eligibility/{coordinate}``                         one verdict (a candidate's if not deprecated)
``GET  /sunset-warnings[?endpoint=&as_of=&within_days=]``  what is in, or enters, ``sunset_warning``
``GET  /clients[?endpoint=&days=&as_of=]``                 client names and versions, deprecated elements used
``GET  /usage?endpoint=&days=[&coordinate=&as_of=]``       daily operations and shares
``GET  /migration[?endpoint=&weeks=&as_of=]``              weekly clients migrated versus remaining
``POST /deprecations/{coordinate}/extend``                 ``{"days": 30, "reason": "...", "endpoint"?, "actor"?}``
``POST /deprecations/{coordinate}/rollback``               ``{"reason": "...", "endpoint"?, "actor"?}``
``POST /deprecations/{coordinate}/set``                    ``{"reason": "...", "sunset_on"?, ..., "new_endpoint"?}``
``POST /deprecations/{coordinate}/delete``                 ``{"reason": "...", "endpoint"?, "actor"?}``
``GET  /history[?endpoint=&coordinate=]``                  the audit log, oldest first
``GET  /brownouts[?endpoint=]``                            every brownout window, with its next occurrence
``POST /deprecations/{coordinate}/brownouts``              ``{"window": "every tuesday 14:00-14:15 UTC", "reason"}``
``POST /deprecations/{coordinate}/brownouts/delete``       ``{"window": "..." or "all", "reason": "..."}``
``POST /versions/{version}/brownouts[/delete]``            the same for a whole version
``POST /versions/{version}/set``                           ``{"refuse_new_adopters": true, "reason": "..."}``
``GET  /enforcement[?endpoint=&days=&as_of=]``             refused operations and preview requests, per client
``GET  /usage/{coordinate}[?endpoint=&days=&client=...]``  one coordinate's days, operations, clients (``limit``)
``GET  /unused?days=[&endpoint=&keep=&keep=&as_of=]``      the schema's coordinates unused in ``days``
=========================================================  ====================================================

The POSTs refuse what cannot be right, as the commands do (``gqlevolve.procedures``): a coordinate that is not
a schema coordinate naming an element, or that the served schema of the endpoint's version does not have; an
endpoint that neither this server serves nor the store knows, unless ``set`` says ``"new_endpoint": true``.

Every request needs ``Authorization: Bearer <token>`` (the scheme in any case, as RFC 7235 says: ``bearer``,
``BEARER``; the token compared in constant time); a missing or wrong one gets 401 ``application/problem+json``
and a log line. Whole numbers (``days``, ``weeks``, ``within_days``, ``window_days``, ...) are digits only in a
query string (``7``, not ``7.0``, ``1e3``, `` 7`` or ``true``) and JSON integers in a body. A request that needs
one endpoint and names none, on a server with several, is a 400 listing them (``choices``). A POST body is one
JSON object of at most :data:`MAX_BODY_BYTES` (64 KiB), nested at most :data:`MAX_BODY_DEPTH` (8) levels deep: a
larger or deeper one is a 400 (``field: body``), read no further and never handed to ``json.loads`` (whose
recursion a 100,000-deep array exhausts). ``/eligibility``
builds its policy with :func:`gqlevolve.advisor.policy.removal_policy`, as ``gqlevolve advise`` does. The store
is synchronous, so handlers run in Starlette's thread pool and never block the event loop.

Errors (:func:`_problem`, the one place they are mapped) are problem+json by their kind
(:mod:`gqlevolve.errors`): bad input 400, not found 404, a conflict 409, the store unavailable (a SQLAlchemy or
driver error too) 503; the ``detail`` names the request's field (``days``, ``endpoint``, ``as_of``; also in a
``field`` member when known) and shows the values sent JSON-style (``"v9"``, ``1.5``), as the layers below write
their messages. Any other exception is a bug: 500, and the traceback in the ``gqlevolve.admin_api`` log.

Logs (``gqlevolve.admin_api``): a 401 is a WARNING, every other refused request an INFO line with its status and
``detail`` (a 503 a WARNING), a bug an ERROR with its traceback, a POST that changed something an INFO line with its
actor and reason. Whatever came from the request is escaped by :mod:`gqlevolve.logs` (JSON-style, every character
that is not printable as ``\\u001b``, ``\\r``; the traceback's messages too): a path such as
``/api/admin/<ESC>[2J<CR>INFO: all good`` cannot clear a terminal or forge a line.

Example: the app on its own (``versioned_app`` mounts it), asked through Starlette's test client, as ``curl -H
"Authorization: Bearer $TOKEN" http://localhost:8000/api/admin/eligibility/User.name?endpoint=v1`` would ask a
server (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from starlette.testclient import TestClient
    >>> from gqlevolve import Deprecation, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_deprecations("/api/v1/graphql", [Deprecation("User.name", deprecated_on=date(2026, 6, 1))])
    >>> client = TestClient(admin_app(store, token="s3cret", endpoints=["/api/v1/graphql"], schemas={"v1": schema}))
    >>> client.get("/eligibility/User.name").status_code                 # no token
    401
    >>> auth = {"Authorization": "Bearer s3cret"}
    >>> verdict = client.get("/eligibility/User.name", params={"endpoint": "v1"}, headers=auth).json()
    >>> verdict["coordinate"], verdict["removable"], verdict["days_covered"], verdict["window_days"]   # no traffic yet
    ('User.name', False, 0, 90)
    >>> response = client.get("/usage", params={"endpoint": "v1", "days": "7.0"}, headers=auth)
    >>> response.status_code, response.headers["content-type"], response.json()["detail"]
    (400, 'application/problem+json', 'days: expected a whole number, not "7.0"')
    >>> store.close()
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from gqlevolve.admin_api.handling import BadRequest, BearerTokenGuard, _path, _read, _refused, _write
from gqlevolve.admin_api.resources import AdminAPI
from gqlevolve.jsonable import json_quote

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["BadRequest", "admin_app"]

def admin_app(
    store: UsageStore, *, token: str, endpoints: Sequence[str], schemas: Mapping[str, Any] | None = None
) -> ASGIApp:
    """The admin API over ``store``, guarded by ``token``; ``endpoints`` are the served endpoints' paths and
    ``schemas`` (by version) the schemas they serve."""
    api = AdminAPI(store, endpoints, schemas)

    def read(handler: Callable[[Request], Any]) -> Callable[[Request], Awaitable[Response]]:
        return _read(store, handler)

    def write(handler: Callable[[Request, dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        return _write(store, handler)

    routes = [
        Route("/deprecations", read(api.deprecations), methods=["GET"]),
        Route("/eligibility", read(api.eligibility), methods=["GET"]),
        Route("/eligibility/{coordinate}", read(api.eligibility), methods=["GET"]),
        Route("/sunset-warnings", read(api.sunset_warnings), methods=["GET"]),
        Route("/clients", read(api.clients), methods=["GET"]),
        Route("/usage", read(api.usage), methods=["GET"]),
        Route("/migration", read(api.migration), methods=["GET"]),
        Route("/deprecations/{coordinate}/extend", write(api.extend), methods=["POST"]),
        Route("/deprecations/{coordinate}/rollback", write(api.rollback), methods=["POST"]),
        Route("/deprecations/{coordinate}/set", write(api.set_record), methods=["POST"]),
        Route("/deprecations/{coordinate}/delete", write(api.delete), methods=["POST"]),
        Route("/history", read(api.history), methods=["GET"]),
        Route("/brownouts", read(api.brownouts), methods=["GET"]),
        Route("/deprecations/{coordinate}/brownouts", write(api.add_brownout), methods=["POST"]),
        Route("/deprecations/{coordinate}/brownouts/delete", write(api.remove_brownout), methods=["POST"]),
        Route("/versions/{version}/brownouts", write(api.add_version_brownout), methods=["POST"]),
        Route("/versions/{version}/brownouts/delete", write(api.remove_version_brownout), methods=["POST"]),
        Route("/versions/{version}/set", write(api.set_version), methods=["POST"]),
        Route("/enforcement", read(api.enforcement), methods=["GET"]),
        Route("/consumers", read(api.consumers), methods=["GET"]),
        Route("/consumers", write(api.add_consumer), methods=["POST"]),
        Route("/consumers/{client}/delete", write(api.remove_consumer), methods=["POST"]),
        Route("/notices", read(api.notices), methods=["GET"]),
        Route("/usage/{coordinate}", read(api.coordinate_usage), methods=["GET"]),
        Route("/unused", read(api.unused), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    return BearerTokenGuard(app, token)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _refused(request, 404, "Not found", f"no admin resource at {json_quote(_path(request))}")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    allow = getattr(exc, "headers", None) or {}  # Starlette's 405 says which methods the route has: Allow
    return _refused(
        request, 405, "Method not allowed", f"{request.method} is not allowed on {json_quote(_path(request))}",
        headers=dict(allow),
    )
