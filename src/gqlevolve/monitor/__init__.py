"""The framework-neutral core of deprecation monitoring: what happens to one operation.

- :class:`DeprecationMonitor`: analyse an operation, count it, judge it against the endpoint's deprecation
  records, and say what the client must be told (:mod:`.deprecation_monitor`);
- :class:`Notice` and :func:`gone_error`: the ``extensions.deprecations`` entries, the lifecycle headers and the
  ``GONE`` error (:mod:`.notice`);
- :class:`RecordSync`: each endpoint's deprecation records (a :class:`RecordSnapshot` per endpoint), registered
  in and refreshed from the store (:mod:`.record_sync`);
- :func:`load_declarations`: the server author's dates, replacements and guides (:mod:`.declared`);
- :mod:`.enforcement`: no new adopters, brownouts and the client's preview (``GraphQL-Deprecations: reject``),
  judged per request from the snapshot; :class:`VersionGate` the same for a whole version (:mod:`.version_gate`).

Nothing here imports a web framework or a GraphQL server library; ``gqlevolve.extensions`` adapts it to
Strawberry.

Example: no server at all, a graphql-core schema built from SDL and one operation (what an adapter does for each
request; :mod:`.deprecation_monitor` shows the rest):

    >>> from graphql import build_schema
    >>> from gqlevolve.usage_store import UsageStore
    >>> sdl = build_schema('type Query { total: Int @deprecated(reason: "Use count") count: Int }')
    >>> store = UsageStore(store_url, clock=clock, flush_interval=60)
    >>> monitor = DeprecationMonitor(store)
    >>> monitor.start(sdl, "/graphql")      # its deprecation records, registered (first seen today)
    >>> monitor.observe(sdl, "{ total }", None, None, None, endpoint="/graphql").results()
    {'deprecations': [{'coordinate': 'Query.total', 'reason': 'Use count', 'status': 'deprecated',
                       'deprecatedOn': '2026-11-21'}]}
    >>> monitor.close()
    >>> store.close()
"""

from gqlevolve.monitor.declared import DeclarationError, Declared, declarations, load_declarations
from gqlevolve.monitor.deprecation_monitor import DeprecationMonitor
from gqlevolve.monitor.enforcement import PREVIEW_HEADER, Refusal, preview_requested
from gqlevolve.monitor.notice import GONE_CODE, Notice, gone_error
from gqlevolve.monitor.record_sync import RecordSnapshot, RecordSync
from gqlevolve.monitor.version_gate import VersionGate

__all__ = [
    "GONE_CODE",
    "PREVIEW_HEADER",
    "Refusal",
    "preview_requested",
    "DeclarationError",
    "Declared",
    "DeprecationMonitor",
    "Notice",
    "RecordSnapshot",
    "RecordSync",
    "VersionGate",
    "declarations",
    "gone_error",
    "load_declarations",
]
