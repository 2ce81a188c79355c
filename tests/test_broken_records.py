"""Issue 11, row 5: records written before dates were checked are read, reported and mended; none is written again.

A store may hold a sunset of 9999-12-31 or 0001-01-02 (or a deprecation dated 9999-12-31): written by an earlier
gqlevolve, before dates had to lie from 1970-01-01 to 9000-12-31. The tests write such rows with SQL, on both
backends, then check that every report (the library, ``gqlevolve deprecation-report|sunset-warnings|advise``,
the admin API's ``/deprecations``, ``/eligibility``, ``/sunset-warnings``) shows them without an error, and that
``extend``, ``rollback``, ``set --sunset`` and ``delete`` mend them (the command line and the admin API), saying
so when they did it another way than usual. And that nothing writes such a date again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import strawberry
from click.testing import CliRunner
from starlette.testclient import TestClient

from gqlevolve import UsageStore, versioned_app
from gqlevolve.advisor import advise
from gqlevolve.cli import main
from gqlevolve.clock import FixedClock, utc_today
from gqlevolve.errors import Conflict, InvalidInput
from gqlevolve.lifecycle import Deprecation, Status
from gqlevolve.procedures import delete_deprecation, extend_sunset, rollback, set_deprecation
from gqlevolve.reports import deprecation_report, sunset_warnings
from tests.advisor_helpers.history import ENDPOINT, deprecate

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TODAY = dt.date(2026, 11, 21)

#: The rows of the issue: a sunset far in the future, a sunset in year 1, a deprecation in year 9999.
LATE_SUNSET = dt.date(9999, 12, 31)
EARLY_SUNSET = dt.date(1, 1, 2)
LATE_DEPRECATION = dt.date(9999, 12, 31)


@strawberry.type
class User:
    name: str
    full_name: str
    role: str


@strawberry.type
class Query:
    @strawberry.field
    def user(self) -> User | None:
        return None


@strawberry.type
class Mutation:
    @strawberry.mutation
    def upload(self, file: str) -> bool:
        return True


SCHEMA = strawberry.Schema(Query, Mutation)


def write_broken_records(store: UsageStore) -> None:
    """User.name: sunset 9999-12-31; Mutation.upload: sunset 0001-01-02; User.role: deprecated on 9999-12-31."""
    for coordinate in ("User.name", "Mutation.upload", "User.role"):
        deprecate(store, coordinate)  # deprecated on 2025-01-01, through the checks
    rows = [
        ("User.name", "sunset_on", LATE_SUNSET),
        ("Mutation.upload", "sunset_on", EARLY_SUNSET),
        ("User.role", "deprecated_on", LATE_DEPRECATION),
    ]
    with store.engine.begin() as connection:  # as an earlier gqlevolve could write them
        for coordinate, column, day in rows:
            connection.execute(
                sa.text(f"UPDATE deprecations SET {column} = :day WHERE coordinate = :coordinate"),
                {"day": day, "coordinate": coordinate},
            )


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        write_broken_records(store)
        yield store


@pytest.fixture
def db(store_url: str) -> str:
    """The same rows, for the command line (its clock is the real one)."""
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        write_broken_records(store)
    return store_url


@pytest.fixture
def client(store: UsageStore) -> TestClient:
    return TestClient(versioned_app({"v1": SCHEMA}, store=store, admin_token=TOKEN))


def records(store: UsageStore) -> dict[str, Deprecation]:
    return {stored.record.coordinate: stored.record for stored in store.deprecations(ENDPOINT)}


# --- read ------------------------------------------------------------------------------------------


def test_the_store_reads_the_records_as_they_are(store):
    read = records(store)
    assert read["User.name"].sunset_on == LATE_SUNSET
    assert read["Mutation.upload"].sunset_on == EARLY_SUNSET
    assert read["User.role"].deprecated_on == LATE_DEPRECATION
    assert read["User.name"].status_on(TODAY) is Status.DEPRECATED
    assert read["Mutation.upload"].status_on(TODAY) is Status.REMOVED
    assert read["Mutation.upload"].sunset_warning_starts == dt.date.min  # 30 days before 0001-01-02: the first date
    assert read["User.role"].status_on(TODAY) is Status.ACTIVE


def test_the_library_reports_show_them(store):
    rows = {row.coordinate: row for row in deprecation_report(store)}
    assert rows["User.name"].sunset_on == LATE_SUNSET and rows["User.name"].status is Status.DEPRECATED
    assert rows["Mutation.upload"].sunset_on == EARLY_SUNSET and rows["Mutation.upload"].status is Status.REMOVED
    assert rows["User.role"].status is Status.ACTIVE
    assert sunset_warnings(store) == []  # neither is in, or about to enter, sunset_warning
    verdicts = {verdict.coordinate: verdict for verdict in advise(store, None)}
    assert set(verdicts) == {"User.name", "Mutation.upload", "User.role"}
    assert not verdicts["User.role"].removable and verdicts["User.role"].earliest_removal is None
    assert any("9999-12-31" in reason for reason in verdicts["User.role"].reasons)


def test_a_sunset_of_year_one_is_within_the_sunset_warnings_horizon_without_overflow(store_url):
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        deprecate(store, "User.name")
        with store.engine.begin() as connection:
            connection.execute(sa.text("UPDATE deprecations SET status_override = 'sunset_warning', sunset_on = :day"),
                               {"day": EARLY_SUNSET})
        [warning] = sunset_warnings(store)
        assert warning.sunset_on == EARLY_SUNSET and warning.warning_starts == dt.date.min
        assert warning.status is Status.SUNSET_WARNING


@pytest.mark.parametrize("path", ["/api/admin/deprecations", "/api/admin/eligibility", "/api/admin/sunset-warnings"])
def test_the_admin_api_reports_show_them(client, path):
    response = client.get(path, headers=AUTH)
    assert response.status_code == 200, response.text
    if path != "/api/admin/sunset-warnings":
        shown = {row["coordinate"]: row for row in response.json()}
        assert shown["User.name"]["sunset_on"] == "9999-12-31"
        assert shown["Mutation.upload"]["sunset_on"] == "0001-01-02"
        assert shown["User.role"]["deprecated_on"] == "9999-12-31"


def cli(db: str, *args: str):
    return CliRunner().invoke(main, [*args, "--db", db], env={"COLUMNS": "250"}, catch_exceptions=False)


@pytest.fixture
def no_project(tmp_path, monkeypatch):
    """No pyproject.toml naming schemas: the commands check the coordinate's syntax only."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("no_project")
