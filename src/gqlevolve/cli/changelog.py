"""``gqlevolve changelog``: the schema changes for the API's consumers, by version and date, breaking first.

.. code-block:: sh

    gqlevolve changelog                                   # from the git history of the published snapshots
    gqlevolve changelog --db $GQLEVOLVE_DB --format html > changelog.html
    gqlevolve changelog --old schemas/v1.graphql --new next.graphql --version v1 --date 2026-06-01

Example: two schema files compared as one release (``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process,
prints what it prints and returns its exit code):

    >>> old, new = tmp_dir / "v1.graphql", tmp_dir / "v2.graphql"
    >>> _ = old.write_text("type Query { me: String legacy: String }")
    >>> _ = new.write_text("type Query { me: String! }")
    >>> run_cli("changelog", "--old", str(old), "--new", str(new), "--version", "v2", "--date", "2026-06-01")
    # API changelog
    <BLANKLINE>
    ## v2 — 2026-06-01
    <BLANKLINE>
    ### Breaking changes
    <BLANKLINE>
    - **`Query.legacy`** — Field 'Query.legacy' was removed.
    <BLANKLINE>
    ### Safe changes
    <BLANKLINE>
    - **`Query.me`** — Field 'Query.me' changed type from 'String' to 'String!'.
    <BLANKLINE>
    0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import CommandError, handle_errors, parse_date, print_json, schema_source


@main.command()
@click.option("--snapshots", "snapshots_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path), help="The published snapshots folder, in a git work tree [default: snapshots in [tool.gqlevolve], then schemas/].")
@click.option("--old", "old", metavar="FILE|URL", help="Compare two schemas instead of reading git history: the old one...")
@click.option("--new", "new", metavar="FILE|URL", help="...and the new one.")
@click.option("--version", "version", metavar="VERSION", help="With --old/--new: the version the release is of (e.g. v2).")
@click.option("--date", "date", metavar="YYYY-MM-DD", help="With --old/--new: the release date [default: none, 'unreleased'].")
@click.option("--db", "db_url", metavar="URL", default=None, help="Usage store: replacement, sunset and migration guide from the deprecation records.")
@click.option("--format", "output_format", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("--title", default="API changelog", show_default=True, help="The changelog's title.")
@handle_errors
def changelog(
    snapshots_dir: Path | None,
    old: str | None,
    new: str | None,
    version: str | None,
    date: str | None,
    db_url: str | None,
    output_format: str,
    title: str,
) -> None:
    """A changelog for consumers: each published version's changes by date, breaking first, with replacements."""
    from gqlevolve.changelog import release_between, releases_from_git, render_html, render_markdown
    from gqlevolve.schema_diff.versioned import project_settings

    if (old is None) != (new is None):
        raise CommandError("give both --old and --new, or neither (then the snapshots' git history is read)")
    day = parse_date(date, option="--date")
    with _records(db_url) as lookup:
        if old is not None and new is not None:
            if not version:
                raise CommandError("--old/--new need --version: the version the release is of")
            releases = [release_between(schema_source(old), schema_source(new), version=version, day=day, records=lookup)]
        else:
            if version or date:
                raise CommandError("--version and --date go with --old/--new; the git history has its own")
            directory = snapshots_dir or Path(project_settings().get("snapshots", "schemas"))
            releases = releases_from_git(directory, records=lookup)
    if output_format == "json":
        print_json({"title": title, "releases": [release.as_dict() for release in releases]})
    elif output_format == "html":
        click.echo(render_html(releases, title=title), nl=False)
    else:
        click.echo(render_markdown(releases, title=title), nl=False)


@contextmanager
def _records(db_url: str | None) -> Iterator[Any]:
    """A lookup of the deprecation records of ``/api/<version>/graphql`` (None without --db)."""
    if not db_url:
        yield None
        return
    from gqlevolve.cli._store import open_store
    from gqlevolve.endpoints import endpoint_path

    with open_store(db_url) as store:
        cache: dict[str, dict[str, Any]] = {}

        def lookup(version: str, coordinate: str) -> Any:
            if version not in cache:
                cache[version] = {stored.record.coordinate: stored.record for stored in store.deprecations(endpoint_path(version))}
            return cache[version].get(coordinate)

        yield lookup
