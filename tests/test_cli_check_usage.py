"""``gqlevolve check --db`` judging every breaking change by usage: text, JSON, thresholds, mixed stores."""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.cli import main
from gqlevolve.operation_shape import OperationShape

ENDPOINT = "/api/v1/graphql"
AS_OF = "2025-06-01"
WINDOW = [dt.date(2025, 6, 1) - dt.timedelta(days=offset) for offset in range(90, 0, -1)]
OLD = 'type Query { users(first: Int): [User] legacy: String } type User { name: String @deprecated(reason: "x") nick: String }'
NEW = "type Query { users(first: Int!): [User] } type User { nick: String }"  # legacy removed, first required, name removed

USERS = OperationShape("query", "Users", "ab" * 16, frozenset({"Query", "Query.users", "Query.users(first:)", "User", "User.nick"}))
OLD_USERS = OperationShape("query", "OldUsers", "cd" * 16, frozenset({"Query", "Query.users", "User", "User.nick"}))
LEGACY = OperationShape("query", None, "ef" * 16, frozenset({"Query", "Query.legacy"}))


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "250"}, catch_exceptions=False)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project whose v1 snapshot is OLD and whose current v1 schema is NEW."""
    module = f"schemas_{uuid.uuid4().hex[:8]}"
    (tmp_path / "pyproject.toml").write_text(f'[tool.gqlevolve]\nschemas = "{module}:SCHEMAS"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(schemas: dict[str, str]) -> None:
        (tmp_path / f"{module}.py").write_text(f"SCHEMAS = {schemas!r}\n")
        sys.modules.pop(module, None)

    write({"v1": OLD})
    assert run("export").exit_code == 0
    write({"v1": NEW})


def seed(store_url: str, *operations: tuple[OperationShape, int, str]) -> None:
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        store.update_deprecation(ENDPOINT, "User.name", {"deprecated_on": dt.date(2025, 1, 1)}, actor="t", why="t", create=True)
        for day in WINDOW:
            for operation, count, client in operations:
                store.record_operation(ENDPOINT, (), client_name=client, client_version="1.0", operation=operation,
                                       when=day, count=count)


def test_unused_breaking_changes_are_approved_with_evidence(project, store_url):
    seed(store_url, (USERS, 100, "web"))
    result = run("check", "--db", store_url, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "Approved by usage (3)" in result.output
    assert ("Field 'Query.legacy' was removed. Approved by usage: 0 operations that select Query.legacy from "
            "2025-03-03 to 2025-05-31, every day covered (9000 operations on /api/v1/graphql)") in result.output
    assert "Field 'User.name' (deprecated) was removed. Approved for removal: at most 0.00% of daily operations" in result.output
    report = json.loads(run("check", "--db", store_url, "--as-of", AS_OF, "--json").output)
    [version] = report["versions"]
    assert report["passed"] is True and version["breaking"] == []
    approved = {change["coordinate"]: change["approval"] for change in version["approved"]}
    assert approved["Query.users(first:)"]["without"] == "Query.users(first:)"
    assert "not visible to usage: an operation that passes it through a nullable variable ($x: Int)" in (
        approved["Query.users(first:)"]["summary"]
    )
    assert approved["Query.legacy"]["days_covered"] == 90 and approved["Query.legacy"]["operations"] == 0


def test_used_breaking_changes_fail_listing_operations_and_clients(project, store_url):
    seed(store_url, (USERS, 100, "web"), (OLD_USERS, 3, "ios"), (LEGACY, 1, "ios"))
    result = run("check", "--db", store_url, "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert ("Not approved by usage: 270 operations that select Query.users without passing first from 2025-03-03 to "
            "2025-05-31, more than the 0 allowed (max_operations); operations that select") in result.output
    assert "operations that select Query.users without passing first: OldUsers [cdcdcdcd] ×270; clients: ios 1.0" in result.output
    assert "operations that select Query.legacy: (anonymous query) [efefefef] ×90; clients: ios 1.0" in result.output
    [version] = json.loads(run("check", "--db", store_url, "--as-of", AS_OF, "--json").output)["versions"]
    breaking = {change["coordinate"]: change["usage"] for change in version["breaking"]}
    assert breaking["Query.legacy"]["operations_shown"][0]["document_hash"] == "ef" * 16
    assert breaking["Query.legacy"]["clients"][0]["name"] == "ios"


def test_thresholds_from_the_command_line(project, store_url):
    seed(store_url, (USERS, 100, "web"), (LEGACY, 1, "ios"))  # Query.legacy: 1 of 101 a day, 90 in the window
    assert run("check", "--db", store_url, "--as-of", AS_OF).exit_code == 1
    assert run("check", "--db", store_url, "--as-of", AS_OF, "--max-operations", "90").exit_code == 0
    assert run("check", "--db", store_url, "--as-of", AS_OF, "--threshold", "1%").exit_code == 0
    assert run("check", "--db", store_url, "--as-of", AS_OF, "--threshold", "1%", "--max-operations", "89").exit_code == 1
    assert run("check", "--db", store_url, "--as-of", AS_OF, "--exclude-client", "ios").exit_code == 0
    assert run("check", "--db", store_url, "--as-of", AS_OF, "--window-days", "3", "--max-operations", "3").exit_code == 0


def test_a_store_recorded_before_whole_schema_usage_approves_nothing_new(project, store_url):
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        store.update_deprecation(ENDPOINT, "User.name", {"deprecated_on": dt.date(2025, 1, 1)}, actor="t", why="t", create=True)
        for day in WINDOW:
            store.record_operation(ENDPOINT, [], client_name="web", when=day, count=100)
    result = run("check", "--db", store_url, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "Not approved by usage: no whole-schema usage recorded in the window (from 2025-03-03 to 2025-05-31)" in result.output
    assert "Approved by usage (1)" in result.output  # the deprecated removal: the advisor's evidence, as before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-operations", "-3"], "--max-operations must be a whole number from 0 to"),
        (["--max-operations", "many"], '--max-operations: expected a whole number, not "many"'),
        (["--threshold", "2"], "--threshold"),
        (["--window-days", "0"], "--window-days must be a whole number from 1 to 3660"),
        (["--as-of", "2999-01-01"], "is in the future"),
    ],
)
def test_bad_thresholds_are_one_line_errors(project, sqlite_url, args, message):
    seed(sqlite_url)
    result = run("check", "--db", sqlite_url, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_thresholds_without_a_store_are_an_error(project):
    result = run("check", "--max-operations", "3", "--exclude-client", "bot")
    assert result.exit_code == 2
    assert "--max-operations, --exclude-client: usage thresholds need a usage store (--db URL)" in result.stderr


def test_a_deprecated_removal_the_advisor_refuses_names_the_operations_it_breaks(project, store_url):
    name = OperationShape("query", "Names", "12" * 16, frozenset({"Query", "Query.users", "Query.users(first:)", "User", "User.name"}))
    seed(store_url, (USERS, 100, "web"), (name, 5, "android"))  # User.name: 5 of 105 a day, over 1%
    with UsageStore(store_url, handle_shutdown=False) as store:  # the deprecated usage the advisor reads
        for day in WINDOW:
            store.record_operation(ENDPOINT, ["User.name"], client_name="android", when=day, count=5)
    result = run("check", "--db", store_url, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert ("Usage does not allow the removal yet: usage was 4.55% on 2025-05-31, above 1%" in result.output
            and "Would break: operations that select User.name: Names [12121212] ×450; clients: android 1.0." in result.output)
    [version] = json.loads(run("check", "--db", store_url, "--as-of", AS_OF, "--json").output)["versions"]
    [removal] = [change for change in version["breaking"] if change["coordinate"] == "User.name"]
    assert removal["usage"]["operations_shown"][0]["name"] == "Names" and "approved" not in removal["usage"]
