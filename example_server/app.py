"""The example server's ASGI app: ``uvicorn example_server.app:app``."""

from __future__ import annotations

import os

from example_server.schemas import SCHEMAS
from gqlevolve.asgi import versioned_app

__all__ = ["app"]

DB_URL = os.environ.get("GQLEVOLVE_DB") or "sqlite:///gqlevolve.db"

app = versioned_app(SCHEMAS)
