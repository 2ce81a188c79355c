"""The doctests of ``src/gqlevolve``: which files are collected, and the names their examples may use.

``make test`` runs the module docstrings' ``>>>`` examples with the suite (``--doctest-modules`` and the
``src/gqlevolve`` test path in ``pyproject.toml``). Only the package's modules are read for doctests: the files
under ``tests/`` are collected as tests, as they always were, and the alembic scripts (``migrations/env.py``,
which runs a migration when imported, and the revision scripts) are not imported at all.

Every example sees, besides its module's own names (nothing mocked; the folder, the URL and the clock are made
afresh for each example):

- ``tmp_dir``: an empty temporary folder (a :class:`pathlib.Path`);
- ``store_url``: the URL of a SQLite usage store in it (``sqlite:///.../gqlevolve.db``; no file yet);
- ``clock``: a :class:`~gqlevolve.clock.FixedClock` pinned to 2026-11-21: an example's dates never come from the
  wall clock (a command-line example asks about a day before today: the commands refuse a day after it);
- ``schema``: a small Strawberry schema with one deprecated element of each kind (``User.name``,
  ``Query.users(offset:)``, ``UserFilter.legacyGroup``, ``Role.GUEST``);
- ``run_cli``: ``run_cli("db", "upgrade", "--db", store_url)`` runs that ``gqlevolve`` command in this process
  (click's ``CliRunner``), prints what it prints and returns its exit code.

An example closes what it opens (a store: ``store.close()`` or ``with UsageStore(...) as store``).
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pytest
import strawberry
from _pytest.doctest import DoctestItem, DoctestModule

from gqlevolve.clock import FixedClock

PACKAGE = Path(__file__).parent / "src" / "gqlevolve"

# Alembic's scripts: env.py runs a migration when imported; the revision scripts are loaded by alembic only.
collect_ignore = ["src/gqlevolve/migrations/env.py", "src/gqlevolve/migrations/versions"]

#: The day the examples' clock is pinned to.
EXAMPLE_DAY = dt.date(2026, 11, 21)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """``--doctest-modules`` reads the package's modules only; a file under ``tests/`` is collected as before."""
    collected = yield
    if file_path.suffix == ".py" and not file_path.is_relative_to(PACKAGE):
        return [node for node in collected if not isinstance(node, DoctestModule)]
    return collected


@pytest.fixture(autouse=True)
def _doctest_names(request: pytest.FixtureRequest, doctest_namespace: dict[str, Any]) -> None:
    """Fresh names for each doctest (the ordinary tests are left alone)."""
    if not isinstance(request.node, DoctestItem):
        return
    tmp_dir: Path = request.getfixturevalue("tmp_path")
    # What a closed store could not write spills into the example's own folder, not the user's cache directory.
    request.getfixturevalue("monkeypatch").setenv("GQLEVOLVE_SPILL_DIR", str(tmp_dir / "spill"))
    doctest_namespace.update(
        tmp_dir=tmp_dir,
        store_url=f"sqlite:///{tmp_dir / 'gqlevolve.db'}",
        clock=FixedClock(EXAMPLE_DAY),
        schema=example_schema(),
        run_cli=run_cli,
    )


def run_cli(*args: str) -> int:
    """Run ``gqlevolve ARGS``; print its output (standard output and error, as a terminal shows them); its exit code.

    The command's output is not a terminal, as in a CI log: tables are as wide as their values need (``COLUMNS`` is
    unset for it), and ``$GQLEVOLVE_DB`` too (an example names its store with ``--db``). An exception the command
    let through (not a ``SystemExit``) is raised, so that an example shows it.
    """
    from click.testing import CliRunner

    from gqlevolve.cli import main

    result = CliRunner().invoke(main, list(args), env={"COLUMNS": None, "GQLEVOLVE_DB": None})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    print(result.output, end="")
    return result.exit_code


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    USER = "user"
    GUEST = strawberry.enum_value("guest", deprecation_reason="Guests are users now")


@strawberry.input
class UserFilter:
    role: Role | None = None
    legacy_group: str | None = strawberry.field(default=None, deprecation_reason="Groups were replaced by roles")


@strawberry.type
class User:
    id: strawberry.ID
    name: str = strawberry.field(deprecation_reason="Use fullName instead")
    full_name: str


@strawberry.type
class Query:
    @strawberry.field
    def users(
        self,
        filter: UserFilter | None = None,
        offset: Annotated[int | None, strawberry.argument(deprecation_reason="Use after")] = None,
        after: strawberry.ID | None = None,
    ) -> list[User]:
        return [User(id=strawberry.ID("1"), name="Ada Lovelace", full_name="Ada Lovelace")]


@functools.cache
def example_schema() -> strawberry.Schema:
    """A Strawberry schema with a deprecated field, argument, input field and enum value."""
    return strawberry.Schema(query=Query)
