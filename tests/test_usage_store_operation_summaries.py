"""The writer's operation summaries (``operation_summaries`` and ``shaped_totals``, revision 0007) on SQLite and
PostgreSQL: always ``operation_usage`` summed, per operation, client and block of days of grid 0 (running sums)
and per client and day, whichever way the usage came (written through, flushed, refused as a replay, rebuilt, pruned,
backfilled by the migration); and the reads built on them (``window_rows``, ``whole_schema_days``) answer what the
usage rows answer, for windows across blocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.operation_shape import OperationShape, operation_signature
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.breakage_reads import whole_schema_days
from gqlevolve.usage_store.day_blocks import DAY_COLUMNS, GRIDS, block_of
from gqlevolve.usage_store.operation_summaries import GRID, rebuild_operation_summaries, window_rows
from gqlevolve.usage_store.operations import OVERFLOW_SIGNATURE, StoredOperation
from gqlevolve.usage_store.recorder import Recorder
from gqlevolve.usage_store.retention import prune
from gqlevolve.usage_store.revisions import upgrade
from gqlevolve.usage_store.tables import (
    CLIENT_SUMMARY_DAYS,
    client_from_column,
    day_from_column,
    operation_coordinates,
    operation_summaries,
    operation_totals,
    operation_usage,
    shaped_totals,
)
from gqlevolve.usage_store.writer import LedgerConflict, lock_ledger, rebuild_daily_counts, write_batch, write_spilled
from tests.usage_store_helpers.recording import ENDPOINT

# Two days after a block of grid 0 starts (grid 1's block started 32 days earlier), as in the client summaries'
# test. Grid 0's blocks hold the days 0-2, 3-66, 67-130 days ago; grid 1's 0-34, 35-98, 99-162.
TODAY = dt.date(2025, 5, 23)
V2 = "/api/v2/graphql"


def _day(offset: int) -> dt.date:
    return TODAY - dt.timedelta(days=offset)


def _shape(kind: str, name: str, *coordinates: str) -> OperationShape:
    return OperationShape(kind, name, name.encode().hex().ljust(32, "0")[:32], frozenset(coordinates))


USERS = _shape("query", "Users", "Query", "Query.users", "User", "User.name")
VIEWER = _shape("query", "Viewer", "Query", "Query.viewer", "User", "User.email")
RENAME = _shape("mutation", "Rename", "Mutation", "Mutation.rename", "User", "User.name")


def _signature(shape: OperationShape, *deprecated: str) -> str:
    """The store's signature of ``shape`` run with ``deprecated`` deprecated."""
    return operation_signature(shape, frozenset(deprecated))


# (days ago, shape or None: counted without one, deprecated coordinates, client name, version, count, endpoint).
# At most 3 distinct operations a day and endpoint (the fixture's cap): the 4th of _day(1) is counted as the
# operations past the cap.
SEED: list[tuple[int, OperationShape | None, tuple[str, ...], str | None, str | None, int, str]] = [
    (100, USERS, (), "web", "0.9", 5, ENDPOINT),
    (70, VIEWER, (), "ios", "2.0", 4, ENDPOINT),
    (66, USERS, (), "web", "1.0", 6, ENDPOINT),
    (40, USERS, (), "web", "1.0", 9, ENDPOINT),
    (40, RENAME, (), None, None, 2, ENDPOINT),
    (35, VIEWER, (), "web", "1.1", 3, ENDPOINT),
    (34, USERS, ("User.name",), "web", "1.1", 7, ENDPOINT),  # the same shape, User.name deprecated: its own signature
    (33, USERS, (), "ios", "2.0", 1, ENDPOINT),
    (10, None, (), "ios", "2.0", 5, ENDPOINT),  # counted, no shape: no operation_usage
    (3, USERS, (), "web", "1.0", 3, ENDPOINT),
    (3, USERS, (), "web", "1.0", 2, ENDPOINT),  # the same key again: added to its row
    (3, VIEWER, (), "ios", None, 2, ENDPOINT),
    (3, USERS, (), "web", "1.0", 1, V2),
    (2, RENAME, (), "web", "1.1", 4, ENDPOINT),
    (2, USERS, (), None, None, 8, ENDPOINT),
    (1, USERS, (), "web", "1.0", 2, ENDPOINT),
    (1, VIEWER, (), "web", "1.0", 1, ENDPOINT),
    (1, RENAME, (), "bot", None, 5, ENDPOINT),
    (1, USERS, ("User.name",), "web", "1.1", 6, ENDPOINT),  # the 4th operation of the day: past the cap
    (1, None, (), "web", "1.0", 4, ENDPOINT),
    (0, VIEWER, (), "bot", None, 7, ENDPOINT),
    (0, USERS, (), "web", "1.0", 1, ENDPOINT),
    (0, RENAME, (), None, None, 3, V2),
    (0, None, (), "ios", "2.0", 2, ENDPOINT),
]


