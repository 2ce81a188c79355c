"""The store benchmarks run (in their quick modes) and meet their targets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*arguments: str, postgres_flag: bool = True) -> str:
    command = [sys.executable, *arguments]
    if postgres_flag and not os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL"):
        command.append("--no-postgres")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@pytest.mark.slow
def test_the_benchmark_runs_in_quick_mode():
    stdout = _run(str(ROOT / "benchmarks" / "store.py"), "--quick", "--case", "counters")
    assert "daily_usage, one coordinate" in stdout
    assert "all targets met" in stdout


@pytest.mark.slow
def test_the_whole_schema_case_runs_in_quick_mode():
    stdout = _run(str(ROOT / "benchmarks" / "store.py"), "--quick", "--case", "whole-schema")
    assert "== SQLite: whole schema" in stdout
    for line in ("coordinate_usage", "operation_usage", "flush into a new day", "flush the same keys again",
                 "usage Query (hot), 3 days", "unused, 3 days", "check --db, "):
        assert line in stdout, line
    assert "all targets met" in stdout


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL"), reason="needs GQLEVOLVE_TEST_POSTGRES_URL")
def test_the_fleet_benchmark_runs_in_quick_mode():
    stdout = _run(str(ROOT / "benchmarks" / "store_fleet.py"), "--quick", "--postgres",
                  os.environ["GQLEVOLVE_TEST_POSTGRES_URL"], postgres_flag=False)
    rows = [line.split() for line in stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2"], stdout
    assert "rows/s by table: " in stdout
