"""The example server's schemas by version (what ``gqlevolve export`` / ``check`` read), and how to build them.

``SCHEMAS`` are plain schemas (no extension, no store); ``BUILDERS`` build the same schemas with extensions
(the app adds ``deprecation_usage``). The SDL is the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry

from example_server import draft, v1, v2

__all__ = ["BUILDERS", "SCHEMAS"]

BUILDERS: dict[str, Callable[[Sequence[Any]], strawberry.Schema]] = {
    "v1": v1.build_schema,
    "v2": v2.build_schema,
    "draft": draft.build_schema,
}

SCHEMAS = {"v1": v1.schema, "v2": v2.schema, "draft": draft.schema}