def _seed(store: UsageStore) -> None:
    for offset, shape, deprecated, name, version, count, endpoint in SEED:
        store.record_operation(endpoint, deprecated, client_name=name, client_version=version, operation=shape,
                               when=_day(offset), count=count)


@pytest.fixture
def pinned(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, clock=FixedClock(TODAY), migrate=True, handle_shutdown=False,
                    max_operations_per_day=3) as store:
        yield store


# --- the tables, and what they must be --------------------------------------------------------------------------------

UsageRow = tuple[str, str, dt.date, str, str, int]
Row = tuple[Any, ...]  # a table row: its key, then counts


def _usage(connection: sa.Connection) -> list[UsageRow]:
    u = operation_usage.c
    return [
        (endpoint, signature, day_from_column(day), name, version, int(count))
        for endpoint, signature, day, name, version, count in connection.execute(
            sa.select(u.endpoint, u.signature, u.day, u.client_name, u.client_version, u.count)
        )
    ]


def _summaries(connection: sa.Connection) -> set[Row]:
    return {tuple(row) for row in connection.execute(sa.select(operation_summaries))}


def _shaped(connection: sa.Connection) -> set[Row]:
    s = shaped_totals.c
    return {
        (endpoint, day_from_column(day), name, version, int(count))
        for endpoint, day, name, version, count in connection.execute(
            sa.select(s.endpoint, s.day, s.client_name, s.client_version, s.count)
        )
    }


def _summed(usage: Sequence[UsageRow]) -> tuple[set[Row], set[Row]]:
    """What the tables must be: the usage rows summed in Python, per block of the one grid the summaries keep
    (running sums from the block's first day), and per client and day."""
    blocks: dict[Row, list[int]] = defaultdict(lambda: [0] * CLIENT_SUMMARY_DAYS)
    days: dict[Row, int] = defaultdict(int)
    for endpoint, signature, day, name, version, count in usage:
        block, offset = block_of(day, GRID)
        blocks[(endpoint, GRID, block, signature, name, version)][offset] += count
        days[(endpoint, day, name, version)] += count
    return (
        {(*key, *itertools.accumulate(counts)) for key, counts in blocks.items()},
        {(*key, count) for key, count in days.items()},
    )


def _in_step(connection: sa.Connection) -> tuple[set[Row], set[Row]]:
    """Both tables, checked against the sums of ``operation_usage``."""
    written = _summaries(connection), _shaped(connection)
    expected = _summed(_usage(connection))
    assert written[0] == expected[0]
    assert written[1] == expected[1]
    return written


def _seeded_shaped() -> set[Row]:
    """The shaped totals the seed must leave, from ``SEED`` itself (not read back from the store)."""
    days: dict[Row, int] = defaultdict(int)
    for offset, shape, _, name, version, count, endpoint in SEED:
        if shape is not None:
            days[(endpoint, _day(offset), name or "", version or "")] += count
    return {(*key, count) for key, count in days.items()}


