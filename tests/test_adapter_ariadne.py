"""The Ariadne adapter through Ariadne's own ASGI app and Starlette's TestClient, a real store (SQLite and PostgreSQL).

The app is the snippet of docs/integrations/ariadne.md (:mod:`tests.integrations_docs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ariadne import MutationType, QueryType, graphql, make_executable_schema
from ariadne.types import Extension
from graphql import GraphQLSchema
from starlette.testclient import TestClient

from gqlevolve.adapters.ariadne import AriadneUsage, deprecation_usage
from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import Status
from gqlevolve.usage_store import UsageStore
from tests.adapter_schema import ADA, ENDPOINT, EVERY_KIND, EVERY_KIND_FOUND, SDL, TODAY, counted, declare
from tests.integrations_docs import run_snippet, snippets

DEPRECATED = {"query": "{ viewer { name } }"}
CLEAN = {"query": "{ viewer { id fullName } }"}
UPLOAD = {"query": 'mutation { upload_attachment(filename: "a.txt") }'}


def build_schema(uploads: list[str] | None = None) -> GraphQLSchema:
    query, mutation = QueryType(), MutationType()
    query.set_field("viewer", lambda *_: ADA)
    query.set_field("users", lambda *_, **__: [ADA])

    def upload(_: Any, __: Any, filename: str) -> bool:
        if uploads is not None:
            uploads.append(filename)
        return True

    mutation.set_field("upload_attachment", upload)
    mutation.set_field("secure_file_upload", upload)
    return make_executable_schema(SDL, query, mutation)


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        declare(store)
        yield store


@pytest.fixture
def uploads() -> list[str]:
    return []


@pytest.fixture
def served(store: UsageStore, uploads: list[str]) -> Iterator[tuple[TestClient, AriadneUsage]]:
    namespace = run_snippet("ariadne", 0, schema=build_schema(uploads), store=store)
    namespace["usage"].start(endpoint=ENDPOINT)  # the store's records from the first request on
    # Not `with TestClient(...)`: Ariadne's app answers no lifespan events (nothing to start: the first request
    # registers the endpoint's records)
    yield TestClient(namespace["app"]), namespace["usage"]
    namespace["usage"].close()


@pytest.fixture
def client(served: tuple[TestClient, AriadneUsage]) -> TestClient:
    return served[0]


def coordinates(response: Any) -> list[str]:
    return [entry["coordinate"] for entry in response.json().get("extensions", {}).get("deprecations", [])]


def test_a_deprecated_field_gets_the_entry_and_the_headers(client: TestClient) -> None:
    response = client.post(ENDPOINT, json=DEPRECATED)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"viewer": {"name": "Ada Lovelace"}}
    assert body["extensions"]["deprecations"] == [
        {
            "coordinate": "User.name",
            "reason": "Use fullName instead",
            "status": "sunset_warning",
            "deprecatedOn": "2026-01-15",
            "sunsetOn": "2026-12-15",
            "replacement": "fullName",
            "migrationGuide": "https://docs.example.org/migrations/full-name",
        }
    ]
    assert response.headers["deprecation"] == "@1768435200"  # 2026-01-15T00:00:00Z
    assert response.headers["sunset"] == "Tue, 15 Dec 2026 00:00:00 GMT"
    assert response.headers.get_list("link") == ['<https://docs.example.org/migrations/full-name>; rel="deprecation"']
    assert response.headers.get_list("warning") == ['299 - "API will be removed in 24 days on 2026-12-15: User.name"']
    assert response.headers["x-deprecated-replacement"] == "fullName"


def test_several_elements_keep_one_header_line_per_value(client: TestClient) -> None:
    response = client.post(ENDPOINT, json={"query": "{ viewer { name } users(offset: 1) { id } }"})
    assert coordinates(response) == ["Query.users(offset:)", "User.name"]
    assert response.headers.get_list("deprecation") == ["@1768435200"]  # the earliest, once
    assert len(response.headers.get_list("warning")) == 2


def test_nothing_is_added_to_a_clean_operation(client: TestClient) -> None:
    response = client.post(ENDPOINT, json=CLEAN)
    assert response.json() == {"data": {"viewer": {"id": "1", "fullName": "Ada Lovelace"}}}
    for header in ("deprecation", "sunset", "link", "warning"):
        assert header not in response.headers


def test_counts_per_endpoint_without_its_trailing_slash_and_client(client: TestClient, store: UsageStore) -> None:
    client.post(ENDPOINT, json=DEPRECATED)
    client.post(ENDPOINT + "/", json=DEPRECATED, headers={"apollographql-client-name": "web", "apollographql-client-version": "1.4"})
    client.post(ENDPOINT, json=CLEAN, headers={"x-graphql-client-name": "ios"})
    assert counted(store, "User.name") == (2, 3)
    assert {(found.name, found.version, found.operations) for found in store.clients(ENDPOINT, "User.name")} == {
        (None, None, 1),
        ("web", "1.4", 1),
    }
    assert ENDPOINT + "/" not in store.endpoints()


def test_another_path_is_another_endpoint(client: TestClient, store: UsageStore) -> None:
    client.post("/graphql", json=DEPRECATED)
    assert counted(store, "User.name", "/graphql") == (1, 1)
    assert counted(store, "User.name") == (0, 0)


def test_fragments_aliases_variables_enum_values_and_input_fields(client: TestClient, store: UsageStore) -> None:
    response = client.post(ENDPOINT, json={"query": EVERY_KIND, "variables": {"filter": {"legacyGroup": "x"}}})
    assert response.json()["data"]["me"] == {"name": "Ada Lovelace"}
    assert coordinates(response) == EVERY_KIND_FOUND
    clean = client.post(ENDPOINT, json={"query": "query($f: UserFilter) { users(filter: $f) { id } }", "variables": {"f": {"role": "ADMIN"}}})
    assert coordinates(clean) == []
    assert counted(store, "UserFilter.legacyGroup") == (1, 2)
    assert counted(store, "Role.GUEST") == (1, 2)


def test_only_the_operation_executed_counts(client: TestClient, store: UsageStore) -> None:
    document = "query A { viewer { name } } query B { viewer { id } }"
    assert coordinates(client.post(ENDPOINT, json={"query": document, "operationName": "B"})) == []
    assert coordinates(client.post(ENDPOINT, json={"query": document, "operationName": "A"})) == ["User.name"]
    assert counted(store, "User.name") == (1, 2)


@pytest.mark.parametrize(
    "payload",
    [
        {"query": "{ viewer { name "},
        {"query": "{ viewer { name nope } }"},
        {"query": "query($f: UserFilter) { users(filter: $f) { name } }", "variables": {"f": {"legacyGroup": 3}}},
        {"query": "query($f: UserFilter) { users(filter: $f) { name } }", "variables": {"f": {"nope": 1}}},
    ],
    ids=["parse error", "unknown field", "variable of the wrong type", "unknown input field"],
)
def test_operations_that_do_not_run_are_not_counted(client: TestClient, store: UsageStore, payload: dict) -> None:
    client.post(ENDPOINT, json=CLEAN)
    response = client.post(ENDPOINT, json=payload)
    assert response.json()["errors"]
    assert "extensions" not in response.json()
    assert "deprecation" not in response.headers
    assert counted(store, "User.name") == (0, 1)


def test_introspection_is_not_counted(client: TestClient, store: UsageStore) -> None:
    client.post(ENDPOINT, json=CLEAN)
    assert client.post(ENDPOINT, json={"query": "{ __schema { queryType { name } } }"}).status_code == 200
    assert counted(store, "User.name") == (0, 1)


def test_removed_is_gone_not_executed_and_still_counted(client: TestClient, store: UsageStore, uploads: list[str]) -> None:
    response = client.post(ENDPOINT, json=UPLOAD)
    body = response.json()
    assert "data" not in body  # Ariadne's answer to an error raised before execution (HTTP 400)
    assert response.status_code == 400
    [error] = body["errors"]
    assert error["message"] == "Mutation.upload_attachment was removed on 2026-06-30"
    assert error["extensions"]["code"] == "GONE"
    assert error["extensions"]["replacement"] == "secure_file_upload"
    assert error["extensions"]["status_code"] == 410
    assert body["extensions"]["deprecations"][0]["status"] == "removed"
    assert response.headers["sunset"] == "Tue, 30 Jun 2026 00:00:00 GMT"
    assert uploads == []
    assert counted(store, "Mutation.upload_attachment") == (1, 1)


def test_the_preview_header_refuses_a_deprecated_element_and_counts_it_apart(client: TestClient, store: UsageStore) -> None:
    """``GraphQL-Deprecations: reject``: the client's own test of the schema to come (docs/enforcement.md)."""
    response = client.post(ENDPOINT, json=DEPRECATED, headers={"GraphQL-Deprecations": "reject", "graphql-client-name": "ci"})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GONE" and error["extensions"]["refused"] == "preview"
    assert counted(store, "User.name") == (0, 1)  # an operation, but a client testing itself is not usage
    assert client.post(ENDPOINT, json=DEPRECATED).json()["data"] == {"viewer": {"name": "Ada Lovelace"}}


