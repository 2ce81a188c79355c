"""The DeprecationUsageExtension over HTTP and WebSocket: ``versioned_app`` + Starlette's TestClient, a real store."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from gqlevolve import UsageStore, VersionLifecycle, deprecation_usage, versioned_app
from gqlevolve.lifecycle import Status, deprecation_header, sunset_header
from tests.extension_schema import DECLARED, TODAY, build_schema

ENDPOINT = "/api/v1/graphql"
DEPRECATED = {"query": "{ viewer { name } }"}
CLEAN = {"query": "{ viewer { id fullName } }"}


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    store = UsageStore(store_url, migrate=True, handle_shutdown=False)
    yield store
    store.close()


@pytest.fixture
def client(store: UsageStore) -> Iterator[TestClient]:
    usage = deprecation_usage(store=store, declared=DECLARED, today=lambda: TODAY)
    app = versioned_app({"v1": build_schema(usage)}, store=store)
    with TestClient(app) as client:  # runs the lifespan: registration and store.watch
        yield client
    usage.close()


def usage_on_today(store: UsageStore, coordinate: str) -> tuple[int, int]:
    store.flush()
    days = store.daily_usage(ENDPOINT, coordinate, since=TODAY, until=TODAY)
    return (days[0].operations, days[0].total) if days else (0, 0)


def test_a_deprecated_field_gets_the_entry_and_the_headers(client: TestClient) -> None:
    response = client.post(ENDPOINT, json=DEPRECATED)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"viewer": {"name": "Ada Lovelace"}}
    assert body["extensions"]["deprecations"][0]["coordinate"] == "User.name"
    assert response.headers["deprecation"] == "@1768435200"  # 2026-01-15T00:00:00Z
    assert response.headers["sunset"] == "Tue, 15 Dec 2026 00:00:00 GMT"
    assert response.headers.get_list("link") == ['<https://docs.example.org/migrations/full-name>; rel="deprecation"']
    assert response.headers.get_list("warning") == ['299 - "API will be removed in 24 days on 2026-12-15: User.name"']
    assert response.headers["x-deprecated-replacement"] == "fullName"


def test_the_earliest_dates_and_one_link_per_guide(client: TestClient, store: UsageStore) -> None:
    store.update_deprecation(
        ENDPOINT, "Query.users(offset:)",
        {"deprecated_on": "2025-01-01", "migration_guide": "https://docs.example.org/migrations/after"},
        actor="platform",
    )
    store_refresh(client)
    response = client.post(ENDPOINT, json={"query": "{ viewer { name } users(offset: 1) { id } }"})
    assert response.headers["deprecation"] == "@1735689600"  # 2025-01-01, the earlier of the two
    assert response.headers.get_list("deprecation") == ["@1735689600"]
    assert sorted(response.headers.get_list("link")) == [
        '<https://docs.example.org/migrations/after>; rel="deprecation"',
        '<https://docs.example.org/migrations/full-name>; rel="deprecation"',
    ]
    assert len(response.headers.get_list("warning")) == 2


def test_a_deprecated_version_renders_its_record_and_the_operations_at_once(store: UsageStore) -> None:
    usage = deprecation_usage(store=store, declared=DECLARED, today=lambda: TODAY)
    lifecycle = VersionLifecycle(
        deprecated_on=dt.date(2026, 9, 1), sunset_on=dt.date(2027, 3, 1), migration_guide="/docs/leaving-v1"
    )
    app = versioned_app({"v1": build_schema(usage)}, store=store, lifecycles={"v1": lifecycle}, today=lambda: TODAY)
    with TestClient(app) as client:
        used = client.post(ENDPOINT, json=DEPRECATED)
        clean = client.post(ENDPOINT, json=CLEAN)
    usage.close()
    # One Deprecation and one Sunset: the earliest of the version's record (2026-09-01, 2027-03-01) and User.name's.
    assert used.headers.get_list("deprecation") == [deprecation_header(dt.date(2026, 1, 15))]
    assert used.headers.get_list("sunset") == [sunset_header(dt.date(2026, 12, 15))]
    assert used.headers.get_list("warning") == [
        '299 - "Deprecated API: /api/v1/graphql"',
        '299 - "API will be removed in 24 days on 2026-12-15: User.name"',
    ]
    assert used.headers.get_list("link") == [
        '</docs/leaving-v1>; rel="deprecation"',
        '<https://docs.example.org/migrations/full-name>; rel="deprecation"',
    ]
    assert clean.headers.get_list("deprecation") == [deprecation_header(dt.date(2026, 9, 1))]
    assert clean.headers.get_list("warning") == ['299 - "Deprecated API: /api/v1/graphql"']


def store_refresh(client: TestClient) -> None:
    """Make the app's extension read the records now instead of waiting for its refresh thread."""
    for schema in client.app.state.schemas.values():
        for extension in schema.extensions:
            extension.refresh()


