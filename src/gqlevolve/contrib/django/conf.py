"""``settings.GQLEVOLVE``: the Django app's settings, read when they are needed and checked.

Every key is optional:

- ``STORE_URL``: where usage is counted (``sqlite:///...`` or ``postgresql+psycopg://...``). Default: the
  project's own ``DATABASES["default"]`` when it is SQLite (a file) or PostgreSQL; any other engine needs a URL.
- ``SCHEMAS``: the Strawberry schema of each version, ``{"v1": "myproject.schema.schema_v1"}`` (an import path, or
  the schema itself); ``versioned_urls()`` serves each at ``api/<version>/graphql/``.
- ``LIFECYCLES``: a whole version's lifecycle, ``{"v1": VersionLifecycle(deprecated_on=..., sunset_on=...,
  successor="v2")}`` (:class:`gqlevolve.lifecycle.VersionLifecycle`, as ``versioned_app`` takes it): while it is
  deprecated every response of the version carries the policy's headers; once removed it answers ``410 Gone``.
- ``GRAPHQL_IDE``: the IDE Strawberry's view shows a browser (``"graphiql"``, the default; ``None`` for none).
- ``ASYNC_VIEWS``: ``True`` serves the versions with Strawberry's ``AsyncGraphQLView`` (under ASGI); default
  ``False``: its ``GraphQLView``.
- ``CSRF_EXEMPT``: ``True`` (the default, as Strawberry's Django docs set it up) exempts the endpoints from
  Django's CSRF check: API clients send no CSRF token. ``False`` if browsers call the API with session cookies.

- ``ADMIN_TOKEN``: the bearer token of the admin HTTP API, which :func:`.asgi.with_admin_api` mounts at
  ``/api/admin/`` in front of the project's ASGI application (not mounted without a token).

A key this app does not know is refused (a typo must not fall back silently to a default).

Example: the store URL of the two database engines the usage store supports (a SQLite ``NAME`` may be a
``pathlib.Path``, as ``BASE_DIR / "db.sqlite3"`` is):

    >>> store_url_from_database({"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/app/db.sqlite3"})
    'sqlite+pysqlite:////srv/app/db.sqlite3'
    >>> store_url_from_database({
    ...     "ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app", "PASSWORD": "s3cr@t",
    ...     "HOST": "db.internal", "PORT": "5432", "OPTIONS": {"sslmode": "require", "pool": True},
    ... })
    'postgresql+psycopg://app:s3cr%40t@db.internal:5432/app?sslmode=require'
    >>> store_url_from_database({"ENGINE": "django.db.backends.mysql", "NAME": "app"})
    Traceback (most recent call last):
    ...
    django.core.exceptions.ImproperlyConfigured: GQLEVOLVE["STORE_URL"] is needed: the usage store runs on SQLite or PostgreSQL, and DATABASES["default"] is django.db.backends.mysql
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]  # Django ships no type hints

if TYPE_CHECKING:
    from strawberry.schema.base import BaseSchema

    from gqlevolve.lifecycle import VersionLifecycle

__all__ = [
    "DEFAULTS",
    "SETTING",
    "admin_token",
    "gqlevolve_settings",
    "lifecycles",
    "schemas",
    "store_url",
    "store_url_from_database",
]

#: The name of the Django setting.
SETTING = "GQLEVOLVE"

#: Every key of ``settings.GQLEVOLVE`` and its default (``STORE_URL``: from ``DATABASES["default"]``).
DEFAULTS: dict[str, Any] = {
    "STORE_URL": None,
    "SCHEMAS": {},
    "LIFECYCLES": {},
    "GRAPHQL_IDE": "graphiql",
    "ASYNC_VIEWS": False,
    "CSRF_EXEMPT": True,
    "ADMIN_TOKEN": None,
}

_SQLITE_ENGINES = {"django.db.backends.sqlite3", "django.contrib.gis.db.backends.spatialite"}
_POSTGRESQL_ENGINES = {"django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"}
# OPTIONS that are libpq's connection parameters; the others (isolation_level, pool, server_side_binding,
# assume_role...) are Django's own and mean nothing to psycopg's connect.
_LIBPQ_OPTIONS = (
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "options", "connect_timeout",
    "application_name", "target_session_attrs", "service", "passfile", "client_encoding",
)


def gqlevolve_settings() -> dict[str, Any]:
    """``settings.GQLEVOLVE`` with the defaults filled in; ``ImproperlyConfigured`` for an unknown key."""
    from django.conf import settings  # type: ignore[import-untyped]  # Django ships no type hints

    given = getattr(settings, SETTING, {})
    if not isinstance(given, Mapping):
        raise ImproperlyConfigured(f"settings.{SETTING} must be a dict, not {type(given).__name__}")
    unknown = sorted(str(key) for key in given if key not in DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"settings.{SETTING} has unknown keys {', '.join(unknown)}; known: {', '.join(DEFAULTS)}"
        )
    return {**DEFAULTS, **given}


def store_url() -> str:
    """``GQLEVOLVE["STORE_URL"]``, else the URL of ``DATABASES["default"]`` (:func:`store_url_from_database`)."""
    from django.conf import settings

    url = gqlevolve_settings()["STORE_URL"]
    if url is not None:
        if not isinstance(url, str) or not url.strip():
            raise ImproperlyConfigured(f'{SETTING}["STORE_URL"] must be a non-empty URL string, not {url!r}')
        return url
    # Read when needed, not at start-up: Django's test runner renames the database (test_...) before tests run.
    database = settings.DATABASES.get("default")
    if not database:
        raise ImproperlyConfigured(f'{SETTING}["STORE_URL"] is needed: DATABASES has no "default"')
    return store_url_from_database(database)


def store_url_from_database(database: Mapping[str, Any]) -> str:
    """The usage store's URL for one entry of Django's ``DATABASES`` (SQLite or PostgreSQL), with its password."""
    from sqlalchemy.engine import URL

    engine = str(database.get("ENGINE", ""))
    name = database.get("NAME")
    if engine in _SQLITE_ENGINES:
        path = os.fspath(name) if name else ""
        # A second connection cannot see an in-memory database (Django's test runner makes one for SQLite).
        if not path or path == ":memory:" or "mode=memory" in path:
            raise ImproperlyConfigured(
                f'{SETTING}["STORE_URL"] is needed: DATABASES["default"] is an in-memory SQLite database, which the '
                'usage store cannot share (under the test runner, give DATABASES["default"]["TEST"]["NAME"] a file)'
            )
        return URL.create("sqlite+pysqlite", database=path).render_as_string(hide_password=False)
    if engine in _POSTGRESQL_ENGINES:
        options = database.get("OPTIONS") or {}
        query = {key: str(options[key]) for key in _LIBPQ_OPTIONS if options.get(key) not in (None, "")}
        host = str(database.get("HOST") or "") or None
        if host is not None and host.startswith("/"):  # a Unix socket's folder: libpq's host parameter
            query["host"], host = host, None
        port = database.get("PORT")
        return URL.create(
            "postgresql+psycopg",
            username=str(database.get("USER") or "") or None,
            password=str(database.get("PASSWORD") or "") or None,
            host=host,
            port=int(port) if port not in (None, "") else None,
            database=str(name) if name else None,
            query=query,
        ).render_as_string(hide_password=False)
    raise ImproperlyConfigured(
        f'{SETTING}["STORE_URL"] is needed: the usage store runs on SQLite or PostgreSQL, and '
        f'DATABASES["default"] is {engine or "not set"}'
    )


def admin_token() -> str | None:
    """``GQLEVOLVE["ADMIN_TOKEN"]``: None (no admin API), or a non-empty token, as ``versioned_app`` takes it."""
    token = gqlevolve_settings()["ADMIN_TOKEN"]
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise ImproperlyConfigured(f'{SETTING}["ADMIN_TOKEN"] must be None or a non-empty secret string')
    return token


def schemas() -> dict[str, BaseSchema]:
    """``GQLEVOLVE["SCHEMAS"]``: each version's schema, imported; a bad version name or path is refused."""
    from django.utils.module_loading import import_string  # type: ignore[import-untyped]  # Django ships no type hints

    from gqlevolve.lifecycle import InvalidVersionName, validate_version

    given = gqlevolve_settings()["SCHEMAS"]
    if not isinstance(given, Mapping):
        raise ImproperlyConfigured(f'{SETTING}["SCHEMAS"] must be a dict of version to schema, not {given!r}')
    result: dict[str, BaseSchema] = {}
    for version, schema in given.items():
        try:
            validate_version(version)
        except InvalidVersionName as error:
            raise ImproperlyConfigured(f'{SETTING}["SCHEMAS"]: {error}') from None
        if isinstance(schema, str):
            try:
                schema = import_string(schema)
            except ImportError as error:
                raise ImproperlyConfigured(f'{SETTING}["SCHEMAS"]["{version}"]: cannot import {schema}: {error}') from error
        if not hasattr(schema, "execute_sync"):  # what Strawberry's views call; a typo'd path names something else
            raise ImproperlyConfigured(f'{SETTING}["SCHEMAS"]["{version}"] is not a Strawberry schema: {schema!r}')
        result[version] = schema
    return result


def lifecycles(served: Mapping[str, Any], given: Any = None) -> dict[str, VersionLifecycle]:
    """``GQLEVOLVE["LIFECYCLES"]`` (or ``given``), checked against the ``served`` versions: a lifecycle of a version
    that has no schema, or naming a successor that has none, is refused."""
    from gqlevolve.lifecycle import VersionLifecycle

    given = gqlevolve_settings()["LIFECYCLES"] if given is None else given
    if not isinstance(given, Mapping):
        raise ImproperlyConfigured(f'{SETTING}["LIFECYCLES"] must be a dict of version to VersionLifecycle, not {given!r}')
    for version, lifecycle in given.items():
        if not isinstance(lifecycle, VersionLifecycle):
            raise ImproperlyConfigured(f'{SETTING}["LIFECYCLES"]["{version}"] is not a VersionLifecycle: {lifecycle!r}')
        if version not in served:
            raise ImproperlyConfigured(f'{SETTING}["LIFECYCLES"] names version "{version}", which has no schema')
        if lifecycle.successor is not None and lifecycle.successor not in served:
            raise ImproperlyConfigured(
                f'{SETTING}["LIFECYCLES"]["{version}"] names successor "{lifecycle.successor}", which has no schema'
            )
    return dict(given)
