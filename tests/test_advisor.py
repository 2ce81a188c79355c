"""The removal rule on synthetic histories, to the day, on SQLite and PostgreSQL (``store_url``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from gqlevolve import RemovalPolicy, Status, UsageStore, advise
from gqlevolve.advisor import UnknownEndpoint, Verdict, ZeroTrafficDays
from gqlevolve.usage_store.tables import operation_totals

ENDPOINT = "/api/v1/graphql"
COORDINATE = "User.name"
AS_OF = dt.date(2025, 6, 1)
WINDOW = [AS_OF - dt.timedelta(days=offset) for offset in range(90, 0, -1)]  # the 90 days before AS_OF
LONG_AGO = dt.date(2025, 1, 1)



def deprecate(store: UsageStore, coordinate: str = COORDINATE, deprecated_on: dt.date = LONG_AGO, **fields) -> None:
    store.update_deprecation(
        ENDPOINT, coordinate, {"deprecated_on": deprecated_on, **fields}, actor="test", why="fixture", create=True
    )


def seed(
    store: UsageStore,
    days: list[dt.date],
    used: Callable[[dt.date], int],
    *,
    total: int = 10_000,
    coordinate: str = COORDINATE,
    client: str | None = "web",
) -> None:
    """Per day: ``used(day)`` operations referenced ``coordinate``, ``total`` operations in all."""
    for day in days:
        count = used(day)
        if count:
            store.record_operation(ENDPOINT, [coordinate], client_name=client, client_version="1.0", when=day, count=count)
        if total - count:
            store.record_operation(ENDPOINT, [], client_name=client, client_version="1.0", when=day, count=total - count)


def watched_without_traffic(store: UsageStore, day: dt.date) -> None:
    """The row the store's flusher writes for a watched endpoint that served nothing that day."""
    with store.engine.begin() as connection:
        connection.execute(
            operation_totals.insert().values(endpoint=ENDPOINT, day=day, client_name="", client_version="", count=0)
        )


def verdict(store: UsageStore, **policy) -> Verdict:
    [only] = advise(store, ENDPOINT, COORDINATE, as_of=AS_OF, policy=RemovalPolicy(**policy))
    return only


def test_just_under_the_threshold_every_day_is_removable(store):
    deprecate(store)
    seed(store, WINDOW, lambda day: 99)  # 0.99%

    result = verdict(store)

    assert result.removable is True
    assert result.days_covered == 90
    assert result.max_daily_share == pytest.approx(0.0099)
    assert result.mean_share == pytest.approx(0.0099)
    assert result.earliest_removal == AS_OF
    assert result.last_used == WINDOW[-1]
    assert result.status is Status.DEPRECATED
    assert "under 1% on each of the 90 days from 2025-03-03 to 2025-05-31" in result.reasons[0]
    [client] = result.clients
    assert (client.name, client.version, client.operations, client.last_seen) == ("web", "1.0", 99 * 90, WINDOW[-1])


def test_exactly_the_threshold_on_one_day_is_not_removable_until_91_days_later(store):
    deprecate(store)
    bad_day = WINDOW[40]
    seed(store, WINDOW, lambda day: 100 if day == bad_day else 50)

    result = verdict(store)

    assert result.removable is False
    assert result.max_daily_share == pytest.approx(0.01)
    assert result.max_share_day == bad_day
    assert result.earliest_removal == bad_day + dt.timedelta(days=91)
    assert f"usage was 1.00% on {bad_day.isoformat()}, not under 1%" in result.reasons


def test_a_share_above_the_threshold_is_named_with_its_day(store):
    deprecate(store)
    seed(store, WINDOW, lambda day: 320 if day == WINDOW[10] else 10)

    result = verdict(store)

    assert f"usage was 3.20% on {WINDOW[10].isoformat()}, above 1%" in result.reasons
    assert result.earliest_removal == WINDOW[10] + dt.timedelta(days=91)


def test_89_covered_days_are_not_enough(store):
    deprecate(store)
    seed(store, WINDOW[1:], lambda day: 0)

    result = verdict(store)

    assert result.removable is False
    assert result.days_covered == 89
    assert result.earliest_removal == AS_OF + dt.timedelta(days=1)
    assert any("1 of the 90 days" in reason and WINDOW[0].isoformat() in reason for reason in result.reasons)


def test_one_missing_day_in_the_middle_blocks_removal(store):
    deprecate(store)
    missing = WINDOW[50]
    seed(store, [day for day in WINDOW if day != missing], lambda day: 1)

    result = verdict(store)

    assert result.removable is False
    assert result.days_covered == 89
    assert result.earliest_removal == missing + dt.timedelta(days=91)
    assert any(missing.isoformat() in reason and "no usage data" in reason for reason in result.reasons)


def test_deprecated_60_days_ago_without_usage_is_not_removable(store):
    deprecated_on = AS_OF - dt.timedelta(days=60)
    deprecate(store, deprecated_on=deprecated_on)
    seed(store, WINDOW, lambda day: 0)

    result = verdict(store)

    assert result.removable is False
    assert result.max_daily_share == 0.0
    assert result.last_used is None
    assert result.clients == []
    assert result.earliest_removal == deprecated_on + dt.timedelta(days=90)
    assert any("60 days before 2025-06-01" in reason and "at least 90 days" in reason for reason in result.reasons)


def test_an_excluded_clients_usage_does_not_count(store):
    deprecate(store)
    seed(store, WINDOW, lambda day: 5, client="web")  # 0.05%
    seed(store, WINDOW, lambda day: 5_000, client="load-test")  # half of its own traffic

    assert verdict(store).removable is False
    result = verdict(store, exclude_clients=("load-test",))

    assert result.removable is True
    assert result.max_daily_share == pytest.approx(0.0005)
    assert [client.name for client in result.clients] == ["web"]


