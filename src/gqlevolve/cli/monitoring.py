"""The policy's monitoring commands: ``advise``, ``deprecation-report``, ``sunset-warnings``, ``usage-stats``,
``client-versions``, ``migration-report``.

Each prints a table, or JSON with ``--json`` (the same objects as the admin API); a report without rows prints
one sentence instead of an empty table. The store and the reports are imported inside the commands, so that
``gqlevolve diff`` never loads SQLAlchemy.

Without ``--endpoint``, every command takes the store's only endpoint when it knows exactly one. When it knows
several (or none), the reports that can cover several (``deprecation-report``, ``sunset-warnings``,
``client-versions``, ``migration-report``) cover all of them, and the commands that answer for one endpoint
(``advise``, ``usage-stats``) stop with an error listing the endpoints. A table leaves out the endpoint column
when its rows come from one endpoint (the title names it).

Exit codes: 0, 1 for a negative answer (``advise``: something asked for is not removable; ``sunset-warnings``:
it shows an alert), 2 for an error, 3 for a bug in gqlevolve (``cli._common.handle_errors``). ``advise`` builds
its removal policy with :func:`gqlevolve.advisor.policy.removal_policy`, as the admin API's ``/eligibility``
does: the same values are accepted and refused, with the same messages (naming the options here).

Example: two days of traffic on one endpoint, in a store whose clock is pinned to the second day (any day before
today works: ``--as-of``, the day asked about, defaults to today, UTC, and a day after today is refused).
``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process, prints what it prints and returns its exit code.

    >>> from datetime import date
    >>> from gqlevolve.clock import FixedClock
    >>> from gqlevolve.usage_store import UsageStore
    >>> with UsageStore(store_url, clock=FixedClock(date(2025, 6, 2))) as store:     # e.g. "sqlite:///gqlevolve.db"
    ...     v1 = "/api/v1/graphql"
    ...     store.record_operation(v1, {"User.name"}, client_name="web", client_version="1.4", when=date(2025, 6, 1), count=3)
    ...     store.record_operation(v1, set(), client_name="web", client_version="2.0", when=date(2025, 6, 1), count=7)
    ...     store.record_operation(v1, {"User.name"}, client_name="web", client_version="1.4", count=1)
    ...     store.record_operation(v1, set(), client_name="ios", client_version="5.1", count=9)
    >>> run_cli("client-versions", "--days", "2", "--as-of", "2025-06-02", "--db", store_url)
    Clients over the 2 days to 2025-06-02 on /api/v1/graphql
    client  version  operations  last seen   deprecated elements in use
    ───────────────────────────────────────────────────────────────────
    web     1.4      4           2025-06-02  User.name (4)
    ios     5.1      9           2025-06-02  -
    web     2.0      7           2025-06-01  -
    0
    >>> run_cli("usage-stats", "--days", "2", "--as-of", "2025-06-02", "--coordinate", "User.name", "--db", store_url)
    Usage of /api/v1/graphql and User.name, 2025-06-01 to 2025-06-02
                                                    ops
                            deprecated  deprecated  using  its
    day         operations  ops         share       it     share
    ─────────────────────────────────────────────────────────────
    2025-06-01  10          3           30.00%      3      30.00%
    2025-06-02  10          1           10.00%      1      10.00%
    0

In a shell:

.. code-block:: sh

    gqlevolve advise --endpoint v1 --exclude-client load-test --json
    gqlevolve usage-stats --endpoint /api/v1/graphql --days 30 --coordinate User.name
    gqlevolve sunset-warnings || notify-platform-team      # exit 1: an element >10% of traffic near its sunset
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import (
    EXIT_NEGATIVE,
    Column,
    db_option,
    endpoint_option,
    handle_errors,
    json_option,
    parse_date,
    print_json,
    print_table,
    print_text,
    text_column,
)
from gqlevolve.cli._store import open_store, percent
from gqlevolve.errors import NotFound

if TYPE_CHECKING:
    from gqlevolve.advisor import RemovalPolicy, Verdict
    from gqlevolve.usage_store import UsageStore

__all__ = [
    "advise_command",
    "client_versions_command",
    "deprecation_report_command",
    "migration_report_command",
    "parse_threshold",
    "sunset_warnings_command",
    "usage_stats_command",
]

as_of_option = click.option("--as-of", "as_of", metavar="DATE", default=None, help="The day asked about: the day judged by the advisor, the last day of a report's window [default: today, UTC].")

#: The sentence of every report when the store has no endpoint to cover.
NO_ENDPOINT = "The usage store knows no endpoint yet (no traffic and no deprecation records)."
#: Clients named in a table cell before "(+N more)".
_CLIENTS_SHOWN = 3


def parse_threshold(value: str | None) -> float | None:
    """``0.01`` or ``1%`` (:func:`gqlevolve.inputs.share`, as ``advise --threshold`` and the admin API read it)."""
    from gqlevolve.inputs import share

    return None if value is None else share(value, field="threshold", name="--threshold")


def _as_of(value: str | None) -> dt.date | None:
    return parse_date(value, option="--as-of")


def _clients(clients: Sequence[Any]) -> str:
    """One client a line (a cell folds between clients, not inside one)."""
    names = [f"{client.name or '(unnamed)'} {client.version or ''}".strip() for client in clients]
    more = len(names) - _CLIENTS_SHOWN
    return "\n".join(names[:_CLIENTS_SHOWN] + ([f"(+{more} more)"] if more > 0 else []))


def _one_endpoint(store: UsageStore, endpoint: str | None) -> str:
    from gqlevolve.endpoints import resolve_endpoint

    return resolve_endpoint(endpoint, store.endpoints())


def _endpoints(store: UsageStore, endpoint: str | None) -> list[str]:
    from gqlevolve.reports._common import endpoints_to_cover

    return endpoints_to_cover(store.endpoints(), endpoint)


def _on(endpoints: Sequence[str]) -> str:
    return f"on {endpoints[0]}" if len(endpoints) == 1 else f"on {', '.join(endpoints[:-1])} or {endpoints[-1]}"


def _title(what: str, endpoints: Sequence[str]) -> str:
    return f"{what} {_on(endpoints)}" if len(endpoints) == 1 else what


def _with_endpoint(endpoints: Sequence[str], columns: list[Column], rows: list[tuple[Any, ...]]) -> tuple[list[Column], list[tuple[Any, ...]]]:
    """The endpoint column, first, only when the rows come from several endpoints (``rows`` start with it)."""
    if len(endpoints) == 1:
        return columns, [row[1:] for row in rows]
    return [Column("endpoint", key=True), *columns], rows


@main.command("advise")
@endpoint_option(several=False)
@click.option("--coordinate", "coordinates", metavar="C", multiple=True, help="Judge only this coordinate (repeatable).")
@as_of_option
@click.option("--threshold", metavar="X", default=None, help="Share each day must stay under, above 0 and at most 1: 0.01 or 1% [default: 1%].")
@click.option(
    "--max-operations", default=None, metavar="N",
    help="Also at most N operations over the window, 0 for none at all [default: no count].",
)
@click.option("--window-days", default=None, metavar="N", help="Days that must all be under, 1 to 3660 [default: 90].")
@click.option("--min-deprecated-days", default=None, metavar="N", help="Days deprecated at least, 0 to 3660 [default: 90].")
@click.option("--exclude-client", "exclude_clients", multiple=True, metavar="NAME", help="Leave a client out (repeatable).")
@click.option(
    "--zero-traffic", default=None, metavar="uncovered|under_threshold",
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
    max_operations: str | None,
    window_days: str | None,
    min_deprecated_days: str | None,
    exclude_clients: tuple[str, ...],
    zero_traffic: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """May the deprecated coordinates of one endpoint be removed?

    A --coordinate that is not deprecated gets a candidate verdict: its whole-schema usage judged by the same
    window and thresholds, with the operations and clients that used it (never removable: deprecate it first).
    Exit 0 if all asked for are removable, 1 if not (or if nothing is deprecated there), 2 on error.
    """
    from gqlevolve.advisor.policy import CLI_NAMES, removal_policy

    # The admin API's /eligibility builds its policy with the same function: the same values, the same refusals.
    policy = removal_policy(
        threshold=threshold, window_days=window_days, min_deprecated_days=min_deprecated_days,
        exclude_clients=exclude_clients, zero_traffic=zero_traffic, max_operations=max_operations, names=CLI_NAMES,
    )
    name, verdicts = _verdicts(db_url, endpoint, coordinates, _as_of(as_of), policy)
    if as_json:
        print_json(verdicts)
    else:
        _print_verdicts(name, verdicts, policy)
    if not verdicts or not all(verdict.removable for verdict in verdicts):
        sys.exit(EXIT_NEGATIVE)


def _verdicts(
    db_url: str | None, endpoint: str | None, coordinates: tuple[str, ...], day: dt.date | None, policy: RemovalPolicy
) -> tuple[str, list[Verdict]]:
    """The endpoint advised on and its verdicts: of the coordinates asked for (a candidate verdict for one that is not
    deprecated; one the store knows nothing of is an error), or of every deprecated element of the endpoint."""
    from gqlevolve.advisor import advise

    with open_store(db_url) as store:
        name = _one_endpoint(store, endpoint)
        if not coordinates:
            return name, advise(store, name, as_of=day, policy=policy)
        verdicts = [
            verdict for coordinate in coordinates for verdict in advise(store, name, coordinate, as_of=day, policy=policy)
        ]
        # Not deprecated, not in the registered schema and never used: a typo, not a candidate.
        unknown = [
            verdict for verdict in verdicts
            if not verdict.deprecated and verdict.in_schema is not True and verdict.last_used is None
        ]
        if unknown:
            known = ", ".join(stored.record.coordinate for stored in store.deprecations(name))
            raise NotFound(
                f"{unknown[0].coordinate} has no deprecation record on {name}, is not in its registered schema and "
                f"was never used there. Deprecated there: {known or 'nothing'}",
                field="coordinate",
            )
        return name, verdicts


def _print_verdicts(name: str, verdicts: list[Verdict], policy: RemovalPolicy) -> None:
    """One row per verdict, then each verdict's reasons (they explain themselves in full, never cut)."""
    count = "" if policy.max_operations is None else f", at most {policy.max_operations} operations"
    print_table(
        f"Removal advice on {name} ({policy.threshold_text}{count} over {policy.window_days} days)",
        [Column("coordinate", key=True), Column("removable"), Column("status"), Column("max share (day)"),
         Column("days covered"), Column("earliest removal"), text_column("clients")],
        [
            (
                v.coordinate, "yes" if v.removable else "no (candidate)" if v.candidate else "no",
                v.status or ("-" if v.deprecated else "not deprecated"),
                f"{percent(v.max_daily_share)} ({v.max_share_day})" if v.max_share_day else percent(v.max_daily_share),
                f"{v.days_covered}/{v.window_days}", v.earliest_removal or "-", _clients(v.clients),
            )
            for v in verdicts
        ],
        empty=f"No deprecated elements on {name}.",
    )
    if verdicts:
        click.echo()
    for verdict in verdicts:
        click.echo(f"{verdict.coordinate}:")
        for reason in verdict.reasons:
            print_text(reason, first="  - ", indent="    ")
        if verdict.used_by:
            more = f" and {verdict.more_operations} more" if verdict.more_operations else ""
            used_by = ", ".join(_operation(operation) for operation in verdict.used_by)
            print_text(f"operations: {used_by}{more}", first="  - ", indent="    ")


