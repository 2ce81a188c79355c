"""The whole-schema reads behind the answers' speed, on SQLite and PostgreSQL: each says what the reads it stands in
for say (``used_coordinates`` what ``coordinate_counts`` does, ``coordinate_operations`` what ``operations_using``
and ``coordinate_clients`` do, ``operations_and_clients`` what ``operations_of`` and ``clients_of`` do,
``WindowUsage`` what ``operations_and_clients`` does, ``schema_since`` what ``current_coordinates`` does), over
traffic with ties, several client versions, an unnamed client, days outside the window and operations past the
daily cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.operation_shape import OperationShape
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.breakage_reads import (
    WindowUsage,
    clients_of,
    operations_and_clients,
    operations_of,
    signatures_using,
)
from gqlevolve.usage_store.coordinate_clients import coordinate_clients, coordinate_operations
from gqlevolve.usage_store.engine import SQLITE_MMAP_BYTES
from gqlevolve.usage_store.operation_reads import (
    coordinate_counts,
    coordinate_seen_days,
    coordinates_seen,
    operations_using,
    schema_since,
    used_coordinates,
)
from gqlevolve.usage_store.schema_registry import current_coordinates

ENDPOINT = "/api/v1/graphql"
TODAY = dt.date(2026, 11, 21)


def shape(name: str, *coordinates: str) -> OperationShape:
    return OperationShape("query", name, name.encode().hex().ljust(32, "0")[:32], frozenset({"Query", *coordinates}))


A = shape("A", "Query.users", "User", "User.name")
B = shape("B", "Query.users", "User", "User.id")
C = shape("C", "Query.users", "User", "User.name", "User.id")  # as used as A: a tie broken by name
D = shape("D", "Query.viewer", "User", "User.email")
E = shape("E", "Query.viewer", "User", "User.name")  # past the daily cap on the days it comes late


def day(offset: int) -> dt.date:
    return TODAY - dt.timedelta(days=offset)


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(TODAY),
                    max_operations_per_day=4) as opened:
        for offset in (40, 20, 6, 3, 0):
            for operation, client, version, count in (
                (A, "web", "1.0", 4), (C, "ios", "5.1", 4), (B, "web", "2.0", 2), (D, None, None, 1), (E, "bot", "1", 3),
            ):
                if operation is D and offset < 6:
                    continue
                opened.record_operation(ENDPOINT, (), client_name=client, client_version=version, operation=operation,
                                        when=day(offset), count=count)
        yield opened


WINDOWS = [(day(6), TODAY), (day(29), TODAY), (day(25), day(10)), (day(45), day(41)), (day(3), day(3))]


@pytest.mark.parametrize(("first", "last"), WINDOWS)
def test_used_coordinates_are_those_with_a_count_in_the_window(store: UsageStore, first: dt.date, last: dt.date) -> None:
    with store.reading() as connection:
        expected = {coordinate for coordinate, count in coordinate_counts(connection, ENDPOINT, first, last).items() if count}
        assert used_coordinates(connection, ENDPOINT, first, last) == expected
        assert used_coordinates(connection, "/api/v2/graphql", first, last) == set()


def test_one_coordinates_first_and_last_day(store: UsageStore) -> None:
    with store.reading() as connection:
        seen = coordinates_seen(connection, ENDPOINT)
        for coordinate in ("User.email", "User.name", "Query"):
            assert coordinate_seen_days(connection, ENDPOINT, coordinate) == seen[coordinate]
        assert coordinate_seen_days(connection, ENDPOINT, "User.nickname") is None
    assert seen["User.email"] == (day(40), day(6))


@pytest.mark.parametrize("coordinate", ["Query", "User.name", "User.id", "User.email", "User.nickname"])
@pytest.mark.parametrize("client", [None, ("web", None), ("web", "2.0"), ("nobody", None)])
@pytest.mark.parametrize(("first", "last"), WINDOWS[:3])
def test_coordinate_operations_say_what_operations_using_and_coordinate_clients_say(
    store: UsageStore, coordinate: str, client: tuple[str, str | None] | None, first: dt.date, last: dt.date,
) -> None:
    with store.reading() as connection:
        operations = operations_using(connection, ENDPOINT, [coordinate], first, last, client=client)
        clients = coordinate_clients(connection, ENDPOINT, coordinate, first, last, client=client)
        for limit in (None, 0, 1, 2, 3, 10):
            found = coordinate_operations(connection, ENDPOINT, coordinate, first, last, client=client, limit=limit)
            shown = operations if limit is None else operations[:limit]
            assert found.operations == shown
            assert (found.more, found.named) == (len(operations) - len(shown), sum(o.count for o in operations))
            assert found.clients == clients


def test_a_tie_at_the_limit_is_broken_by_name(store: UsageStore) -> None:
    with store.reading() as connection:
        found = coordinate_operations(connection, ENDPOINT, "User.name", day(6), TODAY, limit=1)
    assert [(o.name, o.count, o.clients) for o in found.operations] == [("A", 12, (("web", "1.0"),))]
    assert found.more == 2  # C (as used as A) and E (named on the days it came under the cap)


@pytest.mark.parametrize("coordinates", [["User.name"], ["User.id"], ["Query"], ["User.email", "User.id"], []])
@pytest.mark.parametrize("exclude", [(), ("web",)])
def test_operations_and_clients_say_what_operations_of_and_clients_of_say(
    store: UsageStore, coordinates: list[str], exclude: tuple[str, ...],
) -> None:
    with store.reading() as connection:
        signatures = signatures_using(connection, coordinates)
        for first, last in WINDOWS:
            named, clients = operations_and_clients(connection, ENDPOINT, signatures, first, last, exclude=exclude)
            assert named == operations_of(connection, ENDPOINT, signatures, first, last, exclude=exclude)
            assert clients == clients_of(connection, ENDPOINT, signatures, first, last, exclude=exclude)
            if not exclude:
                assert named == operations_using(connection, ENDPOINT, coordinates, first, last)


@pytest.mark.parametrize("exclude", [(), ("web",)])
@pytest.mark.parametrize(("first", "last"), WINDOWS)
def test_window_usage_says_what_operations_and_clients_say_reading_each_operation_once(
    store: UsageStore, exclude: tuple[str, ...], first: dt.date, last: dt.date,
) -> None:
    questions = [["User.name"], ["User.id"], ["User.name", "User.id"], ["Query"], ["User.email"], [], ["User.name"]]
    with store.reading() as connection:
        usage = WindowUsage(ENDPOINT, first, last, exclude=exclude)
        for coordinates in questions:
            signatures = signatures_using(connection, coordinates)
            named, clients = operations_and_clients(connection, ENDPOINT, signatures, first, last, exclude=exclude)
            for limit in (None, 0, 1, 2, 10):
                found = usage.used_by(connection, signatures, limit=limit)
                shown = named if limit is None else named[:limit]
                assert found.shown == shown
                assert (found.more, found.counted) == (len(named) - len(shown), sum(o.count for o in named))
                assert found.clients == clients
        # Every operation's rows were read once: a second instance that reads them all says the same.
        everything = signatures_using(connection, ["Query"])
        assert sorted(usage.rows(connection, everything)) == sorted(
            WindowUsage(ENDPOINT, first, last, exclude=exclude).rows(connection, everything)
        )


def test_window_usage_reads_only_the_operations_it_has_not_read(store: UsageStore) -> None:
    statements: list[str] = []
    with store.reading() as connection:
        usage = WindowUsage(ENDPOINT, day(29), TODAY)
        name, both = signatures_using(connection, ["User.name"]), signatures_using(connection, ["User.name", "User.id"])

        def count(conn: object, cursor: object, statement: str, *args: object) -> None:
            if "operation_summaries" in statement:
                statements.append(statement)

        sa.event.listen(connection, "before_cursor_execute", count)
        usage.used_by(connection, name, limit=2)
        usage.used_by(connection, name, limit=2)
        assert len(statements) == 1
        usage.used_by(connection, both, limit=2)  # B only uses User.id: read now
        assert len(statements) == 2
        usage.used_by(connection, set(), limit=2)
        assert len(statements) == 2


def test_schema_since_says_what_current_coordinates_says(store: UsageStore) -> None:
    asked = ["Query", "Query.users", "User.name", "User.nickname", "Nothing"]
    with store.reading() as connection:
        assert schema_since(connection, ENDPOINT, asked) is None  # no schema registered: nothing to look in
    store.register_schema(ENDPOINT, "type Query { users: [User] } type User { name: String, email: String }",
                          today=day(20))
    store.register_schema(ENDPOINT, "type Query { users: [User] } type User { name: String, id: ID }", today=day(3))
    with store.reading() as connection:
        schema = current_coordinates(connection, ENDPOINT)
        assert schema_since(connection, ENDPOINT, asked) == {c: schema[c] for c in asked if c in schema}
        assert schema_since(connection, ENDPOINT, ["User.email"]) == {}  # removed on day 3: not in the schema now
        assert schema_since(connection, ENDPOINT, ["User.id"]) == {"User.id": day(3)}
        assert schema_since(connection, "/api/v2/graphql", asked) is None


def test_a_read_maps_the_sqlite_file_and_plans_each_postgresql_statement_for_its_values(store: UsageStore) -> None:
    """The engine's settings behind the reads above: SQLite reads the file through a memory map; a read-only
    PostgreSQL transaction plans every statement for its own values (an IN list of signatures stays hashed), and
    only that transaction: a write keeps the server's setting."""
    with store.reading() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() == SQLITE_MMAP_BYTES
        else:
            assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as connection:
            assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
