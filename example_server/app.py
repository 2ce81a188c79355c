"""The example server's ASGI app: ``uvicorn example_server.app:app``.

Each version is served with the ``deprecation_usage`` extension, counting into the usage store at
``$GQLEVOLVE_DB`` (default ``sqlite:///gqlevolve.db``), with the dates the policy declares
(:mod:`example_server.deprecations`). One extension factory serves every version: it keeps each endpoint's
records apart and refreshes them all with one thread. With ``$GQLEVOLVE_ADMIN_TOKEN`` set, the admin API is
mounted under ``/api/admin/`` (Bearer token); without it, it is not mounted. With ``$GQLEVOLVE_DASHBOARD_TOKEN`` set,
the dashboard is served under ``/dashboard/`` (that token reads; the admin token also changes dates).

The module's ``app`` (and ``store``, ``usage``) is built from the environment when first asked for: importing
:func:`create_app` opens no store and writes no ``gqlevolve.db``. :func:`create_app` builds the same server for
another store or clock (tests pin the day with a :class:`~gqlevolve.clock.FixedClock`)::

    server = create_app("sqlite:///other.db", clock=FixedClock(date(2026, 11, 21)))
    server.app, server.store, server.usage
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from starlette.applications import Starlette

from example_server.deprecations import DECLARED
from example_server.schemas import BUILDERS
from gqlevolve.asgi import versioned_app
from gqlevolve.clock import SYSTEM_CLOCK, Clock
from gqlevolve.extensions import DeprecationUsage, deprecation_usage
from gqlevolve.usage_store import UsageStore

__all__ = ["ExampleServer", "app", "create_app", "store", "usage"]


@dataclass(frozen=True, slots=True)
class ExampleServer:
    app: Starlette
    store: UsageStore
    usage: DeprecationUsage


def create_app(
    db_url: str, *, admin_token: str | None = None, clock: Clock = SYSTEM_CLOCK, dashboard_token: str | None = None
) -> ExampleServer:
    """Every version of the example schema, counting into the store at ``db_url`` by ``clock``'s days
    (``dashboard_token``: the dashboard's viewer token; without one it is not mounted)."""
    store = UsageStore(db_url, clock=clock)
    usage = deprecation_usage(store=store, declared=DECLARED)  # follows the store's clock
    app = versioned_app(
        {version: build([usage]) for version, build in BUILDERS.items()}, store=store, admin_token=admin_token,
        dashboard=dashboard_token,
    )
    return ExampleServer(app, store, usage)


def _from_environment() -> ExampleServer:
    return create_app(
        os.environ.get("GQLEVOLVE_DB") or "sqlite:///gqlevolve.db",
        admin_token=os.environ.get("GQLEVOLVE_ADMIN_TOKEN") or None,
        dashboard_token=os.environ.get("GQLEVOLVE_DASHBOARD_TOKEN") or None,
    )


_server: ExampleServer | None = None
# Built on first use (``__getattr__``); declared for readers and type checkers.
app: Starlette
store: UsageStore
usage: DeprecationUsage


def __getattr__(name: str) -> object:
    """``app``, ``store`` and ``usage`` of the server the environment configures, built when first asked for (as
    ``uvicorn example_server.app:app`` does): importing ``create_app`` alone opens no store."""
    global _server
    if name not in ("app", "store", "usage"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _server is None:
        _server = _from_environment()
    return getattr(_server, name)
