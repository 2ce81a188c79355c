"""UsageStore, the facade: write-through recording, reads, bad input, URLs and schema revisions.

Buffered recording is tested in ``test_usage_store_buffer.py``, flushing in ``test_usage_store_flusher.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import (
    ClientUsage,
    DailyUsage,
    InvalidStoreURL,
    StoreSchemaError,
    UsageStore,
)

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2025, 6, 1)



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


# --- bad URLs, schema revisions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("gqlevolve.db", "no '<scheme>://'"),
        ("mysql://root@localhost/usage", 'unknown scheme "mysql"'),
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


def test_record_operation_keeps_designs_signature(store):
    """DESIGN.md's public name: ``record_operation(endpoint, coordinates, *, client_name, client_version,
    operation_name, when, count)``; the name is accepted (and not stored)."""
    store.record_operation(
        ENDPOINT, {"User.name"}, client_name="web", client_version="1", operation_name="GetUser",
        when=store.clock.today(), count=2,
    )
    assert [day.operations for day in store.daily_usage(ENDPOINT, "User.name")] == [2]
