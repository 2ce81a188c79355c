"""The platform team's reports, shared by the ``gqlevolve`` command line and the admin HTTP API.

Each report is one function over a :class:`~gqlevolve.usage_store.UsageStore` that returns dataclasses
(:func:`to_jsonable` turns them into JSON values); the command line prints them as tables or JSON, the admin
API serves the same JSON. Their usage window is the days *ending with* ``as_of`` (default today, UTC), both
ends included: today's usage so far is part of it.

- :func:`deprecation_report`: every deprecation with status, dates, replacement, 30-day share, clients, verdict
  (the verdict is the advisor's, over the complete days before ``as_of``);
- :func:`sunset_warnings`: what is in (or enters) ``sunset_warning``, with the policy's >10% alert;
- :func:`usage_stats`: daily operations and shares;
- :func:`client_versions`: each client name and version, last seen, the deprecated elements it still uses;
- :func:`migration_report`: per week, clients migrated away from each deprecated element versus remaining;
- :func:`enforcement_report`: operations refused (no new adopters, brownouts) and preview requests, per client
  (never counted as usage by the other reports or the advisor).

Example: one report, as the command line and the admin API serve it (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import Deprecation, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_deprecations("/api/v1/graphql", [Deprecation("User.name", deprecated_on=date(2026, 6, 1))])
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", count=3)
    >>> store.record_operation("/api/v1/graphql", set(), client_name="web", count=97)
    >>> to_jsonable(client_versions(store, "v1", days=7))      # what --json prints and the admin API answers
    [{'endpoint': '/api/v1/graphql', 'name': 'web', 'version': None, 'operations': 100, 'last_seen': '2026-11-21',
      'deprecated': [{'coordinate': 'User.name', 'operations': 3, 'last_seen': '2026-11-21'}]}]
    >>> store.close()
"""

from __future__ import annotations

from gqlevolve.jsonable import to_jsonable
from gqlevolve.reports.clients import ClientVersion, DeprecatedUse, client_versions
from gqlevolve.reports.deprecations import DeprecationRow, deprecation_report
from gqlevolve.reports.enforcement import EnforcementRow, enforcement_report
from gqlevolve.reports.migration import MigrationWeek, migration_report
from gqlevolve.reports.sunset import SUNSET_ALERT_SHARE, SunsetWarning, sunset_warnings
from gqlevolve.reports.usage import CoordinateDay, UsageDay, UsageStats, usage_stats

__all__ = [
    "SUNSET_ALERT_SHARE",
    "ClientVersion",
    "CoordinateDay",
    "DeprecatedUse",
    "DeprecationRow",
    "EnforcementRow",
    "MigrationWeek",
    "SunsetWarning",
    "UsageDay",
    "UsageStats",
    "client_versions",
    "deprecation_report",
    "enforcement_report",
    "migration_report",
    "sunset_warnings",
    "to_jsonable",
    "usage_stats",
]
