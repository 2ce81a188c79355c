"""``gqlevolve db``: the usage store's schema (``upgrade``, ``current``) and retention (``prune``).

``upgrade`` is the only command that creates a SQLite file (its folder must exist); ``current`` and ``prune`` say
that a missing file does not exist. An unreachable database is one line, exit 2 (``cli._common.handle_errors``).

Example: a new SQLite store (``store_url``: a file not created yet; ``run_cli(*args)`` runs ``gqlevolve ARGS`` in
this process, prints what it prints and returns its exit code):

    >>> run_cli("db", "upgrade", "--db", store_url)
    sqlite:///.../gqlevolve.db: upgraded from (empty) to 0007_operation_summaries
    0
    >>> run_cli("db", "upgrade", "--db", store_url)
    sqlite:///.../gqlevolve.db: already at 0007_operation_summaries
    0
    >>> run_cli("db", "current", "--db", store_url, "--json")
    {
      "db": "sqlite:///.../gqlevolve.db",
      "current": "0007_operation_summaries",
      "head": "0007_operation_summaries",
      "up_to_date": true
    }
    0

In a shell, on PostgreSQL, and retention (``prune`` deletes the days before today, UTC, minus ``--older-than``):

.. code-block:: sh

    gqlevolve db upgrade --db postgresql+psycopg://postgres@127.0.0.1:5432/gqlevolve
    gqlevolve db prune --older-than 400 --db sqlite:///gqlevolve.db
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gqlevolve.cli import main

if TYPE_CHECKING:
    import sqlalchemy as sa

from gqlevolve.cli._common import db_option, default_db_url, handle_errors, json_option, print_json, print_table

__all__ = ["db"]


def _engine(db_url: str | None, *, create: bool = False) -> sa.Engine:
    """The store's engine; a SQLite file must exist unless ``create`` (only ``db upgrade`` creates a store)."""
    # Imported here: commands that never touch the store do not load SQLAlchemy.
    from gqlevolve.cli._common import store_url
    from gqlevolve.usage_store.engine import create_store_engine

    return create_store_engine(store_url(db_url, create=create))


def _shown(db_url: str | None) -> str:
    """The URL as the user gave it (or the default), without its password."""
    from gqlevolve.usage_store.urls import redacted

    return redacted(db_url or default_db_url())


@main.group()
def db() -> None:
    """The usage store: schema migrations and retention."""


@db.command()
@db_option
@json_option
@handle_errors
def upgrade(db_url: str | None, as_json: bool) -> None:
    """Bring the store's schema to the latest revision; creates a SQLite file that does not exist yet (its
    folder must), and the tables in a new database."""
    from gqlevolve.usage_store.revisions import upgrade as upgrade_schema

    engine = _engine(db_url, create=True)
    try:
        before, after = upgrade_schema(engine)
    finally:
        engine.dispose()
    if as_json:
        print_json({"db": _shown(db_url), "from": before, "to": after, "changed": before != after})
    elif before == after:
        click.echo(f"{_shown(db_url)}: already at {after}")
    else:
        click.echo(f"{_shown(db_url)}: upgraded from {before or '(empty)'} to {after}")


@db.command()
@db_option
@json_option
@handle_errors
def current(db_url: str | None, as_json: bool) -> None:
    """Print the store's schema revision and the latest one this gqlevolve knows (a missing SQLite file is an
    error: this never creates one)."""
    from gqlevolve.usage_store.revisions import current_revision, head_revision

    engine = _engine(db_url)
    try:
        with engine.connect().execution_options(read_only=True) as connection:
            revision = current_revision(connection)
    finally:
        engine.dispose()
    head = head_revision()
    if as_json:
        print_json({"db": _shown(db_url), "current": revision, "head": head, "up_to_date": revision == head})
    else:
        state = "up to date" if revision == head else f"latest is {head}"
        click.echo(f"{_shown(db_url)}: {revision or '(no schema)'} ({state})")


@db.command()
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(min=1),
    default=400,
    show_default=True,
    metavar="DAYS",
    help="Delete usage counts and totals of days older than this (the audit log is never touched).",
)
@db_option
@json_option
@handle_errors
def prune(older_than: int, db_url: str | None, as_json: bool) -> None:
    """Delete usage older than --older-than days; deprecation records and their audit log stay."""
    from gqlevolve.clock import SYSTEM_CLOCK
    from gqlevolve.usage_store.retention import prune as prune_usage
    from gqlevolve.usage_store.revisions import check_revision

    engine = _engine(db_url)
    try:
        with engine.begin() as connection:
            check_revision(connection)
            result = prune_usage(connection, older_than_days=older_than, now=SYSTEM_CLOCK.now())
    finally:
        engine.dispose()
    if as_json:
        print_json(result)
    elif not (result.usage_rows or result.total_rows or result.ledger_rows or result.operation_rows or result.signature_rows):
        click.echo(f"Nothing to delete: no usage before {result.cutoff.isoformat()} in {_shown(db_url)}.")
    else:
        print_table(
            f"Pruned days before {result.cutoff.isoformat()}",
            ["table", "rows deleted"],
            [("deprecation_usage", result.usage_rows), ("operation_usage", result.operation_rows),
             ("operation_totals", result.total_rows), ("signatures no longer used", result.signature_rows),
             ("flush_ledger", result.ledger_rows)],
        )