def _operation(operation: Any) -> str:
    """``Users [aaaaaaaa] ×3 (web 1.4)``: name (or kind), document hash, count, its first client."""
    label = operation.name or f"(anonymous {operation.kind or 'operation'})"
    client = ""
    if operation.clients:
        client_name, version = operation.clients[0]
        more = f" +{len(operation.clients) - 1}" if len(operation.clients) > 1 else ""
        client = f" ({client_name or '(unnamed)'}{' ' + version if version else ''}{more})"
    return f"{label} [{operation.document_hash[:8]}] ×{operation.count}{client}"


@main.command("deprecation-report")
@endpoint_option(several=True)
@as_of_option
@db_option
@json_option
@handle_errors
def deprecation_report_command(endpoint: str | None, as_of: str | None, db_url: str | None, as_json: bool) -> None:
    """Every deprecation: status, dates, replacement, share over the last 30 days (--as-of included), clients, verdict."""
    from gqlevolve.reports import deprecation_report

    with open_store(db_url) as store:
        endpoints = _endpoints(store, endpoint)
        rows = deprecation_report(store, endpoint, as_of=_as_of(as_of))
    if as_json:
        print_json(rows)
        return
    columns, cells = _with_endpoint(
        endpoints,
        [Column("coordinate", key=True), Column("status"), Column("deprecated"), Column("sunset"),
         Column("replacement"), Column("share 30d"), Column("removable"), text_column("clients")],
        [
            (r.endpoint, r.coordinate, r.status, r.deprecated_on, r.sunset_on, r.replacement, percent(r.share_30d),
             "yes" if r.removable else (f"from {r.earliest_removal}" if r.earliest_removal else "no"),
             _clients(r.clients))
            for r in rows
        ],
    )
    print_table(
        _title("Deprecations", endpoints), columns, cells,
        empty=f"No deprecated elements {_on(endpoints)}." if endpoints else NO_ENDPOINT,
    )


