"""What every command shares: table output, JSON values, errors."""

from __future__ import annotations

import datetime as dt
import enum

import click
import pytest
from click.testing import CliRunner

from gqlevolve.cli._common import (
    Column,
    CommandError,
    describe_store_error,
    handle_errors,
    one_line,
    parse_date,
    print_table,
    text_column,
    to_jsonable,
)


def table_command() -> click.Command:
    @click.command()
    def show() -> None:
        print_table("Clients", ["client", "coordinate"], [("ios-enterprise-edition", "UserFilter.legacyGroup" * 4)])

    return show


def test_piped_tables_are_printed_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    output = CliRunner().invoke(table_command()).output
    assert "UserFilter.legacyGroup" * 4 in output  # one line: nothing cut, nothing folded
    assert "…" not in output


def test_a_word_wider_than_the_terminal_is_never_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    output = CliRunner().invoke(table_command()).output
    assert "…" not in output
    assert "ios-enterprise-edition" in output and "UserFilter.legacyGroup" * 4 in output


def wide_table(columns: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))

    @click.command()
    def show() -> None:
        print_table(
            "Deprecations on /api/v1/graphql",
            [Column("coordinate", key=True), Column("status"), Column("sunset"), Column("days left"),
             text_column("clients")],
            [
                ("UserFilter.legacyGroup", "sunset_warning", dt.date(2025, 6, 21), 20, "android 7.1.0\nios 3.0.12-beta"),
                ("User.name", "deprecated", None, None, "web 1.0, partner-batch-importer 2.0 and five more clients"),
            ],
        )

    result = CliRunner().invoke(show)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_whole_values_stay_on_one_line_and_free_text_folds_at_spaces(columns, monkeypatch):
    lines = wide_table(columns, monkeypatch)
    assert lines[0] == "Deprecations on /api/v1/graphql"
    assert all(len(line.rstrip()) <= columns for line in lines)
    for value in ("UserFilter.legacyGroup", "sunset_warning", "2025-06-21", "User.name", "deprecated",
                  "partner-batch-importer", "3.0.12-beta"):
        assert any(value in line for line in lines), (value, lines)
    words = {word for line in lines for word in line.replace(",", " ").split()}
    assert {"android", "7.1.0", "partner-batch-importer", "clients"} <= words  # folded between words, not inside
    assert "…" not in "".join(lines)


def test_a_table_too_wide_for_the_terminal_becomes_records(monkeypatch):
    narrow = wide_table(60, monkeypatch)
    assert narrow[2:5] == [
        "UserFilter.legacyGroup",  # the key on a line of its own, then name: value pairs filling the lines
        "    status: sunset_warning   sunset: 2025-06-21",
        "    days left: 20   clients: android 7.1.0, ios 3.0.12-beta",
    ]
    assert narrow[6:8] == ["User.name", "    status: deprecated"]  # empty values are left out
    table = [line.rstrip() for line in wide_table(80, monkeypatch)]
    assert table[2].split() == ["coordinate", "status", "sunset", "left", "clients"]  # "days" above "left"
    assert table[4] == "UserFilter.legacyGroup  sunset_warning  2025-06-21  20    android 7.1.0"
    assert [line.strip() for line in table[7:10]] == ["partner-batch-importer", "2.0 and five more", "clients"]


def test_an_empty_table_is_one_sentence(monkeypatch):
    @click.command()
    def show() -> None:
        print_table("Deprecations", ["coordinate"], [], empty="No deprecated elements on /api/v1/graphql.")

    assert CliRunner().invoke(show).output == "No deprecated elements on /api/v1/graphql.\n"


def test_table_cells_are_not_rich_markup(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")

    @click.command()
    def show() -> None:
        print_table(None, ["client"], [("[bold]bot[/bold]",)])

    assert "[bold]bot[/bold]" in CliRunner().invoke(show).output


def test_to_jsonable() -> None:
    class Colour(enum.Enum):
        RED = "red"

    assert to_jsonable({"day": dt.date(2026, 1, 2), "tags": frozenset({"b", "a"}), "colour": Colour.RED}) == {
        "day": "2026-01-02",
        "tags": ["a", "b"],
        "colour": "red",
    }


def test_parse_date_names_the_option() -> None:
    assert parse_date("2026-01-02", option="--as-of") == dt.date(2026, 1, 2)
    assert parse_date(None, option="--as-of") is None
    with pytest.raises(CommandError, match="--as-of: .2026-13-01. is not a date in the form YYYY-MM-DD"):
        parse_date("2026-13-01", option="--as-of")


def test_expected_errors_exit_2_without_a_traceback() -> None:
    from gqlevolve.errors import NotFound

    @click.command()
    @handle_errors
    def broken() -> None:
        raise NotFound("no endpoint '/api/v9/graphql'")

    result = CliRunner().invoke(broken)
    assert result.exit_code == 2
    assert "Error: no endpoint '/api/v9/graphql'" in result.output
    assert "Traceback" not in result.output


def test_one_line_drops_line_breaks_and_the_background_link() -> None:
    assert one_line("connection failed: refused\n\tIs the server running?\n(Background on this error at: https://sqlalche.me/e/21/e3q8)") == (
        "connection failed: refused Is the server running?"
    )


def store_error(url: str) -> Exception:
    """The real error SQLAlchemy raises when connecting to ``url``."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{url} answered")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://postgres:secret@127.0.0.1:1/x",
         "cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused"),
        ("sqlite:////no/such/folder/gqlevolve.db",
         "cannot reach the usage store at sqlite:////no/such/folder/gqlevolve.db: SQLite cannot open the file"),
    ],
)
def test_store_errors_are_described_in_one_line(url, message) -> None:
    text = describe_store_error(store_error(url), url)
    assert text.startswith(message)
    assert "\n" not in text and "Background on this error" not in text and "secret" not in text


def test_handle_errors_describes_a_store_error_with_the_commands_db_url() -> None:
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"

    @click.command()
    @click.option("--db", "db_url")
    @handle_errors
    def read(db_url: str | None) -> None:
        raise store_error(url)

    result = CliRunner().invoke(read, ["--db", url])
    assert result.exit_code == 2
    assert result.output == (
        "Error: cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused\n"
    )


def test_no_endpoint_among_several_names_the_option() -> None:
    from gqlevolve.endpoints import EndpointNotChosen, resolve_endpoint

    @click.command()
    @handle_errors
    def pick() -> None:
        resolve_endpoint(None, ["/api/v1/graphql", "/api/v2/graphql"])

    result = CliRunner().invoke(pick)
    assert result.exit_code == 2
    assert "choose one with --endpoint: /api/v1/graphql, /api/v2/graphql" in result.output
    assert "Traceback" not in result.output
    # The library itself names no option (the admin API names its field): each interface phrases it.
    with pytest.raises(EndpointNotChosen) as raised:
        resolve_endpoint(None, ["/api/v1/graphql", "/api/v2/graphql"])
    assert "--" not in str(raised.value) and raised.value.known == ["/api/v1/graphql", "/api/v2/graphql"]
