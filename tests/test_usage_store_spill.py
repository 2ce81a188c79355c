"""Spill files (``gqlevolve.usage_store.spill``): where they are, what survives a torn write or concurrent
writers, and that a replay writes every spilled count exactly once (real files, real processes, real databases)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import DailyUsage, UsageStore
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.signatures import signature_of
from gqlevolve.usage_store.spill import SPILL_DIR_ENV, SpillFile, SpillRecord
from gqlevolve.usage_store.tables import flush_ledger
from gqlevolve.usage_store.urls import parse_store_url
from gqlevolve.usage_store.writer import LedgerConflict, lock_ledger, write_batch, write_spilled

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2025, 6, 1)
NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def _batch(operations: int, *, client: str = "web", used: frozenset[str] = frozenset({"User.name"})) -> Batch:
    batch = Batch()
    total_key = (ENDPOINT, DAY, client, "1.0")
    batch.add(total_key, (*total_key, signature_of(used)) if used else None, used, operations)
    return batch


# --- where --------------------------------------------------------------------------------------------------


def test_a_sqlite_store_spills_next_to_its_file_then_in_the_spill_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(SPILL_DIR_ENV, str(tmp_path / "spills"))
    spill = SpillFile.for_store(parse_store_url(f"sqlite:///{tmp_path / 'data' / 'usage.db'}"))
    assert spill.paths[0] == tmp_path / "data" / "usage.db-spill.jsonl"
    assert spill.paths[1].parent == tmp_path / "spills"
    assert spill.paths[1].name.startswith("usage.db-") and spill.paths[1].suffix == ".jsonl"
    # The database's folder does not exist (yet): never created for a spill file, the spill directory is used.
    assert spill.append([SpillRecord.new(_batch(3))]) == spill.paths[1]
    (tmp_path / "data").mkdir()
    assert spill.append([SpillRecord.new(_batch(4))]) == spill.paths[0]
    assert sorted(len(records) for _, records in spill.read()) == [1, 1]


def test_a_postgresql_store_spills_to_a_file_of_its_own_url(tmp_path, monkeypatch):
    monkeypatch.delenv(SPILL_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def paths(url: str, directory: Path | None = None) -> list[Path]:
        return SpillFile.for_store(parse_store_url(url), directory).paths

    [path] = paths("postgresql://gqlevolve:s3cret@db:5432/usage")
    assert path.parent == tmp_path / "cache" / "gqlevolve" / "spill"
    assert path.name.startswith("usage-")
    assert paths("postgres://gqlevolve:other@db:5432/usage") == [path]  # the password is not part of it
    for other in (
        "postgresql://gqlevolve@db:5432/usage?options=-csearch_path%3Dtenant2",
        "postgresql://gqlevolve@db:5433/usage",
        "postgresql://gqlevolve@db2:5432/usage",
        "postgresql://reader@db:5432/usage",
    ):
        assert paths(other) != [path], other
    monkeypatch.setenv(SPILL_DIR_ENV, str(tmp_path / "env"))
    assert paths("postgresql://gqlevolve@db/usage")[0].parent == tmp_path / "env"
    assert paths("postgresql://gqlevolve@db/usage", tmp_path / "given")[0].parent == tmp_path / "given"


# --- the file -----------------------------------------------------------------------------------------------


def test_records_round_trip_and_are_forgotten_once_written(tmp_path):
    spill = SpillFile([tmp_path / "s.jsonl"])
    plain = SpillRecord.new(_batch(5))
    doubtful = SpillRecord.new(_batch(7, client="ios", used=frozenset()), ("ab" * 16, 3))
    spill.append([plain])
    spill.append([doubtful])
    [(path, records)] = spill.read()
    assert [(r.id, r.in_doubt, r.batch.totals, r.batch.usage, r.batch.signatures) for r in records] == [
        (r.id, r.in_doubt, r.batch.totals, r.batch.usage, r.batch.signatures) for r in (plain, doubtful)
    ]
    spill.forget(path, {plain.id})
    assert [r.id for _, rs in spill.read() for r in rs] == [doubtful.id]
    spill.forget(path, {doubtful.id})
    assert not path.exists() and not spill.pending()


def test_a_record_torn_by_a_crash_is_cut_and_the_next_ones_are_kept(tmp_path):
    path = tmp_path / "s.jsonl"
    spill = SpillFile([path])
    first = SpillRecord.new(_batch(1))
    spill.append([first])
    with open(path, "ab") as file:  # a crash in the middle of an append
        file.write(SpillRecord.new(_batch(2)).to_line()[:40])
    assert [r.id for _, rs in spill.read() for r in rs] == [first.id]
    third = SpillRecord.new(_batch(3))
    spill.append([third])
    assert [r.id for _, rs in spill.read() for r in rs] == [first.id, third.id]
    assert path.read_bytes().count(b"\n") == 2


def test_an_unreadable_line_is_skipped_and_dropped(tmp_path, caplog):
    path = tmp_path / "s.jsonl"
    spill = SpillFile([path])
    good = SpillRecord.new(_batch(1))
    path.write_bytes(b'{"format": 99}\n' + good.to_line())
    [(_, records)] = spill.read()
    assert [r.id for r in records] == [good.id]
    assert "unreadable line" in caplog.text
    spill.forget(path, set())
    assert path.read_bytes() == good.to_line()


def test_processes_appending_at_once_lose_no_record(tmp_path):
    path = tmp_path / "s.jsonl"
    script = (
        "import sys, datetime as dt\n"
        "from gqlevolve.usage_store.recorder import Batch\n"
        "from gqlevolve.usage_store.spill import SpillFile, SpillRecord\n"
        "spill = SpillFile([__import__('pathlib').Path(sys.argv[1])])\n"
        "for i in range(40):\n"
        "    b = Batch(); b.add(('/e', dt.date(2025, 6, 1), 'p' + sys.argv[2], ''), None, frozenset(), 1 + i)\n"
        "    spill.append([SpillRecord.new(b)])\n"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(path), str(n)], cwd=ROOT, env={**os.environ})
        for n in range(4)
    ]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    [(_, records)] = SpillFile([path]).read()
    assert len(records) == 160
    assert sum(r.batch.operations for r in records) == 4 * sum(range(1, 41))


# --- replay: exactly once ---------------------------------------------------------------------------------


def test_a_replay_interrupted_before_the_file_was_trimmed_writes_nothing_twice(store_url, tmp_path):
    """The replay committed, then the process died before removing the records from the file: the next replay
    finds each record in the ledger and only removes them."""
    UsageStore(store_url, migrate=True, handle_shutdown=False).close()
    spill = SpillFile.for_store(parse_store_url(store_url), tmp_path)
    spill.append([SpillRecord.new(_batch(5)), SpillRecord.new(_batch(6, client="ios"))])
    [(path, records)] = spill.read()
    engine = sa.create_engine(store_url)
    try:
        with engine.begin() as connection:  # what a replay does, without the trimming
            for record in records:
                assert write_spilled(connection, record.batch, spill_id=record.id, in_doubt=None, now=NOW)
    finally:
        engine.dispose()
    with UsageStore(store_url, handle_shutdown=False, spill_dir=tmp_path) as store:
        assert store.stats().replayed_operations == 0
        assert store.daily_totals(ENDPOINT) == {DAY: 11}
        assert not path.exists()


def test_an_in_doubt_record_is_written_only_if_its_writer_did_not_commit_it(store_url, tmp_path):
    """Writer W committed its batches up to 4: a spilled batch 4 of W (its COMMIT was in doubt, and landed) is
    skipped, a spilled batch 5 is written, and W's ledger moves to 5 so that a COMMIT of batch 5 still on its way
    could no longer land."""
    writer = "cd" * 16
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store, store.engine.begin() as connection:
        assert lock_ledger(connection, writer, now=NOW) == 0
        write_batch(connection, _batch(40), ledger=(writer, 4), now=NOW)
    spill = SpillFile.for_store(parse_store_url(store_url), tmp_path)
    spill.append([SpillRecord.new(_batch(40), (writer, 4)), SpillRecord.new(_batch(2), (writer, 5))])
    with UsageStore(store_url, handle_shutdown=False, spill_dir=tmp_path) as store:
        assert store.stats().replayed_operations == 2
        assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 42, 42)]
        with store.engine.connect() as connection:
            ledger = connection.execute(sa.select(flush_ledger.c.last_batch).where(flush_ledger.c.writer_id == writer))
            assert ledger.scalar() == 5
        # The late COMMIT of batch 5 (its transaction would end with this ledger update) is refused.
        with pytest.raises(LedgerConflict), store.engine.begin() as connection:
            lock_ledger(connection, writer, now=NOW)
            write_batch(connection, _batch(2), ledger=(writer, 5), now=NOW)
        assert store.daily_totals(ENDPOINT) == {DAY: 42}
