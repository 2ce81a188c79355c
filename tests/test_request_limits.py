"""Request limits of versioned_app: hostile bodies get a clean problem+json answer, never a 500 or a reset.

Through Starlette's TestClient for each case, through the ASGI interface for what a TestClient cannot show
(a body that is never read, a chunked body read no further than the limit), and through a real uvicorn process
on 127.0.0.1 for the keep-alive connection that every hostile request must leave usable.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import strawberry
from starlette.testclient import TestClient
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig

from gqlevolve.asgi import RequestLimits, versioned_app
from gqlevolve.lifecycle import VersionLifecycle, deprecation_header
from gqlevolve.request_limits import DEFAULT_LIMITS, VERDICTS_KEPT, RequestGuard
from tests.server_helpers import example_server_process

URL = "/api/v1/graphql"
JSON = {"content-type": "application/json"}
PROBLEM_JSON = "application/problem+json"

TODAY = dt.date(2026, 11, 21)
DEPRECATED_ON = dt.date(2026, 9, 1)

#: The issue's document: 87,000 aliases, over 1 MB. Executed, it blocked the event loop for 8-12 s.
ALIASES_87K = "{" + " ".join(f"a{number}:hello" for number in range(87_000)) + "}"


class Resolved:
    """How many times the resolver ran: a refused operation must not reach it."""

    count = 0


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        Resolved.count += 1
        return "world"


def make_schema(**options: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, **options)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(versioned_app({"v1": make_schema()})) as test_client:
        yield test_client


def limited_client(limits: RequestLimits, schema: strawberry.Schema | None = None) -> TestClient:
    return TestClient(versioned_app({"v1": schema or make_schema()}, limits=limits))


def assert_problem(response: httpx.Response, status: int, title: str, limit: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status and body["title"] == title, body
    assert body["type"] == "about:blank" and body["detail"]
    if limit is not None:  # the limit is named: its setting and its value
        assert body["limit"] == limit and f"({limit})" in body["detail"]
        assert isinstance(body["maximum"], int) and str(body["maximum"]) in body["detail"]
    return body


# --- the settings ------------------------------------------------------------------------------------------------


def test_the_defaults_are_on_and_documented() -> None:
    assert RequestLimits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_body_bytes == 1_048_576
    assert DEFAULT_LIMITS.max_query_string_bytes == 8_192
    assert DEFAULT_LIMITS.max_document_chars == 100_000
    assert DEFAULT_LIMITS.max_tokens == 10_000
    assert DEFAULT_LIMITS.max_aliases == 100
    assert DEFAULT_LIMITS.max_json_depth == 64
    assert all(value is None for value in vars_of(RequestLimits.unlimited()).values())


def vars_of(limits: RequestLimits) -> dict[str, int | None]:
    return {name: getattr(limits, name) for name in RequestLimits.__dataclass_fields__}


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"max_body_bytes": 0}, ValueError, "max_body_bytes must be at least 1"),
        ({"max_tokens": -5}, ValueError, "max_tokens must be at least 1"),
        ({"max_aliases": True}, TypeError, "max_aliases is a whole number or None"),
        ({"max_json_depth": "64"}, TypeError, "max_json_depth is a whole number or None"),
    ],
)
def test_bad_settings_are_refused_when_the_app_is_built(options: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        RequestLimits(**options)


def test_limits_must_be_request_limits() -> None:
    with pytest.raises(TypeError, match="limits is a RequestLimits"):
        versioned_app({"v1": make_schema()}, limits={"max_body_bytes": 10})  # type: ignore[arg-type]


# --- bodies Strawberry could not parse: a clean 400, never a 500 -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "title", "words"),
    [
        (b'{"query": "{ hello \xff }"}', "Request body is not UTF-8", "not valid UTF-8 (byte 19)"),
        (b"\xc3\x28", "Request body is not UTF-8", "not valid UTF-8"),
        (b"null", "Not a GraphQL request", "the request body is null"),
        (b'"{ hello }"', "Not a GraphQL request", "the request body is a string"),
        (b"42", "Not a GraphQL request", "the request body is a number"),
        (b"true", "Not a GraphQL request", "the request body is a boolean"),
        (b'[{"query": "{ hello }"}]', "Batching is not enabled", "a JSON array"),
        (b'{"query": ', "Not JSON", "The request body is not JSON"),
    ],
)
def test_a_body_strawberry_cannot_parse_is_a_400(client: TestClient, body: bytes, title: str, words: str) -> None:
    problem = assert_problem(client.post(URL, content=body, headers=JSON), 400, title)
    assert words in problem["detail"]
    assert client.post(URL, json={"query": "{ hello }"}).json() == {"data": {"hello": "world"}}


@pytest.mark.parametrize("levels", [100_000, 2_000, 65])
def test_deeply_nested_json_is_a_400_naming_the_limit(client: TestClient, levels: int) -> None:
    """100,000 levels exhaust Python's parser (RecursionError); 2,000 and 65 parse, and are over the limit."""
    nested = "[" * levels + "]" * levels
    for body in (nested, f'{{"query": "{{ hello }}", "variables": {{"x": {nested}}}}}'):
        problem = assert_problem(client.post(URL, content=body, headers=JSON), 400, "JSON nested too deeply", "max_json_depth")
        assert "more than 64 levels deep" in problem["detail"]


