"""The policy's emergency procedures: ``gqlevolve deprecation extend|rollback|set|delete|history``, and
enforcement: ``deprecation brownout add|remove|list`` (scheduled brownout windows of an element or a whole
version), ``deprecation set --refuse-new-adopters`` and ``deprecation version --refuse-new-adopters`` (no new
adopters in the sunset warning; see docs/enforcement.md).

Each change is written to the audit log with who made it (``--actor``, default: the login name) and why
(``--reason``, required); ``history`` reads that log back.

Dates (``--deprecated-on``, ``--sunset``) are ``YYYY-MM-DD`` from 1970-01-01 to 9000-12-31. A record the store kept
from before that rule (a sunset of 9999-12-31 or 0001-01-02) is mended by these commands, never a crash:
``rollback`` gives it today + 30 days, ``extend`` of a sunset before 1970 counts from today, ``set`` and ``delete``
work on it; the output's ``Note:`` line (``"note"`` with ``--json``) says when a command did so.

What cannot be right is refused (exit 2, nothing written): a coordinate that is not a schema coordinate naming
an element (``Type.field``, ``Type.field(arg:)``, ``Enum.VALUE``, ``Input.field``); one that the schema of the
endpoint's version does not have, when the project's schemas are configured (``--schemas``, default ``schemas``
in ``[tool.gqlevolve]`` of pyproject.toml, as ``gqlevolve export|check`` read them); an endpoint the store does
not know, unless ``set --new-endpoint`` says the record creates it. ``delete`` undoes a record written by mistake.

Example: a record set by hand on a new store, then its sunset extended (``run_cli(*args)`` runs ``gqlevolve ARGS``
in this process, prints what it prints and returns its exit code); ``history`` would show the four audit entries
these two changes wrote, and ``extend User.nme`` would stop with ``Error: no deprecation record for "User.nme"
...`` and exit 2:

    >>> run_cli("db", "upgrade", "--db", store_url)
    sqlite:///.../gqlevolve.db: upgraded from (empty) to ...
    0
    >>> run_cli("deprecation", "set", "User.name", "--endpoint", "v1", "--new-endpoint",
    ...         "--deprecated-on", "2020-06-01", "--sunset", "2031-06-30", "--replacement", "User.fullName",
    ...         "--reason", "plan", "--actor", "alice", "--db", store_url)
    User.name on /api/v1/graphql
    status      deprecated  sunset      replacement    guide  changed
    ───────────────────────────────────────────────────────────────────────────────────────────────
    deprecated  2020-06-01  2031-06-30  User.fullName         deprecated_on, sunset_on, replacement
    0
    >>> run_cli("deprecation", "extend", "User.name", "--endpoint", "v1", "--days", "30", "--actor", "alice",
    ...         "--reason", "Partner X needs two more weeks", "--db", store_url)
    User.name on /api/v1/graphql
    status      deprecated  sunset      replacement    guide  changed
    ───────────────────────────────────────────────────────────────────
    deprecated  2020-06-01  2031-07-30  User.fullName         sunset_on
    0
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import (
    db_option,
    handle_errors,
    json_option,
    parse_date,
    print_json,
    print_table,
    print_text,
    text_column,
)
from gqlevolve.cli._store import open_store
from gqlevolve.endpoints import canonical_endpoint
from gqlevolve.inputs import check_actor, check_why
from gqlevolve.lifecycle import check_migration_guide

__all__ = ["deprecation_group"]

reason_option = click.option("--reason", "why", required=True, metavar="TEXT", help="Why (kept in the audit log).")
actor_option = click.option("--actor", default=None, metavar="NAME", help="Who makes the change [default: login name].")
schemas_option = click.option(
    "--schemas", "schemas_spec", default=None, metavar="MODULE:ATTRIBUTE",
    help="The schemas by version; the coordinate must exist in its endpoint's version "
    "[default: schemas in [tool.gqlevolve] of pyproject.toml; without any, not checked].",
)


def _schemas(spec: str | None) -> Mapping[str, Any] | None:
    """The project's schemas by version (``--schemas``, else pyproject.toml's ``[tool.gqlevolve] schemas``), or None."""
    from gqlevolve.schema_diff.versioned import load_schemas, project_settings

    spec = spec or project_settings().get("schemas")
    return load_schemas(spec) if spec else None


def _actor(actor: str | None) -> str:
    """``--actor``, checked as the procedures and the admin API check it; default: the login name."""
    if actor is not None:
        return check_actor(actor, name="--actor")
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "gqlevolve-cli"


def _why(why: str) -> str:
    """``--reason``, checked as the procedures and the admin API check it."""
    return check_why(why, name="--reason")


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
    note = getattr(result, "note", None)
    if note:  # a stored date outside the range, mended another way than usual: say how
        print_text(f"Note: {note}.")


@main.group("deprecation")
def deprecation_group() -> None:
    """Change deprecation records (audited): extend a sunset, roll back a removal, set a record."""


@deprecation_group.command("extend")
@click.argument("coordinate")
@click.option("--days", type=int, required=True, metavar="N", help="Move the sunset this many days later.")
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: the only one].")
@reason_option
@actor_option
@schemas_option
@db_option
@json_option
@handle_errors
def extend_command(
    coordinate: str, days: int, endpoint: str | None, why: str, actor: str | None, schemas_spec: str | None,
    db_url: str | None, as_json: bool,
) -> None:
    """Extend COORDINATE's sunset by --days."""
    from gqlevolve.procedures import extend_sunset

    schemas = _schemas(schemas_spec)
    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        result = extend_sunset(store, endpoint, coordinate, days, actor=actor, why=why, schemas=schemas)
    _show(result, as_json)