@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["deprecation-report"], 0),
        (["deprecation-report", "--json"], 0),
        (["sunset-warnings"], 0),
        (["advise"], 1),  # nothing removable: a negative answer, not an error
        (["advise", "--json"], 1),
    ],
)
def test_the_commands_show_them(db, args, exit_code):
    result = cli(db, *args)
    assert result.exit_code == exit_code, result.output
    assert "Error" not in result.output and "Overflow" not in result.output
    if args[0] != "sunset-warnings":
        assert "9999-12-31" in result.output
    if args[0] == "deprecation-report":
        assert "0001-01-02" in result.output


# --- mend ------------------------------------------------------------------------------------------


def test_rollback_of_a_sunset_in_year_9999_gives_today_plus_30_days_and_says_so(store):
    result = rollback(store, None, "User.name", actor="alice", why="critical client")
    assert result.after.sunset_on == TODAY + dt.timedelta(days=30)
    assert result.after.status_override is Status.SUNSET_WARNING and result.status is Status.SUNSET_WARNING
    assert result.note is not None and "9999-12-31" in result.note and "today + 30 days" in result.note
    assert records(store)["User.name"].sunset_on == TODAY + dt.timedelta(days=30)


def test_rollback_of_a_sunset_in_year_one_gives_today_plus_30_days_and_says_so(store):
    result = rollback(store, None, "Mutation.upload", actor="alice", why="critical client")
    assert result.after.sunset_on == TODAY + dt.timedelta(days=30)
    assert result.note is not None and "0001-01-02" in result.note


