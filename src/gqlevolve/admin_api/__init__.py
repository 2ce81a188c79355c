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
``POST /deprecations/{coordinate}/set``                    ``{"reason": "...", "sunset_on"?, ..., "new_endpoint"?}``
``POST /deprecations/{coordinate}/delete``                 ``{"reason": "...", "endpoint"?, "actor"?}``
``GET  /history[?endpoint=&coordinate=]``                  the audit log, oldest first
``GET  /brownouts[?endpoint=]``                            every brownout window, with its next occurrence
``POST /deprecations/{coordinate}/brownouts``              ``{"window": "every tuesday 14:00-14:15 UTC", "reason"}``
``POST /deprecations/{coordinate}/brownouts/delete``       ``{"window": "..." or "all", "reason": "..."}``
``POST /versions/{version}/brownouts[/delete]``            the same for a whole version
``POST /versions/{version}/set``                           ``{"refuse_new_adopters": true, "reason": "..."}``
``GET  /enforcement[?endpoint=&days=&as_of=]``             refused operations and preview requests, per client
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

import datetime as dt
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gqlevolve.advisor import RemovalPolicy, advise
from gqlevolve.advisor.policy import removal_policy
from gqlevolve.endpoints import EndpointNotChosen, UnknownEndpoint, canonical_endpoint
from gqlevolve.errors import Conflict, InvalidInput, NotFound, StoreUnavailable, TooLarge, known_error
from gqlevolve.inputs import check_actor, check_why, whole_number
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import parse_iso_date
from gqlevolve.logs import loggable, loggable_text, request_logger
from gqlevolve.problems import ProblemResponse
from gqlevolve.procedures import (
    add_brownout,
    delete_deprecation,
    extend_sunset,
    list_brownouts,
    remove_brownout,
    rollback,
    set_deprecation,
    set_version_enforcement,
)
from gqlevolve.procedures import history as audit_history
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

logger = request_logger("gqlevolve.admin_api")

DEFAULT_ACTOR = "admin-api"


#: Input the API refuses with 400: :class:`gqlevolve.errors.InvalidInput` (``field`` names the request's field,
#: ``extra`` members go into the problem body: ``choices``). The name it had before errors had kinds.
BadRequest = InvalidInput


