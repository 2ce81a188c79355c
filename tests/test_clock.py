"""The one clock: the wall clock's UTC day, a pinned clock, and one pinned clock moving the whole product."""

from __future__ import annotations

import datetime as dt

import pytest
import strawberry
import time_machine
from starlette.testclient import TestClient

from gqlevolve.asgi import versioned_app
from gqlevolve.clock import SYSTEM_CLOCK, Clock, FixedClock, SystemClock, TodayClock, clock_of
from gqlevolve.extensions import deprecation_usage
from gqlevolve.lifecycle import Deprecation, VersionLifecycle
from gqlevolve.usage_store import UsageStore

DAY = dt.date(2026, 11, 21)
ENDPOINT = "/api/v1/graphql"


class TestSystemClock:
    def test_today_is_the_utc_day_even_where_local_time_is_another_day(self) -> None:
        clock = SystemClock()
        with time_machine.travel(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))), tick=False):
            assert clock.today() == dt.date(2026, 3, 2)
            assert clock.now() == dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC)

    def test_the_cached_day_changes_at_midnight_utc(self) -> None:
        clock = SystemClock()
        with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.UTC), tick=False) as traveller:
            assert clock.today() == dt.date(2026, 12, 31)
            traveller.shift(dt.timedelta(seconds=1))
            assert clock.today() == dt.date(2027, 1, 1)
            traveller.shift(dt.timedelta(days=-1))  # clocks may step back (NTP): the day follows
            assert clock.today() == dt.date(2026, 12, 31)


class TestFixedClock:
    def test_is_pinned_until_moved(self) -> None:
        clock = FixedClock(DAY)
        assert clock.today() == DAY
        assert clock.advance(days=10) == dt.date(2026, 12, 1)
        clock.set(dt.date(2025, 1, 1))
        assert clock.today() == dt.date(2025, 1, 1)

    def test_now_is_on_the_pinned_day_in_utc_and_keeps_its_order(self) -> None:
        clock = FixedClock(DAY)
        first, second = clock.now(), clock.now()
        assert first.date() == DAY and first.tzinfo is not None and first.utcoffset() == dt.timedelta(0)
        assert first <= second

    def test_refuses_what_is_not_a_date(self) -> None:
        with pytest.raises(TypeError, match="pinned to a date"):
            FixedClock("2026-11-21")  # type: ignore[arg-type]


def test_clock_of_accepts_a_clock_a_function_or_nothing() -> None:
    pinned = FixedClock(DAY)
    assert clock_of(pinned) is pinned
    assert clock_of(None) is SYSTEM_CLOCK
    assert clock_of(None, pinned) is pinned
    wrapped = clock_of(lambda: DAY)
    assert isinstance(wrapped, TodayClock) and isinstance(wrapped, Clock)
    assert wrapped.today() == DAY and wrapped.now().date() == DAY
    with pytest.raises(TypeError, match="today\\(\\) and now\\(\\)"):
        clock_of(42)  # type: ignore[arg-type]


@strawberry.type
class Query:
    @strawberry.field(deprecation_reason="Use full_name")
    def name(self) -> str:
        return "Ada"

    @strawberry.field
    def full_name(self) -> str:
        return "Ada Lovelace"


class TestOnePinnedClockMovesEverything:
    """The store's clock reaches the extension, registration, counting, audit, retention and the advisor."""

    def test_the_extension_follows_the_stores_clock(self, sqlite_url: str) -> None:
        clock = FixedClock(DAY)
        with UsageStore(sqlite_url, handle_shutdown=False, clock=clock) as store:
            usage = deprecation_usage(store=store, endpoint=ENDPOINT)
            schema = strawberry.Schema(Query, extensions=[usage])
            usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
            try:
                result = schema.execute_sync("{ name }")
                [entry] = result.extensions["deprecations"]
                assert entry["deprecatedOn"] == DAY.isoformat()  # first seen on the pinned day, not the wall clock's
                clock.advance(days=3)
                schema.execute_sync("{ name }")
                store.flush()
                assert [(day.day, day.operations) for day in store.daily_usage(ENDPOINT, "Query.name")] == [
                    (DAY, 1),
                    (DAY + dt.timedelta(days=3), 1),
                ]
                assert {entry.at.date() for entry in store.audit_log(ENDPOINT)} == {DAY}
            finally:
                usage.close()

    def test_an_extension_given_today_registers_with_that_day(self, sqlite_url: str) -> None:
        with UsageStore(sqlite_url, handle_shutdown=False) as store:  # the store keeps the wall clock
            usage = deprecation_usage(store=store, endpoint=ENDPOINT, today=lambda: DAY)
            schema = strawberry.Schema(Query, extensions=[usage])
            usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
            try:
                [stored] = store.deprecations(ENDPOINT)
                assert stored.record.deprecated_on == DAY
                assert schema.execute_sync("{ name }").extensions["deprecations"][0]["status"] == "deprecated"
            finally:
                usage.close()

    def test_clock_and_today_together_are_refused(self, sqlite_url: str) -> None:
        with UsageStore(sqlite_url, handle_shutdown=False) as store, pytest.raises(TypeError, match="not both"):
            deprecation_usage(store=store, clock=FixedClock(DAY), today=lambda: DAY)

    def test_watch_retention_and_the_advisor_use_the_stores_day(self, sqlite_url: str) -> None:
        from gqlevolve.advisor import advise

        clock = FixedClock(DAY)
        with UsageStore(sqlite_url, handle_shutdown=False, clock=clock) as store:
            store.watch(ENDPOINT)
            store.record_buffered(ENDPOINT, frozenset({"Query.name"}))
            store.flush()
            assert store.daily_totals(ENDPOINT) == {DAY: 1}
            store.register_deprecations(ENDPOINT, [Deprecation("Query.name")])
            [verdict] = advise(store, ENDPOINT, "Query.name")
            assert verdict.as_of == DAY
            clock.advance(days=31)
            assert store.prune(30).cutoff == DAY + dt.timedelta(days=1)
            assert store.daily_totals(ENDPOINT) == {}

    def test_versioned_app_dates_a_version_by_the_stores_clock(self, sqlite_url: str) -> None:
        clock = FixedClock(dt.date(2026, 1, 1))
        with UsageStore(sqlite_url, handle_shutdown=False, clock=clock) as store:
            app = versioned_app(
                {"v1": strawberry.Schema(Query)},
                store=store,
                lifecycles={"v1": VersionLifecycle(deprecated_on=dt.date(2026, 1, 1), sunset_on=dt.date(2026, 3, 1))},
            )
            with TestClient(app) as client:
                assert client.post(ENDPOINT, json={"query": "{ fullName }"}).status_code == 200
                clock.set(dt.date(2026, 3, 1))
                assert client.post(ENDPOINT, json={"query": "{ fullName }"}).status_code == 410
