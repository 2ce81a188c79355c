"""Store URLs: checked when a store is created, so a typo fails at start-up and never at request time.

Accepted: ``sqlite:///path/to/file.db`` (a file; the directory may appear later) and
``postgresql+psycopg://user@host:port/database`` (``postgresql://`` and ``postgres://`` mean the same: the
psycopg 3 driver). Anything else raises :class:`InvalidStoreURL`, an :class:`~gqlevolve.errors.InvalidInput` (a
``ValueError``) that says what is wrong, showing the URL (its password redacted) JSON-style.

Example:

    >>> url = parse_store_url("postgres://gqlevolve:secret@127.0.0.1/usage")
    >>> url.drivername
    'postgresql+psycopg'
    >>> redacted(url)               # for messages and logs
    'postgresql+psycopg://gqlevolve:***@127.0.0.1/usage'
    >>> sqlite_path(parse_store_url("sqlite:///data/gqlevolve.db")).as_posix()     # relative to the working folder
    'data/gqlevolve.db'
    >>> parse_store_url("mysql://db.internal/usage")
    Traceback (most recent call last):
    ...
    gqlevolve.usage_store.urls.InvalidStoreURL: unknown scheme "mysql" in store URL "mysql://db.internal/usage": the usage store supports postgres, postgresql, postgresql+psycopg, sqlite, sqlite+pysqlite (e.g. ...)
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote
from gqlevolve.logs import redacted_url

__all__ = ["InvalidStoreURL", "SUPPORTED_SCHEMES", "parse_store_url", "redacted", "sqlite_path"]

#: What a URL may start with, and the SQLAlchemy driver each one means.
SUPPORTED_SCHEMES: dict[str, str] = {
    "sqlite": "sqlite+pysqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}

_EXAMPLES = "sqlite:///gqlevolve.db or postgresql+psycopg://user@host:5432/database"


class InvalidStoreURL(InvalidInput):
    """A store URL that is malformed, has an unknown scheme or cannot name a durable database."""


def parse_store_url(url: str | URL) -> URL:
    """The URL with its driver made explicit, or :class:`InvalidStoreURL`."""
    if isinstance(url, str):
        if not url.strip():
            raise InvalidStoreURL(f"the store URL is empty (expected e.g. {_EXAMPLES})")
        scheme = url.split("://", 1)[0] if "://" in url else None
        if scheme is None:
            raise InvalidStoreURL(f"malformed store URL {_shown(url)}: no '<scheme>://' (expected e.g. {_EXAMPLES})")
        _check_scheme(scheme, url)
        if scheme == "postgres":  # SQLAlchemy no longer knows this alias
            url = "postgresql" + url[len("postgres") :]
        try:
            parsed = sa.make_url(url)
        except Exception as error:  # ArgumentError, or ValueError for a bad port
            raise InvalidStoreURL(f"malformed store URL {_shown(url)}: {error}") from None
    else:
        parsed = url
        _check_scheme(parsed.drivername, parsed.render_as_string(hide_password=True))
    parsed = parsed.set(drivername=SUPPORTED_SCHEMES[parsed.drivername])
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite(parsed)
    else:
        _check_postgresql(parsed)
    return parsed


def redacted(url: str | URL) -> str:
    """The URL for messages and logs, without its password (:func:`gqlevolve.logs.redacted_url`)."""
    return redacted_url(url)


def sqlite_path(url: URL) -> Path | None:
    """The file a SQLite URL from :func:`parse_store_url` names (relative to the working directory when the URL
    is); None for PostgreSQL and for a ``file:`` URI (``?uri=true``), whose path SQLite itself interprets."""
    if url.get_backend_name() != "sqlite" or not url.database or url.query.get("uri") in ("true", "1"):
        return None
    return Path(url.database)


def _shown(url: str | URL) -> str:
    """The URL as a message shows it: its password redacted, JSON-style."""
    return json_quote(redacted(url), limit=300)


def _check_scheme(scheme: str, url: str) -> None:
    if scheme not in SUPPORTED_SCHEMES:
        known = ", ".join(sorted(SUPPORTED_SCHEMES))
        raise InvalidStoreURL(
            f"unknown scheme {json_quote(scheme)} in store URL {_shown(url)}: the usage store supports {known} "
            f"(e.g. {_EXAMPLES})"
        )


def _check_sqlite(url: URL) -> None:
    if url.host or url.username or url.port:
        raise InvalidStoreURL(
            f"malformed SQLite URL {_shown(url)}: a SQLite URL has no host; use three slashes for a relative "
            "path (sqlite:///gqlevolve.db) and four for an absolute one (sqlite:////var/lib/gqlevolve.db)"
        )
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:") or url.query.get("mode") == "memory":
        raise InvalidStoreURL(
            f"the store URL {_shown(url)} names an in-memory SQLite database, which each connection sees "
            "separately and which loses every count at exit; name a file (sqlite:///gqlevolve.db)"
        )


def _check_postgresql(url: URL) -> None:
    if not url.database:
        raise InvalidStoreURL(f"the PostgreSQL URL {_shown(url)} names no database (…/database at the end)")
