"""Migrations: they create exactly the tables the code declares, and run once however many start at once."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gqlevolve.usage_store.engine import create_store_engine
from gqlevolve.usage_store.revisions import current_revision, head_revision, upgrade
from gqlevolve.usage_store.tables import metadata
from gqlevolve.usage_store.urls import parse_store_url


def test_the_migrations_match_the_tables(store_url):
    engine = create_store_engine(parse_store_url(store_url))
    assert upgrade(engine) == (None, head_revision())
    assert upgrade(engine) == (head_revision(), head_revision())
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_concurrent_upgrades_of_a_new_database_migrate_it_once(store_url):
    results: list[object] = []

    def run() -> None:
        engine = create_store_engine(parse_store_url(store_url))
        try:
            results.append(upgrade(engine))
        except Exception as error:  # the assertion below shows it
            results.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted(
        [(None, head_revision())] + [(head_revision(), head_revision())] * 3, key=str
    )
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
