"""The enforcement report: operations refused (no new adopters, brownouts) and preview requests, per client.

These are counted apart from usage (``enforcement_counts``): a refused or previewed element was not used, so the
other reports' shares and the advisor's "still in use" never include them. This report is where they are seen:
which clients a brownout reached, which newcomers were turned away, and which clients test themselves against
the schema that is coming (``GraphQL-Deprecations: reject``). A whole version's refusals are listed under its
path (``coordinate`` is the endpoint).

Example: one brownout refusal and two preview requests (``clock`` is pinned to 2026-11-21):

    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock, flush_interval=60)
    >>> store.record_buffered("/api/v1/graphql", frozenset(), client_name="ios", client_version="2.0",
    ...                       enforced=frozenset({("User.name", "brownout")}))
    >>> store.record_buffered("/api/v1/graphql", frozenset(), client_name="web-tests", count=2,
    ...                       enforced=frozenset({("User.name", "preview")}))
    >>> _ = store.flush()
    >>> for row in enforcement_report(store, "v1", days=7):
    ...     print(row.coordinate, row.kind, row.name, row.version, row.operations, row.last_seen)
    User.name preview web-tests None 2 2026-11-21
    User.name brownout ios 2.0 1 2026-11-21
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gqlevolve.reports._common import check_days, endpoints_to_cover, reading, report_window
from gqlevolve.usage_store import reads

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.reads import Connection

__all__ = ["EnforcementRow", "enforcement_report", "refused_per_coordinate"]


@dataclass(frozen=True, slots=True)
class EnforcementRow:
    """Operations of one client that an element (or a whole version) refused, or that asked for the preview."""

    endpoint: str
    coordinate: str
    #: ``no_new_adopters``, ``brownout`` or ``preview``.
    kind: str
    name: str | None
    version: str | None
    operations: int
    last_seen: dt.date


def enforcement_report(
    store: UsageStore, endpoint: str | None = None, *, days: int = 30, as_of: dt.date | None = None
) -> list[EnforcementRow]:
    """Refused and preview operations in the ``days`` days ending with ``as_of`` (default today), most first per
    endpoint; read in one transaction, every endpoint included."""
    check_days(days)
    as_of, first_day, last_day = report_window(store, as_of, days)
    rows: list[EnforcementRow] = []
    with reading(store) as connection:
        for name in endpoints_to_cover(reads.endpoints(connection), endpoint):
            rows.extend(
                EnforcementRow(name, row.coordinate, row.kind, row.name, row.version, row.operations, row.last_seen)
                for row in reads.enforcement_counts(connection, name, since=first_day, until=last_day)
            )
    return rows


def refused_per_coordinate(
    connection: Connection, endpoint: str, first_day: dt.date, last_day: dt.date, *, coordinate: str | None = None
) -> dict[str, dict[str, int]]:
    """Refused and preview operations on ``endpoint`` from ``first_day`` to ``last_day`` (included), per coordinate
    (or of ``coordinate`` only) and kind, every client: the deprecation report's ``refused_30d``, and the
    dashboard's."""
    refused: dict[str, dict[str, int]] = {}
    for count in reads.enforcement_counts(connection, endpoint, coordinate=coordinate, since=first_day, until=last_day):
        kinds = refused.setdefault(count.coordinate, {})
        kinds[count.kind] = kinds.get(count.kind, 0) + count.operations
    return refused