class BearerTokenGuard:
    """Lets a request through only with ``Authorization: Bearer <token>``; 401 problem+json otherwise.

    The scheme is case-insensitive (RFC 7235 section 2.1: ``bearer`` and ``BEARER`` are ``Bearer``) and may be
    followed by several spaces; the token is compared in constant time.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the admin API needs a non-empty token")
        self.app = app
        self._expected = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", ())).get(b"authorization")
        token = _bearer_token(given)
        # compare_digest may reveal the tokens' lengths, never where they differ.
        if token is not None and hmac.compare_digest(token, self._expected):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        problem = "missing" if given is None else "wrong" if token is not None else "non-Bearer"
        logger.warning(
            "admin API: %s token for %s %s from %s",
            problem, loggable(scope.get("method")), loggable(scope.get("path")), loggable(client[0] if client else None),
        )
        response = ProblemResponse(401, "Unauthorized", "the admin API needs 'Authorization: Bearer <admin token>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="gqlevolve-admin"'
        await response(scope, receive, send)


# --- request parameters ---------------------------------------------------------------------------


_BEARER = re.compile(rb"[Bb][Ee][Aa][Rr][Ee][Rr] +(\S+)")


def _bearer_token(header: bytes | None) -> bytes | None:
    """The token of ``Bearer <token>`` (any case, RFC 7235), None for another scheme or none."""
    if header is None:
        return None
    match = _BEARER.fullmatch(header.strip(b" \t"))
    return match.group(1) if match else None


def _date(request: Request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    return None if value is None or value == "" else parse_iso_date(value, name=name)


def _query_int(request: Request, name: str, default: int) -> int:
    """A whole number from a query string: digits (:func:`gqlevolve.inputs.whole_number`)."""
    value = request.query_params.get(name)
    return default if value is None or value == "" else whole_number(value, field=name)


def _body_int(body: dict[str, Any], name: str, default: int) -> int:
    """A whole number from a JSON body: an integer (not 1.5, 1e3, true or "30")."""
    value = body.get(name)
    if isinstance(value, str):  # a JSON body says 30, not "30"
        raise InvalidInput(f"{name}: expected a whole number (a JSON integer), not {json_quote(value)}", field=name)
    return default if value is None else whole_number(value, field=name)


def _policy(request: Request) -> RemovalPolicy:
    """The removal policy of ``threshold``, ``window_days``, ``min_deprecated_days``, ``exclude_client`` and
    ``zero_traffic``: :func:`~gqlevolve.advisor.policy.removal_policy`, as ``gqlevolve advise`` builds it."""
    params = request.query_params
    return removal_policy(
        threshold=params.get("threshold"), window_days=params.get("window_days"),
        min_deprecated_days=params.get("min_deprecated_days"), exclude_clients=params.getlist("exclude_client"),
        zero_traffic=params.get("zero_traffic"),
    )


class AdminAPI:
    """The handlers, over one store; ``endpoints`` are the app's canonical endpoint paths."""

    def __init__(self, store: UsageStore, endpoints: Sequence[str], schemas: Mapping[str, Any] | None = None) -> None:
        self.store = store
        self.endpoints = list(endpoints)
        #: The served schemas by version: a coordinate given to a POST must exist in its endpoint's version.
        self.schemas = dict(schemas) if schemas else None

    def endpoint(self, value: Any, *, required: bool = True) -> str | None:
        """The endpoint named by the request's ``endpoint`` (a path or a version), checked.

        Without one: the server's only endpoint; on a server with several, None when the handler covers every
        endpoint (``required=False``), else a 400 that lists them.
        """
        if value is None or value == "":
            if len(self.endpoints) == 1:
                return self.endpoints[0]
            if not required:
                return None
            raise InvalidInput(
                f"endpoint: required, as this server has several endpoints: {', '.join(self.endpoints)} "
                f"(a path, or its version: {', '.join(_versions(self.endpoints))})",
                field="endpoint", choices=self.endpoints,
            )
        endpoint = canonical_endpoint(value)  # the one check of an endpoint name: InvalidInput
        if endpoint not in self.endpoints and endpoint not in self.store.endpoints():
            raise UnknownEndpoint(
                f"unknown endpoint {json_quote(value)}; this server has: {', '.join(self.endpoints)}",
                given=value, known=self.endpoints,
            )
        return endpoint

    def deprecations(self, request: Request) -> Any:
        return deprecation_report(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            as_of=_date(request, "as_of"), policy=_policy(request),
        )

    def eligibility(self, request: Request) -> Any:
        endpoint = self.endpoint(request.query_params.get("endpoint"))
        coordinate = request.path_params.get("coordinate")
        if coordinate is None:
            return advise(self.store, endpoint, as_of=_date(request, "as_of"), policy=_policy(request))
        [verdict] = advise(self.store, endpoint, coordinate, as_of=_date(request, "as_of"), policy=_policy(request))
        if not verdict.deprecated:
            raise NotFound(verdict.reasons[0], field="coordinate")
        return verdict

    def sunset_warnings(self, request: Request) -> Any:
        return sunset_warnings(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            as_of=_date(request, "as_of"), within_days=_query_int(request, "within_days", 7),
        )

    def clients(self, request: Request) -> Any:
        return client_versions(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            days=_query_int(request, "days", 30), as_of=_date(request, "as_of"),
        )

    def usage(self, request: Request) -> Any:
        return usage_stats(
            self.store, self.endpoint(request.query_params.get("endpoint")),
            _query_int(request, "days", 30),
            coordinate=request.query_params.get("coordinate") or None, as_of=_date(request, "as_of"),
        )

    def migration(self, request: Request) -> Any:
        return migration_report(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            weeks=_query_int(request, "weeks", 4), as_of=_date(request, "as_of"),
        )

    def extend(self, request: Request, body: dict[str, Any]) -> Any:
        return extend_sunset(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            _body_int(body, "days", 30), actor=_actor(body), why=_why(body), schemas=self.schemas,
        )

    def rollback(self, request: Request, body: dict[str, Any]) -> Any:
        return rollback(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            actor=_actor(body), why=_why(body), schemas=self.schemas,
        )

    def set_record(self, request: Request, body: dict[str, Any]) -> Any:
        """``gqlevolve deprecation set``: an endpoint this server serves counts as known to the store."""
        new_endpoint = body.get("new_endpoint", False)
        if not isinstance(new_endpoint, bool):
            raise InvalidInput(
                f"new_endpoint: expected true or false, not {json_quote(new_endpoint)}", field="new_endpoint"
            )
        value = body.get("endpoint")
        endpoint = self.endpoint(None) if value is None or value == "" else canonical_endpoint(value)
        return set_deprecation(
            self.store, endpoint, request.path_params["coordinate"], actor=_actor(body), why=_why(body),
            deprecated_on=_body_date(body, "deprecated_on"), sunset_on=_body_date(body, "sunset_on"),
            replacement=_optional_text(body, "replacement"), migration_guide=_optional_text(body, "migration_guide"),
            reason=_optional_text(body, "deprecation_reason"), status=_optional_text(body, "status"),
            new_endpoint=new_endpoint or endpoint in self.endpoints, schemas=self.schemas,
            refuse_new_adopters=_optional_bool(body, "refuse_new_adopters"),
        )

    def delete(self, request: Request, body: dict[str, Any]) -> Any:
        return delete_deprecation(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            actor=_actor(body), why=_why(body),
        )

    def history(self, request: Request) -> Any:
        """Not checked against the known endpoints: a deleted phantom endpoint's history stays readable."""
        return audit_history(
            self.store, request.query_params.get("endpoint") or None, request.query_params.get("coordinate") or None
        )

    # --- enforcement: brownout windows, no new adopters, refused and preview counts ------------------------

    def brownouts(self, request: Request) -> Any:
        return list_brownouts(self.store, self.endpoint(request.query_params.get("endpoint"), required=False))

    def add_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return add_brownout(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"], _window(body),
            actor=_actor(body), why=_why(body), schemas=self.schemas,
        )

    def remove_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return remove_brownout(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"], _window(body),
            actor=_actor(body), why=_why(body),
        )

    def _version(self, request: Request) -> str:
        return str(self.endpoint(request.path_params["version"]))

    def add_version_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return add_brownout(
            self.store, self._version(request), None, _window(body), actor=_actor(body), why=_why(body),
            whole_version=True,
        )

    def remove_version_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return remove_brownout(
            self.store, self._version(request), None, _window(body), actor=_actor(body), why=_why(body),
            whole_version=True,
        )

    def set_version(self, request: Request, body: dict[str, Any]) -> Any:
        refuse = _optional_bool(body, "refuse_new_adopters")
        if refuse is None:
            raise InvalidInput("refuse_new_adopters: required, true or false", field="refuse_new_adopters")
        endpoint = self._version(request)
        stored = set_version_enforcement(
            self.store, endpoint, refuse_new_adopters=refuse, actor=_actor(body), why=_why(body)
        )
        return {"endpoint": endpoint, "refuse_new_adopters": stored}

    def enforcement(self, request: Request) -> Any:
        from gqlevolve.reports import enforcement_report

        return enforcement_report(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            days=_query_int(request, "days", 30), as_of=_date(request, "as_of"),
        )

    # --- notices (gqlevolve.notices): consumers and the delivery log; secrets are never answered whole ---

    def consumers(self, request: Request) -> Any:
        from gqlevolve.notices.consumers import list_consumers

        return [consumer.public() for consumer in list_consumers(self.store)]

    def add_consumer(self, request: Request, body: dict[str, Any]) -> Any:
        from gqlevolve.notices.consumers import add_consumer

        emails = body.get("emails", [])
        if not isinstance(emails, list):
            raise InvalidInput(f"emails: expected a list of addresses, not {json_quote(emails)}", field="emails")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise InvalidInput(f"replace: expected true or false, not {json_quote(replace)}", field="replace")
        _actor(body)
        return add_consumer(
            self.store, body.get("client"), emails=emails, slack_url=_optional_text(body, "slack_url"),
            webhook_url=_optional_text(body, "webhook_url"), webhook_secret=_optional_text(body, "webhook_secret"),
            replace=replace,
        ).public()

    def remove_consumer(self, request: Request, body: dict[str, Any]) -> Any:
        from gqlevolve.notices.consumers import remove_consumer

        _actor(body)
        return remove_consumer(self.store, request.path_params["client"]).public()

    def notices(self, request: Request) -> Any:
        from gqlevolve.notices.delivery_log import list_deliveries

        return list_deliveries(
            self.store, request.query_params.get("status") or None, limit=_query_int(request, "limit", 100)
        )


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name}: expected a string, not {json_quote(value)}", field=name)
    return value


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(f"{name}: expected true or false, not {json_quote(value)}", field=name)
    return value


