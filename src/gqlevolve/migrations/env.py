"""Alembic's entry point for the usage store.

:mod:`gqlevolve.usage_store.revisions` passes an open connection (``config.attributes["connection"]``), already inside
the transaction that serialises concurrent upgrades; the URL form is for running ``alembic`` by hand.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from gqlevolve.usage_store.tables import metadata

config = context.config


def run_migrations(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:  # pragma: no cover - manual use of the alembic command
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        run_migrations(connection)
    engine.dispose()