def test_json_as_deep_as_the_limit_is_served() -> None:
    nested = "[" * 62 + "]" * 62  # the body's object and "variables" are two levels more: 64 in all
    with limited_client(DEFAULT_LIMITS) as client:
        response = client.post(URL, content=f'{{"query": "{{ hello }}", "variables": {{"x": {nested}}}}}', headers=JSON)
    assert response.status_code == 200 and response.json() == {"data": {"hello": "world"}}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ";"])
def test_a_wrong_content_type_is_a_400(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type is not None else {}
    response = client.post(URL, content=b'{"query": "{ hello }"}', headers=headers)
    problem = assert_problem(response, 400, "Unsupported content type")
    assert problem["accepted"] == ["application/json"]
    assert "Content-Type: application/json" in problem["detail"]


def test_json_with_a_charset_and_a_byte_order_mark_is_served(client: TestClient) -> None:
    response = client.post(URL, content=b'\xef\xbb\xbf{"query": "{ hello }"}', headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200 and response.json() == {"data": {"hello": "world"}}


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"query": "{ hello }", "variables": "not an object"}, "`variables` must be an object or null"),
        ({"query": 42}, "`query` must be a string or null"),
        ({"variables": {}}, "No GraphQL query found in the request"),
    ],
)
def test_strawberrys_own_refusals_are_problem_json_too(client: TestClient, payload: dict[str, Any], detail: str) -> None:
    problem = assert_problem(client.post(URL, json=payload), 400, "Bad Request")
    assert detail in problem["detail"]


def test_a_mutation_by_get_is_refused_as_problem_json(client: TestClient) -> None:
    response = client.get(URL, params={"query": "mutation { hello }"})
    assert response.status_code in (400, 405) and response.headers["content-type"] == PROBLEM_JSON
    assert "mutations are not allowed when using GET" in response.json()["detail"]


def test_a_batch_is_checked_when_the_schema_batches() -> None:
    schema = make_schema(config=StrawberryConfig(batching_config={"max_operations": 3}))
    with limited_client(DEFAULT_LIMITS, schema) as client:
        served = client.post(URL, json=[{"query": "{ hello }"}, {"query": "{ a: hello }"}])
        assert served.status_code == 200 and served.json() == [{"data": {"hello": "world"}}, {"data": {"a": "world"}}]
        assert_problem(client.post(URL, json=[{"query": "{ hello }"}, None]), 400, "Not a GraphQL request")
        assert_problem(client.post(URL, json=[{"query": "{ hello }"}, 7]), 400, "Not a GraphQL request")
        too_large = [{"query": "{ hello }"}, {"query": "{ hello }" + " " * 100_000}]
        assert_problem(client.post(URL, json=too_large), 400, "GraphQL document too large", "max_document_chars")
        assert_problem(client.post(URL, json=[{"query": "{ hello }"}] * 4), 400, "Bad Request")  # Strawberry's own