@main.command("sunset-warnings")
@endpoint_option(several=True)
@as_of_option
@click.option("--within-days", type=int, default=7, show_default=True, help="Also list what enters sunset_warning this soon.")
@db_option
@json_option
@handle_errors
def sunset_warnings_command(
    endpoint: str | None, as_of: str | None, within_days: int, db_url: str | None, as_json: bool
) -> None:
    """What is in sunset_warning or enters it soon, and the policy's ALERT: more than 10% of traffic (last 7
    days) within 30 days of the sunset.

    Exit 1 when an ALERT is shown (also with --json), so that a cron job can act on it; 0 otherwise; 2 on error.
    """
    from gqlevolve.reports import sunset_warnings

    with open_store(db_url) as store:
        endpoints = _endpoints(store, endpoint)
        warnings = sunset_warnings(store, endpoint, as_of=_as_of(as_of), within_days=within_days)
    alerts = [warning for warning in warnings if warning.alert]
    if as_json:
        print_json(warnings)
    else:
        columns, cells = _with_endpoint(
            endpoints,
            [Column("coordinate", key=True), Column("status"), Column("sunset"), Column("days left"),
             Column("share 7d"), Column("alert"), text_column("clients")],
            [
                (w.endpoint, w.coordinate, w.status, w.sunset_on, w.days_until_sunset, percent(w.recent_share),
                 "ALERT" if w.alert else "-", _clients(w.clients))
                for w in warnings
            ],
        )
        print_table(
            _title("Sunset warnings", endpoints), columns, cells,
            empty=(
                f"Nothing {_on(endpoints)} is in sunset_warning or enters it within {within_days} days."
                if endpoints else NO_ENDPOINT
            ),
        )
        if alerts:
            click.echo()
        for warning in alerts:
            print_text(warning.message, indent="  ")
    if alerts:
        sys.exit(EXIT_NEGATIVE)


