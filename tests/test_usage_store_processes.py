"""Real OS processes: 4 writers into one store lose nothing; SIGTERM flushes what a process holds, and when the
database cannot take it, the process still exits in time (before the SIGKILL ``docker stop`` sends 10 s later)
with the counts in its spill file, which the next store writes exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import DailyUsage, UsageStore
from gqlevolve.usage_store.shutdown import SIGTERM_EXIT_CODE
from gqlevolve.usage_store.tables import deprecation_usage, operation_totals, signature_coordinates
from tests.usage_store_helpers import traffic
from tests.usage_store_helpers.relay import Relay

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4
OPERATIONS = 5_000


def _python(*arguments: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *arguments],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.slow
def test_four_processes_writing_one_store_lose_nothing(store_url, tmp_path):
    UsageStore(store_url, migrate=True, handle_shutdown=False).close()
    seeds = list(range(1, PROCESSES + 1))
    spill_dir = tmp_path / "spill"
    workers = [
        _python("tests.usage_store_helpers.record_worker", store_url, str(seed), str(OPERATIONS), str(spill_dir))
        for seed in seeds
    ]
    spilled = 0
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert "database is locked" not in err
        spilled += int(out.split()[-2])
    # A worker whose last flush did not finish within its close timeout (a busy machine) spilled it: the next
    # store with the URL writes it.
    with UsageStore(store_url, handle_shutdown=False, spill_dir=spill_dir) as store:
        assert store.stats().replayed_operations == spilled

    expected_totals, expected_usage = traffic.expected(seeds, OPERATIONS)
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        totals = {
            (endpoint, day): count
            for endpoint, day, count in connection.execute(
                sa.select(operation_totals.c.endpoint, operation_totals.c.day, sa.func.sum(operation_totals.c.count))
                .group_by(operation_totals.c.endpoint, operation_totals.c.day)
            )
        }
        usage = {
            (endpoint, coordinate, day): count
            for endpoint, coordinate, day, count in connection.execute(
                sa.select(
                    deprecation_usage.c.endpoint,
                    signature_coordinates.c.coordinate,
                    deprecation_usage.c.day,
                    sa.func.sum(deprecation_usage.c.count),
                )
                .join(signature_coordinates, signature_coordinates.c.signature == deprecation_usage.c.signature)
                .group_by(deprecation_usage.c.endpoint, signature_coordinates.c.coordinate, deprecation_usage.c.day)
            )
        }
    engine.dispose()
    assert sum(totals.values()) == PROCESSES * OPERATIONS
    assert totals == dict(expected_totals)
    assert usage == dict(expected_usage)


@pytest.mark.slow
def test_sigterm_flushes_what_the_process_holds(store_url):
    UsageStore(store_url, migrate=True, handle_shutdown=False).close()
    worker = _python("tests.usage_store_helpers.sigterm_worker", store_url, "1000")
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "ready", worker.stderr.read() if worker.stderr else ""
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == SIGTERM_EXIT_CODE, err
    with UsageStore(store_url, handle_shutdown=False) as store:
        [day] = store.daily_usage("/api/v1/graphql", "User.name")
    assert (day.operations, day.total) == (500, 1000)
    assert isinstance(day, DailyUsage)


# --- SIGTERM while the database cannot take the counts ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite-write-lock", "postgres-table-lock", "postgres-answers-nothing"])
def test_sigterm_then_sigkill_loses_nothing_when_the_database_cannot_take_the_counts(request, tmp_path, kind):
    """``docker stop``: SIGTERM, then SIGKILL 10 s later. The worker (close timeout 2 s) is stopped while its store
    cannot write: it exits within the close timeout, its 3,000 buffered operations in its spill file, and the next
    store with its URL writes them once."""
    url = request.getfixturevalue("sqlite_url" if kind.startswith("sqlite") else "postgres_url")
    UsageStore(url, migrate=True, handle_shutdown=False).close()
    spill_dir = tmp_path / "spill"
    relay = None
    holder_engine = None
    worker_url = url
    if kind == "postgres-answers-nothing":
        relay = Relay(sa.make_url(url).port or 5432)
        relay.start()
        worker_url = sa.make_url(url).set(port=relay.port).render_as_string(hide_password=False)
    worker = _python("tests.usage_store_helpers.stall_worker", worker_url, str(spill_dir), "3000", stdin=subprocess.PIPE)
    assert worker.stdout is not None and worker.stdin is not None
    try:
        assert worker.stdout.readline().strip() == "flushed", worker.stderr.read() if worker.stderr else ""
        holder = None
        if kind == "sqlite-write-lock":
            holder = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
        elif kind == "postgres-table-lock":
            holder_engine = sa.create_engine(url)
            holder = holder_engine.connect()
            holder.begin()
            holder.execute(sa.text("LOCK TABLE operation_totals IN ACCESS EXCLUSIVE MODE"))
        else:
            assert relay is not None
            relay.stall()
        worker.stdin.write("go\n")
        worker.stdin.flush()
        assert worker.stdout.readline().strip() == "ready"
        time.sleep(0.3)  # a flush of the background thread is under way, and stuck
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()  # what docker stop does next
        stopped_after = time.monotonic() - started
        _, err = worker.communicate()
        assert worker.returncode == SIGTERM_EXIT_CODE, err
        assert stopped_after < 2.0 + 1.5, err
        assert "spilled to" in err
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        if kind == "sqlite-write-lock" and holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
        elif kind == "postgres-table-lock" and holder is not None:
            holder.rollback()
            holder.close()
        if holder_engine is not None:
            holder_engine.dispose()
        if relay is not None:
            relay.resume()
    try:
        with UsageStore(worker_url, handle_shutdown=False, spill_dir=spill_dir) as store:
            assert store.stats().replayed_operations == 3000
            [day] = store.daily_usage("/api/v1/graphql", "User.name")
            assert (day.operations, day.total) == (50 + 1500, 100 + 3000)
            assert not store.spill.pending()
        with UsageStore(worker_url, handle_shutdown=False, spill_dir=spill_dir) as again:  # nothing twice
            assert sum(again.daily_totals("/api/v1/graphql").values()) == 3100
    finally:
        if relay is not None:
            relay.close()