@deprecation_group.command("rollback")
@click.argument("coordinate")
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: the only one].")
@reason_option
@actor_option
@schemas_option
@db_option
@json_option
@handle_errors
def rollback_command(
    coordinate: str, endpoint: str | None, why: str, actor: str | None, schemas_spec: str | None,
    db_url: str | None, as_json: bool,
) -> None:
    """Undo a removal: status back to sunset_warning, sunset 30 days later."""
    from gqlevolve.procedures import rollback

    schemas = _schemas(schemas_spec)
    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        result = rollback(store, endpoint, coordinate, actor=actor, why=why, schemas=schemas)
    _show(result, as_json)


@deprecation_group.command("set")
@click.argument("coordinate")
@click.option("--endpoint", required=True, metavar="E", help="Endpoint path or version (one the store knows).")
@click.option(
    "--new-endpoint", is_flag=True,
    help="The endpoint is new to the store (no traffic, no records yet): this record creates it.",
)
@click.option("--deprecated-on", default=None, metavar="DATE", help="Deprecated since [default for a new record: today].")
@click.option("--sunset", default=None, metavar="DATE", help="Sunset (removal) date.")
@click.option("--replacement", default=None, metavar="R", help="What to use instead.")
@click.option(
    "--guide", default=None, metavar="URL",
    help="Migration guide: an absolute http(s) URL (https://docs.example/x) or an absolute path (/docs/x).",
)
@click.option("--deprecation-reason", default=None, metavar="TEXT", help="The deprecation's own reason (shown to clients).")
@click.option(
    "--status", type=click.Choice(["active", "deprecated", "sunset_warning", "removed", "auto"]), default=None,
    help="Pin a status; 'auto' lets the dates decide again.",
)
@click.option(
    "--refuse-new-adopters/--allow-new-adopters", "refuse_new_adopters", default=None,
    help="In the sunset warning, refuse (GONE) clients that had not used the element before the phase began.",
)
@reason_option
@actor_option
@schemas_option
@db_option
@json_option
@handle_errors
def set_command(
    coordinate: str,
    endpoint: str,
    new_endpoint: bool,
    deprecated_on: str | None,
    sunset: str | None,
    replacement: str | None,
    guide: str | None,
    deprecation_reason: str | None,
    status: str | None,
    refuse_new_adopters: bool | None,
    why: str,
    actor: str | None,
    schemas_spec: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Set fields of COORDINATE's record, creating it when there is none."""
    from gqlevolve.procedures import set_deprecation

    deprecated_day = parse_date(deprecated_on, option="--deprecated-on")
    sunset_day = parse_date(sunset, option="--sunset")
    if guide is not None:
        check_migration_guide(guide, name="--guide")  # before the store is opened; the message names the option
    schemas = _schemas(schemas_spec)
    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        result = set_deprecation(
            store, endpoint, coordinate, actor=actor, why=why, deprecated_on=deprecated_day,
            sunset_on=sunset_day, replacement=replacement, migration_guide=guide, reason=deprecation_reason,
            status=status, new_endpoint=new_endpoint, schemas=schemas, refuse_new_adopters=refuse_new_adopters,
        )
    _show(result, as_json)


@deprecation_group.command("delete")
@click.argument("coordinate")
@click.option("--endpoint", required=True, metavar="E", help="Endpoint path or version.")
@reason_option
@actor_option
@db_option
@json_option
@handle_errors
def delete_command(
    coordinate: str, endpoint: str, why: str, actor: str | None, db_url: str | None, as_json: bool
) -> None:
    """Delete COORDINATE's record (one written by mistake); the audit log keeps what it was."""
    from gqlevolve.procedures import delete_deprecation

    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        result = delete_deprecation(store, endpoint, coordinate, actor=actor, why=why)
    if as_json:
        print_json(result)
        return
    deleted = result.deleted
    print_table(
        f"deleted {result.coordinate} on {result.endpoint}",
        ["deprecated", "sunset", "replacement", "guide", "status pin"],
        [(deleted.deprecated_on, deleted.sunset_on, deleted.replacement, deleted.migration_guide, deleted.status_override)],
    )
    if not result.endpoint_known:
        click.echo(f"{result.endpoint} is no longer known to the store: nothing else (traffic, records) names it.")


@deprecation_group.command("history")
@click.argument("coordinate", required=False)
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: all].")
@db_option
@json_option
@handle_errors
def history_command(coordinate: str | None, endpoint: str | None, db_url: str | None, as_json: bool) -> None:
    """The audit log (of COORDINATE, of --endpoint, or all), oldest first: every change, who made it and why."""
    from gqlevolve.procedures import history

    with open_store(db_url) as store:
        entries = history(store, endpoint, coordinate)
    if as_json:
        print_json(entries)
        return
    scope = (f" for {coordinate}" if coordinate else "") + (f" on {canonical_endpoint(endpoint)}" if endpoint else "")
    print_table(
        "audit log",
        ["when (UTC)", "endpoint", "coordinate", "field", "old → new", "actor", text_column("why")],
        [
            (entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.endpoint, entry.coordinate, entry.field,
             f"{_value(entry.old_value)} → {_value(entry.new_value)}", entry.actor, entry.why)
            for entry in entries
        ],
        empty=f"No changes to deprecation records{scope} in the audit log." if scope else "The audit log is empty.",
    )


