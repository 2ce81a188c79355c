"""The flusher (``gqlevolve.usage_store.flusher``): buffered counts are written by ``flush``, ``close`` and the
background thread, wait in memory while the store is down, and are never counted twice when a commit is in doubt.

Faults are real: a SQLite file made immutable (``chattr +i``), a write lock held by another connection, a
PostgreSQL table locked by another session, a TCP relay that stops forwarding. Each test sets short timeouts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import DailyUsage, UsageStore
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.spill import SpillFile, SpillRecord
from gqlevolve.usage_store.tables import flush_ledger, operation_totals
from gqlevolve.usage_store.urls import parse_store_url
from tests.usage_store_helpers.relay import Relay

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2025, 6, 1)



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
    assert store.stats().flushed_operations == 0
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=1)
    written = store.flush()
    assert written == (1 if committed else 11)
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 11, 11)]
    assert store.stats().pending_operations == 0
    assert store.stats().flushed_operations == 11  # what the store holds, whoever wrote the 10
    store.close()


@pytest.mark.postgres
@pytest.mark.parametrize("delivered", [True, False], ids=["commit-applied-answer-lost", "commit-never-arrived"])
def test_a_real_commit_in_doubt_on_postgresql_is_counted_once_and_in_the_stats(postgres_url, tmp_path, delivered):
    """The relay forwards every statement of the flush, then stalls at its COMMIT: after forwarding it (the server
    commits; its answer never comes back) or before (the server never sees it, and the transaction stays open,
    holding the writer's ledger row, until the relay drops the connection). Either way the flush gives up after
    the statement timeout (+1 s), the 150 operations are in doubt, and the next flush counts them exactly once."""
    relay, url = _relayed(postgres_url)
    store = UsageStore(url, migrate=True, flush_interval=3600, handle_shutdown=False, spill_dir=tmp_path,
                       statement_timeout=0.5, lock_timeout=1.0)
    try:
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=10)
        assert store.flush() == 10
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=150)
        relay.stall_at(b"COMMIT", deliver=delivered)
        started = time.monotonic()
        assert store.flush() == 0
        assert time.monotonic() - started < 0.5 + 1.0 + 1.0
        assert relay.trapped.is_set(), "the flush was given up before it sent its COMMIT"
        stats = store.stats()
        assert (stats.pending_operations, stats.flushed_operations) == (150, 10)
        if not delivered:  # the open transaction holds the ledger row: whoever asks the ledger waits for it
            with _admin(postgres_url) as admin, pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
                admin.execute(
                    sa.text("SELECT last_batch FROM flush_ledger WHERE writer_id = :w FOR UPDATE NOWAIT"),
                    {"w": store._flusher.writer_id},
                )
        relay.resume()  # the stalled connection is dropped: the server rolls back what it did not commit
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=DAY, count=50)
        assert store.flush() == (50 if delivered else 200)
        stats = store.stats()
        assert (stats.pending_operations, stats.flushed_operations) == (0, 210)
        assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 210, 210)]
    finally:
        store.close()
        relay.close()


# --- a SQLite file that is read-only for a while ------------------------------------------------------


def _chattr(path: Path, flag: str) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


@pytest.fixture
def immutable_file(tmp_path) -> Iterator[Callable[[Path], None]]:
    """``make(path)`` sets the immutable attribute on ``path`` (skips the test where that is not possible); the
    attribute is removed afterwards whatever happens."""
    made: list[Path] = []

    def make(path: Path) -> None:
        if not _chattr(path, "+i"):
            pytest.skip("chattr +i is not available here (needs CAP_LINUX_IMMUTABLE and ext4, xfs, btrfs...)")
        made.append(path)

    yield make
    for path in made:
        _chattr(path, "-i")


def test_a_sqlite_file_read_only_for_a_while_then_writable_again_gets_every_count_once(tmp_path, immutable_file):
    """The database file is made immutable (``chattr +i``): unlike ``chmod``, that stops root too, and SQLite, which
    cannot open it for writing, opens it read-only without complaint. The store starts meanwhile, so its pooled
    connection is a read-only one; every write on it fails with "attempt to write a readonly database", also once
    the file is writable again (``chattr -i``), until the pool lets the connection go. The store drops its pool
    after such a failure: the next flush opens a writable connection and writes the 600 operations, once."""
    path = tmp_path / "gqlevolve.db"
    url = f"sqlite:///{path}"
    UsageStore(url, handle_shutdown=False).close()  # created and migrated
    immutable_file(path)
    store = UsageStore(url, flush_interval=3600, handle_shutdown=False)
    try:
        for i in range(600):
            store.record_buffered(ENDPOINT, frozenset({"User.name"}) if i % 2 else frozenset(), when=DAY)
        assert store.flush() == 0
        assert "readonly database" in (store.stats().last_error or "")
        assert store.stats().pending_operations == 600
        assert store.daily_totals(ENDPOINT) == {}  # it can still be read
    finally:
        assert _chattr(path, "-i")
    assert store.flush() == 600
    assert store.flush() == 0
    assert store.stats().pending_operations == 0
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 300, 600)]
    store.close()
    with UsageStore(url, handle_shutdown=False) as reader:
        assert reader.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 300, 600)]


# --- a lock held by another session, a server that answers nothing: bounded, then spilled ----------------------

SHORT = {"statement_timeout": 0.5, "lock_timeout": 0.3, "close_timeout": 1.0}


@contextlib.contextmanager
def _admin(url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextlib.contextmanager
def hold_the_write_lock(url: str) -> Iterator[None]:
    """Another session holds the lock a flush needs: SQLite, its write lock (``BEGIN IMMEDIATE`` in another
    connection); PostgreSQL, ``LOCK TABLE operation_totals IN ACCESS EXCLUSIVE MODE`` in another transaction."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with _admin(url) as admin, admin.begin():
        admin.execute(sa.text("LOCK TABLE operation_totals IN ACCESS EXCLUSIVE MODE"))
        yield


def _relayed(postgres_url: str) -> tuple[Relay, str]:
    url = sa.make_url(postgres_url)
    relay = Relay(url.port or 5432)
    relay.start()
    return relay, url.set(port=relay.port).render_as_string(hide_password=False)


def _record(store: UsageStore, count: int) -> None:
    for i in range(count):
        store.record_buffered(ENDPOINT, frozenset({"User.name"}) if i % 3 == 0 else frozenset(), when=DAY,
                              client_name=f"c{i % 7}")


def _spilled_operations(store: UsageStore) -> int:
    return sum(record.batch.operations for _, records in store.spill.read() for record in records)


def test_a_lock_held_by_another_session_bounds_flush_and_close_and_nothing_is_lost(store_url, tmp_path):
    store = UsageStore(store_url, migrate=True, flush_interval=3600, handle_shutdown=False, spill_dir=tmp_path,
                       **SHORT)
    _record(store, 120)
    assert store.flush() == 120
    _record(store, 3000)
    with hold_the_write_lock(store_url):
        started = time.monotonic()
        assert store.flush() == 0
        assert time.monotonic() - started < 0.3 + 1.5  # the lock timeout, not the 60 s busy timeout
        assert store.stats().last_error is not None
        assert "lock" in store.stats().last_error
        started = time.monotonic()
        store.close()
        assert time.monotonic() - started < 1.0 + 1.0
        stats = store.stats()
        assert (stats.pending_operations, stats.spilled_operations) == (0, 3000)
        assert _spilled_operations(store) == 3000
    with UsageStore(store_url, handle_shutdown=False, spill_dir=tmp_path) as replaying:
        assert replaying.stats().replayed_operations == 3000
        assert sum(replaying.daily_totals(ENDPOINT).values()) == 3120
        assert replaying.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 40 + 1000, 3120)]
        assert not replaying.spill.pending()
    with UsageStore(store_url, handle_shutdown=False, spill_dir=tmp_path) as again:  # nothing twice
        assert again.stats().replayed_operations == 0
        assert sum(again.daily_totals(ENDPOINT).values()) == 3120


