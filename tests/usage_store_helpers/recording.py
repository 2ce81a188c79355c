"""Recording straight into a store, in the tests' terms: one line per (day, coordinates, client) fact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from gqlevolve.usage_store import UsageStore

ENDPOINT = "/api/v1/graphql"


def record(
    store: UsageStore,
    when: dt.date,
    coordinates: Iterable[str] = (),
    *,
    client: str | None = None,
    version: str | None = None,
    count: int = 1,
    endpoint: str = ENDPOINT,
) -> None:
    """``count`` operations on ``when`` that used ``coordinates``, from ``client`` ``version``."""
    store.record_operation(endpoint, list(coordinates), client_name=client, client_version=version, when=when, count=count)
