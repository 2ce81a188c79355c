"""Enforcement through the Strawberry extension, table-driven: each row a record's settings, a moment, a client and
the preview header; the outcome (served, or GONE and why) and what was counted (usage, or refused/previewed apart).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from gqlevolve import UsageStore, deprecation_usage
from gqlevolve.lifecycle import Deprecation
from gqlevolve.monitor.enforcement import refusals
from tests.enforcement_helpers import TUESDAY_1405, MomentClock, context
from tests.extension_schema import DECLARED, build_schema

ENDPOINT = "/graphql"
SUNSET = dt.date(2026, 12, 15)
BEFORE_THE_PHASE = dt.date(2026, 11, 1)  # the sunset warning starts 2026-11-15
NAME = "{ viewer { name } }"


def user_name(**settings: Any) -> Deprecation:
    return Deprecation("User.name", deprecated_on=dt.date(2026, 1, 15), sunset_on=SUNSET, replacement="fullName",
                       migration_guide="https://docs.example.org/migrations/full-name", **settings)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    store = UsageStore(sqlite_url, handle_shutdown=False, clock=MomentClock(TUESDAY_1405), flush_interval=60)
    # web 1.4 used User.name before the sunset warning began: an adopter. Nobody else did.
    store.record_operation(ENDPOINT, {"User.name"}, client_name="web", client_version="1.4", when=BEFORE_THE_PHASE)
    yield store
    store.close()


def serve(store: UsageStore, record: Deprecation, *, by_version: bool = False, moment: dt.datetime = TUESDAY_1405):
    """A schema with the extension, ``record`` declared, the clock at ``moment``; registered and refreshed."""
    store.clock.set(moment)  # type: ignore[attr-defined]
    usage = deprecation_usage(store=store, endpoint=ENDPOINT, declared=[record, DECLARED[0]], refresh_interval=3600,
                              adopters_by_version=by_version)
    schema = build_schema(usage)
    usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
    return usage, schema


def counts(store: UsageStore) -> tuple[int, list[tuple[str, str, str | None, int]]]:
    """(operations that used User.name today, [(coordinate, kind, client, operations)] refused or previewed)."""
    store.flush()
    today = store.clock.today()
    used = sum(day.operations for day in store.daily_usage(ENDPOINT, "User.name", since=today, until=today))
    refused = [(row.coordinate, row.kind, row.name, row.operations) for row in store.enforcement_counts(ENDPOINT, since=today)]
    return used, refused


LATER = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
WEEK_BEFORE = dt.datetime(2026, 11, 10, 14, 5, tzinfo=dt.UTC)  # a Tuesday in the window's minutes, before D-30

CASES = [
    # (id, record settings, moment, headers, by_version, refused kind or None, usage counted)
    ("nothing set: served", {}, TUESDAY_1405, {"graphql_client_name": "ios"}, False, None, 1),
    ("adopter by name: served", {"refuse_new_adopters": True}, TUESDAY_1405,
     {"graphql_client_name": "web", "graphql_client_version": "2.0"}, False, None, 1),
    ("newcomer: refused", {"refuse_new_adopters": True}, TUESDAY_1405, {"graphql_client_name": "ios"}, False,
     "no_new_adopters", 0),
    ("unnamed client is a newcomer", {"refuse_new_adopters": True}, TUESDAY_1405, {}, False, "no_new_adopters", 0),
    ("new version of an adopter, by version: refused", {"refuse_new_adopters": True}, TUESDAY_1405,
     {"graphql_client_name": "web", "graphql_client_version": "2.0"}, True, "no_new_adopters", 0),
    ("same version of an adopter, by version: served", {"refuse_new_adopters": True}, TUESDAY_1405,
     {"graphql_client_name": " web ", "graphql_client_version": "1.4"}, True, None, 1),
    ("newcomer before the warning: served", {"refuse_new_adopters": True}, WEEK_BEFORE,
     {"graphql_client_name": "ios"}, False, None, 1),
    ("inside a brownout: refused, adopter too", {"brownouts": ("every tuesday 14:00-14:15 UTC from D-30",)},
     TUESDAY_1405, {"graphql_client_name": "web"}, False, "brownout", 0),
    ("after the brownout: served", {"brownouts": ("every tuesday 14:00-14:15 UTC from D-30",)}, LATER,
     {"graphql_client_name": "web"}, False, None, 1),
    ("the window's minutes before D-30: served", {"brownouts": ("every tuesday 14:00-14:15 UTC from D-30",)},
     WEEK_BEFORE, {"graphql_client_name": "web"}, False, None, 1),
    ("preview asked: refused", {}, TUESDAY_1405, {"graphql_client_name": "web", "graphql_deprecations": " REJECT "},
     False, "preview", 0),
    ("another header value: served", {}, TUESDAY_1405, {"graphql_client_name": "web", "graphql_deprecations": "warn"},
     False, None, 1),
    ("preview wins over the rules", {"refuse_new_adopters": True, "brownouts": ("every day 00:00-24:00",)},
     TUESDAY_1405, {"graphql_client_name": "ios", "graphql_deprecations": "reject"}, False, "preview", 0),
    ("newcomer in a brownout: no new adopters says it", {"refuse_new_adopters": True,
     "brownouts": ("every day 00:00-24:00",)}, TUESDAY_1405, {"graphql_client_name": "ios"}, False,
     "no_new_adopters", 0),
]


@pytest.mark.parametrize(
    ("settings", "moment", "headers", "by_version", "refused", "used"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_enforcement_table(store, settings, moment, headers, by_version, refused, used) -> None:
    usage, schema = serve(store, user_name(**settings), by_version=by_version, moment=moment)
    try:
        result = schema.execute_sync(NAME, context_value=context(ENDPOINT, **headers))
    finally:
        usage.close()
    # The client is always told what it used (the entry), refused or not.
    assert result.extensions["deprecations"][0]["coordinate"] == "User.name"
    if refused is None:
        assert result.errors is None and result.data == {"viewer": {"name": "Ada Lovelace"}}
        assert counts(store) == (used, [])
        return
    [error] = result.errors
    body = error.extensions
    assert result.data is None
    assert (body["code"], body["refused"], body["status_code"], body["coordinate"]) == ("GONE", refused, 410, "User.name")
    assert body["sunset_on"] == "2026-12-15" and body["replacement"] == "fullName" and body["removed_on"] is None
    assert body["message"] == error.message and "2026-12-15" in error.message
    if refused == "brownout":
        assert "scheduled brownout" in error.message and body["brownout"]["window"] in error.message
    elif refused == "no_new_adopters":
        assert error.message.startswith("New uses of User.name are refused during its sunset warning (since 2026-11-15)")
    else:
        assert "GraphQL-Deprecations: reject" in error.message
    name = headers.get("graphql_client_name", "").strip() or None
    assert counts(store) == (used, [("User.name", refused, name, 1)])  # apart from usage, never as use


def test_a_removed_element_stays_removed_under_preview_and_other_elements_are_refused_too(store) -> None:
    usage, schema = serve(store, user_name())
    try:
        result = schema.execute_sync(
            "mutation { upload_attachment(filename: \"a\") }", context_value=context(ENDPOINT, graphql_deprecations="reject")
        )
        both = schema.execute_sync(
            "{ viewer { name } users(offset: 1) { id } }", context_value=context(ENDPOINT, graphql_deprecations="reject")
        )
    finally:
        usage.close()
    [gone] = result.errors
    assert gone.extensions["removed_on"] == "2026-06-30" and "refused" not in gone.extensions  # removed, not previewed
    [error] = both.errors
    assert error.message == "2 elements this operation uses are removed or refused for this request: " \
        "Query.users(offset:), User.name"
    assert [item["refused"] for item in error.extensions["removed"]] == ["preview", "preview"]
    used, refused = counts(store)
    assert used == 0 and sorted(row[:2] for row in refused) == [
        ("Query.users(offset:)", "preview"), ("User.name", "preview")]


def test_adopters_not_known_yet_fail_open() -> None:
    record = user_name(refuse_new_adopters=True)
    assert refusals((record,), TUESDAY_1405.date(), TUESDAY_1405, "ios", {}) == ()  # unknown: served
    assert refusals((record,), TUESDAY_1405.date(), TUESDAY_1405, "ios", {"User.name": frozenset()})[0].kind == \
        "no_new_adopters"


def test_a_request_path_without_rules_never_reads_the_clock(store) -> None:
    class NoNow(MomentClock):
        def now(self) -> dt.datetime:
            raise AssertionError("now() read on the request path")

    usage = deprecation_usage(store=store, endpoint=ENDPOINT, declared=[user_name(refuse_new_adopters=True)],
                              clock=NoNow(TUESDAY_1405), refresh_interval=3600)
    schema = build_schema(usage)
    usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
    try:
        assert schema.execute_sync(NAME, context_value=context(ENDPOINT, graphql_client_name="web")).errors is None
    finally:
        usage.close()


def test_the_preview_header_is_read_from_a_request_that_is_not_an_asgi_scope(store) -> None:
    from types import SimpleNamespace

    usage, schema = serve(store, user_name())
    try:
        plain = SimpleNamespace(path="/graphql", headers={"GraphQL-Deprecations": "reject"})  # a headers.get look-up
        result = schema.execute_sync(NAME, context_value={"request": plain, "response": None})
        unreadable = SimpleNamespace(path="/graphql", headers=SimpleNamespace(get=lambda name: 1 / 0))
        served = schema.execute_sync(NAME, context_value={"request": unreadable, "response": None})
    finally:
        usage.close()
    assert result.errors[0].extensions["refused"] == "preview"
    assert served.errors is None  # a request that cannot be read is served as usual
