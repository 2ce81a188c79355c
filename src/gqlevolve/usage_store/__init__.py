"""The usage store: counts of deprecated schema elements per endpoint, day and client; deprecation records.

Modules, one concept each:

- :mod:`~gqlevolve.usage_store.tables`: the Core tables (only this package builds SQL over them);
- :mod:`~gqlevolve.usage_store.store`: :class:`UsageStore`, the facade;
- :mod:`~gqlevolve.usage_store.buffer`: the request path's inbox, drained (validated, cleaned) into the recorder;
- :mod:`~gqlevolve.usage_store.recorder`: the in-memory counters, swapped out as a batch at each flush;
- :mod:`~gqlevolve.usage_store.flusher`: the background thread, and each flush as one transaction (nothing lost,
  nothing counted twice);
- :mod:`~gqlevolve.usage_store.writer`: a batch of counters as upserts;
- :mod:`~gqlevolve.usage_store.reads`: every read of usage and totals (daily usage, clients, coordinates,
  endpoints, the reports' reads), each a function of a connection;
- :mod:`~gqlevolve.usage_store.evidence`: the removal advisor's aggregation (sums per signature in SQL, fanned
  out to coordinates in Python);
- :mod:`~gqlevolve.usage_store.deprecations`: deprecation records and their audit log;
- :mod:`~gqlevolve.usage_store.revisions`: the database's Alembic revision (``gqlevolve db upgrade``);
- :mod:`~gqlevolve.usage_store.retention`: ``gqlevolve db prune``;
- :mod:`~gqlevolve.usage_store.urls`, :mod:`~gqlevolve.usage_store.engine`: URLs and engines;
- :mod:`~gqlevolve.usage_store.clients`, :mod:`~gqlevolve.usage_store.signatures`: what the counters are keyed by;
- :mod:`~gqlevolve.usage_store.shutdown`: flushing at exit and on SIGTERM;
- :mod:`~gqlevolve.usage_store.spill`: the file where a closing store puts what it could not write, and which
  the next store with its URL writes.

Example: one operation of the ``web`` client used ``User.name``, three of the ``ios`` client used nothing
deprecated (a :class:`~gqlevolve.clock.FixedClock` pins the day; without ``clock=`` it is today, UTC):

    >>> from datetime import date
    >>> from gqlevolve.clock import FixedClock
    >>> from gqlevolve.usage_store import UsageStore
    >>> with UsageStore(store_url, clock=FixedClock(date(2026, 11, 21))) as store:    # e.g. "sqlite:///gqlevolve.db"
    ...     store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", client_version="1.4")
    ...     store.record_operation("/api/v1/graphql", set(), client_name="ios", count=3)
    ...     store.daily_usage("/api/v1/graphql", "User.name")
    ...     store.clients("/api/v1/graphql", "User.name")
    [DailyUsage(day=datetime.date(2026, 11, 21), operations=1, total=4)]
    [ClientUsage(name='web', version='1.4', operations=1, last_seen=datetime.date(2026, 11, 21))]
"""

from gqlevolve.usage_store.clients import OTHER_CLIENT
from gqlevolve.usage_store.deprecations import AuditEntry, StoredDeprecation
from gqlevolve.usage_store.reads import ClientCoordinateUsage, ClientUsage, CoordinateUsage, DailyUsage
from gqlevolve.usage_store.retention import DEFAULT_RETENTION_DAYS, PruneResult
from gqlevolve.usage_store.revisions import StoreSchemaError
from gqlevolve.usage_store.store import StoreStats, UsageStore
from gqlevolve.usage_store.urls import InvalidStoreURL

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "OTHER_CLIENT",
    "AuditEntry",
    "ClientCoordinateUsage",
    "ClientUsage",
    "CoordinateUsage",
    "DailyUsage",
    "InvalidStoreURL",
    "PruneResult",
    "StoreSchemaError",
    "StoreStats",
    "StoredDeprecation",
    "UsageStore",
]