def test_a_rollback_through_the_store_makes_it_work_again(
    served: tuple[TestClient, AriadneUsage], store: UsageStore, uploads: list[str]
) -> None:
    client, usage = served
    assert client.post(ENDPOINT, json=UPLOAD).json()["errors"][0]["extensions"]["code"] == "GONE"
    store.update_deprecation(
        ENDPOINT, "Mutation.upload_attachment", {"status_override": Status.SUNSET_WARNING}, actor="platform", why="rollback"
    )
    usage.refresh()
    response = client.post(ENDPOINT, json=UPLOAD)
    assert response.json()["data"] == {"upload_attachment": True}
    assert uploads == ["a.txt"]
    assert response.json()["extensions"]["deprecations"][0]["status"] == "sunset_warning"


def test_a_get_query_is_observed_too(store: UsageStore) -> None:
    usage = deprecation_usage(build_schema(), store=store)
    from ariadne.asgi import GraphQL

    schema = usage.schema
    app = GraphQL(schema, root_value=usage.root_value(), http_handler=usage.http_handler(), execute_get_queries=True)
    response = TestClient(app).get(ENDPOINT, params=DEPRECATED)
    usage.close()
    assert coordinates(response) == ["User.name"]
    assert "warning" in response.headers
    assert counted(store, "User.name") == (1, 1)


