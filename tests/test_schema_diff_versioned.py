"""The CI gate (gqlevolve.schema_diff.versioned): snapshots, vN versus draft, usage-approved removals."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve import UsageStore
from gqlevolve.lifecycle import InvalidVersionName
from gqlevolve.schema_diff.sources import NotASchema
from gqlevolve.schema_diff.versioned import check_versions, export_snapshots, usage_approver

V1 = 'type Query { user: User } type User { id: ID name: String @deprecated(reason: "Use fullName") fullName: String }'
V1_WITHOUT_NAME = "type Query { user: User } type User { id: ID fullName: String }"
AS_OF = dt.date(2025, 6, 1)


def test_export_writes_one_snapshot_per_version(tmp_path):
    written = export_snapshots({"v1": V1, "draft": "type Query { a: Int }"}, tmp_path / "schemas")
    assert [path.name for path in written] == ["v1.graphql", "draft.graphql"]
    assert (tmp_path / "schemas" / "v1.graphql").read_text() == V1 + "\n"


def test_export_refuses_unknown_versions_and_bad_names(tmp_path):
    with pytest.raises(ValueError, match="no schema for version"):
        export_snapshots({"v1": V1}, tmp_path, ["v2"])
    with pytest.raises(InvalidVersionName):
        export_snapshots({"v01": V1}, tmp_path)


def test_unchanged_schemas_pass(tmp_path):
    export_snapshots({"v1": V1, "draft": V1}, tmp_path)
    report = check_versions({"v1": V1, "draft": V1}, tmp_path)
    assert report.passed and [v.status for v in report.versions] == ["passed", "passed"]


def test_breaking_on_a_versioned_endpoint_fails(tmp_path):
    export_snapshots({"v1": V1}, tmp_path)
    report = check_versions({"v1": V1_WITHOUT_NAME}, tmp_path)
    assert not report.passed
    (version,) = report.versions
    assert version.status == "failed" and version.endpoint == "/api/v1/graphql"
    assert [c.coordinate for c in version.breaking] == ["User.name"]


def test_breaking_on_draft_is_only_a_warning(tmp_path):
    export_snapshots({"draft": V1}, tmp_path)
    report = check_versions({"draft": V1_WITHOUT_NAME}, tmp_path)
    assert report.passed
    assert report.versions[0].status == "warning"
    assert report.as_dict()["versions"][0]["breaking"][0]["coordinate"] == "User.name"


def test_missing_snapshot_fails_a_version_but_not_draft(tmp_path):
    report = check_versions({"v2": V1, "draft": V1}, tmp_path)
    assert [(v.version, v.status) for v in report.versions] == [("v2", "failed"), ("draft", "warning")]
    assert "run `gqlevolve export v2`" in report.versions[0].problems[0]


def test_a_snapshot_without_a_schema_fails(tmp_path):
    export_snapshots({"v1": V1, "v2": V1}, tmp_path)
    report = check_versions({"v2": V1}, tmp_path)
    assert [(v.version, v.status) for v in report.versions] == [("v1", "failed"), ("v2", "passed")]


@pytest.mark.parametrize(
    ("snapshot", "reason"),
    [
        ("", "it is empty"),  # truncated
        ("\n\n", "it is empty (white space only)"),
        ("# v1, published 2025-01-01\n", "it is empty (comments only)"),
        ("query { user { id } }", "it holds an operation (query { user { id } }), not type definitions"),
        ("type User { id: ID }", "it defines no Query type"),
    ],
)
def test_a_snapshot_that_is_not_a_schema_is_an_error_not_a_pass(tmp_path, snapshot, reason):
    (tmp_path / "v1.graphql").write_text(snapshot)
    with pytest.raises(NotASchema) as caught:
        check_versions({"v1": V1}, tmp_path)
    assert str(caught.value) == f"{tmp_path / 'v1.graphql'}: not a GraphQL schema: {reason}"


def test_a_current_schema_that_is_not_a_schema_is_an_error_naming_the_version(tmp_path):
    export_snapshots({"v1": V1}, tmp_path)
    with pytest.raises(NotASchema, match="^the v1 schema: not a GraphQL schema: it is empty$"):
        check_versions({"v1": ""}, tmp_path)


def test_export_refuses_a_schema_that_is_not_one_and_writes_nothing(tmp_path):
    with pytest.raises(NotASchema, match=r"^the v2 schema: not a GraphQL schema: it is empty \(white space only\)$"):
        export_snapshots({"v1": V1, "v2": ""}, tmp_path / "schemas")
    with pytest.raises(NotASchema, match="^the v1 schema: not a GraphQL schema: it defines no Query type$"):
        export_snapshots({"v1": "type User { id: ID }"}, tmp_path / "schemas")
    assert not (tmp_path / "schemas").exists()


@pytest.fixture
def store(store_url):
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        yield store


def seed(store: UsageStore, *, daily_uses: int, deprecated_on: dt.date = dt.date(2025, 1, 1)) -> None:
    store.update_deprecation(
        "/api/v1/graphql", "User.name", {"deprecated_on": deprecated_on}, actor="test", why="fixture", create=True
    )
    for offset in range(1, 91):
        day = AS_OF - dt.timedelta(days=offset)
        if daily_uses:
            store.record_operation("/api/v1/graphql", ["User.name"], client_name="ios", when=day, count=daily_uses)
        store.record_operation("/api/v1/graphql", [], client_name="web", when=day, count=10_000 - daily_uses)


def test_removal_that_the_advisor_finds_removable_is_approved_with_evidence(tmp_path, store, store_url):
    seed(store, daily_uses=5)  # 0.05% a day, under the 1% threshold
    export_snapshots({"v1": V1}, tmp_path)
    approve, close = usage_approver(store_url, as_of=AS_OF)
    try:
        report = check_versions({"v1": V1_WITHOUT_NAME}, tmp_path, approve=approve)
    finally:
        close()
    assert report.passed
    (version,) = report.versions
    assert version.breaking == [] and [c.coordinate for c in version.approved] == ["User.name"]
    evidence = version.approved[0].approval
    assert evidence["removable"] is True and evidence["days_covered"] == 90
    assert evidence["max_daily_share"] == pytest.approx(0.0005)
    assert evidence["clients"] == [{"name": "ios", "version": None, "operations": 450, "last_seen": "2025-05-31"}]


def test_removal_still_in_use_stays_breaking_and_says_why(tmp_path, store, store_url):
    seed(store, daily_uses=500)  # 5% a day
    export_snapshots({"v1": V1}, tmp_path)
    approve, close = usage_approver(store_url, as_of=AS_OF)
    try:
        report = check_versions({"v1": V1_WITHOUT_NAME}, tmp_path, approve=approve)
    finally:
        close()
    assert not report.passed
    (change,) = report.versions[0].breaking
    assert change.approval is None and "Usage does not allow the removal yet" in change.message


def test_usage_is_not_asked_about_draft_or_about_fields_never_deprecated(tmp_path, store, store_url):
    seed(store, daily_uses=0)
    export_snapshots({"draft": V1, "v1": V1}, tmp_path)
    asked = []
    approve, close = usage_approver(store_url, as_of=AS_OF)
    try:
        def recording(endpoint, change):
            asked.append((endpoint, change.coordinate))
            return approve(endpoint, change)

        current = V1_WITHOUT_NAME.replace("id: ID ", "")  # User.id (never deprecated) removed too
        report = check_versions({"draft": current, "v1": current}, tmp_path, approve=recording)
    finally:
        close()
    assert asked == [("/api/v1/graphql", "User.name")]
    assert [c.coordinate for c in report.versions[0].breaking] == ["User.id"]
