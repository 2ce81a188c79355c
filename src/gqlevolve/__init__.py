"""gqlevolve: schema evolution for Strawberry GraphQL servers.

The public names are imported lazily, so ``import gqlevolve`` stays cheap and a command
that only diffs two schemas never loads SQLAlchemy: each is imported from its module when first used.

    >>> import gqlevolve
    >>> diff = gqlevolve.diff_schemas("type Query { me: String name: String }", "type Query { me: String }")
    >>> diff.has_breaking, [change.coordinate for change in diff.breaking]
    (True, ['Query.name'])
    >>> gqlevolve.UsageStore
    <class 'gqlevolve.usage_store.store.UsageStore'>
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Clock": "gqlevolve.clock",
    "FixedClock": "gqlevolve.clock",
    "SYSTEM_CLOCK": "gqlevolve.clock",
    "Deprecation": "gqlevolve.lifecycle",
    "Status": "gqlevolve.lifecycle",
    "VersionLifecycle": "gqlevolve.lifecycle",
    "validate_version": "gqlevolve.lifecycle",
    "InvalidVersionName": "gqlevolve.lifecycle",
    "versioned_app": "gqlevolve.asgi",
    "UsageStore": "gqlevolve.usage_store",
    "deprecation_usage": "gqlevolve.extensions",
    "DeprecationUsageExtension": "gqlevolve.extensions",
    "RemovalPolicy": "gqlevolve.advisor",
    "advise": "gqlevolve.advisor",
    "diff_schemas": "gqlevolve.schema_diff",
    "GqlevolveError": "gqlevolve.errors",
    "InvalidInput": "gqlevolve.errors",
    "NotFound": "gqlevolve.errors",
    "Conflict": "gqlevolve.errors",
    "StoreUnavailable": "gqlevolve.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover
    from gqlevolve.advisor import RemovalPolicy, advise
    from gqlevolve.asgi import versioned_app
    from gqlevolve.clock import SYSTEM_CLOCK, Clock, FixedClock
    from gqlevolve.errors import Conflict, GqlevolveError, InvalidInput, NotFound, StoreUnavailable
    from gqlevolve.extensions import DeprecationUsageExtension, deprecation_usage
    from gqlevolve.lifecycle import (
        Deprecation,
        InvalidVersionName,
        Status,
        VersionLifecycle,
        validate_version,
    )
    from gqlevolve.schema_diff import diff_schemas
    from gqlevolve.usage_store import UsageStore


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'gqlevolve' has no attribute {name!r}")
    value = getattr(import_module(module_name), name)
    globals()[name] = value
    return value
