"""The removal advisor's evidence (``gqlevolve.usage_store.evidence.gather``) on a real store, SQLite and PostgreSQL.

The rule that judges it is tested in ``tests/test_advisor.py``; here, what is read: totals, usage per coordinate
and day (a signature fanned out to every coordinate it references), clients, the last day used, and the clients
left out.
"""

from __future__ import annotations

import datetime as dt

from gqlevolve.advisor import ClientEvidence
from gqlevolve.usage_store import ClientUsage, UsageStore
from gqlevolve.usage_store.evidence import SQLITE_READ_CACHE_KIB, Evidence, gather
from tests.usage_store_helpers.recording import record

ENDPOINT = "/api/v1/graphql"
FIRST = dt.date(2025, 5, 1)
LAST = dt.date(2025, 5, 3)


def day(offset: int) -> dt.date:
    return FIRST + dt.timedelta(days=offset)



def gathered(store: UsageStore, coordinates, **kwargs) -> Evidence:
    with store.reading() as connection:
        return gather(connection, ENDPOINT, coordinates, FIRST, LAST, **kwargs)


def test_a_signature_counts_for_each_coordinate_it_references(store):
    record(store, day(0), ["User.name", "User.email"], client="web", version="1.0", count=3)
    record(store, day(0), ["User.name"], client="ios", count=2)
    record(store, day(1), ["User.email"], client="web", version="1.0", count=1)
    record(store, day(1), client="web", version="1.0", count=94)
    record(store, day(2), ["Query.other"], client="web", count=4)  # not asked for

    evidence = gathered(store, ["User.name", "User.email"])

    assert evidence.totals == {day(0): 5, day(1): 95, day(2): 4}
    assert evidence.used == {"User.name": {day(0): 5}, "User.email": {day(0): 3, day(1): 1}}
    assert evidence.clients["User.name"] == [ClientUsage("web", "1.0", 3, day(0)), ClientUsage("ios", None, 2, day(0))]
    assert evidence.clients["User.email"] == [ClientUsage("web", "1.0", 4, day(1))]
    assert evidence.last_used == {"User.name": day(0), "User.email": day(1)}


def test_the_window_bounds_usage_and_totals_but_last_used_looks_back(store):
    record(store, day(-30), ["User.name"], client="web", count=7)
    record(store, day(-10), ["User.name"], client="web", count=1)
    record(store, day(-5), ["User.email"], client="web", count=1)
    record(store, day(3), ["User.name", "User.email"], client="web", count=9)  # after the window
    record(store, day(1), client="web", count=10)

    evidence = gathered(store, ["User.name", "User.email", "User.never"])

    assert evidence.totals == {day(1): 10}
    assert evidence.used == {} and evidence.clients == {}
    assert evidence.last_used == {"User.name": day(-10), "User.email": day(-5)}  # never after the window


def test_excluded_clients_leave_usage_clients_totals_and_last_used(store):
    record(store, day(0), ["User.name"], client="bot", count=50)
    record(store, day(0), ["User.name"], client="web", count=1)
    record(store, day(0), client="web", count=49)
    record(store, day(1), client="bot", count=100)  # only an excluded client that day: a total of 0
    record(store, day(-3), ["User.email"], client="bot", count=1)

    evidence = gathered(store, ["User.name", "User.email"], exclude=("bot",))

    assert evidence.totals == {day(0): 50, day(1): 0}
    assert evidence.used == {"User.name": {day(0): 1}}
    assert evidence.clients["User.name"] == [ClientUsage("web", None, 1, day(0))]
    assert "User.email" not in evidence.last_used


def test_clients_are_ordered_by_operations_then_name_and_version(store):
    for client, version, count in [("b", "1", 2), ("a", "2", 2), ("a", "1", 2), (None, None, 5), ("c", None, 1)]:
        record(store, day(0), ["User.name"], client=client, version=version, count=count)

    evidence = gathered(store, ["User.name"])

    assert [(c.name, c.version, c.operations) for c in evidence.clients["User.name"]] == [
        (None, None, 5), ("a", "1", 2), ("a", "2", 2), ("b", "1", 2), ("c", None, 1),
    ]


def test_without_coordinates_only_the_totals_are_read(store):
    record(store, day(0), ["User.name"], client="web", count=2)
    record(store, day(2), client="web", count=3)

    evidence = gathered(store, [])

    assert evidence.totals == {day(0): 2, day(2): 3}
    assert evidence.used == {} and evidence.clients == {} and evidence.last_used == {}


def test_the_advisor_record_of_a_client_is_the_read_layers():
    assert ClientEvidence is ClientUsage


def test_a_sqlite_read_gets_a_larger_page_cache(sqlite_url):
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store, store.reading() as connection:
        gather(connection, ENDPOINT, ["User.name"], FIRST, LAST)
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_READ_CACHE_KIB
