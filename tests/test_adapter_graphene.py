"""The Graphene adapter: a Graphene 3 schema served by the Starlette app of docs/integrations/graphene.md, through
Starlette's TestClient, a real store (SQLite and PostgreSQL).

Graphene 3 needs graphql-core 3.2, Strawberry 3.3: these tests run in ``.venv-graphene`` (``make test-graphene``)
and skip in the main environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

graphene = pytest.importorskip(
    "graphene", reason="Graphene 3 needs graphql-core 3.2 (Strawberry: 3.3): run `make test-graphene` (.venv-graphene)"
)

from starlette.applications import Starlette  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from gqlevolve.adapters.graphene import DeprecationHeaders, GrapheneUsage, deprecation_usage  # noqa: E402
from gqlevolve.clock import FixedClock  # noqa: E402
from gqlevolve.graphql_compat import GRAPHQL_CORE_VERSION  # noqa: E402
from gqlevolve.lifecycle import Status  # noqa: E402
from gqlevolve.usage_store import UsageStore  # noqa: E402
from tests.adapter_schema import ADA, ENDPOINT, EVERY_KIND, EVERY_KIND_FOUND, TODAY, counted, declare  # noqa: E402
from tests.integrations_docs import run_snippet, snippets  # noqa: E402

DEPRECATED = {"query": "{ viewer { name } }"}
CLEAN = {"query": "{ viewer { id fullName } }"}
UPLOAD = {"query": 'mutation { upload_attachment(filename: "a.txt") }'}

UPLOADS: list[str] = []


class Role(graphene.Enum):
    ADMIN = "admin"
    USER = "user"
    GUEST = "guest"

    @property
    def deprecation_reason(self) -> str | None:
        return "Guests are users now" if self == Role.GUEST else None


class UserFilter(graphene.InputObjectType):
    role = Role()
    legacy_group = graphene.String(deprecation_reason="Groups were replaced by roles")


class User(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True, deprecation_reason="Use fullName instead")
    full_name = graphene.String(required=True)


class Query(graphene.ObjectType):
    viewer = graphene.Field(User, required=True)
    users = graphene.List(
        graphene.NonNull(User), required=True,
        offset=graphene.Int(deprecation_reason="Use after"), filter=UserFilter(),
    )

    def resolve_viewer(root: Any, info: Any) -> User:
        return User(id=ADA["id"], name=ADA["name"], full_name=ADA["fullName"])

    def resolve_users(root: Any, info: Any, **_: Any) -> list[User]:
        return [User(id=ADA["id"], name=ADA["name"], full_name=ADA["fullName"])]


class UploadAttachment(graphene.Mutation):
    class Arguments:
        filename = graphene.String(required=True)

    Output = graphene.Boolean

    def mutate(root: Any, info: Any, filename: str) -> bool:
        UPLOADS.append(filename)
        return True


class Mutation(graphene.ObjectType):
    upload_attachment = UploadAttachment.Field(name="upload_attachment", deprecation_reason="Use secure_file_upload")
    secure_file_upload = UploadAttachment.Field(name="secure_file_upload")


SCHEMA = graphene.Schema(query=Query, mutation=Mutation)


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    UPLOADS.clear()
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        declare(store)
        declare(store, "/graphql")  # the path of the docs' app
        yield store


@pytest.fixture
def served(store: UsageStore) -> Iterator[tuple[TestClient, GrapheneUsage]]:
    namespace = run_snippet("graphene", 0, schema=SCHEMA, store=store)
    usage = namespace["usage"]
    usage.start(SCHEMA, endpoint="/graphql")  # the store's records from the first request on
    yield TestClient(namespace["app"]), usage
    usage.close()


@pytest.fixture
def client(served: tuple[TestClient, GrapheneUsage]) -> TestClient:
    return served[0]


def coordinates(response: Any) -> list[str]:
    return [entry["coordinate"] for entry in response.json().get("extensions", {}).get("deprecations", [])]


def test_runs_on_graphql_core_3_2() -> None:
    assert GRAPHQL_CORE_VERSION[:2] == (3, 2)


def test_the_schema_is_the_same_as_the_other_adapters() -> None:
    from graphql import build_schema

    from gqlevolve.coordinates import deprecated_elements
    from tests.adapter_schema import SDL

    assert deprecated_elements(SCHEMA.graphql_schema) == deprecated_elements(build_schema(SDL))


def test_a_deprecated_field_gets_the_entry_and_the_headers(client: TestClient) -> None:
    response = client.post("/graphql", json=DEPRECATED)
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
    assert response.headers["deprecation"] == "@1768435200"
    assert response.headers["sunset"] == "Tue, 15 Dec 2026 00:00:00 GMT"
    assert response.headers.get_list("link") == ['<https://docs.example.org/migrations/full-name>; rel="deprecation"']
    assert response.headers.get_list("warning") == ['299 - "API will be removed in 24 days on 2026-12-15: User.name"']
    assert response.headers["x-deprecated-replacement"] == "fullName"


def test_several_elements_keep_one_header_line_per_value(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ viewer { name } users(offset: 1) { id } }"})
    assert coordinates(response) == ["Query.users(offset:)", "User.name"]
    assert response.headers.get_list("deprecation") == ["@1768435200"]
    assert len(response.headers.get_list("warning")) == 2


def test_nothing_is_added_to_a_clean_operation(client: TestClient) -> None:
    response = client.post("/graphql", json=CLEAN)
    assert response.json() == {"data": {"viewer": {"id": "1", "fullName": "Ada Lovelace"}}}
    for header in ("deprecation", "sunset", "link", "warning"):
        assert header not in response.headers


def test_counts_per_endpoint_and_client(client: TestClient, store: UsageStore) -> None:
    client.post("/graphql", json=DEPRECATED)
    client.post("/graphql", json=DEPRECATED, headers={"apollographql-client-name": "web", "apollographql-client-version": "1.4"})
    client.post("/graphql", json=CLEAN, headers={"graphql-client-name": "ios"})
    assert counted(store, "User.name", "/graphql") == (2, 3)
    assert {(found.name, found.version, found.operations) for found in store.clients("/graphql", "User.name")} == {
        (None, None, 1),
        ("web", "1.4", 1),
    }


def test_fragments_aliases_variables_enum_values_and_input_fields(client: TestClient, store: UsageStore) -> None:
    response = client.post("/graphql", json={"query": EVERY_KIND, "variables": {"filter": {"legacyGroup": "x"}}})
    assert response.json()["data"]["me"] == {"name": "Ada Lovelace"}
    assert coordinates(response) == EVERY_KIND_FOUND
    clean = client.post("/graphql", json={"query": "query($f: UserFilter) { users(filter: $f) { id } }", "variables": {"f": {"role": "ADMIN"}}})
    assert coordinates(clean) == []
    assert counted(store, "UserFilter.legacyGroup", "/graphql") == (1, 2)
    assert counted(store, "Role.GUEST", "/graphql") == (1, 2)


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
    client.post("/graphql", json=CLEAN)
    response = client.post("/graphql", json=payload)
    assert response.json()["errors"]
    assert "extensions" not in response.json()
    assert "deprecation" not in response.headers
    assert counted(store, "User.name", "/graphql") == (0, 1)


def test_removed_is_gone_not_executed_and_still_counted(client: TestClient, store: UsageStore) -> None:
    response = client.post("/graphql", json=UPLOAD)
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Mutation.upload_attachment was removed on 2026-06-30"
    assert error["extensions"]["code"] == "GONE"
    assert error["extensions"]["replacement"] == "secure_file_upload"
    assert body["extensions"]["deprecations"][0]["status"] == "removed"
    assert response.headers["sunset"] == "Tue, 30 Jun 2026 00:00:00 GMT"
    assert UPLOADS == []
    assert counted(store, "Mutation.upload_attachment", "/graphql") == (1, 1)


def test_the_preview_header_refuses_a_deprecated_element_and_counts_it_apart(client: TestClient, store: UsageStore) -> None:
    """``GraphQL-Deprecations: reject``: the client's own test of the schema to come (docs/enforcement.md)."""
    response = client.post("/graphql", json=DEPRECATED, headers={"GraphQL-Deprecations": "reject"})
    assert response.json()["data"] is None
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GONE" and error["extensions"]["refused"] == "preview"
    assert counted(store, "User.name", "/graphql") == (0, 1)  # an operation, but a client testing itself is not usage
    assert client.post("/graphql", json=DEPRECATED).json()["data"] == {"viewer": {"name": "Ada Lovelace"}}


