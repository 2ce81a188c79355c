"""A fleet of processes flushing whole-schema usage into one PostgreSQL: rows written per second, flush latency.

Run: ``.venv/bin/python benchmarks/store_fleet.py`` (``--quick`` for a smoke test; ``--postgres URL`` or
``$GQLEVOLVE_TEST_POSTGRES_URL``, else 127.0.0.1:5432). ``docs/scale.md`` reads its figures and extrapolates them.

Each process is a server of the fleet: one :class:`~gqlevolve.usage_store.UsageStore` on the shared database,
requests at ``--rate`` per second drawn from one day of the whole-schema workload (:mod:`whole_schema`: GitHub's
public schema, 5,000 operations, 200 clients; every process sees every client, as behind a load balancer), each recorded with ``record_buffered`` as the monitor does (the operation's shape and its
deprecated coordinates), and a flush every ``--interval`` seconds. The benchmark calls ``flush()`` itself at that
interval (the flusher thread's interval is set to an hour) so that it can time each one; a flush that runs longer
than the interval is followed at once by the next, holding the requests that arrived meanwhile.

``--own-endpoint`` is the control experiment: each process counts on an endpoint of its own, so the fleet writes
as many rows but no two flushes update the same row (every key starts with the endpoint).

For each fleet size N (``--processes 1,2,4,8``: this machine has 2 cores, shared by the N processes and
PostgreSQL, so past 2 the processes queue for a core as well as for the database) it reports the requests
recorded, the flushes, the keys and coordinates per flush, the flush latency (median, 95th percentile, max),
the failed flushes (a lock timeout is one: the counts wait for the next flush), and from PostgreSQL itself
(``pg_stat_user_tables``, ``pg_current_wal_lsn``) the rows inserted and updated per second and the WAL written
per second.

The store starts with ``--history-days`` days of usage filled in bulk, so that the indexes are of a realistic size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import whole_schema  # noqa: E402  (beside this file)

from gqlevolve.clock import utc_today  # noqa: E402
from gqlevolve.usage_store import UsageStore  # noqa: E402

#: The processes' connections are named so (pg_stat_activity tells them from any other client of the server).
APPLICATION = "gqlevolve-fleet"


def worker(url: str, work: whole_schema.Workload, seed: int, rate: float, interval: float, seconds: float,
           ready: Any, results: multiprocessing.Queue, endpoint: str) -> None:  # type: ignore[type-arg]
    """One server of the fleet: records requests at ``rate`` and flushes every ``interval`` for ``seconds``."""
    today = utc_today()
    uses = whole_schema.day_uses(work, today)
    weights = [count for *_, count in uses]
    rng = random.Random(seed)
    # What a failed last flush could not write is spilled into a directory of its own, not the user's cache.
    spill = tempfile.TemporaryDirectory()
    store = UsageStore(url, flush_interval=3600, handle_shutdown=False, spill_dir=spill.name)
    latencies: list[float] = []
    keys: list[int] = []
    coordinates: list[int] = []
    requests = failed = 0
    store.flush()  # connected, the schema checked: then every process starts at once
    ready.wait()
    began = last = time.monotonic()
    next_flush = began + interval
    while True:
        now = time.monotonic()
        if now >= began + seconds:
            break
        if now < next_flush:
            time.sleep(next_flush - now)
        now = time.monotonic()
        arrived = int(rate * (now - last))  # the requests of the interval (more after a slow flush)
        last = now
        drawn = rng.choices(uses, weights, k=arrived)
        for client, version, index, _count in drawn:
            store.record_buffered(endpoint, work.deprecated_of[index], client_name=client,
                                  client_version=version, operation=work.operations[index])
        requests += arrived
        distinct = {(client, version, index) for client, version, index, _ in drawn}
        keys.append(len(distinct))
        coordinates.append(len(frozenset().union(*(work.operations[index].coordinates for _, _, index in distinct))))
        failed_before = store.stats().failed_flushes
        start = time.perf_counter()
        store.flush()
        latencies.append(time.perf_counter() - start)
        failed += store.stats().failed_flushes - failed_before
        next_flush = time.monotonic() + max(0.0, interval - latencies[-1])
    store.close()
    spill.cleanup()
    results.put({"requests": requests, "latencies": latencies, "keys": keys, "coordinates": coordinates,
                 "failed": failed, "pending": store.stats().pending_operations,
                 "elapsed": time.monotonic() - began})


def model(work: whole_schema.Workload, requests_per_flush: list[int], seed: int = 7) -> None:
    """What one flush holds as a function of the requests since the last one: distinct usage keys (client,
    version, operation) and distinct coordinates (the rows of ``coordinate_usage``; ``coordinate_seen`` only on a
    coordinate's first flush of the day),
    averaged over 20 draws from one day's traffic (the arithmetic of docs/scale.md starts here)."""
    uses = whole_schema.day_uses(work, utc_today())
    weights = [count for *_, count in uses]
    rng = random.Random(seed)
    print(f"{'requests/flush':>14} {'keys':>7} {'coordinates':>11} {'deprecated keys':>15}")
    for requests in requests_per_flush:
        keys = coordinates = deprecated = 0.0
        for _ in range(20):
            distinct = {(c, v, i) for c, v, i, _ in rng.choices(uses, weights, k=requests)}
            keys += len(distinct) / 20
            coordinates += len(frozenset().union(*(work.operations[i].coordinates for _, _, i in distinct))) / 20
            deprecated += sum(1 for _, _, i in distinct if work.deprecated_of[i]) / 20
        print(f"{requests:>14,} {keys:>7,.0f} {coordinates:>11,.0f} {deprecated:>15,.0f}")
    print(f"{'a whole day':>14} {len(uses):>7,} "
          f"{len(frozenset().union(*(work.operations[i].coordinates for _, _, i, _ in uses))):>11,} "
          f"{sum(1 for _, _, i, _ in uses if work.deprecated_of[i]):>15,}")


def sample_waits(admin: sa.Engine, until: float) -> dict[str, int]:
    """Every 0.2 s until ``until`` (wall time): how many flushes run (a statement of the store's writer in flight)
    and how many of them wait for a row lock another flush holds."""
    counts = {"samples": 0, "active": 0, "lock": 0}
    query = sa.text(
        "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
        f"WHERE state = 'active' AND application_name = '{APPLICATION}'"
    )
    with admin.connect() as connection:
        while time.time() < until:
            active, waiting = connection.execute(query).one()
            counts["samples"] += 1
            counts["active"] += active
            counts["lock"] += waiting
            time.sleep(0.2)
    return counts


def server_counters(engine: sa.Engine, schema: str) -> dict[str, float]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), coalesce(sum(n_tup_hot_upd), 0) "
                    "FROM pg_stat_user_tables WHERE schemaname = :schema"),
            {"schema": schema},
        ).one()
        wal = connection.execute(sa.text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")).scalar_one()
        per_table = dict(connection.execute(
            sa.text("SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE schemaname = :schema"),
            {"schema": schema},
        ).all())
    return {"inserted": float(rows[0]), "updated": float(rows[1]), "hot": float(rows[2]), "wal": float(wal),
            **{f"table:{name}": float(count) for name, count in per_table.items()}}


def run_fleet(url: str, admin: sa.Engine, schema: str, work: whole_schema.Workload, processes: int,
              args: argparse.Namespace) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    work.buffer = None  # the fill's buffer holds locks (not picklable); each process signs with its own store
    results = context.Queue()
    ready = context.Barrier(processes + 1)  # every process has built its store and waits for the others
    children = [
        context.Process(target=worker, args=(url, work, 1_000 * processes + i, args.rate, args.interval,
                                             args.seconds, ready, results,
                                             f"/api/v{i + 1}/graphql" if args.own_endpoint else whole_schema.ENDPOINT))
        for i in range(processes)
    ]
    for child in children:
        child.start()
    before = server_counters(admin, schema)
    ready.wait(timeout=300)
    waits = sample_waits(admin, time.time() + args.seconds)
    outcomes = [results.get(timeout=args.seconds + 120) for _ in children]
    for child in children:
        child.join()
    time.sleep(1.5)  # a backend reports its counters when it exits; give them a moment
    after = server_counters(admin, schema)
    elapsed = max(outcome["elapsed"] for outcome in outcomes)
    latencies = sorted(latency for outcome in outcomes for latency in outcome["latencies"])
    keys = [k for outcome in outcomes for k in outcome["keys"]]
    coordinates = [c for outcome in outcomes for c in outcome["coordinates"]]
    written = {name: after[name] - before.get(name, 0.0) for name in after}
    return {
        "processes": processes,
        "requests_s": sum(o["requests"] for o in outcomes) / elapsed,
        "flushes": len(latencies),
        "flushes_s": len(latencies) / elapsed,
        "keys": statistics.mean(keys),
        "coordinates": statistics.mean(coordinates),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "max_ms": latencies[-1] * 1000,
        "failed": sum(o["failed"] for o in outcomes),
        "pending": sum(o["pending"] for o in outcomes),
        "rows_s": (written["inserted"] + written["updated"]) / elapsed,
        "updated_share": written["updated"] / max(1.0, written["inserted"] + written["updated"]),
        "hot_share": written["hot"] / max(1.0, written["updated"]),
        "wal_mb_s": written["wal"] / elapsed / 2**20,
        "lock_waits": waits["lock"] / max(1, waits["samples"]),
        "active": waits["active"] / max(1, waits["samples"]),
        "tables": {name[6:]: value / elapsed for name, value in written.items() if name.startswith("table:") and value},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small workload, 1 and 2 processes, 4 s each")
    parser.add_argument("--postgres", default=os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--processes", default="1,2,4,8", help="fleet sizes to run [default: 1,2,4,8]")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second per process [default: 200]")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between flushes [default: 1]")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run [default: 20]")
    parser.add_argument("--history-days", type=int, default=30, help="days filled in bulk first [default: 30]")
    parser.add_argument("--own-endpoint", action="store_true", help="each process records on an endpoint of its "
                        "own: the same rows, none shared (the control: what the fleet costs without row locks)")
    parser.add_argument("--model", action="store_true", help="print what one flush holds against the requests "
                        "it counts (no database), then stop")
    args = parser.parse_args()
    size = whole_schema.SMALL if args.quick else whole_schema.GITHUB
    fleets = [1, 2] if args.quick else [int(n) for n in args.processes.split(",")]
    if args.quick:
        args.seconds, args.history_days = 4.0, 2
    work = whole_schema.build_workload(size)
    if args.model:
        model(work, [10, 100, 1_000, 10_000, 100_000])
        return 0
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as error:
        print(f"PostgreSQL unreachable: {str(error.orig).splitlines()[0]}")
        return 2
    schema = f"gqlevolve_fleet_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in args.postgres else "?"
    url = f"{args.postgres}{separator}options={quote(f'-csearch_path={schema}')}&application_name={APPLICATION}"
    try:
        UsageStore(url, migrate=True, handle_shutdown=False).close()
        engine = sa.create_engine(url)
        start = time.perf_counter()
        rows = whole_schema.fill(engine, work, utc_today() - dt.timedelta(days=args.history_days), args.history_days)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()
        print(f"load average {os.getloadavg()[0]:.1f}; history: {args.history_days} days, {rows:,} rows in {time.perf_counter() - start:.0f} s; "
              f"{os.cpu_count()} cores; {args.rate:,.0f} requests/s a process, a flush every {args.interval:g} s, "
              f"{args.seconds:g} s a run")
        print(f"{'N':>3} {'req/s':>7} {'flush/s':>7} {'keys':>6} {'coords':>6} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'max ms':>7} {'failed':>6} {'rows/s':>8} {'upd%':>5} {'WAL MB/s':>8} {'writing':>7} {'waiting':>7}")
        for processes in fleets:
            result = run_fleet(url, admin, schema, work, processes, args)
            print(f"{processes:>3} {result['requests_s']:>7,.0f} {result['flushes_s']:>7.1f} {result['keys']:>6.0f} "
                  f"{result['coordinates']:>6.0f} {result['p50_ms']:>7.0f} {result['p95_ms']:>7.0f} "
                  f"{result['max_ms']:>7.0f} {result['failed']:>6} {result['rows_s']:>8,.0f} "
                  f"{result['updated_share'] * 100:>5.0f} {result['wal_mb_s']:>8.1f} {result['active']:>7.2f} "
                  f"{result['lock_waits']:>7.2f}")
            tables = sorted(result["tables"].items(), key=lambda item: -item[1])
            print("      rows/s by table: " + ", ".join(f"{name} {rate:,.0f}" for name, rate in tables[:6]))
            if result["pending"]:
                print(f"      {result['pending']:,} operations still pending at the end (store unreachable?)")
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
