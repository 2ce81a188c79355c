"""UsageStore: recording (write-through and buffered), reads, bounds, client names, bad input, schema revisions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import (
    OTHER_CLIENT,
    ClientUsage,
    DailyUsage,
    InvalidStoreURL,
    StoreSchemaError,
    UsageStore,
)
from gqlevolve.usage_store.tables import CLIENT_NAME_LENGTH, CLIENT_VERSION_LENGTH, operation_totals

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2025, 6, 1)


@pytest.fixture
def store(store_url):
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        yield store


def test_write_through_counts_usage_and_totals(store):
    store.record_operation(ENDPOINT, {"User.name"}, client_name="web", client_version="1.0", when=DAY)
    store.record_operation(ENDPOINT, ["User.name", "Query.me"], client_name="web", client_version="1.0", when=DAY, count=2)
    store.record_operation(ENDPOINT, [], client_name="ios", when=DAY, count=7)
    store.record_operation(ENDPOINT, {"User.name"}, client_name="ios", when=DAY + dt.timedelta(days=1))

    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 3, 10), DailyUsage(DAY + dt.timedelta(days=1), 1, 1)]
    assert store.daily_usage(ENDPOINT, "Query.me") == [DailyUsage(DAY, 2, 10), DailyUsage(DAY + dt.timedelta(days=1), 0, 1)]
    assert store.daily_usage(ENDPOINT, "Query.me", since=DAY + dt.timedelta(days=1)) == [
        DailyUsage(DAY + dt.timedelta(days=1), 0, 1)
    ]
    assert store.daily_usage(ENDPOINT, "User.name", until=DAY) == [DailyUsage(DAY, 3, 10)]
    assert store.daily_usage("/api/v2/graphql", "User.name") == []
    assert store.clients(ENDPOINT, "User.name") == [
        ClientUsage("web", "1.0", 3, DAY),
        ClientUsage("ios", None, 1, DAY + dt.timedelta(days=1)),
    ]
    assert [(c.coordinate, c.operations) for c in store.coordinates(ENDPOINT)] == [("User.name", 4), ("Query.me", 2)]
    assert store.endpoints() == [ENDPOINT]


def test_the_order_of_coordinates_does_not_make_a_new_signature(store):
    store.record_operation(ENDPOINT, ["A.a", "B.b"], when=DAY)
    store.record_operation(ENDPOINT, ("B.b", "A.a"), when=DAY)
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM operation_signatures")).scalar() == 1
        assert connection.execute(sa.text("SELECT count(*) FROM deprecation_usage")).scalar() == 1


def test_datetimes_count_on_their_utc_day(store):
    late_evening_in_new_york = dt.datetime(2025, 6, 1, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    store.record_operation(ENDPOINT, {"User.name"}, when=late_evening_in_new_york)
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(dt.date(2025, 6, 2), 1, 1)]


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


def test_buffered_recording_never_raises_on_bad_arguments(store):
    store.record_buffered("", frozenset({"User.name"}))
    store.record_buffered(ENDPOINT, frozenset({""}))
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), count=0)
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when="yesterday")  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), count="3")  # type: ignore[arg-type]
    assert store.stats().rejected == 5
    assert store.flush() == 0


def test_buffered_recording_takes_unhashable_arguments(store):
    # A list of coordinates or an odd client name cannot key the inbox: they are counted all the same.
    store.record_buffered(ENDPOINT, ["User.name"], client_name=["web"], when=DAY)  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, ["User.name"], client_name=["web"], when=DAY)  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=dt.datetime.combine(DAY, dt.time(23, 59)))
    assert store.flush() == 3
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 3, 3)]
    assert store.stats().rejected == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"endpoint": "", "coordinates": ["User.name"]}, "endpoint"),
        ({"endpoint": ENDPOINT, "coordinates": ["x" * 400]}, "coordinate"),
        ({"endpoint": ENDPOINT, "coordinates": [1]}, "coordinate"),
        ({"endpoint": ENDPOINT, "coordinates": [], "count": -1}, "count"),
        ({"endpoint": ENDPOINT, "coordinates": [], "when": "2025-01-01"}, "when"),
    ],
)
def test_write_through_rejects_bad_arguments_clearly(store, arguments, message):
    arguments = dict(arguments)
    endpoint = arguments.pop("endpoint")
    coordinates = arguments.pop("coordinates")
    with pytest.raises(ValueError, match=message):
        store.record_operation(endpoint, coordinates, **arguments)


def test_client_names_and_versions_are_trimmed_to_a_sane_charset(store):
    store.record_operation(ENDPOINT, {"User.name"}, client_name="  My\nApp\t<script>  ", client_version="1.0 beta\x00", when=DAY)
    store.record_operation(ENDPOINT, {"User.name"}, client_name="n" * 500, client_version="v" * 500, when=DAY)
    store.record_operation(ENDPOINT, {"User.name"}, client_name="Ünïcødé ✓", when=DAY)
    names = {(client.name, client.version) for client in store.clients(ENDPOINT, "User.name")}
    assert names == {
        ("My App _script_", "1.0 beta_"),
        ("n" * CLIENT_NAME_LENGTH, "v" * CLIENT_VERSION_LENGTH),
        ("_n_c_d_ _", None),
    }


def test_clients_past_the_daily_cap_are_counted_as_other(store_url):
    with UsageStore(store_url, migrate=True, max_clients_per_day=3, handle_shutdown=False) as store:
        for i in range(6):
            store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name=f"app{i}", client_version="1", when=DAY)
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="app1", client_version="1", when=DAY)
        # The cap is per day: a new day admits new clients again.
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="app5", client_version="1", when=DAY + dt.timedelta(days=1))
        store.flush()
        clients = {(c.name, c.version): c.operations for c in store.clients(ENDPOINT, "User.name")}
    assert clients == {("app0", "1"): 1, ("app1", "1"): 2, ("app2", "1"): 1, (OTHER_CLIENT, None): 3, ("app5", "1"): 1}


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


# --- bad URLs, schema revisions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("gqlevolve.db", "no '<scheme>://'"),
        ("mysql://root@localhost/usage", "unknown scheme 'mysql'"),
        ("sqlite+aiosqlite:///x.db", "unknown scheme"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("sqlite://somehost/usage.db", "has no host"),
        ("postgresql+psycopg://postgres@127.0.0.1:port/test", "malformed store URL"),
        ("postgresql+psycopg://postgres@127.0.0.1:5432", "names no database"),
    ],
)
def test_bad_urls_fail_at_construction_with_a_clear_error(url, message):
    with pytest.raises(InvalidStoreURL, match=message):
        UsageStore(url, handle_shutdown=False)
    assert issubclass(InvalidStoreURL, ValueError)


def test_passwords_stay_out_of_error_messages():
    with pytest.raises(InvalidStoreURL) as error:
        UsageStore("postgresql+psycopg://user:s3cret@localhost:nope/db", handle_shutdown=False)
    assert "s3cret" not in str(error.value)


def test_a_database_at_a_newer_revision_is_refused_at_construction(store_url):
    UsageStore(store_url, migrate=True, handle_shutdown=False).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(StoreSchemaError, match="newer gqlevolve"):
        UsageStore(store_url, handle_shutdown=False)
    with pytest.raises(StoreSchemaError, match="newer gqlevolve"):
        UsageStore(store_url, migrate=True, handle_shutdown=False)


@pytest.mark.postgres
def test_postgresql_is_migrated_only_on_request(postgres_url):
    with pytest.raises(StoreSchemaError, match="gqlevolve db upgrade"):
        UsageStore(postgres_url, handle_shutdown=False)
    UsageStore(postgres_url, migrate=True, handle_shutdown=False).close()
    UsageStore(postgres_url, handle_shutdown=False).close()


def test_a_new_sqlite_file_is_migrated_automatically(sqlite_url):
    store = UsageStore(sqlite_url, handle_shutdown=False)
    assert store.stats().ready
    store.record_operation(ENDPOINT, {"User.name"}, when=DAY)
    store.close()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url):
    with UsageStore(sqlite_url, handle_shutdown=False) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
