"""What a flush does not write again, and flushes that share rows (``operation_writer``, ``writer``, ``bulk``), on
SQLite and PostgreSQL: ``coordinate_seen`` rows are written only when they widen, and a process that knows (or
finds) a span does not touch its row again; a restarted store offers neither the operations nor the spans the
store holds; a backlog is written in statements of bounded size; concurrent flushes that share rows never deadlock
and count everything once; spilled batches are claimed lowest first and written as one."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.operation_shape import OperationShape
from gqlevolve.usage_store import UsageStore, bulk
from gqlevolve.usage_store.operation_writer import SeenSpans
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.signatures import signature_of
from gqlevolve.usage_store.tables import coordinate_seen, coordinate_usage, flush_ledger, operation_totals
from gqlevolve.usage_store.writer import write_spilled_batches

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2026, 11, 21)
USERS = OperationShape("query", "Users", "a" * 32, frozenset({"Query", "Query.users", "User", "User.name"}))
VIEWER = OperationShape("query", "Viewer", "b" * 32, frozenset({"Query", "Query.viewer", "User", "User.id"}))


def _store(url: str, clock: FixedClock | None = None, **kwargs: object) -> UsageStore:
    return UsageStore(url, migrate=True, handle_shutdown=False, clock=clock or FixedClock(DAY), **kwargs)  # type: ignore[arg-type]


@contextmanager
def _statements(store: UsageStore) -> Iterator[list[str]]:
    """The SQL the store sends meanwhile (the statements' text, one entry per execution)."""
    sent: list[str] = []

    def listen(connection, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", listen)


def _writes(sent: list[str], table: str) -> int:
    return sum(1 for statement in sent if statement.startswith(f"INSERT INTO {table} "))


def _seen(store: UsageStore) -> dict[str, tuple[dt.date, dt.date]]:
    with store.reading() as connection:
        rows = connection.execute(sa.select(coordinate_seen.c.coordinate, coordinate_seen.c.first_day,
                                            coordinate_seen.c.last_day))
        return {coordinate: (first, last) for coordinate, first, last in rows}


def _coordinate_counts(store: UsageStore) -> dict[str, int]:
    with store.reading() as connection:
        rows = connection.execute(sa.select(coordinate_usage.c.coordinate, sa.func.sum(coordinate_usage.c.count))
                                  .group_by(coordinate_usage.c.coordinate))
        return {coordinate: int(count) for coordinate, count in rows}


def test_a_known_span_is_not_written_again_the_same_day(store_url: str) -> None:
    with _store(store_url) as store:
        store.record_buffered(ENDPOINT, frozenset(), client_name="web", operation=USERS)
        with _statements(store) as sent:
            assert store.flush() == 1
        assert _writes(sent, "coordinate_seen") == 1
        for client in ("web", "ios"):  # the same coordinates again, and the same day
            store.record_buffered(ENDPOINT, frozenset(), client_name=client, operation=USERS)
        with _statements(store) as sent:
            assert store.flush() == 2
        assert _writes(sent, "coordinate_seen") == 0  # neither written nor looked up: known
        assert not any("coordinate_seen" in statement for statement in sent)
        assert _writes(sent, "coordinate_usage") == 1 and _writes(sent, "operation_usage") == 1
        store.record_buffered(ENDPOINT, frozenset(), client_name="web", operation=VIEWER)
        with _statements(store) as sent:
            store.flush()
        assert _writes(sent, "coordinate_seen") == 1  # Query.viewer and User.id are new
        assert _seen(store) == dict.fromkeys(USERS.coordinates | VIEWER.coordinates, (DAY, DAY))
        assert _coordinate_counts(store)["Query"] == 4


def test_spans_only_widen_even_from_a_process_that_knows_less(store_url: str) -> None:
    """Days recorded out of order, by two stores (processes) each with its own memory: the stored span is always
    the hull of every day, and a store whose memory is behind never narrows it."""
    early, late = _store(store_url, FixedClock(DAY)), _store(store_url, FixedClock(DAY))
    try:
        for store, day in ((early, dt.date(2026, 11, 10)), (late, dt.date(2026, 11, 20)), (early, dt.date(2026, 11, 1)),
                           (early, dt.date(2026, 11, 15)), (late, dt.date(2026, 11, 5))):
            store.record_operation(ENDPOINT, (), operation=VIEWER, when=day)
        assert set(_seen(early).values()) == {(dt.date(2026, 11, 1), dt.date(2026, 11, 20))}
        with _statements(early) as sent:  # inside what it knows now: nothing to look up or write
            early.record_operation(ENDPOINT, (), operation=VIEWER, when=dt.date(2026, 11, 12))
        assert not any("coordinate_seen" in statement for statement in sent)
    finally:
        early.close()
        late.close()


def test_a_restarted_store_does_not_offer_what_the_store_holds(store_url: str) -> None:
    with _store(store_url) as store:
        for operation in (USERS, VIEWER):
            store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="web", operation=operation)
        assert store.flush() == 2
    with _store(store_url) as restarted:  # a new process: it knows nothing, the database knows it all
        for operation in (USERS, VIEWER):
            restarted.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="ios", operation=operation)
        with _statements(restarted) as sent:
            assert restarted.flush() == 2
        for table in ("operations", "operation_coordinates", "operation_signatures", "signature_coordinates",
                      "coordinate_seen"):
            assert _writes(sent, table) == 0, table
        counts = _coordinate_counts(restarted)
        assert counts["Query"] == 4 and counts["Query.users"] == 2 and counts["User.id"] == 2
        # The next flush does not even look them up: what it found is remembered.
        restarted.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="ios", operation=USERS)
        with _statements(restarted) as sent:
            restarted.flush()
        assert not any("FROM operations" in statement or "coordinate_seen" in statement for statement in sent)
    with _store(store_url, FixedClock(DAY + dt.timedelta(days=1))) as next_day:  # a new day widens every span once
        next_day.record_buffered(ENDPOINT, frozenset(), client_name="web", operation=USERS)
        next_day.flush()
        assert _seen(next_day)["Query.users"] == (DAY, DAY + dt.timedelta(days=1))
        assert _seen(next_day)["Query.viewer"] == (DAY, DAY)


