"""Fixtures shared by the whole suite: real SQLite files and, when configured, a real PostgreSQL.

``store_url`` runs a test once on a fresh SQLite file and once in a fresh PostgreSQL schema.
PostgreSQL runs only when ``GQLEVOLVE_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it when the server
at 127.0.0.1:5432 answers); each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from gqlevolve.usage_store import UsageStore

POSTGRES_URL_ENV = "GQLEVOLVE_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_URL_ENV) or None


@pytest.fixture(autouse=True)
def _spill_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store a test closes with counts it could not write spills them (``GQLEVOLVE_SPILL_DIR``) into a temporary
    folder of that test, not into the user's cache directory (nor into another test's replay)."""
    monkeypatch.setenv("GQLEVOLVE_SPILL_DIR", str(tmp_path_factory.mktemp("spill")))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'gqlevolve.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a schema of their own (``search_path``), dropped after the test."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    import sqlalchemy as sa

    schema = f"gqlevolve_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request) -> str:
    """The same test on both backends."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    """A migrated store on each backend, closed after the test (a module that needs a pinned clock or seeded
    records defines its own)."""
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        yield store
