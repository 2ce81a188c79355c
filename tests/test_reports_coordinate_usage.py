"""``coordinate_usage`` (``gqlevolve usage COORD``) on both backends: days and shares, operations, clients, one
client, the limit, what the schema says, and every bad input refused clearly.

:func:`seed` is shared by the other whole-schema tests (``unused``, the command line, the admin API, the dashboard).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from gqlevolve import UsageStore
from gqlevolve.clock import FixedClock
from gqlevolve.coordinates import InvalidCoordinate
from gqlevolve.endpoints import EndpointNotChosen, UnknownEndpoint
from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.jsonable import to_jsonable
from gqlevolve.operation_shape import OperationShape
from gqlevolve.reports.coordinate_usage import coordinate_usage, parse_client

AS_OF = dt.date(2025, 6, 1)
V1, V2 = "/api/v1/graphql", "/api/v2/graphql"
SDL = """
type Query { users(first: Int): [User] me: User legacyUsers: [User] }
type User { name: String email: String legacyId: ID nickname: String }
"""
SDL_WITH_BETA = SDL.replace("legacyUsers: [User] }", "legacyUsers: [User] beta: Int }")
USERS = OperationShape("query", "Users", "a1" * 16, frozenset({"Query", "Query.users", "Query.users(first:)", "Int", "User", "User.name"}))
ME = OperationShape("query", "Me", "b2" * 16, frozenset({"Query", "Query.me", "User", "User.name", "User.email"}))
OLD = OperationShape("query", "Old", "c3" * 16, frozenset({"Query", "Query.legacyUsers", "User", "User.legacyId", "ID"}))


def day(offset: int) -> dt.date:
    return AS_OF - dt.timedelta(days=offset)


def seed(store: UsageStore) -> None:
    """V1's schema registered 100 days before AS_OF, ``Query.beta`` added 3 days before; 10 days of traffic to
    AS_OF: ``Users`` by web 1.4 (3 a day), ``Me`` by ios 5.1 (7 a day), ``Users`` by web 2.0 on AS_OF (1);
    ``Old`` (``Query.legacyUsers``, ``User.legacyId``) once, 60 days before. V2: some traffic, no schema."""
    store.register_schema(V1, SDL, today=day(100))
    store.register_schema(V1, SDL_WITH_BETA, today=day(3))
    store.record_operation(V1, (), client_name="legacy", client_version="0.9", operation=OLD, when=day(60), count=2)
    for offset in range(9, -1, -1):
        store.record_operation(V1, (), client_name="web", client_version="1.4", operation=USERS, when=day(offset), count=3)
        store.record_operation(V1, (), client_name="ios", client_version="5.1", operation=ME, when=day(offset), count=7)
    store.record_operation(V1, (), client_name="web", client_version="2.0", operation=USERS, when=AS_OF, count=1)
    store.record_operation(V2, (), client_name="web", operation=USERS, when=AS_OF, count=4)


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as opened:
        seed(opened)
        yield opened


def test_days_shares_operations_and_clients(store: UsageStore) -> None:
    report = coordinate_usage(store, "v1", "User.name", days=5)

    assert (report.endpoint, report.first_day, report.last_day) == (V1, day(4), AS_OF)
    assert [(d.day, d.operations, d.total) for d in report.days] == [(day(o), 10, 10) for o in range(4, 0, -1)] + [(AS_OF, 11, 11)]
    assert (report.used, report.total, report.share) == (51, 51, 1.0)
    assert (report.in_schema, report.since, report.first_seen, report.last_seen) == (True, day(100), day(9), AS_OF)
    assert [(o.name, o.kind, o.document_hash, o.operations, o.last_seen) for o in report.operations] == [
        ("Me", "query", "b2" * 16, 35, AS_OF), ("Users", "query", "a1" * 16, 16, AS_OF),
    ]
    assert [(c.name, c.version) for c in report.operations[1].clients] == [("web", "1.4"), ("web", "2.0")]
    assert [(c.name, c.version, c.operations, c.last_seen) for c in report.clients] == [
        ("ios", "5.1", 35, AS_OF), ("web", "1.4", 15, AS_OF), ("web", "2.0", 1, AS_OF),
    ]
    assert (report.more_operations, report.unattributed, report.client) == (0, 0, None)


def test_a_coordinate_used_by_part_of_the_traffic(store: UsageStore) -> None:
    report = coordinate_usage(store, "v1", "User.email", days=1)

    assert (report.used, report.total) == (7, 11)
    assert report.share == pytest.approx(7 / 11)
    assert [o.name for o in report.operations] == ["Me"]


def test_one_client_and_one_version(store: UsageStore) -> None:
    web = coordinate_usage(store, "v1", "User.name", days=1, client="web")
    assert (web.used, web.total, [c.version for c in web.clients]) == (4, 4, ["1.4", "2.0"])
    assert to_jsonable(web.client) == {"name": "web", "version": None}

    one = coordinate_usage(store, "v1", "User.name", days=1, client="web@2.0")
    assert (one.used, one.total, [(o.name, o.operations) for o in one.operations]) == (1, 1, [("Users", 1)])

    nobody = coordinate_usage(store, "v1", "User.name", days=1, client="android")
    assert (nobody.used, nobody.total, nobody.days, nobody.operations, nobody.clients) == (0, 0, [], [], [])


def test_the_limit_and_how_many_more(store: UsageStore) -> None:
    report = coordinate_usage(store, "v1", "User", days=90, limit=1)

    assert [o.name for o in report.operations] == ["Me"]
    assert report.more_operations == 2  # Users and Old


def test_in_the_schema_but_never_used_and_not_in_it_at_all(store: UsageStore) -> None:
    never = coordinate_usage(store, "v1", "User.nickname", days=30)
    assert (never.used, never.first_seen, never.last_seen, never.in_schema, never.since) == (0, None, None, True, day(100))
    assert never.total == 101 and never.operations == [] and never.clients == []

    with pytest.raises(NotFound, match=r'"User.nick" was never used on /api/v1/graphql and is not in the schema it registered'):
        coordinate_usage(store, "v1", "User.nick", days=30)
    with pytest.raises(NotFound, match="it registered no schema"):
        coordinate_usage(store, "v2", "User.nickname", days=30)
    on_v2 = coordinate_usage(store, "v2", "User.name", days=30)  # used there, no schema registered: in_schema unknown
    assert (on_v2.used, on_v2.in_schema, on_v2.since) == (4, None, None)


def test_uses_past_the_daily_cap_of_operations_are_unattributed(store_url: str) -> None:
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False, max_operations_per_day=1) as capped:
        capped.record_operation(V1, (), client_name="web", operation=USERS, count=3)
        capped.record_operation(V1, (), client_name="ios", operation=ME, count=5)  # a second shape today: past the cap
        report = coordinate_usage(capped, "v1", "User.name", days=1)
    assert (report.used, [o.name for o in report.operations], report.unattributed) == (8, ["Users"], 5)


def test_an_endpoint_with_only_a_registered_schema_is_known(store_url: str) -> None:
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as fresh:
        fresh.register_schema(V1, SDL)
        report = coordinate_usage(fresh, None, "Query.me", days=7)
    assert (report.endpoint, report.used, report.total, report.in_schema) == (V1, 0, 0, True)


# --- hostile and bad input ----------------------------------------------------------------------------------


def test_a_10_kb_coordinate_is_refused_with_a_short_message(store: UsageStore) -> None:
    with pytest.raises(InvalidCoordinate) as caught:
        coordinate_usage(store, "v1", "User." + "x" * 10_240, days=7)
    assert caught.value.field == "coordinate"
    assert "at most 300 characters, not 10245" in str(caught.value) and len(str(caught.value)) < 300


@pytest.mark.parametrize("coordinate", ["User name", "", "User.", "<script>"])
def test_what_is_not_a_coordinate_is_refused(store: UsageStore, coordinate: str) -> None:
    with pytest.raises(InvalidCoordinate, match="not a schema coordinate"):
        coordinate_usage(store, "v1", coordinate, days=7)


@pytest.mark.parametrize("days", [0, -1, 3661, 100_000_000])
def test_days_out_of_bounds(store: UsageStore, days: int) -> None:
    with pytest.raises(InvalidInput, match=f"days must be a whole number from 1 to 3660, not {days}"):
        coordinate_usage(store, "v1", "User.name", days=days)


@pytest.mark.parametrize("limit", [0, 1001])
def test_limit_out_of_bounds(store: UsageStore, limit: int) -> None:
    with pytest.raises(InvalidInput, match=f"limit must be a whole number from 1 to 1000, not {limit}"):
        coordinate_usage(store, "v1", "User.name", limit=limit)


def test_an_unknown_endpoint_lists_the_known_ones(store: UsageStore) -> None:
    with pytest.raises(UnknownEndpoint, match=r'unknown endpoint "v9"; the usage store knows: /api/v1/graphql, /api/v2/graphql'):
        coordinate_usage(store, "v9", "User.name")
    with pytest.raises(EndpointNotChosen):
        coordinate_usage(store, None, "User.name")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("web", ("web", None)), ("web@1.4", ("web", "1.4")), ("bot@corp@2.0", ("bot@corp", "2.0")),
     (" My App@1.0 ", ("My App", "1.0"))],
)
def test_client_names_split_at_the_last_at(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_client(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("web\x1b[2J", r'no client is stored as "web\\u001b\[2J"'),
        ("<script>alert(1)</script>", "no client is stored as"),
        ("web@", "give a version after '@'"),
        ("@1.0", "no client is stored as"),
        ("", "expected a client name"),
        ("x" * 65, "at most 64 and 32 characters"),
        ("web@" + "1" * 33, "at most 64 and 32 characters"),
    ],
)
def test_a_client_no_store_could_hold_is_refused(store: UsageStore, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        coordinate_usage(store, "v1", "User.name", client=text)
    assert caught.value.field == "client" and "\x1b" not in str(caught.value)
