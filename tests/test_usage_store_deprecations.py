"""Deprecation records in the store: registration (the store wins), updates, the audit log."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import Deprecation, Status
from gqlevolve.usage_store import UsageStore

ENDPOINT = "/api/v1/graphql"
TODAY = dt.date(2026, 11, 21)


@pytest.fixture
def store(store_url):
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        yield store


def test_registration_inserts_absent_records_and_dates_them_today(store):
    effective = store.register_deprecations(
        ENDPOINT,
        [
            Deprecation("User.name", reason="Use fullName", replacement="fullName"),
            Deprecation("Mutation.upload_attachment", deprecated_on=dt.date(2025, 9, 27), sunset_on=dt.date(2026, 6, 30)),
        ],
    )
    assert [record.coordinate for record in effective] == ["Mutation.upload_attachment", "User.name"]
    assert effective[1].deprecated_on == TODAY
    assert effective[0].deprecated_on == dt.date(2025, 9, 27)
    [stored_upload, stored_name] = store.deprecations(ENDPOINT)
    assert stored_name.endpoint == ENDPOINT
    assert stored_name.record == effective[1]
    assert stored_name.created_at.tzinfo is not None
    fields = {(entry.coordinate, entry.field, entry.new_value) for entry in store.audit_log(ENDPOINT)}
    assert ("User.name", "reason", "Use fullName") in fields
    assert ("Mutation.upload_attachment", "sunset_on", "2026-06-30") in fields
    assert all(entry.actor == "gqlevolve" and entry.old_value is None for entry in store.audit_log())


def test_the_store_wins_over_the_schema_and_only_empty_fields_are_filled(store):
    store.register_deprecations(ENDPOINT, [Deprecation("User.name", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2026, 1, 1))])
    store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": dt.date(2026, 6, 1)}, actor="alice", why="partner needs time")
    effective = store.register_deprecations(
        ENDPOINT,
        [Deprecation("User.name", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2026, 1, 1), replacement="fullName")],
    )
    assert effective == [
        Deprecation("User.name", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2026, 6, 1), replacement="fullName")
    ]
    log = [(entry.field, entry.old_value, entry.new_value, entry.actor) for entry in store.audit_log(coordinate="User.name")]
    assert log[-2:] == [
        ("sunset_on", "2026-01-01", "2026-06-01", "alice"),
        ("replacement", None, "fullName", "gqlevolve"),
    ]
    # Registering again changes nothing and writes nothing.
    count = len(store.audit_log())
    store.register_deprecations(ENDPOINT, [Deprecation("User.name", replacement="fullName")])
    assert len(store.audit_log()) == count


def test_an_update_writes_one_audit_entry_per_changed_field(store):
    store.register_deprecations(ENDPOINT, [Deprecation("User.name", deprecated_on=dt.date(2025, 1, 1))])
    before = len(store.audit_log())
    record = store.update_deprecation(
        ENDPOINT,
        "User.name",
        {"sunset_on": "2026-03-01", "status_override": "sunset_warning", "deprecated_on": dt.date(2025, 1, 1)},
        actor="bob",
        why="rollback of the removal",
    )
    assert record.status_override is Status.SUNSET_WARNING
    assert record.sunset_on == dt.date(2026, 3, 1)
    entries = store.audit_log(ENDPOINT, "User.name")[before:]
    assert {(e.field, e.old_value, e.new_value, e.actor, e.why) for e in entries} == {
        ("sunset_on", None, "2026-03-01", "bob", "rollback of the removal"),
        ("status_override", None, "sunset_warning", "bob", "rollback of the removal"),
    }
    store.update_deprecation(ENDPOINT, "User.name", {"status_override": None}, actor="bob", why="done")
    assert store.deprecations(ENDPOINT)[0].record.status_override is None


def test_update_of_an_unknown_record(store):
    with pytest.raises(LookupError, match="no deprecation record for 'Query.old' on endpoint"):
        store.update_deprecation(ENDPOINT, "Query.old", {"reason": "gone"}, actor="alice")
    record = store.update_deprecation(ENDPOINT, "Query.old", {"reason": "gone"}, actor="alice", why="found", create=True)
    assert record == Deprecation("Query.old", reason="gone")
    assert [(e.field, e.new_value) for e in store.audit_log(coordinate="Query.old")] == [("reason", "gone")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coordinate": "X.y"}, "cannot change coordinate"),
        ({"sunset_on": "next year"}, "sunset_on: 'next year' is not a date"),
        ({"status_override": "retired"}, "status_override: 'retired' is not one of"),
        ({"deprecated_on": dt.date(2026, 1, 1), "sunset_on": dt.date(2025, 1, 1)}, "before deprecated_on"),
        ({"reason": 42}, "reason: expected text"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(store, changes, message):
    store.register_deprecations(ENDPOINT, [Deprecation("User.name", deprecated_on=dt.date(2025, 1, 1))])
    before = (store.deprecations(), store.audit_log())
    with pytest.raises(ValueError, match=message):
        store.update_deprecation(ENDPOINT, "User.name", changes, actor="alice")
    assert (store.deprecations(), store.audit_log()) == before


def test_records_are_kept_per_endpoint(store):
    store.register_deprecations("/api/v1/graphql", [Deprecation("User.name", deprecated_on=dt.date(2025, 1, 1))])
    store.register_deprecations("/api/v2/graphql", [Deprecation("User.name", deprecated_on=dt.date(2025, 5, 1))])
    assert [s.record.deprecated_on for s in store.deprecations()] == [dt.date(2025, 1, 1), dt.date(2025, 5, 1)]
    assert [s.endpoint for s in store.deprecations("/api/v2/graphql")] == ["/api/v2/graphql"]
    assert store.endpoints() == ["/api/v1/graphql", "/api/v2/graphql"]