# --- sizes: body, query string, document -------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413(client: TestClient) -> None:
    big = json.dumps({"query": "{ hello }", "variables": {"blob": "x" * 1_100_000}})
    problem = assert_problem(client.post(URL, content=big, headers=JSON), 413, "Request body too large", "max_body_bytes")
    assert problem["maximum"] == 1_048_576


def test_a_chunked_body_over_the_limit_is_a_413() -> None:
    """No Content-Length (Transfer-Encoding: chunked): the body is measured as it comes."""

    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ hello }", "variables": {"blob": "'
        for _ in range(10):
            yield b"x" * 60
        yield b'"}}'

    with limited_client(RequestLimits(max_body_bytes=500)) as client:
        response = client.post(URL, content=chunks(), headers=JSON)
        assert "content-length" not in response.request.headers
        problem = assert_problem(response, 413, "Request body too large", "max_body_bytes")
        assert problem["maximum"] == 500
        small = client.post(URL, content=iter([b'{"query": ', b'"{ hello }"}']), headers=JSON)
        assert small.status_code == 200 and small.json() == {"data": {"hello": "world"}}


def test_a_query_string_over_the_limit_is_a_414(client: TestClient) -> None:
    response = client.get(URL, params={"query": "{ hello }", "pad": "x" * 8_200})
    problem = assert_problem(response, 414, "Query string too long", "max_query_string_bytes")
    assert "Send long operations by POST" in problem["detail"]
    assert client.get(URL, params={"query": "{ hello }"}).json() == {"data": {"hello": "world"}}


def test_a_document_over_the_limit_is_a_400_by_post_and_by_get() -> None:
    with limited_client(RequestLimits(max_document_chars=50)) as client:
        document = "{ hello }" + " " * 60
        for response in (client.post(URL, json={"query": document}), client.get(URL, params={"query": document})):
            problem = assert_problem(response, 400, "GraphQL document too large", "max_document_chars")
            assert problem["detail"].startswith("The GraphQL document has 69 characters; this endpoint accepts at most 50")
        assert client.post(URL, json={"query": "{ hello }"}).status_code == 200


def test_deeply_nested_variables_by_get_are_a_400(client: TestClient) -> None:
    nested = "[" * 1_000 + "]" * 1_000
    for name in ("variables", "extensions"):
        response = client.get(URL, params={"query": "{ hello }", name: nested})
        assert_problem(response, 400, "JSON nested too deeply", "max_json_depth")
    assert_problem(client.get(URL, params={"query": "{ hello }", "variables": "{"}), 400, "Not JSON")


def test_graphiql_is_still_served(client: TestClient) -> None:
    response = client.get(URL, headers={"Accept": "text/html"})
    assert response.status_code == 200 and "GraphiQL" in response.text


def test_a_deprecated_versions_refusals_carry_its_headers() -> None:
    lifecycle = VersionLifecycle(deprecated_on=DEPRECATED_ON, successor="v2")
    app = versioned_app(
        {"v1": make_schema(), "v2": make_schema()}, lifecycles={"v1": lifecycle}, today=lambda: TODAY,
        limits=RequestLimits(max_body_bytes=100),
    )
    with TestClient(app) as client:
        response = client.post(URL, json={"query": "{ hello }" + " " * 200})
    assert_problem(response, 413, "Request body too large", "max_body_bytes")
    assert response.headers["deprecation"] == deprecation_header(DEPRECATED_ON)


