"""Request limits: what one request to a versioned endpoint may carry, and how it is refused.

:func:`~gqlevolve.asgi.versioned_app` applies :class:`RequestLimits` to every version, by default its defaults:

    >>> from gqlevolve.asgi import versioned_app
    >>> app = versioned_app({"v1": schema})                                       # the defaults below
    >>> app = versioned_app({"v1": schema}, limits=RequestLimits(max_body_bytes=4_194_304, max_aliases=None))
    >>> app = versioned_app({"v1": schema}, limits=RequestLimits.unlimited())     # none (a gateway limits already)
    >>> RequestLimits(max_tokens=0)
    Traceback (most recent call last):
    ...
    ValueError: RequestLimits.max_tokens must be at least 1, or None for no limit; not 0

:class:`RequestGuard`, an ASGI wrapper around Strawberry's view, checks each HTTP request before Strawberry sees
it and answers ``application/problem+json`` naming the limit (its setting in ``limit``, its value in
``maximum``):

- ``414`` for a query string over ``max_query_string_bytes``;
- ``413`` for a body over ``max_body_bytes``: from ``Content-Length`` before a byte is read, and again while the
  body streams in, so a chunked body is read up to the limit and no further;
- ``400`` for a document over ``max_document_chars``, ``max_tokens`` or ``max_aliases``, and for JSON nested
  deeper than ``max_json_depth`` (the body, and a GET's ``variables`` and ``extensions``);
- ``400``, whatever the limits, for what Strawberry's own parsing cannot take: a content type other than JSON, a
  body that is not UTF-8 or not JSON, JSON that is not a request object (``null``, a string, a number, an array
  when the schema does not batch). Strawberry answered several of these with a 500 (invalid UTF-8, ``null``, a
  string, a number, deep JSON), after which uvicorn reset the connection.

A request that passes is handed to Strawberry as it came. The token and alias limits are those of Strawberry's
``MaxTokensLimiter`` and ``MaxAliasesLimiter``, applied the way they apply them (graphql-core's ``parse`` with
``max_tokens``, which stops at the limit; Strawberry's ``count_fields_with_alias``), but before Strawberry:
the schemas are left as they were given, a refusal is a 400 that names the setting, and Strawberry does not log
a syntax error quoting the refused document. Each distinct document is judged once (a bounded cache of verdicts,
by digest), so the operations clients repeat cost a hash, not a second parse.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, parse
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import count_fields_with_alias
from strawberry.http.parse_content_type import parse_content_type

from gqlevolve.problems import ProblemResponse

if TYPE_CHECKING:
    from strawberry.schema.base import BaseSchema

__all__ = ["DEFAULT_LIMITS", "RequestGuard", "RequestLimits"]


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """What one request to a versioned endpoint may carry; ``None`` leaves that limit off.

    The defaults, and why:

    - ``max_body_bytes`` = 1 MiB (nginx's default ``client_max_body_size``): a GraphQL request is a document and
      its variables; the largest document allowed is a tenth of it, which leaves ample room for variables.
      Raise it if clients send files inside variables.
    - ``max_query_string_bytes`` = 8 KiB: GET is for short queries (longer ones go by POST), and it is below the
      16 KiB at which uvicorn refuses the request line itself with a 400 and closes the connection.
    - ``max_document_chars`` = 100,000 characters of ``query``: several times the largest hand-written or
      generated operations; it bounds the lexer's work, which the token limit does not (one long string or
      comment is one token).
    - ``max_tokens`` = 10,000 (as Strawberry's ``MaxTokensLimiter`` counts them, comments included): a few times
      what a large operation with its fragments needs. graphql-core stops parsing there, at 15-30 microseconds a
      token. (Its check of overlapping fields, quadratic in a field that repeats, is bounded by graphql-core's
      own budget, not by this.)
    - ``max_aliases`` = 100 (as Strawberry's ``MaxAliasesLimiter`` counts them, through fragments): more than
      hand-written operations use, enough for the aliased batch look-ups some clients generate; each alias runs
      its resolver once more, so this bounds how far one request multiplies the resolvers' work.
    - ``max_json_depth`` = 64 nested arrays and objects in the body: far deeper than any input object, and far
      from the recursion limit that Python's JSON parser and graphql-core's value coercion run into.
    """

    max_body_bytes: int | None = 1_048_576
    max_query_string_bytes: int | None = 8_192
    max_document_chars: int | None = 100_000
    max_tokens: int | None = 10_000
    max_aliases: int | None = 100
    max_json_depth: int | None = 64

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"RequestLimits.{field.name} is a whole number or None (no limit), not {value!r}")
            if value < 1:
                raise ValueError(f"RequestLimits.{field.name} must be at least 1, or None for no limit; not {value}")

    @classmethod
    def unlimited(cls) -> RequestLimits:
        """No limit at all: for a server behind a gateway that enforces its own."""
        return cls(**{field.name: None for field in dataclasses.fields(cls)})


#: The limits ``versioned_app`` applies when it is given none.
DEFAULT_LIMITS = RequestLimits()


class _Refused(Exception):
    """A request the guard answers itself, as problem+json."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.response = ProblemResponse(status, title, detail, **extra)


#: How many documents' verdicts a guard remembers (a 16-byte digest and a verdict each).
VERDICTS_KEPT = 1024


class RequestGuard:
    """An ASGI app in front of Strawberry's view that refuses, as problem+json, what the limits do not allow.

    Only HTTP requests are checked: a subscription over a WebSocket is not one (give its schema Strawberry's own
    limiters for those). A POST body is read here, never more than ``max_body_bytes`` of it, checked, and handed
    to the view unchanged. ``schema`` is the served schema: whether it batches, and whether it has its own token
    or alias limiter, which is then left to apply alone.
    """

    def __init__(self, app: ASGIApp, limits: RequestLimits, schema: BaseSchema | None = None) -> None:
        self.app = app
        self.limits = limits
        config = getattr(schema, "config", None)
        self.batching = getattr(config, "batching_config", None) is not None
        own = tuple(getattr(schema, "extensions", ()))
        self.max_tokens = None if _provides(own, MaxTokensLimiter) else limits.max_tokens
        self.max_aliases = None if _provides(own, MaxAliasesLimiter) else limits.max_aliases
        self.verdicts: OrderedDict[bytes, tuple[str, int] | None] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self.check_query_string(scope)
            if scope["method"] == "POST":
                self.check_declared_length(scope)
                self.check_content_type(scope)
                body = await self.read_body(receive)
                if body is None:  # the client went away before it finished sending
                    return
                self.check_body(body)
                receive = _replay(body, receive)
            elif scope["method"] == "GET":
                self.check_get(scope)
        except _Refused as refused:
            await refused.response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def check_query_string(self, scope: Scope) -> None:
        limit = self.limits.max_query_string_bytes
        size = len(scope.get("query_string", b""))
        if limit is not None and size > limit:
            raise _Refused(
                414,
                "Query string too long",
                f"The query string has {size} bytes; this endpoint accepts at most {limit} "
                "(max_query_string_bytes). Send long operations by POST.",
                limit="max_query_string_bytes",
                maximum=limit,
            )

    def check_declared_length(self, scope: Scope) -> None:
        """Refuse a body whose ``Content-Length`` is over the limit before reading a byte of it.

        Nothing is read, so uvicorn sends no ``100 Continue`` to a client that waits for one, and a client that
        sends the body anyway has it discarded by the server, which keeps the connection.
        """
        limit = self.limits.max_body_bytes
        declared = _header(scope, b"content-length")
        if limit is not None and declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise self.too_large(limit)

    async def read_body(self, receive: Receive) -> bytes | None:
        """The whole body, refused as soon as it is over the limit (a chunked body has no ``Content-Length``).

        No more than ``max_body_bytes`` is kept; ``None`` if the client went away before it finished.
        """
        limit = self.limits.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if limit is not None and size > limit:
                raise self.too_large(limit)  # the server discards the rest of the body
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def too_large(self, limit: int) -> _Refused:
        return _Refused(
            413,
            "Request body too large",
            f"The request body is larger than {limit} bytes, the most this endpoint accepts (max_body_bytes).",
            limit="max_body_bytes",
            maximum=limit,
        )

    def check_content_type(self, scope: Scope) -> None:
        """JSON, by the rule Strawberry's view applies (``application/json`` in the media type)."""
        raw = _header(scope, b"content-type")
        try:
            media_type = parse_content_type(raw or "")[0]
        except Exception:  # Strawberry's parser asserts on some malformed values: then it is not JSON either
            media_type = ""
        if "application/json" not in media_type:
            shown = json.dumps(raw) if raw is not None else "none"
            raise _Refused(
                400,
                "Unsupported content type",
                f"A GraphQL POST is sent as Content-Type: application/json; this one has {shown}.",
                accepted=["application/json"],
            )

    def check_body(self, body: bytes) -> None:
        try:
            text = body.decode("utf-8-sig")  # RFC 8259: JSON between systems is UTF-8 (a leading BOM is ignored)
        except UnicodeDecodeError as error:
            raise _Refused(
                400,
                "Request body is not UTF-8",
                f"The request body is not valid UTF-8 (byte {error.start}); JSON is sent as UTF-8.",
            ) from None
        data = self.parse_json(text, "The request body")
        if isinstance(data, dict):
            operations: list[Any] = [data]
        elif isinstance(data, list) and self.batching:
            if not all(isinstance(item, dict) for item in data):
                raise _Refused(400, "Not a GraphQL request", "Every operation of a batch is a JSON object.")
            operations = data
        elif isinstance(data, list):
            raise _Refused(
                400,
                "Batching is not enabled",
                "The request body is a JSON array (a batch of operations); this endpoint takes one operation, "
                'a JSON object with a "query" member.',
            )
        else:
            raise _Refused(
                400,
                "Not a GraphQL request",
                f'A GraphQL request is a JSON object with a "query" member; the request body is {_json_kind(data)}.',
            )
        for operation in operations:
            self.check_document(operation.get("query"))

    def check_get(self, scope: Scope) -> None:
        params = QueryParams(scope.get("query_string", b""))
        self.check_document(params.get("query"))
        for name in ("variables", "extensions"):
            value = params.get(name)
            if value:  # Strawberry parses them as JSON; nested too deeply, its parser fails with a 500
                self.parse_json(value, f"The {name} parameter")

    def parse_json(self, text: str, what: str) -> Any:
        depth_limit = self.limits.max_json_depth
        try:
            data = json.loads(text)
        except RecursionError:  # Python's parser recurses: nesting of about 1,000 levels exhausts the stack
            raise self.too_deep(what, depth_limit) from None
        except ValueError as error:
            raise _Refused(400, "Not JSON", f"{what} is not JSON: {error}.") from None
        if depth_limit is not None and _nested_deeper_than(data, depth_limit):
            raise self.too_deep(what, depth_limit)
        return data

    def too_deep(self, what: str, limit: int | None) -> _Refused:
        if limit is None:
            return _Refused(400, "JSON nested too deeply", f"{what} is nested too deeply for the JSON parser.")
        return _Refused(
            400,
            "JSON nested too deeply",
            f"{what} nests arrays and objects more than {limit} levels deep, the most this endpoint accepts "
            "(max_json_depth).",
            limit="max_json_depth",
            maximum=limit,
        )

    def check_document(self, query: object) -> None:
        if not isinstance(query, str):  # none, or not a string: Strawberry says so
            return
        limit = self.limits.max_document_chars
        if limit is not None and len(query) > limit:
            raise _Refused(
                400,
                "GraphQL document too large",
                f"The GraphQL document has {len(query)} characters; this endpoint accepts at most {limit} "
                "(max_document_chars).",
                limit="max_document_chars",
                maximum=limit,
            )
        if self.max_tokens is None and self.max_aliases is None:
            return
        key = hashlib.blake2b(query.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in self.verdicts:
            self.verdicts.move_to_end(key)
            verdict = self.verdicts[key]
        else:
            verdict = self.judge(query)
            self.verdicts[key] = verdict
            if len(self.verdicts) > VERDICTS_KEPT:
                self.verdicts.popitem(last=False)
        if verdict is None:
            return
        setting, found = verdict
        if setting == "max_tokens":
            raise _Refused(
                400,
                "GraphQL document has too many tokens",
                f"The GraphQL document has more than {found} tokens, the most this endpoint accepts (max_tokens).",
                limit="max_tokens",
                maximum=found,
            )
        raise _Refused(
            400,
            "GraphQL document has too many aliases",
            f"The GraphQL document has {found} aliases; this endpoint accepts at most {self.max_aliases} "
            "(max_aliases).",
            limit="max_aliases",
            maximum=self.max_aliases,
        )

    def judge(self, query: str) -> tuple[str, int] | None:
        """``None`` if ``query`` is within the token and alias limits, else the setting it breaks and a number.

        Parsed as Strawberry's ``MaxTokensLimiter`` has it parsed: graphql-core stops at ``max_tokens``. A document
        with a syntax error passes: Strawberry parses it again and answers the error as it always does.
        """
        try:
            document = parse(query, no_location=True, max_tokens=self.max_tokens)
        except GraphQLError as error:
            # graphql-core's words for it ("Syntax Error: Document contains more than N tokens. Parsing aborted.")
            if self.max_tokens is not None and f"contains more than {self.max_tokens} tokens" in error.message:
                return "max_tokens", self.max_tokens
            return None
        except RecursionError:  # pragma: no cover - graphql-core reports deep nesting as a GraphQLError
            return None
        if self.max_aliases is None:
            return None
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        aliases = sum(
            count_fields_with_alias(definition, fragments)
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        )
        return ("max_aliases", aliases) if aliases > self.max_aliases else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read by the guard once, then what the server sends (a disconnect)."""
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    return "a number"


def _nested_deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests arrays and objects more than ``limit`` levels; without recursion."""
    if not isinstance(value, (dict, list)):
        return False
    pending: list[tuple[Iterable[object], int]] = [(value.values() if isinstance(value, dict) else value, 1)]
    while pending:
        children, depth = pending.pop()
        if depth > limit:
            return True
        for child in children:
            if isinstance(child, dict):
                pending.append((child.values(), depth + 1))
            elif isinstance(child, list):
                pending.append((child, depth + 1))
    return False


def _provides(extensions: Iterable[object], kind: type[SchemaExtension]) -> bool:
    """Whether a schema's ``extensions`` hold ``kind`` (an instance, the class or a subclass, a ``partial`` of it)."""
    for extension in extensions:
        if isinstance(extension, functools.partial):
            extension = extension.func
        if isinstance(extension, kind) or (isinstance(extension, type) and issubclass(extension, kind)):
            return True
    return False