def _value(value: str | None) -> str:
    return "(none)" if value is None else value


# --- enforcement: brownouts and a whole version's no-new-adopters rule ------------------------------------

window_option = click.option(
    "--window", required=True, metavar="TEXT",
    help="'every tuesday 14:00-14:15 UTC from D-30' (a weekday or 'day'; from a date or D-N days before the "
    "sunset) or '2026-12-01T14:00Z/2026-12-01T15:00Z'.",
)
whole_version_option = click.option(
    "--whole-version", is_flag=True, help="The window is the whole version's (--endpoint), not an element's.",
)


def _show_brownouts(result: Any, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    subject = "the whole version" if result.whole_version else result.coordinate
    print_table(
        f"brownout windows of {subject} on {result.endpoint}",
        ["window"],
        [(window,) for window in result.after],
        empty=f"No brownout windows for {subject} on {result.endpoint}.",
    )


@deprecation_group.group("brownout")
def brownout_group() -> None:
    """Scheduled brownouts: windows in which a deprecated element (or version) answers GONE (audited)."""


@brownout_group.command("add")
@click.argument("coordinate", required=False)
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: the only one].")
@window_option
@whole_version_option
@reason_option
@actor_option
@schemas_option
@db_option
@json_option
@handle_errors
def brownout_add_command(
    coordinate: str | None, endpoint: str | None, window: str, whole_version: bool, why: str, actor: str | None,
    schemas_spec: str | None, db_url: str | None, as_json: bool,
) -> None:
    """Add a brownout window to COORDINATE's record (or to the whole version with --whole-version)."""
    from gqlevolve.lifecycle.brownouts import parse_window
    from gqlevolve.procedures import add_brownout

    parsed = parse_window(window)  # before the store is opened
    schemas = None if whole_version else _schemas(schemas_spec)
    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        result = add_brownout(
            store, endpoint, coordinate, parsed, actor=actor, why=why, whole_version=whole_version, schemas=schemas
        )
    _show_brownouts(result, as_json)


