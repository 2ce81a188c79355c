"""Usage-aware checks of breaking changes (gqlevolve.schema_diff.usage_check), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve import UsageStore
from gqlevolve.advisor.candidates import UsageRule
from gqlevolve.operation_shape import OperationShape
from gqlevolve.schema_diff import diff_schemas
from gqlevolve.schema_diff.sources import load_schema
from gqlevolve.schema_diff.usage_check import Breakage, BreakageCheck, breakage_of
from gqlevolve.schema_diff.versioned import check_versions, export_snapshots

ENDPOINT = "/api/v1/graphql"
AS_OF = dt.date(2025, 6, 1)
WINDOW = [AS_OF - dt.timedelta(days=offset) for offset in range(3, 0, -1)]  # a 3-day window keeps the seeds short
RULE = UsageRule(window_days=3)

OLD = """
type Query { users(first: Int, role: Role): [User] search(filter: Filter): [Result] legacy: String }
type User implements Node { id: ID name: String }
type Post { id: ID }
type Orphan { id: ID }
interface Node { id: ID }
union Result = User | Post
enum Role { ADMIN GUEST }
input Filter { text: String limit: Int }
directive @cached(ttl: Int) on FIELD
"""


def change_of(old: str, new: str, coordinate: str):
    changes = [change for change in diff_schemas(old, new) if change.coordinate == coordinate and change.is_breaking]
    assert len(changes) == 1, [c.message for c in diff_schemas(old, new)]
    return changes[0], load_schema(new)


@pytest.mark.parametrize(
    ("edit", "coordinate", "requires", "lacks"),
    [
        (("legacy: String", ""), "Query.legacy", ("Query.legacy",), None),
        (("type Orphan { id: ID }", ""), "Orphan", ("Orphan",), None),
        (("type Orphan {", "input Orphan {"), "Orphan", ("Orphan",), None),
        (("name: String", "name: Int"), "User.name", ("User.name",), None),
        (("first: Int,", ""), "Query.users(first:)", ("Query.users(first:)",), None),
        (("first: Int,", "first: Int!,"), "Query.users(first:)", ("Query.users",), "Query.users(first:)"),
        (("first: Int,", "first: String,"), "Query.users(first:)", ("Query.users(first:)",), None),
        (("first: Int,", "first: String!,"), "Query.users(first:)", ("Query.users",), None),
        (("first: Int,", "first: Int, after: ID!,"), "Query.users(after:)", ("Query.users",), None),
        (("limit: Int", ""), "Filter.limit", ("Filter.limit",), None),
        (("limit: Int", "limit: Int!"), "Filter.limit", ("Filter",), "Filter.limit"),
        (("limit: Int", "limit: Int page: Int!"), "Filter.page", ("Filter",), None),
        (("input Filter {", "input Filter @oneOf {"), "Filter", ("Filter",), None),
        (("ADMIN GUEST", "ADMIN"), "Role.GUEST", ("Role.GUEST",), None),
        (("User | Post", "User"), "Result", ("Result", "Post"), None),
        (("implements Node ", ""), "User", ("User", "Node"), None),
        (("(ttl: Int)", ""), "@cached(ttl:)", ("@cached(ttl:)",), None),
    ],
)
def test_each_breaking_change_names_the_operations_it_breaks(edit, coordinate, requires, lacks):
    change, new = change_of(OLD, OLD.replace(*edit), coordinate)
    breakage = breakage_of(change, new)
    assert isinstance(breakage, Breakage), breakage
    assert (breakage.requires, breakage.lacks) == (requires, lacks)


def test_a_change_usage_cannot_see_says_so():
    change, new = change_of(OLD, OLD.replace("directive @cached(ttl: Int) on FIELD", ""), "@cached")
    assert breakage_of(change, new) == "the store records a directive's arguments per operation, not the directive itself"


def shape(name: str | None, *coordinates: str, digest: str = "") -> OperationShape:
    return OperationShape("query", name, (digest or (name or "anon").encode().hex()).ljust(32, "0")[:32],
                          frozenset({"Query", *coordinates}))


USERS_WITH_FIRST = shape("UsersPage", "Query.users", "User", "Query.users(first:)")
USERS = shape("Users", "Query.users", "User")
SEARCH_POSTS = shape("Search", "Query.search", "Result", "Post", "Query.search(filter:)", "Filter", "Filter.text")
FEED = shape("Feed", "Query.legacy")


def seed(store: UsageStore, *operations: tuple[OperationShape, int, str]) -> None:
    """Each day of the window: 1000 operations of ``Feed``, and ``operations`` (shape, count a day, client)."""
    for day in WINDOW:
        store.record_operation(ENDPOINT, (), client_name="ios", operation=FEED, when=day, count=1000)
        for operation, count, client in operations:
            store.record_operation(ENDPOINT, (), client_name=client, client_version="2.0", operation=operation,
                                   when=day, count=count)


def judge(store: UsageStore, edit: tuple[str, str], coordinate: str, rule: UsageRule = RULE):
    change, new = change_of(OLD, OLD.replace(*edit), coordinate)
    return BreakageCheck(store, rule=rule, as_of=AS_OF)(ENDPOINT, change, new)


def test_a_field_no_operation_selects_is_approved_with_the_evidence(store):
    seed(store, (USERS, 5, "web"))
    evidence = judge(store, ("name: String", ""), "User.name")
    assert evidence["approved"] is True and evidence["operations"] == 0 and evidence["days_covered"] == 3
    assert evidence["summary"] == (
        "0 operations that select User.name from 2025-05-29 to 2025-05-31, every day covered "
        "(3015 operations on /api/v1/graphql)"
    )


def test_a_used_field_stays_breaking_and_lists_operations_and_clients(store):
    seed(store, (USERS, 5, "web"), (USERS_WITH_FIRST, 2, "android"))
    evidence = judge(store, ("users(first: Int, role: Role): [User]", ""), "Query.users")
    assert evidence["approved"] is False and evidence["operations"] == 21
    assert [(o["name"], o["count"]) for o in evidence["operations_shown"]] == [("Users", 15), ("UsersPage", 6)]
    assert [(c["name"], c["operations"]) for c in evidence["clients"]] == [("web", 15), ("android", 6)]
    assert evidence["summary"].startswith(
        "21 operations that select Query.users from 2025-05-29 to 2025-05-31, more than the 0 allowed (max_operations); "
        "operations that select Query.users: Users [55736572] ×15, UsersPage [55736572] ×6; clients: web 2.0, android 2.0"
    )


def test_an_argument_made_required_is_approved_when_every_operation_passes_it(store):
    seed(store, (USERS_WITH_FIRST, 2, "android"))
    evidence = judge(store, ("first: Int,", "first: Int!,"), "Query.users(first:)")
    assert evidence["approved"] is True, evidence["reasons"]
    assert evidence["without"] == "Query.users(first:)"
    assert any("nullable variable" in reason for reason in evidence["reasons"])  # what usage cannot see
    seed(store, (USERS, 1, "web"))  # one operation a day without it
    evidence = judge(store, ("first: Int,", "first: Int!,"), "Query.users(first:)")
    assert evidence["approved"] is False and evidence["operations"] == 3
    assert [o["name"] for o in evidence["operations_shown"]] == ["Users"]


def test_an_enum_value_and_a_union_member(store):
    seed(store, (SEARCH_POSTS, 1, "web"), (shape("Guests", "Query.users", "Query.users(role:)", "Role", "Role.ADMIN"), 1, "web"))
    assert judge(store, ("ADMIN GUEST", "ADMIN"), "Role.GUEST")["approved"] is True
    assert judge(store, ("ADMIN GUEST", "GUEST"), "Role.ADMIN")["approved"] is False
    evidence = judge(store, ("User | Post", "User"), "Result")
    assert evidence["approved"] is False and [o["name"] for o in evidence["operations_shown"]] == ["Search"]
    assert judge(store, ("User | Post", "Post"), "Result")["approved"] is True  # no operation reaches User in Result


def test_operations_past_the_cap_count_though_unnamed(store_url, tmp_path):
    with UsageStore(store_url, migrate=True, handle_shutdown=False, max_operations_per_day=1) as store:
        seed(store, (USERS, 1, "web"))  # Feed is admitted, Users is past the cap every day
        evidence = judge(store, ("users(first: Int, role: Role): [User]", ""), "Query.users")
        assert evidence["approved"] is False and evidence["operations"] == 3 and evidence["operations_shown"] == []
        evidence = judge(store, ("User | Post", "Post"), "Result")  # two coordinates: named and unnamed bounded
        assert evidence["approved"] is True


def test_thresholds_as_a_share_a_count_or_both(store):
    seed(store, (USERS, 5, "web"))  # 5 of 1005 a day, 15 in the window
    edit, coordinate = ("users(first: Int, role: Role): [User]", ""), "Query.users"
    assert judge(store, edit, coordinate, UsageRule(3, threshold=0.01, max_operations=None))["approved"] is True
    assert judge(store, edit, coordinate, UsageRule(3, threshold=0.001, max_operations=None))["approved"] is False
    assert judge(store, edit, coordinate, UsageRule(3, max_operations=15))["approved"] is True
    assert judge(store, edit, coordinate, UsageRule(3, threshold=0.01, max_operations=14))["approved"] is False
    assert judge(store, edit, coordinate, UsageRule(3, exclude_clients=("web",)))["approved"] is True


def test_a_store_without_whole_schema_usage_approves_nothing(store):
    for day in WINDOW:
        store.record_operation(ENDPOINT, [], client_name="web", when=day, count=100)
    evidence = judge(store, ("name: String", ""), "User.name")
    assert evidence["approved"] is False
    assert evidence["summary"].startswith(
        "no whole-schema usage recorded in the window (from 2025-05-29 to 2025-05-31) on /api/v1/graphql"
    )


def test_a_window_partly_before_whole_schema_usage_is_not_covered(store):
    store.record_operation(ENDPOINT, [], client_name="web", when=WINDOW[0], count=100)
    for day in WINDOW[1:]:
        store.record_operation(ENDPOINT, (), client_name="web", operation=FEED, when=day, count=100)
    evidence = judge(store, ("name: String", ""), "User.name")
    assert evidence["approved"] is False and evidence["days_covered"] == 2
    assert "1 of the 3 days from 2025-05-29 to 2025-05-31 had operations but no whole-schema usage (2025-05-29)" in (
        evidence["summary"]
    )


def test_an_endpoint_the_store_never_saw_gives_no_evidence(store):
    seed(store)
    change, new = change_of(OLD, OLD.replace("legacy: String", ""), "Query.legacy")
    assert BreakageCheck(store, rule=RULE, as_of=AS_OF)("/api/v9/graphql", change, new) is None


def test_a_future_day_is_refused(store):
    with pytest.raises(ValueError, match="is in the future"):
        BreakageCheck(store, rule=RULE, as_of=dt.date(2999, 1, 1))


def test_check_versions_asks_about_vn_breaking_changes_only(store, tmp_path):
    seed(store, (USERS, 5, "web"))
    export_snapshots({"v1": OLD, "draft": OLD}, tmp_path)
    current = OLD.replace("name: String", "").replace("legacy: String", "")
    asked = []
    check = BreakageCheck(store, rule=RULE, as_of=AS_OF)

    def recording(endpoint, change, new):
        asked.append((endpoint, change.coordinate))
        return check(endpoint, change, new)

    report = check_versions({"v1": current, "draft": current}, tmp_path, usage=recording)
    assert sorted(asked) == [(ENDPOINT, "Query.legacy"), (ENDPOINT, "User.name")]
    v1 = report.versions[0]
    assert [c.coordinate for c in v1.approved] == ["User.name"]
    [legacy] = v1.breaking
    assert legacy.coordinate == "Query.legacy" and legacy.usage["operations"] == 3000
    assert "Not approved by usage: 3000 operations that select Query.legacy" in legacy.message
    assert legacy.as_dict()["usage"]["operations_shown"][0]["name"] == "Feed"
    assert report.versions[1].status == "warning" and not report.passed


def test_an_approval_says_how_many_operations_had_no_shape(store):
    seed(store)
    store.record_operation(ENDPOINT, [], client_name="old-adapter", when=WINDOW[1], count=7)  # counted, no shape
    evidence = judge(store, ("name: String", ""), "User.name")
    assert evidence["approved"] is True and evidence["unshaped"] == 7
    assert evidence["summary"].endswith(
        "; 7 operation(s) of the window were counted without their shape: usage cannot say what they used"
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [({"max_operations": -1}, "max_operations must be a whole number from 0"), ({"window_days": 0}, "window_days"),
     ({"threshold": 2.0}, "threshold")],
)
def test_a_bad_rule_is_refused(given, message):
    with pytest.raises(ValueError, match=message):
        UsageRule(**given)


def test_one_check_reads_the_windows_days_once_and_judges_each_change_as_alone(store):
    """The window's days (a sum of the window's operation_usage per day) are the same for every change of a check:
    read once per endpoint (statements counted on the store's engine), the evidence unchanged; so are the endpoints,
    and each operation's rows of the window are grouped once, whichever changes break it."""
    import sqlalchemy as sa

    seed(store, (USERS, 5, "web"), (USERS_WITH_FIRST, 2, "android"), (SEARCH_POSTS, 1, "web"))
    edits = [(("name: String", ""), "User.name"), (("users(first: Int, role: Role): [User]", ""), "Query.users"),
             (("User | Post", "User"), "Result"), (("first: Int,", "first: Int!,"), "Query.users(first:)")]
    alone = [judge(store, edit, coordinate) for edit, coordinate in edits]
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    check = BreakageCheck(store, rule=RULE, as_of=AS_OF)
    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        together = [check(ENDPOINT, *change_of(OLD, OLD.replace(*edit), coordinate)) for edit, coordinate in edits]
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert together == alone
    assert sum("FROM operation_totals" in statement and "GROUP BY operation_totals.day" in statement
               for statement in statements) == 1
    assert sum("UNION" in statement for statement in statements) == 1  # the endpoints the store knows
    # Query.users reads Users and UsersPage, Result reads Search; Query.users(first:) breaks Users: read already.
    grouped = [statement for statement in statements if "GROUP BY operation_summaries.signature" in statement]
    assert len(grouped) == 2
    assert check.window_days(None, ENDPOINT) is check.window_days(None, ENDPOINT)  # kept: no connection needed


def test_the_removal_advisor_of_a_check_shares_its_windows_days(store):
    """``store_approver(usage=check)``: a removal judged by the advisor as a candidate (no deprecation record) reads
    the check's window's days instead of its own, with the verdict of an approver that reads them."""
    import sqlalchemy as sa

    from gqlevolve.advisor import RemovalPolicy
    from gqlevolve.schema_diff.versioned import store_approver

    seed(store, (USERS, 5, "web"), (SEARCH_POSTS, 1, "web"))
    policy = RemovalPolicy(window_days=3)
    change, _ = change_of(OLD, OLD.replace("legacy: String", ""), "Query.legacy")
    alone = store_approver(store, as_of=AS_OF, policy=policy)(ENDPOINT, change)
    check = BreakageCheck(store, rule=RULE, as_of=AS_OF)
    with store.reading() as connection:
        check.window_days(connection, ENDPOINT)  # what the check read for its own changes
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        shared = store_approver(store, as_of=AS_OF, policy=policy, usage=check)(ENDPOINT, change)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert shared == alone and shared is not None and shared["removable"] is False
    assert not any("FROM operation_totals" in statement and "GROUP BY operation_totals.day" in statement
                   for statement in statements)
