"""The ``gqlevolve`` command line.

Each concept has its own module that adds its commands to :data:`main`:

- ``db``          – ``gqlevolve db upgrade|prune``: the usage store's schema and retention;
- ``diff``        – ``gqlevolve diff|export|check``: schema changes and the CI gate;
- ``scan``        – ``gqlevolve scan``: the operations in client code, checked against a schema before they run;
- ``changelog``   – ``gqlevolve changelog``: the schema changes for consumers, by version and date;
- ``monitoring``  – ``gqlevolve advise|deprecation-report|sunset-warnings|usage-stats|client-versions|migration-report``;
- ``deprecation`` – ``gqlevolve deprecation extend|rollback|set|delete|history``: the policy's emergency procedures
  and their audit log;
- ``notices``     – ``gqlevolve consumers add|list|remove``, ``gqlevolve notify``, ``gqlevolve notices``: who hears
  about a client, one pass of the policy's notification schedule, the delivery log;
- ``dashboard``   – ``gqlevolve dashboard``: the dashboard alone, in a browser, against any store;
- ``usage``       – ``gqlevolve usage COORD|unused``: whole-schema usage, how any element is used and what is unused.

Every command takes ``--json``; those that read the store take ``--db URL`` (default: ``$GQLEVOLVE_DB``,
then ``sqlite:///gqlevolve.db``; only ``db upgrade`` creates a missing SQLite file, every other command says it
does not exist). Without ``--endpoint``, a command takes the store's only endpoint when it knows exactly one;
when it knows several, the reports that can cover several cover them all and the others stop with an error
listing them (each command's ``--help`` says which it does).

Exit codes: 0 success, 1 a negative answer (something breaking, something not removable, a sunset alert),
2 an error (bad input, not found, a conflict, no store, store unreachable, no snapshot folder): one line
``Error: ...``, never a traceback or a driver's message; 3 a bug in gqlevolve, one line saying where
(``cli._common.handle_errors``, the one mapping of :mod:`gqlevolve.errors`).

Example: a report asked of a store that does not exist (``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process,
prints what it prints and returns its exit code; ``store_url`` names a file not created yet):

    >>> run_cli("usage-stats", "--db", store_url)
    Error: no usage store at sqlite:///.../gqlevolve.db: the file .../gqlevolve.db does not exist (check --db or $GQLEVOLVE_DB; 'gqlevolve db upgrade --db sqlite:///.../gqlevolve.db' creates a store)
    2
"""

from __future__ import annotations

import click

from gqlevolve import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="gqlevolve")
def main() -> None:
    """Evolve a GraphQL API without breaking the people who call it."""


# Each module registers its commands on `main` when imported.
from gqlevolve.cli import changelog, dashboard, db, deprecation, diff, monitoring, notices, scan, usage  # noqa: E402,F401

__all__ = ["main"]
