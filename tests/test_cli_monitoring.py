"""The monitoring commands (``gqlevolve advise|deprecation-report|...``) through click, on a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.cli import main
from tests.advisor_helpers.history import AS_OF, days_before, deprecate, seed

WINDOW = days_before(AS_OF, 90)


@pytest.fixture
def db(sqlite_url: str) -> str:
    """A store where User.name is removable on AS_OF and Query.oldUsers is not (32 of 1,032 operations on one day)."""
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name", replacement="User.fullName")
        deprecate(store, "Query.oldUsers", sunset_on=AS_OF + dt.timedelta(days=10))
        seed(store, WINDOW, lambda day: 0, total=1_000)
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
    assert run("migration-report", "--as-of", AS_OF.isoformat(), db=db).exit_code == 0
