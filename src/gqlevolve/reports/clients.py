"""Client versions: each client name and version, when it was last seen, and the deprecated elements it uses.

Example: ``web`` 1.4 still uses ``User.name``, 1.5 does not (``clock`` is pinned to 2026-11-21):

    >>> from gqlevolve import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", client_version="1.4", count=2)
    >>> store.record_operation("/api/v1/graphql", set(), client_name="web", client_version="1.5", count=7)
    >>> for client in client_versions(store, "v1", days=30):
    ...     print(client.name, client.version, client.operations, [use.coordinate for use in client.deprecated])
    web 1.4 2 ['User.name']
    web 1.5 7 []
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gqlevolve.reports._common import check_days, endpoints_to_cover, reading, report_window
from gqlevolve.usage_store import reads

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["ClientVersion", "ClientVersionSummary", "DeprecatedUse", "client_version_summaries", "client_versions"]


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
    counts); those using deprecated elements first. Read in one transaction, every endpoint included."""
    check_days(days)
    as_of, first_day, last_day = report_window(store, as_of, days)
    result: list[ClientVersion] = []
    with reading(store) as connection:
        for name in endpoints_to_cover(reads.endpoints(connection), endpoint):
            seen = reads.clients_seen(connection, name, since=first_day, until=last_day)
            deprecated: dict[tuple[str | None, str | None], list[DeprecatedUse]] = defaultdict(list)
            for use in reads.client_coordinates(connection, name, since=first_day, until=last_day):
                deprecated[(use.name, use.version)].append(DeprecatedUse(use.coordinate, use.operations, use.last_seen))
            for client in seen:
                used = deprecated.get((client.name, client.version), [])
                used.sort(key=lambda use: (-use.operations, use.coordinate))
                result.append(ClientVersion(name, client.name, client.version, client.operations, client.last_seen, used))
    return sorted(result, key=lambda client: (client.endpoint, not client.deprecated, client.name or "", client.version or ""))


@dataclass(frozen=True, slots=True)
class ClientVersionSummary:
    """A :class:`ClientVersion` cut for a page: ``deprecated`` holds its first ``shown`` elements (most operations
    first), ``deprecated_count`` how many it used in all (the length of :func:`client_versions`' list)."""

    endpoint: str
    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date
    deprecated: list[DeprecatedUse]
    deprecated_count: int


def client_version_summaries(
    store: UsageStore, endpoint: str | None = None, *, days: int = 30, as_of: dt.date | None = None, shown: int = 10
) -> list[ClientVersionSummary]:
    """:func:`client_versions` for a page that lists each client's ``shown`` most used elements and the number of
    the others (the dashboard's clients page): the same clients, counts and order, but the database ranks each
    client's elements and sends the first ``shown`` only (one row per client and element otherwise: 50,000 for 50
    clients of 1,000 elements)."""
    check_days(days)
    shown = check_days(shown, name="shown", at_most=1000)
    as_of, first_day, last_day = report_window(store, as_of, days)
    result: list[ClientVersionSummary] = []
    with reading(store) as connection:
        for name in endpoints_to_cover(reads.endpoints(connection), endpoint):
            seen = reads.clients_seen(connection, name, since=first_day, until=last_day)
            uses, counts = reads.client_first_coordinates(connection, name, since=first_day, until=last_day, first=shown)
            deprecated: dict[tuple[str | None, str | None], list[DeprecatedUse]] = defaultdict(list)
            for use in uses:  # in each client's order: most operations first, then by coordinate
                deprecated[(use.name, use.version)].append(DeprecatedUse(use.coordinate, use.operations, use.last_seen))
            for client in seen:
                key = (client.name, client.version)
                result.append(ClientVersionSummary(
                    name, client.name, client.version, client.operations, client.last_seen,
                    deprecated.get(key, []), counts.get(key, 0),
                ))
    return sorted(
        result, key=lambda client: (client.endpoint, not client.deprecated_count, client.name or "", client.version or "")
    )
