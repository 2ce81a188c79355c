"""versioned_app: the versioned endpoints, their lifecycles, unknown versions and Strawberry's context."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncGenerator, Iterator

import pytest
import strawberry
from starlette.testclient import TestClient
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from gqlevolve.asgi import ENDPOINT_SCOPE_KEY, endpoint_path, versioned_app
from gqlevolve.endpoints import DEPRECATIONS_SCOPE_KEY
from gqlevolve.lifecycle import (
    Deprecation,
    InvalidVersionName,
    VersionLifecycle,
    deprecation_header,
    sunset_header,
)

TODAY = dt.date(2026, 11, 21)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def endpoint(self, info: Info) -> str:
        # Strawberry's own context must reach resolvers: the Starlette request and the sub-response.
        info.context["response"].headers["X-Seen-By-Resolver"] = "yes"
        return info.context["request"].scope[ENDPOINT_SCOPE_KEY]


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 3) -> AsyncGenerator[int, None]:
        for number in range(1, to + 1):
            yield number
            await asyncio.sleep(0)


def make_schema(*extensions: object) -> strawberry.Schema:
    return strawberry.Schema(query=Query, subscription=Subscription, extensions=list(extensions))


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = versioned_app({"v1": make_schema(), "v2": make_schema(), "draft": make_schema()}, today=lambda: TODAY)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("version", ["v1", "v2", "draft"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_post_and_get_with_or_without_trailing_slash(client: TestClient, version: str, slash: str) -> None:
    url = f"/api/{version}/graphql{slash}"
    posted = client.post(url, json={"query": "{ hello }"}, follow_redirects=False)
    got = client.get(url, params={"query": "{ hello }"}, follow_redirects=False)
    for response in (posted, got):
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"hello": "world"}}


def test_graphiql_for_a_browser(client: TestClient) -> None:
    response = client.get("/api/v1/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "GraphiQL" in response.text


def test_strawberry_context_is_intact_and_knows_the_endpoint(client: TestClient) -> None:
    response = client.post("/api/v2/graphql/", json={"query": "{ endpoint }"})
    assert response.json() == {"data": {"endpoint": "/api/v2/graphql"}}
    assert response.headers["x-seen-by-resolver"] == "yes"


@pytest.mark.parametrize("path", ["/api/v9/graphql", "/api/v9/graphql/", "/api/v01/graphql", "/api/beta/graphql"])
def test_unknown_version_is_a_problem_json_404_listing_versions(client: TestClient, path: str) -> None:
    response = client.post(path, json={"query": "{ hello }"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Unknown API version"
    assert body["versions"] == ["v1", "v2", "draft"]
    assert body["endpoints"] == ["/api/v1/graphql", "/api/v2/graphql", "/api/draft/graphql"]
    assert "v1, v2, draft" in body["detail"]


def test_invalid_version_name_in_a_path_says_why(client: TestClient) -> None:
    body = client.get("/api/v01/graphql").json()
    assert '"v01" is not a version name' in body["detail"]


@pytest.mark.parametrize("bad", ["v0", "v01", "V1", "1", "v", "latest"])
def test_bad_version_names_are_refused_at_start_up(bad: str) -> None:
    with pytest.raises(InvalidVersionName, match="without a leading zero"):
        versioned_app({"v1": make_schema(), bad: make_schema()})


def test_lifecycle_configuration_errors_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="at least one schema"):
        versioned_app({})
    with pytest.raises(ValueError, match="lifecycle is given for version 'v3'"):
        versioned_app({"v1": make_schema()}, lifecycles={"v3": VersionLifecycle(TODAY)})
    with pytest.raises(ValueError, match="names successor 'v2', which has no schema"):
        versioned_app({"v1": make_schema()}, lifecycles={"v1": VersionLifecycle(TODAY, successor="v2")})


def lifecycle_client(lifecycle: VersionLifecycle, *extensions: object) -> TestClient:
    app = versioned_app(
        {"v1": make_schema(*extensions), "v2": make_schema()},
        lifecycles={"v1": lifecycle},
        today=lambda: TODAY,
    )
    return TestClient(app)


def test_deprecated_version_carries_the_headers_on_every_response() -> None:
    lifecycle = VersionLifecycle(
        deprecated_on=dt.date(2026, 9, 1), successor="v2", migration_guide="https://docs.example/v2"
    )
    with lifecycle_client(lifecycle) as client:
        for response in (
            client.post("/api/v1/graphql", json={"query": "{ hello }"}),
            client.post("/api/v1/graphql", json={"query": "{ nope }"}),  # a GraphQL error
            client.get("/api/v1/graphql", headers={"Accept": "text/html"}),  # GraphiQL
        ):
            assert response.headers["deprecation"] == deprecation_header(dt.date(2026, 9, 1))
            links = response.headers.get_list("link")
            assert '<https://docs.example/v2>; rel="deprecation"' in ", ".join(links)
            assert '</api/v2/graphql>; rel="successor-version"' in ", ".join(links)
            assert response.headers["warning"] == (
                '299 - "Deprecated API: /api/v1/graphql. Use /api/v2/graphql instead."'
            )
            assert "sunset" not in response.headers
        untouched = client.post("/api/v2/graphql", json={"query": "{ hello }"})
        assert "deprecation" not in untouched.headers


def test_version_in_sunset_warning_says_when_it_goes() -> None:
    lifecycle = VersionLifecycle(deprecated_on=dt.date(2026, 6, 1), sunset_on=dt.date(2026, 12, 6), successor="v2")
    with lifecycle_client(lifecycle) as client:
        response = client.post("/api/v1/graphql", json={"query": "{ hello }"})
    assert response.status_code == 200
    assert response.headers["sunset"] == sunset_header(dt.date(2026, 12, 6))
    assert response.headers["warning"] == '299 - "API will be removed in 15 days on 2026-12-06: /api/v1/graphql"'


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_removed_version_answers_410_gone(method: str) -> None:
    lifecycle = VersionLifecycle(
        deprecated_on=dt.date(2026, 1, 1),
        sunset_on=TODAY,
        successor="v2",
        migration_guide="https://docs.example/v2",
    )
    with lifecycle_client(lifecycle) as client:
        response = client.request(method, "/api/v1/graphql/", json={"query": "{ hello }"})
    assert response.status_code == 410
    assert response.json() == {
        "error": "Gone",
        "message": "This endpoint was removed on 2026-11-21",
        "replacement": "/api/v2/graphql",
        "migration_guide": "https://docs.example/v2",
        "status_code": 410,
    }
    assert '</api/v2/graphql>; rel="successor-version"' in ", ".join(response.headers.get_list("link"))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_other_methods_on_a_served_version_get_405_with_allow(client: TestClient, method: str, slash: str) -> None:
    response = client.request(method, f"/api/v1/graphql{slash}", json={"query": "{ hello }"})
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
    if method != "HEAD":
        body = response.json()
        assert body["status"] == 405 and body["title"] == "Method Not Allowed"
        assert body["allowed_methods"] == ["GET", "POST"]
        assert method in body["detail"] and "/api/v1/graphql" in body["detail"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
def test_an_unknown_version_is_404_whatever_the_method(client: TestClient, method: str) -> None:
    for path in ("/api/v9/graphql", "/api/v9/graphql/"):
        response = client.request(method, path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Unknown API version"
        assert "allow" not in response.headers


def test_405_on_a_deprecated_version_carries_its_lifecycle_headers() -> None:
    lifecycle = VersionLifecycle(deprecated_on=dt.date(2026, 9, 1), successor="v2", migration_guide="/docs/v2")
    with lifecycle_client(lifecycle) as client:
        response = client.delete("/api/v1/graphql")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert response.headers["deprecation"] == deprecation_header(dt.date(2026, 9, 1))
    assert '</docs/v2>; rel="deprecation"' in ", ".join(response.headers.get_list("link"))


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS"])
def test_a_removed_version_is_gone_whatever_the_method(method: str) -> None:
    lifecycle = VersionLifecycle(deprecated_on=dt.date(2026, 1, 1), sunset_on=TODAY, successor="v2")
    with lifecycle_client(lifecycle) as client:
        response = client.request(method, "/api/v1/graphql")
    assert response.status_code == 410
    assert response.json()["error"] == "Gone"
    assert response.headers["warning"] == '299 - "API was removed on 2026-11-21: /api/v1/graphql"'


def test_a_version_lifecycle_with_a_bad_guide_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match='migration_guide: "not a url" is not a migration guide'):
        versioned_app(
            {"v1": make_schema(), "v2": make_schema()},
            lifecycles={"v1": VersionLifecycle(dt.date(2026, 1, 1), successor="v2", migration_guide="not a url")},
        )


def test_removed_version_refuses_websockets() -> None:
    from starlette.websockets import WebSocketDisconnect

    lifecycle = VersionLifecycle(deprecated_on=dt.date(2026, 1, 1), sunset_on=TODAY, successor="v2")
    with lifecycle_client(lifecycle) as client, pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/api/v1/graphql", subprotocols=["graphql-transport-ws"]):
            pass


class EarlierDeprecationHeader(SchemaExtension):
    """Hands the version a field-level record, as the usage extension does: the version renders the headers."""

    def on_execute(self):  # type: ignore[override]
        yield
        scope = self.execution_context.context["request"].scope
        scope[DEPRECATIONS_SCOPE_KEY].append(
            Deprecation("Query.hello", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2027, 1, 1))
        )


def test_version_headers_merge_with_those_the_schema_sets() -> None:
    lifecycle = VersionLifecycle(deprecated_on=dt.date(2026, 9, 1), sunset_on=dt.date(2026, 12, 31), successor="v2")
    with lifecycle_client(lifecycle, EarlierDeprecationHeader) as client:
        response = client.post("/api/v1/graphql", json={"query": "{ hello }"})
    assert response.headers.get_list("deprecation") == [deprecation_header(dt.date(2025, 1, 1))]
    assert response.headers.get_list("sunset") == [sunset_header(dt.date(2026, 12, 31))]


def test_subscriptions_over_websocket(client: TestClient) -> None:
    with client.websocket_connect("/api/v1/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { count(to: 2) }"}})
        assert socket.receive_json()["payload"] == {"data": {"count": 1}}
        assert socket.receive_json()["payload"] == {"data": {"count": 2}}
        assert socket.receive_json()["type"] == "complete"


class StartupAwareFactory:
    """An extension factory that wants to know its endpoint, like ``deprecation_usage``."""

    def __init__(self) -> None:
        self.endpoints: list[str] = []

    def on_app_startup(self, *, schema: strawberry.Schema, endpoint: str) -> None:
        self.endpoints.append(endpoint)

    def __call__(self) -> SchemaExtension:
        return SchemaExtension()


class BrokenStartupFactory(StartupAwareFactory):
    def on_app_startup(self, *, schema: strawberry.Schema, endpoint: str) -> None:
        raise RuntimeError("boom")


def test_lifespan_tells_extension_factories_their_endpoint() -> None:
    v1, v2 = StartupAwareFactory(), StartupAwareFactory()
    app = versioned_app({"v1": make_schema(v1), "v2": make_schema(v2, BrokenStartupFactory())})
    assert v1.endpoints == []
    with TestClient(app) as client:
        assert v1.endpoints == ["/api/v1/graphql"] and v2.endpoints == ["/api/v2/graphql"]
        # A failing hook is logged, and the API still serves.
        assert client.post("/api/v2/graphql", json={"query": "{ hello }"}).status_code == 200


def test_admin_api_is_not_mounted_without_a_token(client: TestClient) -> None:
    assert client.get("/api/admin/deprecations").status_code == 404


def test_admin_token_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="admin_token must not be empty"):
        versioned_app({"v1": make_schema()}, admin_token="")


def test_endpoint_path() -> None:
    assert endpoint_path("v1") == "/api/v1/graphql"
