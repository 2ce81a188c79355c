"""The admin HTTP API beside a Django project under ASGI: ``/api/admin/`` in front of the project's application.

The admin API (:mod:`gqlevolve.admin_api`: the reports as JSON, the audited emergency procedures) is an ASGI app;
a Django project served by an ASGI server mounts it in its ``asgi.py``::

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")

    from gqlevolve.contrib.django.asgi import with_admin_api

    application = with_admin_api()      # Django's get_asgi_application(), and /api/admin/ when ADMIN_TOKEN is set

It answers from the project's usage store (:func:`~.store.usage_store`) for the versions of ``GQLEVOLVE["SCHEMAS"]``
(the procedures refuse a coordinate their schema does not have) and takes ``Authorization: Bearer <ADMIN_TOKEN>``.
Without ``GQLEVOLVE["ADMIN_TOKEN"]``, the project's application is returned as it is. Everything else, the lifespan
aside (Django's handler serves HTTP only), goes to Django.

    >>> import gqlevolve.contrib.django.asgi
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = ["ADMIN_PREFIX", "with_admin_api"]

#: Where the admin API is mounted, as in ``versioned_app``.
ADMIN_PREFIX = "/api/admin"


def with_admin_api(django_application: Any = None) -> ASGIApp:
    """``django_application`` (default: Django's ``get_asgi_application()``) with the admin API at ``/api/admin/``."""
    if django_application is None:
        from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]  # Django ships no type hints

        django_application = get_asgi_application()  # sets Django up: the settings are read below
    from gqlevolve.contrib.django import conf

    token = conf.admin_token()
    if token is None:
        application: ASGIApp = django_application
        return application

    from starlette.applications import Starlette
    from starlette.routing import Mount

    from gqlevolve.admin_api import admin_app
    from gqlevolve.contrib.django.store import usage_store
    from gqlevolve.endpoints import endpoint_path

    schemas = conf.schemas()
    admin = admin_app(usage_store(), token=token, endpoints=[endpoint_path(version) for version in schemas], schemas=schemas)
    return Starlette(routes=[Mount(ADMIN_PREFIX, app=admin), Mount("", app=django_application)])