def _window(body: dict[str, Any]) -> str:
    """The body's brownout ``window`` (parsed, range and form, by the procedures)."""
    window = body.get("window")
    if not isinstance(window, str) or not window.strip():
        raise InvalidInput(f"window: required, a brownout window as text, not {json_quote(window)}", field="window")
    return window


def _body_date(body: dict[str, Any], name: str) -> dt.date | None:
    value = _optional_text(body, name)
    return None if value is None else parse_iso_date(value, name=name)


def _why(body: dict[str, Any]) -> str:
    """The body's ``reason``, checked as the procedures and the command line check it."""
    return check_why(body.get("reason"), name="reason")


def _actor(body: dict[str, Any]) -> str:
    """The body's ``actor`` (default ``admin-api``), checked as the procedures and the command line check it."""
    return check_actor(body.get("actor", DEFAULT_ACTOR), name="actor")


def _versions(endpoints: Sequence[str]) -> list[str]:
    return [endpoint.removeprefix("/api/").removesuffix("/graphql") for endpoint in endpoints]


#: Each kind of error and its answer; an EndpointNotChosen (invalid input and not found) is invalid input.
_KINDS: list[tuple[type[Exception], int, str]] = [
    (StoreUnavailable, 503, "Service unavailable"),
    (TooLarge, 413, "Request body too large"),  # before its kind: an InvalidInput too
    (InvalidInput, 400, "Bad request"),
    (Conflict, 409, "Conflict"),
    (NotFound, 404, "Not found"),
]


