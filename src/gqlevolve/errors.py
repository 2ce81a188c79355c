"""One error model: what can go wrong, by kind, so that each interface says it in one place.

Every error gqlevolve means to raise is a :class:`GqlevolveError` of one of four kinds; its message is written for
the person who caused it (the values they sent quoted JSON-style, with :func:`gqlevolve.jsonable.json_quote`),
and ``field`` names the parameter it is about when one is known (``endpoint``, ``as_of``, ``threshold``):

- :class:`InvalidInput` (also a ``ValueError``): malformed, out-of-range or missing input (a date, a number,
  a coordinate, a reason). Command line: exit 2; admin API: 400. Its refinement :class:`TooLarge` is input over
  a size limit (a request body): admin API 413, as ``versioned_app`` answers a GraphQL body over its limit.
- :class:`NotFound` (also a ``LookupError``): something named does not exist (an endpoint, a deprecation
  record). Command line: exit 2; admin API: 404.
- :class:`Conflict` (also a ``ValueError``): well-formed, but the current state does not allow it (extending a
  sunset that is not set). Command line: exit 2; admin API: 409.
- :class:`StoreUnavailable`: the usage store cannot be reached, read or written, or its schema is not this
  code's. Command line: exit 2; admin API: 503.

The specific errors are subclasses of their kind: ``UnknownEndpoint`` (not found), ``EndpointNotChosen``
(invalid input, and an unknown endpoint as it always was), ``InvalidCoordinate`` and ``UnknownCoordinate``,
``InvalidVersionName``, ``InvalidMigrationGuide``, ``InvalidStoreURL``, ``DeclarationError``, ``SchemaSourceError``
(invalid input), ``StoreSchemaError`` (store unavailable). A SQLAlchemy or database driver error is the store
being unavailable: :func:`known_error` turns it into a :class:`StoreUnavailable` with one line that says what
failed (:func:`describe_store_error`, the password never shown).

Anything else is a bug in gqlevolve: the command line prints ``Error: internal error (a bug in gqlevolve):
KeyError: 'x' at gqlevolve/reports/usage.py:88 — please report it`` and exits with 3 (:func:`bug_location` finds
the place); the admin API answers 500 and logs the traceback.

The mapping lives in one place per interface: ``gqlevolve.cli._common.handle_errors`` and
``gqlevolve.admin_api``.

Example: a kind is also the built-in exception it refines, and ``field`` says which parameter to fix:

    >>> from gqlevolve.jsonable import json_quote
    >>> try:
    ...     raise InvalidInput(f"days must be a whole number from 1 to 3660, not {json_quote('7x')}", field="days")
    ... except ValueError as error:     # an InvalidInput is a ValueError too
    ...     print(type(error).__name__, error.field, error)
    InvalidInput days days must be a whole number from 1 to 3660, not "7x"
    >>> isinstance(NotFound("no deprecation record for User.nme", field="coordinate"), LookupError)
    True
    >>> import sqlalchemy
    >>> locked = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("database is locked"))
    >>> known_error(locked, store_url="sqlite:///gqlevolve.db")      # a driver's error is the store being unavailable
    StoreUnavailable('the usage store at sqlite:///gqlevolve.db failed: the database is locked by another process')
"""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = [
    "Conflict",
    "GqlevolveError",
    "InvalidInput",
    "NotFound",
    "StoreUnavailable",
    "TooLarge",
    "bug_location",
    "describe_store_error",
    "known_error",
    "one_line",
]


class GqlevolveError(Exception):
    """An error gqlevolve expects and explains: its message is for the user, never a traceback.

    ``field`` names the parameter the error is about (as the library calls it: ``endpoint``, ``days``), when
    known; ``extra`` holds members an HTTP problem body may carry (``choices``).
    """

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.field = field
        self.extra = extra


class InvalidInput(GqlevolveError, ValueError):
    """Input that cannot be right: malformed, out of range, missing. A ``ValueError`` too."""


class TooLarge(InvalidInput):
    """Input over a size limit (a request body): HTTP 413 rather than 400, so a client knows to send less."""


