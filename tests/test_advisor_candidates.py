"""Candidate verdicts (gqlevolve.advisor.candidates) and the count threshold, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import strawberry
from click.testing import CliRunner
from starlette.testclient import TestClient

from gqlevolve import RemovalPolicy, UsageStore, advise, versioned_app
from gqlevolve.advisor.policy import CLI_NAMES, removal_policy
from gqlevolve.cli import main
from gqlevolve.errors import InvalidInput
from gqlevolve.operation_shape import OperationShape

ENDPOINT = "/api/v1/graphql"
AS_OF = dt.date(2025, 6, 1)
WINDOW = [AS_OF - dt.timedelta(days=offset) for offset in range(90, 0, -1)]
SDL = "type Query { me: User feed: [String] } type User { name: String email: String }"

FEED = OperationShape("query", "Feed", "aa" * 16, frozenset({"Query", "Query.feed"}))
ME = OperationShape("query", "Me", "bb" * 16, frozenset({"Query", "Query.me", "User", "User.email"}))
ANONYMOUS = OperationShape("query", None, "cc" * 16, frozenset({"Query", "Query.me", "User", "User.email"}))


def seed(store: UsageStore, days=WINDOW, *, feed: int = 1000, me: int = 0, client: str = "web") -> None:
    for day in days:
        store.record_operation(ENDPOINT, (), client_name="ios", client_version="5.1", operation=FEED, when=day, count=feed)
        if me:
            store.record_operation(ENDPOINT, (), client_name=client, client_version="1.4", operation=ME, when=day, count=me)


def candidate(store: UsageStore, coordinate: str = "User.email", **policy):
    [verdict] = advise(store, ENDPOINT, coordinate, as_of=AS_OF, policy=RemovalPolicy(**policy))
    return verdict


def test_an_unused_coordinate_is_a_candidate_never_removable(store):
    seed(store)
    verdict = candidate(store)
    assert (verdict.deprecated, verdict.removable, verdict.candidate, verdict.status) == (False, False, True, None)
    assert verdict.reasons[0].startswith("User.email has no deprecation record on /api/v1/graphql")
    assert verdict.reasons[1] == "usage was under 1% on each of the 90 days from 2025-03-03 to 2025-05-31 (highest 0.00% on 2025-05-31)"
    assert (verdict.days_covered, verdict.operations, verdict.used_by, verdict.clients) == (90, 0, [], [])
    assert verdict.earliest_removal is None and verdict.last_used is None


def test_a_used_coordinate_names_its_operations_and_clients(store):
    seed(store, me=20)  # 20 of 1020 a day: 1.96%
    store.record_operation(ENDPOINT, (), client_name="bot", operation=ANONYMOUS, when=WINDOW[-1], count=2)
    verdict = candidate(store)
    assert verdict.candidate is False
    assert verdict.reasons[1].startswith("usage was 2.15% on 2025-05-31, not under 1% (90 of the 90 days were not)")
    assert verdict.operations == 20 * 90 + 2 and verdict.last_used == WINDOW[-1]
    assert [(o.name, o.count, o.clients) for o in verdict.used_by] == [
        ("Me", 1800, (("web", "1.4"),)), (None, 2, (("bot", None),)),
    ]
    assert [(c.name, c.version, c.operations) for c in verdict.clients] == [("web", "1.4", 1800), ("bot", None, 2)]
    assert verdict.max_share_day == WINDOW[-1]


def test_operations_beyond_the_shown_few_are_counted(store):
    seed(store, days=WINDOW[-3:])
    for number in range(7):
        shape = OperationShape("query", f"Op{number}", f"{number:032x}", frozenset({"Query.me", "User.email"}))
        store.record_operation(ENDPOINT, (), client_name="web", operation=shape, when=WINDOW[-1], count=number + 1)
    verdict = candidate(store, window_days=3)
    assert [o.name for o in verdict.used_by] == ["Op6", "Op5", "Op4", "Op3", "Op2"] and verdict.more_operations == 2


def test_max_operations_zero_means_not_seen_at_all(store):
    seed(store, days=WINDOW[-3:])
    store.record_operation(ENDPOINT, (), client_name="web", operation=ME, when=WINDOW[-2], count=1)
    assert candidate(store, window_days=3).candidate is True  # 1 of 1001: under 1%
    verdict = candidate(store, window_days=3, max_operations=0)
    assert verdict.candidate is False
    assert verdict.reasons[1] == (
        "1 operation(s) used it from 2025-05-29 to 2025-05-31, more than the 0 allowed (max_operations)"
    )
    verdict = candidate(store, window_days=3, max_operations=1)
    assert verdict.candidate is True and verdict.reasons[2] == (
        "1 operation(s) used it (at most 1 allowed) from 2025-05-29 to 2025-05-31, every day covered "
        "(3001 operations on /api/v1/graphql)"
    )


def test_a_store_without_whole_schema_usage_approves_nothing(store):
    for day in WINDOW:  # usage counted as before whole-schema usage: no shapes
        store.record_operation(ENDPOINT, [], client_name="web", when=day, count=1000)
    verdict = candidate(store)
    assert verdict.candidate is False and verdict.days_covered == 0
    assert verdict.reasons[1].startswith(
        "no whole-schema usage recorded in the window (from 2025-03-03 to 2025-05-31) on /api/v1/graphql"
    )


def test_days_before_whole_schema_usage_are_not_covered(store):
    for day in WINDOW[:80]:
        store.record_operation(ENDPOINT, [], client_name="web", when=day, count=1000)
    seed(store, days=WINDOW[80:])
    verdict = candidate(store)
    assert verdict.candidate is False and verdict.days_covered == 10
    assert "80 of the 90 days from 2025-03-03 to 2025-05-31 had operations but no whole-schema usage " \
        "(2025-03-03, 2025-03-04, 2025-03-05, ...): every day of the window must be covered" in verdict.reasons
    assert "80000 operation(s) of the window were counted without their shape" in verdict.reasons[-1]


def test_excluded_clients_leave_numerator_and_denominator(store):
    seed(store, days=WINDOW[-3:], me=100, client="load-test")
    assert candidate(store, window_days=3).candidate is False
    verdict = candidate(store, window_days=3, exclude_clients=("load-test",), max_operations=0)
    assert verdict.candidate is True and verdict.operations == 0 and verdict.used_by == []


def test_the_registered_schema_says_whether_it_exists_and_since_when(store):
    store.register_schema(ENDPOINT, SDL, today=dt.date(2025, 1, 1))
    seed(store)
    assert candidate(store).in_schema is True
    verdict = candidate(store, "User.nope")
    assert verdict.in_schema is False and verdict.candidate is False
    assert verdict.reasons[-1] == "User.nope is not in the schema /api/v1/graphql registered last"
    store.register_schema(ENDPOINT, SDL.replace("email: String", "email: String phone: String"), today=dt.date(2025, 5, 1))
    verdict = candidate(store, "User.phone")
    assert verdict.in_schema is True and verdict.candidate is False
    assert "in the schema only since 2025-05-01, after the window's first day 2025-03-03" in verdict.reasons[-1]


def test_a_deprecated_coordinate_keeps_the_removal_rule_with_an_optional_count(store):
    store.update_deprecation(ENDPOINT, "User.name", {"deprecated_on": dt.date(2025, 1, 1)}, actor="t", why="t", create=True)
    for day in WINDOW:
        store.record_operation(ENDPOINT, ["User.name"], client_name="web", when=day, count=1)
        store.record_operation(ENDPOINT, [], client_name="web", when=day, count=999)
    [verdict] = advise(store, ENDPOINT, "User.name", as_of=AS_OF)
    assert verdict.removable is True and verdict.candidate is None
    [verdict] = advise(store, ENDPOINT, "User.name", as_of=AS_OF, policy=RemovalPolicy(max_operations=89))
    assert verdict.removable is False and verdict.earliest_removal is None
    assert "90 operation(s) used it from 2025-03-03 to 2025-05-31, more than the 89 allowed (max_operations)" in verdict.reasons
    [verdict] = advise(store, ENDPOINT, "User.name", as_of=AS_OF, policy=RemovalPolicy(max_operations=90))
    assert verdict.removable is True
    assert verdict.reasons[0].endswith("; 90 operation(s) in all (at most 90 allowed)")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"max_operations": -1}, "max_operations must be a whole number from 0 to"),
        ({"max_operations": 10**16}, "max_operations must be a whole number from 0 to 1000000000000000, not 10"),
        ({"max_operations": True}, "max_operations: expected a whole number, not true"),
        ({"max_operations": 2.5}, "max_operations: expected a whole number, not 2.5"),
    ],
)
def test_a_bad_count_is_refused_in_code(given, message):
    with pytest.raises(InvalidInput, match=message):
        RemovalPolicy(**given)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-1", "--max-operations must be a whole number from 0 to 1000000000000000, not -1"), ("lots", '--max-operations: expected a whole number, not "lots"'),
     ("9" * 13, '--max-operations: expected a whole number, not "9999999999999"')],
)
def test_a_bad_count_is_refused_as_typed(typed, message):
    with pytest.raises(InvalidInput, match=message):
        removal_policy(max_operations=typed, names=CLI_NAMES)


def run(*args: str, db: str):
    return CliRunner().invoke(main, [*args, "--db", db], env={"COLUMNS": "250"}, catch_exceptions=False)


def test_the_advise_command_shows_a_candidate_with_its_operations(store, store_url):
    seed(store, days=WINDOW[-3:], me=5)
    result = run("advise", "--coordinate", "User.email", "--window-days", "3", "--as-of", "2025-06-01", db=store_url)
    assert result.exit_code == 1, result.output  # never removable: deprecate it first
    assert "no (candidate)" in result.output and "not deprecated" in result.output
    assert "operations: Me [bbbbbbbb] ×15 (web 1.4)" in result.output
    result = run("advise", "--coordinate", "User.email", "--window-days", "3", "--as-of", "2025-06-01",
                 "--max-operations", "0", "--json", db=store_url)
    [verdict] = json.loads(result.output)
    assert verdict["candidate"] is False and verdict["operations"] == 15
    assert verdict["used_by"][0]["name"] == "Me" and verdict["used_by"][0]["clients"] == [["web", "1.4"]]
    unknown = run("advise", "--coordinate", "User.nope", "--as-of", "2025-06-01", db=store_url)
    assert unknown.exit_code == 2 and "User.nope has no deprecation record" in unknown.stderr
    bad = run("advise", "--max-operations", "x", db=store_url)
    assert bad.exit_code == 2 and '--max-operations: expected a whole number, not "x"' in bad.stderr


@strawberry.type
class AdminUser:
    email: str


@strawberry.type
class AdminQuery:
    @strawberry.field
    def me(self) -> AdminUser | None:
        return None


def test_the_admin_api_answers_for_a_coordinate_that_is_not_deprecated(store):
    seed(store, days=WINDOW[-3:], me=5)  # 5 of 1005 operations a day: 0.5%
    client = TestClient(versioned_app({"v1": strawberry.Schema(AdminQuery)}, store=store, admin_token="t0ken"))
    auth = {"Authorization": "Bearer t0ken"}
    params = {"endpoint": "v1", "as_of": "2025-06-01", "window_days": "3"}
    response = client.get("/api/admin/eligibility/User.email", params=params, headers=auth)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert (verdict["deprecated"], verdict["removable"], verdict["candidate"]) == (False, False, True)
    assert verdict["used_by"][0]["name"] == "Me" and verdict["clients"][0]["name"] == "web"
    response = client.get("/api/admin/eligibility/User.email", params={**params, "max_operations": "14"}, headers=auth)
    assert response.json()["candidate"] is False
    response = client.get("/api/admin/eligibility/User.email", params={**params, "max_operations": "-1"}, headers=auth)
    assert response.status_code == 400 and "max_operations must be a whole number from 0" in response.json()["detail"]
    response = client.get("/api/admin/eligibility/User.nope", params=params, headers=auth)
    assert response.status_code == 404 and "User.nope has no deprecation record" in response.json()["detail"]


def test_the_windows_days_passed_in_give_the_same_verdicts(store):
    """``days=``: the window's whole-schema days read by the caller (a check that judges several coordinates) instead
    of once per call; the verdicts are those of a call that reads them."""
    from gqlevolve.advisor.candidates import advise_candidates
    from gqlevolve.usage_store.breakage_reads import whole_schema_days

    seed(store, me=20)
    store.record_operation(ENDPOINT, [], client_name="old", when=WINDOW[3], count=5)  # counted without a shape
    for policy in (RemovalPolicy(), RemovalPolicy(max_operations=0), RemovalPolicy(exclude_clients=("web",))):
        first, last = AS_OF - dt.timedelta(days=policy.window_days), AS_OF - dt.timedelta(days=1)
        with store.reading() as connection:
            days = whole_schema_days(connection, ENDPOINT, first, last, exclude=policy.exclude_clients)
            coordinates = ["User.email", "Query.feed", "User.name"]
            read = advise_candidates(connection, ENDPOINT, coordinates, as_of=AS_OF, policy=policy)
            given = advise_candidates(connection, ENDPOINT, coordinates, as_of=AS_OF, policy=policy, days=days)
        assert given == read
        # User.email, used by Me (sent by web) 20 times a day
        assert read[1].operations == (0 if policy.exclude_clients else 20 * 90)