def test_a_root_value_and_extensions_of_your_own_keep_working(store: UsageStore) -> None:
    from ariadne.asgi import GraphQL

    seen: list[str] = []

    class Timing(Extension):
        def format(self, context: Any) -> dict[str, Any]:
            seen.append("timing")
            return {"timing": 1}

    query = QueryType()
    query.set_field("viewer", lambda root, *_: root["viewer"])  # from the root value
    schema = make_executable_schema(SDL, query)
    usage = deprecation_usage(schema, store=store)
    app = GraphQL(
        schema,
        root_value=usage.root_value(lambda context, *_: {"viewer": ADA}),
        http_handler=usage.http_handler(extensions=[Timing]),
    )
    response = TestClient(app).post(ENDPOINT, json=DEPRECATED)
    usage.close()
    assert response.json()["data"] == {"viewer": {"name": "Ada Lovelace"}}
    assert set(response.json()["extensions"]) == {"timing", "deprecations"}
    assert seen == ["timing"]


async def test_without_http_it_counts_at_the_configured_endpoint(store: UsageStore) -> None:
    schema = build_schema()
    usage = deprecation_usage(schema, store=store, endpoint="/batch")
    success, result = await graphql(
        schema, DEPRECATED, root_value=usage.root_value(), extensions=[usage.extension]
    )
    usage.close()
    assert success and result["extensions"]["deprecations"][0]["coordinate"] == "User.name"
    store.flush()
    [found] = store.clients("/batch", "User.name")
    assert (found.name, found.operations) == (None, 1)


def test_the_pages_script_snippet(store: UsageStore) -> None:
    namespace = run_snippet("ariadne", 1, schema=build_schema(), store=store)
    namespace["usage"].close()
    assert namespace["success"]
    assert namespace["result"]["extensions"]["deprecations"][0]["coordinate"] == "User.name"
    assert counted(store, "User.name", "/batch") == (1, 1)


def test_every_snippet_of_the_page_is_run_here() -> None:
    assert len(snippets("ariadne")) == 2  # the app (the fixture ``served``) and the script


def test_the_schema_must_be_ariadnes(store: UsageStore) -> None:
    with pytest.raises(TypeError, match="needs the schema Ariadne serves"):
        deprecation_usage("type Query { a: Int }", store=store)  # type: ignore[arg-type]