class NotFound(GqlevolveError, LookupError):
    """Something named that does not exist (an endpoint, a deprecation record). A ``LookupError`` too."""


class Conflict(GqlevolveError, ValueError):
    """Well-formed input that the current state does not allow (extend a sunset that is not set).

    A ``ValueError`` too, as these were before they had a kind.
    """


class StoreUnavailable(GqlevolveError):
    """The usage store cannot be reached, read or written, or its schema is not the one this code writes."""


def one_line(message: str) -> str:
    """A message on one line: line breaks and indentation become single spaces, SQLAlchemy's link goes."""
    return " ".join(_BACKGROUND.sub("", message).split())


_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


def known_error(error: BaseException, *, store_url: str | URL | None = None) -> GqlevolveError | None:
    """``error`` as one of gqlevolve's kinds, or None when it is none of them (a bug).

    A SQLAlchemy error (or a driver's, wrapped by SQLAlchemy) becomes :class:`StoreUnavailable`, described with
    :func:`describe_store_error` for the store at ``store_url``.
    """
    if isinstance(error, GqlevolveError):
        return error
    # SQLAlchemy is looked up, not imported: a command that never opened a store never loads it.
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(error, sa_exc.SQLAlchemyError):
        unavailable = StoreUnavailable(describe_store_error(error, store_url))
        unavailable.__cause__ = error
        return unavailable
    return None


# What a driver says about a connection that failed, and what we say instead.
_CONNECTION_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"connection refused", re.IGNORECASE), "connection refused"),
    (re.compile(r"failed to resolve host '([^']*)'|could not translate host name \"([^\"]*)\"", re.IGNORECASE), "unknown host {host}"),
    (re.compile(r"timeout expired|timed out", re.IGNORECASE), "no answer (timed out)"),
    (re.compile(r"unable to open database file", re.IGNORECASE), "SQLite cannot open the file (check the folder and its permissions)"),
]
_FAILURE_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"file is not a database", re.IGNORECASE), "the file is not a SQLite database"),
    (re.compile(r"database is locked", re.IGNORECASE), "the database is locked by another process"),
    (re.compile(r"readonly database", re.IGNORECASE), "the file is read-only"),
]
_DRIVER_PREFIXES = re.compile(
    r"^(connection failed:\s*)?(connection to server at [^,]*, port \d+ failed:\s*)?(FATAL:\s*)?", re.IGNORECASE
)


def describe_store_error(error: BaseException, url: str | URL | None) -> str:
    """One line for a SQLAlchemy or DBAPI error on the store at ``url`` (password redacted), e.g.
    ``cannot reach the usage store at postgresql+psycopg://postgres@127.0.0.1:1/x: connection refused``."""
    from gqlevolve.jsonable import json_quote

    if url is None:
        where = "the usage store"
    else:
        from gqlevolve.logs import redacted_url

        where = f"the usage store at {redacted_url(url)}"
    driver_error = getattr(error, "orig", None) or error
    text = str(driver_error).strip()
    if driver_error is error:  # SQLAlchemy's own (no driver error): its message without the link
        return f"{where} failed: {one_line(text)}"
    first = _DRIVER_PREFIXES.sub("", text.splitlines()[0] if text else "").strip()
    for pattern, reason in _CONNECTION_REASONS:
        found = pattern.search(text)
        if found:
            host = next((group for group in found.groups() if group), "")
            return f"cannot reach {where}: {reason.format(host=json_quote(host))}"
    for pattern, reason in _FAILURE_REASONS:
        if pattern.search(text):
            return f"{where} failed: {reason}"
    if text.lower().startswith(("connection failed", "connection to server")):
        return f"cannot reach {where}: {first}"
    return f"{where} failed: {first or type(driver_error).__name__}"


_PACKAGE = Path(__file__).resolve().parent


def bug_location(error: BaseException) -> str:
    """Where ``error`` was raised, for a bug report: the innermost frame in gqlevolve's own code, as
    ``gqlevolve/reports/usage.py:88`` (the innermost frame of all, ``file.py:12``, when none is gqlevolve's)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_PACKAGE):
            return f"{path.relative_to(_PACKAGE.parent).as_posix()}:{frame.lineno}"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"