def test_rollback_of_a_sunset_that_30_days_would_take_past_9000_12_31(store):
    store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": dt.date(9000, 12, 20)}, actor="t", why="t")
    result = rollback(store, None, "User.name", actor="alice", why="critical client")
    assert result.after.sunset_on == TODAY + dt.timedelta(days=30)
    assert result.note is not None and "past 9000-12-31" in result.note


def test_extend_of_a_sunset_in_year_one_counts_from_today_and_says_so(store):
    result = extend_sunset(store, None, "Mutation.upload", 14, actor="alice", why="partner X")
    assert result.after.sunset_on == TODAY + dt.timedelta(days=14)
    assert result.note is not None and "0001-01-02" in result.note and "count from today" in result.note


def test_extend_past_9000_12_31_is_a_conflict_that_says_what_to_do(store):
    before = store.audit_log()
    with pytest.raises(Conflict, match=r"9999-12-31, cannot move 30 days later: .*set one instead"):
        extend_sunset(store, None, "User.name", 30, actor="alice", why="partner X")
    store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": dt.date(9000, 12, 1)}, actor="t", why="t")
    with pytest.raises(Conflict, match="cannot move 31 days later"):
        extend_sunset(store, None, "User.name", 31, actor="alice", why="partner X")
    assert extend_sunset(store, None, "User.name", 30, actor="a", why="w").after.sunset_on == dt.date(9000, 12, 31)
    assert len(store.audit_log()) == len(before) + 2  # the two that worked


def test_set_and_delete_mend_them(store):
    fixed = set_deprecation(store, None, "User.name", sunset_on=dt.date(2027, 6, 30), actor="alice", why="typo")
    assert fixed.after.sunset_on == dt.date(2027, 6, 30) and fixed.note is None
    # Another field of a record whose date is broken can change: only what changes is checked.
    other = set_deprecation(store, None, "Mutation.upload", replacement="Mutation.uploadV2", actor="alice", why="doc")
    assert other.after.sunset_on == EARLY_SUNSET and other.after.replacement == "Mutation.uploadV2"
    dated = set_deprecation(store, None, "User.role", deprecated_on=dt.date(2026, 1, 1), actor="alice", why="typo")
    assert dated.after.deprecated_on == dt.date(2026, 1, 1)
    deleted = delete_deprecation(store, None, "Mutation.upload", actor="alice", why="written by mistake")
    assert deleted.deleted.sunset_on == EARLY_SUNSET
    entries = [(e.field, e.old_value) for e in store.audit_log(ENDPOINT, "Mutation.upload") if e.why == "written by mistake"]
    assert ("sunset_on", "0001-01-02") in entries


def test_the_admin_api_mends_them(client, store):
    rolled = client.post("/api/admin/deprecations/User.name/rollback", json={"reason": "critical"}, headers=AUTH)
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["after"]["sunset_on"] == (TODAY + dt.timedelta(days=30)).isoformat()
    assert "9999-12-31" in rolled.json()["note"]

    extended = client.post("/api/admin/deprecations/Mutation.upload/extend", json={"days": 7, "reason": "x"}, headers=AUTH)
    assert extended.status_code == 200, extended.text
    assert extended.json()["after"]["sunset_on"] == (TODAY + dt.timedelta(days=7)).isoformat()
    assert "0001-01-02" in extended.json()["note"]

    set_ = client.post("/api/admin/deprecations/User.role/set", json={"deprecated_on": "2026-01-01", "reason": "x"}, headers=AUTH)
    assert set_.status_code == 200, set_.text
    assert set_.json()["note"] is None

    assert all(  # every record mended
        dt.date(1970, 1, 1) <= day <= dt.date(9000, 12, 31)
        for record in records(store).values() for day in (record.deprecated_on, record.sunset_on) if day
    )


def test_the_admin_api_refuses_to_extend_past_9000_12_31_with_409(client, store):
    before = store.audit_log()
    response = client.post("/api/admin/deprecations/User.name/extend", json={"days": 30, "reason": "x"}, headers=AUTH)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "9999-12-31" in response.json()["detail"] and "sunset_on" in response.json()["detail"]
    assert store.audit_log() == before


