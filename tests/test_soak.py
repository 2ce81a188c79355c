"""Soak: the example server, in a real uvicorn process, under mixed traffic from several clients while its store
fails in turn; then every count of the good traffic must be in the store exactly once, and the server's memory
must have stayed under a bound.

The faults are real, each for :data:`FAULT_SECONDS` (longer than a flush interval, so flushes fail during it),
with :data:`CALM_SECONDS` of a healthy store between them:

- SQLite (the example server's default): the database file made immutable (``chattr +i``: read-only even for
  root), a write lock held by another connection (``BEGIN IMMEDIATE``); the server is stopped (SIGTERM) while the
  lock is still held, so its bounded close writes what it could not flush to the spill file, which the next store
  on that file replays.
- PostgreSQL (when ``GQLEVOLVE_TEST_POSTGRES_URL`` is set), reached through a TCP relay: the relay closed
  (unreachable), the server's role stripped of INSERT/UPDATE/DELETE (read-only), a table locked by another
  session (``LOCK TABLE ... ACCESS EXCLUSIVE``), the relay stalled (a peer that answers nothing); the server is
  stopped while it is stalled, and the counts it spilled are replayed through the relay once it forwards again.

The traffic, from :data:`CLIENTS` threads, each its own client name and version (and one hostile name): good
operations (deprecated fields, arguments and input fields through fragments and variables; a new document every
time from one client, so the analysis cache churns), invalid ones (syntax, validation, variables that do not
coerce: never counted) and hostile requests (a 5 MB body, a 60 KB header, 100,000 levels of JSON, too many
aliases: refused before Strawberry). A good operation is one the server answered 200 with data and no error:
each is counted exactly once. The figures of a run are printed (``pytest -s``) and reported in
``docs/reliability.md``.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from gqlevolve.usage_store import UsageStore
from tests.conftest import postgres_base_url
from tests.server_helpers import ServerProcess, example_server_process
from tests.usage_store_helpers.relay import Relay

pytestmark = pytest.mark.slow

FAULT_SECONDS = 6.0
CALM_SECONDS = 4.0
#: The server's resident memory must stay under this (measured: see docs/reliability.md).
RSS_BOUND_MIB = 200

V1, V2 = "/api/v1/graphql", "/api/v2/graphql"
GOOD_NAMES = {"web", "ios", "android"}
# The hostile name: markup, a right-to-left override and a C1 control (UTF-8 bytes; HTTP allows them as obs-text,
# while uvicorn refuses a C0 control such as ESC before the app sees it), and longer than the 64 characters kept.
HOSTILE_NAME = "<script>alert(1)</script>\u202e\u0085".encode().decode("latin-1") + "x" * 200
CLIENTS = [("web", "1.4.0"), ("ios", "5.1"), ("android", "3.0.2"), (HOSTILE_NAME, "9\t<i>")]

GOOD: list[tuple[str, dict[str, Any], set[str]]] = [  # (endpoint, body, the deprecated coordinates it uses)
    (V1, {"query": "{ users(first: 2) { id name } }"}, {"User.name"}),
    (V1, {"query": "query Q($f: UserFilter) { users(filter: $f) { ...F } } fragment F on User { fullName role }",
          "variables": {"f": {"legacyGroup": "research"}}}, {"UserFilter.legacyGroup"}),
    (V1, {"query": "{ page: users(first: 1, offset: 1) { who: fullName } }"}, {"Query.users(offset:)"}),
    (V2, {"query": "{ users(first: 1) { fullName } }"}, set()),
]
INVALID: list[tuple[str, dict[str, Any]]] = [
    (V1, {"query": "{ users { "}),
    (V1, {"query": "{ users { nope } }"}),
    (V1, {"query": "query Q($n: Int) { users(first: $n) { name } }", "variables": {"n": "many"}}),
    (V2, {"query": "{ users { name } }"}),  # gone from v2
]
HOSTILE: list[tuple[str, bytes, dict[str, str], set[str]]] = [  # (endpoint, body, headers, coordinates if served)
    (V1, json.dumps({"query": "{ users { id } }", "pad": "x" * 5_000_000}).encode(), {}, set()),  # 5 MB: 413
    (V1, json.dumps({"query": "{ users { name } }"}).encode(), {"graphql-client-name": "h" * 60_000}, {"User.name"}),
    (V1, b"[" * 100_000 + b"]" * 100_000, {}, set()),  # 100,000 levels of JSON: 400
    (V1, json.dumps({"query": "{ " + " ".join(f"a{i}: users {{ id }}" for i in range(500)) + " }"}).encode(), {}, set()),
]


@dataclass
class Tally:
    """What the clients saw: the good operations answered (by endpoint, by client name, by coordinate), the other
    answers by status, and anything unexpected (a 5xx, a dropped connection, a good operation refused)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    good: Counter[str] = field(default_factory=Counter)
    by_client: Counter[tuple[str, str]] = field(default_factory=Counter)
    coordinates: Counter[tuple[str, str]] = field(default_factory=Counter)
    refused: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)


