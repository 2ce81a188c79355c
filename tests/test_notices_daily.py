"""``versioned_app(..., notify_daily=...)``: the notices run in the background with the app's lifespan, and a slow
webhook never slows a GraphQL request."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import strawberry
from starlette.testclient import TestClient

from gqlevolve import UsageStore, versioned_app
from gqlevolve.clock import FixedClock
from gqlevolve.notices import NoticeSettings, add_consumer, list_deliveries
from gqlevolve.notices.daily import DailyNotifier
from tests.notices_helpers import Receiver

SECRET = "daily-shared-secret-0123456789"
DAY = dt.date(2025, 3, 3)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


def test_the_daily_pass_runs_with_the_app_and_a_slow_webhook_never_slows_a_request(sqlite_url):
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY)) as seeded:
        seeded.update_deprecation("/api/v1/graphql", "Query.hello", {"deprecated_on": DAY}, actor="t", create=True)
        seeded.record_operation("/api/v1/graphql", {"Query.hello"}, client_name="web", client_version="1.0", count=2)
    store = UsageStore(sqlite_url, handle_shutdown=False, clock=FixedClock(DAY))
    with Receiver(SECRET, delay=2.0) as receiver:
        add_consumer(store, "web", webhook_url=receiver.url, webhook_secret=SECRET)
        app = versioned_app({"v1": strawberry.Schema(Query)}, store=store, notify_daily=NoticeSettings(retries=1))
        with TestClient(app) as client:
            notifier: DailyNotifier = app.state.notifier
            deadline = time.monotonic() + 10
            while not receiver.received and time.monotonic() < deadline:  # the webhook is being answered (2 s)
                time.sleep(0.02)
            started = time.monotonic()
            response = client.post("/api/v1/graphql", json={"query": "{ hello }"})
            took = time.monotonic() - started
            assert response.status_code == 200 and took < 1.0, took
            assert notifier.wait_for_pass(timeout=15)
    assert len(receiver.accepted()) == 1 and receiver.received[0].verified
    with UsageStore(sqlite_url, handle_shutdown=False) as reader:
        assert [(d.recipient, d.status.value) for d in list_deliveries(reader)] == [("web", "sent")]


def test_notify_daily_needs_a_store():
    with pytest.raises(ValueError, match="notify_daily needs a store"):
        versioned_app({"v1": strawberry.Schema(Query)}, notify_daily=NoticeSettings())


def test_a_pass_that_fails_as_a_whole_is_logged_and_the_thread_goes_on(sqlite_url, caplog):
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY)) as store:
        store.update_deprecation("/api/v1/graphql", "Query.hello", {"deprecated_on": DAY}, actor="t", create=True)
        store.record_operation("/api/v1/graphql", {"Query.hello"}, client_name="web", client_version="1.0", count=2)
        add_consumer(store, "web", emails=["web@example.com"])
        notifier = DailyNotifier(store, NoticeSettings())  # emails due, no SMTP server: the pass fails
        notifier.start()
        try:
            assert notifier.wait_for_pass(timeout=10)
        finally:
            notifier.stop()
    assert any("the pass failed" in record.getMessage() and "no SMTP server" in record.getMessage() for record in caplog.records)