def test_a_rollback_through_the_store_makes_it_work_again(
    client: TestClient, served: tuple[TestClient, GrapheneUsage], store: UsageStore
) -> None:
    assert client.post("/graphql", json=UPLOAD).json()["errors"][0]["extensions"]["code"] == "GONE"
    store.update_deprecation(
        "/graphql", "Mutation.upload_attachment", {"status_override": Status.SUNSET_WARNING}, actor="platform", why="rollback"
    )
    served[1].refresh()
    response = client.post("/graphql", json=UPLOAD)
    assert response.json()["data"] == {"upload_attachment": True}
    assert UPLOADS == ["a.txt"]


def test_sync_execution_in_a_thread_pool_reads_the_same_request(store: UsageStore) -> None:
    usage = deprecation_usage(store=store)
    usage.start(SCHEMA.graphql_schema, endpoint=ENDPOINT)

    async def graphql(request: Any) -> JSONResponse:
        body = await request.json()
        result = await run_in_threadpool(
            SCHEMA.execute, body["query"], context_value={"request": request},
            execution_context_class=usage.execution_context_class,
        )
        return JSONResponse(result.formatted)

    app = DeprecationHeaders(Starlette(routes=[Route(ENDPOINT, graphql, methods=["POST"])]))
    response = TestClient(app).post(ENDPOINT, json=DEPRECATED, headers={"graphql-client-name": "worker"})
    usage.close()
    assert coordinates(response) == ["User.name"]
    assert response.headers["deprecation"] == "@1768435200"  # the store's records (declared for ENDPOINT)
    store.flush()
    assert [found.name for found in store.clients(ENDPOINT, "User.name")] == ["worker"]


