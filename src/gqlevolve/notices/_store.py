"""The notices' one way to write to the usage store: a transaction on its engine, after the store's schema check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

    from gqlevolve.usage_store import UsageStore

__all__ = ["writing"]


@contextmanager
def writing(store: UsageStore) -> Iterator[sa.Connection]:
    """One read-write transaction; the store is reached and its revision checked first (as every read does)."""
    with store.reading():  # reach the store, migrate as configured, refuse a schema this code does not know
        pass
    with store.engine.begin() as connection:
        yield connection