@brownout_group.command("remove")
@click.argument("coordinate", required=False)
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: the only one].")
@click.option("--window", required=True, metavar="TEXT", help="The window to remove (as listed), or 'all'.")
@whole_version_option
@reason_option
@actor_option
@db_option
@json_option
@handle_errors
def brownout_remove_command(
    coordinate: str | None, endpoint: str | None, window: str, whole_version: bool, why: str, actor: str | None,
    db_url: str | None, as_json: bool,
) -> None:
    """Remove a brownout window from COORDINATE's record (or the whole version's)."""
    from gqlevolve.procedures import remove_brownout

    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        result = remove_brownout(store, endpoint, coordinate, window, actor=actor, why=why, whole_version=whole_version)
    _show_brownouts(result, as_json)


@brownout_group.command("list")
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: all].")
@db_option
@json_option
@handle_errors
def brownout_list_command(endpoint: str | None, db_url: str | None, as_json: bool) -> None:
    """Every brownout window in the store, with its next occurrence (UTC)."""
    from gqlevolve.procedures import list_brownouts

    with open_store(db_url) as store:
        entries = list_brownouts(store, endpoint)
    if as_json:
        print_json(entries)
        return
    print_table(
        "brownout windows",
        ["endpoint", "element", "window", "next (UTC)"],
        [
            (entry.endpoint, "(whole version)" if entry.whole_version else entry.coordinate, entry.window,
             f"{entry.next.start:%Y-%m-%d %H:%M}-{entry.next.end:%H:%M}" if entry.next else "-")
            for entry in entries
        ],
        empty="No brownout windows.",
    )


@deprecation_group.command("version")
@click.option("--endpoint", required=True, metavar="E", help="The version's endpoint path or name (v1).")
@click.option(
    "--refuse-new-adopters/--allow-new-adopters", "refuse_new_adopters", required=True,
    help="In its sunset warning, answer 410 to clients that had not used the version before the phase began.",
)
@reason_option
@actor_option
@db_option
@json_option
@handle_errors
def version_command(
    endpoint: str, refuse_new_adopters: bool, why: str, actor: str | None, db_url: str | None, as_json: bool
) -> None:
    """Set a whole version's no-new-adopters rule in the store (VersionLifecycle in code may also turn it on)."""
    from gqlevolve.procedures import set_version_enforcement

    actor, why = _actor(actor), _why(why)
    with open_store(db_url) as store:
        stored = set_version_enforcement(
            store, endpoint, refuse_new_adopters=refuse_new_adopters, actor=actor, why=why
        )
    name = canonical_endpoint(endpoint)
    if as_json:
        print_json({"endpoint": name, "refuse_new_adopters": stored})
        return
    print_text(f"{name}: new adopters {'refused' if stored else 'allowed'} in the sunset warning.")


@deprecation_group.command("refused")
@click.option("--endpoint", default=None, metavar="E", help="Endpoint path or version [default: all].")
@click.option("--days", type=int, default=30, show_default=True, metavar="N", help="The days ending today.")
@db_option
@json_option
@handle_errors
def refused_command(endpoint: str | None, days: int, db_url: str | None, as_json: bool) -> None:
    """Operations refused (no new adopters, brownouts) and preview requests, per client: never counted as use."""
    from gqlevolve.reports import enforcement_report

    with open_store(db_url) as store:
        rows = enforcement_report(store, endpoint, days=days)
    if as_json:
        print_json(rows)
        return
    print_table(
        f"refused and preview operations, last {days} days",
        ["endpoint", "element", "rule", "client", "version", "operations", "last seen"],
        [(row.endpoint, row.coordinate, row.kind, row.name or "(unnamed)", row.version, row.operations, row.last_seen)
         for row in rows],
        empty="No operation was refused or previewed.",
    )
