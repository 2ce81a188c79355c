"""Opening the usage store for a command: the URL from ``--db`` / ``$GQLEVOLVE_DB``, and a clear error when
there is no store there (a command that reads must not create an empty SQLite file) or it cannot be reached.

Example (``store_url``: a SQLite file not created yet; :func:`~gqlevolve.cli._common.handle_errors` turns the
error into one line and exit 2):

    >>> with open_store(store_url) as store:
    ...     store.endpoints()
    Traceback (most recent call last):
    ...
    gqlevolve.errors.StoreUnavailable: no usage store at sqlite:///.../gqlevolve.db: the file .../gqlevolve.db does not exist (...)
    >>> from gqlevolve.usage_store import UsageStore
    >>> UsageStore(store_url, clock=clock).close()      # a new SQLite store is created with its tables
    >>> with open_store(store_url) as store:
    ...     store.endpoints()
    []
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gqlevolve.cli._common import store_url

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["open_store", "percent", "reach"]


def reach(db_url: str | None) -> None:
    """Check that the store of ``--db`` exists and answers; else a ``CommandError`` or the driver's error, which
    :func:`~gqlevolve.cli._common.handle_errors` describes in one line."""
    from gqlevolve.usage_store.engine import create_store_engine

    engine = create_store_engine(store_url(db_url))
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


@contextmanager
def open_store(db_url: str | None) -> Iterator[UsageStore]:
    from gqlevolve.usage_store import UsageStore

    # Reached once first: a store that cannot be reached is an error here, not a warning and counts kept in memory.
    reach(db_url)
    store = UsageStore(store_url(db_url), migrate=False, handle_shutdown=False)
    try:
        yield store
    finally:
        store.close()


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.2%}"
