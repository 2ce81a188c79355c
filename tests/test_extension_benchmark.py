"""Smoke test: the extension's benchmark runs (quick mode, in process only) and prints its ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_in_quick_mode() -> None:
    completed = subprocess.run(
        [sys.executable, "benchmarks/extension_overhead.py", "--quick", "--no-http"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    for label in ("100 items: baseline", "1 item: baseline", "deprecation_usage", "ApolloTracing", "no-op extension"):
        assert label in completed.stdout
    assert "quick mode: targets not checked" in completed.stdout


def test_the_instruction_benchmarks_children_run_every_variant() -> None:
    """What callgrind counts (benchmarks/extension_instructions.py): each variant's child, here without valgrind."""
    for variant in ("baseline", "no-op extension", "deprecation_usage"):
        completed = subprocess.run(
            [sys.executable, "benchmarks/extension_instructions.py", "--child", variant, "1", "3"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
