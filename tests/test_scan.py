"""``gqlevolve.scan`` and ``gqlevolve scan`` on a small client tree with every source kind
(tests/scan_client_tree: .graphql, a .tsx with an interpolated fragment, graphql(`...`) in .js, .vue, a
/* GraphQL */ template in .svelte, gql<Type>`...` in .ts, a .jsx without GraphQL, Python gql(...) calls, and the
schema files themselves; the ``tree`` fixture adds a Python file that does not parse and a node_modules folder)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gqlevolve.cli import main
from gqlevolve.lifecycle import Deprecation
from gqlevolve.scan import scan_paths
from gqlevolve.scan.extract import extract_text, iter_files
from gqlevolve.scan.render import github_annotations, render_text, sarif
from gqlevolve.usage_store import UsageStore

TREE = Path(__file__).parent / "scan_client_tree"
SCHEMA = TREE / "schema.graphql"
NEXT = TREE / "next.graphql"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the client tree, with a dependency folder that must never be scanned."""
    copy = tmp_path / "client"
    shutil.copytree(TREE, copy)
    (copy / "node_modules" / "dep").mkdir(parents=True)
    (copy / "node_modules" / "dep" / "ignored.graphql").write_text("query Ignored { nothing }\n")
    # Python that does not parse (written here: a checked-in copy would fail the project's linter).
    (copy / "py" / "not_python.py").write_text('def broken(:\n    gql("query { me { id } }")\n')
    return copy


def _run(*args: str, cwd: Path | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _summary(report) -> list[tuple[str, str, int, str | None]]:
    return [(f.kind, f.path, f.line, f.coordinate) for f in report.findings]


# --- extraction --------------------------------------------------------------------------------------


def test_every_source_kind_is_found_with_its_line(tree: Path) -> None:
    report = scan_paths([tree], SCHEMA, root=tree)
    found = sorted((op.path, op.line, op.kind, op.name) for op in report.operations)
    assert found == [
        ("py/client.py", 6, "query", "FullNames"),  # gql(FULL_NAMES): the module's string
        ("py/client.py", 19, "query", "PyMe"),
        ("queries/me.graphql", 2, "query", "Me"),
        ("queries/me.graphql", 8, "fragment", "UserFields"),
        ("web/Item.svelte", 3, "query", "Filtered"),  # /* GraphQL */ `...`
        ("web/Profile.vue", 9, "mutation", "Promote"),
        ("web/UserCard.tsx", 4, "fragment", "CardUser"),
        ("web/UserCard.tsx", 11, "query", "Users"),
        ("web/list.js", 5, "query", "List"),  # graphql(`...`)
        ("web/typed.ts", 3, "query", "Role"),  # gql<T>`...`
    ]
    assert report.files == 11  # node_modules/ left out; the schema files read (their type definitions are no operations)
    assert report.skipped == ["py/not_python.py: not valid Python: invalid syntax (not_python.py, line 1)"]


def test_only_client_files_are_walked(tree: Path) -> None:
    names = {path.relative_to(tree).as_posix() for path in iter_files([tree])}
    assert "node_modules/dep/ignored.graphql" not in names
    assert {"web/Plain.jsx", "py/client.py", "queries/me.graphql", "web/Item.svelte"} <= names


def test_interpolations_are_blanked_and_positions_kept() -> None:
    text = 'const Q = gql`\n  query A { me { ...F } }\n  ${F_FRAGMENT}\n  ${`x${1}`}\n`;\nconst n = 1;\n'
    [document] = extract_text("a.js", text)
    assert document.line == 1 and document.text.count("\n") == 4
    assert "${" not in document.text and "query A" in document.text
    assert document.file_position(2, 3) == (2, 3)


def test_tags_are_whole_words_and_other_calls_are_ignored() -> None:
    assert extract_text("a.ts", "const x = mygql`query { a }`; const y = foo.gql`query { b }`;") == []
    assert extract_text("a.py", "graphqlx('query { a }')\nprint('gql(')\n") == []
    assert [d.text for d in extract_text("b.py", "import gql\nq = gql.gql('{ a }')\n")] == ["{ a }"]


def test_a_fragment_in_another_file_is_found_by_name(tmp_path: Path) -> None:
    (tmp_path / "fragments.graphql").write_text("fragment UserBits on User { fullName name }\n")
    (tmp_path / "page.ts").write_text("export const Q = gql`\n  query Page { me { ...UserBits } }\n  ${UserBits}\n`;\n")
    report = scan_paths([tmp_path], SCHEMA, root=tmp_path)
    assert _summary(report) == [("deprecated", "fragments.graphql", 1, "User.name")]
    # Without the fragment file, the operation is invalid.
    (tmp_path / "fragments.graphql").unlink()
    report = scan_paths([tmp_path], SCHEMA, root=tmp_path)
    assert [(f.kind, f.path, f.line, f.message) for f in report.findings] == [
        ("invalid", "page.ts", 2, "Unknown fragment 'UserBits'.")]


# --- findings ---------------------------------------------------------------------------------------


def test_invalid_and_deprecated_uses_of_each_kind(tree: Path) -> None:
    report = scan_paths([tree], SCHEMA, root=tree)
    assert sorted(_summary(report)) == [
        ("deprecated", "py/client.py", 19, "User.name"),
        ("deprecated", "queries/me.graphql", 10, "User.name"),  # in the fragment, where it is written
        ("deprecated", "web/Item.svelte", 4, "UserFilter.legacyGroup"),  # input field literal
        ("deprecated", "web/Profile.vue", 10, "Role.GUEST"),  # enum literal
        ("deprecated", "web/UserCard.tsx", 12, "Query.users(offset:)"),  # argument
        ("invalid", "web/list.js", 7, None),
    ]
    invalid = next(f for f in report.findings if f.kind == "invalid")
    assert invalid.message == "Cannot query field 'fulName' on type 'User'. Did you mean 'fullName' or 'name'?"
    assert invalid.column == 7
    assert report.failed


def test_records_give_status_sunset_replacement_and_removal(tree: Path) -> None:
    records = {
        "User.name": Deprecation("User.name", reason="Use fullName", deprecated_on=dt.date(2026, 1, 1),
                                 sunset_on=dt.date(2026, 3, 1), replacement="User.fullName",
                                 migration_guide="https://example.com/full-name"),
        "Role.GUEST": Deprecation("Role.GUEST", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2026, 1, 1)),
        # Not deprecated in the schema, but the records say so: reported too.
        "User.role": Deprecation("User.role", deprecated_on=dt.date(2026, 1, 1), replacement="User.roles"),
    }
    report = scan_paths([tree / "queries", tree / "web"], SCHEMA, records=records, day=dt.date(2026, 2, 10), root=tree)
    by_coordinate = {(f.coordinate, f.kind): f for f in report.findings}
    name = by_coordinate[("User.name", "deprecated")]
    assert (name.status, name.sunset, name.replacement, name.migration_guide) == (
        "sunset_warning", "2026-03-01", "User.fullName", "https://example.com/full-name")
    guest = by_coordinate[("Role.GUEST", "removed")]
    assert (guest.path, guest.line, guest.message) == ("web/Profile.vue", 10, "Role.GUEST was removed on 2026-01-01")
    role = [f for f in report.findings if f.coordinate == "User.role"]
    assert {(f.path, f.status, f.replacement) for f in role} == {
        ("web/Item.svelte", "deprecated", "User.roles"), ("web/typed.ts", "deprecated", "User.roles")}
    with pytest.raises(ValueError, match="day is required"):
        scan_paths([tree], SCHEMA, records=records)


