"""What every ``gqlevolve`` command shares: ``--db``, ``--json``, output and error handling."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gqlevolve.jsonable import to_jsonable
from gqlevolve.lifecycle import parse_iso_date

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "DEFAULT_DB_URL",
    "EXIT_ERROR",
    "EXIT_NEGATIVE",
    "EXIT_OK",
    "PIPED_WIDTH",
    "CommandError",
    "console",
    "db_option",
    "default_db_url",
    "handle_errors",
    "json_option",
    "parse_date",
    "print_json",
    "print_table",
    "to_jsonable",
]

DEFAULT_DB_URL = "sqlite:///gqlevolve.db"

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_ERROR = 2

#: The width of tables printed to something that is not a terminal.
PIPED_WIDTH = 200

F = TypeVar("F", bound=Callable[..., Any])


def default_db_url() -> str:
    """``$GQLEVOLVE_DB``, else a SQLite file in the working directory."""
    return os.environ.get("GQLEVOLVE_DB") or DEFAULT_DB_URL


db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Usage store URL [default: $GQLEVOLVE_DB, then sqlite:///gqlevolve.db].",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


class CommandError(click.ClickException):
    """A user-facing error: printed as ``Error: ...`` and exit code 2, never a traceback."""

    exit_code = EXIT_ERROR


def handle_errors(func: F) -> F:
    """Turn expected exceptions (bad input, unreachable store) into a clear message and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (ValueError, LookupError, OSError) as error:
            raise CommandError(str(error)) from error
        except Exception as error:  # the store or a parser failing in a way we did not foresee
            raise CommandError(f"{type(error).__name__}: {error}") from error

    return wrapper  # type: ignore[return-value]


def print_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))


def console() -> Console:
    # rich is imported when something is printed as a table, so commands that print none start faster.
    from rich.console import Console

    # Piped into a file or a CI log, rich would assume 80 columns and squeeze the tables; give them room there.
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(soft_wrap=False, highlight=False, width=PIPED_WIDTH if wide else None)


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")  # a narrow terminal wraps values instead of cutting them
    for row in rows:
        table.add_row(*("" if cell is None else str(to_jsonable(cell)) for cell in row))
    console().print(table)


def parse_date(value: str | None, *, option: str) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``) or a clear error naming the option."""
    if value is None:
        return None
    try:
        return parse_iso_date(value, name=option)
    except ValueError as error:
        raise CommandError(str(error)) from None
