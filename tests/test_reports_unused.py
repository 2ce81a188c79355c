"""``unused_elements`` (``gqlevolve unused``) on both backends: unused (never seen, or first and last seen), too
new to tell, kept by the allow-list, a schema given for CI, and bad input refused clearly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gqlevolve import UsageStore
from gqlevolve.clock import FixedClock
from gqlevolve.endpoints import UnknownEndpoint
from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.jsonable import to_jsonable
from gqlevolve.reports.unused import MAX_KEEP_PATTERNS, check_keep, read_keep_list, unused_elements
from tests.test_reports_coordinate_usage import AS_OF, SDL_WITH_BETA, V1, day, seed


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as opened:
        seed(opened)
        yield opened


def test_unused_never_seen_and_too_new(store: UsageStore) -> None:
    report = unused_elements(store, "v1", 30)

    assert (report.endpoint, report.schema, report.first_day, report.last_day) == (V1, "registered", day(29), AS_OF)
    assert [(e.coordinate, e.since, e.first_seen, e.last_seen, e.never_seen) for e in report.unused] == [
        ("Query.legacyUsers", day(100), day(60), day(60), False),
        ("User.legacyId", day(100), day(60), day(60), False),
        ("User.nickname", day(100), None, None, True),
    ]
    assert [(e.coordinate, e.since) for e in report.too_new] == [("Query.beta", day(3))]
    assert (report.checked, report.used, report.kept, report.unmatched_keep) == (11, 7, [], [])


def test_the_spec_scalars_are_left_out(store: UsageStore) -> None:
    report = unused_elements(store, "v1", 30)
    listed = {e.coordinate for e in report.unused} | {e.coordinate for e in report.too_new}
    assert not listed & {"String", "Int", "Float", "Boolean", "ID"}


def test_a_window_that_reaches_the_old_use(store: UsageStore) -> None:
    report = unused_elements(store, "v1", 61)
    assert [e.coordinate for e in report.unused] == ["User.nickname"]


def test_an_element_in_the_schema_since_the_first_day_is_judged(store: UsageStore) -> None:
    """Query.beta appeared 3 days ago: a 4-day window starts that day (judged), a 5-day one before it (too new)."""
    assert "Query.beta" in [e.coordinate for e in unused_elements(store, "v1", 4).unused]
    assert [e.coordinate for e in unused_elements(store, "v1", 5).too_new] == ["Query.beta"]


def test_the_allow_list_keeps_elements_and_names_patterns_that_match_nothing(store: UsageStore) -> None:
    report = unused_elements(store, "v1", 30, keep=["User.legacy*", "Query.legacyUsers", "Query.beta", "Gone.*", "User.name"])

    assert [(e.coordinate, e.pattern, e.last_seen) for e in report.kept] == [
        ("Query.beta", "Query.beta", None), ("Query.legacyUsers", "Query.legacyUsers", day(60)),
        ("User.legacyId", "User.legacy*", day(60)),
    ]
    assert [e.coordinate for e in report.unused] == ["User.nickname"]
    assert report.too_new == []
    assert report.unmatched_keep == ["Gone.*"]  # User.name matches (it is used: not listed as kept)


def test_glob_patterns_are_case_sensitive_and_cover_arguments(store: UsageStore) -> None:
    report = unused_elements(store, "v1", 30, keep=["user.*", "Query.*"])
    assert [e.coordinate for e in report.kept] == ["Query.beta", "Query.legacyUsers"]
    assert report.unmatched_keep == ["user.*"]


def test_a_schema_given_for_review(store: UsageStore) -> None:
    """A field the change adds is too new (the endpoint never registered it); one it removes is not judged."""
    given = SDL_WITH_BETA.replace("nickname: String", "nickname: String avatar: String").replace("legacyId: ID ", "")
    report = unused_elements(store, "v1", 30, schema=given)

    assert report.schema == "given"
    assert [e.coordinate for e in report.unused] == ["Query.legacyUsers", "User.nickname"]
    assert [(e.coordinate, e.since) for e in report.too_new] == [("Query.beta", day(3)), ("User.avatar", None)]


def test_without_a_registered_schema(store: UsageStore) -> None:
    with pytest.raises(NotFound, match=r"/api/v2/graphql registered no schema .*give one to measure against"):
        unused_elements(store, "v2", 30)
    report = unused_elements(store, "v2", 30, schema="type Query { users: [User], me: User } type User { name: String }")
    # Never registered and never used: its age is unknown, so it is too new to tell, never called unused.
    assert (report.unused, report.used) == ([], 4)
    assert [(e.coordinate, e.since) for e in report.too_new] == [("Query.me", None)]


def test_json_names_never_seen_as_null(store: UsageStore) -> None:
    as_json = to_jsonable(unused_elements(store, "v1", 30))
    assert as_json["unused"][-1] == {"coordinate": "User.nickname", "since": day(100).isoformat(), "first_seen": None,
                                      "last_seen": None}
    assert set(as_json) >= {"endpoint", "first_day", "last_day", "days", "checked", "used", "unused", "too_new", "kept"}


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 3661, 100_000_000])
def test_days_out_of_bounds(store: UsageStore, days: int) -> None:
    with pytest.raises(InvalidInput, match=f"days must be a whole number from 1 to 3660, not {days}"):
        unused_elements(store, "v1", days)


def test_an_unknown_endpoint_lists_the_known_ones(store: UsageStore) -> None:
    with pytest.raises(UnknownEndpoint, match="the usage store knows: /api/v1/graphql, /api/v2/graphql"):
        unused_elements(store, "v9", 30)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("User name", "is not a schema coordinate"),
        ("User.*<script>", "is not a coordinate pattern"),
        ("x" * 10_240, "at most 300 characters"),
        ("*" * 301, "is not a coordinate pattern"),
        ("", "expected a coordinate or a pattern"),
    ],
)
def test_bad_patterns_are_refused(store: UsageStore, pattern: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        unused_elements(store, "v1", 30, keep=[pattern])
    assert caught.value.field == "keep" and len(str(caught.value)) < 400


def test_too_many_patterns() -> None:
    with pytest.raises(InvalidInput, match=f"at most {MAX_KEEP_PATTERNS} patterns"):
        check_keep(["Query.*"] * (MAX_KEEP_PATTERNS + 1))


def test_a_keep_file_with_comments_and_a_bad_line() -> None:
    assert read_keep_list("# partner API\n\nUser.legacy*  # until 2027\n  Query.*\n") == ["User.legacy*", "Query.*"]
    with pytest.raises(InvalidInput, match=r'^keep.txt line 3: "User name" is not a schema coordinate'):
        read_keep_list("User.name\n# ok\nUser name\n", source="keep.txt")
