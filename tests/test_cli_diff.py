"""``gqlevolve diff|export|check`` through the real click group (and once as a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from gqlevolve.cli import main

ROOT = Path(__file__).resolve().parent.parent
OLD = 'type Query { user: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String }'
NEW = "type Query { user: User } type User { fullName: String! nick: String }"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def sdl_files(tmp_path):
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text(OLD)
    new.write_text(NEW)
    return str(old), str(new)


def test_diff_groups_by_criticality_and_exits_1_when_breaking(sdl_files):
    result = run("diff", *sdl_files)
    assert result.exit_code == 1
    assert result.output.index("Breaking changes (1)") < result.output.index("Safe changes (2)")
    assert "✖ User.name  Field 'User.name' (deprecated) was removed." in result.output
    assert result.output.rstrip().endswith("3 changes: 1 breaking, 0 dangerous, 2 safe.")


def test_diff_without_breaking_changes_exits_0(sdl_files):
    old, new = sdl_files
    assert run("diff", new, new).exit_code == 0
    assert run("diff", new, new).output.strip() == "No changes."


def test_diff_json(sdl_files):
    result = run("diff", *sdl_files, "--json")
    data = json.loads(result.output)
    assert data["summary"] == {"breaking": 1, "dangerous": 0, "safe": 2}
    assert data["breaking"] is True
    assert data["changes"][0] == {
        "kind": "FIELD_REMOVED",
        "criticality": "breaking",
        "coordinate": "User.name",
        "message": "Field 'User.name' (deprecated) was removed.",
        "old": "String",
        "deprecated": True,
    }


def test_diff_markdown(sdl_files):
    result = run("diff", *sdl_files, "--markdown")
    assert result.output.startswith("## Schema changes\n\n**3 changes: 1 breaking, 0 dangerous, 2 safe.**")
    assert "| `FIELD_REMOVED` | `User.name` | Field 'User.name' (deprecated) was removed. |" in result.output


def test_diff_shows_warnings_for_fields_defined_twice(tmp_path, sdl_files):
    twice = tmp_path / "twice.graphql"
    twice.write_text("type Query { user: User } type User { fullName: String! fullName: String! nick: String }")
    result = run("diff", sdl_files[1], str(twice))
    assert result.exit_code == 0
    assert "Warning: new schema: Field 'User.fullName' is defined more than once" in result.output


def test_diff_of_invalid_sdl_names_file_line_and_column(tmp_path, sdl_files):
    bad = tmp_path / "bad.graphql"
    bad.write_text("type Query {\n  user: User\n  nick String\n}\n")
    result = CliRunner().invoke(main, ["diff", sdl_files[0], str(bad)])
    assert result.exit_code == 2
    assert f"Error: {bad}:3:8: Syntax Error: Expected ':', found Name 'String'." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "missing.graphql", "also-missing.graphql"], "missing.graphql: no such file"),
        (["diff", "--json", "--markdown", "a", "b"], "choose one of --json and --markdown"),
        (["diff", "--header", "no-colon", "http://127.0.0.1:9/", "http://127.0.0.1:9/"], "expected 'Name: value'"),
        (["check", "--schemas", "nocolon"], "expected MODULE:ATTRIBUTE"),
        (["check", "--schemas", "no_such_module_xyz:SCHEMAS"], "cannot import no_such_module_xyz"),
        (["export", "--schemas", "example_server.schemas:MISSING"], "has no attribute 'MISSING'"),
        (["check", "--as-of", "yesterday"], "is not a date in the form YYYY-MM-DD"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert one_error_line(result)


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


NOT_A_SCHEMA = [
    ("v1.graphql", "", "it is empty"),
    ("v1.graphql", "  \n\n", "it is empty (white space only)"),
    ("v1.graphql", "# v1\n# (truncated)\n", "it is empty (comments only)"),
    ("v1.graphql", "query { a }", "it holds an operation (query { a }), not type definitions"),
    ("v1.graphql", "fragment F on T { a }", "it holds a fragment (fragment F on T { a }), not type definitions"),
    ("v1.graphql", "type User { id: ID }", "it defines no Query type"),
    ("v1.json", "{}", "it is an empty JSON object, not an introspection result (no __schema)"),
    ("v1.json", "", "it is empty"),
]


@pytest.mark.parametrize(("name", "content", "reason"), NOT_A_SCHEMA, ids=[f"{n}:{c!r}" for n, c, _ in NOT_A_SCHEMA])
def test_diff_refuses_a_file_that_is_not_a_schema(tmp_path, sdl_files, name, content, reason):
    path = tmp_path / name
    path.write_text(content)
    for args in (["diff", str(path), sdl_files[1]], ["diff", sdl_files[0], str(path), "--json"]):
        result = CliRunner().invoke(main, args)
        assert one_error_line(result), result.output
        assert result.stderr == f"Error: {path}: not a GraphQL schema: {reason}\n"


def test_check_passes_on_this_repository():
    """The example server's schemas against the snapshots checked in under schemas/ (bare `gqlevolve check`)."""
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("gqlevolve")), "check", "--json"], cwd=ROOT, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert report["passed"] is True
    assert {(v["version"], v["status"]) for v in report["versions"]} == {("v1", "passed"), ("v2", "passed"), ("draft", "passed")}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory with pyproject.toml naming a schemas module whose content a test chooses."""
    module = f"schemas_{uuid.uuid4().hex[:8]}"
    (tmp_path / "pyproject.toml").write_text(f'[tool.gqlevolve]\nschemas = "{module}:SCHEMAS"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(schemas: dict[str, str]) -> None:
        (tmp_path / f"{module}.py").write_text(f"SCHEMAS = {schemas!r}\n")
        sys.modules.pop(module, None)

    return write


def test_export_then_check_then_break_v1_and_draft(project, tmp_path):
    project({"v1": OLD, "draft": OLD})
    exported = run("export")
    assert exported.exit_code == 0 and "wrote schemas/v1.graphql" in exported.output
    assert (tmp_path / "schemas" / "draft.graphql").is_file()
    assert run("check").exit_code == 0

    project({"v1": OLD, "draft": NEW})  # draft may change in any way
    result = run("check")
    assert result.exit_code == 0
    assert "draft (/api/draft/graphql) against schemas/draft.graphql: breaking changes (draft: warning only)" in result.output

    project({"v1": NEW, "draft": NEW})
    result = run("check")
    assert result.exit_code == 1
    assert "v1 (/api/v1/graphql) against schemas/v1.graphql: FAILED" in result.output
    assert result.output.rstrip().endswith("check FAILED: a versioned endpoint changed in a breaking way")


def test_check_markdown_and_custom_snapshot_directory(project, tmp_path):
    project({"v1": OLD})
    assert run("export", "--snapshots", "published").exit_code == 0
    project({"v1": NEW})
    result = run("check", "--snapshots", "published", "--markdown")
    assert result.exit_code == 1
    assert "## v1 (/api/v1/graphql) against published/v1.graphql: FAILED" in result.output
    assert "| `FIELD_REMOVED` | `User.name` |" in result.output


def test_check_without_a_snapshot_folder_is_an_error_naming_snapshots(project, tmp_path):
    project({"v1": OLD})
    result = run("check")  # schemas/ was never exported
    assert one_error_line(result), result.output
    assert "no snapshot folder schemas/" in result.stderr and "--snapshots" in result.stderr
    assert "FAILED" not in result.output and "breaking" not in result.output
    result = run("check", "--snapshots", "published")
    assert one_error_line(result) and "no snapshot folder published/" in result.stderr
    assert "--snapshots" in run("check", "--help").stdout


def test_check_db_errors_are_one_line_and_create_no_store(project, tmp_path):
    project({"v1": OLD})
    assert run("export").exit_code == 0
    missing = run("check", "--db", "sqlite:///missing.db")
    assert one_error_line(missing), missing.output
    assert "no usage store at sqlite:///missing.db: the file missing.db does not exist" in missing.stderr
    assert not (tmp_path / "missing.db").exists()
    unreachable = run("check", "--db", "postgresql+psycopg://postgres:secret@127.0.0.1:1/x")
    assert one_error_line(unreachable), unreachable.output
    assert unreachable.stderr == (
        "Error: cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused\n"
    )


def test_check_db_approves_a_removal_with_evidence(project, sqlite_url):
    import datetime as dt

    from gqlevolve import UsageStore

    project({"v1": OLD})
    assert run("export").exit_code == 0
    project({"v1": NEW})
    as_of = dt.date(2025, 6, 1)
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        store.update_deprecation("/api/v1/graphql", "User.name", {"deprecated_on": dt.date(2025, 1, 1)}, actor="test", why="t", create=True)
        for offset in range(1, 91):
            store.record_operation("/api/v1/graphql", [], client_name="web", when=as_of - dt.timedelta(days=offset), count=100)
    result = run("check", "--db", sqlite_url, "--as-of", "2025-06-01", "--json")
    assert result.exit_code == 0, result.output
    (version,) = json.loads(result.output)["versions"]
    assert version["breaking"] == [] and version["approved"][0]["coordinate"] == "User.name"
    assert version["approved"][0]["approval"]["days_covered"] == 90
    text = run("check", "--db", sqlite_url, "--as-of", "2025-06-01").output
    assert "Approved for removal: at most 0.00% of daily operations over 90 days covered on /api/v1/graphql" in text


def test_diff_does_not_import_graphql_core_sqlalchemy_or_strawberry(sdl_files):
    code = (
        "import sys; from click.testing import CliRunner; from gqlevolve.cli import main; "
        f"r = CliRunner().invoke(main, ['diff', {sdl_files[0]!r}, {sdl_files[1]!r}]); "
        "print(r.exit_code, sorted(m for m in ('graphql', 'sqlalchemy', 'strawberry') if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.split() == ["1", "[]"]


@pytest.mark.parametrize(
    ("snapshot", "reason"),
    [
        ("", "it is empty"),  # a truncated snapshot
        ("# v1 snapshot\n", "it is empty (comments only)"),
        ("query { user { fullName } }", "it holds an operation (query { user { fullName } }), not type definitions"),
    ],
)
def test_check_refuses_a_snapshot_that_is_not_a_schema(project, tmp_path, snapshot, reason):
    project({"v1": OLD, "draft": OLD})
    assert run("export").exit_code == 0
    (tmp_path / "schemas" / "v1.graphql").write_text(snapshot)
    for args in (["check"], ["check", "--json"], ["check", "--markdown"]):
        result = CliRunner().invoke(main, args)
        assert one_error_line(result), result.output
        assert result.stderr == f"Error: schemas/v1.graphql: not a GraphQL schema: {reason}\n"
        assert "passed" not in result.output


def test_check_and_export_refuse_a_current_schema_that_is_not_a_schema(project, tmp_path):
    project({"v1": OLD})
    assert run("export").exit_code == 0
    project({"v1": ""})
    result = CliRunner().invoke(main, ["check"])
    assert one_error_line(result), result.output
    assert result.stderr == "Error: the v1 schema: not a GraphQL schema: it is empty\n"
    project({"v1": "query { user { fullName } }"})
    result = CliRunner().invoke(main, ["export"])
    assert one_error_line(result), result.output
    assert result.stderr.startswith("Error: the v1 schema: not a GraphQL schema: it holds an operation (query {")
    assert (tmp_path / "schemas" / "v1.graphql").read_text() == OLD + "\n"  # the published snapshot is left alone