def _problem(error: Exception, request: Request, store: UsageStore) -> Response:
    """The admin API's one mapping of an exception to its answer (see :mod:`gqlevolve.errors`), and its log line."""
    known = known_error(error, store_url=store.url)
    if isinstance(known, EndpointNotChosen):  # a report that needs one endpoint, and the store knows several
        return _refused(
            request, 400, "Bad request", f"endpoint: required, as the usage store knows several endpoints: "
            f"{', '.join(known.known)}", field="endpoint", choices=known.known,
        )
    for kind, status, title in _KINDS:
        if isinstance(known, kind):
            members = {"field": known.field, **known.extra} if known.field else dict(known.extra)
            return _refused(request, status, title, str(known), **members)
    logger.error(  # the traceback's messages escaped too (request_logger)
        "admin API: internal error (a bug in gqlevolve) on %s %s", loggable(request.method), loggable(_path(request)),
        exc_info=error,
    )
    return ProblemResponse(
        500, "Internal server error",
        "internal error (a bug in gqlevolve); the server's log (gqlevolve.admin_api) has the details",
    )


def _path(request: Request) -> str:
    """The path as the client sent it (``request.url.path`` drops line breaks: Python's URL parsing removes them)."""
    return str(request.scope.get("path", request.url.path))


def _refused(
    request: Request, status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **members: Any
) -> ProblemResponse:
    """The problem+json answer of a refused request, and its log line (INFO; the store unavailable: WARNING).

    Every value from the request (method, path, the detail that quotes what was sent) is logged escaped
    (:mod:`gqlevolve.logs`): no line break, terminal escape or control character reaches the log.
    """
    logger.log(
        logging.WARNING if status >= 500 else logging.INFO, "admin API: %s %s: %d %s",
        loggable(request.method), loggable(_path(request)), status, loggable_text(detail, limit=500),
    )
    return ProblemResponse(status, title, detail, headers=headers, **members)


async def _answer(request: Request, store: UsageStore, call: Callable[[], Any]) -> Response:
    """``call`` in the thread pool, its result as JSON; an error as :func:`_problem` says."""
    try:
        result = await run_in_threadpool(call)
        return JSONResponse(to_jsonable(result))
    except Exception as error:  # noqa: BLE001 - every exception gets its answer: a kind's status, or 500 for a bug
        return _problem(error, request, store)


