"""The flusher (``gqlevolve.usage_store.flusher``): buffered counts are written by ``flush``, ``close`` and the
background thread, wait in memory while the store is down, and are never counted twice when a commit is in doubt."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import DailyUsage, UsageStore
from gqlevolve.usage_store.tables import operation_totals

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2025, 6, 1)


@pytest.fixture
def store(store_url):
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        yield store


def test_buffered_recording_is_written_by_flush_and_close(store_url):
    store = UsageStore(store_url, migrate=True, flush_interval=3600, handle_shutdown=False)
    names = frozenset({"User.name"})
    for _ in range(500):
        store.record_buffered(ENDPOINT, names, client_name="web", when=DAY)
        store.record_buffered(ENDPOINT, frozenset(), client_name="web", when=DAY)
    assert store.daily_usage(ENDPOINT, "User.name") == []  # nothing written yet: no I/O on the hot path
    assert store.stats().pending_operations == 1000
    assert store.flush() == 1000
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 500, 1000)]
    store.record_buffered(ENDPOINT, names, client_name="web", when=DAY)
    store.close()
    store.close()  # idempotent
    reader = UsageStore(store_url, handle_shutdown=False)
    assert reader.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 501, 1001)]
    reader.close()


def test_the_background_flusher_writes_without_being_asked(store_url):
    store = UsageStore(store_url, migrate=True, flush_interval=0.05, handle_shutdown=False)
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY)
    for _ in range(200):
        if store.stats().flushed_operations == 1:
            break
        threading.Event().wait(0.05)
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 1, 1)]
    store.close()


def test_buffered_recording_from_many_threads_loses_nothing(store):
    coordinates = [frozenset({f"T.f{i}"}) for i in range(10)]

    def record(worker: int) -> None:
        for i in range(2_000):
            store.record_buffered(ENDPOINT, coordinates[i % 10], client_name=f"c{worker}", when=DAY)
            if i % 500 == 0:
                store.flush()  # flushes racing with the adds

    threads = [threading.Thread(target=record, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.flush()
    assert store.daily_usage(ENDPOINT, "T.f3") == [DailyUsage(DAY, 800, 8_000)]
    assert store.stats().pending_operations == 0


def test_watched_endpoint_has_a_total_for_a_day_without_traffic(store):
    store.watch(ENDPOINT)
    store.flush()
    today = store.clock.today()
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(today, 0, 0)]
    assert store.daily_totals(ENDPOINT) == {today: 0}
    store.flush()  # once a day is enough
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(operation_totals)).scalar() == 1


# --- the store unreachable ------------------------------------------------------------------------


def test_a_sqlite_file_whose_directory_appears_later(tmp_path):
    directory = tmp_path / "not-yet"
    store = UsageStore(f"sqlite:///{directory / 'usage.db'}", flush_interval=3600, handle_shutdown=False)
    assert store.stats().ready is False
    for _ in range(100):
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="web", when=DAY)
    assert store.flush() == 0
    assert store.stats().pending_operations == 100
    assert store.stats().failed_flushes == 1
    directory.mkdir()
    assert store.flush() == 100
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 100, 100)]
    store.close()


def test_the_buffer_is_bounded_while_the_store_is_down_and_says_what_it_dropped(tmp_path):
    directory = tmp_path / "later"
    store = UsageStore(f"sqlite:///{directory / 'usage.db'}", max_pending=10, flush_interval=3600, handle_shutdown=False)
    # 5 clients: 5 totals keys + 5 usage keys = the bound.
    for i in range(5):
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name=f"c{i}", when=DAY)
    for i in range(5, 9):  # new keys: dropped
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name=f"c{i}", when=DAY, count=2)
    for _ in range(50):  # existing keys keep counting
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="c0", when=DAY)
    assert store.flush() == 0
    stats = store.stats()
    assert (stats.pending_keys, stats.pending_operations, stats.dropped) == (10, 55, 8)
    directory.mkdir()
    assert store.flush() == 55
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 55, 55)]
    store.close()


@pytest.mark.postgres
def test_postgresql_behind_a_closed_port_then_answering(postgres_url):
    from tests.usage_store_helpers.relay import Relay

    url = sa.make_url(postgres_url)
    relay = Relay(url.port or 5432)
    relayed = url.set(port=relay.port).render_as_string(hide_password=False)
    store = UsageStore(relayed, migrate=True, flush_interval=3600, handle_shutdown=False)  # must not raise
    try:
        for _ in range(300):
            store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="web", when=DAY)
        store.record_buffered(ENDPOINT, frozenset(), client_name="web", when=DAY)
        assert store.flush() == 0
        assert store.stats().pending_operations == 301
        relay.start()
        assert store.flush() == 301
        assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 300, 301)]
    finally:
        store.close()
        relay.close()


@pytest.mark.postgres
def test_postgresql_database_that_does_not_exist_yet(postgres_url):
    import uuid

    name = f"gqlevolve_later_{uuid.uuid4().hex[:8]}"
    base = sa.make_url(postgres_url)
    admin = sa.create_engine(base.set(query={}), isolation_level="AUTOCOMMIT")
    store = UsageStore(base.set(database=name, query={}), migrate=True, flush_interval=3600, handle_shutdown=False)
    try:
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=5)
        assert store.flush() == 0
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        assert store.flush() == 5
        assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 5, 5)]
    finally:
        store.close()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- a commit that failed, or seemed to ------------------------------------------------------------


class _LostConnection(sa.exc.OperationalError):
    def __init__(self) -> None:
        super().__init__("COMMIT", {}, ConnectionError("server closed the connection unexpectedly"))


@pytest.mark.parametrize("committed", [True, False], ids=["commit-applied-ack-lost", "commit-not-applied"])
def test_a_flush_whose_commit_is_in_doubt_is_counted_exactly_once(store_url, monkeypatch, committed):
    store = UsageStore(store_url, migrate=True, flush_interval=3600, handle_shutdown=False)
    dialect = store.engine.dialect
    real_commit = dialect.do_commit
    failures = iter([True])

    def commit_then_lose_the_answer(dbapi_connection):
        if next(failures, False):
            if committed:
                real_commit(dbapi_connection)
            else:
                dbapi_connection.rollback()
            raise _LostConnection()
        real_commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", commit_then_lose_the_answer)
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=10)
    assert store.flush() == 0
    assert store.stats().pending_operations == 10  # in doubt: kept
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=1)
    written = store.flush()
    assert written == (1 if committed else 11)
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 11, 11)]
    assert store.stats().pending_operations == 0
    store.close()
