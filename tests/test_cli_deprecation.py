"""``gqlevolve deprecation extend|rollback|set|delete|history``: the emergency procedures, audited, through click.

Each test runs in a project of its own (``pyproject.toml`` naming SDL schemas for v1 and v2), so the check of a
coordinate against its version's schema is the one a team gets from ``[tool.gqlevolve] schemas``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.cli import main
from tests.advisor_helpers.history import ENDPOINT, deprecate

SCHEMAS = {
    "v1": """
        type Query { user(id: ID!): User  users(first: Int, offset: Int): [User!]! }
        type User { name: String  fullName: String  role: Role }
        enum Role { ADMIN GUEST }
        type Mutation { upload(file: String): Boolean }
    """,
    "v2": "type Query { user(id: ID!): User }  type User { fullName: String }",
}


@pytest.fixture(autouse=True)
def project(tmp_path, monkeypatch):
    """The working directory: a project whose pyproject.toml names SCHEMAS (as `gqlevolve export|check` read it)."""
    module = f"schemas_{uuid.uuid4().hex[:8]}"
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "pyproject.toml").write_text(f'[tool.gqlevolve]\nschemas = "{module}:SCHEMAS"\n')
    (directory / f"{module}.py").write_text(f"SCHEMAS = {SCHEMAS!r}\n")
    monkeypatch.chdir(directory)
    monkeypatch.syspath_prepend(str(directory))
    yield directory
    sys.modules.pop(module, None)


@pytest.fixture
def db(sqlite_url: str) -> str:
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "Mutation.upload", sunset_on=dt.date(2030, 6, 30))
    return sqlite_url


def run(db: str, *args: str):
    return CliRunner().invoke(main, ["deprecation", *args, "--db", db], env={"COLUMNS": "250"}, catch_exceptions=False)


def audit(db: str, endpoint: str | None = ENDPOINT) -> list[tuple[str, str | None, str, str | None]]:
    with UsageStore(db, handle_shutdown=False) as store:
        return [(e.field, e.new_value, e.actor, e.why) for e in store.audit_log(endpoint) if e.why != "fixture"]


def endpoints(db: str) -> list[str]:
    with UsageStore(db, handle_shutdown=False) as store:
        return store.endpoints()


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
        (["extend", "User.nope", "--days", "3", "--reason", "x"], "no deprecation record for"),
        (["rollback", "Mutation.upload", "--endpoint", "v9", "--reason", "x"], "unknown endpoint"),
        (["set", "User.name", "--endpoint", "v1", "--sunset", "30-06-2030", "--reason", "x"], "--sunset: "),
        (["set", "User.name", "--endpoint", "v1", "--reason", " "], "a reason is required"),
        # a migration guide is an absolute http(s) URL or an absolute path, named by its option
        (["set", "User.name", "--endpoint", "v1", "--guide", "not a url", "--reason", "x"],
         '--guide: "not a url" is not a migration guide (it contains white space)'),
        (["set", "User.name", "--endpoint", "v1", "--guide", "javascript:alert(1)", "--reason", "x"],
         "an absolute http or https URL with a host"),
        # not a schema coordinate (the GraphQL spec's syntax), or one that names no element that can be deprecated
        (["set", "User..name", "--endpoint", "v1", "--reason", "x"], "is not a schema coordinate"),
        (["set", "9x.y", "--endpoint", "v1", "--reason", "x"], "is not a schema coordinate"),
        (["extend", "Mutation. upload", "--days", "3", "--reason", "x"], "is not a schema coordinate"),
        (["rollback", "Mutation.upload(file)", "--reason", "x"], "is not a schema coordinate"),
        (["set", "User", "--endpoint", "v1", "--reason", "x"], "names a type, which cannot be deprecated"),
        # absent from the configured schema of the endpoint's version
        (
            ["set", "User.nmae", "--endpoint", "v1", "--sunset", "2030-01-01", "--reason", "x"],
            "the v1 schema (/api/v1/graphql) has no User.nmae (User has no field nmae); did you mean User.name",
        ),
        (["set", "Nope.x", "--endpoint", "v1", "--reason", "x"], "the v1 schema (/api/v1/graphql) has no Nope.x (no type Nope)"),
        (["set", "Query.users(ofset:)", "--endpoint", "v1", "--reason", "x"], "did you mean Query.users(offset:)"),
        # delete: audited like every change
        (["delete", "Mutation.upload", "--endpoint", "v1"], "Missing option '--reason'"),
        (["delete", "User.nope", "--endpoint", "v1", "--reason", "x"], "no deprecation record for"),
        (["delete", "User name", "--endpoint", "v1", "--reason", "x"], "is not a schema coordinate"),
        (["delete", "Mutation.upload", "--endpoint", "v9", "--reason", "x"], "unknown endpoint"),
    ],
)
def test_bad_input_changes_nothing(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert audit(db) == []
    assert endpoints(db) == [ENDPOINT]


def test_the_phantom_endpoint_of_issue_9_is_refused(db):
    result = run(db, "set", "Nope.x", "--endpoint", "v7", "--sunset", "2027-01-01", "--reason", "x")
    assert result.exit_code == 2, result.output
    assert "unknown endpoint" in result.stderr and "the usage store knows: /api/v1/graphql" in result.stderr
    assert "--new-endpoint" in result.stderr
    assert endpoints(db) == [ENDPOINT]  # no /api/v7/graphql for every report and the admin API to list
    assert audit(db, None) == []


def test_new_endpoint_creates_it_and_delete_undoes_it_audited(db):
    created = run(
        db, "set", "Nope.x", "--endpoint", "v7", "--new-endpoint", "--deprecated-on", "2026-01-01",
        "--sunset", "2027-01-01", "--reason", "x", "--actor", "bob",
    )
    assert created.exit_code == 0, created.output  # v7 has no configured schema: only the syntax is checked
    assert endpoints(db) == [ENDPOINT, "/api/v7/graphql"]

    deleted = run(db, "delete", "Nope.x", "--endpoint", "v7", "--reason", "created by a typo", "--actor", "alice")
    assert deleted.exit_code == 0, deleted.output
    assert "deleted Nope.x on /api/v7/graphql" in deleted.stdout
    assert "/api/v7/graphql is no longer known to the store" in deleted.stdout
    assert endpoints(db) == [ENDPOINT]
    assert audit(db, "/api/v7/graphql") == [
        ("deprecated_on", "2026-01-01", "bob", "x"),
        ("sunset_on", "2027-01-01", "bob", "x"),
        ("record", "deleted", "alice", "created by a typo"),
        ("deprecated_on", None, "alice", "created by a typo"),
        ("sunset_on", None, "alice", "created by a typo"),
    ]
    again = run(db, "rollback", "Nope.x", "--endpoint", "v7", "--reason", "x")
    assert again.exit_code == 2 and "unknown endpoint" in again.stderr


def test_new_endpoint_of_a_configured_version_is_checked_against_its_schema(db):
    refused = run(db, "set", "User.name", "--endpoint", "v2", "--new-endpoint", "--reason", "x")
    assert refused.exit_code == 2
    assert "the v2 schema (/api/v2/graphql) has no User.name (User has no field name); did you mean User.fullName?" in refused.stderr
    created = run(db, "set", "User.fullName", "--endpoint", "v2", "--new-endpoint", "--deprecated-on", "2026-01-01", "--reason", "x")
    assert created.exit_code == 0, created.output
    assert endpoints(db) == [ENDPOINT, "/api/v2/graphql"]


def test_new_endpoint_must_follow_the_version_rule(db):
    result = run(db, "set", "User.name", "--endpoint", "V1", "--new-endpoint", "--reason", "x")
    assert result.exit_code == 2
    assert "invalid version name" in result.stderr
    assert endpoints(db) == [ENDPOINT]


def test_without_configured_schemas_only_the_syntax_is_checked(db, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no pyproject.toml here or above
    assert run(db, "set", "Anything.goes", "--endpoint", "v1", "--deprecated-on", "2026-01-01", "--reason", "x").exit_code == 0
    refused = run(db, "set", "Anything..goes", "--endpoint", "v1", "--reason", "x")
    assert refused.exit_code == 2 and "is not a schema coordinate" in refused.stderr


def test_schemas_option_names_other_schemas(db):
    result = run(
        db, "extend", "Mutation.upload", "--days", "3", "--reason", "x", "--schemas", "example_server.schemas:SCHEMAS"
    )
    assert result.exit_code == 2
    assert "the v1 schema (/api/v1/graphql) has no Mutation.upload" in result.stderr
    assert "did you mean Mutation.upload_attachment" in result.stderr
    assert audit(db) == []


def test_a_record_with_a_malformed_coordinate_can_still_be_deleted(db):
    with UsageStore(db, handle_shutdown=False) as store:  # written before such coordinates were refused
        store.update_deprecation(ENDPOINT, "User..name", {"reason": "typo"}, actor="bob", why="old", create=True)
    result = run(db, "delete", "User..name", "--endpoint", "v1", "--reason", "malformed", "--actor", "alice", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["deleted"]["coordinate"] == "User..name"
    assert ("record", "deleted", "alice", "malformed") in audit(db)


def test_history_shows_every_change_with_who_and_why(db):
    run(db, "extend", "Mutation.upload", "--days", "30", "--reason", "Partner X", "--actor", "alice")
    run(db, "set", "User.name", "--endpoint", "v1", "--deprecated-on", "2025-01-01", "--reason", "announced", "--actor", "bob")

    table = run(db, "history", "Mutation.upload", "--endpoint", "v1")
    assert table.exit_code == 0, table.output
    for header in ("when (UTC)", "endpoint", "coordinate", "field", "old → new", "actor", "why"):
        assert header in table.stdout
    assert "2030-06-30 → 2030-07-30" in table.stdout and "Partner X" in table.stdout and "alice" in table.stdout
    assert "User.name" not in table.stdout

    everything = json.loads(run(db, "history", "--json").stdout)
    assert [(e["coordinate"], e["field"], e["old_value"], e["new_value"], e["actor"], e["why"]) for e in everything] == [
        ("Mutation.upload", "deprecated_on", None, "2025-01-01", "test", "fixture"),
        ("Mutation.upload", "sunset_on", None, "2030-06-30", "test", "fixture"),
        ("Mutation.upload", "sunset_on", "2030-06-30", "2030-07-30", "alice", "Partner X"),
        ("User.name", "deprecated_on", None, "2025-01-01", "bob", "announced"),
    ]
    assert {e["endpoint"] for e in everything} == {ENDPOINT}
    assert all(e["at"] for e in everything)


def test_an_empty_history_is_one_sentence(db):
    result = run(db, "history", "User.fullName", "--endpoint", "v1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "No changes to deprecation records for User.fullName on /api/v1/graphql in the audit log.\n"
    assert json.loads(run(db, "history", "User.fullName", "--json").stdout) == []
    typo = run(db, "history", "User full name")
    assert typo.exit_code == 2 and "is not a schema coordinate" in typo.stderr


def test_history_escapes_what_an_admin_api_client_sent(db):
    with UsageStore(db, handle_shutdown=False) as store:  # as the admin API writes them: actor and reason as sent
        store.update_deprecation(
            ENDPOINT, "Mutation.upload", {"reason": "r"}, actor="eve\x1b]0;pwned\x07", why="fix\x1b[2J\rINFO: ok\x9b"
        )
    result = run(db, "history")
    assert result.exit_code == 0, result.output
    assert not [c for c in ("\x1b", "\x07", "\r", "\x9b") if c in result.output]
    assert "eve\\u001b]0;pwned\\u0007" in result.output and "\\u009b" in result.output


def test_an_error_line_escapes_control_characters(db):
    result = run(db, "extend", "User.\x9bname\x1b[2J", "--days", "3", "--reason", "x")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "\x9b" not in result.output and "\x1b" not in result.output
    assert "\\u009b" in result.output
