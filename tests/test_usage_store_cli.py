"""``gqlevolve db upgrade|current|prune``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gqlevolve.cli import main
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.schema import head_revision

ROOT = Path(__file__).resolve().parent.parent


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments))


def test_upgrade_then_current(store_url):
    result = run("db", "current", "--db", store_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["current"] is None
    result = run("db", "upgrade", "--db", store_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) | {"db": None} == {"db": None, "from": None, "to": head_revision(), "changed": True}
    result = run("db", "upgrade", "--db", store_url)
    assert result.exit_code == 0 and f"already at {head_revision()}" in result.output
    result = run("db", "current", "--db", store_url)
    assert result.exit_code == 0 and f"{head_revision()} (up to date)" in result.output


def test_db_defaults_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GQLEVOLVE_DB", f"sqlite:///{tmp_path / 'env.db'}")
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


def test_prune(store_url):
    today = dt.datetime.now(dt.timezone.utc).date()
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        store.record_operation("/api/v1/graphql", {"User.name"}, when=today - dt.timedelta(days=20))
        store.record_operation("/api/v1/graphql", {"User.name"}, when=today)
    result = run("db", "prune", "--older-than", "10", "--db", store_url, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["cutoff"], report["usage_rows"], report["total_rows"]) == (
        (today - dt.timedelta(days=10)).isoformat(), 1, 1,
    )
    result = run("db", "prune", "--db", store_url)
    assert result.exit_code == 0 and "deprecation_usage" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["db", "upgrade", "--db", "mysql://root@localhost/x"], "unknown scheme 'mysql'"),
        (["db", "current", "--db", "sqlite://"], "in-memory"),
        (["db", "prune", "--older-than", "0", "--db", "sqlite:///x.db"], "0 is not in the range x>=1"),
    ],
)
def test_bad_input_is_a_clear_error(arguments, message):
    result = run(*arguments)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_prune_refuses_a_store_without_schema(sqlite_url):
    result = run("db", "prune", "--db", sqlite_url)
    assert result.exit_code == 2
    assert "gqlevolve db upgrade" in result.output


def test_the_installed_command_upgrades_a_store(tmp_path):
    executable = Path(sys.executable).with_name("gqlevolve")
    assert executable.exists(), f"{executable} not found: is the package installed in this environment?"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    completed = subprocess.run([str(executable), "db", "upgrade", "--db", url], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert f"upgraded from (empty) to {head_revision()}" in completed.stdout
    with UsageStore(url, handle_shutdown=False) as store:
        assert store.stats().ready