@pytest.mark.usefixtures("no_project")
def test_the_commands_mend_them(db):
    today = utc_today()
    rolled = cli(db, "deprecation", "rollback", "User.name", "--reason", "critical", "--json")
    assert rolled.exit_code == 0, rolled.output
    assert json.loads(rolled.stdout)["after"]["sunset_on"] == (today + dt.timedelta(days=30)).isoformat()
    assert "9999-12-31" in json.loads(rolled.stdout)["note"]

    extended = cli(db, "deprecation", "extend", "Mutation.upload", "--days", "10", "--reason", "partner")
    assert extended.exit_code == 0, extended.output
    assert "Note: the stored sunset 0001-01-02" in extended.output
    assert (today + dt.timedelta(days=10)).isoformat() in extended.output

    set_ = cli(db, "deprecation", "set", "User.role", "--endpoint", "v1", "--deprecated-on", "2026-01-01", "--reason", "x")
    assert set_.exit_code == 0, set_.output

    report = cli(db, "deprecation-report", "--json")
    assert report.exit_code == 0, report.output
    assert "9999-12-31" not in report.output and "0001-01-02" not in report.output


@pytest.mark.usefixtures("no_project")
def test_delete_with_the_command_line(db):
    result = cli(db, "deprecation", "delete", "User.name", "--endpoint", "v1", "--reason", "written by mistake")
    assert result.exit_code == 0, result.output
    assert "9999-12-31" in result.output


@pytest.mark.usefixtures("no_project")
def test_extend_past_9000_12_31_on_the_command_line_is_one_line_and_exit_2(db):
    result = cli(db, "deprecation", "extend", "User.name", "--days", "30", "--reason", "partner")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: the sunset of User.name on /api/v1/graphql, 9999-12-31, cannot move")
    assert "Traceback" not in result.output and "Overflow" not in result.output


# --- never written again ---------------------------------------------------------------------------


@pytest.mark.usefixtures("no_project")
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-02", "9001-01-01", "1969-12-31"])
@pytest.mark.parametrize("option", ["--sunset", "--deprecated-on"])
def test_the_command_line_refuses_such_a_date(db, day, option):
    result = cli(db, "deprecation", "set", "User.name", "--endpoint", "v1", option, day, "--reason", "x")
    assert result.exit_code == 2, result.output
    assert f'"{day}" is not a date from 1970-01-01 to 9000-12-31' in result.output


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-02"])
@pytest.mark.parametrize("field", ["sunset_on", "deprecated_on"])
def test_the_admin_api_refuses_such_a_date(client, store, day, field):
    before = store.audit_log()
    response = client.post("/api/admin/deprecations/User.name/set", json={field: day, "reason": "x"}, headers=AUTH)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert "is not a date from 1970-01-01 to 9000-12-31" in response.json()["detail"]
    assert store.audit_log() == before


@pytest.mark.parametrize("day", [LATE_SUNSET, EARLY_SUNSET])
def test_the_library_refuses_such_a_date(store, day):
    with pytest.raises(InvalidInput, match="is not a date from 1970-01-01 to 9000-12-31"):
        set_deprecation(store, None, "User.name", sunset_on=day, actor="alice", why="x")
    with pytest.raises(InvalidInput, match="is not a date from 1970-01-01 to 9000-12-31"):
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": day}, actor="alice", why="x")
    with pytest.raises(InvalidInput, match="is not a date from 1970-01-01 to 9000-12-31"):
        Deprecation("User.name", sunset_on=day)


@pytest.mark.parametrize("as_of", [dt.date(1, 1, 2), dt.date(1969, 12, 31)])
def test_an_as_of_before_1970_is_refused_not_an_overflow(store, as_of):
    for report in (deprecation_report, sunset_warnings, lambda store, **kw: advise(store, None, **kw)):
        with pytest.raises(InvalidInput, match=rf"as_of {as_of.isoformat()} is before 1970-01-01"):
            report(store, as_of=as_of)
