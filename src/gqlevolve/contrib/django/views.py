"""One version's endpoint in Django: Strawberry's view, wrapped with the version's lifecycle.

What ``versioned_app`` does for a version (:class:`gqlevolve.asgi.VersionEndpoint`), in Django's terms: the
request carries gqlevolve's keys in its ``META`` (where the extension reads them: the endpoint's canonical path,
and under a deprecated version the list the extension collects the touched records in); while the version is
deprecated every response carries the policy's headers, rendered once from the version's own record and those
(one ``Deprecation`` and one ``Sunset``, the earliest of all) with ``Link: <successor>; rel="successor-version"``;
once it is removed, every request gets ``410 Gone`` with the policy's body. Django keeps one value per header
name: repeated ``Link`` and ``Warning`` values are joined with ``", "`` (RFC 9110, section 5.3).

Example: the headers of a response of a deprecated v1 whose successor is v2 (``clock``: a pinned clock):

    >>> from gqlevolve.lifecycle import VersionLifecycle
    >>> from datetime import timedelta
    >>> v1 = VersionLifecycle(deprecated_on=clock.today() - timedelta(days=10), successor="v2")
    >>> endpoint = VersionEndpoint("v1", view=None, lifecycle=v1, clock=lambda: clock)
    >>> endpoint.lifecycle_headers(clock.today())
    [('Deprecation', '@1794355200'), ('X-Deprecated-Replacement', '/api/v2/graphql'), ('Warning', '299 - "Deprecated API: /api/v1/graphql. Use /api/v2/graphql instead."'), ('Link', '</api/v2/graphql>; rel="successor-version"')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from gqlevolve.clock import Clock
from gqlevolve.endpoints import DEPRECATIONS_SCOPE_KEY, ENDPOINT_SCOPE_KEY, VERSION_SCOPE_KEY, endpoint_path
from gqlevolve.lifecycle import Deprecation, Status, VersionLifecycle, gone_body, response_headers

__all__ = ["VersionEndpoint", "join_headers"]


def join_headers(response: Any, headers: Sequence[tuple[str, str]]) -> None:
    """Add ``headers`` to a Django response: a name it has already gets the value joined with ``", "``."""
    for name, value in headers:
        response[name] = f"{response[name]}, {value}" if response.has_header(name) else value


class VersionEndpoint:
    """A version's Django view: ``view`` (Strawberry's, sync or async), its ``lifecycle`` (None: always active).

    ``clock`` gives the clock that dates the lifecycle when a request comes (by default the store's: one pinned
    clock moves the whole project, as in ``versioned_app``).
    """

    def __init__(
        self,
        version: str,
        view: Callable[..., Any] | None,
        lifecycle: VersionLifecycle | None,
        clock: Callable[[], Clock],
    ) -> None:
        self.version = version
        self.path = endpoint_path(version)
        self.view = view
        self.successor_path = endpoint_path(lifecycle.successor) if lifecycle and lifecycle.successor else None
        self.record: Deprecation | None = lifecycle.as_deprecation(self.path, self.successor_path) if lifecycle else None
        self.clock = clock

    def as_view(self) -> Callable[..., Any]:
        """A Django view function, a coroutine function when Strawberry's view is one (``AsyncGraphQLView``)."""
        view = self.view
        assert view is not None
        if iscoroutinefunction(view):

            async def serve_async(request: Any, *args: Any, **kwargs: Any) -> Any:
                today, gone = self.before(request)
                return gone if gone is not None else self.after(request, await view(request, *args, **kwargs), today)

            return markcoroutinefunction(serve_async)

        def serve(request: Any, *args: Any, **kwargs: Any) -> Any:
            today, gone = self.before(request)
            return gone if gone is not None else self.after(request, view(request, *args, **kwargs), today)

        return serve

    def before(self, request: Any) -> tuple[dt.date | None, Any]:
        """gqlevolve's keys on the request; the day, when the version is deprecated; the 410 once it is removed."""
        request.META[ENDPOINT_SCOPE_KEY] = self.path
        request.META[VERSION_SCOPE_KEY] = self.version
        if self.record is None:
            return None, None
        today = self.clock().today()
        status = self.record.status_on(today)
        if status is Status.REMOVED:  # gone for every method
            from django.http import JsonResponse  # type: ignore[import-untyped]  # Django ships no type hints

            response = JsonResponse(gone_body(self.record), status=410)
            join_headers(response, self.lifecycle_headers(today))
            return today, response
        if status is Status.ACTIVE:
            return None, None
        request.META[DEPRECATIONS_SCOPE_KEY] = []  # the extension puts the records its operation touched here
        return today, None

    def after(self, request: Any, response: Any, today: dt.date | None) -> Any:
        if today is not None:
            touched: list[Deprecation] = request.META.get(DEPRECATIONS_SCOPE_KEY) or []
            join_headers(response, self.lifecycle_headers(today, touched))
        return response

    def lifecycle_headers(self, today: dt.date, touched: Sequence[Deprecation] = ()) -> list[tuple[str, str]]:
        """The headers of a response of this version that touched ``touched``, as ``versioned_app`` renders them."""
        assert self.record is not None
        headers = response_headers([self.record, *touched], today)
        if headers and self.successor_path:
            headers.append(("Link", f'<{self.successor_path}>; rel="successor-version"'))
        return headers
