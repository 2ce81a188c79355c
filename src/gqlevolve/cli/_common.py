"""What every ``gqlevolve`` command shares: ``--db``, ``--endpoint``, ``--json``, output and error handling.

Errors: :func:`handle_errors` is the one place where an exception becomes a message. An error of one of
:mod:`gqlevolve.errors`' kinds (bad input, not found, a conflict, the store unavailable: a missing store file,
an unreachable database, a SQLAlchemy or driver error) prints one line, ``Error: ...``, and exits with 2; never a
traceback, a driver's multi-line message or SQLAlchemy's "Background on this error" link. A store URL in a
message has its password redacted. A file-system error (``OSError``) is one line and 2 too. Any other exception
is a bug in gqlevolve, and the command says so, with where it happened, and exits with 3 (:data:`EXIT_BUG`):
``Error: internal error (a bug in gqlevolve): KeyError: 'x' at gqlevolve/reports/usage.py:88 — please report it``.

Errors and table cells are printable text: a control character or a terminal escape in a value (a typed one, or an
actor or reason that an admin API client sent) is escaped (``\\u001b``), never written to the terminal.

Tables (:func:`print_table`) never cut a value: dates, numbers, coordinates, statuses and other values are
printed whole on one line; only free-text columns (clients, reasons) fold, at spaces. When the whole values do
not fit the terminal's width, each row is printed as a record instead: its key on a line, then ``name: value``
pairs filling the lines below. Printed to something that is not a terminal (a file, a CI log), tables are
:data:`PIPED_WIDTH` columns wide unless ``COLUMNS`` says otherwise.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gqlevolve.endpoints import EndpointNotChosen
from gqlevolve.errors import StoreUnavailable, bug_location, describe_store_error, known_error, one_line
from gqlevolve.jsonable import to_jsonable
from gqlevolve.lifecycle import parse_iso_date
from gqlevolve.logs import loggable_text

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import URL

__all__ = [
    "DEFAULT_DB_URL",
    "ENDPOINT_HELP_ONE",
    "ENDPOINT_HELP_SEVERAL",
    "EXIT_BUG",
    "EXIT_ERROR",
    "EXIT_NEGATIVE",
    "EXIT_OK",
    "PIPED_WIDTH",
    "BugReport",
    "Column",
    "CommandError",
    "schema_source",
    "console",
    "db_option",
    "default_db_url",
    "describe_store_error",
    "endpoint_option",
    "handle_errors",
    "json_option",
    "one_line",
    "parse_date",
    "print_json",
    "print_table",
    "print_text",
    "store_url",
    "text_column",
    "to_jsonable",
]

DEFAULT_DB_URL = "sqlite:///gqlevolve.db"

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_ERROR = 2
#: An exception gqlevolve did not expect: a bug, reported as such (see :func:`handle_errors`).
EXIT_BUG = 3

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

# Every command treats a missing --endpoint the same way: the store's only endpoint when it knows exactly one;
# otherwise a command that can cover several endpoints covers all of them, and one that answers for a single
# endpoint stops with an error listing them.
ENDPOINT_HELP_SEVERAL = (
    "Endpoint path (/api/v1/graphql) or version (v1) [default: the store's only endpoint; "
    "every endpoint when it knows several]."
)
ENDPOINT_HELP_ONE = (
    "Endpoint path (/api/v1/graphql) or version (v1) [default: the store's only endpoint; "
    "required when it knows several: the error lists them]."
)


def endpoint_option(*, several: bool) -> Callable[[F], F]:
    """``--endpoint E``; ``several``: without it the command covers every endpoint of the store."""
    return click.option(
        "--endpoint", "endpoint", metavar="E", default=None, help=ENDPOINT_HELP_SEVERAL if several else ENDPOINT_HELP_ONE
    )


# --- errors -------------------------------------------------------------------------------------------------


class CommandError(click.ClickException):
    """A user-facing error: printed as ``Error: ...`` and exit code 2, never a traceback."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(loggable_text(one_line(message)))  # one printable line: no escape reaches the terminal


def schema_source(value: str) -> str | Path:
    """A schema named on the command line (``diff``, ``check``, ``scan``, ``changelog``): a URL, or a file that
    exists (SDL or introspection JSON); never SDL text, so that a mistyped path is an error, not an empty schema."""
    if value.startswith(("http://", "https://")):
        return value
    path = Path(value)
    if not path.is_file():
        raise CommandError(f"{value}: no such file (give an SDL or introspection JSON file, or a URL)")
    return path


class BugReport(CommandError):
    """An exception gqlevolve did not expect, reported as a bug: one line, exit code 3."""

    exit_code = EXIT_BUG


