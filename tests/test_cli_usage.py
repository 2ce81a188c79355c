"""``gqlevolve usage COORD`` and ``gqlevolve unused`` through click, on a real SQLite store (and PostgreSQL for the
JSON): tables within 80 columns, ``--json`` equal to the Python API, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.cli import main
from gqlevolve.clock import FixedClock
from gqlevolve.jsonable import to_jsonable
from gqlevolve.reports.coordinate_usage import coordinate_usage
from gqlevolve.reports.unused import unused_elements
from tests.test_reports_coordinate_usage import AS_OF, SDL_WITH_BETA, day, seed


@pytest.fixture
def db(store_url: str) -> str:
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as store:
        seed(store)
    return store_url


@pytest.fixture
def sqlite_db(sqlite_url: str) -> str:
    with UsageStore(sqlite_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as store:
        seed(store)
    return sqlite_url


def run(*args: str, db: str, columns: int = 80):
    env = {"COLUMNS": str(columns), "GQLEVOLVE_DB": db}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_error_line(result, *, containing: str) -> bool:
    return (
        result.exit_code == 2 and result.stdout == "" and result.stderr.startswith("Error: ")
        and result.stderr.count("\n") == 1 and containing in result.stderr and "Traceback" not in result.stderr
    )


def test_usage_tables_fit_80_columns(sqlite_db: str) -> None:
    result = run("usage", "User.name", "--endpoint", "v1", "--days", "3", "--as-of", AS_OF.isoformat(), db=sqlite_db)

    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
    out, text = result.stdout, " ".join(result.stdout.split())
    assert text.startswith(f"User.name on /api/v1/graphql, {day(2)} to {AS_OF}: 31 of 31 operations (100.00%)")
    assert f"In the registered schema since {day(100)}; first used {day(9)}, last used {AS_OF}." in text
    assert "query Me     b2b2b2b2b2b2  21" in out and "query Users  a1a1a1a1a1a1  10" in out
    assert "web     2.0      1" in out


def test_usage_json_is_the_python_api(db: str) -> None:
    result = run("usage", "User.name", "--endpoint", "v1", "--client", "web@1.4", "--as-of", AS_OF.isoformat(), "--json", db=db)

    assert result.exit_code == 0, result.output
    with UsageStore(db, clock=FixedClock(AS_OF), handle_shutdown=False) as store:
        expected = to_jsonable(coordinate_usage(store, "v1", "User.name", client="web@1.4", as_of=AS_OF))
    assert json.loads(result.stdout) == expected
    assert expected["client"] == {"name": "web", "version": "1.4"} and expected["used"] == 30


def test_usage_says_how_many_more_operations(sqlite_db: str) -> None:
    result = run("usage", "User", "--endpoint", "v1", "--days", "90", "--limit", "1", "--as-of", AS_OF.isoformat(), db=sqlite_db)
    assert result.exit_code == 0, result.output
    assert "Operations that used it (1 most used; 2 more: --limit)" in result.stdout


def test_usage_of_an_element_never_used(sqlite_db: str) -> None:
    result = run("usage", "User.nickname", "--endpoint", "v1", "--as-of", AS_OF.isoformat(), db=sqlite_db)
    assert result.exit_code == 0, result.output
    assert f"In the registered schema since {day(100)}; never used." in result.stdout
    assert "Operations that used it" not in result.stdout


def test_unused_lists_and_exits_1_for_ci(sqlite_db: str, tmp_path: Path) -> None:
    result = run("unused", "--endpoint", "v1", "--days", "30", "--as-of", AS_OF.isoformat(), db=sqlite_db)

    assert result.exit_code == 1, result.output
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
    out = result.stdout
    assert "Unused on /api/v1/graphql: 3 of 11 elements of its registered schema" in out
    assert f"Query.legacyUsers  {day(100)}  {day(60)}  {day(60)}" in out
    assert f"User.nickname      {day(100)}  never seen  -" in out
    assert "Too new to tell" in out and f"Query.beta  {day(3)}" in out

    keep = tmp_path / "keep.txt"
    keep.write_text("# kept on purpose\nUser.legacy*\nQuery.legacyUsers  # partner\nUser.nickname\nGone.*\n")
    kept = run("unused", "--endpoint", "v1", "--days", "30", "--as-of", AS_OF.isoformat(), "--keep", str(keep), db=sqlite_db)
    assert kept.exit_code == 0, kept.output
    assert "Nothing unused on /api/v1/graphql" in kept.stdout
    assert "User.legacyId      User.legacy*" in kept.stdout
    assert "match nothing in the schema: Gone.*" in kept.stdout


def test_unused_json_is_the_python_api(db: str) -> None:
    result = run("unused", "--endpoint", "v1", "--days", "30", "--as-of", AS_OF.isoformat(), "--json", db=db)
    assert result.exit_code == 1, result.output
    with UsageStore(db, clock=FixedClock(AS_OF), handle_shutdown=False) as store:
        assert json.loads(result.stdout) == to_jsonable(unused_elements(store, "v1", 30, as_of=AS_OF))


def test_unused_against_a_schema_file(sqlite_db: str, tmp_path: Path) -> None:
    schema = tmp_path / "schema.graphql"
    schema.write_text(SDL_WITH_BETA.replace("nickname: String", "nickname: String avatar: String"))
    result = run("unused", "--endpoint", "v1", "--days", "30", "--as-of", AS_OF.isoformat(), "--schema", str(schema), db=sqlite_db)
    assert result.exit_code == 1, result.output
    assert f"elements of {schema}" in " ".join(result.stdout.split())
    assert "User.avatar  not registered yet" in result.stdout


# --- errors: exit 2, one line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["usage", "User." + "x" * 10_240, "--endpoint", "v1"], "a schema coordinate has at most 300 characters"),
        (["usage", "User.name", "--endpoint", "v1", "--days", "100000000"], "days must be a whole number from 1 to 3660"),
        (["usage", "User.name", "--endpoint", "v9"], 'unknown endpoint "v9"; the usage store knows: /api/v1/graphql, /api/v2/graphql'),
        (["usage", "User.name"], "choose one with --endpoint: /api/v1/graphql, /api/v2/graphql"),
        (["usage", "User.name", "--endpoint", "v1", "--client", "web\x1b[2J@1"], r"no client is stored as"),
        (["usage", "User.name", "--endpoint", "v1", "--limit", "0"], "limit must be a whole number from 1 to 1000"),
        (["usage", "User.nick", "--endpoint", "v1"], "is not in the schema it registered"),
        (["unused", "--endpoint", "v1", "--days", "100000000"], "days must be a whole number from 1 to 3660"),
        (["unused", "--endpoint", "v9", "--days", "30"], 'unknown endpoint "v9"'),
        (["unused", "--endpoint", "v2", "--days", "30"], "registered no schema"),
        (["unused", "--endpoint", "v1", "--days", "30", "--keep", "/nonexistent/keep.txt"], "--keep /nonexistent/keep.txt: no such file"),
        (["unused", "--endpoint", "v1", "--days", "30", "--schema", "/nonexistent.graphql"], "no such file"),
    ],
)
def test_errors_are_one_line(sqlite_db: str, args: list[str], message: str) -> None:
    result = run(*args, db=sqlite_db)
    assert one_error_line(result, containing=message), (result.exit_code, result.stdout, result.stderr)
    assert "\x1b" not in result.stderr


def test_a_bad_keep_file_names_its_line(sqlite_db: str, tmp_path: Path) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("User.name\n\nUser.<script>*\n")
    result = run("unused", "--endpoint", "v1", "--days", "30", "--keep", str(keep), db=sqlite_db)
    assert one_error_line(result, containing=f"{keep} line 3: \"User.<script>*\" is not a coordinate pattern")

    keep.write_bytes(b"\xff\xfe")
    assert one_error_line(run("unused", "--endpoint", "v1", "--days", "30", "--keep", str(keep), db=sqlite_db),
                          containing="not UTF-8 text")


def test_days_is_required_by_unused(sqlite_db: str) -> None:
    result = run("unused", "--endpoint", "v1", db=sqlite_db)
    assert result.exit_code == 2 and "Missing option '--days'" in result.stderr
