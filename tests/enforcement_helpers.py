"""Shared by the enforcement tests: a clock pinned to a moment (brownouts are judged to the minute), and requests.

``MomentClock`` satisfies :class:`gqlevolve.clock.Clock` without reading the wall clock: ``today()`` is the
moment's UTC day and ``now()`` the moment itself, so a brownout window is inside or outside by construction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request

__all__ = ["TUESDAY_1405", "MomentClock", "context"]

#: Tuesday 2026-11-24 14:05 UTC: inside "every tuesday 14:00-14:15 from D-30" for a sunset of 2026-12-15.
TUESDAY_1405 = dt.datetime(2026, 11, 24, 14, 5, tzinfo=dt.UTC)


class MomentClock:
    """A clock pinned to one moment (UTC); move it with :meth:`set`."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def today(self) -> dt.date:
        return self.moment.date()

    def now(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __repr__(self) -> str:
        return f"MomentClock({self.moment.isoformat()})"


def context(path: str = "/graphql", **headers: str) -> dict[str, Any]:
    """A Strawberry context with a Starlette request carrying ``headers`` (``graphql_deprecations="reject"`` is
    ``GraphQL-Deprecations: reject``)."""
    raw = [(name.replace("_", "-").lower().encode(), value.encode("latin-1")) for name, value in headers.items()]
    return {"request": Request({"type": "http", "path": path, "headers": raw}), "response": None}
