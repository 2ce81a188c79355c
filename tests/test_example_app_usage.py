"""The wired example app: every version counts into its store, v1 warns about its deprecations, removed is gone."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from gqlevolve.clock import FixedClock

V1 = "/api/v1/graphql"
V2 = "/api/v2/graphql"


#: The day these tests run on: after ``upload_attachment``'s sunset (2026-06-30), before any other.
TODAY = dt.date(2026, 11, 21)


@pytest.fixture
def example(sqlite_url: str) -> Iterator[tuple[TestClient, object]]:
    from example_server.app import create_app

    server = create_app(sqlite_url, clock=FixedClock(TODAY))
    with TestClient(server.app) as client:
        yield client, server.store
    server.usage.close()


def test_v1_tells_the_client_about_user_name(example) -> None:
    client, _ = example
    response = client.post(V1, json={"query": '{ user(id: "2") { name fullName } }'})
    body = response.json()
    assert body["data"] == {"user": {"name": "Grace Hopper", "fullName": "Grace Hopper"}}
    [entry] = body["extensions"]["deprecations"]
    assert entry["coordinate"] == "User.name"
    assert entry["replacement"] == "fullName"
    assert entry["migrationGuide"] == "https://docs.youtility.in/migrations/user-full-name"
    assert response.headers["link"] == '<https://docs.youtility.in/migrations/user-full-name>; rel="deprecation"'
    assert response.headers["warning"].startswith("299 - ")


def test_upload_attachment_is_gone_and_counted(example) -> None:
    client, store = example
    response = client.post(
        V1, json={"query": 'mutation { upload_attachment(userId: "1", filename: "a.txt", content: "hi") { id } }'},
        headers={"apollographql-client-name": "android", "apollographql-client-version": "3.9.0"},
    )
    body = response.json()
    assert body["data"] is None
    gone = body["errors"][0]["extensions"]
    assert (gone["code"], gone["replacement"], gone["removed_on"]) == ("GONE", "secure_file_upload", "2026-06-30")
    assert gone["migration_guide"] == "https://docs.youtility.in/migrations/secure-file-upload"
    store.flush()
    [client_usage] = store.clients(V1, "Mutation.upload_attachment")
    assert (client_usage.name, client_usage.version, client_usage.operations) == ("android", "3.9.0", 1)


def test_every_version_counts_and_is_registered(example) -> None:
    client, store = example
    client.post(V2, json={"query": '{ user(id: "2") { fullName } }'})
    client.get(V1, params={"query": '{ users(offset: 1) { fullName } }'})
    store.flush()
    assert set(store.endpoints()) >= {V1, V2, "/api/draft/graphql"}  # watched from start-up
    assert sum(day.total for day in store.daily_usage(V2, "User.name", since=TODAY)) == 1
    assert [day.operations for day in store.daily_usage(V1, "Query.users(offset:)", since=TODAY)] == [1]
    declared = {stored.record.coordinate: stored.record for stored in store.deprecations(V1)}
    assert declared["Mutation.upload_attachment"].deprecated_on == dt.date(2025, 9, 27)
    assert set(declared) == {
        "Mutation.upload_attachment", "Query.users(offset:)", "Role.GUEST", "User.name", "UserFilter.legacyGroup",
    }
    assert store.deprecations(V2) == []


def test_admin_api_is_mounted_with_a_token_from_the_environment(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GQLEVOLVE_DB", sqlite_url)
    monkeypatch.setenv("GQLEVOLVE_ADMIN_TOKEN", "s3cret")
    import example_server.app

    module = importlib.reload(example_server.app)
    try:
        with TestClient(module.app) as client:
            assert client.get("/api/admin/deprecations?endpoint=v1").status_code == 401
            answer = client.get("/api/admin/deprecations?endpoint=v1", headers={"Authorization": "Bearer s3cret"})
            assert answer.status_code == 200
            assert "Mutation.upload_attachment" in answer.text
    finally:
        module.usage.close()
        monkeypatch.delenv("GQLEVOLVE_ADMIN_TOKEN")
        importlib.reload(example_server.app).usage.close()
