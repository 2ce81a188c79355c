"""Enforcement in the store, the procedures, the declarations and the command line (real SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gqlevolve.cli import main
from gqlevolve.errors import Conflict, InvalidInput, NotFound
from gqlevolve.lifecycle import Deprecation
from gqlevolve.monitor.declared import DeclarationError, load_declarations
from gqlevolve.procedures import (
    add_brownout,
    list_brownouts,
    remove_brownout,
    set_deprecation,
    set_version_enforcement,
)
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.revisions import upgrade
from gqlevolve.usage_store.spill import SpillRecord
from tests.enforcement_helpers import TUESDAY_1405, MomentClock

V1 = "/api/v1/graphql"


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    store = UsageStore(store_url, handle_shutdown=False, clock=MomentClock(TUESDAY_1405), flush_interval=60,
                       migrate=True)
    store.register_deprecations(V1, [Deprecation("User.name", deprecated_on=dt.date(2026, 6, 1),
                                                 sunset_on=dt.date(2026, 12, 15))])
    yield store
    store.close()


def test_refused_and_previewed_operations_are_counted_apart_and_flushed_like_the_rest(store: UsageStore) -> None:
    store.record_buffered(V1, frozenset({"Role.GUEST"}), client_name="ios", count=2,
                          enforced=frozenset({("User.name", "brownout")}))
    store.record_buffered(V1, frozenset(), client_name="tests", enforced=frozenset({("User.name", "preview")}))
    store.record_buffered(V1, frozenset(), client_name="x", enforced=frozenset({("User.name", "vanished")}))
    store.record_buffered(V1, frozenset(), client_name="x", enforced=frozenset({("not a coordinate!", "preview")}))
    assert store.flush() == 3
    assert store.stats().rejected == 2  # a kind that is not one, a coordinate that is not one: logged, refused
    rows = {(row.coordinate, row.kind, row.name, row.operations) for row in store.enforcement_counts(V1)}
    assert rows == {("User.name", "brownout", "ios", 2), ("User.name", "preview", "tests", 1)}
    assert [(day.operations, day.total) for day in store.daily_usage(V1, "User.name")] == [(0, 3)]  # never usage
    assert [row.operations for row in store.daily_usage(V1, "Role.GUEST")] == [2]


def test_a_spilled_batch_keeps_its_enforcement_counts() -> None:
    batch = Batch()
    total = (V1, dt.date(2026, 11, 24), "ios", "")
    batch.add(total, None, frozenset(), 3, frozenset({("User.name", "no_new_adopters")}))
    again = SpillRecord.from_line(SpillRecord.new(batch).to_line()).batch
    assert again.enforcement == {(*total, "User.name", "no_new_adopters"): 3} and again.totals == {total: 3}
    old = json.loads(SpillRecord.new(batch).to_line())
    del old["enforcement"]  # a line spilled before revision 0003
    assert SpillRecord.from_line(json.dumps(old).encode()).batch.enforcement == {}


def test_settings_are_audited_and_a_registration_does_not_report_settings_that_are_off(store: UsageStore) -> None:
    assert {entry.field for entry in store.audit_log(V1, "User.name")} == {"deprecated_on", "sunset_on"}
    result = set_deprecation(store, "v1", "User.name", refuse_new_adopters=True, actor="alice", why="last month")
    assert result.changed == ["refuse_new_adopters"] and result.after.refuse_new_adopters
    entry = store.audit_log(V1, "User.name")[-1]
    assert (entry.field, entry.old_value, entry.new_value, entry.why) == ("refuse_new_adopters", "false", "true",
                                                                          "last month")
    # A start-up that declares the setting off does not turn the platform team's setting off.
    [again] = store.register_deprecations(V1, [Deprecation("User.name")])
    assert again.refuse_new_adopters
    with pytest.raises(InvalidInput, match="true or false"):
        set_deprecation(store, "v1", "User.name", refuse_new_adopters="yes", actor="a", why="b")  # type: ignore[arg-type]


def test_brownout_windows_added_listed_and_removed_through_the_procedures(store: UsageStore) -> None:
    added = add_brownout(store, "v1", "User.name", "every Tuesday 14:00-14:15 from D-30", actor="alice", why="drill")
    assert added.after == ("every tuesday 14:00-14:15 UTC from D-30",) and added.before == ()
    with pytest.raises(Conflict, match="has the brownout window"):
        add_brownout(store, "v1", "User.name", "every tuesday 14:00-14:15 UTC from d-30", actor="alice", why="again")
    add_brownout(store, "v1", None, "2026-12-01T00:00Z/2026-12-01T01:00Z", actor="bob", why="v1 drill",
                 whole_version=True)
    listed = list_brownouts(store, "v1")
    assert [(entry.coordinate, entry.window, entry.whole_version) for entry in listed] == [
        ("User.name", "every tuesday 14:00-14:15 UTC from D-30", False),
        (V1, "2026-12-01T00:00Z/2026-12-01T01:00Z", True),
    ]
    assert listed[0].next is not None and listed[0].next.start == TUESDAY_1405.replace(minute=0)
    with pytest.raises(NotFound, match="has no brownout window"):
        remove_brownout(store, "v1", "User.name", "every day 01:00-02:00", actor="alice", why="oops")
    removed = remove_brownout(store, "v1", "User.name", "every tuesday 14:00-14:15 utc from D-30", actor="alice",
                              why="over")
    assert removed.after == ()
    assert [(e.field, e.old_value, e.new_value) for e in store.audit_log(V1, "User.name")][-2:] == [
        ("brownouts", None, "every tuesday 14:00-14:15 UTC from D-30"),
        ("brownouts", "every tuesday 14:00-14:15 UTC from D-30", None),
    ]
    [version_entry] = store.audit_log(V1, V1)
    assert (version_entry.actor, version_entry.why) == ("bob", "v1 drill")
    with pytest.raises(InvalidInput, match="reason"):
        add_brownout(store, "v1", "User.name", "every day 01:00-02:00", actor="alice", why=" ")
    with pytest.raises(InvalidInput, match="not a version's endpoint"):
        add_brownout(store, "/graphql", None, "every day 01:00-02:00", actor="a", why="b", whole_version=True)
    with pytest.raises(NotFound):
        add_brownout(store, "v1", "User.email", "every day 01:00-02:00", actor="a", why="b")


def test_a_versions_rule_is_audited_under_its_path(store: UsageStore) -> None:
    assert set_version_enforcement(store, "v1", refuse_new_adopters=True, actor="alice", why="v2 is out") is True
    assert store.version_enforcement(V1)[0].refuse_new_adopters
    [entry] = store.audit_log(V1, V1)
    assert (entry.field, entry.old_value, entry.new_value) == ("refuse_new_adopters", "false", "true")


def test_declared_records_carry_the_settings_and_refuse_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "deprecations.toml"
    path.write_text('[[deprecation]]\ncoordinate = "User.name"\nsunset_on = 2026-12-15\nrefuse_new_adopters = true\n'
                    'brownouts = ["Every Tuesday 14:00-14:15 UTC from D-30"]\n')
    record = load_declarations(path)["User.name"]
    assert record.refuse_new_adopters and record.brownouts == ("every tuesday 14:00-14:15 UTC from D-30",)
    for bad, message in [
        ("refuse_new_adopters = 1", "refuse_new_adopters must be true or false"),
        ('brownouts = "every day 01:00-02:00"', "brownouts must be an array of strings"),
        ('brownouts = ["every day 02:00-01:00"]', "deprecation #1: brownout"),
    ]:
        path.write_text(f'[[deprecation]]\ncoordinate = "User.name"\n{bad}\n')
        with pytest.raises(DeclarationError, match=message):
            load_declarations(path)


def test_the_command_line(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside the project: its pyproject's schemas are not these
    with UsageStore(store_url, handle_shutdown=False, migrate=True) as store:
        store.register_deprecations(V1, [Deprecation("User.name", deprecated_on=dt.date(2026, 6, 1))])
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, [*args, "--db", store_url], catch_exceptions=False)
        return result.exit_code, result.output

    code, out = run("deprecation", "set", "User.name", "--endpoint", "v1", "--refuse-new-adopters",
                    "--reason", "last month", "--actor", "alice")
    assert code == 0 and "refuse_new_adopters" in out
    code, out = run("deprecation", "brownout", "add", "User.name", "--endpoint", "v1", "--window",
                    "every tuesday 14:00-14:15 from D-30", "--reason", "drill", "--json")
    assert code == 0 and json.loads(out)["after"] == ["every tuesday 14:00-14:15 UTC from D-30"]
    code, out = run("deprecation", "brownout", "add", "User.name", "--endpoint", "v1", "--window", "soon",
                    "--reason", "drill")
    assert code == 2 and 'Error: brownout "soon" is not a brownout window' in out
    code, out = run("deprecation", "brownout", "list")
    assert code == 0 and "every tuesday 14:00-14:15 UTC from D-30" in out
    code, out = run("deprecation", "version", "--endpoint", "v1", "--refuse-new-adopters", "--reason", "v2 out")
    assert code == 0 and "new adopters refused" in out
    code, out = run("deprecation", "brownout", "remove", "User.name", "--endpoint", "v1", "--window", "all",
                    "--reason", "done")
    assert code == 0 and "No brownout windows" in out


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    from gqlevolve.usage_store.revisions import alembic_config, head_revision

    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = sa.create_engine(url)
    upgrade(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_notices")
    assert "enforcement_counts" not in sa.inspect(engine).get_table_names()
    assert upgrade(engine) == ("0002_notices", head_revision())  # up again, through any later revision
    assert {"refuse_new_adopters", "brownouts"} <= {c["name"] for c in sa.inspect(engine).get_columns("deprecations")}
    engine.dispose()
