"""Whole-schema usage on the command line: ``gqlevolve usage COORD`` and ``gqlevolve unused --days N``.

- ``usage COORD``: how one coordinate (deprecated or not) was used on one endpoint over ``--days`` (default 30)
  ending with ``--as-of``, for every client or one (``--client NAME[@VERSION]``): per day, the operations that
  used it against all operations and the share; the operations behind them (the ``--limit`` most used, 20 by
  default, and how many more there are); the clients. Tables show an operation's document hash by its first 12
  digits (``--json`` has them all).
- ``unused --days N``: the coordinates of the endpoint's registered schema (or of ``--schema FILE|URL``, for CI)
  with no use in the window: with their first and last day seen, or "never"; those younger than the window apart
  ("too new to tell"); those an allow-list keeps on purpose (``--keep FILE``: one coordinate or ``fnmatch``
  pattern a line, ``#`` comments) listed as kept. Exit 1 when something is unused (so that CI can act on it),
  0 otherwise.

Both answer for one endpoint, as ``usage-stats`` does: without ``--endpoint``, the store's only one, else an
error listing them. Errors exit 2 with one line; ``--json`` prints the objects the admin API answers.

Example (``run_cli`` runs ``gqlevolve ARGS`` in this process and returns its exit code; any past day works):

    >>> from datetime import date
    >>> from gqlevolve.clock import FixedClock
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> with UsageStore(store_url, clock=FixedClock(date(2025, 6, 2))) as store:
    ...     v1 = "/api/v1/graphql"
    ...     _ = store.register_schema(v1, "type Query { users: [User], me: User } type User { name: String, email: String }",
    ...                               today=date(2025, 5, 1))
    ...     users = OperationShape("query", "Users", "a1" * 16, frozenset({"Query", "Query.users", "User", "User.name"}))
    ...     me = OperationShape("query", "Me", "b2" * 16, frozenset({"Query", "Query.me", "User", "User.name"}))
    ...     store.record_operation(v1, (), client_name="web", client_version="1.4", operation=users, count=3, when=date(2025, 6, 1))
    ...     store.record_operation(v1, (), client_name="ios", client_version="5.1", operation=me, count=7)
    >>> run_cli("usage", "User.name", "--days", "2", "--as-of", "2025-06-02", "--db", store_url)
    User.name on /api/v1/graphql, 2025-06-01 to 2025-06-02: 10 of 10 operations (100.00%)
    In the registered schema since 2025-05-01; first used 2025-06-01, last used 2025-06-02.
                using  all
    day         it     operations  share
    ──────────────────────────────────────
    2025-06-01  3      3           100.00%
    2025-06-02  7      7           100.00%
    <BLANKLINE>
    Operations that used it
    operation    hash          operations  last seen   clients
    ──────────────────────────────────────────────────────────
    query Me     b2b2b2b2b2b2  7           2025-06-02  ios 5.1
    query Users  a1a1a1a1a1a1  3           2025-06-01  web 1.4
    <BLANKLINE>
    Clients that used it
    client  version  operations  last seen
    ───────────────────────────────────────
    ios     5.1      7           2025-06-02
    web     1.4      3           2025-06-01
    0
    >>> run_cli("unused", "--days", "2", "--as-of", "2025-06-02", "--db", store_url)
    Unused on /api/v1/graphql: 1 of 6 elements of its registered schema, no use from 2025-06-01 to 2025-06-02
                in schema               last
    coordinate  since       first seen  seen
    ────────────────────────────────────────
    User.email  2025-05-01  never seen  -
    1

In a shell:

.. code-block:: sh

    gqlevolve usage 'Query.users(first:)' --endpoint v1 --days 90 --client web@1.4 --limit 50
    gqlevolve unused --endpoint v1 --days 90 --keep schema/keep.txt --json
    gqlevolve unused --endpoint v1 --days 30 --schema schema.graphql || echo "unused elements in the change"
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import (
    EXIT_NEGATIVE,
    Column,
    CommandError,
    db_option,
    endpoint_option,
    handle_errors,
    json_option,
    parse_date,
    print_json,
    print_table,
    print_text,
    schema_source,
    text_column,
)
from gqlevolve.cli._store import open_store, percent

if TYPE_CHECKING:
    from gqlevolve.reports.coordinate_usage import ClientRef, CoordinateUsage
    from gqlevolve.reports.unused import UnusedReport

__all__ = ["KEEP_FILE_BYTES", "unused_command", "usage_command"]

#: The largest allow-list file read (bytes): a thousand patterns fit many times over.
KEEP_FILE_BYTES = 1024 * 1024
#: Digits of a document hash a table shows (``--json`` has all 32).
_HASH_SHOWN = 12

_as_of_option = click.option("--as-of", "as_of", metavar="DATE", default=None, help="The last day of the window [default: today, UTC].")


def _client_text(client: ClientRef) -> str:
    return f"{client.name or '(unnamed)'} {client.version or ''}".strip()


@main.command("usage")
@click.argument("coordinate", metavar="COORD")
@endpoint_option(several=False)
@click.option("--days", type=int, default=30, show_default=True, metavar="N", help="Days ending with --as-of, included (today so far by default).")
@click.option("--client", "client", metavar="NAME[@VERSION]", default=None, help="Only this client (or this version of it; split at the last '@').")
@click.option("--limit", type=int, default=20, show_default=True, metavar="N", help="Operations listed, most used first (1 to 1000).")
@_as_of_option
@db_option
@json_option
@handle_errors
def usage_command(
    coordinate: str, endpoint: str | None, days: int, client: str | None, limit: int, as_of: str | None,
    db_url: str | None, as_json: bool,
) -> None:
    """How one schema coordinate (deprecated or not) is used: per day, by which operations, by which clients."""
    from gqlevolve.reports.coordinate_usage import coordinate_usage

    day = parse_date(as_of, option="--as-of")
    with open_store(db_url) as store:
        report = coordinate_usage(store, endpoint, coordinate, days, client=client, limit=limit, as_of=day)
    if as_json:
        print_json(report)
        return
    _print_usage(report)


def _print_usage(report: CoordinateUsage) -> None:
    who = f" by {_client_text(report.client)}" if report.client else ""
    print_text(
        f"{report.coordinate} on {report.endpoint}{who}, {report.first_day} to {report.last_day}: "
        f"{report.used} of {report.total} operations ({percent(report.share)})"
    )
    if report.in_schema is None:
        schema = "The endpoint registered no schema"
    elif report.in_schema:
        schema = f"In the registered schema since {report.since}"
    else:
        schema = "Not in the registered schema"
    ever = f"first used {report.first_seen}, last used {report.last_seen}" if report.first_seen else "never used"
    print_text(f"{schema}; {ever}.")
    print_table(
        None,
        [Column("day", key=True), Column("using it"), Column("all operations"), Column("share")],
        [(day.day, day.operations, day.total, percent(day.share)) for day in report.days],
        empty=f"No operations{who} on {report.endpoint} from {report.first_day} to {report.last_day}.",
    )
    if report.used == 0:
        return
    click.echo()
    shown = len(report.operations)
    more = f" ({shown} most used; {report.more_operations} more: --limit)" if report.more_operations else ""
    print_table(
        f"Operations that used it{more}",
        [text_column("operation"), Column("hash"), Column("operations"), Column("last seen"), text_column("clients")],
        [
            (f"{o.kind} {o.name or '(anonymous)'}", o.document_hash[:_HASH_SHOWN] or "-", o.operations, o.last_seen,
             "\n".join(_client_text(c) for c in o.clients))
            for o in report.operations
        ],
        empty="No operation of its own: all its uses were past the store's daily cap of operations.",
    )
    if report.unattributed:
        print_text(f"{report.unattributed} uses belong to no listed operation (past the store's daily cap of operations).")
    click.echo()
    print_table(
        "Clients that used it",
        [Column("client", key=True), Column("version", key=True), Column("operations"), Column("last seen")],
        [(c.name or "(unnamed)", c.version or "", c.operations, c.last_seen) for c in report.clients],
        empty="No client named: its uses were past the store's daily cap of operations.",
    )


@main.command("unused")
@endpoint_option(several=False)
@click.option("--days", type=int, required=True, metavar="N", help="Days ending with --as-of, included, that must all be without use.")
@click.option("--keep", "keep_file", metavar="FILE", default=None, help="Allow-list: one coordinate or pattern (User.legacy*, Query.*) a line, # comments.")
@click.option("--schema", "schema_given", metavar="FILE|URL", default=None, help="Measure this schema (SDL, introspection JSON or URL) instead of the registered one.")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="HTTP header for a URL schema (repeatable).")
@_as_of_option
@db_option
@json_option
@handle_errors
def unused_command(
    endpoint: str | None, days: int, keep_file: str | None, schema_given: str | None, headers: tuple[str, ...],
    as_of: str | None, db_url: str | None, as_json: bool,
) -> None:
    """The schema's coordinates not used in N days (never seen, or first and last seen); younger ones apart.

    Exit 1 when something is unused (kept elements are not), 0 otherwise, 2 on error.
    """
    from gqlevolve.reports.unused import read_keep_list, unused_elements

    day = parse_date(as_of, option="--as-of")
    keep = read_keep_list(_read_keep_file(keep_file), source=keep_file) if keep_file else []
    schema: Any = None
    if schema_given:
        from gqlevolve.schema_diff.sources import load_graphql_schema, parse_headers

        schema = load_graphql_schema(schema_source(schema_given), headers=parse_headers(headers))
    with open_store(db_url) as store:
        report = unused_elements(store, endpoint, days, keep=keep, schema=schema, as_of=day)
    if as_json:
        print_json(report)
    else:
        _print_unused(report, schema_given)
    if report.unused:
        sys.exit(EXIT_NEGATIVE)


def _read_keep_file(name: str) -> str:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"--keep {name}: no such file")
    if path.stat().st_size > KEEP_FILE_BYTES:
        raise CommandError(f"--keep {name}: larger than {KEEP_FILE_BYTES} bytes; an allow-list is one pattern a line")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"--keep {name}: not UTF-8 text") from None


def _seen(day: dt.date | None) -> str:
    return "never" if day is None else day.isoformat()


def _print_unused(report: UnusedReport, schema_given: str | None) -> None:
    schema = f"of {schema_given}" if schema_given else "of its registered schema"
    window = f"from {report.first_day} to {report.last_day}"
    print_table(
        f"Unused on {report.endpoint}: {len(report.unused)} of {report.checked} elements {schema}, no use {window}",
        [Column("coordinate", key=True), Column("in schema since"), Column("first seen"), Column("last seen")],
        [(e.coordinate, e.since or "-", "never seen" if e.never_seen else e.first_seen, e.last_seen or "-")
         for e in report.unused],
        empty=f"Nothing unused on {report.endpoint}: all {report.checked} elements {schema} are used {window}, "
              "kept, or too new to tell.",
    )
    _more(
        "Too new to tell (younger than the window)", [Column("coordinate", key=True), Column("in schema since")],
        [(e.coordinate, e.since or "not registered yet") for e in report.too_new],
    )
    _more(
        "Kept on purpose (the allow-list)", [Column("coordinate", key=True), Column("kept by"), Column("last seen")],
        [(e.coordinate, e.pattern, _seen(e.last_seen)) for e in report.kept],
    )
    if report.unmatched_keep:
        click.echo()
        print_text(f"The allow-list's patterns that match nothing in the schema: {', '.join(report.unmatched_keep)}")


def _more(title: str, columns: Sequence[Column], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        click.echo()
        print_table(title, columns, rows)
