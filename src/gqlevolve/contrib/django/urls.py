"""The versioned GraphQL endpoints in a project's ``urls.py``: ``/api/v1/graphql/``, ``/api/v2/graphql/``...

Each version of ``GQLEVOLVE["SCHEMAS"]`` is served by Strawberry's own Django view (``GraphQLView``, or
``AsyncGraphQLView`` with ``GQLEVOLVE["ASYNC_VIEWS"]``) at ``api/<version>/graphql/`` (and without the trailing
slash: Django's ``APPEND_SLASH`` cannot redirect a POST). The schema's ``deprecation_usage`` extension does the
counting, the headers and ``GONE``; it records each request under the request's path without the trailing slash,
``/api/v1/graphql``: the name ``gqlevolve``'s ASGI app gives the same endpoint, so the reports, the advisor and
the emergency procedures name it the same way (``--endpoint v1`` too).

In ``urls.py``, either every version of the settings::

    urlpatterns = [path("", include("gqlevolve.contrib.django.urls"))]

or the list, to add to or to give schemas other than the settings' (``versioned_urls({"v1": schema})``)::

    urlpatterns = [*versioned_urls(), path("admin/", admin.site.urls)]

A version with a lifecycle (``GQLEVOLVE["LIFECYCLES"]``) is wrapped by :class:`.views.VersionEndpoint`: the
policy's headers while it is deprecated, ``410 Gone`` once removed, as ``versioned_app`` does.

Building the patterns also registers each schema's deprecations for its endpoint in the store (what
``versioned_app`` does at start-up), so the reports know them before the first request.

Example: the patterns of two schemas (``schema``: a Strawberry schema without the extension; the views are built
with the defaults of :data:`~.conf.DEFAULTS`):

    >>> [pattern.pattern.describe() for pattern in versioned_urls({"v1": schema, "v2": schema}, settings={})]
    ["'api/v1/graphql/' [name='gqlevolve-v1']", "'api/v1/graphql'", "'api/v2/graphql/' [name='gqlevolve-v2']", "'api/v2/graphql'"]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.signals import setting_changed  # type: ignore[import-untyped]  # Django ships no type hints

from gqlevolve.contrib.django.conf import DEFAULTS, SETTING
from gqlevolve.endpoints import ServesEndpoints, endpoint_path

if TYPE_CHECKING:
    from django.urls import URLPattern  # type: ignore[import-untyped]  # Django ships no type hints
    from strawberry.schema.base import BaseSchema

    from gqlevolve.clock import Clock
    from gqlevolve.lifecycle import VersionLifecycle

__all__ = ["url_name", "versioned_urls"]

logger = logging.getLogger("gqlevolve.contrib.django")


def url_name(version: str) -> str:
    """The URL name of a version's endpoint: ``reverse(url_name("v1"))`` is ``/api/v1/graphql/``."""
    return f"gqlevolve-{version}"


def versioned_urls(
    schemas: Mapping[str, BaseSchema] | None = None,
    *,
    lifecycles: Mapping[str, VersionLifecycle] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> list[URLPattern]:
    """URL patterns serving each schema at ``api/<version>/graphql/``.

    ``schemas``: by version (``draft`` or ``vN``); default ``GQLEVOLVE["SCHEMAS"]``. ``lifecycles``: each version's
    :class:`~gqlevolve.lifecycle.VersionLifecycle` (default ``GQLEVOLVE["LIFECYCLES"]``). ``settings``: the
    ``GQLEVOLVE`` keys to use instead of the project's (what is missing takes its default).
    """
    from django.urls import path
    from strawberry.django.views import AsyncGraphQLView, GraphQLView

    from gqlevolve.contrib.django import conf
    from gqlevolve.contrib.django.views import VersionEndpoint
    from gqlevolve.lifecycle import validate_version

    options = conf.gqlevolve_settings() if settings is None else {**DEFAULTS, **settings}
    served = conf.schemas() if schemas is None else {validate_version(version): schema for version, schema in schemas.items()}
    dated = conf.lifecycles(served, options["LIFECYCLES"] if lifecycles is None else lifecycles)
    view_class = AsyncGraphQLView if options["ASYNC_VIEWS"] else GraphQLView
    patterns: list[URLPattern] = []
    for version, schema in served.items():
        graphql = view_class.as_view(schema=schema, graphql_ide=options["GRAPHQL_IDE"], allow_queries_via_get=True)
        view = VersionEndpoint(version, graphql, dated.get(version), clock=_store_clock).as_view()
        # API clients send no CSRF token (Strawberry's documented Django set-up). The attribute is what
        # django.views.decorators.csrf.csrf_exempt sets; set here, it keeps an async view async on Django 4.2 too.
        view.csrf_exempt = bool(options["CSRF_EXEMPT"])  # type: ignore[attr-defined]
        route = endpoint_path(version).lstrip("/")
        patterns += [path(f"{route}/", view, name=url_name(version)), path(route, view)]
        _register(schema, endpoint_path(version))
    return patterns


def _store_clock() -> Clock:
    """The usage store's clock dates the versions' lifecycles (as ``versioned_app``'s): one pinned clock moves all."""
    from gqlevolve.contrib.django.store import usage_store

    return usage_store().clock


def _register(schema: BaseSchema, endpoint: str) -> None:
    """Tell the schema's extensions that serve endpoints (``deprecation_usage``) the endpoint they serve."""
    for extension in getattr(schema, "extensions", ()):
        if not isinstance(extension, ServesEndpoints):
            continue
        try:
            extension.on_app_startup(schema=schema, endpoint=endpoint)
        except Exception:  # the store's trouble must not keep the API down: the first request registers again
            logger.exception("registering the deprecations of %s failed", endpoint)


def __getattr__(name: str) -> Any:
    # ``include("gqlevolve.contrib.django.urls")``: the patterns are built from the settings when Django first
    # reads them (then kept as the module's attribute), so that importing this module needs no settings.
    if name == "urlpatterns":
        patterns = globals()["urlpatterns"] = versioned_urls()
        return patterns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    """Other settings (``override_settings`` in a test): the next read of ``urlpatterns`` builds them anew."""
    if setting == SETTING and globals().pop("urlpatterns", None) is not None:
        from django.urls import clear_url_caches

        clear_url_caches()


setting_changed.connect(_settings_changed, dispatch_uid="gqlevolve.contrib.django.urls")
