"""The store's database revision: upgrade to the latest Alembic revision, or refuse one the code does not know.

Upgrades are serialised between processes (SQLite: the ``BEGIN IMMEDIATE`` write lock; PostgreSQL: a
transaction-level advisory lock), so several servers starting at once on a new database migrate it once.

Example: a new SQLite file, brought to the latest revision once (``store_url``: e.g. ``"sqlite:///gqlevolve.db"``):

    >>> from gqlevolve.usage_store.engine import create_store_engine
    >>> from gqlevolve.usage_store.urls import parse_store_url
    >>> engine = create_store_engine(parse_store_url(store_url))
    >>> with engine.connect() as connection:
    ...     check_revision(connection)
    Traceback (most recent call last):
    ...
    gqlevolve.usage_store.revisions.StoreSchemaError: the usage store at sqlite+pysqlite:///.../gqlevolve.db has no gqlevolve schema yet; run `gqlevolve db upgrade --db URL` (or create the store with migrate=True)
    >>> upgrade(engine)            # (from, to)
    (None, '0007_operation_summaries')
    >>> upgrade(engine)            # already there: nothing to do
    ('0007_operation_summaries', '0007_operation_summaries')
    >>> with engine.connect() as connection:
    ...     check_revision(connection)       # at the latest revision: no error
    ...     current_revision(connection)
    '0007_operation_summaries'
    >>> engine.dispose()
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from gqlevolve.errors import StoreUnavailable
from gqlevolve.usage_store.engine import is_sqlite
from gqlevolve.usage_store.urls import redacted

__all__ = [
    "StoreSchemaError",
    "alembic_config",
    "check_revision",
    "current_revision",
    "head_revision",
    "upgrade",
]

# An arbitrary constant: the key of the advisory lock that serialises upgrades on PostgreSQL.
_UPGRADE_LOCK_KEY = 0x67716C65766F6C76 & 0x7FFFFFFFFFFFFFFF


class StoreSchemaError(StoreUnavailable, RuntimeError):
    """The database's schema is not the one this code writes: not migrated yet, or migrated by a newer gqlevolve.

    The store is unavailable until it is migrated (:class:`~gqlevolve.errors.StoreUnavailable`); a
    ``RuntimeError`` as it always was."""


def alembic_config() -> Config:
    """Alembic's configuration without an ``alembic.ini``: the scripts live in ``gqlevolve/migrations``."""
    config = Config()
    config.set_main_option("script_location", str(Path(str(resources.files("gqlevolve") / "migrations"))))
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "gqlevolve ships at least one migration"
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def check_revision(connection: sa.Connection) -> None:
    """Raise :class:`StoreSchemaError` unless the database is at the latest revision this code knows."""
    current = current_revision(connection)
    head = head_revision()
    if current == head:
        return
    where = redacted(connection.engine.url)
    if current is None:
        raise StoreSchemaError(
            f"the usage store at {where} has no gqlevolve schema yet; run `gqlevolve db upgrade --db URL` "
            "(or create the store with migrate=True)"
        )
    if not _knows(current):
        raise StoreSchemaError(
            f"the usage store at {where} is at revision {current!r}, which this gqlevolve does not know "
            f"(its latest is {head!r}): the database was migrated by a newer gqlevolve; upgrade gqlevolve"
        )
    raise StoreSchemaError(
        f"the usage store at {where} is at revision {current!r}, older than {head!r}; "
        "run `gqlevolve db upgrade --db URL`"
    )


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Bring the database to the latest revision; returns (from, to). Refuses a revision it does not know."""
    from alembic import command

    with engine.begin() as connection:  # on SQLite, BEGIN IMMEDIATE: the write lock for the whole upgrade
        if not is_sqlite(engine):
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK_KEY})
        before = current_revision(connection)
        if before is not None and not _knows(before):
            check_revision(connection)  # raises the "newer gqlevolve" error
        head = head_revision()
        if before != head:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return before, head


def _knows(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises for an unknown or malformed revision id
        return False
