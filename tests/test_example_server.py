"""The example server: its three schemas, its behaviour, and a real uvicorn process serving it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from example_server.deprecations import DECLARED
from example_server.schemas import SCHEMAS
from tests.server_helpers import example_server_process


def graphql_type(version: str, name: str):
    return SCHEMAS[version]._schema.type_map[name]


def test_v1_declares_the_policys_deprecations() -> None:
    user = graphql_type("v1", "User")
    assert isinstance(user, GraphQLObjectType)
    assert set(user.fields) == {"id", "name", "fullName", "email", "role"}
    assert user.fields["name"].deprecation_reason == "Use fullName instead"
    users = graphql_type("v1", "Query").fields["users"]
    assert set(users.args) >= {"first", "offset", "filter"}
    assert users.args["offset"].deprecation_reason
    role = graphql_type("v1", "Role")
    assert isinstance(role, GraphQLEnumType)
    assert set(role.values) == {"ADMIN", "USER", "GUEST"} and role.values["GUEST"].deprecation_reason
    user_filter = graphql_type("v1", "UserFilter")
    assert isinstance(user_filter, GraphQLInputObjectType)
    assert set(user_filter.fields) == {"role", "legacyGroup"} and user_filter.fields["legacyGroup"].deprecation_reason
    mutation = graphql_type("v1", "Mutation")
    assert mutation.fields["upload_attachment"].deprecation_reason == "Use secure_file_upload"
    assert mutation.fields["secure_file_upload"].deprecation_reason is None


def deprecated_elements(version: str) -> list[str]:
    found = []
    for type_ in SCHEMAS[version]._schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        for name, item in {**getattr(type_, "fields", {}), **getattr(type_, "values", {})}.items():
            if getattr(item, "deprecation_reason", None):
                found.append(f"{type_.name}.{name}")
            for arg_name, arg in getattr(item, "args", {}).items():
                if arg.deprecation_reason:
                    found.append(f"{type_.name}.{name}({arg_name}:)")
    return sorted(found)


def test_v2_and_draft_have_nothing_deprecated() -> None:
    assert deprecated_elements("v1") == [
        "Mutation.upload_attachment",
        "Query.users(offset:)",
        "Role.GUEST",
        "User.name",
        "UserFilter.legacyGroup",
    ]
    assert deprecated_elements("v2") == [] and deprecated_elements("draft") == []


def test_draft_is_v2_plus_one_experimental_field() -> None:
    v2_fields = set(graphql_type("v2", "Query").fields)
    draft_fields = set(graphql_type("draft", "Query").fields)
    assert draft_fields - v2_fields == {"searchUsers"}
    assert SCHEMAS["v2"].as_str() != SCHEMAS["draft"].as_str()
    assert "name:" not in SCHEMAS["v2"].as_str().split("type User")[1].split("}")[0]


def test_the_policy_dates_of_upload_attachment_are_declared() -> None:
    upload = next(record for record in DECLARED if record.coordinate == "Mutation.upload_attachment")
    assert (upload.deprecated_on.isoformat(), upload.sunset_on.isoformat()) == ("2025-09-27", "2026-06-30")
    assert upload.replacement == "secure_file_upload"


def run(version: str, query: str, **variables: object) -> dict:
    result = SCHEMAS[version].execute_sync(query, variable_values=variables)
    assert result.errors is None, result.errors
    return result.data


def test_v1_queries_including_deprecated_elements() -> None:
    data = run("v1", '{ users(first: 2, offset: 1, filter: {legacyGroup: "research"}) { name fullName role } }')
    assert data == {"users": [{"name": "Alan Turing", "fullName": "Alan Turing", "role": "GUEST"}]}
    assert run("v1", "{ users(filter: {role: GUEST}) { id } }") == {"users": [{"id": "4"}]}


def test_v2_pagination_and_roles() -> None:
    assert run("v2", '{ users(first: 1, after: "1") { id fullName } }') == {
        "users": [{"id": "2", "fullName": "Grace Hopper"}]
    }
    # Guests are users in v2.
    assert run("v2", '{ user(id: "4") { role } }') == {"user": {"role": "USER"}}


def test_draft_search() -> None:
    assert run("draft", '{ searchUsers(text: "hopper") { fullName } }') == {"searchUsers": [{"fullName": "Grace Hopper"}]}


def test_secure_file_upload_checks_the_content() -> None:
    content = b"quarterly report"
    mutation = """mutation($input: SecureUploadInput!) {
        secure_file_upload(input: $input) { ownerId filename size sha256 scanned }
    }"""
    good = {
        "userId": "1",
        "filename": "report.txt",
        "contentBase64": base64.b64encode(content).decode(),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    data = run("v2", mutation, input=good)["secure_file_upload"]
    assert data == {"ownerId": "1", "filename": "report.txt", "size": 16, "sha256": good["sha256"], "scanned": True}
    bad = SCHEMAS["v2"].execute_sync(mutation, variable_values={"input": {**good, "sha256": "0" * 64}})
    assert bad.errors and "sha256 does not match" in bad.errors[0].message
    unknown = SCHEMAS["v2"].execute_sync(mutation, variable_values={"input": {**good, "userId": "99"}})
    assert unknown.errors and "no user with id '99'" in unknown.errors[0].message


@pytest.fixture
def uvicorn_server(tmp_path: Path) -> Iterator[str]:
    """The example app in a real uvicorn process on a free 127.0.0.1 port, with its own SQLite store."""
    with example_server_process(tmp_path) as server:
        yield server.base_url


def test_real_uvicorn_serves_v1_and_v2(uvicorn_server: str) -> None:
    with httpx.Client(base_url=uvicorn_server, timeout=10) as client:
        v1 = client.post("/api/v1/graphql", json={"query": '{ user(id: "2") { name fullName } }'})
        assert v1.status_code == 200
        assert v1.json()["data"] == {"user": {"name": "Grace Hopper", "fullName": "Grace Hopper"}}
        v2 = client.get("/api/v2/graphql/", params={"query": '{ user(id: "2") { fullName } }'})
        assert v2.status_code == 200 and v2.json() == {"data": {"user": {"fullName": "Grace Hopper"}}}
        gone_field = client.post("/api/v2/graphql", json={"query": '{ user(id: "2") { name } }'})
        assert "Cannot query field 'name'" in gone_field.json()["errors"][0]["message"]
        unknown = client.get("/api/v3/graphql")
        assert unknown.status_code == 404 and unknown.json()["versions"] == ["v1", "v2", "draft"]