def test_the_seeded_days_span_blocks_of_each_grid() -> None:
    assert GRID in GRIDS
    for grid in GRIDS:
        blocks = {block_of(_day(offset), grid)[0] for offset, *_ in SEED}
        assert {block_of(TODAY, grid)[0] - n for n in (0, 1)} <= blocks
    assert len({block_of(_day(offset))[0] for offset, *_ in SEED}) == 3
    assert block_of(TODAY) == (block_of(_day(2))[0], 2) and block_of(_day(3))[1] == CLIENT_SUMMARY_DAYS - 1
    assert block_of(TODAY, 1)[1] == 34 and block_of(_day(35), 1)[1] == CLIENT_SUMMARY_DAYS - 1


# --- kept in step, whichever way the usage came -----------------------------------------------------------------------


def test_written_through_they_are_the_sums_of_the_usage(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.reading() as connection:
        summaries, shaped = _in_step(connection)
        signatures = {row[1] for row in _usage(connection)}
    assert shaped == _seeded_shaped()
    assert signatures == {_signature(USERS), _signature(USERS, "User.name"), _signature(VIEWER), _signature(RENAME),
                          OVERFLOW_SIGNATURE}
    # Grid 0's block of the days 3-66: Users from web 1.0 on days 66 (6), 40 (9) and 3 (3 + 2).
    block, offset = block_of(_day(3))
    row = next(row for row in summaries if row[:6] == (ENDPOINT, 0, block, _signature(USERS), "web", "1.0"))
    assert row[-1] == 20 and row[6 + offset] - row[5 + offset] == 5
    assert row[6 + block_of(_day(40))[1]] - row[5 + block_of(_day(40))[1]] == 9
    assert (ENDPOINT, 0, block_of(_day(1))[0], OVERFLOW_SIGNATURE, "web", "1.1") in {row[:6] for row in summaries}
    assert (ENDPOINT, 0, block_of(_day(2))[0], _signature(USERS), "", "") in {row[:6] for row in summaries}
    assert {row[1] for row in summaries} == {GRID}
    # Every operation with a shape is in one block: the blocks' totals add up to the seed's.
    assert sum(int(row[-1]) for row in summaries) == sum(int(row[-1]) for row in shaped)
    assert sum(int(row[-1]) for row in shaped) == sum(count for _, shape, *_, count, _ in SEED if shape is not None)


def test_buffered_flushes_keep_them_in_step(pinned: UsageStore) -> None:
    for _ in range(3):
        pinned.record_buffered(ENDPOINT, (), client_name="web", client_version="1.0", operation=USERS, count=2)
        pinned.record_buffered(ENDPOINT, (), client_name="web", client_version="1.0", operation=USERS, when=_day(3))
        pinned.record_buffered(ENDPOINT, (), client_name="web", client_version="1.0", operation=USERS, when=_day(40))
        pinned.record_buffered(ENDPOINT, (), client_name="ios", operation=VIEWER, when=_day(3))
        pinned.record_buffered(V2, ("User.name",), operation=USERS, count=3, when=_day(1))
        pinned.record_buffered(ENDPOINT, (), client_name="old", count=5)  # no shape: not in these tables
        pinned.flush()
        with pinned.reading() as connection:
            summaries, shaped = _in_step(connection)
    users = _signature(USERS)
    totals = {row[:6]: row[-1] for row in summaries if row[3] == users and row[4] == "web"}
    assert totals == {
        (ENDPOINT, 0, block_of(TODAY)[0], users, "web", "1.0"): 6,
        (ENDPOINT, 0, block_of(_day(3))[0], users, "web", "1.0"): 6,  # days 3 and 40: one block of grid 0
    }
    assert shaped == {
        (ENDPOINT, TODAY, "web", "1.0", 6), (ENDPOINT, _day(3), "web", "1.0", 3), (ENDPOINT, _day(40), "web", "1.0", 3),
        (ENDPOINT, _day(3), "ios", "", 3), (V2, _day(1), "", "", 9),
    }


def test_a_replayed_batch_adds_nothing_twice(pinned: UsageStore) -> None:
    users = StoredOperation(_signature(USERS), USERS, frozenset())
    viewer = StoredOperation(_signature(VIEWER), VIEWER, frozenset())
    recorder = Recorder(max_pending=100)
    recorder.add(ENDPOINT, TODAY, "web", "1.0", None, frozenset(), 4, operation=users)
    recorder.add(ENDPOINT, _day(1), "web", "1.0", None, frozenset(), 1, operation=users)  # one key, two days
    recorder.add(ENDPOINT, _day(3), "ios", "", None, frozenset(), 2, operation=viewer)  # grid 0's block before
    batch = recorder.take()
    now = pinned.clock.now()
    with pinned.engine.begin() as connection:
        last = lock_ledger(connection, "writer-1", now=now)
        write_batch(connection, batch, ledger=("writer-1", last + 1), now=now)
    with pinned.reading() as connection:
        written = _in_step(connection)
    with pytest.raises(LedgerConflict), pinned.engine.begin() as connection:  # its COMMIT seemed lost: again
        write_batch(connection, batch, ledger=("writer-1", last + 1), now=now)
    with pinned.engine.begin() as connection:  # spilled while in doubt, replayed: the ledger counts it already
        assert not write_spilled(connection, batch, spill_id="spill-1", in_doubt=("writer-1", last + 1), now=now)
    with pinned.reading() as connection:
        assert _in_step(connection) == written
    summaries, shaped = written
    assert shaped == {(ENDPOINT, TODAY, "web", "1.0", 4), (ENDPOINT, _day(1), "web", "1.0", 1),
                      (ENDPOINT, _day(3), "ios", "", 2)}
    [row] = [row for row in summaries if row[3] == users.signature]  # today and day 1: one block
    assert row[:3] == (ENDPOINT, GRID, block_of(TODAY)[0]) and block_of(TODAY)[1] == 2
    sums = dict(enumerate(row[6:]))  # running sums from the block's first day
    assert sums[0] == 0 and sums[1] == 1 and sums[2] == 5 and sums[len(DAY_COLUMNS) - 1] == 5


def test_rebuilt_they_are_what_the_writer_wrote(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.engine.begin() as connection:
        summaries, shaped = _in_step(connection)
        connection.execute(operation_summaries.delete())
        connection.execute(shaped_totals.delete())
        assert rebuild_operation_summaries(connection) == (len(summaries), len(shaped))
        assert (_summaries(connection), _shaped(connection)) == (summaries, shaped)


@pytest.mark.parametrize("rebuild", [rebuild_operation_summaries, rebuild_daily_counts], ids=["summaries", "daily"])
def test_rebuilt_from_rows_written_straight_into_the_usage(
    pinned: UsageStore, rebuild: Callable[[sa.Connection], object]
) -> None:
    _seed(pinned)
    rows = [  # a bulk import: days of three blocks of grid 0, an operation the store never saw
        (ENDPOINT, _signature(USERS), _day(offset), "import", "1", count)
        for offset, count in ((0, 3), (2, 1), (3, 4), (34, 2), (35, 6), (66, 1), (67, 5), (99, 2), (130, 8))
    ] + [(V2, "ff" * 16, _day(offset), "", "", offset + 1) for offset in (1, 33, 36)]
    with pinned.engine.begin() as connection:
        connection.execute(operation_usage.insert(), [
            dict(zip(("endpoint", "signature", "day", "client_name", "client_version", "count"), row, strict=True))
            for row in rows
        ])
        connection.execute(  # and one row the writer had added to: more operations of an existing key
            operation_usage.update()
            .where(operation_usage.c.endpoint == ENDPOINT, operation_usage.c.day == _day(40),
                   operation_usage.c.signature == _signature(USERS), operation_usage.c.client_name == "web")
            .values(count=operation_usage.c.count + 10)
        )
        assert (_summaries(connection), _shaped(connection)) != _summed(_usage(connection))
        rebuild(connection)
        summaries, shaped = _in_step(connection)
    assert (ENDPOINT, _day(130), "import", "1", 8) in shaped and (V2, _day(36), "", "", 37) in shaped
    assert {row[2] for row in summaries if row[4] == "import" and row[1] == 0} == {
        block_of(_day(offset))[0] for offset in (0, 3, 67)
    }


@pytest.mark.parametrize("older_than_days", [1, 2, 3, 34, 35, 40, 67, 70, 100, 400])
def test_pruned_with_the_usage(pinned: UsageStore, older_than_days: int) -> None:
    """Whole blocks go, the days before the cutoff in its block are set to 0, a row left empty goes; the reads
    of the days kept answer what the usage rows kept answer."""
    _seed(pinned)
    cutoff = _day(older_than_days)
    with pinned.engine.begin() as connection:
        prune(connection, older_than_days=older_than_days, now=pinned.clock.now())
        usage = _usage(connection)
        assert all(day >= cutoff for _, _, day, *_ in usage)
        summaries, shaped = _in_step(connection)
        assert not any(row[-1] == 0 for row in summaries)
        assert {row for row in _seeded_shaped() if row[1] >= cutoff} == shaped
        for first, last in [(cutoff - dt.timedelta(days=5), TODAY), (cutoff, cutoff), (_day(40), _day(3)),
                            (_day(100), _day(30)), (_day(2), TODAY)]:
            assert _window(connection, ENDPOINT, first, last) == _fold(usage, ENDPOINT, first, last), (first, last)


def test_the_migration_backfills_them_from_the_usage(store_url: str) -> None:
    from alembic import command

    from gqlevolve.usage_store.revisions import alembic_config

    with UsageStore(store_url, clock=FixedClock(TODAY), migrate=True, handle_shutdown=False,
                    max_operations_per_day=3) as store:
        _seed(store)
        with store.reading() as connection:
            written = _in_step(connection)
    assert all(written)
    engine = sa.create_engine(store_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006_client_summaries")
    tables = sa.inspect(engine).get_table_names()
    assert "operation_summaries" not in tables and "shaped_totals" not in tables and "operation_usage" in tables
    assert upgrade(engine) == ("0006_client_summaries", "0007_operation_summaries")
    with engine.connect() as connection:
        assert (_summaries(connection), _shaped(connection)) == written
    engine.dispose()
    with UsageStore(store_url, clock=FixedClock(TODAY), handle_shutdown=False) as store:  # and kept from then on
        store.record_operation(ENDPOINT, (), client_name="web", client_version="1.0", operation=USERS, when=_day(40))
        with store.reading() as connection:
            after = _in_step(connection)
    assert len(after[0]) == len(written[0]) and after[1] - written[1] == {(ENDPOINT, _day(40), "web", "1.0", 10)}


# --- the reads -----------------------------------------------------------------------------------------------------------

Window = dict[tuple[str, str | None, str | None], tuple[int, dt.date]]


def _fold(
    usage: Sequence[UsageRow], endpoint: str, first: dt.date, last: dt.date,
    keep: Callable[[str, str, str], bool] = lambda signature, name, version: True,
) -> Window:
    """(signature, name, version) -> (operations, last day) in [first, last], from the usage rows."""
    found: dict[tuple[str, str | None, str | None], tuple[int, dt.date]] = {}
    for row_endpoint, signature, day, name, version, count in usage:
        if row_endpoint == endpoint and first <= day <= last and keep(signature, name, version):
            key = (signature, client_from_column(name), client_from_column(version))
            operations, latest = found.get(key, (0, day))
            found[key] = (operations + count, max(latest, day))
    return found


def _window(
    connection: sa.Connection, endpoint: str, first: dt.date, last: dt.date, *conditions: sa.ColumnElement[bool],
    join: sa.FromClause | None = None,
) -> Window:
    rows = window_rows(connection, endpoint, first, last, *conditions, join=join)
    found = {(signature, name, version): (count, day) for signature, name, version, count, day in rows}
    assert len(found) == len(rows)  # one row per operation and client version
    return found


def _crossed(since: dt.date, until: dt.date, grid: int) -> int:
    """The block boundaries of ``grid`` between two days."""
    return block_of(until, grid)[0] - block_of(since, grid)[0]


WINDOWS = [  # (days ago) since, until
    (0, 0), (1, 1), (2, 2), (3, 3), (34, 34), (35, 35), (40, 40), (66, 66), (67, 67), (100, 100),  # one day
    (3, 2), (5, 0), (33, 0), (33, 2), (60, 3),  # across grid 0's boundary 3|2 (at most 33 days: one block of grid 1)
    (35, 34), (40, 30), (36, 3), (66, 34),  # across grid 1's boundary 35|34 (one block of grid 0)
    (70, 60), (67, 66), (99, 98), (100, 70),  # across grid 0's 67|66, grid 1's 99|98
    (35, 0), (40, 2), (66, 1),  # across a boundary of each grid
    (67, 2), (70, 0), (100, 1), (130, 3),  # across two boundaries of grid 0
    (99, 34), (100, 0), (162, 35),  # across two of grid 1
    (89, 0), (90, 1), (92, 3), (99, 10),  # 90 days
    (300, 0), (131, 0),
    (60, 41), (32, 4), (10, 10), (20, 11), (200, 150), (-1, -5),  # no usage (day 10: counted without a shape)
    (0, 1), (40, 66),  # since after until: nothing
]


def test_the_windows_cross_the_boundaries_they_say() -> None:
    ordered = [(_day(since), _day(until)) for since, until in WINDOWS if since >= until]
    assert any((until - since).days == 0 for since, until in ordered)
    assert any((until - since).days == 89 for since, until in ordered)
    for grid in GRIDS:
        for crossed in (0, 1, 2):
            assert any(_crossed(since, until, grid) == crossed for since, until in ordered), (grid, crossed)


@pytest.mark.parametrize(("since", "until"), WINDOWS, ids=[f"{since}-{until}" for since, until in WINDOWS])
def test_the_window_rows_are_the_usage_rows_folded(pinned: UsageStore, since: int, until: int) -> None:
    _seed(pinned)
    first, last = _day(since), _day(until)
    with pinned.reading() as connection:
        usage = _usage(connection)
        using_name = set(connection.execute(
            sa.select(operation_coordinates.c.signature).where(operation_coordinates.c.coordinate == "User.name")
        ).scalars())
        assert using_name == {_signature(USERS), _signature(USERS, "User.name"), _signature(RENAME)}
        for endpoint in (ENDPOINT, V2, "/api/v3/graphql"):
            assert _window(connection, endpoint, first, last) == _fold(usage, endpoint, first, last)
        assert _window(connection, ENDPOINT, first, last, operation_summaries.c.client_name == "web") == _fold(
            usage, ENDPOINT, first, last, lambda signature, name, version: name == "web"
        )
        assert _window(connection, ENDPOINT, first, last, operation_summaries.c.client_name == "") == _fold(
            usage, ENDPOINT, first, last, lambda signature, name, version: name == ""
        )
        assert _window(
            connection, ENDPOINT, first, last, operation_coordinates.c.coordinate == "User.name", join=operation_coordinates
        ) == _fold(usage, ENDPOINT, first, last, lambda signature, name, version: signature in using_name)
        assert _window(
            connection, ENDPOINT, first, last, operation_coordinates.c.coordinate == "User.name",
            operation_summaries.c.client_name == "web", join=operation_coordinates,
        ) == _fold(usage, ENDPOINT, first, last, lambda signature, name, version: signature in using_name and name == "web")


def test_every_window_between_the_seeded_days_is_the_usage_rows_folded(pinned: UsageStore) -> None:
    """Windows from and to each day around the blocks' boundaries (both grids), and around the seeded days."""
    _seed(pinned)
    offsets = sorted({-1, 0, 1, 2, 3, 4, 33, 34, 35, 36, 40, 41, 65, 66, 67, 68, 70, 89, 98, 99, 100, 101, 130, 131})
    with pinned.reading() as connection:
        usage = _usage(connection)
        for since, until in itertools.combinations_with_replacement(reversed(offsets), 2):
            first, last = _day(since), _day(until)
            assert _window(connection, ENDPOINT, first, last) == _fold(usage, ENDPOINT, first, last), (since, until)
            assert _window(connection, ENDPOINT, first, last, operation_summaries.c.client_version == "1.0") == _fold(
                usage, ENDPOINT, first, last, lambda signature, name, version: version == "1.0"
            ), (since, until)


def _totals_per_day(
    connection: sa.Connection, table: sa.Table, endpoint: str, first: dt.date, last: dt.date, exclude: Sequence[str]
) -> dict[dt.date, int]:
    found: dict[dt.date, int] = defaultdict(int)
    c = table.c
    for row_endpoint, day, name, count in connection.execute(sa.select(c.endpoint, c.day, c.client_name, c.count)):
        day = day_from_column(day)
        if row_endpoint == endpoint and first <= day <= last:
            found[day] += 0 if name in exclude else int(count)
    return found


WHOLE_SCHEMA_WINDOWS = [(100, 0), (3, 0), (1, 1), (12, 8), (40, 30), (66, 66), (70, 35), (0, 0), (200, 150)]


@pytest.mark.parametrize("exclude", [(), ("web",), ("web", "")], ids=["all", "no-web", "no-web-no-name"])
def test_whole_schema_days_are_the_usage_rows_per_day(pinned: UsageStore, exclude: tuple[str, ...]) -> None:
    _seed(pinned)
    with pinned.reading() as connection:
        for endpoint, (since, until) in itertools.product((ENDPOINT, V2), WHOLE_SCHEMA_WINDOWS):
            first, last = _day(since), _day(until)
            found = whole_schema_days(connection, endpoint, first, last, exclude=exclude)
            shaped = _totals_per_day(connection, operation_usage, endpoint, first, last, exclude)
            counted = _totals_per_day(connection, operation_totals, endpoint, first, last, exclude)
            assert all(counted[day] >= shaped[day] for day in shaped)
            where = (endpoint, since, until)
            assert {day: n for day, n in found.totals.items() if n} == {day: n for day, n in shaped.items() if n}, where
            assert {day for day, n in found.totals.items() if not n} == {
                day for day in counted.keys() | shaped.keys() if not counted[day] and not shaped[day]
            }, where
            assert found.uncovered == sorted(day for day in counted if counted[day] and not shaped[day]), where
            assert found.unshaped == sum(max(counted[day] - shaped[day], 0) for day in counted), where
    if not exclude:  # by hand, from SEED
        with pinned.reading() as connection:
            one = whole_schema_days(connection, ENDPOINT, _day(1), _day(1))
            assert (one.totals, one.uncovered, one.unshaped) == ({_day(1): 14}, [], 4)
            window = whole_schema_days(connection, ENDPOINT, _day(12), _day(8))
            assert (window.totals, window.uncovered, window.unshaped) == ({}, [_day(10)], 5)
    elif exclude == ("web",):  # day 66: only web's operations, so no operations left: a day of zero traffic
        with pinned.reading() as connection:
            assert whole_schema_days(connection, ENDPOINT, _day(66), _day(66), exclude=exclude).totals == {_day(66): 0}
