"""Real OS processes: 4 writers into one store lose nothing; SIGTERM flushes what a process holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import DailyUsage, UsageStore
from gqlevolve.usage_store.shutdown import SIGTERM_EXIT_CODE
from gqlevolve.usage_store.tables import deprecation_usage, operation_totals, signature_coordinates
from tests.usage_store_helpers import traffic

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
def test_four_processes_writing_one_store_lose_nothing(store_url):
    UsageStore(store_url, migrate=True, handle_shutdown=False).close()
    seeds = list(range(1, PROCESSES + 1))
    workers = [
        _python("tests.usage_store_helpers.record_worker", store_url, str(seed), str(OPERATIONS)) for seed in seeds
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert "database is locked" not in err

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
