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
    with pytest.raises(LookupError, match='no deprecation record for "Query.old" on endpoint'):
        store.update_deprecation(ENDPOINT, "Query.old", {"reason": "gone"}, actor="alice")
    record = store.update_deprecation(ENDPOINT, "Query.old", {"reason": "gone"}, actor="alice", why="found", create=True)
    assert record == Deprecation("Query.old", reason="gone")
    assert [(e.field, e.new_value) for e in store.audit_log(coordinate="Query.old")] == [("reason", "gone")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coordinate": "X.y"}, "cannot change coordinate"),
        ({"sunset_on": "next year"}, 'sunset_on: "next year" is not a date'),
        ({"status_override": "retired"}, 'status_override: "retired" is not one of'),
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


PHANTOM = "/api/v7/graphql"


def test_delete_removes_the_record_and_the_audit_log_says_what_it_was(store):
    store.update_deprecation(
        PHANTOM, "Nope.x", {"deprecated_on": dt.date(2026, 1, 1), "sunset_on": dt.date(2027, 1, 1), "reason": "typo"},
        actor="bob", why="by mistake", create=True,
    )
    deleted = store.delete_deprecation(PHANTOM, "Nope.x", actor="alice", why="created by a typo")
    assert deleted == Deprecation("Nope.x", reason="typo", deprecated_on=dt.date(2026, 1, 1), sunset_on=dt.date(2027, 1, 1))
    assert store.deprecations(PHANTOM) == []
    entries = store.audit_log(PHANTOM, "Nope.x")
    assert [(e.field, e.old_value, e.new_value, e.actor, e.why) for e in entries[3:]] == [
        ("record", "exists", "deleted", "alice", "created by a typo"),
        ("reason", "typo", None, "alice", "created by a typo"),
        ("deprecated_on", "2026-01-01", None, "alice", "created by a typo"),
        ("sunset_on", "2027-01-01", None, "alice", "created by a typo"),
    ]
    assert {e.at.date() for e in entries[3:]} == {TODAY}


def test_delete_of_an_absent_record_or_without_who_and_why_changes_nothing(store):
    store.update_deprecation(ENDPOINT, "User.name", {"reason": "r"}, actor="bob", why="w", create=True)
    before = (store.deprecations(), store.audit_log())
    with pytest.raises(LookupError, match=r"no deprecation record for .User\.nope."):
        store.delete_deprecation(ENDPOINT, "User.nope", actor="alice", why="x")
    with pytest.raises(ValueError, match="why: a reason is required"):
        store.delete_deprecation(ENDPOINT, "User.name", actor="alice", why=" ")
    with pytest.raises(ValueError, match="actor: expected who makes the change"):
        store.delete_deprecation(ENDPOINT, "User.name", actor="", why="x")
    assert (store.deprecations(), store.audit_log()) == before


def test_an_endpoint_named_only_by_a_deleted_record_is_no_longer_listed(store):
    store.record_operation(ENDPOINT, ["User.name"], when=TODAY)
    store.update_deprecation(PHANTOM, "Nope.x", {"reason": "r"}, actor="bob", why="typo", create=True)
    assert store.endpoints() == [ENDPOINT, PHANTOM]
    store.delete_deprecation(PHANTOM, "Nope.x", actor="alice", why="typo")
    assert store.endpoints() == [ENDPOINT]
    assert {e.endpoint for e in store.audit_log()} == {PHANTOM}  # the audit log keeps it


@pytest.mark.parametrize("referenced_by", ["traffic", "watch", "another record"])
def test_an_endpoint_that_something_else_names_stays_listed_after_a_delete(store, referenced_by):
    store.update_deprecation(PHANTOM, "Nope.x", {"reason": "r"}, actor="bob", why="typo", create=True)
    if referenced_by == "traffic":
        store.record_operation(PHANTOM, [], when=TODAY)
    elif referenced_by == "watch":
        store.watch(PHANTOM)
        store.flush()  # today's total, 0 without traffic
    else:
        store.update_deprecation(PHANTOM, "User.name", {"reason": "r"}, actor="bob", why="real", create=True)
    store.delete_deprecation(PHANTOM, "Nope.x", actor="alice", why="typo")
    assert store.endpoints() == [PHANTOM]


def test_a_bad_migration_guide_is_refused_and_one_stored_before_the_check_is_never_served(store, caplog):
    import logging

    import sqlalchemy as sa

    from gqlevolve.usage_store.tables import deprecations

    store.register_deprecations(ENDPOINT, [Deprecation("User.name", migration_guide="https://docs.example/full-name")])
    with pytest.raises(ValueError, match='migration_guide: "not a url" is not a migration guide'):
        store.update_deprecation(ENDPOINT, "User.name", {"migration_guide": "not a url"}, actor="alice", why="x")
    # A row written before guides were checked: read without its guide (and logged), so no Link: <not a url>.
    with store.engine.begin() as connection:
        connection.execute(sa.update(deprecations).values(migration_guide="not a url"))
    caplog.set_level(logging.WARNING, logger="gqlevolve.usage_store")
    [stored] = store.deprecations(ENDPOINT)
    assert stored.record.migration_guide is None
    assert any("not a url" in record.getMessage() for record in caplog.records)
