"""``gqlevolve deprecation extend|rollback|set``: the emergency procedures, audited, through click."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.cli import main
from tests.advisor_helpers.history import ENDPOINT, deprecate


@pytest.fixture
def db(sqlite_url: str) -> str:
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "Mutation.upload", sunset_on=dt.date(2030, 6, 30))
    return sqlite_url


def run(db: str, *args: str):
    return CliRunner().invoke(main, ["deprecation", *args, "--db", db], env={"COLUMNS": "250"}, catch_exceptions=False)


def audit(db: str) -> list[tuple[str, str | None, str, str | None]]:
    with UsageStore(db, handle_shutdown=False) as store:
        return [(e.field, e.new_value, e.actor, e.why) for e in store.audit_log(ENDPOINT) if e.why != "fixture"]


def test_extend_moves_the_sunset_and_audits_it(db):
    result = run(db, "extend", "Mutation.upload", "--days", "30", "--reason", "Partner X", "--actor", "alice", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["after"]["sunset_on"] == "2030-07-30"
    assert audit(db) == [("sunset_on", "2030-07-30", "alice", "Partner X")]


def test_rollback_pins_sunset_warning_and_audits_it(db):
    result = run(db, "rollback", "Mutation.upload", "--endpoint", "v1", "--reason", "critical client", "--actor", "bob")
    assert result.exit_code == 0, result.output
    assert "sunset_warning" in result.stdout
    assert audit(db) == [
        ("sunset_on", "2030-07-30", "bob", "critical client"),
        ("status_override", "sunset_warning", "bob", "critical client"),
    ]


def test_set_creates_a_record_when_there_is_none(db):
    result = run(
        db, "set", "User.name", "--endpoint", "v1", "--deprecated-on", "2025-01-01", "--sunset", "2030-01-01",
        "--replacement", "User.fullName", "--guide", "https://example.com/guide", "--reason", "announced", "--json",
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["before"] is None
    assert created["after"]["replacement"] == "User.fullName"
    assert ("migration_guide", "https://example.com/guide", created_actor(db), "announced") in audit(db)


def created_actor(db: str) -> str:
    return next(actor for field, _, actor, _ in audit(db) if field == "migration_guide")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extend", "Mutation.upload", "--days", "30"], "Missing option '--reason'"),
        (["extend", "Mutation.upload", "--days", "-2", "--reason", "x"], "days must be a whole number"),
        (["extend", "User.nope", "--days", "3", "--reason", "x"], "no deprecation record for 'User.nope'"),
        (["rollback", "Mutation.upload", "--endpoint", "v9", "--reason", "x"], "unknown endpoint 'v9'"),
        (["set", "User.name", "--endpoint", "v1", "--sunset", "30-06-2030", "--reason", "x"], "--sunset: '30-06-2030'"),
        (["set", "User.name", "--endpoint", "v1", "--reason", " "], "a reason is required"),
    ],
)
def test_bad_input_changes_nothing(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert audit(db) == []
