"""``gqlevolve.changelog`` and ``gqlevolve changelog`` on a git history built in the test, and the example
server's changelog (docs/changelog-example.md), generated here and checked in."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from example_server.deprecations import DECLARED
from gqlevolve.changelog import release_between, releases_from_git, render_html, render_markdown
from gqlevolve.cli import main
from gqlevolve.errors import InvalidInput
from gqlevolve.lifecycle import Deprecation
from gqlevolve.usage_store import UsageStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "changelog-example.md"
# The example server's snapshots, as if published on these days.
EXAMPLE_HISTORY = [("v1", "2026-01-15"), ("v2", "2026-06-01"), ("draft", "2026-10-01")]


def _git(repo: Path, *args: str, day: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _publish(repo: Path, files: dict[str, str], day: str, *, delete: tuple[str, ...] = ()) -> None:
    snapshots = repo / "schemas"
    snapshots.mkdir(exist_ok=True)
    for version, text in files.items():
        (snapshots / f"{version}.graphql").write_text(text)
    for version in delete:
        (snapshots / f"{version}.graphql").unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"publish {day}", day=day)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "api"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "README.md").write_text("not a snapshot\n")
    return repo


V1 = 'type Query { me: User } type User { name: String fullName: String }'
V1_1 = 'type Query { me: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String email: String }'
V2 = 'type Query { me: User } type User { fullName: String! email: String }'


def test_releases_from_the_snapshots_git_history(repo: Path) -> None:
    _publish(repo, {"v1": V1}, "2026-01-10")
    _publish(repo, {"v1": V1_1}, "2026-02-01")
    _publish(repo, {"v1": '"""Docs only"""\n' + V1_1}, "2026-02-15")  # nothing a consumer sees: left out
    _publish(repo, {"v2": V2}, "2026-03-01")
    _publish(repo, {}, "2026-09-01", delete=("v1",))
    records = {"User.name": Deprecation("User.name", replacement="User.fullName", sunset_on=dt.date(2026, 8, 1),
                                        migration_guide="https://example.com/guide")}
    releases = releases_from_git(repo / "schemas", records=records)
    assert [(r.version, r.day, r.note) for r in releases] == [
        ("v1", dt.date(2026, 9, 1), "retired"),
        ("v2", dt.date(2026, 3, 1), "new version, compared with v1"),
        ("v1", dt.date(2026, 2, 1), None),
        ("v1", dt.date(2026, 1, 10), "first published version"),
    ]
    v2 = releases[1]
    assert [(e.change.kind.value, e.change.criticality.value, e.change.coordinate) for e in v2.entries] == [
        ("FIELD_REMOVED", "breaking", "User.name"),  # breaking first
        ("FIELD_TYPE_CHANGED", "safe", "User.fullName"),
    ]
    assert (v2.entries[0].replacement, v2.entries[0].migration_guide) == ("User.fullName", "https://example.com/guide")
    v1_1 = releases[2]
    assert sorted(e.change.kind.value for e in v1_1.entries) == ["FIELD_ADDED", "FIELD_DEPRECATION_ADDED"]
    text = render_markdown(releases, title="Users API")
    assert text.index("## v2 — 2026-03-01") < text.index("## v1 — 2026-02-01")
    assert "- **`User.name`** — Field 'User.name' (deprecated) was removed. Use `User.fullName` instead. Migration guide: <https://example.com/guide>" in text
    assert "- **`User.name`** — 'User.name' is deprecated: Use fullName Use `User.fullName` instead. Sunset: 2026-08-01." in text


def test_not_a_git_history_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    with pytest.raises(InvalidInput, match="git rev-parse"):
        releases_from_git(tmp_path / "schemas")
    with pytest.raises(InvalidInput, match="no snapshot folder"):
        releases_from_git(tmp_path / "missing")


def test_html_escapes_what_schemas_and_records_hold() -> None:
    records = {"Query.a": Deprecation("Query.a", replacement="<script>x</script>", migration_guide="https://e.com/guide?a=1&b=2")}
    release = release_between("type Query { a: Int b: Int }", "type Query { b: Int }", version="v1", records=records)
    page = render_html([release], title="A & B")
    assert "<title>A &amp; B</title>" in page and "<script>" not in page
    assert '<a href="https://e.com/guide?a=1&amp;b=2">Migration guide</a>' in page
    assert "<h2>v1 — unreleased</h2>" in page


def test_cli_from_git_with_the_store_records(repo: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _publish(repo, {"v1": V1_1}, "2026-01-10")
    _publish(repo, {"v2": V2}, "2026-03-01")
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        store.register_deprecations("/api/v2/graphql", [Deprecation("User.name", deprecated_on=dt.date(2026, 1, 1), replacement="User.fullName")])
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["changelog", "--snapshots", "schemas", "--db", store_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(r["version"], r["date"]) for r in data["releases"]] == [("v2", "2026-03-01"), ("v1", "2026-01-10")]
    assert data["releases"][0]["entries"][0]["replacement"] == "User.fullName"
    html = CliRunner().invoke(main, ["changelog", "--snapshots", "schemas", "--format", "html"]).output
    assert html.startswith("<!doctype html>") and "<h3>Breaking changes</h3>" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--old", "x.graphql"], "give both --old and --new"),
        (["--snapshots", "nowhere"], "no snapshot folder nowhere/"),
    ],
)
def test_cli_errors(args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["changelog", *args])
    assert result.exit_code == 2 and message in result.output


def example_changelog(tmp_path: Path) -> str:
    """The example server's changelog: its snapshots committed on EXAMPLE_HISTORY's days, with its records."""
    repo = tmp_path / "example"
    repo.mkdir()
    _git(repo, "init", "-q")
    for version, day in EXAMPLE_HISTORY:
        _publish(repo, {version: (ROOT / "schemas" / f"{version}.graphql").read_text()}, day)
    records = {record.coordinate: record for record in DECLARED}
    releases = releases_from_git(repo / "schemas", records=records)
    return render_markdown(releases, title="Example API changelog")


def test_the_example_changelog_is_up_to_date(tmp_path: Path) -> None:
    expected = example_changelog(tmp_path)
    if os.environ.get("GQLEVOLVE_UPDATE_EXAMPLES"):
        EXAMPLE.write_text(expected)
    assert EXAMPLE.read_text() == expected, (
        "docs/changelog-example.md is out of date: GQLEVOLVE_UPDATE_EXAMPLES=1 pytest tests/test_changelog.py")
