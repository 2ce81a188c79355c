"""The writer's client summaries (``client_summaries``, revision 0006) on SQLite and PostgreSQL: always
``deprecation_usage`` summed per client, coordinate and block of days, whichever way the usage came (written
through, flushed, refused as a replay, backfilled by the migration, rebuilt, pruned); and the per-client reads
built on them answer what the usage rows answer, for windows across blocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import pytest
import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.errors import InvalidInput
from gqlevolve.reports.clients import client_version_summaries, client_versions
from gqlevolve.usage_store import UsageStore, reads
from gqlevolve.usage_store.client_summaries import rebuild_client_summaries
from gqlevolve.usage_store.day_blocks import DAY_COLUMNS, GRIDS, block_of, span_grid
from gqlevolve.usage_store.recorder import Recorder
from gqlevolve.usage_store.retention import prune
from gqlevolve.usage_store.revisions import upgrade
from gqlevolve.usage_store.tables import (
    CLIENT_SUMMARY_DAYS,
    client_from_column,
    client_summaries,
    day_from_column,
    deprecation_usage,
    signature_coordinates,
)
from gqlevolve.usage_store.writer import LedgerConflict, lock_ledger, write_batch
from tests.usage_store_helpers.recording import ENDPOINT, record

# Two days after a block of grid 0 starts (2025-05-21; grid 1's block started 32 days earlier): the seeded days span
# two blocks of each grid.
TODAY = dt.date(2025, 5, 23)
V2 = "/api/v2/graphql"


def _day(offset: int) -> dt.date:
    return TODAY - dt.timedelta(days=offset)


def test_the_seeded_days_span_two_blocks_of_each_grid() -> None:
    assert block_of(TODAY)[1] == 2 and block_of(_day(2)) == (block_of(TODAY)[0], 0)
    assert block_of(TODAY, 1)[1] == 34 and block_of(_day(34), 1) == (block_of(TODAY, 1)[0], 0)
    for grid in GRIDS:
        assert {block_of(_day(offset), grid)[0] for offset in (0, 3, 40)} == {block_of(TODAY, grid)[0] - n for n in (0, 1)}


@pytest.mark.parametrize("days", range(1, 34))
def test_a_span_of_up_to_33_days_lies_in_one_block_of_a_grid(days: int) -> None:
    for last in range(64):
        until = TODAY + dt.timedelta(days=last)
        since = until - dt.timedelta(days=days - 1)
        grid = span_grid(since, until)
        assert block_of(since, grid)[0] == block_of(until, grid)[0]


def _seed(store: UsageStore) -> None:
    record(store, _day(40), ["User.name"], client="web", version="1.0", count=9)
    record(store, _day(3), ["User.name", "User.email"], client="web", version="1.0", count=3)
    record(store, _day(3), ["User.name"], client="ios", count=2)
    record(store, _day(2), ["User.email"], client="web", version="1.1", count=4)
    record(store, _day(2), ["User.name"], client="web", version="1.1", count=1, endpoint=V2)
    record(store, _day(1), client="web", count=50)  # nothing deprecated: no usage row, no summary
    record(store, _day(0), ["Role.GUEST", "User.name"], client="bot", count=7)
    record(store, _day(0), ["User.name"], client="web", version="1.0", count=1)


def _summaries(connection: sa.Connection) -> set[tuple[object, ...]]:
    return {tuple(row) for row in connection.execute(sa.select(client_summaries))}


def _summed_from_usage(connection: sa.Connection) -> set[tuple[object, ...]]:
    """What the summaries must be: the usage rows, fanned out to their coordinates and summed in Python."""
    usage = deprecation_usage
    rows: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0] * CLIENT_SUMMARY_DAYS)
    for endpoint, coordinate, day, name, version, count in connection.execute(
        sa.select(usage.c.endpoint, signature_coordinates.c.coordinate, usage.c.day, usage.c.client_name,
                  usage.c.client_version, usage.c.count)
        .join(signature_coordinates, signature_coordinates.c.signature == usage.c.signature)
    ):
        for grid in GRIDS:
            block, offset = block_of(day_from_column(day), grid)
            rows[(endpoint, grid, block, coordinate, name, version)][offset] += count
    return {(*key, *itertools.accumulate(days)) for key, days in rows.items()}


@pytest.fixture
def pinned(store_url: str):
    with UsageStore(store_url, clock=FixedClock(TODAY), migrate=True, handle_shutdown=False) as store:
        yield store


def test_written_through_they_are_the_sums_of_the_usage(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.reading() as connection:
        written = _summaries(connection)
        assert written == _summed_from_usage(connection)
    block, offset = block_of(_day(3))
    row = next(row for row in written if row[:6] == (ENDPOINT, 0, block, "User.name", "web", "1.0"))
    assert row[-1] == 12 and row[6 + offset] - row[5 + offset] == 3  # the block's total (with _day(40)), the day's
    assert not any(row[4] == "web" and row[5] == "" for row in written)  # its operations used nothing deprecated


def test_buffered_flushes_keep_them_in_step(pinned: UsageStore) -> None:
    for _ in range(3):
        pinned.record_buffered(ENDPOINT, frozenset({"User.name", "Role.GUEST"}), client_name="web", count=2)
        pinned.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="web", when=_day(3))  # another block
        pinned.flush()
    with pinned.reading() as connection:
        written = _summaries(connection)
        assert written == _summed_from_usage(connection)
    assert {(row[2], row[3], row[-1]) for row in written if row[1] == 0} == {
        (block_of(TODAY)[0], "User.name", 6), (block_of(TODAY)[0], "Role.GUEST", 6), (block_of(_day(3))[0], "User.name", 3)
    }
    assert {(row[2], row[3], row[-1]) for row in written if row[1] == 1} == {  # one block of grid 1
        (block_of(TODAY, 1)[0], "User.name", 9), (block_of(TODAY, 1)[0], "Role.GUEST", 6)
    }


def test_a_replayed_batch_adds_nothing_twice(pinned: UsageStore) -> None:
    recorder = Recorder(max_pending=100)
    recorder.add(ENDPOINT, TODAY, "web", "1.0", "sig-1", frozenset({"User.name"}), 4)
    recorder.add(ENDPOINT, _day(1), "web", "1.0", "sig-1", frozenset({"User.name"}), 1)  # one key, two days
    batch = recorder.take()
    now = pinned.clock.now()
    with pinned.engine.begin() as connection:
        last = lock_ledger(connection, "writer-1", now=now)
        write_batch(connection, batch, ledger=("writer-1", last + 1), now=now)
    with pytest.raises(LedgerConflict), pinned.engine.begin() as connection:  # its COMMIT seemed lost: again
        write_batch(connection, batch, ledger=("writer-1", last + 1), now=now)
    with pinned.reading() as connection:
        rows = sorted(_summaries(connection))
    assert [row[1] for row in rows] == [0, 1]  # a row in each grid
    for row, today in zip(rows, (2, 34), strict=True):
        sums = dict(zip(range(len(DAY_COLUMNS)), row[6:], strict=True))  # running sums from the block's first day
        assert sums[today - 2] == 0 and sums[today - 1] == 1 and sums[today] == 5 and sums[len(DAY_COLUMNS) - 1] == 5


def test_rebuilt_from_rows_written_without_the_writer(pinned: UsageStore) -> None:
    _seed(pinned)
    with pinned.engine.begin() as connection:
        written = _summaries(connection)
        connection.execute(client_summaries.delete())
        assert rebuild_client_summaries(connection) == len(written)
        assert _summaries(connection) == written


@pytest.mark.parametrize("older_than_days", [1, 2, 3, 30, 41])
def test_pruned_with_the_usage(pinned: UsageStore, older_than_days: int) -> None:
    """Whole blocks go, the days before the cutoff in its block are set to 0, a row left empty goes."""
    _seed(pinned)
    with pinned.engine.begin() as connection:
        prune(connection, older_than_days=older_than_days, now=pinned.clock.now())
        assert _summaries(connection) == _summed_from_usage(connection)
        assert not any(row[-1] == 0 for row in _summaries(connection))


def _window(connection: sa.Connection, endpoint: str, since: dt.date | None, until: dt.date | None):
    """(coordinate, name, version) -> [operations, last day] over the days asked for, from the usage rows."""
    usage = deprecation_usage
    found: dict[tuple[str, str | None, str | None], list[object]] = {}
    for coordinate, day, name, version, count in connection.execute(
        sa.select(signature_coordinates.c.coordinate, usage.c.day, usage.c.client_name, usage.c.client_version, usage.c.count)
        .join(signature_coordinates, signature_coordinates.c.signature == usage.c.signature)
        .where(usage.c.endpoint == endpoint)
    ):
        day = day_from_column(day)
        if (since is None or day >= since) and (until is None or day <= until):
            entry = found.setdefault((coordinate, client_from_column(name), client_from_column(version)), [0, day])
            entry[0] += count
            entry[1] = max(entry[1], day)
    return found


WINDOWS = [(None, None), (_day(2), TODAY), (_day(3), _day(2)), (_day(45), _day(3)), (_day(40), _day(40)),
           (_day(39), _day(4)), (None, _day(3)), (_day(1), None), (_day(1), _day(1)), (_day(29), TODAY),
           (_day(33), TODAY), (_day(34), TODAY), (_day(40), _day(8)), (_day(70), TODAY), (TODAY, _day(1))]


@pytest.mark.parametrize(("since", "until"), WINDOWS)
def test_the_per_client_reads_answer_what_the_usage_rows_answer(pinned: UsageStore, since, until) -> None:
    _seed(pinned)
    with pinned.reading() as connection:
        expected = _window(connection, ENDPOINT, since, until)
        pairs = reads.client_coordinates(connection, ENDPOINT, since=since, until=until)
        assert {(use.coordinate, use.name, use.version): [use.operations, use.last_seen] for use in pairs} == expected
        assert pairs == sorted(pairs, key=lambda use: (use.name or "", use.version or "", -use.operations, use.coordinate))
        per_coordinate = reads.coordinate_clients(connection, ENDPOINT, since=since, until=until)
        for coordinate, clients in per_coordinate.items():
            assert clients == reads.clients(connection, ENDPOINT, coordinate, since=since, until=until)
        assert set(per_coordinate) == {coordinate for coordinate, _, _ in expected}
        assert reads.client_counts(connection, ENDPOINT, since=since, until=until) == {
            coordinate: len(clients) for coordinate, clients in per_coordinate.items()
        }
        assert reads.client_counts(connection, ENDPOINT, ["User.email"], since=since, until=until) == {
            coordinate: count
            for coordinate, count in reads.client_counts(connection, ENDPOINT, since=since, until=until).items()
            if coordinate == "User.email"
        }
        first, counts = reads.client_first_coordinates(connection, ENDPOINT, since=since, until=until, first=1)
        for (name, version), count in counts.items():
            theirs = [use for use in pairs if (use.name, use.version) == (name, version)]
            assert count == len(theirs) and [use for use in first if (use.name, use.version) == (name, version)] == theirs[:1]


def test_the_weekly_users_are_those_of_the_usage_rows(pinned: UsageStore) -> None:
    _seed(pinned)
    coordinates = ["User.name", "User.email", "Role.GUEST", "Query.never"]
    with pinned.reading() as connection:
        for first_day, weeks in [(_day(6), 1), (_day(13), 2), (_day(20), 1), (_day(41), 6)]:
            expected: dict[str, dict[int, set[str | None]]] = defaultdict(lambda: defaultdict(set))
            last_day = first_day + dt.timedelta(days=7 * weeks - 1)
            for (coordinate, name, _version), _ in _window(connection, ENDPOINT, None, first_day - dt.timedelta(days=1)).items():
                expected[coordinate][reads.BEFORE_FIRST_WEEK].add(name)
            for week in range(weeks):
                start = first_day + dt.timedelta(days=7 * week)
                for (coordinate, name, _version), _ in _window(connection, ENDPOINT, start, start + dt.timedelta(days=6)).items():
                    expected[coordinate][week].add(name)
            found = reads.weekly_users(connection, ENDPOINT, coordinates, first_day=first_day, weeks=weeks)
            assert found == {c: dict(w) for c, w in expected.items() if c in coordinates}, (first_day, weeks)
            assert last_day <= TODAY


def test_the_dashboards_client_summaries_are_the_client_versions_cut(pinned: UsageStore) -> None:
    _seed(pinned)
    full = client_versions(pinned, "v1", days=5)
    for shown in (1, 2, 10):
        cut = client_version_summaries(pinned, "v1", days=5, shown=shown)
        assert [(c.name, c.version, c.operations, c.last_seen, c.deprecated_count) for c in cut] == [
            (c.name, c.version, c.operations, c.last_seen, len(c.deprecated)) for c in full
        ]
        assert [c.deprecated for c in cut] == [c.deprecated[:shown] for c in full]


@pytest.mark.parametrize("shown", [0, -1, 1001, True, "3"])
def test_a_page_asks_for_at_least_one_element_per_client(pinned: UsageStore, shown: object) -> None:
    with pytest.raises(InvalidInput, match="shown"):
        client_version_summaries(pinned, days=5, shown=shown)  # type: ignore[arg-type]


def test_the_migration_backfills_them_from_the_usage(store_url: str) -> None:
    from alembic import command

    from gqlevolve.usage_store.revisions import alembic_config

    with UsageStore(store_url, clock=FixedClock(TODAY), migrate=True, handle_shutdown=False) as store:
        _seed(store)
        with store.reading() as connection:
            written = _summaries(connection)
    engine = sa.create_engine(store_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_whole_schema")
    assert "client_summaries" not in sa.inspect(engine).get_table_names()
    assert upgrade(engine) == ("0005_whole_schema", "0007_operation_summaries")
    with engine.connect() as connection:
        assert _summaries(connection) == written and written
    engine.dispose()


def test_the_migration_report_of_some_elements_is_theirs_in_the_whole_report(pinned: UsageStore) -> None:
    from gqlevolve import Deprecation
    from gqlevolve.reports.migration import migration_report

    _seed(pinned)
    _ = pinned.register_deprecations(ENDPOINT, [Deprecation(c) for c in ("User.name", "User.email", "Role.GUEST")])
    whole = migration_report(pinned, "v1", weeks=6)
    some = migration_report(pinned, "v1", weeks=6, coordinates={"User.email", "Query.never"})
    assert some == [week for week in whole if week.coordinate == "User.email"] and some
    with pytest.raises(InvalidInput, match="coordinates"):
        migration_report(pinned, "v1", coordinates="User.name")
