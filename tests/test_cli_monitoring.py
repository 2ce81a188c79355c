"""The monitoring commands (``gqlevolve advise|deprecation-report|...``) through click, on a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.clock import utc_today
from gqlevolve.cli import main
from tests.advisor_helpers.history import AS_OF, ENDPOINT, days_before, days_through, deprecate, seed

WINDOW = days_before(AS_OF, 90)  # the advisor's: the complete days before AS_OF
HISTORY = days_through(AS_OF, 91)  # WINDOW and AS_OF itself, the last day of the reports' windows


@pytest.fixture
def db(sqlite_url: str) -> str:
    """A store where User.name is removable on AS_OF and Query.oldUsers is not (32 of 1,032 operations on one day).

    Traffic goes on on AS_OF itself: the advisor does not count it, the reports do."""
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name", replacement="User.fullName")
        deprecate(store, "Query.oldUsers", sunset_on=AS_OF + dt.timedelta(days=10))
        seed(store, HISTORY, lambda day: 0, total=1_000)
        seed(store, [WINDOW[-5]], lambda day: 32, total=32, coordinates=["Query.oldUsers"], client="ios", version="3.0")
    return sqlite_url


def run(*args: str, db: str | None = None):
    env = {"COLUMNS": "250", **({"GQLEVOLVE_DB": db} if db else {})}  # rich wraps tables to the terminal width
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_advise_json_lists_verdicts_with_the_issue_field_names(db):
    result = run("advise", "--as-of", AS_OF.isoformat(), "--json", db=db)

    assert result.exit_code == 1, result.output  # one of them is not removable
    verdicts = {verdict["coordinate"]: verdict for verdict in json.loads(result.stdout)}
    assert set(verdicts) == {"Query.oldUsers", "User.name"}
    name, old = verdicts["User.name"], verdicts["Query.oldUsers"]
    for field in ("coordinate", "removable", "reasons", "max_daily_share", "days_covered", "earliest_removal", "clients"):
        assert field in name
    assert name["removable"] is True and name["earliest_removal"] == AS_OF.isoformat()
    assert old["removable"] is False
    assert old["earliest_removal"] == (WINDOW[-5] + dt.timedelta(days=91)).isoformat()
    assert old["clients"] == [{"name": "ios", "version": "3.0", "operations": 32, "last_seen": WINDOW[-5].isoformat()}]
    assert any(reason == f"usage was 3.10% on {WINDOW[-5]}, above 1%" for reason in old["reasons"])


def test_advise_exit_code_0_when_all_asked_for_are_removable(db):
    result = run("advise", "--endpoint", "v1", "--coordinate", "User.name", "--as-of", AS_OF.isoformat(), db=db)
    assert result.exit_code == 0, result.output
    assert "User.name" in result.stdout and "yes" in result.stdout


def test_advise_policy_options_change_the_verdict(db):
    loose = run(
        "advise", "--coordinate", "Query.oldUsers", "--as-of", AS_OF.isoformat(), "--threshold", "5%", "--json", db=db
    )
    assert loose.exit_code == 0, loose.output
    excluded = run(
        "advise", "--coordinate", "Query.oldUsers", "--as-of", AS_OF.isoformat(), "--exclude-client", "ios", db=db
    )
    assert excluded.exit_code == 0, excluded.output
    short = run("advise", "--coordinate", "User.name", "--as-of", AS_OF.isoformat(), "--window-days", "120", db=db)
    assert short.exit_code == 1
    assert "have no usage data" in short.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["advise", "--as-of", "2025-13-01"], "--as-of: '2025-13-01' is not a date"),
        (["advise", "--as-of", "2999-01-01"], "is in the future"),
        (["advise", "--window-days", "-5"], "window_days must be a whole number"),
        (["advise", "--threshold", "lots"], "--threshold: 'lots' is not a share"),
        (["advise", "--endpoint", "v9"], "unknown endpoint 'v9'"),
        (["advise", "--coordinate", "User.nope"], "User.nope has no deprecation record"),
        (["usage-stats", "--days", "-1"], "days must be a whole number from 1"),
        (["migration-report", "--weeks", "0"], "weeks must be a whole number"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(db, args, message):
    result = run(*args, db=db)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_store_is_a_clear_error(tmp_path):
    result = run("deprecation-report", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.exit_code == 2
    assert "no usage store at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_deprecation_report_table_and_json(db):
    table = run("deprecation-report", "--as-of", AS_OF.isoformat(), db=db)
    assert table.exit_code == 0, table.output
    assert "User.fullName" in table.stdout and "Query.oldUsers" in table.stdout
    rows = json.loads(run("deprecation-report", "--as-of", AS_OF.isoformat(), "--json", db=db).stdout)
    assert {row["coordinate"]: row["status"] for row in rows} == {"Query.oldUsers": "sunset_warning", "User.name": "deprecated"}


def test_sunset_warnings_lists_what_is_in_sunset_warning(db):
    warnings = json.loads(run("sunset-warnings", "--as-of", AS_OF.isoformat(), "--json", db=db).stdout)
    assert [(w["coordinate"], w["days_until_sunset"], w["alert"]) for w in warnings] == [("Query.oldUsers", 10, False)]


def test_usage_stats_prints_daily_operations_and_shares(db):
    result = run("usage-stats", "--endpoint", "/api/v1/graphql", "--days", "7", "--coordinate", "Query.oldUsers",
                 "--as-of", AS_OF.isoformat(), "--json", db=db)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert (stats["first_day"], stats["last_day"]) == ((AS_OF - dt.timedelta(days=6)).isoformat(), AS_OF.isoformat())
    assert [day["day"] for day in stats["days"]] == [day.isoformat() for day in days_through(AS_OF, 7)]
    assert stats["days"][-1]["operations"] == 1_000
    day = next(day for day in stats["days"] if day["day"] == WINDOW[-5].isoformat())
    assert day["operations"] == 1_032
    assert day["coordinates"]["Query.oldUsers"] == {"operations": 32, "share": pytest.approx(32 / 1_032)}
    assert "Usage of /api/v1/graphql" in run("usage-stats", "--days", "7", "--as-of", AS_OF.isoformat(), db=db).stdout


def test_client_versions_and_migration_report(db):
    clients = json.loads(run("client-versions", "--days", "30", "--as-of", AS_OF.isoformat(), "--json", db=db).stdout)
    assert [(c["name"], c["version"], [d["coordinate"] for d in c["deprecated"]]) for c in clients] == [
        ("ios", "3.0", ["Query.oldUsers"]),
        ("web", "1.0", []),
    ]
    weeks = json.loads(run("migration-report", "--weeks", "2", "--as-of", AS_OF.isoformat(), "--json", db=db).stdout)
    assert {(w["coordinate"], tuple(w["remaining"])) for w in weeks} == {
        ("Query.oldUsers", ()), ("Query.oldUsers", ("ios",)), ("User.name", ()),
    }
    assert {(w["week_start"], w["week_end"]) for w in weeks} == {
        ((AS_OF - dt.timedelta(days=13)).isoformat(), (AS_OF - dt.timedelta(days=7)).isoformat()),
        ((AS_OF - dt.timedelta(days=6)).isoformat(), AS_OF.isoformat()),
    }
    assert run("migration-report", "--as-of", AS_OF.isoformat(), db=db).exit_code == 0


# The windows end with the day asked for: without --as-of, usage recorded today (UTC) shows up at once, and
# the days just outside a window do not.


@pytest.fixture
def today_db(sqlite_url: str) -> tuple[str, dt.date]:
    """A store with operations recorded now (today, UTC) by ios 2.1, 3 of them using deprecated User.name."""
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name")
        today = utc_today()
        store.record_operation(ENDPOINT, ["User.name"], client_name="ios", client_version="2.1", count=3)
        store.record_operation(ENDPOINT, [], client_name="ios", client_version="2.1", count=7)
    return sqlite_url, today


def test_client_versions_show_usage_recorded_today(today_db):
    db, today = today_db
    result = run("client-versions", "--endpoint", "v1", "--json", db=db)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{
        "endpoint": ENDPOINT, "name": "ios", "version": "2.1", "operations": 10, "last_seen": today.isoformat(),
        "deprecated": [{"coordinate": "User.name", "operations": 3, "last_seen": today.isoformat()}],
    }]
    table = run("client-versions", "--endpoint", "v1", db=db)
    assert table.exit_code == 0, table.output
    assert "ios" in table.stdout and "User.name (3)" in table.stdout


def test_usage_stats_show_usage_recorded_today(today_db):
    db, today = today_db
    result = run("usage-stats", "--endpoint", "v1", "--days", "7", "--json", db=db)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert (stats["first_day"], stats["last_day"]) == ((today - dt.timedelta(days=6)).isoformat(), today.isoformat())
    assert [(day["day"], day["operations"], day["deprecated_operations"]) for day in stats["days"]] == [
        (today.isoformat(), 10, 3),
    ]
    assert f"to {today}" in run("usage-stats", "--endpoint", "v1", "--days", "7", db=db).stdout


def test_client_versions_leave_out_the_day_before_the_window(db):
    # ios used Query.oldUsers on AS_OF - 5 only: a 5-day window ending with AS_OF starts the day after
    outside = json.loads(run("client-versions", "--days", "5", "--as-of", AS_OF.isoformat(), "--json", db=db).stdout)
    assert [(c["name"], c["operations"], c["last_seen"]) for c in outside] == [("web", 5_000, AS_OF.isoformat())]
    inside = json.loads(run("client-versions", "--days", "6", "--as-of", AS_OF.isoformat(), "--json", db=db).stdout)
    assert [(c["name"], c["last_seen"]) for c in inside] == [("ios", WINDOW[-5].isoformat()), ("web", AS_OF.isoformat())]


def test_usage_stats_leave_out_the_day_before_the_window(db):
    result = run("usage-stats", "--days", "5", "--as-of", AS_OF.isoformat(), "--json", db=db)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert [(day["day"], day["operations"]) for day in stats["days"]] == [(day.isoformat(), 1_000) for day in days_through(AS_OF, 5)]
    assert WINDOW[-5].isoformat() not in {day["day"] for day in stats["days"]}
