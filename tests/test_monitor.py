"""The framework-neutral core: one operation of a plain graphql-core schema, no Strawberry anywhere."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator

import pytest
from graphql import build_schema, parse

from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import Deprecation
from gqlevolve.monitor import GONE_CODE, DeprecationMonitor, gone_error
from gqlevolve.usage_store import UsageStore

TODAY = dt.date(2026, 11, 21)
ENDPOINT = "/api/v1/graphql"
SDL = """
type Query {
  user: User
  legacyUsers: [User] @deprecated(reason: "Use users")
  users(filter: UserFilter): [User]
}
type Subscription { ticks: Int @deprecated(reason: "Use clock") }
type User { name: String @deprecated(reason: "Use fullName") fullName: String }
input UserFilter { group: String @deprecated(reason: "Use role") role: String }
"""
DECLARED = [Deprecation("Query.legacyUsers", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2026, 6, 30))]


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    with UsageStore(sqlite_url, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        yield store


@pytest.fixture
def monitor(store: UsageStore) -> Iterator[DeprecationMonitor]:
    monitor = DeprecationMonitor(store, declared=DECLARED)
    monitor.start(SCHEMA, ENDPOINT)
    yield monitor
    monitor.close()


SCHEMA = build_schema(SDL)


def observe(monitor: DeprecationMonitor, query: str, variables=None, **client):
    return monitor.observe(SCHEMA, query, None, None, variables, endpoint=ENDPOINT, **client)


def test_counts_and_tells_from_plain_inputs(monitor: DeprecationMonitor, store: UsageStore) -> None:
    notice = observe(monitor, "{ user { name fullName } }", client_name="web", client_version="1.4")
    assert [entry["coordinate"] for entry in notice.entries] == ["User.name"]
    assert notice.entries[0]["deprecatedOn"] == TODAY.isoformat()
    assert ("Warning" in dict(notice.headers)) and not notice.removed
    store.flush()
    [client] = store.clients(ENDPOINT, "User.name")
    assert (client.name, client.version, client.operations) == ("web", "1.4", 1)


def test_variables_reach_deprecated_input_fields(monitor: DeprecationMonitor) -> None:
    query = "query ($f: UserFilter) { users(filter: $f) { fullName } }"
    assert observe(monitor, query, {"f": {"role": "x"}}) is None
    notice = observe(monitor, query, {"f": {"group": "x"}})
    assert [entry["coordinate"] for entry in notice.entries] == ["UserFilter.group"]


def test_an_operation_whose_variables_do_not_coerce_is_neither_counted_nor_told(
    monitor: DeprecationMonitor, store: UsageStore
) -> None:
    # graphql-core refuses to execute these, so they did not use anything: no count, no notice, no GONE.
    query = "query ($f: UserFilter) { users(filter: $f) { fullName } legacyUsers { fullName } }"
    for variables in ({"f": {"group": 3}}, {"f": {"group": "x", "nope": 1}}, {"f": "x"}, {"f": {"role": ["a", "b"]}}):
        assert observe(monitor, query, variables) is None
    assert observe(monitor, "query ($f: UserFilter!) { users(filter: $f) { name } }", {}) is None  # a required one missing
    store.flush()
    assert store.daily_totals(ENDPOINT) == {TODAY: 0}
    # The same operation with values that coerce is counted and told, the deprecated input field included.
    notice = observe(monitor, query, {"f": {"group": "x"}})
    assert [removed.coordinate for removed in notice.removed] == ["Query.legacyUsers"]
    assert [entry["coordinate"] for entry in notice.entries] == ["Query.legacyUsers", "UserFilter.group"]
    store.flush()
    assert store.daily_totals(ENDPOINT) == {TODAY: 1}


def test_a_removed_element_gets_the_gone_error(monitor: DeprecationMonitor) -> None:
    notice = observe(monitor, "{ legacyUsers { fullName } }")
    [removed] = notice.removed
    error = gone_error(notice.removed)
    assert error.extensions["code"] == GONE_CODE and error.extensions["removed_on"] == "2026-06-30"
    assert removed.coordinate == "Query.legacyUsers"


def test_a_subscription_notice_has_entries_but_no_headers(monitor: DeprecationMonitor) -> None:
    notice = observe(monitor, "subscription { ticks }")
    assert notice.entries and notice.headers == ()


def test_nothing_deprecated_and_introspection(monitor: DeprecationMonitor, store: UsageStore) -> None:
    assert observe(monitor, "{ user { fullName } }") is None
    assert observe(monitor, "{ __typename }") is None
    store.flush()
    assert store.daily_totals(ENDPOINT) == {TODAY: 1}  # introspection is not counted


def test_a_parsed_document_and_an_explicit_day(monitor: DeprecationMonitor, store: UsageStore) -> None:
    query = "{ user { name } }"
    monitor.observe(SCHEMA, None, parse(query), None, None, endpoint=ENDPOINT, day=dt.date(2026, 11, 1))
    store.flush()
    used = [day.day for day in store.daily_usage(ENDPOINT, "User.name") if day.operations]
    assert used == [dt.date(2026, 11, 1)]
    with pytest.raises(ValueError, match="query text or its parsed document"):
        monitor.observe(SCHEMA, None, None, None, None, endpoint=ENDPOINT)


class TestThePlanOfADocument:
    """A document's judged notice is kept with its analysis, per endpoint; a hit reuses it while it is current."""

    def test_a_hit_reuses_the_plan_of_the_same_endpoint_and_day(self, monitor: DeprecationMonitor) -> None:
        first, second = observe(monitor, "{ user { name } }"), observe(monitor, "{ user { name } }")
        assert first is second  # the same Notice: nothing judged again
        [analysis] = [entry for entry in monitor.analyses._entries.values() if entry is not None]
        assert list(analysis.plans) == [ENDPOINT]

    def test_a_record_changed_in_the_store_is_seen_at_the_next_refresh(
        self, monitor: DeprecationMonitor, store: UsageStore
    ) -> None:
        assert observe(monitor, "{ user { name } }").entries[0]["status"] == "deprecated"
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": dt.date(2026, 12, 1)}, actor="a", why="b")
        assert "sunsetOn" not in observe(monitor, "{ user { name } }").entries[0]  # not read yet: the plan stands
        monitor.refresh()
        assert observe(monitor, "{ user { name } }").entries[0]["status"] == "sunset_warning"

    def test_a_new_day_judges_again(self, monitor: DeprecationMonitor, store: UsageStore) -> None:
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": TODAY + dt.timedelta(days=1)}, actor="a", why="b")
        monitor.refresh()
        query = "{ user { name } }"
        assert observe(monitor, query).removed == ()
        late = monitor.observe(SCHEMA, query, None, None, None, endpoint=ENDPOINT, day=TODAY + dt.timedelta(days=1))
        assert [record.coordinate for record in late.removed] == ["User.name"]
        assert observe(monitor, query).removed == ()  # and today again

    def test_each_endpoint_has_its_own_plan(self, monitor: DeprecationMonitor, store: UsageStore) -> None:
        changes = {"deprecated_on": dt.date(2026, 1, 1), "sunset_on": dt.date(2026, 2, 1)}
        store.update_deprecation(ENDPOINT, "User.name", changes, actor="a", why="b")
        monitor.refresh()
        assert observe(monitor, "{ user { name } }").removed  # removed on v1
        other = monitor.observe(SCHEMA, "{ user { name } }", None, None, None, endpoint="/api/v2/graphql")
        assert other.removed == () and other.entries[0]["status"] == "deprecated"  # seeded from the schema there

    def test_a_subscription_is_told_without_headers_every_time(self, monitor: DeprecationMonitor) -> None:
        for _ in range(2):
            notice = observe(monitor, "subscription { ticks }")
            assert notice.entries and notice.headers == () and notice.records == ()

    def test_a_preview_is_judged_for_its_request_only(self, monitor: DeprecationMonitor, store: UsageStore) -> None:
        assert observe(monitor, "{ user { name } }").removed == ()
        previewed = monitor.observe(SCHEMA, "{ user { name } }", None, None, None, endpoint=ENDPOINT, preview=True)
        assert [refusal.kind for refusal in previewed.refusals] == ["preview"]
        assert observe(monitor, "{ user { name } }").removed == ()  # the plan is untouched
        store.flush()
        [client] = store.clients(ENDPOINT, "User.name")
        assert client.operations == 2  # the previewed one did not use it (counted apart, as enforcement)

    def test_a_removal_made_after_the_plan_refuses_the_next_request(
        self, monitor: DeprecationMonitor, store: UsageStore
    ) -> None:
        query = "{ user { name } }"
        assert observe(monitor, query).removed == () and observe(monitor, query).removed == ()  # planned, reused
        changes = {"deprecated_on": dt.date(2026, 1, 1), "sunset_on": TODAY}  # removed from today
        store.update_deprecation(ENDPOINT, "User.name", changes, actor="a", why="b")
        monitor.refresh()
        notice = observe(monitor, query)
        assert [record.coordinate for record in notice.removed] == ["User.name"]
        assert notice.gone_error().extensions["code"] == GONE_CODE
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": None}, actor="a", why="rolled back")
        monitor.refresh()
        assert observe(monitor, query).removed == ()  # and the rollback is seen as soon

    def test_a_rule_set_after_the_plan_refuses_a_newcomer(self, monitor: DeprecationMonitor, store: UsageStore) -> None:
        # In its sunset warning (from D-30), used by web before it began: web is an adopter, nobody else is.
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": TODAY + dt.timedelta(days=10)}, actor="a", why="b")
        store.record_operation(ENDPOINT, {"User.name"}, client_name="web", when=dt.date(2026, 10, 1))
        monitor.refresh()
        query = "{ user { name } }"
        assert observe(monitor, query, client_name="ios").refusals == ()  # planned: no rule yet
        assert observe(monitor, query, client_name="ios").refusals == ()  # the plan reused
        store.update_deprecation(ENDPOINT, "User.name", {"refuse_new_adopters": True}, actor="a", why="b")
        monitor.refresh()
        refused = observe(monitor, query, client_name="ios")
        assert [refusal.kind for refusal in refused.refusals] == ["no_new_adopters"] and refused.removed
        assert observe(monitor, query, client_name="web").refusals == ()  # an adopter is still served

    def test_a_change_on_another_endpoint_leaves_this_ones_notice_as_it_was(
        self, monitor: DeprecationMonitor, store: UsageStore
    ) -> None:
        query = "{ user { name } }"
        before = observe(monitor, query)
        monitor.observe(SCHEMA, query, None, None, None, endpoint="/api/v2/graphql")
        monitor.refresh()  # /api/v2 registered: a new generation, so the plan is made again, to the same notice
        store.update_deprecation("/api/v2/graphql", "User.name", {"sunset_on": TODAY}, actor="a", why="b")
        monitor.refresh()
        assert observe(monitor, query).entries == before.entries and observe(monitor, query).removed == ()
        assert monitor.observe(SCHEMA, query, None, None, None, endpoint="/api/v2/graphql").removed

    def test_the_day_rolling_over_by_the_clock_starts_the_sunset_warning(
        self, monitor: DeprecationMonitor, store: UsageStore
    ) -> None:
        # The sunset is 31 days away: deprecated today, in its sunset warning (30 days) from tomorrow, removed then.
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": TODAY + dt.timedelta(days=31)}, actor="a", why="b")
        monitor.refresh()
        query = "{ user { name } }"
        today = observe(monitor, query)
        assert today.entries[0]["status"] == "deprecated" and "Sunset" in dict(today.headers)
        store.clock.advance(days=1)  # type: ignore[attr-defined]  # the same clock the monitor reads
        tomorrow = observe(monitor, query)
        assert tomorrow.entries[0]["status"] == "sunset_warning" and tomorrow is not today
        warnings = [value for name, value in tomorrow.headers if name == "Warning"]
        assert warnings != [value for name, value in today.headers if name == "Warning"]
        store.clock.advance(days=30)  # type: ignore[attr-defined]
        assert [record.coordinate for record in observe(monitor, query).removed] == ["User.name"]

    def test_plans_stay_few_whatever_the_endpoints(self, monitor: DeprecationMonitor) -> None:
        for number in range(20):
            monitor.observe(SCHEMA, "{ user { name } }", None, None, None, endpoint=f"/e{number}")
        [analysis] = [entry for entry in monitor.analyses._entries.values() if entry is not None]
        assert 1 <= len(analysis.plans) <= 8


def test_the_core_does_not_import_strawberry() -> None:
    code = "import sys, gqlevolve, gqlevolve.monitor; assert not [m for m in sys.modules if m.startswith('strawberry')]"
    subprocess.run([sys.executable, "-c", code], check=True)
