"""The admin API's consumers and delivery log (``/api/admin/consumers``, ``/api/admin/notices``) through
``versioned_app`` and Starlette's TestClient, on a real store: the token, problem+json, secrets masked, log lines."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
import strawberry
from starlette.testclient import TestClient

from gqlevolve import UsageStore, versioned_app
from gqlevolve.clock import FixedClock
from gqlevolve.notices import NoticeSettings, notify
from tests.notices_helpers import Receiver

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "admin-shared-secret-0123456789"
DAY = dt.date(2025, 3, 3)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY)) as store:
        yield store


@pytest.fixture
def client(store: UsageStore) -> TestClient:
    return TestClient(versioned_app({"v1": strawberry.Schema(Query)}, store=store, admin_token=TOKEN))


def test_consumers_are_added_listed_and_removed_with_secrets_masked(client, caplog):
    caplog.set_level(logging.INFO, logger="gqlevolve.admin_api")
    body = {"client": "web", "emails": ["web@example.com"], "webhook_url": "https://hooks.example/gql",
            "webhook_secret": SECRET, "actor": "alice", "reason": "web team's contacts"}
    added = client.post("/api/admin/consumers", json=body, headers=AUTH)
    assert added.status_code == 200, added.text
    assert added.json()["webhook_secret"] == "adm…(30 characters)" and SECRET not in added.text
    listed = client.get("/api/admin/consumers", headers=AUTH)
    assert [item["client_name"] for item in listed.json()] == ["web"] and SECRET not in listed.text
    assert any("by \"alice\": \"web team's contacts\"" in record.getMessage() for record in caplog.records)

    again = client.post("/api/admin/consumers", json=body, headers=AUTH)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    replaced = client.post("/api/admin/consumers", json={**body, "emails": ["new@example.com"], "replace": True}, headers=AUTH)
    assert replaced.status_code == 200 and replaced.json()["emails"] == ["new@example.com"]

    removed = client.post("/api/admin/consumers/web/delete", json={"reason": "team gone"}, headers=AUTH)
    assert removed.status_code == 200 and removed.json()["client_name"] == "web"
    assert client.get("/api/admin/consumers", headers=AUTH).json() == []
    missing = client.post("/api/admin/consumers/web/delete", json={}, headers=AUTH)
    assert missing.status_code == 404 and missing.json()["detail"] == 'no consumer for client "web"'


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"client": "web", "emails": "web@example.com"}, "emails", "emails: expected a list of addresses"),
        ({"client": "web", "emails": ["web@"]}, "email", 'email: "web@" is not an email address'),
        ({"client": "web", "webhook_url": "https://hooks.example/x"}, "webhook_secret", "webhook_secret: a webhook needs"),
        ({"client": "web", "slack_url": "javascript:alert(1)"}, "slack_url", 'slack_url: "javascript:alert(1)" is not'),
        ({"client": "", "emails": ["web@example.com"]}, "client", 'client: expected a client name, not ""'),
        ({"client": "web", "emails": ["a@example.com"], "replace": "yes"}, "replace", "replace: expected true or false"),
    ],
)
def test_bad_consumers_are_400_problems(client, body, field, detail):
    response = client.post("/api/admin/consumers", json=body, headers=AUTH)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field and response.json()["detail"].startswith(detail)


def test_the_routes_need_the_token(client):
    assert client.get("/api/admin/consumers").status_code == 401
    assert client.post("/api/admin/consumers", json={"client": "web", "emails": ["a@example.com"]}).status_code == 401
    assert client.get("/api/admin/notices", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_the_delivery_log_is_readable_by_status(client, store):
    store.update_deprecation("/api/v1/graphql", "Query.hello", {"deprecated_on": DAY, "sunset_on": DAY + dt.timedelta(days=120)},
                             actor="test", create=True)
    for name in ("web", "ios"):
        store.record_operation("/api/v1/graphql", {"Query.hello"}, client_name=name, client_version="1.0", count=3)
    with Receiver(SECRET, script=[404]) as receiver:
        for name in ("ios", "web"):  # ios first: its webhook gets the 404
            response = client.post(
                "/api/admin/consumers",
                json={"client": name, "webhook_url": f"{receiver.url}?c={name}", "webhook_secret": SECRET}, headers=AUTH,
            )
            assert response.status_code == 200, response.text
        notify(store, NoticeSettings(retries=1, backoff=0))
    everything = client.get("/api/admin/notices", headers=AUTH).json()
    assert sorted((item["recipient"], item["status"]) for item in everything) == [("ios", "abandoned"), ("web", "sent")]
    failed = client.get("/api/admin/notices", params={"status": "abandoned"}, headers=AUTH).json()
    assert [(item["recipient"], item["status_code"], item["target"]) for item in failed] == [("ios", 404, receiver.url)]
    assert client.get("/api/admin/notices", params={"limit": "1"}, headers=AUTH).json().__len__() == 1
    bad = client.get("/api/admin/notices", params={"status": "lost"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    assert client.get("/api/admin/notices", params={"limit": "0"}, headers=AUTH).status_code == 400
