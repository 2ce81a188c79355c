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

Example: mounted beside the API (``schema``, ``store_url``, ``clock``: a small schema, a store, a pinned clock); a
reader without a session is sent to the sign-in form, and with no viewer token there is no dashboard at all:

    >>> from starlette.testclient import TestClient
    >>> from gqlevolve.asgi import versioned_app
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> with TestClient(versioned_app({"v1": schema}, store=store, dashboard="read-me")) as client:
    ...     client.get("/dashboard/", follow_redirects=False).headers["location"]
    '/dashboard/signin?next=/dashboard/'
    >>> with TestClient(versioned_app({"v1": schema}, store=UsageStore(store_url, clock=clock))) as client:
    ...     client.get("/dashboard/").status_code
    404

Alone, against any store: ``GQLEVOLVE_DASHBOARD_TOKEN=... gqlevolve dashboard --db postgresql+psycopg://... --port 8050``.
"""

from __future__ import annotations

from gqlevolve.dashboard.app import MOUNT, dashboard_app, dashboard_routes

__all__ = ["MOUNT", "TOKEN_ENV", "dashboard_app", "dashboard_routes"]

#: The environment variable that holds the viewer token.
TOKEN_ENV = "GQLEVOLVE_DASHBOARD_TOKEN"
