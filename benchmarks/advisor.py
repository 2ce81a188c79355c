"""Benchmark: ``advise`` for 1,000 deprecated coordinates x 90 days x 50 clients, on SQLite and PostgreSQL.

The store is filled with bulk inserts straight into the tables (not millions of ``record_operation`` calls):
every one of the 50 clients sends operations on each of the 90 days; each client runs ``--operations`` distinct
operations (signatures) a day, drawn from a pool in which each signature references ``--coordinates-per-operation``
deprecated coordinates, and every coordinate is referenced by some operation. The baseline, measured in the same
run, is the obvious approach: one ``store.daily_usage`` and one ``store.clients`` call per coordinate.

Checks: ``advise`` for all coordinates under 1 second on each backend, and at least 5x faster than the
baseline. Exit code 1 when a target is missed.

    .venv/bin/python benchmarks/advisor.py                 # SQLite, and PostgreSQL if GQLEVOLVE_TEST_POSTGRES_URL is set
    .venv/bin/python benchmarks/advisor.py --quick         # a small store (smoke test)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from gqlevolve import RemovalPolicy, UsageStore, advise
from gqlevolve.clock import SYSTEM_CLOCK
from gqlevolve.usage_store.signatures import signature_of
from gqlevolve.usage_store.tables import (
    deprecation_usage,
    deprecations,
    operation_signatures,
    operation_totals,
    signature_coordinates,
)
from gqlevolve.usage_store.writer import rebuild_daily_counts

ENDPOINT = "/api/v1/graphql"
AS_OF = dt.date(2025, 6, 1)
TARGET_SECONDS = 1.0
TARGET_SPEEDUP = 5.0
CHUNK = 5_000


def fill(store: UsageStore, coordinates: int, days: int, clients: int, operations: int, per_operation: int) -> int:
    """Bulk-insert the synthetic history; returns the number of usage rows."""
    rng = random.Random(42)
    names = [f"Type{index // 10}.field{index % 10}" for index in range(coordinates)]
    pool_size = max(operations * 2, -(-coordinates // per_operation))
    pool: list[frozenset[str]] = []
    for index in range(pool_size):
        # The first signatures cover every coordinate once; the rest are random combinations.
        start = index * per_operation
        if start < coordinates:
            pool.append(frozenset(names[start : start + per_operation]))
        else:
            pool.append(frozenset(rng.sample(names, per_operation)))
    signatures = {signature_of(coordinate_set): coordinate_set for coordinate_set in pool}
    ordered = list(signatures)
    now = SYSTEM_CLOCK.now()
    window = [AS_OF - dt.timedelta(days=offset) for offset in range(days, 0, -1)]
    with store.engine.begin() as connection:
        connection.execute(
            deprecations.insert(),
            [
                {"endpoint": ENDPOINT, "coordinate": name, "deprecated_on": dt.date(2024, 1, 1), "created_at": now,
                 "updated_at": now, "reason": "benchmark"}
                for name in names
            ],
        )
        connection.execute(
            operation_signatures.insert(),
            [{"signature": s, "coordinate_count": len(c), "first_seen": window[0]} for s, c in signatures.items()],
        )
        connection.execute(
            signature_coordinates.insert(),
            [{"signature": s, "coordinate": name} for s, c in signatures.items() for name in sorted(c)],
        )
        usage_rows = 0
        batch: list[dict] = []
        totals: list[dict] = []
        for client in range(clients):
            # Each client always covers the first signatures (so every coordinate is used) plus its own mix.
            chosen = ordered[: min(len(ordered), -(-coordinates // per_operation))] if client == 0 else rng.sample(
                ordered, min(operations, len(ordered))
            )
            for day in window:
                for signature in chosen:
                    batch.append({"endpoint": ENDPOINT, "signature": signature, "day": day,
                                  "client_name": f"client-{client}", "client_version": "1.0",
                                  "count": rng.randint(0, 3) + (client == 0)})
                totals.append({"endpoint": ENDPOINT, "day": day, "client_name": f"client-{client}",
                               "client_version": "1.0", "count": 100_000})
                if len(batch) >= CHUNK:
                    connection.execute(deprecation_usage.insert(), batch)
                    usage_rows += len(batch)
                    batch = []
        if batch:
            connection.execute(deprecation_usage.insert(), batch)
            usage_rows += len(batch)
        connection.execute(operation_totals.insert(), totals)
        rebuild_daily_counts(connection)  # the daily counts the writer would have kept (a fill bypasses it)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return usage_rows


def baseline(store: UsageStore, since: dt.date, until: dt.date) -> int:
    """The loop ``advise`` replaces: two reads per coordinate."""
    rows = 0
    for stored in store.deprecations(ENDPOINT):
        rows += len(store.daily_usage(ENDPOINT, stored.record.coordinate, since=since, until=until))
        rows += len(store.clients(ENDPOINT, stored.record.coordinate, since=since, until=until))
    return rows


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(label: str, url: str, args: argparse.Namespace) -> bool:
    with UsageStore(url, migrate=True, handle_shutdown=False) as store:
        started = time.perf_counter()
        rows = fill(store, args.coordinates, args.days, args.clients, args.operations, args.coordinates_per_operation)
        print(f"[{label}] filled {rows:,} usage rows in {time.perf_counter() - started:.1f} s")
        policy = RemovalPolicy(window_days=args.days, exclude_clients=("client-7",))
        advise_seconds, verdicts = best_of(3, lambda: advise(store, ENDPOINT, as_of=AS_OF, policy=policy))
        assert len(verdicts) == args.coordinates and all(v.days_covered == args.days for v in verdicts)
        since, until = AS_OF - dt.timedelta(days=args.days), AS_OF - dt.timedelta(days=1)
        baseline_seconds, _ = best_of(1, lambda: baseline(store, since, until))
    speedup = baseline_seconds / advise_seconds
    ok = advise_seconds < TARGET_SECONDS and speedup >= TARGET_SPEEDUP
    print(
        f"[{label}] advise, {args.coordinates} coordinates: {advise_seconds:.3f} s (target < {TARGET_SECONDS:.0f} s); "
        f"per-coordinate loop: {baseline_seconds:.3f} s; speedup {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x) "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return ok


def postgres_schema_url(base: str) -> tuple[str, sa.Engine, str]:
    schema = f"gqlevolve_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}", admin, schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 coordinates x 30 days x 10 clients")
    parser.add_argument("--coordinates", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--operations", type=int, default=40, help="distinct operations per client and day")
    parser.add_argument("--coordinates-per-operation", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL"), help="PostgreSQL URL")
    args = parser.parse_args()
    if args.quick:
        args.coordinates, args.days, args.clients, args.operations = 100, 30, 10, 10

    results = []
    with tempfile.TemporaryDirectory() as directory:
        results.append(measure("sqlite", f"sqlite:///{Path(directory) / 'bench.db'}", args))
    if args.postgres:
        url, admin, schema = postgres_schema_url(args.postgres)
        try:
            results.append(measure("postgresql", url, args))
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()
    else:
        print("[postgresql] skipped: pass --postgres URL or set GQLEVOLVE_TEST_POSTGRES_URL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