# --- through the ASGI interface: what is read, and what is not ---------------------------------------------------


def http_scope(method: str, headers: list[tuple[bytes, bytes]], query_string: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": URL, "raw_path": URL.encode(), "root_path": "", "query_string": query_string, "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }


async def call(app: Any, scope: dict[str, Any], messages: Iterator[dict[str, Any]]) -> tuple[int, dict[str, Any], int]:
    """The status and problem body the app answers, and how many request messages it pulled."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body), pulled


async def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    app = versioned_app({"v1": make_schema()})
    headers = [(b"content-type", b"application/json"), (b"content-length", b"5000000")]

    def never() -> Iterator[dict[str, Any]]:
        raise AssertionError("the body was read")
        yield {}

    status, problem, pulled = await call(app, http_scope("POST", headers), never())
    assert (status, problem["limit"], pulled) == (413, "max_body_bytes", 0)


async def test_a_streamed_body_is_read_no_further_than_the_limit() -> None:
    """65 KiB chunks of a 2 MiB body: refused at the chunk that crosses 1 MiB, the rest left unread."""
    app = versioned_app({"v1": make_schema()})
    chunk = b"x" * 65_536
    messages = iter([{"type": "http.request", "body": chunk, "more_body": True}] * 32)
    status, problem, pulled = await call(app, http_scope("POST", [(b"content-type", b"application/json")]), messages)
    assert (status, problem["title"]) == (413, "Request body too large")
    assert pulled == 1_048_576 // 65_536 + 1  # 17 of the 32 chunks
    assert len(list(messages)) == 15


async def test_a_client_that_leaves_mid_body_gets_nothing() -> None:
    app = versioned_app({"v1": make_schema()})
    sent: list[dict[str, Any]] = []
    messages = iter([{"type": "http.request", "body": b'{"query"', "more_body": True}, {"type": "http.disconnect"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(http_scope("POST", [(b"content-type", b"application/json")]), receive, send)
    assert sent == []


# --- tokens and aliases: Strawberry's limits, applied before Strawberry -----------------------------------------


def aliased(count: int) -> dict[str, str]:
    return {"query": "{ " + " ".join(f"a{n}: hello" for n in range(count)) + " }"}


def test_too_many_tokens_is_a_400_before_strawberry_sees_it() -> None:
    Resolved.count = 0
    with limited_client(RequestLimits(max_tokens=50)) as client:
        problem = assert_problem(client.post(URL, json=aliased(20)), 400, "GraphQL document has too many tokens", "max_tokens")
        assert problem["detail"] == "The GraphQL document has more than 50 tokens, the most this endpoint accepts (max_tokens)."
        assert problem["maximum"] == 50 and Resolved.count == 0
        served = client.post(URL, json=aliased(10))  # 33 tokens
        assert "errors" not in served.json() and Resolved.count == 10


def test_too_many_aliases_is_a_400_before_strawberry_sees_it(client: TestClient) -> None:
    Resolved.count = 0
    problem = assert_problem(client.post(URL, json=aliased(101)), 400, "GraphQL document has too many aliases", "max_aliases")
    assert problem["detail"] == "The GraphQL document has 101 aliases; this endpoint accepts at most 100 (max_aliases)."
    assert problem["maximum"] == 100 and Resolved.count == 0
    served = client.post(URL, json=aliased(100))
    assert "errors" not in served.json() and Resolved.count == 100


def test_aliases_are_counted_through_fragments_as_strawberry_counts_them() -> None:
    document = "query { ...F ... on Query { c: hello } } fragment F on Query { a: hello b: hello }"
    with limited_client(RequestLimits(max_aliases=2)) as client:
        problem = assert_problem(client.post(URL, json={"query": document}), 400, "GraphQL document has too many aliases")
        assert problem["detail"].startswith("The GraphQL document has 3 aliases")
        assert_problem(client.get(URL, params={"query": document}), 400, "GraphQL document has too many aliases")


def test_a_document_with_a_syntax_error_is_left_to_strawberry(client: TestClient) -> None:
    response = client.post(URL, json={"query": "{ hello "})
    assert response.status_code == 200 and "Syntax Error" in response.json()["errors"][0]["message"]


def test_the_limits_are_settings() -> None:
    with limited_client(RequestLimits(max_aliases=2)) as client:
        assert_problem(client.post(URL, json=aliased(3)), 400, "GraphQL document has too many aliases")
    with limited_client(RequestLimits.unlimited()) as client:
        assert "errors" not in client.post(URL, json=aliased(150)).json()
        assert client.post(URL, content=b"\xff", headers=JSON).status_code == 400  # parsing stays clean


@pytest.mark.parametrize(
    "own",
    [
        functools.partial(MaxAliasesLimiter, max_alias_count=500),
        type("Generous", (MaxAliasesLimiter,), {"__init__": lambda self: MaxAliasesLimiter.__init__(self, 500)}),
    ],
)
def test_a_schemas_own_limiter_is_left_to_apply_alone(own: Any) -> None:
    with limited_client(DEFAULT_LIMITS, make_schema(extensions=[own])) as client:
        assert "errors" not in client.post(URL, json=aliased(150)).json()  # theirs (500), not ours (100)
        assert client.post(URL, json=aliased(501)).json()["errors"][0]["message"] == "501 aliases found. Allowed: 500"


def test_the_served_schemas_are_left_as_they_were_given() -> None:
    schema = make_schema(extensions=[MaxTokensLimiter])
    versioned_app({"v1": schema, "v2": schema})
    assert schema.extensions == (MaxTokensLimiter,)
    assert make_schema().extensions == ()


async def test_each_document_is_judged_once_and_the_verdicts_are_bounded() -> None:
    guard = RequestGuard(versioned_app({"v1": make_schema()}), RequestLimits(max_aliases=1), make_schema())
    for _ in range(3):
        guard.check_document("{ hello }")
    assert list(guard.verdicts.values()) == [None]
    with pytest.raises(Exception, match="2 aliases"):
        guard.check_document("{ a: hello b: hello }")
    assert list(guard.verdicts.values()) == [None, ("max_aliases", 2)]
    for number in range(VERDICTS_KEPT + 10):
        guard.check_document(f"{{ hello # {number}\n }}")
    assert len(guard.verdicts) == VERDICTS_KEPT


# --- the document: 87,000 aliases in 1 MB ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "status", "title"),
    [
        (DEFAULT_LIMITS, 413, "Request body too large"),
        (RequestLimits(max_body_bytes=None), 400, "GraphQL document too large"),
    ],
)
def test_the_87000_alias_document_is_answered_at_once(limits: RequestLimits, status: int, title: str) -> None:
    """Executed, it blocked the event loop for 8-12 s; refused by its size, in milliseconds (bound: 1 s)."""
    body = json.dumps({"query": ALIASES_87K})
    assert len(body) > 1_048_576
    Resolved.count = 0
    with limited_client(limits) as client:
        started = time.perf_counter()
        response = client.post(URL, content=body, headers=JSON)
        elapsed = time.perf_counter() - started
    assert_problem(response, status, title)
    assert Resolved.count == 0
    assert elapsed < 1.0, f"answered in {elapsed:.3f} s"


def test_the_87000_alias_document_without_size_limits_stops_at_the_token_limit() -> None:
    """With the size limits off, graphql-core stops parsing at 10,000 tokens: Strawberry never sees it.

    No timing bound here: parsing 10,000 tokens takes 0.1-0.3 s on a quiet machine, more on a busy one; what
    matters is that the document is refused before it is parsed whole, validated or executed.
    """
    Resolved.count = 0
    with limited_client(RequestLimits(max_body_bytes=None, max_document_chars=None)) as client:
        response = client.post(URL, json={"query": ALIASES_87K})
    assert_problem(response, 400, "GraphQL document has too many tokens", "max_tokens")
    assert Resolved.count == 0


# --- a real uvicorn: one keep-alive connection survives every hostile request ------------------------------------

@pytest.fixture
def uvicorn_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """The example app in a real uvicorn process; its log goes to a file (a full pipe would stall the server)."""
    with example_server_process(tmp_path) as server:
        yield server.port, server.log


def hostile_requests() -> list[tuple[str, str, str, Any, dict[str, str], int]]:
    """(name, method, path, body, headers, expected status) for everything the issue saw answered with a 500."""
    graphql = "/api/v2/graphql"
    nested = b"[" * 100_000 + b"]" * 100_000
    deep_get = graphql + "?" + urlencode({"query": "{ __typename }", "variables": "[" * 1_000 + "]" * 1_000})

    def chunked() -> Iterator[bytes]:  # 2 MiB with no Content-Length
        for _ in range(32):
            yield b"x" * 65_536

    return [
        ("invalid UTF-8", "POST", graphql, b'{"query": "\xff\xfe"}', JSON, 400),
        ("null", "POST", graphql, b"null", JSON, 400),
        ("a string", "POST", graphql, b'"{ __typename }"', JSON, 400),
        ("a number", "POST", graphql, b"42", JSON, 400),
        ("an array (no batching)", "POST", graphql, b'[{"query": "{ __typename }"}]', JSON, 400),
        ("100,000 levels of JSON", "POST", graphql, nested, JSON, 400),
        ("a wrong content type", "POST", graphql, b'{"query": "{ __typename }"}', {"Content-Type": "text/plain"}, 400),
        ("a 2 MiB body", "POST", graphql, b" " * 2_097_152, JSON, 413),
        ("a 2 MiB chunked body", "POST", graphql, chunked(), JSON, 413),
        ("the 87,000-alias document", "POST", graphql, json.dumps({"query": ALIASES_87K}).encode(), JSON, 413),
        ("a 200,000-character document", "POST", graphql, json.dumps({"query": "{ __typename }" + " " * 200_000}).encode(), JSON, 400),
        ("a 9 KB query string", "GET", graphql + "?" + urlencode({"query": "{ __typename }", "pad": "x" * 9_000}), None, {}, 414),
        ("1,000 levels of GET variables", "GET", deep_get, None, {}, 400),
    ]


def test_hostile_requests_leave_the_keep_alive_connection_usable(uvicorn_server: tuple[int, Path]) -> None:
    port, log = uvicorn_server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/api/v2/graphql?" + urlencode({"query": "{ __typename }"}))
        first = connection.getresponse()
        assert first.status == 200 and json.loads(first.read()) == {"data": {"__typename": "Query"}}
        assert connection.sock is not None
        local_address = connection.sock.getsockname()
        for name, method, path, body, headers, status in hostile_requests():
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - started
            assert response.status == status, f"{name}: {response.status} {payload[:300]!r}"
            assert response.getheader("content-type") == PROBLEM_JSON, name
            assert json.loads(payload)["status"] == status, name
            assert not response.will_close, f"{name}: the server closed the connection"
            assert elapsed < 10, f"{name}: answered in {elapsed:.1f} s"
        connection.request("POST", "/api/v2/graphql", body=json.dumps({"query": '{ user(id: "2") { fullName } }'}), headers=JSON)
        good = connection.getresponse()
        assert good.status == 200, good.read()
        assert json.loads(good.read()) == {"data": {"user": {"fullName": "Grace Hopper"}}}
        assert connection.sock is not None and connection.sock.getsockname() == local_address  # the same connection
    finally:
        connection.close()
    server_log = log.read_text()
    assert "Exception in ASGI application" not in server_log and "Traceback" not in server_log, server_log[-3000:]