def test_against_reports_what_the_change_would_break(tree: Path) -> None:
    report = scan_paths([tree], SCHEMA, against=NEXT, root=tree)
    breaks = sorted((f.path, f.line, f.change or "", f.message) for f in report.findings if f.kind == "breaks")
    limit = "With the schema under review: Argument 'Query.users(limit:)' of type 'Int!' is required, but it was not provided."
    assert breaks == [
        ("py/client.py", 7, "", limit),
        ("py/client.py", 19, "FIELD_REMOVED", "Field 'User.name' (deprecated) was removed."),
        ("queries/me.graphql", 10, "FIELD_REMOVED", "Field 'User.name' (deprecated) was removed."),
        ("web/Item.svelte", 4, "", limit),
        ("web/UserCard.tsx", 12, "", limit),
    ]


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    (tmp_path / "ok.graphql").write_text("query Ok { me { id fullName } }\n")
    report = scan_paths([tmp_path], SCHEMA, root=tmp_path)
    assert report.findings == [] and not report.failed
    assert render_text(report).endswith("1 files, 1 operations, 0 fragments: 0 invalid, 0 removed, 0 breaks, 0 deprecated, 0 dangerous.\n")


def test_a_document_that_is_not_graphql_is_invalid_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.ts").write_text("\n\nconst Q = gql`\n  query {\n    me {\n`;\n")
    report = scan_paths([tmp_path], SCHEMA, root=tmp_path)
    [finding] = report.findings
    assert (finding.kind, finding.path, finding.line) == ("invalid", "bad.ts", 6)
    assert finding.message.startswith("Not GraphQL: Syntax Error")


# --- output -----------------------------------------------------------------------------------------


def test_sarif_is_2_1_0_with_a_location_per_finding(tree: Path) -> None:
    report = scan_paths([tree], SCHEMA, root=tree)
    document = sarif(report)
    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-2.1.0.json")
    run = document["runs"][0]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == {
        "gqlevolve/invalid", "gqlevolve/removed", "gqlevolve/breaks", "gqlevolve/deprecated", "gqlevolve/dangerous"}
    results = run["results"]
    assert len(results) == len(report.findings)
    invalid = next(result for result in results if result["ruleId"] == "gqlevolve/invalid")
    assert invalid["level"] == "error"
    assert invalid["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "web/list.js", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 7, "startColumn": 7},
    }
    assert all(result["partialFingerprints"]["gqlevolve/v1"] for result in results)


