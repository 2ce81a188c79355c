"""The reports (``gqlevolve.reports``) and the emergency procedures (``gqlevolve.procedures``) on a real store."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from gqlevolve import Status, UsageStore
from gqlevolve.endpoints import UnknownEndpoint
from gqlevolve.procedures import extend_sunset, rollback, set_deprecation
from gqlevolve.reports import (
    client_versions,
    deprecation_report,
    migration_report,
    sunset_warnings,
    to_jsonable,
    usage_stats,
)
from gqlevolve.reports.deprecations import endpoint_report
from tests.advisor_helpers.history import AS_OF, ENDPOINT, days_through, deprecate, seed

LAST_30 = days_through(AS_OF, 30)  # the reports' window: the 30 days ending with AS_OF



def test_deprecation_report_lists_each_record_with_recent_share_clients_and_verdict(store):
    deprecate(store, "User.name", replacement="User.fullName", sunset_on=dt.date(2025, 9, 1))
    deprecate(store, "Query.oldUsers")
    seed(store, LAST_30, lambda day: 200, total=1_000, client="ios")  # 20% of ios traffic
    seed(store, LAST_30, lambda day: 0, total=9_000, client="web")

    rows = deprecation_report(store, as_of=AS_OF)

    assert [row.coordinate for row in rows] == ["Query.oldUsers", "User.name"]
    old, name = rows
    assert name.status is Status.DEPRECATED
    assert name.replacement == "User.fullName"
    assert name.days_until_sunset == (dt.date(2025, 9, 1) - AS_OF).days
    assert name.operations_30d == 200 * 30
    assert name.share_30d == pytest.approx(0.02)
    assert [client.name for client in name.clients] == ["ios"]
    assert name.removable is False and name.earliest_removal is None
    assert old.share_30d == 0.0 and old.clients == []
    assert old.removable is False  # only 30 days of data: the window is not covered
    assert to_jsonable(name)["sunset_on"] == "2025-09-01"


def test_sunset_warnings_alert_above_10_percent_within_30_days_of_sunset(store):
    deprecate(store, "User.name", sunset_on=AS_OF + dt.timedelta(days=20))  # in sunset_warning
    deprecate(store, "User.email", sunset_on=AS_OF + dt.timedelta(days=35))  # enters it in 5 days
    deprecate(store, "User.phone", sunset_on=AS_OF + dt.timedelta(days=200))  # far away
    seed(store, days_through(AS_OF, 7), lambda day: 150, total=1_000, coordinates=["User.name", "User.email"])

    warnings = sunset_warnings(store, ENDPOINT, as_of=AS_OF)

    assert [w.coordinate for w in warnings] == ["User.name", "User.email"]
    current, entering = warnings
    assert current.status is Status.SUNSET_WARNING and current.days_until_sunset == 20
    assert current.recent_share == pytest.approx(0.15)
    assert current.alert is True and "ALERT" in current.message
    assert entering.status is Status.DEPRECATED and entering.alert is False  # 35 days left: not yet
    assert "enters sunset_warning on" in entering.message


def test_endpoint_report_is_the_reports_read_once(store):
    """``endpoint_report`` (the dashboard's overview): the deprecation report's rows, its 30 days' sums, and the
    sunset warnings computed from those (equal to ``sunset_warnings``' but for their client lists)."""
    deprecate(store, "User.name", sunset_on=AS_OF + dt.timedelta(days=20))
    deprecate(store, "User.email", sunset_on=AS_OF + dt.timedelta(days=35))
    deprecate(store, "Query.oldUsers")
    seed(store, LAST_30, lambda day: 150 if day >= AS_OF - dt.timedelta(days=8) else 20, total=1_000,
         coordinates=["User.name", "User.email"])

    report = endpoint_report(store, "v1", as_of=AS_OF, within_days=30)

    assert report.rows == deprecation_report(store, ENDPOINT, as_of=AS_OF)
    assert (report.first_day, report.last_day) == (LAST_30[0], AS_OF) and set(report.totals) == set(LAST_30)
    assert report.used["User.name"][AS_OF] == 150 and report.used["User.email"][LAST_30[0]] == 20
    expected = sunset_warnings(store, ENDPOINT, as_of=AS_OF, within_days=30)
    assert [w.coordinate for w in expected] == ["User.name", "User.email"] and expected[0].alert
    assert report.warnings == [replace(warning, clients=[]) for warning in expected]


def test_usage_stats_gives_daily_operations_and_shares(store):
    deprecate(store, "User.name")
    days = days_through(AS_OF, 3)
    seed(store, days, lambda day: 10, total=100, coordinates=["User.name", "User.email"])
    seed(store, days[-1:], lambda day: 5, total=5, coordinates=["User.email"], client="ios")

    stats = usage_stats(store, "v1", 3, as_of=AS_OF)

    assert stats.coordinates == ["User.email", "User.name"]
    assert (stats.first_day, stats.last_day) == (days[0], AS_OF)
    assert [day.day for day in stats.days] == days
    assert [day.operations for day in stats.days] == [100, 100, 105]
    last = stats.days[-1]
    assert last.deprecated_operations == 15  # each operation once, though it used two elements
    assert last.coordinates["User.email"].operations == 15
    assert last.coordinates["User.name"].share == pytest.approx(10 / 105)
    only = usage_stats(store, ENDPOINT, 3, coordinate="User.name", as_of=AS_OF)
    assert only.coordinates == ["User.name"]


def test_usage_stats_refuses_bad_input(store):
    deprecate(store, "User.name")
    with pytest.raises(ValueError, match="days must be a whole number from 1"):
        usage_stats(store, ENDPOINT, -5, as_of=AS_OF)
    with pytest.raises(UnknownEndpoint, match='unknown endpoint "v7"'):
        usage_stats(store, "v7", 5, as_of=AS_OF)
    with pytest.raises(LookupError, match="User.nope.*never used"):
        usage_stats(store, ENDPOINT, 5, coordinate="User.nope", as_of=AS_OF)


def test_client_versions_show_last_seen_and_deprecated_elements_in_use(store):
    deprecate(store, "User.name")
    days = days_through(AS_OF, 10)
    seed(store, days, lambda day: 3, total=50, client="ios", version="2.1")
    seed(store, days[:4], lambda day: 0, total=20, client="web", version="5.0")

    clients = client_versions(store, days=30, as_of=AS_OF)

    assert [(c.name, c.version) for c in clients] == [("ios", "2.1"), ("web", "5.0")]
    ios, web = clients
    assert ios.last_seen == days[-1] == AS_OF and ios.operations == 500
    assert [(use.coordinate, use.operations) for use in ios.deprecated] == [("User.name", 30)]
    assert web.last_seen == days[3] and web.deprecated == []


def test_migration_report_counts_clients_migrated_versus_remaining(store):
    deprecate(store, "User.name")
    weeks = days_through(AS_OF, 14)
    first_week, second_week = weeks[:7], weeks[7:]
    for client in ("ios", "web", "tv"):
        seed(store, first_week, lambda day: 1, total=10, client=client)
    seed(store, second_week, lambda day: 1, total=10, client="ios")  # still uses it
    seed(store, second_week, lambda day: 0, total=10, client="web")  # moved on; tv went quiet

    report = migration_report(store, weeks=2, as_of=AS_OF)

    assert [(w.week_start, w.remaining, w.migrated, w.inactive) for w in report] == [
        (first_week[0], ["ios", "tv", "web"], [], []),
        (second_week[0], ["ios"], ["web"], ["tv"]),
    ]
    assert [(w.week_start, w.week_end) for w in report] == [(first_week[0], first_week[-1]), (second_week[0], AS_OF)]


# The window ends with the day asked for: usage recorded today shows up with the default as_of (today, UTC),
# and the days just outside it (the day before its first day, the day after as_of) do not.

OUTSIDE = (AS_OF - dt.timedelta(days=30), AS_OF + dt.timedelta(days=1))  # just outside a 30-day window


def record_today(store: UsageStore, coordinates=("User.name",), *, count: int = 3, client: str = "ios") -> dt.date:
    """``count`` operations recorded now (the store's own day, today in UTC); returns that day."""
    today = store.clock.today()
    store.record_operation(ENDPOINT, list(coordinates), client_name=client, client_version="2.1", count=count)
    return today


def test_client_versions_show_usage_recorded_today(store):
    deprecate(store, "User.name")
    today = record_today(store)

    [ios] = client_versions(store, "v1", days=1)

    assert (ios.name, ios.version, ios.operations, ios.last_seen) == ("ios", "2.1", 3, today)
    assert [(use.coordinate, use.operations, use.last_seen) for use in ios.deprecated] == [("User.name", 3, today)]


def test_client_versions_leave_out_the_days_just_outside_the_window(store):
    deprecate(store, "User.name")
    seed(store, LAST_30, lambda day: 1, total=2, client="ios", version="2.1")
    for day, client in zip(OUTSIDE, ("old", "later"), strict=True):
        seed(store, [day], lambda day: 7, total=7, client=client, version="9.9")

    clients = client_versions(store, days=30, as_of=AS_OF)

    assert [(c.name, c.version, c.operations, c.last_seen) for c in clients] == [("ios", "2.1", 60, AS_OF)]
    assert [(use.coordinate, use.operations) for use in clients[0].deprecated] == [("User.name", 30)]


def test_usage_stats_show_usage_recorded_today(store):
    deprecate(store, "User.name")
    today = record_today(store)
    record_today(store, (), count=7, client="web")

    stats = usage_stats(store, "v1", 7)

    assert (stats.first_day, stats.last_day) == (today - dt.timedelta(days=6), today)
    assert [(day.day, day.operations, day.deprecated_operations) for day in stats.days] == [(today, 10, 3)]
    assert stats.days[0].coordinates["User.name"].share == pytest.approx(0.3)


def test_usage_stats_leave_out_the_days_just_outside_the_window(store):
    deprecate(store, "User.name")
    days = days_through(AS_OF, 3)
    seed(store, days, lambda day: 1, total=10)
    seed(store, [AS_OF - dt.timedelta(days=3), AS_OF + dt.timedelta(days=1)], lambda day: 50, total=50)

    stats = usage_stats(store, "v1", 3, as_of=AS_OF)

    assert (stats.first_day, stats.last_day) == (days[0], AS_OF)
    assert [(day.day, day.operations, day.deprecated_operations) for day in stats.days] == [(day, 10, 1) for day in days]


def test_deprecation_report_shares_include_usage_recorded_today(store):
    deprecate(store, "User.name")
    record_today(store)
    record_today(store, (), count=9, client="web")

    [row] = deprecation_report(store, "v1")

    assert row.operations_30d == 3 and row.share_30d == pytest.approx(0.25)
    assert [client.name for client in row.clients] == ["ios"]
    assert row.removable is False  # the advisor's verdict: no complete day of data before today


def test_deprecation_report_leaves_out_the_days_just_outside_the_window(store):
    deprecate(store, "User.name")
    seed(store, LAST_30, lambda day: 1, total=100)
    seed(store, OUTSIDE, lambda day: 100, total=100, client="ios")

    [row] = deprecation_report(store, as_of=AS_OF)

    assert row.operations_30d == 30 and row.share_30d == pytest.approx(0.01)
    assert [client.name for client in row.clients] == ["web"]


def test_sunset_warnings_share_includes_usage_recorded_today(store):
    today = store.clock.today()
    deprecate(store, "User.name", deprecated_on=today - dt.timedelta(days=100), sunset_on=today + dt.timedelta(days=20))
    record_today(store)
    record_today(store, (), count=7, client="web")

    [warning] = sunset_warnings(store, ENDPOINT)

    assert warning.recent_operations == 3 and warning.recent_share == pytest.approx(0.3)
    assert warning.alert is True


def test_sunset_warnings_share_leaves_out_the_days_just_outside_its_week(store):
    deprecate(store, "User.name", sunset_on=AS_OF + dt.timedelta(days=20))
    seed(store, days_through(AS_OF, 7), lambda day: 5, total=100)
    seed(store, [AS_OF - dt.timedelta(days=7), AS_OF + dt.timedelta(days=1)], lambda day: 100, total=100, client="ios")

    [warning] = sunset_warnings(store, ENDPOINT, as_of=AS_OF)

    assert warning.recent_operations == 35 and warning.recent_share == pytest.approx(0.05)
    assert warning.alert is False


def test_migration_report_last_week_ends_today_with_its_usage(store):
    deprecate(store, "User.name")
    today = record_today(store)

    report = migration_report(store, "v1", weeks=2)

    assert [(w.week_start, w.week_end) for w in report] == [
        (today - dt.timedelta(days=13), today - dt.timedelta(days=7)), (today - dt.timedelta(days=6), today),
    ]
    assert [w.remaining for w in report] == [[], ["ios"]]


def test_migration_report_leaves_out_the_day_after_as_of(store):
    deprecate(store, "User.name")
    seed(store, [AS_OF - dt.timedelta(days=7)], lambda day: 1, total=1, client="ios")  # the day before the week
    seed(store, [AS_OF + dt.timedelta(days=1)], lambda day: 1, total=1, client="web")

    report = migration_report(store, weeks=1, as_of=AS_OF)

    assert [(w.week_start, w.week_end, w.remaining, w.migrated, w.inactive) for w in report] == [
        (AS_OF - dt.timedelta(days=6), AS_OF, [], [], ["ios"]),
    ]


V2 = "/api/v2/graphql"


@pytest.mark.parametrize(
    ("report", "endpoints"),
    [
        (lambda store: deprecation_report(store, as_of=AS_OF), {ENDPOINT, V2}),
        (lambda store: sunset_warnings(store, as_of=AS_OF), {ENDPOINT, V2}),
        (lambda store: client_versions(store, as_of=AS_OF), {ENDPOINT, V2}),
        (lambda store: migration_report(store, weeks=2, as_of=AS_OF), {ENDPOINT, V2}),
        (lambda store: [usage_stats(store, ENDPOINT, 30, as_of=AS_OF)], {ENDPOINT}),
    ],
    ids=["deprecation_report", "sunset_warnings", "client_versions", "migration_report", "usage_stats"],
)
def test_a_report_reads_on_one_connection_whatever_the_endpoints(store, report, endpoints):
    for endpoint in (ENDPOINT, V2):
        deprecate(store, "User.name", sunset_on=AS_OF + dt.timedelta(days=10), endpoint=endpoint)
        deprecate(store, "User.email", endpoint=endpoint)
        seed(store, days_through(AS_OF, 14), lambda day: 2, total=10, coordinates=["User.name"], endpoint=endpoint)
    checkouts: list[object] = []

    def checked_out(dbapi_connection, connection_record, proxy) -> None:
        checkouts.append(dbapi_connection)

    sa.event.listen(store.engine, "checkout", checked_out)  # a connection taken from the engine's pool
    try:
        rows = report(store)
    finally:
        sa.event.remove(store.engine, "checkout", checked_out)

    assert {row.endpoint for row in rows} == endpoints  # every endpoint read...
    assert len(checkouts) == 1  # ...on one connection, in one transaction


def test_extend_and_rollback_write_the_audit_log(store):
    deprecate(store, "Mutation.upload", sunset_on=dt.date(2025, 5, 20))
    today = dt.date(2025, 6, 1)

    extended = extend_sunset(store, ENDPOINT, "Mutation.upload", 10, actor="alice", why="partner needs time", today=today)
    assert extended.after.sunset_on == dt.date(2025, 5, 30)
    assert extended.changed == ["sunset_on"]

    rolled = rollback(store, "v1", "Mutation.upload", actor="bob", why="critical client broke", today=today)
    assert rolled.after.sunset_on == dt.date(2025, 6, 29)  # 2025-05-30 + 30
    assert rolled.status is Status.SUNSET_WARNING
    assert rolled.after.status_override is Status.SUNSET_WARNING

    audit = [(e.field, e.new_value, e.actor, e.why) for e in store.audit_log(ENDPOINT, "Mutation.upload")][-3:]
    assert audit == [
        ("sunset_on", "2025-05-30", "alice", "partner needs time"),
        ("sunset_on", "2025-06-29", "bob", "critical client broke"),
        ("status_override", "sunset_warning", "bob", "critical client broke"),
    ]


def test_rollback_long_after_the_sunset_still_gives_30_days(store):
    deprecate(store, "Mutation.upload", sunset_on=dt.date(2025, 3, 1))
    result = rollback(store, ENDPOINT, "Mutation.upload", actor="bob", why="restore", today=dt.date(2025, 6, 1))
    assert result.after.sunset_on == dt.date(2025, 7, 1)


def test_set_creates_a_record_and_then_changes_it(store):
    created = set_deprecation(
        store, "v2", "Query.legacy", actor="carol", why="announced", sunset_on=dt.date(2025, 12, 1),
        replacement="Query.modern", today=dt.date(2025, 6, 1), new_endpoint=True,
    )
    assert created.before is None
    assert created.after.deprecated_on == dt.date(2025, 6, 1)
    assert created.endpoint == "/api/v2/graphql"
    pinned = set_deprecation(store, "v2", "Query.legacy", actor="carol", why="pin", status="removed")
    assert pinned.after.status_override is Status.REMOVED
    unpinned = set_deprecation(store, "v2", "Query.legacy", actor="carol", why="unpin", status="auto")
    assert unpinned.after.status_override is None
    assert {e.why for e in store.audit_log("/api/v2/graphql", "Query.legacy")} == {"announced", "pin", "unpin"}


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: extend_sunset(s, ENDPOINT, "User.name", 30, actor="a", why=" "), ValueError, "a reason is required"),
        (lambda s: extend_sunset(s, ENDPOINT, "User.name", -3, actor="a", why="x"), ValueError, "days must be"),
        (lambda s: extend_sunset(s, ENDPOINT, "User.nope", 3, actor="a", why="x"), LookupError, "no deprecation record"),
        (lambda s: extend_sunset(s, ENDPOINT, "User.name", 3, actor="a", why="x"), ValueError, "no sunset date"),
        (lambda s: rollback(s, "v9", "User.name", actor="a", why="x"), UnknownEndpoint, "unknown endpoint"),
        (lambda s: set_deprecation(s, ENDPOINT, "User.name", actor="a", why="x"), ValueError, "nothing to change"),
        (lambda s: set_deprecation(s, ENDPOINT, "User.name", actor="a", why="x", status="gone"), ValueError, "not one of"),
        (
            lambda s: set_deprecation(s, ENDPOINT, "User.name", actor="a", why="x", sunset_on=dt.date(2024, 1, 1)),
            ValueError, "before deprecated_on",
        ),
    ],
)
def test_procedures_refuse_bad_input_and_change_nothing(store, call, error, message):
    deprecate(store, "User.name")
    before = store.audit_log(ENDPOINT)
    with pytest.raises(error, match=message):
        call(store)
    assert store.audit_log(ENDPOINT) == before
