"""Two processes on one store: a brownout window set in this one (the command line, in a process of its own)
reaches a server in another (a real uvicorn) within its refresh interval, for an element and for a whole version.

The window is ``every day 00:00-24:00 UTC``: always inside, whatever day and time the suite runs (it also runs
400 days ahead and 200 back), so the test depends on nothing but the store between the processes.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gqlevolve.usage_store import UsageStore
from tests.server_helpers import ServerProcess, example_server_process

ALWAYS = "every day 00:00-24:00 UTC"
NAME = {"query": "{ viewer { name } }"}


def server(tmp_path: Path, db_url: str) -> contextlib.AbstractContextManager[ServerProcess]:
    return example_server_process(tmp_path, env={"GQLEVOLVE_DB": db_url}, app="tests.enforcement_app:app")


def cli(*args: str, db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``gqlevolve ARGS`` in a process of its own, outside the project (its pyproject's schemas are not these)."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("gqlevolve")), *args, "--db", db_url, "--actor", "alice"],
        cwd=cwd, capture_output=True, text=True, timeout=60,
    )


def until_changed(check, *, seconds: float = 10.0) -> float:
    """Seconds until ``check()`` holds (fails the test after ``seconds``)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            pytest.fail(f"not seen by the other process within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_window_set_in_one_process_reaches_a_server_in_another(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'usage.db'}"
    UsageStore(db_url, handle_shutdown=False).close()  # the schema, before either process uses it
    with server(tmp_path, db_url) as running:
        base = running.base_url
        first = httpx.post(f"{base}/api/v2/graphql", json=NAME, headers={"graphql-client-name": "web"})
        assert first.status_code == 200 and "errors" not in first.json()  # served: registers User.name on v2
        until_changed(lambda: "/api/v2/graphql" in UsageStore(db_url, handle_shutdown=False).endpoints())

        added = cli("deprecation", "brownout", "add", "User.name", "--endpoint", "v2", "--window", ALWAYS,
                    "--reason", "brownout drill", db_url=db_url, cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        took = until_changed(lambda: "errors" in httpx.post(f"{base}/api/v2/graphql", json=NAME).json())
        assert took < 5  # the server reads the store every 0.2 s
        [error] = httpx.post(f"{base}/api/v2/graphql", json=NAME).json()["errors"]
        assert error["extensions"]["refused"] == "brownout" and ALWAYS in error["message"]

        version = cli("deprecation", "brownout", "add", "--whole-version", "--endpoint", "v1", "--window", ALWAYS,
                      "--reason", "brownout drill", db_url=db_url, cwd=tmp_path)
        assert version.returncode == 0, version.stderr
        until_changed(lambda: httpx.post(f"{base}/api/v1/graphql", json=NAME).status_code == 410)
        assert httpx.post(f"{base}/api/v1/graphql", json=NAME).json()["refused"] == "brownout"

        removed = cli("deprecation", "brownout", "remove", "User.name", "--endpoint", "v2", "--window", "all",
                      "--reason", "drill over", db_url=db_url, cwd=tmp_path)
        assert removed.returncode == 0, removed.stderr
        until_changed(lambda: "errors" not in httpx.post(f"{base}/api/v2/graphql", json=NAME).json())
    # The server's refusals were counted in its process and flushed at its shutdown: seen by this one.
    with UsageStore(db_url, handle_shutdown=False) as store:
        kinds = {(row.coordinate, row.kind) for row in store.enforcement_counts("/api/v2/graphql")}
        assert ("User.name", "brownout") in kinds
        assert ("/api/v1/graphql", "brownout") in {(row.coordinate, row.kind) for row in store.enforcement_counts("/api/v1/graphql")}
        [entry] = [e for e in store.audit_log("/api/v1/graphql", "/api/v1/graphql") if e.field == "brownouts"]
        assert entry.new_value == ALWAYS and entry.actor == "alice" and entry.why == "brownout drill"
