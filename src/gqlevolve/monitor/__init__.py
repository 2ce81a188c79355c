"""The framework-neutral core of deprecation monitoring: what happens to one operation.

- :class:`DeprecationMonitor`: analyse an operation, count it, judge it against the endpoint's deprecation
  records, and say what the client must be told (:mod:`.deprecation_monitor`);
- :class:`Notice` and :func:`gone_error`: the ``extensions.deprecations`` entries, the lifecycle headers and the
  ``GONE`` error (:mod:`.notice`);
- :class:`RecordSync`: each endpoint's deprecation records (a :class:`RecordSnapshot` per endpoint), registered
  in and refreshed from the store (:mod:`.record_sync`);
- :func:`load_declarations`: the server author's dates, replacements and guides (:mod:`.declared`).

Nothing here imports a web framework or a GraphQL server library; ``gqlevolve.extensions`` adapts it to
Strawberry.

Example::

    monitor = DeprecationMonitor(store, declared="deprecations.toml")
    notice = monitor.observe(schema, query, None, None, variables, endpoint="/api/v1/graphql")
"""

from gqlevolve.monitor.declared import DeclarationError, Declared, declarations, load_declarations
from gqlevolve.monitor.deprecation_monitor import DeprecationMonitor
from gqlevolve.monitor.notice import GONE_CODE, Notice, gone_error
from gqlevolve.monitor.record_sync import RecordSnapshot, RecordSync

__all__ = [
    "GONE_CODE",
    "DeclarationError",
    "Declared",
    "DeprecationMonitor",
    "Notice",
    "RecordSnapshot",
    "RecordSync",
    "declarations",
    "gone_error",
    "load_declarations",
]
