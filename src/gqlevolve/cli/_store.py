"""Opening the usage store for a command: the URL from ``--db`` / ``$GQLEVOLVE_DB``, and a clear error when
there is no store there (a command that reads must not create an empty SQLite file)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from gqlevolve.cli._common import CommandError, default_db_url

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["open_store", "percent"]


@contextmanager
def open_store(db_url: str | None) -> Iterator[UsageStore]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from gqlevolve.usage_store import UsageStore

    url = db_url or default_db_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CommandError(f"--db: {url!r} is not a database URL (sqlite:///path.db or postgresql+psycopg://...)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            raise CommandError(f"no usage store at {url}: the file does not exist (check --db or GQLEVOLVE_DB, or create it with 'gqlevolve db upgrade')")
    store = UsageStore(url, migrate=False, handle_shutdown=False)
    try:
        yield store
    finally:
        store.close()


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.2%}"