def test_a_backlog_is_written_in_statements_of_bounded_size(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SLICE_ROWS", 7)
    shapes = [OperationShape("query", f"Q{n}", f"{n:032x}", frozenset({"Query", f"Query.f{n}", "T", f"T.f{n}"}))
              for n in range(20)]
    with _store(store_url) as store:
        for shape in shapes:
            store.record_buffered(ENDPOINT, frozenset(), client_name="web", operation=shape, count=2)
        with _statements(store) as sent:
            assert store.flush() == 40
        assert _writes(sent, "operation_coordinates") == 12  # 80 rows, 7 a statement
        assert _writes(sent, "coordinate_usage") == 6  # 42 coordinates
        counts = _coordinate_counts(store)
        assert counts["Query"] == 40 and counts["T.f19"] == 2 and len(counts) == 42


def test_spilled_batches_of_one_writer_are_claimed_lowest_first_and_written_once(store_url: str) -> None:
    """Two batches in doubt of one dead writer, in the file in the wrong order, neither committed: both are
    counted, and the ledger ends at the higher one."""
    used = frozenset({"User.name"})

    def batch(count: int) -> Batch:
        made = Batch()
        key = (ENDPOINT, DAY, "web", "1.0")
        made.add(key, (*key, signature_of(used)), used, count)
        return made

    with _store(store_url) as store:
        now = store.clock.now()
        with store.engine.begin() as connection:
            written, _ = write_spilled_batches(
                connection, [(batch(5), "s2", ("dead-writer", 2)), (batch(3), "s1", ("dead-writer", 1)),
                             (batch(1), "s3", None)], now=now,
            )
        assert written == [True, True, True]
        assert [(u.operations, u.total) for u in store.daily_usage(ENDPOINT, "User.name")] == [(9, 9)]
        with store.reading() as connection:
            ledger = dict(connection.execute(sa.select(flush_ledger.c.writer_id, flush_ledger.c.last_batch)).all())
        assert ledger == {"dead-writer": 2, "s3": 1}
        with store.engine.begin() as connection:  # the same file again: nothing is written twice
            written, _ = write_spilled_batches(
                connection, [(batch(5), "s2", ("dead-writer", 2)), (batch(1), "s3", None)], now=now,
            )
        assert written == [False, False]
        assert store.daily_totals(ENDPOINT) == {DAY: 9}


def test_seen_spans_learn_hulls_and_stay_bounded() -> None:
    seen = SeenSpans(max_entries=3)
    d = dt.date
    seen.learn({(ENDPOINT, "A"): (d(2026, 1, 5), d(2026, 1, 5))})
    seen.learn({(ENDPOINT, "A"): (d(2026, 1, 2), d(2026, 1, 3))})
    assert seen.uncovered({(ENDPOINT, "A"): (d(2026, 1, 3), d(2026, 1, 4))}) == {}
    assert seen.uncovered({(ENDPOINT, "A"): (d(2026, 1, 4), d(2026, 1, 6))}) == {(ENDPOINT, "A"): (d(2026, 1, 4), d(2026, 1, 6))}
    seen.learn({(ENDPOINT, c): (d(2026, 1, 1), d(2026, 1, 1)) for c in "BCD"})  # past the bound: starts over
    assert len(seen) == 3


@pytest.mark.slow
def test_concurrent_flushes_sharing_rows_neither_deadlock_nor_lose_counts(postgres_url: str) -> None:
    """Four stores (each its own connections, as four processes) flush at once, each its requests in its own
    random order, over the same clients, operations and coordinates: every flush succeeds (a deadlock would fail
    one with 40P01) and every count is there once."""
    shapes = [OperationShape("query", f"Q{n}", f"{n:032x}",
                             frozenset({"Query", "User", f"Query.f{n % 7}", f"User.f{n % 5}", f"User.g{n}"}))
              for n in range(40)]
    clients = [f"client-{n}" for n in range(12)]
    _store(postgres_url).close()
    stores = [_store(postgres_url, lock_timeout=10.0, statement_timeout=20.0) for _ in range(4)]
    expected = {"operations": 0, "Query": 0}
    lock = threading.Lock()
    start = threading.Barrier(len(stores))

    def run(store: UsageStore, seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(15):
            picks = [(rng.choice(clients), rng.choice(shapes)) for _ in range(60)]
            for client, shape in picks:
                store.record_buffered(ENDPOINT, frozenset({"User.f1"} & shape.coordinates), client_name=client,
                                      operation=shape)
            with lock:
                expected["operations"] += len(picks)
                expected["Query"] += len(picks)
            store.flush()

    threads = [threading.Thread(target=run, args=(store, seed)) for seed, store in enumerate(stores)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        for store in stores:
            stats = store.stats()
            assert (stats.failed_flushes, stats.pending_operations, stats.last_error) == (0, 0, None)
        with stores[0].reading() as connection:
            total = connection.execute(sa.select(sa.func.sum(operation_totals.c.count))).scalar_one()
        assert total == expected["operations"]
        assert _coordinate_counts(stores[0])["Query"] == expected["Query"]
        assert set(_seen(stores[0]).values()) == {(DAY, DAY)}
    finally:
        for store in stores:
            store.close()