@main.command("usage-stats")
@endpoint_option(several=False)
@click.option("--days", type=int, default=30, show_default=True, metavar="N", help="Days ending with --as-of, included (today so far by default).")
@click.option("--coordinate", metavar="C", default=None, help="Only this coordinate.")
@as_of_option
@db_option
@json_option
@handle_errors
def usage_stats_command(
    endpoint: str | None, days: int, coordinate: str | None, as_of: str | None, db_url: str | None, as_json: bool
) -> None:
    """Daily operations of one endpoint and the shares that used deprecated elements."""
    from gqlevolve.reports import usage_stats

    with open_store(db_url) as store:
        stats = usage_stats(store, endpoint, days, coordinate=coordinate, as_of=_as_of(as_of))
    if as_json:
        print_json(stats)
        return
    columns = [Column("day", key=True), Column("operations"), Column("deprecated ops"), Column("deprecated share")]
    if coordinate:
        columns += [Column("ops using it"), Column("its share")]
    rows = []
    for day in stats.days:
        row = [day.day, day.operations, day.deprecated_operations, percent(day.deprecated_share)]
        if coordinate:
            used = day.coordinates[coordinate]
            row += [used.operations, percent(used.share)]
        rows.append(row)
    about = f"{stats.endpoint} and {coordinate}" if coordinate else stats.endpoint
    print_table(
        f"Usage of {about}, {stats.first_day} to {stats.last_day}", columns, rows,
        empty=f"No operations on {stats.endpoint} from {stats.first_day} to {stats.last_day}.",
    )
    if not coordinate and stats.coordinates and stats.days:
        click.echo()
        total = sum(day.operations for day in stats.days)
        print_table(
            "Per deprecated coordinate",
            [Column("coordinate", key=True), Column("operations"), Column("share"), Column("highest daily share")],
            [
                (name, used, percent(used / total if total else None),
                 percent(max((day.coordinates[name].share or 0.0 for day in stats.days), default=None)))
                for name in stats.coordinates
                for used in [sum(day.coordinates[name].operations for day in stats.days)]
            ],
        )


