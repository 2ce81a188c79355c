"""``gqlevolve diff|export|check``: schema changes and the CI gate for versioned endpoints.

.. code-block:: sh

    gqlevolve diff schemas/v1.graphql http://localhost:8000/api/v1/graphql --markdown
    gqlevolve export                       # writes schemas/<version>.graphql from the server's schemas
    gqlevolve check --db $GQLEVOLVE_DB     # fails when a vN endpoint broke (draft only warns)

Example: two SDL files in ``tmp_dir``; ``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process, prints what it
prints and returns its exit code, 1 here: something is breaking.

    >>> old, new = tmp_dir / "v1.graphql", tmp_dir / "next.graphql"
    >>> _ = old.write_text('type Query { me: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String }')
    >>> _ = new.write_text("type Query { me: User } type User { fullName: String! nickname: String }")
    >>> run_cli("diff", str(old), str(new))
    Breaking changes (1)
      ✖ User.name  Field 'User.name' (deprecated) was removed.
    <BLANKLINE>
    Safe changes (2)
      ✔ User.fullName  Field 'User.fullName' changed type from 'String' to 'String!'.
      ✔ User.nickname  Field 'User.nickname' was added.
    <BLANKLINE>
    3 changes: 1 breaking, 0 dangerous, 2 safe.
    1

Heavy imports (graphql-core, Strawberry, the store) stay inside the commands: ``gqlevolve diff``
of two SDL files never imports graphql-core or SQLAlchemy.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import (
    EXIT_NEGATIVE,
    CommandError,
    handle_errors,
    json_option,
    parse_date,
    print_json,
    schema_source,
)

_SCHEMAS_HELP = (
    "The server's schemas, MODULE:ATTRIBUTE naming a mapping of version to schema "
    "[default: schemas in [tool.gqlevolve] of pyproject.toml]."
)
_SNAPSHOTS_HELP = (
    "Directory of the published snapshots <version>.graphql [default: snapshots in [tool.gqlevolve] of "
    "pyproject.toml, then schemas/]."
)


@main.command()
@click.argument("old")
@click.argument("new")
@json_option
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown (for a pull-request comment).")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="HTTP header for URL sources (repeatable).")
@handle_errors
def diff(old: str, new: str, as_json: bool, as_markdown: bool, headers: tuple[str, ...]) -> None:
    """Every change from OLD to NEW, grouped by criticality; exit 1 if any is breaking.

    OLD and NEW are SDL files, introspection JSON files, or endpoint URLs (introspected).
    """
    from gqlevolve.schema_diff import diff_schemas
    from gqlevolve.schema_diff.render import diff_as_dict, render_markdown, render_text
    from gqlevolve.schema_diff.sources import parse_headers

    if as_json and as_markdown:
        raise CommandError("choose one of --json and --markdown")
    result = diff_schemas(schema_source(old), schema_source(new), headers=parse_headers(headers))
    if as_json:
        print_json(diff_as_dict(result))
    elif as_markdown:
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result))
    if result.has_breaking:
        sys.exit(EXIT_NEGATIVE)


@main.command()
@click.argument("versions", nargs=-1)
@click.option("--schemas", "schemas_spec", metavar="MODULE:ATTRIBUTE", help=_SCHEMAS_HELP)
@click.option("--snapshots", "snapshots_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path), help=_SNAPSHOTS_HELP)
@json_option
@handle_errors
def export(versions: tuple[str, ...], schemas_spec: str | None, snapshots_dir: Path | None, as_json: bool) -> None:
    """Write the published snapshot of each version (or of VERSIONS) to <snapshots>/<version>.graphql."""
    from gqlevolve.schema_diff.versioned import export_snapshots, load_schemas

    spec, directory = _project_options(schemas_spec, snapshots_dir)
    written = export_snapshots(load_schemas(spec), directory, list(versions))
    if as_json:
        print_json({"written": [str(path) for path in written]})
    else:
        for path in written:
            click.echo(f"wrote {path}")


@main.command()
@click.option("--schemas", "schemas_spec", metavar="MODULE:ATTRIBUTE", help=_SCHEMAS_HELP)
@click.option("--snapshots", "snapshots_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path), help=_SNAPSHOTS_HELP)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Usage store: approve removals of deprecated elements that the advisor finds removable, and other breaking "
    "changes that no operation they break was seen doing in the window.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Day of the usage verdicts [default: today].")
@click.option(
    "--threshold", metavar="X", default=None,
    help="With --db: share of operations each day must stay under, 0.01 or 1% [default: 1% for removals of deprecated "
    "elements; none for other changes].",
)
@click.option(
    "--max-operations", metavar="N", default=None,
    help="With --db: operations the window may hold at most [default: 0 for breaking changes of elements never "
    "deprecated, unless --threshold is given; no count for removals of deprecated elements].",
)
@click.option("--window-days", metavar="N", default=None, help="With --db: days of usage judged, 1 to 3660 [default: 90].")
@click.option("--exclude-client", "exclude_clients", multiple=True, metavar="NAME", help="With --db: leave a client out (repeatable).")
@json_option
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown (for a pull-request comment).")
@handle_errors
def check(
    schemas_spec: str | None,
    snapshots_dir: Path | None,
    db_url: str | None,
    as_of: str | None,
    threshold: str | None,
    max_operations: str | None,
    window_days: str | None,
    exclude_clients: tuple[str, ...],
    as_json: bool,
    as_markdown: bool,
) -> None:
    """Compare each version's schema with its published snapshot (adr-endpoint-versioning.md).

    Breaking changes on a vN endpoint fail (exit 1); on draft they are warnings (exit 0). No snapshot folder,
    a snapshot or schema that is not a schema (empty or truncated, comments only, an operation, no Query type),
    a store that does not exist or cannot be reached, or bad input: exit 2.

    With --db, each breaking change on a vN endpoint is judged by usage: the removal of a deprecated element by the
    removal advisor (1% a day over 90 days), any other by the operations it would break (none seen in 90 days, every
    day covered by whole-schema usage); an approved change does not fail the check, the others list the operations
    and clients they would break.
    """
    from gqlevolve.schema_diff.versioned import check_versions, load_schemas

    spec, directory = _project_options(schemas_spec, snapshots_dir)
    if not directory.is_dir():
        # Nothing was published there (or this is the wrong folder): an error, not a "breaking" verdict.
        raise CommandError(
            f"no snapshot folder {directory}/: point --snapshots at the folder of the published <version>.graphql "
            "files, or publish them with 'gqlevolve export'"
        )
    schemas = load_schemas(spec)
    day = parse_date(as_of, option="--as-of")
    usage_options = {"--threshold": threshold, "--max-operations": max_operations, "--window-days": window_days,
                     "--exclude-client": exclude_clients}
    if not db_url:
        given = [name for name, value in usage_options.items() if value]
        if given:
            raise CommandError(f"{', '.join(given)}: usage thresholds need a usage store (--db URL)")
        report = check_versions(schemas, directory)
    else:
        report = _check_with_usage(
            schemas, directory, db_url, day, threshold=threshold, max_operations=max_operations,
            window_days=window_days, exclude_clients=exclude_clients,
        )
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(_render_check(report, markdown=as_markdown), nl=False)
    if not report.passed:
        sys.exit(EXIT_NEGATIVE)



def _check_with_usage(
    schemas: dict[str, Any],
    directory: Path,
    db_url: str,
    day: Any,
    *,
    threshold: str | None,
    max_operations: str | None,
    window_days: str | None,
    exclude_clients: tuple[str, ...],
) -> Any:
    """``check_versions`` with the advisor for deprecated removals and whole-schema usage for other breaking changes."""
    from gqlevolve.advisor.candidates import UsageRule
    from gqlevolve.advisor.policy import CLI_NAMES, removal_policy
    from gqlevolve.cli._store import reach
    from gqlevolve.schema_diff.usage_check import BreakageCheck
    from gqlevolve.schema_diff.versioned import check_versions, store_approver
    from gqlevolve.usage_store import UsageStore

    # One parser for the thresholds (the advisor's): the same values accepted and refused as `advise` does.
    policy = removal_policy(
        threshold=threshold, max_operations=max_operations, window_days=window_days, exclude_clients=exclude_clients,
        names=CLI_NAMES,
    )
    # Elements never deprecated: "not seen at all" unless thresholds are given (the 1% is the deprecation policy's).
    rule = UsageRule(
        window_days=policy.window_days,
        threshold=policy.threshold if threshold else None,
        max_operations=policy.max_operations if max_operations else (None if threshold else 0),
        exclude_clients=policy.exclude_clients,
    )
    reach(db_url)  # a missing SQLite file is an error (never created), an unreachable store one line
    with UsageStore(db_url, handle_shutdown=False) as store:
        usage = BreakageCheck(store, rule=rule, as_of=day)
        return check_versions(
            schemas, directory, approve=store_approver(store, as_of=day, policy=policy, usage=usage), usage=usage
        )


def _project_options(schemas_spec: str | None, snapshots_dir: Path | None) -> tuple[str, Path]:
    from gqlevolve.schema_diff.versioned import project_settings

    settings = project_settings()
    spec = schemas_spec or settings.get("schemas")
    if not spec:
        raise CommandError("no schemas: pass --schemas MODULE:ATTRIBUTE or set schemas in [tool.gqlevolve] of pyproject.toml")
    if snapshots_dir is None:
        snapshots_dir = Path(settings.get("snapshots", "schemas"))
    return spec, snapshots_dir


def _render_check(report: Any, *, markdown: bool) -> str:
    from gqlevolve.schema_diff.render import render_markdown, render_text

    parts = []
    for version in report.versions:
        verdict = {"passed": "passed", "warning": "breaking changes (draft: warning only)", "failed": "FAILED"}[version.status]
        heading = f"{version.version} ({version.endpoint}) against {version.snapshot}: {verdict}"
        body: list[str] = [f"Problem: {problem}" for problem in version.problems]
        if version.diff is not None:
            if markdown:
                body.append(render_markdown(version.diff, title=heading))
            else:
                body.append(render_text(version.diff))
        if markdown:
            if version.diff is None:
                body.insert(0, f"## {heading}\n")
            parts.append("\n".join(body).rstrip() + "\n")
        else:
            parts.append("\n".join([heading, *("  " + line for text in body for line in text.splitlines())]) + "\n")
    verdict = "check passed" if report.passed else "check FAILED: a versioned endpoint changed in a breaking way"
    parts.append(("**" + verdict + "**" if markdown else verdict) + "\n")
    return "\n".join(parts)

