"""What every command shares: table output, JSON values, errors."""

from __future__ import annotations

import datetime as dt
import enum

import click
import pytest
from click.testing import CliRunner

from gqlevolve.cli._common import CommandError, handle_errors, parse_date, print_table, to_jsonable


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


def test_narrow_tables_fold_values_instead_of_cutting_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    output = CliRunner().invoke(table_command()).output
    assert "…" not in output
    cells = [line.split("│")[2].strip() for line in output.splitlines() if line.startswith("│")]
    assert "".join(cells) == "UserFilter.legacyGroup" * 4


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
    with pytest.raises(CommandError, match="--as-of: '2026-13-01' is not a date in the form YYYY-MM-DD"):
        parse_date("2026-13-01", option="--as-of")


def test_expected_errors_exit_2_without_a_traceback() -> None:
    @click.command()
    @handle_errors
    def broken() -> None:
        raise LookupError("no endpoint '/api/v9/graphql'")

    result = CliRunner().invoke(broken)
    assert result.exit_code == 2
    assert "Error: no endpoint '/api/v9/graphql'" in result.output
    assert "Traceback" not in result.output