@main.command("client-versions")
@endpoint_option(several=True)
@click.option("--days", type=int, default=30, show_default=True, metavar="N", help="Days ending with --as-of, included (today so far by default).")
@as_of_option
@db_option
@json_option
@handle_errors
def client_versions_command(endpoint: str | None, days: int, as_of: str | None, db_url: str | None, as_json: bool) -> None:
    """Each client name and version, last seen, and the deprecated elements it still uses."""
    from gqlevolve.reports import client_versions

    day = _as_of(as_of)
    with open_store(db_url) as store:
        endpoints = _endpoints(store, endpoint)
        clients = client_versions(store, endpoint, days=days, as_of=day)
        last_day = day or store.clock.today()
    if as_json:
        print_json(clients)
        return
    columns, cells = _with_endpoint(
        endpoints,
        [Column("client", key=True), Column("version", key=True), Column("operations"), Column("last seen"),
         text_column("deprecated elements in use")],
        [
            (c.endpoint, c.name or "(unnamed)", c.version or "", c.operations, c.last_seen,
             "\n".join(f"{use.coordinate} ({use.operations})" for use in c.deprecated) or "-")
            for c in clients
        ],
    )
    print_table(
        _title(f"Clients over the {days} days to {last_day}", endpoints), columns, cells,
        empty=f"No operations {_on(endpoints)} in the {days} days to {last_day}." if endpoints else NO_ENDPOINT,
    )


@main.command("migration-report")
@endpoint_option(several=True)
@click.option("--weeks", type=int, default=4, show_default=True, metavar="N", help="Weeks (7 days) ending with --as-of, included.")
@as_of_option
@db_option
@json_option
@handle_errors
def migration_report_command(endpoint: str | None, weeks: int, as_of: str | None, db_url: str | None, as_json: bool) -> None:
    """Per week: clients migrated away from each deprecated element versus remaining."""
    from gqlevolve.reports import migration_report

    with open_store(db_url) as store:
        endpoints = _endpoints(store, endpoint)
        report = migration_report(store, endpoint, weeks=weeks, as_of=_as_of(as_of))
    if as_json:
        print_json(report)
        return
    columns, cells = _with_endpoint(
        endpoints,
        [Column("coordinate", key=True), Column("week", key=True), text_column("remaining"),
         text_column("migrated"), Column("inactive")],
        [
            (w.endpoint, w.coordinate, f"{w.week_start}..{w.week_end}",
             f"{len(w.remaining)}: {', '.join(w.remaining)}" if w.remaining else "0",
             f"{len(w.migrated)}: {', '.join(w.migrated)}" if w.migrated else "0", len(w.inactive))
            for w in report
        ],
    )
    print_table(
        _title(f"Migration over the last {weeks} weeks", endpoints), columns, cells,
        empty=f"No deprecated elements {_on(endpoints)}." if endpoints else NO_ENDPOINT,
    )
