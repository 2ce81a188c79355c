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
from gqlevolve.clock import utc_today
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.revisions import head_revision
from gqlevolve.usage_store.urls import redacted

ROOT = Path(__file__).resolve().parent.parent


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments))


def one_error_line(result) -> bool:
    """Exit 2, nothing on stdout, one line on stderr, no traceback and no SQLAlchemy link."""
    return (
        result.exit_code == 2
        and result.stdout == ""
        and result.stderr.startswith("Error: ")
        and result.stderr.count("\n") == 1
        and "Traceback" not in result.stderr
        and "Background on this error" not in result.stderr
    )


def test_upgrade_then_current(store_url):
    if store_url.startswith("sqlite:///"):  # a file that does not exist yet: `db current` never creates it
        path = Path(store_url.removeprefix("sqlite:///"))
        result = run("db", "current", "--db", store_url)
        assert one_error_line(result), result.output
        assert f"no usage store at {store_url}: the file {path} does not exist" in result.stderr
        assert not path.exists()
    else:
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
    today = utc_today()
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        store.record_operation("/api/v1/graphql", {"User.name"}, when=today - dt.timedelta(days=20))
        store.record_operation("/api/v1/graphql", {"User.name"}, when=today - dt.timedelta(days=8))
        store.record_operation("/api/v1/graphql", {"User.name"}, when=today)
    result = run("db", "prune", "--older-than", "10", "--db", store_url, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["cutoff"], report["usage_rows"], report["total_rows"]) == (
        (today - dt.timedelta(days=10)).isoformat(), 1, 1,
    )
    result = run("db", "prune", "--older-than", "5", "--db", store_url)
    assert result.exit_code == 0 and "deprecation_usage" in result.output
    result = run("db", "prune", "--db", store_url)  # an empty report: one sentence
    cutoff = (today - dt.timedelta(days=400)).isoformat()
    assert (result.exit_code, result.stdout) == (0, f"Nothing to delete: no usage before {cutoff} in {redacted(store_url)}.\n")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["db", "upgrade", "--db", "mysql://root@localhost/x"], 'unknown scheme "mysql"'),
        (["db", "current", "--db", "sqlite://"], "in-memory"),
        (["db", "prune", "--older-than", "0", "--db", "sqlite:///x.db"], "0 is not in the range x>=1"),
    ],
)
def test_bad_input_is_a_clear_error(arguments, message):
    result = run(*arguments)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_prune_refuses_a_store_without_schema(postgres_url):
    result = run("db", "prune", "--db", postgres_url)
    assert one_error_line(result), result.output
    assert "has no gqlevolve schema yet; run `gqlevolve db upgrade" in result.stderr


UNREACHABLE = "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"


@pytest.mark.parametrize("command", ["upgrade", "current", "prune"])
def test_an_unreachable_store_is_one_line(command):
    result = run("db", command, "--db", UNREACHABLE)
    assert one_error_line(result), result.output
    assert result.stderr == (
        "Error: cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused\n"
    )


@pytest.mark.parametrize("command", ["current", "prune"])
def test_reading_commands_never_create_a_sqlite_file(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = run("db", command, "--db", "sqlite:///missing.db")
    assert one_error_line(result), result.output
    assert "no usage store at sqlite:///missing.db: the file missing.db does not exist" in result.stderr
    assert "'gqlevolve db upgrade --db sqlite:///missing.db' creates a store" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("command", "start"), [("upgrade", "cannot create the usage store at"), ("current", "no usage store at")])
def test_a_sqlite_file_in_a_missing_folder_is_one_line(tmp_path, monkeypatch, command, start):
    monkeypatch.chdir(tmp_path)
    result = run("db", command, "--db", "sqlite:///no/such/gqlevolve.db")
    assert one_error_line(result), result.output
    assert f"Error: {start} sqlite:///no/such/gqlevolve.db: the folder no/such does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_store_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database, but long enough to have a header of a hundred bytes " * 3)
    result = run("db", "current", "--db", f"sqlite:///{tmp_path / 'notes.txt'}")
    assert one_error_line(result), result.output
    assert "the file is not a SQLite database" in result.stderr


def test_a_missing_database_on_the_server_is_one_line():
    from tests.conftest import postgres_base_url

    base = postgres_base_url()
    if base is None:
        pytest.skip("no PostgreSQL configured")
    url = base.rsplit("/", 1)[0] + "/gqlevolve_no_such_database"
    result = run("db", "current", "--db", url)
    assert one_error_line(result), result.output
    assert 'database "gqlevolve_no_such_database" does not exist' in result.stderr


def test_the_installed_command_says_a_missing_file_does_not_exist(tmp_path):
    executable = Path(sys.executable).with_name("gqlevolve")
    completed = subprocess.run(
        [str(executable), "db", "current", "--db", "sqlite:///missing.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr.startswith("Error: no usage store at sqlite:///missing.db: the file missing.db does not exist")
    assert completed.stderr.count("\n") == 1
    assert not (tmp_path / "missing.db").exists()


def test_the_installed_command_upgrades_a_store(tmp_path):
    executable = Path(sys.executable).with_name("gqlevolve")
    assert executable.exists(), f"{executable} not found: is the package installed in this environment?"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    completed = subprocess.run([str(executable), "db", "upgrade", "--db", url], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert f"upgraded from (empty) to {head_revision()}" in completed.stdout
    with UsageStore(url, handle_shutdown=False) as store:
        assert store.stats().ready