def drive(server: ServerProcess, name: str, version: str, index: int, stop: threading.Event, tally: Tally) -> None:
    """One client: good, invalid and hostile requests in turn until ``stop``."""
    headers = {"graphql-client-name": name.encode("latin-1"), "graphql-client-version": version.encode("latin-1")}
    step = 0
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        while not stop.is_set():
            step += 1
            kind = step % 10
            try:
                if kind < 7:  # mostly good traffic
                    endpoint, body, coordinates = GOOD[(step + index) % len(GOOD)]
                    if index == 0 and kind == 0:  # a new document every time: the analysis cache churns
                        body = {"query": f"{{ users(first: {step}) {{ id name }} }}"}
                        coordinates = {"User.name"}
                    response = client.post(endpoint, json=body, headers=headers)
                    if not _answered(tally, endpoint, name, coordinates, response):
                        with tally.lock:
                            tally.unexpected.append(f"good {body['query'][:40]!r}: {response.status_code} {response.text[:200]}")
                elif kind < 9:
                    endpoint, body = INVALID[step % len(INVALID)]
                    response = client.post(endpoint, json=body, headers=headers)
                    _refused(tally, response, ok=response.status_code in (200, 400) and bool(response.json().get("errors")))
                else:
                    endpoint, raw, extra, coordinates = HOSTILE[(step // 10) % len(HOSTILE)]
                    response = client.post(endpoint, content=raw, headers={**headers, **extra, "content-type": "application/json"})
                    # a header of 60 KB is within uvicorn's limits: the operation is served, and counted under the
                    # client name cut to 64 characters
                    if not _answered(tally, endpoint, extra.get("graphql-client-name", name), coordinates, response):
                        _refused(tally, response, ok=response.status_code in (400, 413, 431))
            except httpx.HTTPError as error:
                with tally.lock:
                    tally.unexpected.append(f"{type(error).__name__}: {error}")


def _answered(tally: Tally, endpoint: str, name: str, coordinates: set[str], response: httpx.Response) -> bool:
    """Whether ``response`` served the operation (200, data, no error): it must be counted once; tallied."""
    try:
        payload = response.json()
    except ValueError:
        return False
    if response.status_code != 200 or not isinstance(payload, dict) or payload.get("errors") or not payload.get("data"):
        return False
    with tally.lock:
        tally.good[endpoint] += 1
        tally.by_client[(endpoint, name)] += 1
        for coordinate in coordinates:
            tally.coordinates[(endpoint, coordinate)] += 1
    return True


def _refused(tally: Tally, response: httpx.Response, *, ok: bool) -> None:
    with tally.lock:
        tally.refused[response.status_code] += 1
        if not ok:
            tally.unexpected.append(f"refusal answered {response.status_code}: {response.text[:200]}")


@dataclass
class Fault:
    name: str
    begin: Callable[[], None]
    end: Callable[[], None]
    seconds: float = FAULT_SECONDS


def soak(server: ServerProcess, faults: list[Fault], final: Fault) -> tuple[Tally, list[int], list[str]]:
    """Drive the server through ``faults`` in turn (each between calm periods), then stop it during ``final``.

    Returns what the clients saw, the RSS samples (KiB) and the timeline."""
    tally, stop, samples, timeline = Tally(), threading.Event(), [], []
    threads = [
        threading.Thread(target=drive, args=(server, name, version, index, stop, tally), daemon=True)
        for index, (name, version) in enumerate(CLIENTS)
    ]

    def sample_memory() -> None:
        while not stop.is_set():
            samples.append(server.rss_kib())
            time.sleep(0.25)

    threads.append(threading.Thread(target=sample_memory, daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()

    def mark(what: str) -> None:
        timeline.append(f"{time.monotonic() - started:5.1f} s  {what}")

    time.sleep(CALM_SECONDS)
    for fault in faults:
        mark(f"{fault.name} begins")
        fault.begin()
        time.sleep(fault.seconds)
        fault.end()
        mark(f"{fault.name} ends")
        time.sleep(CALM_SECONDS)
    mark(f"{final.name} begins")
    final.begin()
    time.sleep(FAULT_SECONDS / 2)
    stop.set()  # the clients stop; then the server, while the store is still broken
    for thread in threads:
        thread.join(timeout=60)
    mark("SIGTERM")
    stopped_at = time.monotonic()
    exit_code = server.stop()
    mark(f"server exited ({exit_code}) after {time.monotonic() - stopped_at:.1f} s")
    final.end()
    mark(f"{final.name} ends")
    return tally, samples, timeline


def check(store_url: str, tally: Tally, samples: list[int], timeline: list[str], log: Path, faults_seen: list[str]) -> None:
    """Every good operation is in the store once (a new store on that URL first replays what the server spilled);
    the server's log shows each fault's failed flush (``faults_seen``: a pattern each): the faults did bite."""
    with UsageStore(store_url, handle_shutdown=False) as store:
        stats = store.stats()
        totals = {endpoint: sum(store.daily_totals(endpoint).values()) for endpoint in (V1, V2)}
        by_client = Counter({
            (endpoint, client.name): client.operations
            for endpoint in (V1, V2) for client in store.clients_seen(endpoint) if client.name in GOOD_NAMES
        })
        coordinates = Counter({
            (endpoint, coordinate): sum(day.operations for day in store.daily_usage(endpoint, coordinate))
            for endpoint, coordinate in tally.coordinates
        })
        hostile_names = [client.name or "" for client in store.clients_seen(V1) if client.name not in GOOD_NAMES]
    peak = max(samples) // 1024
    print("\n".join(["", *timeline, f"good operations: {dict(tally.good)}", f"refused: {dict(tally.refused)}",
                     f"replayed from the spill file: {stats.replayed_operations}",
                     f"server RSS: first {samples[0] // 1024} MiB, peak {peak} MiB, last {samples[-1] // 1024} MiB"]))
    log_text = log.read_text(errors="replace")
    assert not tally.unexpected, tally.unexpected[:5]
    assert totals == {V1: tally.good[V1], V2: tally.good[V2]}, "every good operation counted once"
    assert by_client == Counter({key: count for key, count in tally.by_client.items() if key[1] in GOOD_NAMES})
    assert coordinates == tally.coordinates
    assert hostile_names and all(len(name) <= 64 for name in hostile_names), hostile_names  # cut as stored
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", log_text), "a control character reached the server's log"
    # Strawberry logs the GraphQL errors of invalid operations (with a traceback for a variable that does not
    # coerce); nothing of gqlevolve's may fail, and no request may be answered 500.
    assert "gqlevolve/" not in log_text and '" 500 ' not in log_text, log_text[-3000:]
    assert peak < RSS_BOUND_MIB, f"the server's RSS reached {peak} MiB"
    failures = [line for line in log_text.splitlines() if "failed (" in line or "were spilled" in line]
    for pattern in [*faults_seen, "were spilled to"]:
        assert any(re.search(pattern, line) for line in failures), (pattern, failures)
    assert stats.replayed_operations > 0


# --- SQLite ----------------------------------------------------------------------------------------------------


def _chattr(path: Path, flag: str) -> None:
    result = subprocess.run(["chattr", flag, str(path)], capture_output=True, text=True)
    if result.returncode:
        pytest.skip(f"chattr {flag} is not possible here ({result.stderr.strip()}): needs root on ext4, xfs, btrfs")


def test_soak_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    url = f"sqlite:///{path}"
    UsageStore(url, handle_shutdown=False).close()  # created and migrated, so that the file exists to lock
    _chattr(path, "+i")
    _chattr(path, "-i")
    holder: list[sqlite3.Connection] = []

    def lock() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        holder.append(connection)

    def unlock() -> None:
        connection = holder.pop()
        connection.execute("ROLLBACK")
        connection.close()

    # In WAL mode a write goes to the -wal file, not the database file: both immutable. Not the -shm index, which
    # SQLite maps into memory: a write to that map then kills the process (SIGBUS), a fault no library survives
    # (docs/reliability.md says what a killed process costs).
    files = [path, path.with_name(f"{path.name}-wal")]

    def read_only(flag: str) -> Callable[[], None]:
        return lambda: [_chattr(file, flag) for file in files if file.exists()] and None

    with example_server_process(tmp_path, env={"GQLEVOLVE_DB": url}) as server:
        try:
            tally, samples, timeline = soak(
                server,
                [Fault("read-only files (chattr +i)", read_only("+i"), read_only("-i")),
                 Fault("write lock held by another connection", lock, unlock)],
                Fault("write lock held at shutdown", lock, unlock),
            )
        finally:
            for file in files:
                subprocess.run(["chattr", "-i", str(file)], capture_output=True)
            while holder:
                unlock()
    check(url, tally, samples, timeline, server.log, ["disk I/O error|readonly", "database is locked"])


# --- PostgreSQL --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_role_and_schema() -> Iterator[tuple[str, str, str, sa.Engine]]:
    """A login role of its own (not a superuser, so that privileges bind it) and a schema holding a migrated store
    it may read and write: (role, schema, the store URL for the postgres user, an admin engine)."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("GQLEVOLVE_TEST_POSTGRES_URL is not set")
    suffix = uuid.uuid4().hex[:10]
    role, schema = f"gqlevolve_soak_{suffix}", f"gqlevolve_soak_{suffix}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    owner_url = f"{base}?options={quote(f'-csearch_path={schema}')}"
    try:
        UsageStore(owner_url, migrate=True, handle_shutdown=False).close()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
            connection.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
            connection.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"')
        yield role, schema, owner_url, admin
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


@pytest.mark.postgres
def test_soak_on_postgresql(tmp_path: Path) -> None:
    with postgres_role_and_schema() as (role, schema, _owner_url, admin):
        target = sa.make_url(postgres_base_url())
        relay = Relay(target.port or 5432)
        relay.start()
        url = f"postgresql+psycopg://{role}@127.0.0.1:{relay.port}/{target.database}?options={quote(f'-csearch_path={schema}')}"
        grants = f'INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}"'
        locker: list[sa.Connection] = []

        def revoke() -> None:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'REVOKE {grants} FROM "{role}"')

        def grant() -> None:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'GRANT {grants} TO "{role}"')

        def lock() -> None:
            connection = sa.create_engine(postgres_base_url() or "").connect()
            connection.exec_driver_sql(f'LOCK TABLE "{schema}".operation_totals IN ACCESS EXCLUSIVE MODE')
            locker.append(connection)

        def unlock() -> None:
            connection = locker.pop()
            connection.rollback()
            connection.close()
            connection.engine.dispose()

        try:
            with example_server_process(tmp_path, env={"GQLEVOLVE_DB": url}) as server:
                tally, samples, timeline = soak(
                    server,
                    [Fault("unreachable (relay closed)", relay.close, relay.start),
                     Fault("read-only (INSERT, UPDATE, DELETE revoked)", revoke, grant),
                     # Long enough that a flush starts while the lock has lock_timeout (3 s) left to run: one
                     # interval (5 s) plus the flush's own time, plus the lock timeout; 6 s missed it at times.
                     Fault("table locked by another session", lock, unlock, seconds=10.0),
                     Fault("stalled (relay forwards nothing)", relay.stall, relay.resume)],
                    Fault("stalled at shutdown", relay.stall, relay.resume),
                )
            check(url, tally, samples, timeline, server.log, [
                "Connection refused", "permission denied", "lock timeout", "closed the connection|timeout|timed out",
            ])
        finally:
            while locker:
                unlock()
            relay.close()
