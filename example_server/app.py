"""The example server's ASGI app: ``uvicorn example_server.app:app``.

Each version is served with the ``deprecation_usage`` extension, counting into the usage store at
``$GQLEVOLVE_DB`` (default ``sqlite:///gqlevolve.db``), with the dates the policy declares
(:mod:`example_server.deprecations`). One extension factory serves every version: it keeps each endpoint's
records apart and refreshes them all with one thread. With ``$GQLEVOLVE_ADMIN_TOKEN`` set, the admin API is
mounted under ``/api/admin/`` (Bearer token); without it, it is not mounted.
"""

from __future__ import annotations

import os

from example_server.deprecations import DECLARED
from example_server.schemas import BUILDERS
from gqlevolve.asgi import versioned_app
from gqlevolve.extensions import deprecation_usage
from gqlevolve.usage_store import UsageStore

__all__ = ["app", "store", "usage"]

DB_URL = os.environ.get("GQLEVOLVE_DB") or "sqlite:///gqlevolve.db"
ADMIN_TOKEN = os.environ.get("GQLEVOLVE_ADMIN_TOKEN") or None

store = UsageStore(DB_URL)
usage = deprecation_usage(store=store, declared=DECLARED)
app = versioned_app(
    {version: build([usage]) for version, build in BUILDERS.items()}, store=store, admin_token=ADMIN_TOKEN
)