def test_github_annotations_escape_what_workflow_commands_read(tmp_path: Path) -> None:
    (tmp_path / "a,b.graphql").write_text("query Odd { me { nmae } }\n")
    report = scan_paths([tmp_path], SCHEMA, root=tmp_path)
    report.findings[0].message += "\n::error::injected 100%"
    [line] = github_annotations(report).splitlines()
    assert line.startswith("::error file=a%2Cb.graphql,line=1,col=18,title=gqlevolve%3A invalid::query Odd: ")
    assert line.endswith("%0A::error::injected 100%25")


# --- the command ------------------------------------------------------------------------------------


def test_cli_human_output_and_exit_code(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    result = _run("scan", ".", "--schema", "schema.graphql")
    assert result.exit_code == 1, result.output
    assert "web/list.js:5  query List" in result.output
    assert "✖ web/list.js:7:7 invalid: Cannot query field 'fulName' on type 'User'." in result.output
    assert "⚠ web/Profile.vue:10:28 deprecated: Role.GUEST is deprecated: Use MEMBER" in result.output
    assert "skipped py/not_python.py: not valid Python" in result.output


def test_cli_json_sarif_github(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    data = json.loads(_run("scan", "web", "--schema", "schema.graphql", "--against", "next.graphql", "--json").output)
    assert data["summary"] == {"invalid": 1, "removed": 0, "breaks": 2, "deprecated": 3, "dangerous": 0}
    assert data["failed"] is True and data["against"] == "next.graphql"
    document = json.loads(_run("scan", "web", "--schema", "schema.graphql", "--sarif").output)
    assert document["version"] == "2.1.0"
    annotations = _run("scan", "web", "--schema", "schema.graphql", "--github").output.splitlines()
    assert "::error file=web/list.js,line=7,col=7,title=gqlevolve%3A invalid::query List: Cannot query field" in annotations[0] or any(
        line.startswith("::error file=web/list.js,line=7,col=7,") for line in annotations)
    assert sum(line.startswith("::warning ") for line in annotations) == 3


def test_cli_passes_on_a_clean_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.ts").write_text("const Q = gql`query Ok { me { fullName } }`;\n")
    result = _run("scan", ".", "--schema", str(SCHEMA))
    assert result.exit_code == 0, result.output


def test_cli_with_the_servers_schema_and_the_store_records(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)  # [tool.gqlevolve] schemas = example_server.schemas:SCHEMAS
    client = tmp_path / "client"
    client.mkdir()
    (client / "me.graphql").write_text('query Me {\n  user(id: "1") { name }\n}\n')
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        store.register_deprecations("/api/v1/graphql", [Deprecation(
            "User.name", deprecated_on=dt.date(2026, 1, 1), sunset_on=dt.date(2026, 3, 1), replacement="fullName",
            migration_guide="https://docs.example.com/full-name")])
    result = _run("scan", str(client), "--endpoint", "v1", "--db", store_url, "--as-of", "2026-02-15", "--json")
    assert result.exit_code == 0, result.output
    [finding] = json.loads(result.output)["operations"][0]["findings"]
    assert {key: finding[key] for key in ("kind", "line", "status", "sunset", "replacement", "migration_guide")} == {
        "kind": "deprecated", "line": 2, "status": "sunset_warning", "sunset": "2026-03-01", "replacement": "fullName",
        "migration_guide": "https://docs.example.com/full-name"}
    result = _run("scan", str(client), "--endpoint", "v1", "--db", store_url, "--as-of", "2026-03-01", "--github")
    assert result.exit_code == 1  # the sunset passed: removed
    assert result.output.startswith("::error ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--endpoint", "v9"], "--endpoint /api/v9/graphql: the server has no such endpoint (it serves /api/v1/graphql"),
        (["--schema", "missing.graphql"], "missing.graphql: no such file"),
        (["--schema", "{schema}", "--db", "sqlite:///x.db"], "--db needs --endpoint"),
        (["--endpoint", "v1", "--schemas", "nope:SCHEMAS"], "cannot import nope"),
    ],
)
def test_cli_errors_exit_2(args: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    args = [arg.replace("{schema}", str(SCHEMA)) for arg in args]
    result = _run("scan", str(TREE / "queries"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_refuses_a_schema_that_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "empty.graphql").write_text("")
    result = _run("scan", str(TREE / "queries"), "--schema", str(tmp_path / "empty.graphql"))
    assert result.exit_code == 2
    assert "not a GraphQL schema: it is empty" in result.output


def test_apollo_client_only_fields_and_connection_keys_are_not_sent_so_not_checked(tmp_path: Path) -> None:
    (tmp_path / "local.ts").write_text(
        'const Q = gql`\n  query Local {\n    me { id isLoggedIn @client }\n    users @connection(key: "all") { id }\n'
        "    cart @client { items }\n  }\n`;\n"
    )
    report = scan_paths([tmp_path], SCHEMA, root=tmp_path)
    assert report.findings == []
    (tmp_path / "local.ts").write_text("const Q = gql`\n  query Remote {\n    me { id isLoggedIn }\n  }\n`;\n")
    [finding] = scan_paths([tmp_path], SCHEMA, root=tmp_path).findings
    assert (finding.kind, finding.line) == ("invalid", 3)
