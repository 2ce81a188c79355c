"""The store benchmark runs (in its quick mode) and meets its targets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_benchmark_runs_in_quick_mode():
    arguments = [sys.executable, str(ROOT / "benchmarks" / "store.py"), "--quick"]
    if not os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL"):
        arguments.append("--no-postgres")
    completed = subprocess.run(arguments, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "daily_usage, one coordinate" in completed.stdout
    assert "all targets met" in completed.stdout
