"""``benchmarks/whole_schema_answers.py`` builds its store once and keeps it: a second run times the answers on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*arguments: str) -> str:
    command = [sys.executable, str(ROOT / "benchmarks" / "whole_schema_answers.py"), "--quick", "--no-postgres",
               "--repeats", "1", *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@pytest.mark.slow
def test_the_store_is_built_once_and_kept(tmp_path: Path) -> None:
    first = _run("--keep", str(tmp_path))
    assert "== SQLite: built " in first and "all targets met" in first
    second = _run("--keep", str(tmp_path))
    assert "is kept ==" in second
    for line in ("usage Query (hot), 3 days", "unused, 3 days", "check --db, "):
        assert line in second, line
    assert "== SQLite: built " in _run("--keep", str(tmp_path), "--rebuild")
