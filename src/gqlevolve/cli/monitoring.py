"""The policy's monitoring commands: ``advise``, ``deprecation-report``, ``sunset-warnings``, ``usage-stats``,
``client-versions``, ``migration-report``.

Each prints a table, or JSON with ``--json`` (the same objects as the admin API). The store and the reports
are imported inside the commands, so that ``gqlevolve diff`` never loads SQLAlchemy.

Example::

    gqlevolve advise --endpoint v1 --exclude-client load-test --json
    gqlevolve usage-stats --endpoint /api/v1/graphql --days 30 --coordinate User.name
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import (
    EXIT_NEGATIVE,
    CommandError,
    db_option,
    handle_errors,
    json_option,
    parse_date,
    print_json,
    print_table,
)
from gqlevolve.cli._store import open_store, percent

__all__ = [
    "advise_command",
    "client_versions_command",
    "deprecation_report_command",
    "migration_report_command",
    "parse_threshold",
    "sunset_warnings_command",
    "usage_stats_command",
]

endpoint_option = click.option(
    "--endpoint", "endpoint", metavar="E", default=None,
    help="Endpoint path (/api/v1/graphql) or version (v1) [default: the store's only endpoint].",
)
as_of_option = click.option("--as-of", "as_of", metavar="DATE", default=None, help="The day asked about: the day judged by the advisor, the last day of a report's window [default: today, UTC].")


def parse_threshold(value: str | None) -> float | None:
    """``0.01`` or ``1%``."""
    if value is None:
        return None
    text = value.strip()
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise CommandError(f"--threshold: {value!r} is not a share (0.01) or a percentage (1%)") from None


def _as_of(value: str | None) -> dt.date | None:
    return parse_date(value, option="--as-of")


def _clients(clients: list) -> str:
    names = [f"{client.name or '(unnamed)'} {client.version or ''}".strip() for client in clients]
    return ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")


@main.command("advise")
@endpoint_option
@click.option("--coordinate", "coordinates", metavar="C", multiple=True, help="Judge only this coordinate (repeatable).")
@as_of_option
@click.option("--threshold", metavar="X", default=None, help="Share each day must stay under: 0.01 or 1% [default: 1%].")
@click.option("--window-days", type=int, default=None, metavar="N", help="Days that must all be under [default: 90].")
@click.option("--min-deprecated-days", type=int, default=None, metavar="N", help="Days deprecated at least [default: 90].")
@click.option("--exclude-client", "exclude_clients", multiple=True, metavar="NAME", help="Leave a client out (repeatable).")
@click.option(
    "--zero-traffic", type=click.Choice(["uncovered", "under_threshold"]), default=None,
    help="How a watched day without traffic counts [default: uncovered].",
)
@db_option
@json_option
@handle_errors
def advise_command(
    endpoint: str | None,
    coordinates: tuple[str, ...],
    as_of: str | None,
    threshold: str | None,
    window_days: int | None,
    min_deprecated_days: int | None,
    exclude_clients: tuple[str, ...],
    zero_traffic: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """May the deprecated coordinates be removed? Exit 0 if all asked for are removable, 1 if not, 2 on error."""
    from gqlevolve.advisor import RemovalPolicy, advise

    settings = {
        "threshold": parse_threshold(threshold),
        "window_days": window_days,
        "min_deprecated_days": min_deprecated_days,
        "zero_traffic": zero_traffic,
    }
    policy = RemovalPolicy(
        exclude_clients=exclude_clients, **{name: value for name, value in settings.items() if value is not None}
    )
    day = _as_of(as_of)
    with open_store(db_url) as store:
        if coordinates:
            verdicts = [
                verdict
                for coordinate in coordinates
                for verdict in advise(store, endpoint, coordinate, as_of=day, policy=policy)
            ]
            unknown = [verdict for verdict in verdicts if not verdict.deprecated]
            if unknown:
                known = ", ".join(stored.record.coordinate for stored in store.deprecations(unknown[0].endpoint))
                raise CommandError(f"{unknown[0].reasons[0]}. Deprecated there: {known or 'nothing'}")
        else:
            verdicts = advise(store, endpoint, as_of=day, policy=policy)
    if as_json:
        print_json(verdicts)
    else:
        print_table(
            f"Removal advice ({policy.threshold_text} over {policy.window_days} days)",
            ["endpoint", "coordinate", "removable", "status", "max share (day)", "days covered", "earliest removal", "clients"],
            [
                (
                    v.endpoint, v.coordinate, "yes" if v.removable else "no", v.status,
                    f"{percent(v.max_daily_share)} ({v.max_share_day})" if v.max_share_day else percent(v.max_daily_share),
                    f"{v.days_covered}/{v.window_days}", v.earliest_removal or "-", _clients(v.clients),
                )
                for v in verdicts
            ],
        )
        for verdict in verdicts:
            click.echo(f"{verdict.coordinate}:")
            for reason in verdict.reasons:
                click.echo(f"  - {reason}")
        if not verdicts:
            click.echo("No deprecated coordinates on this endpoint.")
    if not verdicts or not all(verdict.removable for verdict in verdicts):
        sys.exit(EXIT_NEGATIVE)


@main.command("deprecation-report")
@endpoint_option
@as_of_option
@db_option
@json_option
@handle_errors
def deprecation_report_command(endpoint: str | None, as_of: str | None, db_url: str | None, as_json: bool) -> None:
    """Every deprecation: status, dates, replacement, share over the last 30 days (--as-of included), clients, verdict."""
    from gqlevolve.reports import deprecation_report

    with open_store(db_url) as store:
        rows = deprecation_report(store, endpoint, as_of=_as_of(as_of))
    if as_json:
        print_json(rows)
        return
    print_table(
        "Deprecations",
        ["endpoint", "coordinate", "status", "deprecated", "sunset", "replacement", "share 30d", "clients",
         "removable", "earliest removal"],
        [
            (r.endpoint, r.coordinate, r.status, r.deprecated_on, r.sunset_on, r.replacement, percent(r.share_30d),
             _clients(r.clients), "yes" if r.removable else "no", r.earliest_removal or "-")
            for r in rows
        ],
    )


@main.command("sunset-warnings")
@endpoint_option
@as_of_option
@click.option("--within-days", type=int, default=7, show_default=True, help="Also list what enters sunset_warning this soon.")
@db_option
@json_option
@handle_errors
def sunset_warnings_command(
    endpoint: str | None, as_of: str | None, within_days: int, db_url: str | None, as_json: bool
) -> None:
    """What is in sunset_warning or enters it soon; ALERT when >10% of traffic within 30 days of the sunset."""
    from gqlevolve.reports import sunset_warnings

    with open_store(db_url) as store:
        warnings = sunset_warnings(store, endpoint, as_of=_as_of(as_of), within_days=within_days)
    if as_json:
        print_json(warnings)
        return
    print_table(
        "Sunset warnings",
        ["endpoint", "coordinate", "status", "sunset", "days left", "share 7d", "alert", "clients"],
        [
            (w.endpoint, w.coordinate, w.status, w.sunset_on, w.days_until_sunset, percent(w.recent_share),
             "ALERT" if w.alert else "", _clients(w.clients))
            for w in warnings
        ],
    )
    for warning in warnings:
        if warning.alert:
            click.echo(warning.message)
    if not warnings:
        click.echo("Nothing is in or entering sunset_warning.")


@main.command("usage-stats")
@endpoint_option
@click.option("--days", type=int, default=30, show_default=True, metavar="N", help="Days ending with --as-of, included (today so far by default).")
@click.option("--coordinate", metavar="C", default=None, help="Only this coordinate.")
@as_of_option
@db_option
@json_option
@handle_errors
def usage_stats_command(
    endpoint: str | None, days: int, coordinate: str | None, as_of: str | None, db_url: str | None, as_json: bool
) -> None:
    """Daily operations and the shares that used deprecated elements."""
    from gqlevolve.reports import usage_stats

    with open_store(db_url) as store:
        stats = usage_stats(store, endpoint, days, coordinate=coordinate, as_of=_as_of(as_of))
    if as_json:
        print_json(stats)
        return
    columns = ["day", "operations", "deprecated ops", "deprecated share"]
    if coordinate:
        columns += [f"{coordinate} ops", "share"]
    rows = []
    for day in stats.days:
        row = [day.day, day.operations, day.deprecated_operations, percent(day.deprecated_share)]
        if coordinate:
            used = day.coordinates[coordinate]
            row += [used.operations, percent(used.share)]
        rows.append(row)
    print_table(f"Usage of {stats.endpoint}, {stats.first_day} to {stats.last_day}", columns, rows)
    if not coordinate and stats.coordinates:
        total = sum(day.operations for day in stats.days)
        print_table(
            "Per deprecated coordinate",
            ["coordinate", "operations", "share", "highest daily share"],
            [
                (name, used, percent(used / total if total else None),
                 percent(max((day.coordinates[name].share or 0.0 for day in stats.days), default=None)))
                for name in stats.coordinates
                for used in [sum(day.coordinates[name].operations for day in stats.days)]
            ],
        )


@main.command("client-versions")
@endpoint_option
@click.option("--days", type=int, default=30, show_default=True, metavar="N", help="Days ending with --as-of, included (today so far by default).")
@as_of_option
@db_option
@json_option
@handle_errors
def client_versions_command(endpoint: str | None, days: int, as_of: str | None, db_url: str | None, as_json: bool) -> None:
    """Each client name and version, last seen, and the deprecated elements it still uses."""
    from gqlevolve.reports import client_versions

    with open_store(db_url) as store:
        clients = client_versions(store, endpoint, days=days, as_of=_as_of(as_of))
    if as_json:
        print_json(clients)
        return
    print_table(
        f"Clients over the last {days} days",
        ["endpoint", "client", "version", "operations", "last seen", "deprecated elements in use"],
        [
            (c.endpoint, c.name or "(unnamed)", c.version or "", c.operations, c.last_seen,
             ", ".join(f"{use.coordinate} ({use.operations})" for use in c.deprecated) or "-")
            for c in clients
        ],
    )


@main.command("migration-report")
@endpoint_option
@click.option("--weeks", type=int, default=4, show_default=True, metavar="N", help="Weeks (7 days) ending with --as-of, included.")
@as_of_option
@db_option
@json_option
@handle_errors
def migration_report_command(endpoint: str | None, weeks: int, as_of: str | None, db_url: str | None, as_json: bool) -> None:
    """Per week: clients migrated away from each deprecated element versus remaining."""
    from gqlevolve.reports import migration_report

    with open_store(db_url) as store:
        report = migration_report(store, endpoint, weeks=weeks, as_of=_as_of(as_of))
    if as_json:
        print_json(report)
        return
    print_table(
        f"Migration over the last {weeks} weeks",
        ["endpoint", "coordinate", "week", "remaining", "migrated", "inactive"],
        [
            (w.endpoint, w.coordinate, f"{w.week_start}..{w.week_end}",
             f"{len(w.remaining)}: {', '.join(w.remaining)}" if w.remaining else "0",
             f"{len(w.migrated)}: {', '.join(w.migrated)}" if w.migrated else "0", len(w.inactive))
            for w in report
        ],
    )