def test_without_http_it_counts_at_the_configured_endpoint(store: UsageStore) -> None:
    namespace = run_snippet("graphene", 1, schema=SCHEMA, store=store)
    namespace["usage"].close()
    result = namespace["result"]
    assert result.data == {"viewer": {"name": "Ada Lovelace"}}
    assert result.extensions["deprecations"][0]["coordinate"] == "User.name"
    assert counted(store, "User.name", "/batch") == (1, 1)
    [found] = store.clients("/batch", "User.name")
    assert found.name is None


def test_every_snippet_of_the_page_is_run_here() -> None:
    assert len(snippets("graphene")) == 2  # the app (the fixture ``served``) and the script


def test_one_execution_context_class_per_adapter(store: UsageStore) -> None:
    usage = deprecation_usage(store=store)
    assert usage.execution_context_class is usage.execution_context_class
    assert deprecation_usage(store=store).execution_context_class is not usage.execution_context_class


def test_behind_starlette_graphene3_counts_headers_and_gone_but_no_extensions(store: UsageStore) -> None:
    """The archived GraphQLApp (docs/integrations/graphene.md says why the docs' app is not it): it takes the
    execution context class, and the middleware wraps it; it answers ``data`` and ``errors`` only."""
    from starlette_graphene3 import GraphQLApp

    usage = deprecation_usage(store=store)
    usage.start(SCHEMA.graphql_schema, endpoint=ENDPOINT)
    app = DeprecationHeaders(GraphQLApp(SCHEMA, execution_context_class=usage.execution_context_class))
    client = TestClient(app)
    used = client.post(ENDPOINT, json=DEPRECATED, headers={"graphql-client-name": "web"})
    gone = client.post(ENDPOINT, json=UPLOAD)
    usage.close()
    assert used.json() == {"data": {"viewer": {"name": "Ada Lovelace"}}}  # no extensions: GraphQLApp drops them
    assert used.headers["deprecation"] == "@1768435200"
    assert gone.json()["errors"][0]["extensions"]["code"] == "GONE" and UPLOADS == []
    assert counted(store, "User.name") == (1, 2)
    assert [found.name for found in store.clients(ENDPOINT, "User.name")] == ["web"]
