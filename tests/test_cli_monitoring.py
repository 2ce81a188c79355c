"""The monitoring commands (``gqlevolve advise|deprecation-report|...``) through click, on a real SQLite store."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from gqlevolve import UsageStore
from gqlevolve.cli import main
from gqlevolve.clock import utc_today
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


def header(table: str, *, last: bool = False) -> str:
    """The header of the first table printed (its lines between the title and the rule; ``last``: its last line,
    where every one-line column name is, in order)."""
    lines = table.splitlines()
    rule = next(index for index, line in enumerate(lines) if line.startswith("──"))
    return lines[rule - 1] if last else " ".join(lines[1:rule])


def one_error_line(result) -> bool:
    """An error as the issue wants it: exit 2, nothing on stdout, one line on stderr, no driver noise."""
    return (
        result.exit_code == 2
        and result.stdout == ""
        and result.stderr.startswith("Error: ")
        and result.stderr.count("\n") == 1
        and "Traceback" not in result.stderr
        and "Background on this error" not in result.stderr
    )


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
        (["advise", "--as-of", "2025-13-01"], "is not a date in the form YYYY-MM-DD"),
        (["advise", "--as-of", "2999-01-01"], "is in the future"),
        (["advise", "--window-days", "-5"], "--window-days must be a whole number from 1 to 3660, not -5"),
        (["advise", "--threshold", "lots"], '--threshold: "lots" is not a share'),
        (["advise", "--endpoint", "v9"], "unknown endpoint"),
        (["advise", "--coordinate", "User.nope"], "User.nope has no deprecation record"),
        (["usage-stats", "--days", "-1"], "days must be a whole number from 1"),
        (["migration-report", "--weeks", "0"], "weeks must be a whole number"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(db, args, message):
    result = run(*args, db=db)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert one_error_line(result)


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


# --- sunset-warnings' exit code: 1 when it shows the policy's alert, so that a cron job can act on it -------------


@pytest.fixture
def alert_db(db: str) -> str:
    """``db`` with UserFilter.legacyGroup 20 days before its sunset and 300 of 1,300 daily operations (23%)."""
    with UsageStore(db, handle_shutdown=False) as store:
        deprecate(store, "UserFilter.legacyGroup", sunset_on=AS_OF + dt.timedelta(days=20), replacement="UserFilter.role")
        seed(store, HISTORY[-5:], lambda day: 300, total=300, coordinates=["UserFilter.legacyGroup"], client="android", version="7.1.0")
    return db


def test_sunset_warnings_exit_0_without_an_alert(db):
    assert run("sunset-warnings", "--as-of", AS_OF.isoformat(), db=db).exit_code == 0
    assert run("sunset-warnings", "--as-of", AS_OF.isoformat(), "--json", db=db).exit_code == 0


def test_sunset_warnings_exit_1_with_an_alert(alert_db):
    table = run("sunset-warnings", "--as-of", AS_OF.isoformat(), db=alert_db)
    assert table.exit_code == 1, table.output
    assert "ALERT" in table.stdout
    assert "UserFilter.legacyGroup is removed in 20 days, on 2025-06-21; 17.6% of traffic" in table.stdout
    as_json = run("sunset-warnings", "--as-of", AS_OF.isoformat(), "--json", db=alert_db)
    assert as_json.exit_code == 1
    assert [w["coordinate"] for w in json.loads(as_json.stdout) if w["alert"]] == ["UserFilter.legacyGroup"]
    assert "Exit 1 when an ALERT is shown" in run("sunset-warnings", "--help").stdout


# --- a missing --endpoint: the only endpoint; else every endpoint (reports) or an error listing them ------------


@pytest.fixture
def two_endpoints(db: str) -> str:
    """``db`` (v1) and v2, where Query.legacy is deprecated and ``batch`` sends 10 operations on AS_OF."""
    with UsageStore(db, handle_shutdown=False) as store:
        deprecate(store, "Query.legacy", endpoint="/api/v2/graphql", sunset_on=AS_OF + dt.timedelta(days=3))
        seed(store, [AS_OF], lambda day: 0, total=10, client="batch", endpoint="/api/v2/graphql")
    return db


@pytest.mark.parametrize("command", ["deprecation-report", "sunset-warnings", "client-versions", "migration-report"])
def test_reports_cover_every_endpoint_without_endpoint(two_endpoints, command):
    result = run(command, "--as-of", AS_OF.isoformat(), "--json", db=two_endpoints)
    assert result.exit_code == 0, result.output
    assert {row["endpoint"] for row in json.loads(result.stdout)} == {"/api/v1/graphql", "/api/v2/graphql"}
    table = run(command, "--as-of", AS_OF.isoformat(), db=two_endpoints)
    assert header(table.stdout, last=True).split()[0] == "endpoint"  # the column is there: rows differ in it
    assert "every endpoint when it knows several" in " ".join(run(command, "--help").stdout.split())


@pytest.mark.parametrize("command", ["advise", "usage-stats"])
def test_single_endpoint_commands_list_the_endpoints_without_endpoint(two_endpoints, command):
    result = run(command, "--as-of", AS_OF.isoformat(), db=two_endpoints)
    assert one_error_line(result), result.output
    assert "--endpoint" in result.stderr
    assert "/api/v1/graphql" in result.stderr and "/api/v2/graphql" in result.stderr
    assert "required when it knows several" in " ".join(run(command, "--help").stdout.split())
    assert run(command, "--endpoint", "v2", "--as-of", AS_OF.isoformat(), db=two_endpoints).exit_code in (0, 1)


@pytest.mark.parametrize(
    ("command", "title"),
    [
        ("deprecation-report", "Deprecations on /api/v1/graphql"),
        ("sunset-warnings", "Sunset warnings on /api/v1/graphql"),
        ("client-versions", "Clients over the 30 days to 2025-06-01 on /api/v1/graphql"),
        ("migration-report", "Migration over the last 4 weeks on /api/v1/graphql"),
        ("advise", "Removal advice on /api/v1/graphql (1% over 90 days)"),
    ],
)
def test_one_endpoint_has_no_endpoint_column(two_endpoints, db, command, title):
    for store, args in ((db, ["--endpoint", "v1"]), (two_endpoints, ["--endpoint", "/api/v1/graphql"])):
        result = run(command, *args, "--as-of", AS_OF.isoformat(), db=store)
        assert result.stdout.splitlines()[0] == title, result.output
        assert "coordinate" in header(result.stdout) or "client" in header(result.stdout)
        assert "endpoint" not in header(result.stdout)
        assert "/api/v2/graphql" not in result.stdout


def test_a_store_without_endpoints(sqlite_url):
    UsageStore(sqlite_url, migrate=True, handle_shutdown=False).close()
    for command in ("deprecation-report", "sunset-warnings", "client-versions", "migration-report"):
        result = run(command, db=sqlite_url)
        assert (result.exit_code, result.stdout) == (
            0, "The usage store knows no endpoint yet (no traffic and no deprecation records).\n",
        ), command
    for command in ("advise", "usage-stats"):
        result = run(command, db=sqlite_url)
        assert one_error_line(result) and "knows no endpoint yet" in result.stderr, command


# --- an empty report is one sentence ------------------------------------------------------------------------------


@pytest.fixture
def quiet_db(sqlite_url: str) -> str:
    """Traffic on v1 in the 10 days before AS_OF, nothing deprecated."""
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        seed(store, days_before(AS_OF, 10), lambda day: 0, total=5)
    return sqlite_url


@pytest.mark.parametrize(
    ("args", "sentence", "exit_code"),
    [
        (["advise"], "No deprecated elements on /api/v1/graphql.", 1),
        (["deprecation-report"], "No deprecated elements on /api/v1/graphql.", 0),
        (["sunset-warnings"], "Nothing on /api/v1/graphql is in sunset_warning or enters it within 7 days.", 0),
        (["migration-report"], "No deprecated elements on /api/v1/graphql.", 0),
        (["client-versions", "--days", "1"], "No operations on /api/v1/graphql in the 1 days to 2025-06-01.", 0),
        (["usage-stats", "--days", "1"], "No operations on /api/v1/graphql from 2025-06-01 to 2025-06-01.", 0),
    ],
)
def test_an_empty_report_is_one_sentence(quiet_db, args, sentence, exit_code):
    result = run(*args, "--as-of", AS_OF.isoformat(), db=quiet_db)
    assert (result.exit_code, result.stdout, result.stderr) == (exit_code, sentence + "\n", "")


# --- errors: one line, exit 2 -------------------------------------------------------------------------------------

REPORTS = [
    ["advise"], ["deprecation-report"], ["sunset-warnings"], ["usage-stats"], ["client-versions"], ["migration-report"],
]


@pytest.mark.parametrize("args", REPORTS)
def test_an_unreachable_store_is_one_line(args):
    result = run(*args, "--db", "postgresql+psycopg://postgres:secret@127.0.0.1:1/x")
    assert one_error_line(result), result.output
    assert result.stderr == (
        "Error: cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused\n"
    )


@pytest.mark.parametrize("args", REPORTS)
def test_a_missing_store_file_is_one_line_and_never_created(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    missing = run(*args, "--db", "sqlite:///missing.db")
    assert one_error_line(missing), missing.output
    assert "no usage store at sqlite:///missing.db: the file missing.db does not exist" in missing.stderr
    assert "'gqlevolve db upgrade --db sqlite:///missing.db' creates a store" in missing.stderr
    no_folder = run(*args, "--db", "sqlite:///no/such/folder.db")
    assert one_error_line(no_folder), no_folder.output
    assert "no usage store at sqlite:///no/such/folder.db: the folder no/such does not exist" in no_folder.stderr
    assert list(tmp_path.iterdir()) == []


def test_errors_are_one_line_from_the_installed_command(tmp_path):
    """As a real process: no warning logged by the store, no traceback, on top of the one line."""
    for args, message in [
        (["deprecation-report", "--db", "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"],
         "Error: cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused"),
        (["sunset-warnings", "--db", f"sqlite:///{tmp_path / 'missing.db'}"], "the file"),
    ]:
        completed = subprocess.run([str(GQLEVOLVE), *args], capture_output=True, text=True, timeout=60, check=False)
        assert (completed.returncode, completed.stdout) == (2, ""), completed.stderr
        assert completed.stderr.count("\n") == 1 and completed.stderr.startswith("Error: ")
        assert message in completed.stderr
    assert not (tmp_path / "missing.db").exists()


# --- a real terminal of 80 and 120 columns: no value is cut -------------------------------------------------------

GQLEVOLVE = Path(sys.executable).with_name("gqlevolve")
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_in_terminal(args: list[str], columns: int, db: str) -> tuple[int, list[str]]:
    """``gqlevolve ARGS`` with a pseudo-terminal of ``columns`` columns on stdin, stdout and stderr."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm-256color", "GQLEVOLVE_DB": db}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [str(GQLEVOLVE), *args], stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    code = process.wait(timeout=60)
    text = _ESCAPES.sub("", output.decode()).replace("\r\n", "\n")
    return code, [line.rstrip() for line in text.splitlines()]


