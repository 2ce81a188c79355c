"""The dashboard: what is deprecated, who still uses it, what may go and when, in a browser.

Server-rendered pages (Starlette routes, Jinja2 templates, one small stylesheet, SVG charts drawn on the server:
no script needed, nothing fetched from elsewhere), over the same read layer as the command line and the admin
API. Mounted under ``/dashboard/`` by ``versioned_app(..., dashboard=True)`` (the viewer token from
``$GQLEVOLVE_DASHBOARD_TOKEN``, or ``dashboard="<token>"``) or served alone by ``gqlevolve dashboard --db URL``.
The viewer token reads; the admin token (the admin API's) also changes dates through
:mod:`gqlevolve.procedures`. Without a viewer token nothing is mounted.

- :mod:`~gqlevolve.dashboard.app`: the routes, sign-in, admin actions;
- :mod:`~gqlevolve.dashboard.session`: signed session cookies, CSRF tokens, slowed wrong tokens;
- :mod:`~gqlevolve.dashboard.views`: each page's data (reports, advisor, procedures, named reads);
- :mod:`~gqlevolve.dashboard.charts`: the SVG charts.

Example::

    app = versioned_app(schemas, store=store, admin_token=admin, dashboard=True)   # GQLEVOLVE_DASHBOARD_TOKEN set
    # or alone:  gqlevolve dashboard --db postgresql+psycopg://... --port 8050
"""

from __future__ import annotations

from gqlevolve.dashboard.app import MOUNT, dashboard_app, dashboard_routes

__all__ = ["MOUNT", "TOKEN_ENV", "dashboard_app", "dashboard_routes"]

#: The environment variable that holds the viewer token.
TOKEN_ENV = "GQLEVOLVE_DASHBOARD_TOKEN"