def handle_errors(func: F) -> F:
    """Turn every exception into one clear line (click's own errors and exits pass through).

    This is the command line's one mapping of :mod:`gqlevolve.errors`: an error of one of its kinds, a
    SQLAlchemy or driver error (the store unavailable, described with :func:`describe_store_error` naming the
    command's ``--db`` URL, default ``$GQLEVOLVE_DB``, with its password redacted) and a file-system error exit
    with 2; anything else is a bug, reported with its place and exit code 3.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            raise _command_error(error, kwargs.get("db_url")) from error

    return wrapper  # type: ignore[return-value]


def _command_error(error: Exception, db_url: str | None) -> CommandError:
    known = known_error(error, store_url=db_url or default_db_url())
    if isinstance(known, EndpointNotChosen):  # the library names no option; on the command line it is --endpoint
        return CommandError(
            f"the usage store knows several endpoints; choose one with --endpoint: {', '.join(known.known)}"
        )
    if known is not None:
        return CommandError(str(known))
    if isinstance(error, OSError):  # the file system, not gqlevolve: a folder, a permission, a full disk
        return CommandError(f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error))
    text = one_line(str(error))
    what = f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__
    return BugReport(f"internal error (a bug in gqlevolve): {what} at {bug_location(error)} — please report it")


def store_url(db_url: str | None, *, create: bool = False) -> URL:
    """The store URL of ``--db`` (default ``$GQLEVOLVE_DB``), checked: an ``InvalidStoreURL`` (invalid input),
    or :class:`~gqlevolve.errors.StoreUnavailable` when there is no store there.

    A SQLite file must exist unless ``create`` (``gqlevolve db upgrade``): a command that reads never creates an
    empty store where a typo pointed. Its folder must exist either way.
    """
    from gqlevolve.usage_store.urls import parse_store_url, redacted, sqlite_path

    given = db_url or default_db_url()
    url = parse_store_url(given)  # InvalidStoreURL, invalid input: one line
    path = sqlite_path(url)
    if path is not None:
        where = redacted(given)
        hint = "check --db or $GQLEVOLVE_DB"
        if not path.parent.is_dir():
            action = "cannot create the usage store at" if create else "no usage store at"
            raise StoreUnavailable(f"{action} {where}: the folder {path.parent} does not exist ({hint})")
        if not create and not path.exists():
            raise StoreUnavailable(
                f"no usage store at {where}: the file {path} does not exist ({hint}; "
                f"'gqlevolve db upgrade --db {where}' creates a store)"
            )
        if path.exists() and not path.is_file():
            raise StoreUnavailable(f"no usage store at {where}: {path} is not a file ({hint})")
    return url


# --- output -------------------------------------------------------------------------------------------------


def print_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))


def console() -> Console:
    # rich is imported when something is printed as a table, so commands that print none start faster.
    from rich.console import Console

    # Piped into a file or a CI log, rich would assume 80 columns and squeeze the tables; give them room there.
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(soft_wrap=False, highlight=False, width=PIPED_WIDTH if wide else None)


def print_text(text: str, *, indent: str = "", first: str | None = None) -> None:
    """A paragraph wrapped at spaces to the output's width (a long word, a URL, stays whole)."""
    width = max(console().width, 20)
    lead = indent if first is None else first
    wrapped = textwrap.wrap(
        text, width=width, initial_indent=lead, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    click.echo("\n".join(wrapped) if wrapped else lead.rstrip())


@dataclass(frozen=True, slots=True)
class Column:
    """A table column. ``wrap``: free text (clients, reasons) that may fold at spaces; every other column is
    printed whole on one line. ``key``: names the row when rows are printed as records (default: the first)."""

    name: str
    wrap: bool = False
    key: bool = False


def text_column(name: str) -> Column:
    return Column(name, wrap=True)


#: Gap between two columns, and the narrowest a free-text column gets before rows become records.
_GAP = 2
_TEXT_MIN = 12
_RECORD_INDENT = "    "
_PAIR_SEPARATOR = "   "


def _whole(value: Any) -> bool:
    return isinstance(value, (dt.date, int, float, decimal.Decimal)) and not isinstance(value, bool)


def _columns(columns: Sequence[str | Column], rows: list[Sequence[Any]]) -> list[Column]:
    """Plain names become columns: whole when every value is a date or a number, else free text."""
    result = []
    for index, column in enumerate(columns):
        if isinstance(column, Column):
            result.append(column)
        else:
            values = [row[index] for row in rows if row[index] not in (None, "")]
            result.append(Column(column, wrap=not (values and all(_whole(value) for value in values))))
    return result


def _cell(value: Any) -> str:
    """A value as a table shows it; a line break stays one (a cell of several lines), every other character that
    is not printable is escaped (:func:`gqlevolve.logs.loggable_text`): an actor or a reason that an admin API
    client sent (``deprecation history``) cannot write a terminal escape to the operator's terminal."""
    if value is None:
        return ""
    return "\n".join(loggable_text(line) for line in str(to_jsonable(value)).split("\n"))


def print_table(
    title: str | None,
    columns: Sequence[str | Column],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str | None = None,
) -> None:
    """Rows as a table (or as records when their whole values do not fit); ``empty``: the sentence printed
    instead of a table without rows."""
    from rich.cells import cell_len
    from rich.text import Text

    rows = list(rows)
    if not rows and empty is not None:
        print_text(empty)
        return
    spec = _columns(columns, rows)
    cells = [[_cell(value) for value in row] for row in rows]
    out = console()
    headers: list[str] = []
    natural: list[int] = []
    least: list[int] = []
    for index, column in enumerate(spec):
        value_width = max((cell_len(line) for row in cells for line in row[index].splitlines()), default=0)
        longest_word = max((cell_len(word) for word in column.name.split()), default=0)
        if column.wrap:  # folds at spaces only: never narrower than its longest word (a client, a coordinate)
            header = column.name
            width = max(value_width, cell_len(header))
            longest_value_word = max((cell_len(word) for row in cells for word in row[index].split()), default=0)
            narrowest = min(width, max(_TEXT_MIN, longest_word, longest_value_word))
        else:  # a header wider than its values wraps at its spaces instead of widening the column
            header = "\n".join(textwrap.wrap(column.name, width=max(value_width, longest_word, 1))) or column.name
            width = narrowest = max(value_width, max(cell_len(line) for line in header.splitlines()))
        headers.append(header)
        natural.append(max(width, 1))
        least.append(max(narrowest, 1))
    widths = _fit(natural, least, [column.wrap for column in spec], out.width - _GAP * (len(spec) - 1))
    if title:  # on a line of its own: a title wider than the table must not be squeezed to the table's width
        out.print(Text(title, style="italic"), overflow="fold")
    if widths is None:
        _print_records(out, spec, cells)
        return

    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    for column, header, width in zip(spec, headers, widths, strict=False):
        table.add_column(Text(header), width=width, no_wrap=not column.wrap, overflow="fold")
    for row in cells:
        table.add_row(*(Text(value) for value in row))
    out.print(table)


def _fit(natural: list[int], least: list[int], wrap: list[bool], room: int) -> list[int] | None:
    """Column widths within ``room``: free-text columns give way, widest first, down to ``least``; None if even
    that is too wide."""
    if sum(natural) <= room:
        return natural
    if sum(least) > room:
        return None
    widths = list(natural)
    while sum(widths) > room:
        shrinkable = [index for index, can in enumerate(wrap) if can and widths[index] > least[index]]
        widths[max(shrinkable, key=lambda index: widths[index])] -= 1
    return widths


def _print_records(out: Console, spec: list[Column], cells: list[list[str]]) -> None:
    from rich.text import Text

    keys = [index for index, column in enumerate(spec) if column.key] or [0]
    room = max(out.width - len(_RECORD_INDENT), 20)
    for row in cells:
        click.echo()
        out.print(Text("  ".join(row[index].replace("\n", ", ") for index in keys), style="bold"), no_wrap=True, crop=False)
        pairs = [
            f"{column.name}: {value.replace(chr(10), ', ')}"
            for index, (column, value) in enumerate(zip(spec, row, strict=False))
            if index not in keys and value
        ]
        for line in _flow(pairs, room):
            click.echo(_RECORD_INDENT + line)


def _flow(pairs: list[str], room: int) -> list[str]:
    """``name: value`` pairs filling lines of ``room`` columns; a pair never splits unless alone it is wider,
    and then only at its spaces."""
    lines: list[str] = []
    line = ""
    for pair in pairs:
        candidate = f"{line}{_PAIR_SEPARATOR}{pair}" if line else pair
        if len(candidate) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        if len(pair) <= room:
            line = pair
        else:
            lines.extend(textwrap.wrap(pair, width=room, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False))
            line = ""
    if line:
        lines.append(line)
    return lines


def parse_date(value: str | None, *, option: str) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``) or a clear error naming the option."""
    if value is None:
        return None
    try:
        return parse_iso_date(value, name=option)
    except ValueError as error:
        raise CommandError(str(error)) from None

