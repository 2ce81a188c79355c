"""The writer's daily counts (``coordinate_days``, ``deprecated_days``, revision 0004) on SQLite and PostgreSQL:
always the sums of ``deprecation_usage``, whichever way the usage came (written through, flushed, refused as a
replay, backfilled by the migration, rebuilt, pruned), and read alike by the per-day reads and the evidence.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.usage_store import UsageStore, reads
from gqlevolve.usage_store.evidence import gather
from gqlevolve.usage_store.recorder import Recorder
from gqlevolve.usage_store.retention import prune
from gqlevolve.usage_store.revisions import upgrade
from gqlevolve.usage_store.tables import coordinate_days, deprecated_days, deprecation_usage, signature_coordinates
from gqlevolve.usage_store.writer import LedgerConflict, lock_ledger, rebuild_daily_counts, write_batch
from tests.usage_store_helpers.recording import ENDPOINT, record

TODAY = dt.date(2025, 5, 20)
V2 = "/api/v2/graphql"


def _day(offset: int) -> dt.date:
    return TODAY - dt.timedelta(days=offset)


def _seed(store: UsageStore) -> None:
    record(store, _day(3), ["User.name", "User.email"], client="web", version="1.0", count=3)
    record(store, _day(3), ["User.name"], client="ios", count=2)
    record(store, _day(2), ["User.email"], client="web", version="1.1", count=4)
    record(store, _day(2), ["User.name"], client="web", version="1.1", count=1, endpoint=V2)
    record(store, _day(1), client="web", count=50)  # nothing deprecated: no usage row, no daily count
    record(store, _day(0), ["Role.GUEST", "User.name"], client="bot", count=7)


def _daily(connection: sa.Connection) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    coordinates = {tuple(row) for row in connection.execute(sa.select(coordinate_days))}
    days = {tuple(row) for row in connection.execute(sa.select(deprecated_days))}
    return coordinates, days


def _summed_from_usage(connection: sa.Connection) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    """What the daily counts must be: deprecation_usage summed, in plain SQL over the usage rows."""
    usage = deprecation_usage
    coordinates = connection.execute(
        sa.select(usage.c.endpoint, signature_coordinates.c.coordinate, usage.c.day, sa.func.sum(usage.c.count))
        .join(signature_coordinates, signature_coordinates.c.signature == usage.c.signature)
        .group_by(usage.c.endpoint, signature_coordinates.c.coordinate, usage.c.day)
    )
    days = connection.execute(
        sa.select(usage.c.endpoint, usage.c.day, sa.func.sum(usage.c.count)).group_by(usage.c.endpoint, usage.c.day)
    )
    return {tuple(row) for row in coordinates}, {tuple(row) for row in days}


@pytest.fixture
def pinned(store_url: str):
    with UsageStore(store_url, clock=FixedClock(TODAY), migrate=True, handle_shutdown=False) as store:
        yield store


def test_written_through_the_daily_counts_are_the_sums_of_the_usage(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.reading() as connection:
        coordinates, days = _daily(connection)
        assert (coordinates, days) == _summed_from_usage(connection)
    assert (ENDPOINT, "User.name", _day(3), 5) in coordinates  # two signatures, two clients: one row
    assert (ENDPOINT, "User.email", _day(3), 3) in coordinates and (V2, "User.name", _day(2), 1) in coordinates
    assert (ENDPOINT, _day(3), 5) in days  # the operation that used two elements counts once
    assert not any(day == _day(1) for _, day, _ in days)


def test_buffered_flushes_keep_them_in_step(pinned: UsageStore) -> None:
    for _ in range(3):
        pinned.record_buffered(ENDPOINT, frozenset({"User.name", "Role.GUEST"}), client_name="web", count=2)
        pinned.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="ios", when=_day(1))
        pinned.flush()
    with pinned.reading() as connection:
        coordinates, days = _daily(connection)
        assert (coordinates, days) == _summed_from_usage(connection)
    assert (ENDPOINT, "User.name", TODAY, 6) in coordinates and (ENDPOINT, "User.name", _day(1), 3) in coordinates


def test_a_replayed_batch_adds_no_daily_count_twice(pinned: UsageStore) -> None:
    recorder = Recorder(max_pending=100)
    recorder.add(ENDPOINT, TODAY, "web", "1.0", "sig-1", frozenset({"User.name"}), 4)
    batch = recorder.take()
    now = pinned.clock.now()
    with pinned.engine.begin() as connection:
        last = lock_ledger(connection, "writer-1", now=now)
        write_batch(connection, batch, ledger=("writer-1", last + 1), now=now)
    with pytest.raises(LedgerConflict), pinned.engine.begin() as connection:  # its COMMIT seemed lost: again
        write_batch(connection, batch, ledger=("writer-1", last + 1), now=now)
    with pinned.reading() as connection:
        assert _daily(connection) == ({(ENDPOINT, "User.name", TODAY, 4)}, {(ENDPOINT, TODAY, 4)})


def test_rebuilt_from_rows_written_without_the_writer(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.engine.begin() as connection:
        written = _daily(connection)
        connection.execute(coordinate_days.delete())
        connection.execute(deprecated_days.delete())
        assert rebuild_daily_counts(connection) == (len(written[0]), len(written[1]))
        assert _daily(connection) == written


def test_pruned_with_the_usage(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.engine.begin() as connection:
        prune(connection, older_than_days=2, now=pinned.clock.now())  # keeps _day(2) on
        coordinates, days = _daily(connection)
        assert (coordinates, days) == _summed_from_usage(connection)
    assert min(day for _, _, day, _ in coordinates) == _day(2)


def test_the_reads_agree_with_the_usage_rows(pinned: UsageStore) -> None:
    """The evidence from the daily counts (no client left out) equals the one from the usage rows (a client that
    never wrote left out: the other path); the per-day reads agree with it."""
    _seed(pinned)
    asked = ["User.name", "User.email", "Role.GUEST", "Query.never"]
    with pinned.reading() as connection:
        daily = gather(connection, ENDPOINT, asked, _day(2), TODAY)
        rows = gather(connection, ENDPOINT, asked, _day(2), TODAY, exclude=("nobody",))
        assert daily.totals == rows.totals
        assert dict(daily.used) == dict(rows.used) and daily.last_used == rows.last_used
        assert daily.clients == rows.clients
        assert daily.last_used["User.email"] == _day(2) and daily.last_used["User.name"] == TODAY
        earlier = gather(connection, ENDPOINT, asked, _day(1), TODAY, clients=False)
        assert earlier.last_used["User.email"] == _day(2) and not earlier.clients  # before the window
        assert reads.deprecated_operations(connection, ENDPOINT) == {_day(3): 5, _day(2): 4, TODAY: 7}
        assert [(day.day, day.operations) for day in reads.daily_usage(connection, ENDPOINT, "User.name")] == [
            (_day(3), 5), (_day(2), 0), (_day(1), 0), (TODAY, 7)
        ]
        assert [(used.coordinate, used.operations, used.last_seen) for used in reads.coordinates(connection, ENDPOINT)] == [
            ("User.name", 12, TODAY), ("Role.GUEST", 7, TODAY), ("User.email", 7, _day(2))
        ]


def test_the_migration_backfills_them_from_the_usage(store_url: str) -> None:
    from alembic import command

    from gqlevolve.usage_store.revisions import alembic_config

    url = store_url
    with UsageStore(url, clock=FixedClock(TODAY), migrate=True, handle_shutdown=False) as store:
        _seed(store)
        with store.reading() as connection:
            written = _daily(connection)
    engine = sa.create_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003_enforcement")
    assert "coordinate_days" not in sa.inspect(engine).get_table_names()
    assert upgrade(engine)[0] == "0003_enforcement"
    with engine.connect() as connection:
        assert _daily(connection) == written and written[0]
    engine.dispose()
