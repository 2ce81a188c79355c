"""The example server's schemas by version (what ``gqlevolve export`` / ``check`` read)."""

from __future__ import annotations

from example_server import draft, v1, v2

__all__ = ["SCHEMAS"]

SCHEMAS = {"v1": v1.schema, "v2": v2.schema, "draft": draft.schema}
