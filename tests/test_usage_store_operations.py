"""Whole-schema usage in the store: shapes recorded off the request path, the daily cap on distinct operations,
the per-coordinate sums, the spill file, pruning, and the registered schema (``usage_store.operations``,
``operation_writer``, ``schema_registry``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.operation_shape import OperationShape
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.operation_reads import coordinate_counts, coordinates_seen, operations_using
from gqlevolve.usage_store.operations import OVERFLOW_SIGNATURE
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.schema_registry import current_coordinates
from gqlevolve.usage_store.spill import SpillRecord
from gqlevolve.usage_store.tables import coordinate_seen, operation_coordinates, operation_usage, operations

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2026, 11, 21)
USERS = OperationShape("query", "Users", "a" * 32, frozenset({"Query", "Query.users", "User", "User.name", "User.id"}))
VIEWER = OperationShape("query", "Viewer", "b" * 32, frozenset({"Query", "Query.viewer", "User", "User.id"}))


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY)) as store:
        yield store


def _rows(store: UsageStore, statement: sa.Select) -> list:  # type: ignore[type-arg]
    with store.reading() as connection:
        return list(connection.execute(statement).all())


def test_a_buffered_operation_is_stored_once_per_signature_and_counted_per_client(store: UsageStore) -> None:
    for client in ("web", "web", "ios"):
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name=client, operation=USERS)
    store.record_buffered(ENDPOINT, frozenset(), client_name="web", operation=VIEWER)
    assert store.flush() == 4
    stored = _rows(store, sa.select(operations.c.kind, operations.c.name, operations.c.coordinate_count).order_by(operations.c.name))
    assert stored == [("query", "Users", 5), ("query", "Viewer", 4)]
    flags = dict(_rows(store, sa.select(operation_coordinates.c.coordinate, operation_coordinates.c.deprecated)
                       .where(operation_coordinates.c.coordinate.in_(["User.name", "User.id"]))
                       .where(operation_coordinates.c.deprecated.is_(True))))
    assert flags == {"User.name": True}  # the deprecated one is flagged
    with store.reading() as connection:
        counts = coordinate_counts(connection, ENDPOINT, DAY, DAY)
        used = operations_using(connection, ENDPOINT, ["User.id"], DAY, DAY)
    assert counts == {"Query": 4, "Query.users": 3, "Query.viewer": 1, "User": 4, "User.id": 4, "User.name": 3}
    assert [(o.name, o.count, o.clients) for o in used] == [
        ("Users", 3, (("web", None), ("ios", None))), ("Viewer", 1, (("web", None),)),
    ]
    # The deprecated usage is counted as before, beside.
    assert [(d.operations, d.total) for d in store.daily_usage(ENDPOINT, "User.name")] == [(3, 4)]


def test_first_and_last_seen_only_move_outwards(store: UsageStore) -> None:
    for day in (dt.date(2026, 11, 10), dt.date(2026, 11, 1), dt.date(2026, 11, 20), dt.date(2026, 11, 5)):
        store.record_operation(ENDPOINT, (), operation=VIEWER, when=day)
    with store.reading() as connection:
        assert coordinates_seen(connection, ENDPOINT)["Query.viewer"] == (dt.date(2026, 11, 1), dt.date(2026, 11, 20))


def test_past_the_daily_cap_operations_share_one_row_and_their_coordinates_still_count(store_url: str) -> None:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY),
                    max_operations_per_day=2) as store:
        shapes = [OperationShape("query", f"Q{n}", f"{n:032x}", frozenset({"Query", f"Query.f{n}"})) for n in range(5)]
        for shape in shapes:
            store.record_buffered(ENDPOINT, frozenset(), client_name="generator", operation=shape)
        assert store.flush() == 5
        signatures = _rows(store, sa.select(operation_usage.c.signature, operation_usage.c.count))
        assert len(signatures) == 3 and dict(signatures)[OVERFLOW_SIGNATURE] == 3
        with store.reading() as connection:
            counts = coordinate_counts(connection, ENDPOINT, DAY, DAY)
        assert counts == {"Query": 5, **{f"Query.f{n}": 1 for n in range(5)}}  # exact, whatever the cap
        names = [name for (name,) in _rows(store, sa.select(operations.c.name).order_by(operations.c.name))]
        assert names == ["(other operations: past the daily cap)", "Q0", "Q1"]


def test_hostile_shapes_are_refused_or_cut_and_never_raise(store: UsageStore) -> None:
    bad_coordinate = OperationShape("query", "X", "c" * 32, frozenset({"not a coordinate!"}))
    bad_kind = OperationShape("drop table", "X", "c" * 32, frozenset({"Query"}))
    long_name = OperationShape("query", "N" * 50_000, "d" * 32, frozenset({"Query"}))
    store.record_buffered(ENDPOINT, frozenset(), operation=bad_coordinate)
    store.record_buffered(ENDPOINT, frozenset(), operation=bad_kind)
    store.record_buffered(ENDPOINT, frozenset(), operation="{ users { name } }")  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, frozenset(), operation=long_name)
    assert store.flush() == 1
    assert store.stats().rejected == 3
    assert _rows(store, sa.select(operations.c.name)) == [("N" * 100,)]


def test_a_spilled_batch_keeps_its_operations() -> None:
    batch = Batch()
    from gqlevolve.usage_store.operations import OperationSigner

    stored = OperationSigner().stored(USERS, frozenset({"User.name"}))
    batch.add((ENDPOINT, DAY, "web", "1.0"), None, frozenset(), 3, frozenset(), stored)
    record = SpillRecord.from_line(SpillRecord.new(batch).to_line())
    assert record.batch.operation_usage == batch.operation_usage
    assert record.batch.shapes == batch.shapes
    old_format = b'{"format":1,"id":"' + b"e" * 32 + b'","in_doubt":null,"totals":[],"usage":[],"signatures":{}}'
    assert not SpillRecord.from_line(old_format).batch  # a record written before 0005: no operations


def test_prune_drops_old_days_and_the_operations_nothing_references(store: UsageStore) -> None:
    store.record_operation(ENDPOINT, (), operation=USERS, when=dt.date(2025, 1, 1))
    store.record_operation(ENDPOINT, (), operation=VIEWER, when=dt.date(2025, 1, 1))
    store.record_operation(ENDPOINT, (), operation=VIEWER, when=DAY)
    with store.engine.begin() as connection:  # operations' first_seen is the store's today: backdate them
        connection.execute(operations.update().values(first_seen=dt.date(2025, 1, 1)))
    result = store.prune(older_than_days=90)
    assert (result.operation_rows, result.signature_rows) == (2, 1)  # Users is gone, Viewer is still used
    assert [name for (name,) in _rows(store, sa.select(operations.c.name))] == ["Viewer"]
    seen = dict(_rows(store, sa.select(coordinate_seen.c.coordinate, coordinate_seen.c.last_day)))
    assert seen["Query.users"] == dt.date(2025, 1, 1)  # when it was last used outlives its days


def test_the_registered_schema_knows_since_when_each_coordinate_exists(store: UsageStore) -> None:
    assert store.register_schema(ENDPOINT, "type Query { a: Int }", today=dt.date(2026, 1, 1)) is True
    assert store.register_schema(ENDPOINT, "type Query { a: Int }", today=dt.date(2026, 2, 1)) is False
    assert store.register_schema(ENDPOINT, "type Query { a: Int, b: Int }", today=dt.date(2026, 3, 1)) is True
    assert store.register_schema(ENDPOINT, "type Query { b: Int }", today=dt.date(2026, 4, 1)) is True
    with store.reading() as connection:
        current = current_coordinates(connection, ENDPOINT)
    assert current["Query.b"] == dt.date(2026, 3, 1) and current["Query"] == dt.date(2026, 1, 1)
    assert "Query.a" not in current  # removed from the schema
    store.register_schema(ENDPOINT, "type Query { a: Int, b: Int }", today=dt.date(2026, 5, 1))
    with store.reading() as connection:
        assert current_coordinates(connection, ENDPOINT)["Query.a"] == dt.date(2026, 5, 1)  # back: young again


def test_a_real_strawberry_operation_records_its_whole_shape_and_its_variables(store: UsageStore) -> None:
    """Through the monitor (what every adapter calls): the document's coordinates, the ones its variable values
    reach, its name, kind and document hash."""
    from extension_schema import build_schema

    from gqlevolve.monitor import DeprecationMonitor

    schema = build_schema()
    monitor = DeprecationMonitor(store, clock=FixedClock(DAY))
    try:
        monitor.start(schema, ENDPOINT)
        query = "query Staff($f: UserFilter) { users(filter: $f) { id fullName } }"
        for variables in ({"f": {"role": "ADMIN"}}, {"f": {"role": "ADMIN"}}, {"f": {"legacyGroup": "x"}}):
            monitor.observe(schema, query, None, "Staff", variables, endpoint=ENDPOINT, client_name="web")
        assert store.flush() == 3
    finally:
        monitor.close()
    with store.reading() as connection:
        used = operations_using(connection, ENDPOINT, ["Query.users"], DAY, DAY)
        counts = coordinate_counts(connection, ENDPOINT, DAY, DAY)
        registered = current_coordinates(connection, ENDPOINT)
    assert {(o.name, o.kind, o.count) for o in used} == {("Staff", "query", 2), ("Staff", "query", 1)}
    assert len({o.document_hash for o in used}) == 1  # one document, two shapes (what the values reached)
    assert counts["Query.users(filter:)"] == 3 and counts["User.fullName"] == 3
    assert (counts["UserFilter.role"], counts["Role.ADMIN"], counts["UserFilter.legacyGroup"]) == (2, 2, 1)
    assert "User.name" not in counts
    assert {"User.name", "Query.users(offset:)", "Role.GUEST", "UserFilter"} <= registered.keys()  # the schema served