@pytest.fixture
def wide_db(alert_db: str) -> str:
    """``alert_db``, and a client with a long name and version that used Query.oldUsers."""
    with UsageStore(alert_db, handle_shutdown=False) as store:
        seed(store, [WINDOW[-5]], lambda day: 3, total=3, coordinates=["Query.oldUsers"],
             client="ios-enterprise-edition", version="3.0.12-beta")
    return alert_db


COORDINATES = ["Query.oldUsers", "User.name", "UserFilter.legacyGroup"]
CLIENTS = ["ios-enterprise-edition", "3.0.12-beta", "android", "7.1.0"]
OLD_USERS_DAY = WINDOW[-5].isoformat()
TERMINAL_CASES = [
    (["advise"], 1, [*COORDINATES, *CLIENTS, OLD_USERS_DAY, (WINDOW[-5] + dt.timedelta(days=91)).isoformat(), "90/90"]),
    (["deprecation-report"], 0, [*COORDINATES, *CLIENTS, "User.fullName", "UserFilter.role", "2025-01-01",
                                 "2025-06-11", "2025-06-21", "sunset_warning"]),
    (["sunset-warnings"], 1, ["Query.oldUsers", "UserFilter.legacyGroup", "2025-06-11", "2025-06-21", "17.57%", "ALERT",
                              *CLIENTS]),
    (["usage-stats", "--days", "7", "--coordinate", "UserFilter.legacyGroup"], 0,
     [day.isoformat() for day in days_through(AS_OF, 7)] + ["1300", "23.08%", "UserFilter.legacyGroup"]),
    (["usage-stats", "--days", "7"], 0, [day.isoformat() for day in days_through(AS_OF, 7)] + COORDINATES),
    (["client-versions"], 0, [*CLIENTS, "web", "30000", OLD_USERS_DAY, AS_OF.isoformat(), "Query.oldUsers (32)", "Query.oldUsers (3)",
                              "UserFilter.legacyGroup (1500)"]),
    (["migration-report", "--weeks", "2"], 0, [*COORDINATES, "ios-enterprise-edition", "2025-05-19..2025-05-25",
                                               "2025-05-26..2025-06-01"]),
]


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize(("args", "exit_code", "values"), TERMINAL_CASES, ids=[" ".join(case[0]) for case in TERMINAL_CASES])
def test_a_real_terminal_shows_every_value_whole(wide_db, columns, args, exit_code, values):
    code, lines = run_in_terminal([*args, "--as-of", AS_OF.isoformat()], columns, wide_db)
    shown = "\n".join(lines)
    assert code == exit_code, shown
    assert all(len(line) <= columns for line in lines), shown
    assert "…" not in shown and "Traceback" not in shown
    for value in values:
        assert any(value in line for line in lines), f"{value!r} is not whole on one line at {columns} columns:\n{shown}"


def test_a_real_terminal_of_120_columns_shows_a_table(wide_db):
    _, lines = run_in_terminal(["client-versions", "--as-of", AS_OF.isoformat()], 120, wide_db)
    assert header("\n".join(lines)).split() == ["client", "version", "operations", "last", "seen", "deprecated", "elements", "in", "use"]
    assert lines[3].split()[:4] == ["android", "7.1.0", "1500", AS_OF.isoformat()]
    _, narrow = run_in_terminal(["client-versions", "--as-of", AS_OF.isoformat()], 80, wide_db)
    assert "ios-enterprise-edition  3.0.12-beta" in narrow  # too wide for a table: a record per client
