"""How the admin API handles every request: the bearer-token guard, the request's parameters and JSON body (size
and depth checked before parsing), the one mapping of errors to problem+json (and its log line), and the two
wrappers every route goes through (``_read``: a read in a worker thread; ``_write``: the body read, then the change,
logged with who made it and why).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gqlevolve.advisor import RemovalPolicy
from gqlevolve.advisor.policy import removal_policy
from gqlevolve.endpoints import EndpointNotChosen
from gqlevolve.errors import Conflict, InvalidInput, NotFound, StoreUnavailable, TooLarge, known_error
from gqlevolve.inputs import check_actor, check_why, whole_number
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import parse_iso_date
from gqlevolve.logs import loggable, loggable_text, request_logger
from gqlevolve.problems import ProblemResponse
from gqlevolve.reports import (
    to_jsonable,
)

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore


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


def _read(store: UsageStore, handler: Callable[[Request], Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await _answer(request, store, lambda: handler(request))

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


def _write(store: UsageStore, handler: Callable[[Request, dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            body = await _read_body(request)
        except InvalidInput as error:
            return _problem(error, request, store)
        response = await _answer(request, store, lambda: handler(request, body))
        if response.status_code == 200:
            logger.info(
                "admin API: %s %s by %s: %s", loggable(request.method), loggable(_path(request)),
                loggable(body.get("actor", DEFAULT_ACTOR)), loggable(body.get("reason"), limit=500),
            )
        return response

    return endpoint
