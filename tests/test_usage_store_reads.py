"""The read layer (``gqlevolve.usage_store.reads``): each named read on a real store, SQLite and PostgreSQL.

Also: the advisor and the reports build no SQL of their own (they call these reads), and a store's
``reading()`` is one connection in one read-only transaction.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

import gqlevolve
from gqlevolve.usage_store import ClientCoordinateUsage, ClientUsage, UsageStore, reads
from gqlevolve.usage_store.tables import operation_totals
from tests.usage_store_helpers.recording import record

ENDPOINT = "/api/v1/graphql"
OTHER = "/api/v2/graphql"
DAY = dt.date(2025, 6, 1)


def day(offset: int) -> dt.date:
    return DAY + dt.timedelta(days=offset)



def watched_without_traffic(store: UsageStore, when: dt.date) -> None:
    """The row the flusher writes for a watched endpoint that served nothing that day."""
    with store.engine.begin() as connection:
        connection.execute(
            operation_totals.insert().values(endpoint=ENDPOINT, day=when, client_name="", client_version="", count=0)
        )


# --- daily_totals, with and without excluded clients ------------------------------------------------------------


def test_daily_totals_sum_every_client_and_keep_a_watched_day_without_traffic(store):
    record(store, day(0), ["User.name"], client="web", count=3)
    record(store, day(0), client="bot", count=5)
    record(store, day(1), client="bot", count=2)
    watched_without_traffic(store, day(2))
    record(store, day(0), client="web", count=100, endpoint=OTHER)

    with store.reading() as connection:
        assert reads.daily_totals(connection, ENDPOINT) == {day(0): 8, day(1): 2, day(2): 0}
        assert reads.daily_totals(connection, ENDPOINT, since=day(1), until=day(1)) == {day(1): 2}
    assert store.daily_totals(ENDPOINT, until=day(0)) == {day(0): 8}


def test_daily_totals_without_excluded_clients_keep_their_days_at_zero(store):
    record(store, day(0), ["User.name"], client="web", count=3)
    record(store, day(0), client="bot", count=5)
    record(store, day(1), client="bot", count=2)  # only an excluded client: 0, not a day without data
    record(store, day(1), client=None, count=1)

    with store.reading() as connection:
        assert reads.daily_totals(connection, ENDPOINT, exclude=("bot",)) == {day(0): 3, day(1): 1}
        assert reads.daily_totals(connection, ENDPOINT, exclude=("bot", "web")) == {day(0): 0, day(1): 1}
    assert store.daily_totals(ENDPOINT, exclude=["web"]) == {day(0): 5, day(1): 3}


# --- deprecated_operations --------------------------------------------------------------------------------------------


def test_deprecated_operations_count_an_operation_once_however_many_elements_it_used(store):
    record(store, day(0), ["User.name", "User.email"], client="web", count=4)
    record(store, day(0), ["User.name"], client="ios", count=1)
    record(store, day(0), client="ios", count=10)
    record(store, day(1), client="ios", count=10)  # nothing deprecated: no entry
    record(store, day(2), ["Query.old"], count=2)
    record(store, day(2), ["Query.old"], count=9, endpoint=OTHER)

    with store.reading() as connection:
        assert reads.deprecated_operations(connection, ENDPOINT) == {day(0): 5, day(2): 2}
        assert reads.deprecated_operations(connection, ENDPOINT, since=day(1)) == {day(2): 2}
        assert reads.deprecated_operations(connection, ENDPOINT, until=day(1)) == {day(0): 5}
    assert store.deprecated_operations(OTHER) == {day(2): 9}


# --- clients_seen ---------------------------------------------------------------------------------------------------


def test_clients_seen_with_all_their_operations_and_last_day(store):
    record(store, day(0), ["User.name"], client="web", version="1.0", count=3)
    record(store, day(1), client="web", version="1.0", count=4)
    record(store, day(0), client="web", version="2.0", count=1)
    record(store, day(2), client=None, count=2)
    record(store, day(5), client="late", count=1)  # outside the window asked for
    watched_without_traffic(store, day(1))  # names no client
    record(store, day(0), client="elsewhere", count=1, endpoint=OTHER)

    with store.reading() as connection:
        seen = reads.clients_seen(connection, ENDPOINT, since=day(0), until=day(2))
    assert seen == [
        ClientUsage(None, None, 2, day(2)),
        ClientUsage("web", "1.0", 7, day(1)),
        ClientUsage("web", "2.0", 1, day(0)),
    ]
    assert store.clients_seen(ENDPOINT, since=day(3)) == [ClientUsage("late", None, 1, day(5))]
    assert store.clients_seen(OTHER) == [ClientUsage("elsewhere", None, 1, day(0))]


def test_clients_seen_leave_out_a_watched_endpoint_without_traffic(store):
    watched_without_traffic(store, day(0))

    with store.reading() as connection:
        assert reads.clients_seen(connection, ENDPOINT) == []
        assert reads.daily_totals(connection, ENDPOINT) == {day(0): 0}


# --- client_coordinates -----------------------------------------------------------------------------------------------


def test_client_coordinates_fan_each_signature_out_to_its_coordinates(store):
    record(store, day(0), ["User.name", "User.email"], client="web", version="1.0", count=2)
    record(store, day(1), ["User.name"], client="web", version="1.0", count=5)
    record(store, day(1), ["User.email"], client=None, count=1)
    record(store, day(1), client="web", version="1.0", count=50)  # nothing deprecated
    record(store, day(9), ["User.name"], client="ios", count=1)  # outside the window
    record(store, day(1), ["User.name"], client="web", version="1.0", count=7, endpoint=OTHER)

    with store.reading() as connection:
        uses = reads.client_coordinates(connection, ENDPOINT, since=day(0), until=day(1))
    assert uses == [
        ClientCoordinateUsage(None, None, "User.email", 1, day(1)),
        ClientCoordinateUsage("web", "1.0", "User.name", 7, day(1)),
        ClientCoordinateUsage("web", "1.0", "User.email", 2, day(0)),
    ]
    with store.reading() as connection:
        assert reads.client_coordinates(connection, ENDPOINT, since=day(2)) == [
            ClientCoordinateUsage("ios", None, "User.name", 1, day(9))
        ]
        assert reads.client_coordinates(connection, "/api/v9/graphql") == []


def test_client_first_coordinates_rank_each_clients_pairs_and_count_them_all(store):
    """Most operations first, ties by the coordinate's code points (``Role`` before ``User``, ``User.Zed`` before
    ``User.alpha``, which a locale's order would swap), cut to ``first`` per client; the count is of all the
    client's pairs, and each pair keeps its own operations and last day (the three lists the database concatenates
    pair up)."""
    record(store, day(0), ["User.alpha"], client="web", version="1.0", count=4)
    record(store, day(1), ["User.Zed"], client="web", version="1.0", count=4)
    record(store, day(1), ["Role.GUEST"], client="web", version="1.0", count=4)
    record(store, day(0), ["User.name"], client="web", version="1.0", count=9)
    record(store, day(1), ["User.name"], client="web", version="1.0", count=1)
    record(store, day(0), ["User.email"], client="web", version="1.0", count=1)
    record(store, day(1), ["User.email"], client=None, count=3)
    record(store, day(1), ["User.name"], client="web", version="2.0", count=2, endpoint=OTHER)

    with store.reading() as connection:
        uses, counts = reads.client_first_coordinates(connection, ENDPOINT, since=day(0), until=day(1), first=3)
        every = reads.client_coordinates(connection, ENDPOINT, since=day(0), until=day(1))
    assert uses == [
        ClientCoordinateUsage(None, None, "User.email", 3, day(1)),
        ClientCoordinateUsage("web", "1.0", "User.name", 10, day(1)),
        ClientCoordinateUsage("web", "1.0", "Role.GUEST", 4, day(1)),
        ClientCoordinateUsage("web", "1.0", "User.Zed", 4, day(1)),
    ]
    assert counts == {(None, None): 1, ("web", "1.0"): 5}
    web = [use for use in every if use.name == "web"]
    assert len(web) == 5 and web[:3] == uses[1:]  # the full list's first three
    with store.reading() as connection:
        assert reads.client_first_coordinates(connection, "/api/v9/graphql", since=day(0), until=day(1)) == ([], {})


# --- weekly_users, weekly_active_clients ------------------------------------------------------------------------------


def test_weekly_users_by_coordinate_and_week_with_everything_before_as_week_minus_one(store):
    first = day(0)  # week 0: day 0-6, week 1: day 7-13
    record(store, day(-100), ["User.name"], client="old-app")  # long before: week -1
    record(store, day(-1), ["User.name"], client="web", version="1.0")  # the day before: week -1
    record(store, day(0), ["User.name", "User.email"], client="web", version="2.0")
    record(store, day(6), ["User.name"], client=None)
    record(store, day(7), ["User.email"], client="ios")
    record(store, day(13), ["User.email"], client="web")
    record(store, day(14), ["User.name"], client="after")  # after the last week: not read
    record(store, day(8), ["Query.other"], client="web")  # not asked for

    with store.reading() as connection:
        users = reads.weekly_users(connection, ENDPOINT, ["User.name", "User.email", "User.unused"], first_day=first, weeks=2)

    assert users == {
        "User.name": {reads.BEFORE_FIRST_WEEK: {"old-app", "web"}, 0: {"web", None}},
        "User.email": {0: {"web"}, 1: {"ios", "web"}},
    }
    with store.reading() as connection:
        assert reads.weekly_users(connection, ENDPOINT, [], first_day=first, weeks=2) == {}


def test_weekly_active_clients_are_those_that_sent_anything_that_week(store):
    first = day(0)
    record(store, day(-1), client="before")  # before the first week: not read
    record(store, day(0), ["User.name"], client="web")
    record(store, day(3), client=None)
    record(store, day(7), client="ios", version="1.0")
    record(store, day(8), client="ios", version="2.0")
    record(store, day(21), client="after")  # after the last week
    watched_without_traffic(store, day(10))  # no operation: nobody active

    with store.reading() as connection:
        active = reads.weekly_active_clients(connection, ENDPOINT, first_day=first, weeks=3)

    assert active == {0: {"web", None}, 1: {"ios"}}


# --- one connection, one transaction; SQL only in the store --------------------------------------------------------


def test_reading_is_one_connection_in_one_read_only_transaction(store):
    record(store, day(0), ["User.name"], client="web")
    checkouts = []

    def checked_out(*_args: object) -> None:
        checkouts.append(1)

    sa.event.listen(store.engine, "checkout", checked_out)
    try:
        with store.reading() as connection:
            assert connection.in_transaction()
            assert connection.get_execution_options()["read_only"] is True
            reads.endpoints(connection)
            reads.daily_totals(connection, ENDPOINT)
            reads.clients_seen(connection, ENDPOINT)
            reads.deprecated_operations(connection, ENDPOINT)
    finally:
        sa.event.remove(store.engine, "checkout", checked_out)
    assert len(checkouts) == 1


def _imports(package: str) -> dict[str, set[str]]:
    """Module file -> every module it imports (at run time or for type checking)."""
    found: dict[str, set[str]] = {}
    for path in sorted((Path(gqlevolve.__file__).parent / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[f"{package}/{path.name}"] = names
    return found


@pytest.mark.parametrize("package", ["advisor", "reports"])
def test_the_advisor_and_the_reports_build_no_sql_and_use_the_read_layer(package):
    for module, names in _imports(package).items():
        assert not {name for name in names if name.split(".")[0] == "sqlalchemy"}, module
        assert "gqlevolve.usage_store.tables" not in names, module
        assert "gqlevolve.advisor.evidence" not in names, module
