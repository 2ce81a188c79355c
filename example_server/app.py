"""The example server's ASGI app: ``uvicorn example_server.app:app``.

Each version is served with the ``deprecation_usage`` extension, counting into the usage store at
``$GQLEVOLVE_DB`` (default ``sqlite:///gqlevolve.db``), with the dates the policy declares
(:mod:`example_server.deprecations`). One extension factory serves every version: it keeps each endpoint's
records apart and refreshes them all with one thread. With ``$GQLEVOLVE_ADMIN_TOKEN`` set, the admin API is
mounted under ``/api/admin/`` (Bearer token); without it, it is not mounted.

:func:`create_app` builds the same server for another store or clock (tests pin the day with a
:class:`~gqlevolve.clock.FixedClock`)::

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


def create_app(db_url: str, *, admin_token: str | None = None, clock: Clock = SYSTEM_CLOCK) -> ExampleServer:
    """Every version of the example schema, counting into the store at ``db_url`` by ``clock``'s days."""
    store = UsageStore(db_url, clock=clock)
    usage = deprecation_usage(store=store, declared=DECLARED)  # follows the store's clock
    app = versioned_app(
        {version: build([usage]) for version, build in BUILDERS.items()}, store=store, admin_token=admin_token
    )
    return ExampleServer(app, store, usage)


_server = create_app(
    os.environ.get("GQLEVOLVE_DB") or "sqlite:///gqlevolve.db",
    admin_token=os.environ.get("GQLEVOLVE_ADMIN_TOKEN") or None,
)
app, store, usage = _server.app, _server.store, _server.usage
