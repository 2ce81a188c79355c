"""What the reports share: which endpoints to cover, the usage window (ending with the day asked for), a read-only
connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gqlevolve.advisor import check_as_of
from gqlevolve.endpoints import resolve_endpoint
from gqlevolve.jsonable import json_quote

if TYPE_CHECKING:
    import sqlalchemy as sa

    from gqlevolve.usage_store import UsageStore

__all__ = ["check_days", "endpoints_to_cover", "reading", "report_window"]


def endpoints_to_cover(store: UsageStore, endpoint: str | None) -> list[str]:
    """The one endpoint asked for (checked), or every endpoint the store knows."""
    known = store.endpoints()
    return known if endpoint is None else [resolve_endpoint(endpoint, known)]


def check_days(days: int, *, name: str = "days", at_most: int = 3660) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= at_most:
        raise ValueError(f"{name} must be a whole number from 1 to {at_most}, not {json_quote(days)}")
    return days


def report_window(store: UsageStore, as_of: dt.date | None, days: int) -> tuple[dt.date, dt.date, dt.date]:
    """(as_of, first day, last day): the ``days`` UTC days ending with ``as_of``, both ends included.

    The window is ``[as_of - (days - 1), as_of]``: with the default ``as_of`` (today by the store's clock) it includes today's
    usage so far, so a monitoring report shows traffic as soon as it is recorded. (The removal advisor judges
    a day by the complete days *before* it instead; that is the lifecycle policy, not this window.)
    """
    as_of = check_as_of(as_of, today=store.clock.today())
    return as_of, as_of - dt.timedelta(days=days - 1), as_of


@contextmanager
def reading(store: UsageStore) -> Iterator[sa.Connection]:
    """One read-only transaction, so that a report sees a single state of the store."""
    with store.engine.connect().execution_options(read_only=True) as connection, connection.begin():
        yield connection
