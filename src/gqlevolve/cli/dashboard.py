"""``gqlevolve dashboard``: serve the dashboard alone, against any usage store (a platform team often runs it
apart from production, on the shared PostgreSQL store).

The viewer token comes from ``$GQLEVOLVE_DASHBOARD_TOKEN`` (without one the command refuses to start: a dashboard
open to anyone is never served), the admin token, which also allows changes, from ``$GQLEVOLVE_ADMIN_TOKEN``
(optional). Tokens are read from the environment only, never from options: a command line is visible to every
user of the machine. The pages are under ``http://HOST:PORT/dashboard/``.

Example: no viewer token, no dashboard (``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process):

    >>> import os
    >>> os.environ.pop("GQLEVOLVE_DASHBOARD_TOKEN", None) and None
    >>> run_cli("dashboard", "--db", store_url)
    Error: set GQLEVOLVE_DASHBOARD_TOKEN to the viewer token first: the dashboard is never served without one
    2

In a shell:

.. code-block:: sh

    GQLEVOLVE_DASHBOARD_TOKEN=... GQLEVOLVE_ADMIN_TOKEN=... gqlevolve dashboard --db "$GQLEVOLVE_DB" --port 8050
"""

from __future__ import annotations

import os

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import CommandError, db_option, handle_errors
from gqlevolve.cli._common import store_url as checked_store_url
from gqlevolve.cli._store import reach

__all__ = ["dashboard"]

#: The environment variable of the admin token (the admin API's).
ADMIN_TOKEN_ENV = "GQLEVOLVE_ADMIN_TOKEN"


@main.command("dashboard")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True, help="Port to listen on.")
@handle_errors
def dashboard(db_url: str | None, host: str, port: int) -> None:
    """Serve the dashboard alone (viewer token: $GQLEVOLVE_DASHBOARD_TOKEN; admin: $GQLEVOLVE_ADMIN_TOKEN)."""
    from gqlevolve.dashboard import TOKEN_ENV

    viewer = os.environ.get(TOKEN_ENV) or ""
    if not viewer:
        raise CommandError(f"set {TOKEN_ENV} to the viewer token first: the dashboard is never served without one")
    import uvicorn

    from gqlevolve.dashboard import dashboard_app
    from gqlevolve.usage_store import UsageStore

    reach(db_url)  # a store that is not there is an error now, not on the first page
    store = UsageStore(checked_store_url(db_url), migrate=False, handle_shutdown=False)
    try:
        app = dashboard_app(store, viewer_token=viewer, admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None)
        click.echo(f"gqlevolve dashboard on http://{host}:{port}/dashboard/ (Ctrl-C stops it)")
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        store.close()