def test_an_excluded_client_leaves_the_denominator_too(store):
    deprecate(store)
    seed(store, WINDOW, lambda day: 1, total=100, client="web")  # 1% of web's own traffic
    seed(store, WINDOW, lambda day: 0, total=10_000, client="monitor")  # dilutes the share to 0.0099%

    assert verdict(store).removable is True
    result = verdict(store, exclude_clients=("monitor",))

    assert result.removable is False
    assert result.max_daily_share == pytest.approx(0.01)


def test_a_coordinate_never_deprecated_gets_a_clear_answer(store):
    deprecate(store, "User.email")
    seed(store, WINDOW, lambda day: 0)

    result = verdict(store)

    assert result.removable is False
    assert result.deprecated is False
    assert result.status is None
    assert result.earliest_removal is None
    assert "User.name has no deprecation record on /api/v1/graphql" in result.reasons[0]


def test_a_coordinate_still_over_on_the_last_day_has_no_earliest_removal(store):
    deprecate(store)
    seed(store, WINDOW, lambda day: 500 if day == WINDOW[-1] else 0)

    result = verdict(store)

    assert result.removable is False
    assert result.earliest_removal is None


def test_days_without_traffic_are_uncovered_by_default_and_can_count_as_under(store):
    deprecate(store)
    quiet = WINDOW[20]
    seed(store, [day for day in WINDOW if day != quiet], lambda day: 0)
    watched_without_traffic(store, quiet)

    default = verdict(store)
    lenient = verdict(store, zero_traffic=ZeroTrafficDays.UNDER_THRESHOLD)

    assert default.removable is False
    assert default.days_covered == 89
    assert any("no traffic at all" in reason and quiet.isoformat() in reason for reason in default.reasons)
    assert default.earliest_removal == quiet + dt.timedelta(days=91)
    assert lenient.removable is True
    assert lenient.days_covered == 90


def test_advise_without_a_coordinate_judges_every_deprecated_coordinate(store):
    deprecate(store, "User.name")
    deprecate(store, "Query.legacyUsers", sunset_on=dt.date(2025, 6, 20))
    seed(store, WINDOW, lambda day: 0)
    seed(store, WINDOW[-3:], lambda day: 300, coordinate="Query.legacyUsers", total=300)

    verdicts = advise(store, "v1", as_of=AS_OF)

    assert [v.coordinate for v in verdicts] == ["Query.legacyUsers", "User.name"]
    legacy, name = verdicts
    assert name.removable is True
    assert legacy.removable is False
    assert legacy.status is Status.SUNSET_WARNING
    assert legacy.sunset_on == dt.date(2025, 6, 20)
    assert legacy.last_used == WINDOW[-1]


@pytest.mark.parametrize("coordinate", [None, COORDINATE, "User.undeprecated"])
def test_advise_reads_endpoints_records_and_evidence_on_one_connection(store, coordinate):
    deprecate(store)
    deprecate(store, "Query.legacyUsers")
    seed(store, WINDOW[-5:], lambda day: 3)
    checkouts: list[object] = []

    def checked_out(dbapi_connection, connection_record, proxy) -> None:
        checkouts.append(dbapi_connection)

    sa.event.listen(store.engine, "checkout", checked_out)  # a connection taken from the engine's pool
    try:
        verdicts = advise(store, "v1", coordinate, as_of=AS_OF)
    finally:
        sa.event.remove(store.engine, "checkout", checked_out)

    assert len(verdicts) == (2 if coordinate is None else 1)
    assert len(checkouts) == 1


def test_last_used_looks_before_the_window(store):
    deprecate(store)
    seed(store, [WINDOW[0] - dt.timedelta(days=30)], lambda day: 7)
    seed(store, WINDOW, lambda day: 0)

    result = verdict(store)

    assert result.removable is True
    assert result.last_used == WINDOW[0] - dt.timedelta(days=30)


def test_bad_input_is_refused_clearly(store):
    deprecate(store)
    tomorrow = store.clock.today() + dt.timedelta(days=1)
    with pytest.raises(ValueError, match="is in the future"):
        advise(store, ENDPOINT, COORDINATE, as_of=tomorrow)
    with pytest.raises(UnknownEndpoint, match='unknown endpoint "v9".*/api/v1/graphql'):
        advise(store, "v9", as_of=AS_OF)
    with pytest.raises(ValueError, match="not a schema coordinate"):
        advise(store, ENDPOINT, "User name", as_of=AS_OF)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"window_days": -1}, "window_days must be a whole number"),
        ({"window_days": 0}, "at least 1"),
        ({"min_deprecated_days": 1.5}, "min_deprecated_days"),
        ({"threshold": 0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "1%"}, "threshold"),
        ({"zero_traffic": "sometimes"}, "sometimes"),
    ],
)
def test_a_policy_with_bad_settings_is_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        RemovalPolicy(**settings)


def test_a_policy_compares_shares_exactly():
    policy = RemovalPolicy(threshold=0.01)
    assert policy.is_under(99, 10_000) and not policy.is_under(100, 10_000) and not policy.is_under(3, 300)
    assert RemovalPolicy(threshold=0.005).threshold_text == "0.5%"
    assert RemovalPolicy(exclude_clients="bot").exclude_clients == ("bot",)


def test_deprecation_record_without_a_date_is_not_removable(store):
    store.update_deprecation(ENDPOINT, COORDINATE, {"reason": "old"}, actor="test", create=True)
    seed(store, WINDOW, lambda day: 0)

    result = verdict(store)

    assert result.removable is False
    assert result.earliest_removal is None
    assert any("no deprecation date" in reason for reason in result.reasons)
