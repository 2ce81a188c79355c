"""Client versions: each client name and version, when it was last seen, and the deprecated elements it uses.

Example::

    for client in client_versions(store, "v1", days=30):
        print(client.name, client.version, client.last_seen, [use.coordinate for use in client.deprecated])
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from gqlevolve.reports._common import check_days, endpoints_to_cover, reading, report_window
from gqlevolve.usage_store.tables import (
    client_from_column,
    day_from_column,
    deprecation_usage,
    operation_totals,
    signature_coordinates,
)

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["ClientVersion", "DeprecatedUse", "client_versions"]


@dataclass(frozen=True, slots=True)
class DeprecatedUse:
    coordinate: str
    operations: int
    last_seen: dt.date


@dataclass(frozen=True, slots=True)
class ClientVersion:
    """A client (None: it did not say) over the report's days (ending with ``as_of``): its operations and the
    deprecated elements it used."""

    endpoint: str
    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date
    deprecated: list[DeprecatedUse] = field(default_factory=list)


def client_versions(
    store: UsageStore, endpoint: str | None = None, *, days: int = 30, as_of: dt.date | None = None
) -> list[ClientVersion]:
    """Clients seen in the ``days`` days ending with ``as_of`` (included; default today, so today's usage so far
    counts); those using deprecated elements first."""
    check_days(days)
    as_of, first_day, last_day = report_window(store, as_of, days)
    result: list[ClientVersion] = []
    for name in endpoints_to_cover(store, endpoint):
        with reading(store) as connection:
            seen = connection.execute(
                sa.select(
                    operation_totals.c.client_name,
                    operation_totals.c.client_version,
                    sa.func.sum(operation_totals.c.count),
                    sa.func.max(operation_totals.c.day),
                )
                .where(operation_totals.c.endpoint == name, operation_totals.c.day.between(first_day, last_day))
                .where(operation_totals.c.count > 0)
                .group_by(operation_totals.c.client_name, operation_totals.c.client_version)
            ).all()
            per_signature = (
                sa.select(
                    deprecation_usage.c.signature,
                    deprecation_usage.c.client_name,
                    deprecation_usage.c.client_version,
                    sa.func.sum(deprecation_usage.c.count).label("operations"),
                    sa.func.max(deprecation_usage.c.day).label("last_seen"),
                )
                .where(deprecation_usage.c.endpoint == name, deprecation_usage.c.day.between(first_day, last_day))
                .group_by(deprecation_usage.c.signature, deprecation_usage.c.client_name, deprecation_usage.c.client_version)
                .subquery()
            )
            uses = connection.execute(
                sa.select(
                    per_signature.c.client_name,
                    per_signature.c.client_version,
                    signature_coordinates.c.coordinate,
                    sa.func.sum(per_signature.c.operations),
                    sa.func.max(per_signature.c.last_seen),
                )
                .join(signature_coordinates, signature_coordinates.c.signature == per_signature.c.signature)
                .group_by(per_signature.c.client_name, per_signature.c.client_version, signature_coordinates.c.coordinate)
            ).all()
        deprecated: dict[tuple[str, str], list[DeprecatedUse]] = defaultdict(list)
        for client_name, client_version, coordinate, operations, last_seen in uses:
            use = DeprecatedUse(coordinate, int(operations), day_from_column(last_seen))
            deprecated[(client_name, client_version)].append(use)
        for client_name, client_version, operations, last_seen in seen:
            used = sorted(deprecated.get((client_name, client_version), []), key=lambda use: (-use.operations, use.coordinate))
            result.append(
                ClientVersion(
                    name,
                    client_from_column(client_name),
                    client_from_column(client_version),
                    int(operations),
                    day_from_column(last_seen),
                    used,
                )
            )
    return sorted(result, key=lambda client: (client.endpoint, not client.deprecated, client.name or "", client.version or ""))
