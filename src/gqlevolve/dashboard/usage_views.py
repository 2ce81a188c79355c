"""The dashboard's whole-schema pages: one coordinate's usage (``/coordinate``) and what is unused (``/unused``).

The same reports as ``gqlevolve usage`` and ``gqlevolve unused`` (:mod:`gqlevolve.reports.coordinate_usage`,
:mod:`gqlevolve.reports.unused`), read through the dashboard's page cache; the query string is checked as the
command line and the admin API check their options (``days`` 1 to 3660, the coordinate, ``NAME[@VERSION]``, the
allow-list's patterns) and a refusal is the dashboard's 400 page naming the field.

- ``/coordinate?endpoint=&coordinate=&days=&client=&limit=``: the daily share as a chart over every day of the
  window (a day without data shaded), the operations and clients that used it;
- ``/unused?endpoint=&days=&keep=``: the unused coordinates, those too new to tell and those kept; ``keep`` is
  the allow-list, one pattern a line (a text area of the page's form).

Example (``clock`` pinned to 2026-11-21):

    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_schema("/api/v1/graphql", "type Query { a: Int }")
    >>> page = unused_page(store, "/api/v1/graphql", today=clock.today(), days=1, keep=())
    >>> [element.coordinate for element in page.unused]        # registered today: a day of data
    ['Query', 'Query.a']
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse

from gqlevolve.dashboard import views
from gqlevolve.errors import InvalidInput
from gqlevolve.inputs import whole_number
from gqlevolve.reports._common import check_days
from gqlevolve.reports.coordinate_usage import DEFAULT_LIMIT, CoordinateUsage, coordinate_usage
from gqlevolve.reports.unused import UnusedReport, read_keep_list, unused_elements

if TYPE_CHECKING:
    from gqlevolve.advisor import RemovalPolicy
    from gqlevolve.usage_store import UsageStore

T = TypeVar("T")


class _PageCache(Protocol):
    def get(self, key: Hashable, compute: Callable[[], T]) -> T: ...


class Dashboard(Protocol):
    """What these pages need of :class:`gqlevolve.dashboard.app.Dashboard` (named here, so that this module does not
    import the app that routes to it)."""

    @property
    def store(self) -> UsageStore: ...

    @property
    def cache(self) -> _PageCache: ...

    @property
    def policy(self) -> RemovalPolicy: ...

    def endpoints(self) -> list[str]: ...

    def today(self) -> dt.date: ...

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse: ...

__all__ = [
    "DEFAULT_DAYS",
    "MAX_KEEP_TEXT",
    "CoordinatePage",
    "coordinate",
    "coordinate_page",
    "unused",
    "unused_page",
]

#: The window of both pages unless asked (``?days=``).
DEFAULT_DAYS = 30
#: The longest allow-list a page's form sends (characters): a query string stays small.
MAX_KEEP_TEXT = 16 * 1024


@dataclass(frozen=True, slots=True)
class CoordinatePage:
    report: CoordinateUsage
    #: Every day of the window in order, with its share (None: no operation that day, shaded on the chart).
    chart: list[tuple[dt.date, float | None]]


def coordinate_page(
    store: UsageStore, endpoint: str, coordinate_name: str, *, today: dt.date, days: int, client: str | None,
    limit: int = DEFAULT_LIMIT,
) -> CoordinatePage:
    report = coordinate_usage(store, endpoint, coordinate_name, days, client=client, limit=limit, as_of=today)
    shares = {day.day: day.share for day in report.days}
    window = [report.first_day + dt.timedelta(days=offset) for offset in range(days)]
    return CoordinatePage(report, [(day, shares.get(day)) for day in window])


def unused_page(store: UsageStore, endpoint: str, *, today: dt.date, days: int, keep: Sequence[str]) -> UnusedReport:
    return unused_elements(store, endpoint, days, keep=keep, as_of=today)


def _number(request: Request, name: str, default: int, check: Callable[[int], int]) -> int:
    text = request.query_params.get(name) or ""
    return check(whole_number(text, field=name) if text else default)


def _keep(request: Request) -> list[str]:
    text = "\n".join(request.query_params.getlist("keep"))
    if len(text) > MAX_KEEP_TEXT:
        raise InvalidInput(f"keep: at most {MAX_KEEP_TEXT} characters of patterns", field="keep")
    return read_keep_list(text, source="keep")  # as a --keep file: one a line, # comments, errors name the line


def coordinate(dashboard: Dashboard, request: Request) -> HTMLResponse:
    """``GET /coordinate``: one coordinate's usage, deprecated or not."""
    endpoint = views.checked_endpoint(request.query_params.get("endpoint"), dashboard.endpoints())
    name = request.query_params.get("coordinate") or ""
    if not name:
        raise InvalidInput("coordinate: required (a schema coordinate, e.g. User.name)", field="coordinate")
    days = _number(request, "days", DEFAULT_DAYS, check_days)
    client = request.query_params.get("client") or None
    limit = _number(request, "limit", DEFAULT_LIMIT, lambda value: value)  # the report checks it
    today = dashboard.today()
    data = dashboard.cache.get(
        ("coordinate", endpoint, name, days, client, limit, today),
        lambda: coordinate_page(dashboard.store, endpoint, name, today=today, days=days, client=client, limit=limit),
    )
    return dashboard.render(request, "coordinate.html", data=data, report=data.report, endpoint=endpoint, days=days,
                            threshold=dashboard.policy.threshold)


def unused(dashboard: Dashboard, request: Request) -> HTMLResponse:
    """``GET /unused``: the registered schema's coordinates without use in the window."""
    endpoint = views.checked_endpoint(request.query_params.get("endpoint"), dashboard.endpoints())
    days = _number(request, "days", DEFAULT_DAYS, check_days)
    keep = _keep(request)
    today = dashboard.today()
    report = dashboard.cache.get(
        ("unused", endpoint, days, tuple(keep), today),
        lambda: unused_page(dashboard.store, endpoint, today=today, days=days, keep=keep),
    )
    return dashboard.render(request, "unused.html", report=report, endpoint=endpoint, days=days, keep="\n".join(keep))
