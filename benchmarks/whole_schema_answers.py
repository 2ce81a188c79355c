"""The whole-schema answers (``gqlevolve usage``, ``unused``, ``check --db``) over a store built once and kept.

``store.py --case whole-schema`` builds its 90-day store afresh on every run (about ten minutes a backend) and
drops it at the end: right for the store's size and the flush, too slow to measure a change to a read. This
script builds the same store (:func:`whole_schema.fill` for 89 days, today's rows through the writer's own
``write_batch``) into ``--keep DIR`` (SQLite: ``DIR/whole-schema.db``) and into the PostgreSQL schema
``--pg-schema`` (default ``gqlevolve_answers``), and builds it only when it is not there yet, or when it was built
on another day or at another size (a marker file in ``DIR`` says which), or with ``--rebuild``. Then it times the
answers with ``store.py``'s own :func:`store.bench_answers` (the same coordinates, change and medians).

Run: ``.venv/bin/python benchmarks/whole_schema_answers.py --keep /tmp/gqlevolve-answers`` (``--quick`` for a
smoke test's size; ``--no-postgres``; ``--postgres URL`` or ``$GQLEVOLVE_TEST_POSTGRES_URL``). Without ``--keep``
the store goes into a temporary directory and is dropped (as ``store.py`` does). Exits non-zero when an answer
takes 1 s or more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import store  # noqa: E402  (beside this file)
import whole_schema  # noqa: E402

from gqlevolve.clock import utc_today  # noqa: E402
from gqlevolve.usage_store import UsageStore  # noqa: E402
from gqlevolve.usage_store.tables import operation_signatures, operations  # noqa: E402

__all__ = ["build", "main"]


def build(url: str, work: whole_schema.Workload, today: dt.date, days: int) -> tuple[int, float]:
    """The whole-schema store at ``url``: ``days - 1`` days in bulk up to yesterday, today through the writer;
    then analyzed. (rows, seconds)."""
    start = time.perf_counter()
    UsageStore(url, migrate=True, handle_shutdown=False).close()
    engine = sa.create_engine(url)
    try:
        rows = whole_schema.fill(engine, work, today - dt.timedelta(days=days - 1), days - 1)
        with engine.connect() as connection:  # written by the fill: the writer skips them, as after a flush
            known = set(connection.execute(sa.select(operations.c.signature)).scalars())
            known |= set(connection.execute(sa.select(operation_signatures.c.signature)).scalars())
        keys, _seconds = whole_schema.write_day(engine, work, today, known)
        store._analyze(engine, url.startswith("sqlite"))  # noqa: SLF001  (the same statistics as store.py's run)
    finally:
        engine.dispose()
    return rows + keys, time.perf_counter() - start


def _marker(directory: Path, backend: str) -> Path:
    return directory / f"whole-schema-{backend}.json"


def _ready(directory: Path, backend: str, wanted: dict[str, object]) -> bool:
    marker = _marker(directory, backend)
    return marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted


def run(name: str, url: str, directory: Path, work: whole_schema.Workload, args: argparse.Namespace,
        reset: Callable[[], None]) -> list[str]:
    days = 3 if args.quick else 90
    today = utc_today()
    wanted = {"day": today.isoformat(), "days": days, "operations": len(work.operations), "source": work.source}
    backend = name.lower()
    if args.rebuild or not _ready(directory, backend, wanted):
        _marker(directory, backend).unlink(missing_ok=True)
        reset()
        rows, seconds = build(url, work, today, days)
        _marker(directory, backend).write_text(json.dumps(wanted), encoding="utf-8")
        print(f"\n== {name}: built {rows:,} rows in {seconds:.0f} s ==")
    else:
        print(f"\n== {name}: the store built on {today} is kept ==")
    before = os.getloadavg()[0]
    failures = []
    answers = store.bench_answers(url, work, days, args.repeats)
    # The load on both sides of the timings: on a shared machine a figure means little without it.
    print(f"load average {before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, ms in answers.items():
        print(f"{label:<48} {ms:>9,.1f} ms  (target < {store.ANSWER_TARGET_MS:,.0f} ms)", flush=True)
        if ms >= store.ANSWER_TARGET_MS and "baseline" not in label:
            failures.append(f"{name}: {label} took {ms:,.0f} ms")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="directory holding the SQLite store and the markers, kept between runs")
    parser.add_argument("--pg-schema", default="gqlevolve_answers", help="PostgreSQL schema of the kept store")
    parser.add_argument("--rebuild", action="store_true", help="build the stores again even when they are there")
    parser.add_argument("--quick", action="store_true", help="a smoke test's size")
    parser.add_argument("--repeats", type=int, default=7, help="calls per answer (the median is shown)")
    parser.add_argument("--postgres", default=os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL")
                        or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    work = whole_schema.build_workload(whole_schema.SMALL if args.quick else whole_schema.GITHUB)
    print(f"workload: {work.source}, {len(work.coordinates):,} coordinates, {len(work.operations):,} operations")
    temporary = None
    if args.keep is None:
        temporary = tempfile.TemporaryDirectory()
        directory = Path(temporary.name)
    else:
        directory = args.keep
        directory.mkdir(parents=True, exist_ok=True)
    schema = args.pg_schema if args.keep is not None else f"{args.pg_schema}_{os.getpid()}"
    if args.quick:
        schema += "_quick"
    failures: list[str] = []
    try:
        if not args.no_sqlite:
            path = directory / ("whole-schema-quick.db" if args.quick else "whole-schema.db")

            def reset_sqlite() -> None:
                for stale in path.parent.glob(path.name + "*"):
                    stale.unlink()

            failures += run("SQLite", f"sqlite:///{path}", directory, work, args, reset_sqlite)
        if not args.no_postgres:
            admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")

            def reset_postgres() -> None:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                    connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

            separator = "&" if "?" in args.postgres else "?"
            url = f"{args.postgres}{separator}options={quote(f'-csearch_path={schema}')}"
            try:
                failures += run("PostgreSQL", url, directory, work, args, reset_postgres)
            finally:
                if temporary is not None:
                    with admin.connect() as connection:
                        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
    finally:
        if temporary is not None:
            temporary.cleanup()
    if failures:
        print("\nTARGETS MISSED:\n  " + "\n  ".join(failures))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
