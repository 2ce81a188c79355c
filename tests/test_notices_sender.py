"""One pass of the notices against real servers: a 120-day history walked day by day with the clock pinned,
retries (500, 500, 200), 4xx never retried, failures retried by the next pass and abandoned after N."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest

from gqlevolve.advisor import RemovalPolicy
from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import Deprecation
from gqlevolve.notices import NoticeSettings, add_consumer, list_deliveries, notify
from gqlevolve.notices.delivery_log import DeliveryStatus
from gqlevolve.usage_store import UsageStore
from tests.notices_helpers import Receiver, smtp_server

V1 = "/api/v1/graphql"
D0 = dt.date(2025, 3, 3)
SECRET = "web-shared-secret-0123456789"
PLATFORM_SECRET = "platform-secret-0123456789"


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(D0)) as store:
        yield store


def _deprecate(store: UsageStore, deprecated: int = 10, sunset: int = 100) -> Deprecation:
    return store.update_deprecation(
        V1, "User.name",
        {"deprecated_on": day(deprecated), "sunset_on": day(sunset), "replacement": "User.fullName",
         "migration_guide": "https://docs.example/migrations/user-name?from=v1&to=v2",
         "reason": "Use <b>fullName</b> & friends"},
        actor="test", create=True,
    )


def _traffic(store: UsageStore, n: int) -> None:
    """web 1.4.0 uses User.name until day 79, android until day 79, ios until day 30; ios sends other operations
    every day (every day is covered)."""
    if n < 80:
        store.record_operation(V1, {"User.name"}, client_name="web", client_version="1.4.0", count=100)
        store.record_operation(V1, {"User.name"}, client_name="android", client_version="3.2", count=20)
    if n <= 30:
        store.record_operation(V1, {"User.name"}, client_name="ios", client_version="5.0", count=7)
    store.record_operation(V1, set(), client_name="ios", client_version="5.1", count=500)


def test_a_120_day_history_walks_one_element_through_every_step(store):
    clock = store.clock
    assert isinstance(clock, FixedClock)
    _deprecate(store)
    policy = RemovalPolicy(window_days=7, min_deprecated_days=7)
    with smtp_server() as (mailbox, port), Receiver(SECRET) as web_hook, Receiver(PLATFORM_SECRET) as platform_hook:
        add_consumer(store, "web", emails=["web-team@example.com"], webhook_url=web_hook.url, webhook_secret=SECRET)
        add_consumer(store, "ios", emails=["ios-team@example.com"])
        add_consumer(store, "nobody", emails=["nobody@example.com"])      # never used the element
        settings = NoticeSettings.build(
            smtp_host="127.0.0.1", smtp_port=port, sender="api@example.com", platform_email="platform@example.com",
            platform_webhook_url=platform_hook.url, platform_webhook_secret=PLATFORM_SECRET, retries=1, backoff=0,
        )
        sent_on: dict[str, list[int]] = {}
        for n in range(120):
            clock.set(day(n))
            _traffic(store, n)
            result = notify(store, settings, policy=policy)
            assert not result.failed, [item.outcome for item in result.failed]
            for item in result.sent:
                sent_on.setdefault(f"{item.planned.key.recipient}/{item.planned.key.event}/{item.planned.key.channel}", []).append(n)

    warnings = [70, 77, 84, 91]
    for channel in ("email", "webhook"):
        assert sent_on.pop(f"web/announcement/{channel}") == [10]
        assert sent_on.pop(f"web/reminder/{channel}") == [40]
        assert sent_on.pop(f"web/sunset_warning/{channel}") == warnings
        assert sent_on.pop(f"web/final_warning/{channel}") == [93]
        assert sent_on.pop(f"web/removal/{channel}") == [100]
    # ios stopped on day 30: the announcement and the reminder (its last use within 30 days), nothing later
    assert sent_on.pop("ios/announcement/email") == [10]
    assert sent_on.pop("ios/reminder/email") == [40]
    for channel in ("email", "webhook"):
        assert sent_on.pop(f"(platform)/high_usage/{channel}") == [70]       # ~19% of traffic at D-30
        assert sent_on.pop(f"(platform)/removable/{channel}") == [87]        # 7 clean days after day 79
        weekly = sent_on.pop(f"(platform)/migration_report/{channel}")
        weeks = [day(n).isocalendar()[:2] for n in weekly]
        assert len(weeks) == len(set(weeks)) >= 15                           # once per ISO week
    assert sent_on == {}                                                      # android and nobody: no consumer / no use

    # the receivers verified every signature; each delivery reached them once
    assert web_hook.received and all(item.verified for item in web_hook.received)
    assert all(item.verified for item in platform_hook.received)
    assert len({item.headers["x-gqlevolve-delivery"] for item in web_hook.received}) == len(web_hook.received) == 8
    final = next(item.json() for item in web_hook.received if item.json()["event"] == "final_warning")
    assert final["usage"] == [{"client": "web", "version": "1.4.0", "operations": 1600, "last_seen": day(79).isoformat()}]
    assert final["sunset_on"] == day(100).isoformat() and final["replacement"] == "User.fullName"

    # the email: the client's own figures, replacement, guide, date; both parts; stable Message-ID; List-Unsubscribe
    [message] = [m for m in mailbox.to("web-team@example.com") if m["Subject"].startswith("Final warning")]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Your client `web` 1.4.0 called `User.name` 1,600 times in the last 30 days; the last time on {day(79).isoformat()}." in text
    assert "Replacement: User.fullName" in text and f"Removal date: {day(100).isoformat()}" in text
    assert "https://docs.example/migrations/user-name?from=v1&to=v2" in text
    assert "Reason: Use <b>fullName</b> & friends" in text
    assert "from=v1&amp;to=v2" in html and "Use &lt;b&gt;fullName&lt;/b&gt; &amp; friends" in html     # autoescaped
    assert "<b>" not in html
    assert message["Message-ID"].endswith("@example.com>") and message["List-Unsubscribe"].startswith("<mailto:api@example.com")
    assert len(mailbox.to("nobody@example.com")) == 0
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(ids) == len(set(ids))

    # the log: every delivery sent once, attempts 1
    log = list_deliveries(store, limit=1000)
    assert {item.status for item in log} == {DeliveryStatus.SENT}
    assert Counter(item.attempts for item in log) == Counter({1: len(log)})


def _one_notice(store: UsageStore, url: str) -> None:
    _deprecate(store, deprecated=0, sunset=200)
    store.record_operation(V1, {"User.name"}, client_name="web", client_version="1.4.0", count=3)
    add_consumer(store, "web", webhook_url=url, webhook_secret=SECRET)


def test_a_receiver_answering_500_twice_then_200_gets_the_notice_exactly_once(store):
    with Receiver(SECRET, script=[500, 500]) as receiver:
        _one_notice(store, receiver.url)
        settings = NoticeSettings(retries=3, backoff=0.01)
        result = notify(store, settings)
        assert [item.status for item in result.results] == [DeliveryStatus.SENT]
        assert notify(store, settings).results == []          # sent: nothing to do
    assert [item.status for item in receiver.received] == [500, 500, 200]
    assert len(receiver.accepted()) == 1 and all(item.verified for item in receiver.received)
    assert len({item.headers["x-gqlevolve-delivery"] for item in receiver.received}) == 1   # one notice, three tries
    [logged] = list_deliveries(store)
    assert (logged.status, logged.attempts, logged.status_code, logged.reply) == (DeliveryStatus.SENT, 1, 200, "ok (after 3 tries)")


def test_a_4xx_is_never_retried(store):
    with Receiver(SECRET, script=[410]) as receiver:
        _one_notice(store, receiver.url)
        result = notify(store, NoticeSettings(retries=3, backoff=0.01))
        assert [item.status for item in result.results] == [DeliveryStatus.ABANDONED]
        assert result.failed
        assert notify(store, NoticeSettings(retries=3, backoff=0.01)).results == []
    assert [item.status for item in receiver.received] == [410]
    [logged] = list_deliveries(store, "abandoned")
    assert (logged.status_code, logged.reply) == (410, "status 410")


def test_a_failed_delivery_is_retried_by_the_next_pass_and_abandoned_after_max_attempts(store):
    with Receiver(SECRET, script=[503] * 4) as receiver:
        _one_notice(store, receiver.url)
        settings = NoticeSettings(retries=2, backoff=0, max_attempts=2)
        assert [item.status for item in notify(store, settings).results] == [DeliveryStatus.FAILED]
        assert [d.attempts for d in list_deliveries(store, "failed")] == [1]
        assert [item.status for item in notify(store, settings).results] == [DeliveryStatus.ABANDONED]
        assert notify(store, settings).results == []          # abandoned: not tried again
    assert [item.status for item in receiver.received] == [503] * 4
    [logged] = list_deliveries(store)
    assert (logged.status, logged.attempts, logged.status_code) == (DeliveryStatus.ABANDONED, 2, 503)


def test_a_failure_then_success_on_the_next_pass(store):
    with Receiver(SECRET, script=[502]) as receiver:
        _one_notice(store, receiver.url)
        settings = NoticeSettings(retries=1, backoff=0)
        assert [item.status for item in notify(store, settings).results] == [DeliveryStatus.FAILED]
        assert [item.status for item in notify(store, settings).results] == [DeliveryStatus.SENT]
    assert [item.status for item in receiver.received] == [502, 200]
    [logged] = list_deliveries(store)
    assert (logged.status, logged.attempts) == (DeliveryStatus.SENT, 2)


def test_a_dead_webhook_is_bounded_by_the_timeout(store):
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections, never answers
    try:
        _one_notice(store, f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
        started = time.monotonic()
        result = notify(store, NoticeSettings(retries=1, backoff=0, timeout=0.5))
        assert time.monotonic() - started < 5
    finally:
        listener.close()
    assert [item.status for item in result.results] == [DeliveryStatus.FAILED]
    assert "no answer within 0.5 s" in (list_deliveries(store)[0].reply or "")


def test_dry_run_claims_nothing_and_says_why(store):
    with Receiver(SECRET) as receiver:
        _one_notice(store, receiver.url)
        result = notify(store, NoticeSettings(), dry_run=True)
        assert [(item.key.event, item.key.recipient, item.key.channel) for item in result.planned] == [
            ("announcement", "web", "webhook")
        ]
        assert "client web used it 3 times" in result.planned[0].notice.why
        assert receiver.received == [] and list_deliveries(store) == []
        notify(store, NoticeSettings())
        assert notify(store, NoticeSettings(), dry_run=True).planned == []    # sent already: nothing would be sent


def test_a_smtp_recipient_refused_is_abandoned_and_others_are_sent(store):
    _deprecate(store, deprecated=0, sunset=200)
    store.record_operation(V1, {"User.name"}, client_name="web", client_version="1.4.0", count=3)
    add_consumer(store, "web", emails=["gone@example.com", "web@example.com"])
    with smtp_server() as (mailbox, port):
        mailbox.refuse.add("gone@example.com")
        settings = NoticeSettings.build(smtp_host="127.0.0.1", smtp_port=port, sender="api@example.com")
        result = notify(store, settings)
    statuses = {item.planned.key.target: item.status for item in result.results}
    assert statuses == {"gone@example.com": DeliveryStatus.ABANDONED, "web@example.com": DeliveryStatus.SENT}
    assert [m["To"] for m in mailbox.messages] == ["web@example.com"]
    refused = list_deliveries(store, "abandoned")[0]
    assert refused.status_code == 550 and "no such user" in (refused.reply or "")
