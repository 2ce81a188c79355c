"""The policy's emergency procedures: ``gqlevolve deprecation extend|rollback|set``.

Each change is written to the audit log with who made it (``--actor``, default: the login name) and why
(``--reason``, required).

Example::

    gqlevolve deprecation extend Mutation.upload_attachment --days 30 --reason "Partner X needs two more weeks"
    gqlevolve deprecation rollback Mutation.upload_attachment --endpoint v1 --reason "critical client broke"
    gqlevolve deprecation set User.name --endpoint v1 --sunset 2026-09-30 --replacement User.fullName --reason "plan"
"""

from __future__ import annotations

import getpass

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import db_option, handle_errors, json_option, parse_date, print_json, print_table
from gqlevolve.cli._store import open_store

__all__ = ["deprecation_group"]

reason_option = click.option("--reason", "why", required=True, metavar="TEXT", help="Why (kept in the audit log).")
actor_option = click.option("--actor", default=None, metavar="NAME", help="Who makes the change [default: login name].")


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "gqlevolve-cli"


def _show(result: object, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    after = result.after  # type: ignore[attr-defined]
    print_table(
        f"{result.coordinate} on {result.endpoint}",  # type: ignore[attr-defined]
        ["status", "deprecated", "sunset", "replacement", "guide", "changed"],
        [(result.status, after.deprecated_on, after.sunset_on, after.replacement, after.migration_guide,  # type: ignore[attr-defined]
          ", ".join(result.changed) or "nothing")],  # type: ignore[attr-defined]
    )


@main.group("deprecation")
def deprecation_group() -> None:
    """Change deprecation records (audited): extend a sunset, roll back a removal, set a record."""


@deprecation_group.command("extend")
@click.argument("coordinate")
@click.option("--days", type=int, required=True, metavar="N", help="Move the sunset this many days later.")
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: the only one].")
@reason_option
@actor_option
@db_option
@json_option
@handle_errors
def extend_command(
    coordinate: str, days: int, endpoint: str | None, why: str, actor: str | None, db_url: str | None, as_json: bool
) -> None:
    """Extend COORDINATE's sunset by --days."""
    from gqlevolve.procedures import extend_sunset

    with open_store(db_url) as store:
        result = extend_sunset(store, endpoint, coordinate, days, actor=_actor(actor), why=why)
    _show(result, as_json)


@deprecation_group.command("rollback")
@click.argument("coordinate")
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: the only one].")
@reason_option
@actor_option
@db_option
@json_option
@handle_errors
def rollback_command(
    coordinate: str, endpoint: str | None, why: str, actor: str | None, db_url: str | None, as_json: bool
) -> None:
    """Undo a removal: status back to sunset_warning, sunset 30 days later."""
    from gqlevolve.procedures import rollback

    with open_store(db_url) as store:
        result = rollback(store, endpoint, coordinate, actor=_actor(actor), why=why)
    _show(result, as_json)


@deprecation_group.command("set")
@click.argument("coordinate")
@click.option("--endpoint", required=True, metavar="E", help="Endpoint path or version.")
@click.option("--deprecated-on", default=None, metavar="DATE", help="Deprecated since [default for a new record: today].")
@click.option("--sunset", default=None, metavar="DATE", help="Sunset (removal) date.")
@click.option("--replacement", default=None, metavar="R", help="What to use instead.")
@click.option("--guide", default=None, metavar="URL", help="Migration guide.")
@click.option("--deprecation-reason", default=None, metavar="TEXT", help="The deprecation's own reason (shown to clients).")
@click.option(
    "--status", type=click.Choice(["active", "deprecated", "sunset_warning", "removed", "auto"]), default=None,
    help="Pin a status; 'auto' lets the dates decide again.",
)
@reason_option
@actor_option
@db_option
@json_option
@handle_errors
def set_command(
    coordinate: str,
    endpoint: str,
    deprecated_on: str | None,
    sunset: str | None,
    replacement: str | None,
    guide: str | None,
    deprecation_reason: str | None,
    status: str | None,
    why: str,
    actor: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Set fields of COORDINATE's record, creating it when there is none."""
    from gqlevolve.procedures import set_deprecation

    deprecated_day = parse_date(deprecated_on, option="--deprecated-on")
    sunset_day = parse_date(sunset, option="--sunset")
    with open_store(db_url) as store:
        result = set_deprecation(
            store, endpoint, coordinate, actor=_actor(actor), why=why, deprecated_on=deprecated_day,
            sunset_on=sunset_day, replacement=replacement, migration_guide=guide, reason=deprecation_reason,
            status=status,
        )
    _show(result, as_json)