def _read(api: AdminAPI, handler: Callable[[Request], Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await _answer(request, api.store, lambda: handler(request))

    return endpoint


#: The largest admin request body read (bytes): the bodies are small objects (a reason, a few dates).
MAX_BODY_BYTES = 64 * 1024
#: The deepest nesting of arrays and objects in an admin request body: the body is one object of plain values.
MAX_BODY_DEPTH = 8
# A JSON string (with its escapes), or one bracket outside strings: what the depth scan looks at.
_JSON_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


async def _read_body(request: Request) -> dict[str, Any]:
    """The request's JSON body, an object (no body: ``{}``); an :class:`~gqlevolve.errors.InvalidInput` for a
    body larger than :data:`MAX_BODY_BYTES`, nested deeper than :data:`MAX_BODY_DEPTH`, or not a JSON object.

    The size is checked as the body arrives (and by its ``Content-Length`` first): no more is read; the depth
    before ``json.loads``, whose recursion a deeply nested array would exhaust.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        return {}
    if _depth(raw) > MAX_BODY_DEPTH:
        raise InvalidInput(
            f"the body must be a JSON object of plain values, nested at most {MAX_BODY_DEPTH} levels deep",
            field="body",
        )
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a number too long to read
        body = None
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    return body


def _too_large() -> TooLarge:
    return TooLarge(
        f"the body must be a JSON object of at most {MAX_BODY_BYTES} bytes", field="body", maximum=MAX_BODY_BYTES
    )


def _depth(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw`` (JSON text; brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_BODY_DEPTH:
                    break
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _write(api: AdminAPI, handler: Callable[[Request, dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            body = await _read_body(request)
        except InvalidInput as error:
            return _problem(error, request, api.store)
        response = await _answer(request, api.store, lambda: handler(request, body))
        if response.status_code == 200:
            logger.info(
                "admin API: %s %s by %s: %s", loggable(request.method), loggable(_path(request)),
                loggable(body.get("actor", DEFAULT_ACTOR)), loggable(body.get("reason"), limit=500),
            )
        return response

    return endpoint


def admin_app(
    store: UsageStore, *, token: str, endpoints: Sequence[str], schemas: Mapping[str, Any] | None = None
) -> ASGIApp:
    """The admin API over ``store``, guarded by ``token``; ``endpoints`` are the served endpoints' paths and
    ``schemas`` (by version) the schemas they serve."""
    api = AdminAPI(store, endpoints, schemas)
    routes = [
        Route("/deprecations", _read(api, api.deprecations), methods=["GET"]),
        Route("/eligibility", _read(api, api.eligibility), methods=["GET"]),
        Route("/eligibility/{coordinate}", _read(api, api.eligibility), methods=["GET"]),
        Route("/sunset-warnings", _read(api, api.sunset_warnings), methods=["GET"]),
        Route("/clients", _read(api, api.clients), methods=["GET"]),
        Route("/usage", _read(api, api.usage), methods=["GET"]),
        Route("/migration", _read(api, api.migration), methods=["GET"]),
        Route("/deprecations/{coordinate}/extend", _write(api, api.extend), methods=["POST"]),
        Route("/deprecations/{coordinate}/rollback", _write(api, api.rollback), methods=["POST"]),
        Route("/deprecations/{coordinate}/set", _write(api, api.set_record), methods=["POST"]),
        Route("/deprecations/{coordinate}/delete", _write(api, api.delete), methods=["POST"]),
        Route("/history", _read(api, api.history), methods=["GET"]),
        Route("/brownouts", _read(api, api.brownouts), methods=["GET"]),
        Route("/deprecations/{coordinate}/brownouts", _write(api, api.add_brownout), methods=["POST"]),
        Route("/deprecations/{coordinate}/brownouts/delete", _write(api, api.remove_brownout), methods=["POST"]),
        Route("/versions/{version}/brownouts", _write(api, api.add_version_brownout), methods=["POST"]),
        Route("/versions/{version}/brownouts/delete", _write(api, api.remove_version_brownout), methods=["POST"]),
        Route("/versions/{version}/set", _write(api, api.set_version), methods=["POST"]),
        Route("/enforcement", _read(api, api.enforcement), methods=["GET"]),
        Route("/consumers", _read(api, api.consumers), methods=["GET"]),
        Route("/consumers", _write(api, api.add_consumer), methods=["POST"]),
        Route("/consumers/{client}/delete", _write(api, api.remove_consumer), methods=["POST"]),
        Route("/notices", _read(api, api.notices), methods=["GET"]),
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
