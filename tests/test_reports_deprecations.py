"""The deprecation report's reads (``gqlevolve.reports.deprecations``) on a real store, SQLite and PostgreSQL: its
30 days taken from the advisor's evidence where that evidence holds them, read otherwise, and the same either way."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve import RemovalPolicy
from gqlevolve.reports import deprecation_report
from gqlevolve.reports.deprecations import endpoint_report
from gqlevolve.usage_store.evidence import gather
from tests.advisor_helpers.history import AS_OF, ENDPOINT, days_through, deprecate, seed

LAST_30 = days_through(AS_OF, 30)  # the report's window, AS_OF included

POLICIES = {
    "default": RemovalPolicy(),  # the advisor's 90 days hold the report's 29 days before AS_OF: only AS_OF is read
    "short window": RemovalPolicy(window_days=7),  # they do not: the 30 days read whole
    "clients left out": RemovalPolicy(exclude_clients=("bot",)),  # the advisor's sums lack the bot: read whole
}


def _history(store) -> None:
    deprecate(store, "User.name", sunset_on=AS_OF + dt.timedelta(days=20))
    deprecate(store, "User.email")
    deprecate(store, "Query.never")
    seed(store, days_through(AS_OF, 95), lambda day: 3 + day.day % 4, total=1_000)  # before the window, in it, today
    seed(store, LAST_30[-3:], lambda day: 50, total=60, coordinates=["User.name", "User.email"], client="bot")
    seed(store, [AS_OF], lambda day: 7, total=7, coordinates=["User.email"], client="ios")  # used on AS_OF only


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_the_reports_30_days_are_those_of_a_read_of_the_30_days(store, policy):
    _history(store)
    with store.reading() as connection:
        expected = gather(connection, ENDPOINT, ["Query.never", "User.email", "User.name"], LAST_30[0], AS_OF)

    report = endpoint_report(store, ENDPOINT, as_of=AS_OF, policy=policy, within_days=30)

    assert report.totals == expected.totals and set(report.totals) == set(LAST_30)
    assert report.used == dict(expected.used) and "Query.never" not in report.used
    assert report.used["User.email"][AS_OF] == 50 + 7 and report.used["User.name"][AS_OF] == 50 + 3 + AS_OF.day % 4
    rows = {row.coordinate: row for row in report.rows}
    assert rows["User.name"].operations_30d == sum(expected.used["User.name"].values())
    assert rows["User.email"].share_30d == pytest.approx(
        sum(expected.used["User.email"].values()) / sum(expected.totals.values())
    )
    assert report.rows == deprecation_report(store, ENDPOINT, as_of=AS_OF, policy=policy)


def test_a_page_that_counts_its_own_rows_clients_gets_no_counts(store):
    """``client_counts=False``: the rows and sums as ever, the clients neither listed nor counted (the dashboard's
    overview counts those of the rows a page shows)."""
    _history(store)

    listed = endpoint_report(store, ENDPOINT, as_of=AS_OF)
    counted = endpoint_report(store, ENDPOINT, as_of=AS_OF, client_lists=False)
    neither = endpoint_report(store, ENDPOINT, as_of=AS_OF, client_lists=False, client_counts=False)

    # User.name: web and the bot; User.email: the bot and ios
    assert listed.client_counts == counted.client_counts == {"User.name": 2, "User.email": 2}
    assert neither.client_counts == {}
    assert [row.clients for row in neither.rows] == [[], [], []]
    assert [(row.coordinate, row.operations_30d, row.reasons) for row in neither.rows] == [
        (row.coordinate, row.operations_30d, row.reasons) for row in listed.rows
    ]
    assert (neither.totals, neither.used, neither.warnings) == (listed.totals, listed.used, listed.warnings)
