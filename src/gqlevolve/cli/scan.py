"""``gqlevolve scan``: the GraphQL operations in client code, checked against an endpoint's schema before they run.

.. code-block:: sh

    gqlevolve scan web/src --endpoint v1                              # against the server's current v1 schema
    gqlevolve scan web/src --schema schemas/v1.graphql --against next.graphql --sarif > scan.sarif
    gqlevolve scan app/ --endpoint v1 --db $GQLEVOLVE_DB --github      # with sunsets and replacements, as annotations

Example: a client tree in ``tmp_dir`` with one operation that uses a field the schema under review removes
(``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process, prints what it prints and returns its exit code):

    >>> old, new = tmp_dir / "v1.graphql", tmp_dir / "next.graphql"
    >>> _ = old.write_text('type Query { me: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String }')
    >>> _ = new.write_text("type Query { me: User } type User { fullName: String }")
    >>> (tmp_dir / "web").mkdir()
    >>> _ = (tmp_dir / "web" / "me.graphql").write_text("query Me {\\n  me { name }\\n}\\n")
    >>> run_cli("scan", str(tmp_dir / "web"), "--schema", str(old), "--against", str(new), "--github")
    ::error file=.../web/me.graphql,line=2,col=8,title=gqlevolve%3A breaks User.name::query Me: Field 'User.name' (deprecated) was removed.
    ::warning file=.../web/me.graphql,line=2,col=8,title=gqlevolve%3A deprecated User.name::query Me: User.name is deprecated: Use fullName (status deprecated)
    1

Exit codes: 0 nothing fails, 1 an operation is invalid today, uses an element already removed, or would break
with ``--against``; 2 an error (no such path, a schema that cannot be read, an unknown endpoint).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import EXIT_NEGATIVE, CommandError, handle_errors, parse_date, print_json, schema_source


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--endpoint", "endpoint", metavar="E", help="Endpoint path (/api/v1/graphql) or version (v1) whose schema the operations are checked against.")
@click.option("--schema", "schema_given", metavar="FILE|URL", help="Check against this schema (an SDL or introspection file, or an endpoint URL) instead of the server's.")
@click.option("--schemas", "schemas_spec", metavar="MODULE:ATTRIBUTE", help="The server's schemas [default: schemas in [tool.gqlevolve] of pyproject.toml].")
@click.option("--against", "against", metavar="FILE|URL", help="A schema under review: report what it would break.")
@click.option("--db", "db_url", metavar="URL", default=None, help="Usage store: status, sunset, replacement and migration guide from the endpoint's deprecation records.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Day the records' status is judged on [default: today].")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="HTTP header for URL schemas (repeatable).")
@click.option("--json", "output", flag_value="json", help="Print the report as JSON.")
@click.option("--sarif", "output", flag_value="sarif", help="Print SARIF 2.1.0 (GitHub code scanning).")
@click.option("--github", "output", flag_value="github", help="Print GitHub Actions annotations (::error file=...,line=...::).")
@handle_errors
def scan(
    paths: tuple[Path, ...],
    endpoint: str | None,
    schema_given: str | None,
    schemas_spec: str | None,
    against: str | None,
    db_url: str | None,
    as_of: str | None,
    headers: tuple[str, ...],
    output: str | None,
) -> None:
    """Find the GraphQL operations in client code under PATHS and check them against an endpoint's schema.

    Reads .graphql/.gql files, gql/graphql tagged templates in .js .jsx .ts .tsx .vue .svelte, and Python strings
    passed to gql(...). Reports invalid operations, deprecated elements used and, with --against, what a schema
    change would break; exit 1 when an operation fails today or would break.
    """
    from gqlevolve.endpoints import canonical_endpoint
    from gqlevolve.scan import scan_paths
    from gqlevolve.schema_diff.sources import load_graphql_schema, parse_headers

    header_map = parse_headers(headers)
    canonical = canonical_endpoint(endpoint) if endpoint else None
    schema: Any = (
        load_graphql_schema(schema_source(schema_given), headers=header_map)
        if schema_given
        else _server_schema(canonical, schemas_spec)
    )
    new_schema = load_graphql_schema(schema_source(against), headers=header_map) if against else None
    records, day = None, parse_date(as_of, option="--as-of")
    if db_url:
        if canonical is None:
            raise CommandError("--db needs --endpoint: the deprecation records are kept per endpoint")
        from gqlevolve.cli._store import open_store

        with open_store(db_url) as store:
            records = {stored.record.coordinate: stored.record for stored in store.deprecations(canonical)}
            day = day or store.clock.today()
    report = scan_paths(paths, schema, endpoint=canonical, records=records, day=day, against=new_schema)
    if against:
        report.against = against
    _print(report, output)
    if report.failed:
        sys.exit(EXIT_NEGATIVE)


def _print(report: Any, output: str | None) -> None:
    from gqlevolve.scan.render import github_annotations, render_text, sarif

    if output == "json":
        print_json(report.as_dict())
    elif output == "sarif":
        print_json(sarif(report))
    elif output == "github":
        text = github_annotations(report)
        if text:
            click.echo(text)
    else:
        from rich.markup import escape

        from gqlevolve.cli._common import console

        console().print(escape(render_text(report)), end="")



def _server_schema(endpoint: str | None, schemas_spec: str | None) -> Any:
    """The current schema of ``endpoint`` among the server's versioned schemas ([tool.gqlevolve] schemas)."""
    from gqlevolve.endpoints import endpoint_path, endpoint_version
    from gqlevolve.schema_diff.versioned import load_schemas, project_settings

    spec = schemas_spec or project_settings().get("schemas")
    if not spec:
        raise CommandError(
            "no schema: pass --schema FILE|URL, or --endpoint with --schemas MODULE:ATTRIBUTE (or schemas in "
            "[tool.gqlevolve] of pyproject.toml)"
        )
    schemas = load_schemas(spec)
    known = ", ".join(endpoint_path(version) for version in schemas)
    if endpoint is None:
        if len(schemas) != 1:
            raise CommandError(f"choose an endpoint with --endpoint: {known}")
        return next(iter(schemas.values()))
    version = endpoint_version(endpoint)
    if version is None or version not in schemas:
        raise CommandError(f"--endpoint {endpoint}: the server has no such endpoint (it serves {known})")
    return schemas[version]