def test_nothing_is_added_to_a_clean_operation(client: TestClient) -> None:
    response = client.post(ENDPOINT, json=CLEAN)
    assert "extensions" not in response.json()
    for header in ("deprecation", "sunset", "link", "warning"):
        assert header not in response.headers


def test_the_recording_path(client: TestClient, store: UsageStore) -> None:
    client.post(ENDPOINT, json=DEPRECATED)
    client.post(ENDPOINT + "/", json=DEPRECATED, headers={"apollographql-client-name": "web"})
    client.get(ENDPOINT, params=CLEAN)
    assert usage_on_today(store, "User.name") == (2, 3)
    assert {client.name for client in store.clients(ENDPOINT, "User.name")} == {None, "web"}


@pytest.mark.parametrize("prefix", ["apollographql-client", "x-apollographql-client", "graphql-client", "x-graphql-client"])
def test_client_identified_from_each_header(client: TestClient, store: UsageStore, prefix: str) -> None:
    client.post(ENDPOINT, json=DEPRECATED, headers={f"{prefix}-name": "ios-app", f"{prefix}-version": "4.2.0"})
    store.flush()
    [found] = store.clients(ENDPOINT, "User.name", since=TODAY, until=TODAY)
    assert (found.name, found.version, found.operations) == ("ios-app", "4.2.0", 1)


def test_apollo_headers_win_over_generic_ones(client: TestClient, store: UsageStore) -> None:
    client.post(
        ENDPOINT, json=DEPRECATED,
        headers={"graphql-client-name": "generic", "apollographql-client-name": "apollo", "graphql-client-version": "1"},
    )
    store.flush()
    [found] = store.clients(ENDPOINT, "User.name")
    assert (found.name, found.version) == ("apollo", "1")


def test_no_client_header_is_an_unknown_client(client: TestClient, store: UsageStore) -> None:
    client.post(ENDPOINT, json=DEPRECATED)
    store.flush()
    [found] = store.clients(ENDPOINT, "User.name")
    assert (found.name, found.version) == (None, None)


def test_removed_is_a_gone_error_and_still_counted(client: TestClient, store: UsageStore) -> None:
    response = client.post(ENDPOINT, json={"query": 'mutation { upload_attachment(filename: "a") }'})
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "GONE"
    assert body["errors"][0]["extensions"]["replacement"] == "secure_file_upload"
    assert response.headers["sunset"] == "Tue, 30 Jun 2026 00:00:00 GMT"
    assert usage_on_today(store, "Mutation.upload_attachment") == (1, 1)


def test_rollback_through_the_store_makes_it_work_again(client: TestClient, store: UsageStore) -> None:
    mutation = {"query": 'mutation { upload_attachment(filename: "a") }'}
    assert client.post(ENDPOINT, json=mutation).json()["errors"]
    store.update_deprecation(
        ENDPOINT, "Mutation.upload_attachment", {"status_override": Status.SUNSET_WARNING}, actor="platform", why="rollback"
    )
    store_refresh(client)
    body = client.post(ENDPOINT, json=mutation).json()
    assert "errors" not in body
    assert body["data"] == {"upload_attachment": True}


def test_introspection_and_invalid_operations_are_not_counted(client: TestClient, store: UsageStore) -> None:
    client.post(ENDPOINT, json={"query": "{ __schema { types { name } } }"})
    client.post(ENDPOINT, json={"query": "{ viewer { name "})
    client.post(ENDPOINT, json={"query": "{ viewer { nope } }"})
    client.post(ENDPOINT, json=CLEAN)
    assert usage_on_today(store, "User.name") == (0, 1)


def test_a_subscription_over_websocket_gets_the_entry(client: TestClient, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="gqlevolve"):
        with client.websocket_connect(ENDPOINT, subprotocols=["graphql-transport-ws"]) as socket:
            socket.send_json({"type": "connection_init"})
            assert socket.receive_json()["type"] == "connection_ack"
            socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { legacyTicks(count: 2) }"}})
            first, second = socket.receive_json(), socket.receive_json()
            assert socket.receive_json() == {"id": "1", "type": "complete"}
    for message, tick in ((first, 0), (second, 1)):
        assert message["type"] == "next"
        assert message["payload"]["data"] == {"legacyTicks": tick}
        assert message["payload"]["extensions"]["deprecations"][0]["coordinate"] == "Subscription.legacyTicks"
    assert caplog.text == ""  # no headers to set on a socket, and no error for trying


def test_a_removed_subscription_is_gone_over_websocket(client: TestClient, store: UsageStore) -> None:
    store.update_deprecation(ENDPOINT, "Subscription.legacyTicks", {"status_override": "removed"}, actor="platform")
    store_refresh(client)
    with client.websocket_connect(ENDPOINT, subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        socket.receive_json()
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { legacyTicks }"}})
        message = socket.receive_json()
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "GONE"