def test_sqlite_spills_next_to_its_file(sqlite_url, tmp_path):
    store = UsageStore(sqlite_url, flush_interval=3600, handle_shutdown=False, **SHORT)
    _record(store, 10)
    with hold_the_write_lock(sqlite_url):
        store.close()
    assert store._flusher.spill_path == tmp_path / "gqlevolve.db-spill.jsonl"
    assert (tmp_path / "gqlevolve.db-spill.jsonl").is_file()
    with UsageStore(sqlite_url, handle_shutdown=False) as replaying:
        assert replaying.daily_totals(ENDPOINT) == {DAY: 10}
    assert not (tmp_path / "gqlevolve.db-spill.jsonl").exists()


@pytest.mark.postgres
def test_a_postgresql_that_answers_nothing_bounds_flush_and_close_and_nothing_is_lost(postgres_url, tmp_path):
    """The relay accepts connections and then forwards nothing (a hung server, a black-holed path): PostgreSQL's
    own statement timeout cannot answer, so the guard aborts the connection after statement timeout + 1 s."""
    relay, url = _relayed(postgres_url)
    store = UsageStore(url, migrate=True, flush_interval=3600, handle_shutdown=False, spill_dir=tmp_path, **SHORT)
    try:
        _record(store, 120)
        assert store.flush() == 120  # the pool now holds a connection through the relay
        relay.stall()
        _record(store, 3000)
        started = time.monotonic()
        assert store.flush() == 0
        assert time.monotonic() - started < 0.5 + 1.0 + 1.0
        assert store.stats().pending_operations == 3000
        started = time.monotonic()
        store.close()  # its last flush cannot even connect (connect_timeout is 5 s): given up at the deadline
        assert time.monotonic() - started < 1.0 + 1.0
        assert store.stats().spilled_operations == 3000
        assert _spilled_operations(store) == 3000
    finally:
        relay.resume()
    try:
        with UsageStore(url, handle_shutdown=False, spill_dir=tmp_path) as replaying:
            assert replaying.stats().replayed_operations == 3000
            assert sum(replaying.daily_totals(ENDPOINT).values()) == 3120
            assert not replaying.spill.pending()
    finally:
        relay.close()


