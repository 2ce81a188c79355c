"""Benchmark of the usage store: recording throughput, size at scale, and the time of a daily-usage read.

Run: ``.venv/bin/python benchmarks/store.py`` (``--quick`` for a smoke test; ``--postgres URL`` or
``$GQLEVOLVE_TEST_POSTGRES_URL`` to include PostgreSQL, else it is tried at 127.0.0.1:5432).

For each backend it measures, each against a baseline taken in the same run:

1. ``record_buffered`` throughput into the in-memory recorder, against a bare ``dict`` add under a lock
   (the floor of any thread-safe counter): the ratio is the recorder's overhead;
2. end to end (recording plus the background flushes plus the final flush), against ``record_operation``
   (one transaction per operation): the ratio is what buffering buys;
3. the store's size after 90 days x 1,000 coordinates x 50 clients (every client using every coordinate
   every day: 4.5 million usage rows), and
4. ``daily_usage`` for one coordinate over those 90 days (median of repeated calls), against
   ``daily_totals`` (the denominator alone). Target: under 10 ms.

The whole-schema case (``--case whole-schema``; :mod:`whole_schema` builds the workload: GitHub's public schema
from ``benchmarks/data/github-schema.graphql.gz``, else a synthetic one of its size; 5,000 operations, 200 clients,
90 days) measures, for each backend:

5. the store's size and rows per table after 89 days filled in bulk (the rows the writer would write);
6. the flush of one whole day's distinct keys through the real path (``record_buffered`` then ``flush``): first
   into a day that has no rows yet, then the same keys again (every row an update). Target: under the flush's
   statement timeout (5 s);
7. the answers of ``gqlevolve usage``, ``gqlevolve unused`` and ``gqlevolve check --db`` over that store, through
   their Python functions (median of repeated calls). Target: each under 1 s.

It exits non-zero when a target is missed: the recorder costs more than 25 bare dict adds, buffering is
less than 20 times faster than write-through, ``daily_usage`` takes 10 ms or more, a day's flush takes 5 s or
more, or a whole-schema answer 1 s or more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import whole_schema  # noqa: E402  (beside this file)

from gqlevolve.clock import utc_today  # noqa: E402
from gqlevolve.usage_store import UsageStore  # noqa: E402
from gqlevolve.usage_store.signatures import signature_of  # noqa: E402
from gqlevolve.usage_store.tables import (  # noqa: E402
    deprecation_usage,
    metadata,
    operation_signatures,
    operation_totals,
    signature_coordinates,
)
from gqlevolve.usage_store.writer import rebuild_daily_counts  # noqa: E402

ENDPOINT = "/api/v1/graphql"
READ_TARGET_MS = 10.0
MAX_RECORDER_OVERHEAD = 25.0
MIN_BUFFERING_GAIN = 20.0
FLUSH_TARGET_S = 5.0  # the flush transaction's statement timeout (UsageStore(statement_timeout=5.0))
ANSWER_TARGET_MS = 1_000.0


def _rate(operations: int, seconds: float) -> float:
    return operations / seconds if seconds else float("inf")


def bench_recording(url: str, operations: int, write_through_operations: int) -> dict[str, float]:
    coordinates = [frozenset({f"Type{i % 50}.field{i % 7}"}) if i % 3 else frozenset() for i in range(1_000)]
    clients = [(f"client-{i}", f"{i % 5}.0") for i in range(50)]

    # Baseline 1: a bare dict add under a lock.
    counts: dict[tuple, int] = {}
    lock = threading.Lock()
    start = time.perf_counter()
    for i in range(operations):
        key = (ENDPOINT, clients[i % 50], coordinates[i % 1000])
        with lock:
            counts[key] = counts.get(key, 0) + 1
    bare = _rate(operations, time.perf_counter() - start)

    store = UsageStore(url, migrate=True, flush_interval=3600, handle_shutdown=False)
    start = time.perf_counter()
    for i in range(operations):
        name, version = clients[i % 50]
        store.record_buffered(ENDPOINT, coordinates[i % 1000], client_name=name, client_version=version)
    in_memory = _rate(operations, time.perf_counter() - start)
    store.flush()
    store.close()

    # End to end: flushes every 0.2 s while recording, and the final one.
    store = UsageStore(url, migrate=True, flush_interval=0.2, handle_shutdown=False)
    start = time.perf_counter()
    for i in range(operations):
        name, version = clients[i % 50]
        store.record_buffered(ENDPOINT, coordinates[i % 1000], client_name=name, client_version=version)
    store.close()
    end_to_end = _rate(operations, time.perf_counter() - start)
    assert store.stats().pending_operations == 0

    # Baseline 2: write-through, one transaction per operation.
    store = UsageStore(url, migrate=True, handle_shutdown=False)
    start = time.perf_counter()
    for i in range(write_through_operations):
        name, version = clients[i % 50]
        store.record_operation(ENDPOINT, coordinates[i % 1000], client_name=name, client_version=version)
    write_through = _rate(write_through_operations, time.perf_counter() - start)
    store.close()
    return {"bare": bare, "in_memory": in_memory, "end_to_end": end_to_end, "write_through": write_through}


def fill(engine: sa.Engine, days: int, coordinates: int, clients: int) -> int:
    """Every client uses every coordinate every day (one signature per coordinate). Returns the usage rows."""
    first = utc_today() - dt.timedelta(days=days)
    names = [(f"client-{i}", f"{i % 5}.0") for i in range(clients)]
    signatures = [(signature_of(frozenset({coordinate_name(c)})), coordinate_name(c)) for c in range(coordinates)]
    with engine.begin() as connection:
        connection.execute(operation_signatures.insert(), [{"signature": s, "coordinate_count": 1, "first_seen": first} for s, _ in signatures])
        connection.execute(signature_coordinates.insert(), [{"signature": s, "coordinate": c} for s, c in signatures])
        connection.execute(
            operation_totals.insert(),
            [
                {"endpoint": ENDPOINT, "day": first + dt.timedelta(days=d), "client_name": n, "client_version": v, "count": 1_000}
                for d in range(days)
                for n, v in names
            ],
        )
    rows = 0
    batch: list[dict] = []
    with engine.begin() as connection:
        for signature, _ in signatures:
            for d in range(days):
                day = first + dt.timedelta(days=d)
                for name, version in names:
                    batch.append({"endpoint": ENDPOINT, "signature": signature, "day": day, "client_name": name,
                                  "client_version": version, "count": 3})
            if len(batch) >= 50_000:
                connection.execute(deprecation_usage.insert(), batch)
                rows += len(batch)
                batch = []
        if batch:
            connection.execute(deprecation_usage.insert(), batch)
            rows += len(batch)
        rebuild_daily_counts(connection)  # the daily counts the writer would have kept (a fill bypasses it)
    return rows


def size_bytes(engine: sa.Engine, path: Path | None) -> int:
    if path is not None:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with engine.connect() as connection:
        return sum(
            connection.execute(sa.text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table.name}).scalar()
            for table in metadata.sorted_tables
        )


def coordinate_name(index: int) -> str:
    return f"Type{index // 10}.field{index % 10}"


def bench_read(url: str, repeats: int, coordinate: str) -> dict[str, float]:
    store = UsageStore(url, handle_shutdown=False)
    since = utc_today() - dt.timedelta(days=90)
    assert store.daily_usage(ENDPOINT, coordinate, since=since)[0].operations > 0

    def median_ms(call) -> float:
        call()  # warm up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    usage = median_ms(lambda: store.daily_usage(ENDPOINT, coordinate, since=since))
    totals = median_ms(lambda: store.daily_totals(ENDPOINT, since=since))
    store.close()
    return {"daily_usage_ms": usage, "daily_totals_ms": totals}


def run_backend(name: str, url: str, sqlite_path: Path | None, args: argparse.Namespace) -> list[str]:
    failures = []
    days, coordinates, clients = (3, 50, 10) if args.quick else (90, 1_000, 50)
    operations = 20_000 if args.quick else 300_000
    print(f"\n== {name} ==")
    recording = bench_recording(url, operations, 200 if args.quick else 2_000)
    overhead = recording["bare"] / recording["in_memory"]
    gain = recording["end_to_end"] / recording["write_through"]
    print(f"bare dict add under a lock   {recording['bare']:>12,.0f} ops/s  (baseline)")
    print(f"record_buffered (in memory)  {recording['in_memory']:>12,.0f} ops/s  = 1/{overhead:.1f} of the baseline")
    print(f"record_operation (write-through) {recording['write_through']:>8,.0f} ops/s  (baseline)")
    print(f"buffered, end to end         {recording['end_to_end']:>12,.0f} ops/s  = {gain:.0f}x write-through")
    if overhead > MAX_RECORDER_OVERHEAD:
        failures.append(f"{name}: the recorder costs {overhead:.1f} bare dict adds (target <= {MAX_RECORDER_OVERHEAD})")
    if gain < MIN_BUFFERING_GAIN:
        failures.append(f"{name}: buffering is only {gain:.1f}x write-through (target >= {MIN_BUFFERING_GAIN})")

    # The scale run in a fresh database of its own.
    scale_url, cleanup = args.fresh(name)
    try:
        store = UsageStore(scale_url, migrate=True, handle_shutdown=False)
        store.close()
        engine = sa.create_engine(scale_url)
        start = time.perf_counter()
        rows = fill(engine, days, coordinates, clients)
        fill_seconds = time.perf_counter() - start
        if sqlite_path is None:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            with engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        size = size_bytes(engine, cleanup.path if sqlite_path is not None else None)
        engine.dispose()
        print(f"store at {days} days x {coordinates} coordinates x {clients} clients: {rows:,} usage rows, "
              f"{size / 2**20:,.0f} MiB ({size / rows:.0f} bytes/row; filled in {fill_seconds:.0f} s)")
        read = bench_read(scale_url, 20 if args.quick else 100, coordinate_name(coordinates // 2))
        ratio = read["daily_usage_ms"] / read["daily_totals_ms"]
        print(f"daily_totals, {days} days        {read['daily_totals_ms']:>8.2f} ms  (baseline)")
        print(f"daily_usage, one coordinate  {read['daily_usage_ms']:>8.2f} ms  = {ratio:.1f}x the baseline "
              f"(target < {READ_TARGET_MS:.0f} ms)")
        if read["daily_usage_ms"] >= READ_TARGET_MS:
            failures.append(f"{name}: daily_usage took {read['daily_usage_ms']:.1f} ms (target < {READ_TARGET_MS} ms)")
    finally:
        cleanup()
    return failures


def table_stats(engine: sa.Engine, sqlite: bool) -> dict[str, tuple[int, int]]:
    """(rows, bytes with its indexes) of every table of the store that holds rows."""
    with engine.connect() as connection:
        rows = {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}
        if sqlite:
            owner = dict(connection.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master").all())
            sizes: dict[str, int] = {}
            for name, size in connection.exec_driver_sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
                table = owner.get(name, name)
                sizes[table] = sizes.get(table, 0) + size
        else:
            sizes = {name: connection.execute(sa.text("SELECT pg_total_relation_size(CAST(:t AS regclass))"),
                                              {"t": name}).scalar_one() for name in rows}
    return {name: (count, sizes.get(name, 0)) for name, count in rows.items() if count}


def bench_day_flush(url: str, work: whole_schema.Workload, day: dt.date, spill_dir: Path) -> dict[str, object]:
    """One day's distinct keys recorded on the request path, then one ``flush`` (the inbox drained, then one
    transaction), twice with the same store: into a day without rows, by a process that has just started (it
    knows no operation yet: it asks the store which it holds, and every ``coordinate_seen`` span must widen to
    today), then the same keys again (every row an update, the operations and spans known). A flush that fails (the store's statement
    guard: 5 s) is reported, and measured again with a 60 s statement timeout to give its cost."""
    result: dict[str, object] = {}
    phases = ["new_day", "same_keys_again"]
    timeout = 5.0
    store = UsageStore(url, flush_interval=3600, handle_shutdown=False, spill_dir=spill_dir)
    while phases:
        phase = phases.pop(0)
        uses = whole_schema.day_uses(work, day)
        start = time.perf_counter()
        for client, version, index, count in uses:
            store.record_buffered(whole_schema.ENDPOINT, work.deprecated_of[index], client_name=client,
                                  client_version=version, count=count, operation=work.operations[index])
        result["record_us_per_key"] = (time.perf_counter() - start) * 1e6 / len(uses)
        result["keys"] = len(uses)
        start = time.perf_counter()
        store._buffer.drain()  # noqa: SLF001  (timed apart: the flusher thread drains every second anyway)
        result[f"{phase}_drain_s"] = time.perf_counter() - start
        start = time.perf_counter()
        written = store.flush()
        result[f"{phase}_s"] = time.perf_counter() - start
        result[f"{phase}_timeout"] = timeout
        if not written:
            result[f"{phase}_error"] = store.stats().last_error
            store.close(timeout=0)  # the counts go to the spill file (a temporary directory), not into the store
            for path in spill_dir.iterdir():
                path.unlink()
            if timeout == 60.0:
                raise RuntimeError(f"a day's flush failed even with a 60 s statement timeout: {result}")
            timeout = 60.0
            store = UsageStore(url, flush_interval=3600, handle_shutdown=False, spill_dir=spill_dir,
                               statement_timeout=timeout)
            phases.insert(0, phase)
    store.close()
    return result


def run_whole_schema(name: str, work: whole_schema.Workload, args: argparse.Namespace) -> list[str]:
    failures: list[str] = []
    days = 3 if args.quick else 90
    size = whole_schema.SMALL if args.quick else whole_schema.GITHUB
    print(f"\n== {name}: whole schema (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {len(work.coordinates):,} coordinates, {size.operations:,} operations, "
          f"{size.clients} clients, {days} days) ==")
    url, cleanup = args.fresh(f"{name}-whole")
    sqlite = url.startswith("sqlite")
    try:
        UsageStore(url, migrate=True, handle_shutdown=False).close()
        engine = sa.create_engine(url)
        today = utc_today()
        start = time.perf_counter()
        rows = whole_schema.fill(engine, work, today - dt.timedelta(days=days - 1), days - 1)
        fill_seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as spill_dir:
            flush = bench_day_flush(url, work, today, Path(spill_dir))
        _analyze(engine, sqlite)
        stats = table_stats(engine, sqlite)
        total = size_bytes(engine, cleanup.path if sqlite else None)
        engine.dispose()
        print(f"filled {days - 1} days in bulk: {rows:,} rows in {fill_seconds:.0f} s; today's through the flush")
        print(f"store: {total / 2**20:,.0f} MiB")
        for table, (count, nbytes) in sorted(stats.items(), key=lambda item: -item[1][1]):
            print(f"  {table:<22} {count:>10,} rows {nbytes / 2**20:>8,.1f} MiB  {nbytes / count:>5.0f} B/row")
        print(f"one day's keys: {flush['keys']:,} (recorded at {flush['record_us_per_key']:.1f} us a key)")
        for phase, what in (("new_day", "into a new day, just started"), ("same_keys_again", "the same keys again")):
            seconds = flush[f"{phase}_s"]
            note = f"{seconds * 1e6 / flush['keys']:.0f} us a key"
            if flush[f"{phase}_timeout"] != 5.0:  # the first try failed: this is the cost with a longer timeout
                note += f"; with a {flush[phase + '_timeout']:.0f} s statement timeout"
            print(f"flush {what:<30} drain {flush[phase + '_drain_s'] * 1000:>6,.0f} ms + write {seconds * 1000:>7,.0f} ms"
                  f"  ({note}; target < {FLUSH_TARGET_S:.0f} s)")
            if f"{phase}_error" in flush:
                failures.append(f"{name}: a day's flush ({what}) failed: {flush[phase + '_error']}")
            elif seconds >= FLUSH_TARGET_S:
                failures.append(f"{name}: a day's flush ({what}) took {seconds:.1f} s (target < {FLUSH_TARGET_S} s)")
        answers = {} if args.flush_only else bench_answers(url, work, days, 3 if args.quick else 7)
        for label, ms in answers.items():
            print(f"{label:<40} {ms:>8,.1f} ms  (target < {ANSWER_TARGET_MS:,.0f} ms)")
            if ms >= ANSWER_TARGET_MS and "baseline" not in label:
                failures.append(f"{name}: {label} took {ms:,.0f} ms (target < {ANSWER_TARGET_MS:,.0f} ms)")
    finally:
        cleanup()
    return failures


def _analyze(engine: sa.Engine, sqlite: bool) -> None:
    if sqlite:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_answers(url: str, work: whole_schema.Workload, days: int, repeats: int) -> dict[str, float]:
    """The median time of each whole-schema answer over the filled store, through the functions the commands call
    (the command line adds its start-up, timed once apart: ``cli_seconds``):

    - ``gqlevolve usage COORD --days N``: :func:`gqlevolve.reports.coordinate_usage.coordinate_usage`, for the
      most used coordinate (``Query``: every operation), a field of the middle and one of the tail;
    - ``gqlevolve unused --days N``: :func:`gqlevolve.reports.unused.unused_elements`;
    - ``gqlevolve check --db``: the command's own ``_check_with_usage`` on a pull request's change
      (:func:`whole_schema.changed_schema`: 12 fields removed, 3 of them deprecated, 3 arguments made required).
    """
    from gqlevolve.cli.diff import _check_with_usage
    from gqlevolve.reports.coordinate_usage import coordinate_usage
    from gqlevolve.reports.unused import unused_elements
    from gqlevolve.schema_diff.versioned import check_versions

    endpoint = whole_schema.ENDPOINT
    popularity: dict[str, int] = {}
    for shape in work.operations:
        for coordinate in shape.coordinates:
            popularity[coordinate] = popularity.get(coordinate, 0) + 1
    ranked = sorted((c for c in popularity if "." in c), key=lambda c: (-popularity[c], c))
    hot, middle, tail = "Query", ranked[len(ranked) // 10], ranked[-1]
    new_sdl, _touched = whole_schema.changed_schema(work)
    store = UsageStore(url, handle_shutdown=False)
    answers: dict[str, float] = {}
    try:
        for label, coordinate in (("hot", hot), ("middle", middle), ("tail", tail)):
            answers[f"usage {coordinate} ({label}), {days} days"] = _median_ms(
                lambda c=coordinate: coordinate_usage(store, endpoint, c, days), repeats)
        answers[f"unused, {days} days"] = _median_ms(lambda: unused_elements(store, endpoint, days), repeats)
        with tempfile.TemporaryDirectory() as directory:
            (Path(directory) / "v1.graphql").write_text(work.sdl, encoding="utf-8")
            report = _check_with_usage({"v1": new_sdl}, Path(directory), url, None, threshold=None,
                                       max_operations=None, window_days=None, exclude_clients=())
            breaking = sum(len(version.diff.breaking) for version in report.versions if version.diff)
            # The same check without the store (the two schemas parsed and compared): what --db adds is the rest.
            answers["check without --db (baseline)"] = _median_ms(
                lambda: check_versions({"v1": new_sdl}, Path(directory)), max(1, repeats // 2))
            answers[f"check --db, {breaking} breaking changes"] = _median_ms(
                lambda: _check_with_usage({"v1": new_sdl}, Path(directory), url, None, threshold=None,
                                          max_operations=None, window_days=None, exclude_clients=()),
                max(1, repeats // 2))
    finally:
        store.close()
    return answers


class _SqliteFresh:
    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / f"{name}-scale.db"

    def __call__(self) -> None:
        for path in self.path.parent.glob(self.path.name + "*"):
            path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test in a few seconds")
    parser.add_argument("--postgres", default=os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--case", choices=("all", "counters", "whole-schema"), default="all",
                        help="counters: cases 1-4; whole-schema: cases 5-7 [default: all]")
    parser.add_argument("--flush-only", action="store_true",
                        help="whole-schema: cases 5 and 6 only (the store and the flush), not the answers (7)")
    args = parser.parse_args()
    failures: list[str] = []
    counters = args.case in ("all", "counters")
    work = None
    if args.case in ("all", "whole-schema"):
        start = time.perf_counter()
        work = whole_schema.build_workload(whole_schema.SMALL if args.quick else whole_schema.GITHUB)
        print(f"whole-schema workload built in {time.perf_counter() - start:.1f} s: {work.source}, "
              f"{len(work.coordinates):,} coordinates")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)

        def fresh_sqlite(name: str):
            cleanup = _SqliteFresh(root, name)
            return f"sqlite:///{cleanup.path}", cleanup

        args.fresh = fresh_sqlite
        if counters:
            failures += run_backend("SQLite", f"sqlite:///{root / 'recording.db'}", root / "recording.db", args)
        if work is not None:
            failures += run_whole_schema("SQLite", work, args)

    if not args.no_postgres:
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect():
                pass
        except sa.exc.OperationalError as error:
            print(f"\n== PostgreSQL skipped: {str(error.orig).splitlines()[0]} ==")
        else:
            schemas: list[str] = []

            def fresh_schema(_name: str):
                schema = f"gqlevolve_bench_{uuid.uuid4().hex[:10]}"
                schemas.append(schema)
                with admin.connect() as connection:
                    connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

                def drop() -> None:
                    with admin.connect() as connection:
                        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

                separator = "&" if "?" in args.postgres else "?"
                return f"{args.postgres}{separator}options={quote(f'-csearch_path={schema}')}", drop

            args.fresh = fresh_schema
            recording_url, drop_recording = fresh_schema("recording")
            try:
                if counters:
                    failures += run_backend("PostgreSQL", recording_url, None, args)
                if work is not None:
                    failures += run_whole_schema("PostgreSQL", work, args)
            finally:
                drop_recording()
                admin.dispose()

    if failures:
        print("\nTARGETS MISSED:\n  " + "\n  ".join(failures))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
