"""What the Ariadne and Graphene adapters share: a :class:`~gqlevolve.monitor.DeprecationMonitor` and one step per
operation that hands it the operation, the endpoint and the client, and never fails the operation itself.

:meth:`ServerUsage.observe` is called by each adapter's execution hook once the operation is valid. It reads the
request that the adapter's HTTP layer opened (:mod:`.request_state`), asks the monitor, leaves the notice for the HTTP
layer, and answers the notice: the hook adds ``notice.results()`` to the response's ``extensions`` and raises
:func:`~gqlevolve.monitor.gone_error` instead of executing when ``notice.removed``. A request that cannot be read
counts as an unknown client at the configured endpoint (never open: a removed element is still refused); an internal
error of the monitor is logged and the operation proceeds as if gqlevolve were not there.

    >>> from graphql import build_schema
    >>> from gqlevolve.usage_store import UsageStore
    >>> schema = build_schema('type Query { old: String @deprecated(reason: "Use new") new: String }')
    >>> store = UsageStore(store_url, clock=clock)
    >>> usage = ServerUsage(store, endpoint="/graphql")
    >>> notice = usage.observe(schema, "{ old }", None, None, None)
    >>> notice.results()["deprecations"][0]["coordinate"], notice.removed
    ('Query.old', ())
    >>> store.flush()
    1
    >>> store.daily_totals("/graphql")
    {datetime.date(2026, 11, 21): 1}
    >>> usage.close(); store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode

from gqlevolve.adapters.request_state import current
from gqlevolve.clock import Clock
from gqlevolve.logs import request_logger
from gqlevolve.monitor import Declared, DeprecationMonitor, Notice

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["DEFAULT_ENDPOINT", "ServerUsage"]

# A request's values (a client's name) may be in an error's message: its tracebacks are escaped.
logger = request_logger("gqlevolve.adapters")

#: The endpoint's name when there is no HTTP request and no ``endpoint=`` was given.
DEFAULT_ENDPOINT = "/graphql"


class ServerUsage:
    """The shared part of an adapter: one per server, shared by every request.

    ``store``: the :class:`~gqlevolve.usage_store.UsageStore`; ``endpoint``: the endpoint's name when there is no
    HTTP request (a script); ``declared``: dates, replacements and guides (records or a TOML path);
    ``refresh_interval``: seconds between reads of the records from the store; ``cache_size``: analyses kept;
    ``clock``: where "today" comes from (default: the store's).
    """

    def __init__(
        self,
        store: UsageStore,
        *,
        endpoint: str | None = None,
        declared: Declared = None,
        refresh_interval: float = 30.0,
        cache_size: int = 1_000,
        clock: Clock | Callable[[], dt.date] | None = None,
    ) -> None:
        if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.strip()):
            raise ValueError(f"endpoint must be a non-empty name, not {endpoint!r}")
        self.monitor = DeprecationMonitor(
            store, declared=declared, refresh_interval=refresh_interval, cache_size=cache_size, clock=clock
        )
        self.store = store
        self.endpoint = endpoint or DEFAULT_ENDPOINT

    def __repr__(self) -> str:
        return f"{type(self).__name__}(store={self.store!r}, endpoint={self.endpoint!r})"

    def start(self, schema: Any, endpoint: str | None = None) -> None:
        """Register ``schema``'s deprecations for ``endpoint`` now and start refreshing them (optional: the first
        operation at an endpoint registers it in the background)."""
        self.monitor.start(schema, endpoint or self.endpoint)

    def refresh(self) -> None:
        """Read the deprecation records from the store now (a background thread does it periodically)."""
        self.monitor.refresh()

    def close(self) -> None:
        """Stop the refresh thread (the store is closed by its owner)."""
        self.monitor.close()

    def observe(
        self,
        schema: Any,
        query: str | None,
        document: DocumentNode | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> Notice | None:
        """Count one valid operation and judge it; the notice (also left for the HTTP layer), None if it used
        nothing deprecated or if gqlevolve failed (logged: the operation proceeds)."""
        state = current()
        endpoint, name, version = self.endpoint, None, None
        if state is not None:
            try:
                endpoint, (name, version) = state.endpoint(self.endpoint), state.client()
            except Exception:  # never fail open: counted as unknown at the configured endpoint, GONE still refused
                logger.warning("deprecation usage: the request could not be read; counted at %s as unknown", self.endpoint)
                endpoint, name, version = self.endpoint, None, None
        try:
            if query is None and document is not None and document.loc is not None:
                query = document.loc.source.body  # the text parsed: the analysis is cached by it
            notice = self.monitor.observe(
                schema, query, document, operation_name, variables,
                endpoint=endpoint, client_name=name, client_version=version,
                preview=state.preview if state is not None else False,  # read only if something deprecated is used
            )
            if state is not None:
                state.notice = notice
            return notice
        except Exception:  # never the cause of a failure: log, and let the operation run untouched
            logger.exception("deprecation usage: internal error; the operation proceeds without it")
            return None