@pytest.mark.postgres
def test_a_spilled_batch_whose_commit_landed_after_all_is_not_written_again(postgres_url, tmp_path):
    """close() gives up on a flush whose COMMIT was sent and not answered, and spills the batch with its ledger
    entry; the server had committed it. The replay finds the batch in the writer's ledger and skips it.

    The close timeout leaves the flush time to reach its COMMIT on a loaded machine: with 0.5 s, a CI run at
    load 4 gave up on the flush before it sent the COMMIT, and the replay rightly wrote the batch."""
    relay, url = _relayed(postgres_url)
    store = UsageStore(url, migrate=True, flush_interval=3600, handle_shutdown=False, spill_dir=tmp_path,
                       statement_timeout=3.0, lock_timeout=1.0, close_timeout=3.0)
    try:
        _record(store, 10)
        assert store.flush() == 10
        _record(store, 500)
        relay.stall_at(b"COMMIT", deliver=True)
        store.close()
        assert relay.trapped.is_set(), "the flush was given up before it sent its COMMIT"
        [[record]] = [records for _, records in store.spill.read()]
        assert record.in_doubt == (store._flusher.writer_id, 2)
        assert record.batch.operations == 500
    finally:
        relay.resume()
    try:
        with UsageStore(url, handle_shutdown=False, spill_dir=tmp_path) as replaying:
            assert replaying.stats().replayed_operations == 0
            assert sum(replaying.daily_totals(ENDPOINT).values()) == 510
            assert not replaying.spill.pending()
    finally:
        relay.close()


def test_close_returns_within_its_timeout_while_a_background_flush_waits(sqlite_url, tmp_path):
    """The background thread is stuck in a flush (waiting for the lock) when close() is called: close() gives up
    on it at its deadline and spills the batch being sent, as in doubt, and what came after."""
    store = UsageStore(sqlite_url, flush_interval=0.05, handle_shutdown=False, statement_timeout=5.0,
                       lock_timeout=5.0, close_timeout=0.5)
    _record(store, 10)
    with hold_the_write_lock(sqlite_url):
        deadline = time.monotonic() + 10
        while store.stats().pending_keys == 0 or store._flusher._attempt is None:  # the thread took the batch
            assert time.monotonic() < deadline
            time.sleep(0.01)
        _record(store, 5)
        started = time.monotonic()
        store.close()
        assert time.monotonic() - started < 0.5 + 1.0
    kinds = sorted((record.in_doubt is not None, record.batch.operations) for _, rs in store.spill.read() for record in rs)
    assert kinds == [(False, 5), (True, 10)]
    with UsageStore(sqlite_url, handle_shutdown=False) as replaying:
        assert replaying.daily_totals(ENDPOINT) == {DAY: 15}
        with replaying.engine.connect() as connection:  # the in-doubt batch moved its writer's ledger
            assert connection.execute(
                sa.select(flush_ledger.c.last_batch).where(flush_ledger.c.writer_id == store._flusher.writer_id)
            ).scalar() == 1


def test_a_spill_file_nobody_can_replay_yet_waits(tmp_path):
    """A store that cannot reach its database at start keeps the spill file; a flush that reaches it writes it."""
    directory = tmp_path / "later"
    url = f"sqlite:///{directory / 'usage.db'}"
    spill = SpillFile.for_store(parse_store_url(url), tmp_path / "spill")

    batch = Batch()
    batch.add((ENDPOINT, DAY, "web", "1"), None, frozenset(), 7)
    spill.append([SpillRecord.new(batch)])
    store = UsageStore(url, flush_interval=3600, handle_shutdown=False, spill_dir=tmp_path / "spill")
    assert store.stats().replayed_operations == 0 and spill.pending()
    directory.mkdir()
    store.record_buffered(ENDPOINT, frozenset(), when=DAY, client_name="web", client_version="1", count=3)
    assert store.flush() == 3
    assert store.stats().replayed_operations == 7
    assert store.daily_totals(ENDPOINT) == {DAY: 10}
    assert not spill.pending()
    store.close()
