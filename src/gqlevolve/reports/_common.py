"""What the reports share: which endpoints to cover, the usage window (ending with the day asked for), a read-only
connection.

A report reads in one transaction: it opens :func:`reading` once, for every endpoint it covers, and calls the
connection-level reads of :mod:`gqlevolve.usage_store` (``reads``, ``evidence``, ``deprecations``) on it. The
reports build no SQL of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gqlevolve.advisor import check_as_of
from gqlevolve.endpoints import resolve_endpoint
from gqlevolve.inputs import day_count

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.reads import Connection

__all__ = ["check_days", "endpoints_to_cover", "reading", "report_window"]


def endpoints_to_cover(known: Sequence[str], endpoint: str | None) -> list[str]:
    """The one endpoint asked for (checked against ``known``, the store's endpoints), or every known endpoint.

    ``known`` is :func:`gqlevolve.usage_store.reads.endpoints` on the report's connection (or ``store.endpoints()``).
    """
    return list(known) if endpoint is None else [resolve_endpoint(endpoint, list(known))]


def check_days(days: int, *, name: str = "days", at_most: int = 3660) -> int:
    """A report's window in days, 1 to ``at_most``: :func:`gqlevolve.inputs.day_count` (an ``InvalidInput``)."""
    return day_count(days, field=name, most=at_most)


def report_window(store: UsageStore, as_of: dt.date | None, days: int) -> tuple[dt.date, dt.date, dt.date]:
    """(as_of, first day, last day): the ``days`` UTC days ending with ``as_of``, both ends included.

    The window is ``[as_of - (days - 1), as_of]``: with the default ``as_of`` (today by the store's clock) it includes today's
    usage so far, so a monitoring report shows traffic as soon as it is recorded. (The removal advisor judges
    a day by the complete days *before* it instead; that is the lifecycle policy, not this window.)
    """
    as_of = check_as_of(as_of, today=store.clock.today())
    return as_of, as_of - dt.timedelta(days=days - 1), as_of


@contextmanager
def reading(store: UsageStore) -> Iterator[Connection]:
    """One read-only transaction on one connection (:meth:`UsageStore.reading`), so that a report sees a single
    state of the store, all of its endpoints included."""
    with store.reading() as connection:
        yield connection
