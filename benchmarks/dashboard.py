"""Benchmark: each dashboard page's render time on the benchmark store, on SQLite and PostgreSQL.

The store is the one of ``benchmarks/store.py`` (1,000 deprecated coordinates x 90 days x 50 clients, every client
using every coordinate every day: 4.5 million usage rows), filled the same way (bulk inserts), plus a deprecation
record for each coordinate. Each page is fetched through Starlette's test client, signed in, and timed from the
request to the last byte of the HTML:

- **cold**: the page's data read from the store (the dashboard's page cache cleared before each request);
- **warm**: the same page again within the cache's lifetime (what a reload or a second reader gets);
- **cpu**: the processor time this process spent on the cold request (on SQLite the whole read and render; on
  PostgreSQL without the server's share). On a machine busy with other work the wall-clock figures grow with the
  load, this one much less: it tells a slower page from a busier machine. The load averages are printed before
  and after each backend's pages.

Target: each page under 300 ms. The figures are printed; the exit code is 1 when a cold page misses it.
The per-client pages read ``client_summaries`` (revision 0006): the fill's ``rebuild_daily_counts`` sums it, and a
kept store (``--sqlite-file``, ``--postgres-schema``) filled before that revision gets it from the migration when
the store is opened (minutes on this store).

    .venv/bin/python benchmarks/dashboard.py                 # SQLite, and PostgreSQL if GQLEVOLVE_TEST_POSTGRES_URL is set
    .venv/bin/python benchmarks/dashboard.py --quick         # a small store (smoke test)
    .venv/bin/python benchmarks/dashboard.py --sqlite-file /tmp/bench.db --postgres-schema bench   # filled once, kept
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import store as store_benchmark  # noqa: E402  (benchmarks/store.py: its fill)
from starlette.testclient import TestClient  # noqa: E402

from gqlevolve.clock import SYSTEM_CLOCK  # noqa: E402
from gqlevolve.dashboard import dashboard_app  # noqa: E402
from gqlevolve.usage_store import UsageStore  # noqa: E402
from gqlevolve.usage_store.tables import deprecations  # noqa: E402

TARGET_MS = 300.0
TOKEN = "benchmark-viewer-token"
ENDPOINT = store_benchmark.ENDPOINT


def add_records(engine: sa.Engine, coordinates: int) -> None:
    now = SYSTEM_CLOCK.now()
    today = SYSTEM_CLOCK.today()
    with engine.begin() as connection:
        connection.execute(
            deprecations.insert(),
            [
                {"endpoint": ENDPOINT, "coordinate": store_benchmark.coordinate_name(index),
                 "deprecated_on": today - dt.timedelta(days=200), "sunset_on": today + dt.timedelta(days=10 + index % 60),
                 "created_at": now, "updated_at": now, "reason": "benchmark"}
                for index in range(coordinates)
            ],
        )


def pages() -> dict[str, str]:
    coordinate = quote(store_benchmark.coordinate_name(7))
    return {
        "overview": f"/dashboard/?endpoint={quote(ENDPOINT)}",
        "element": f"/dashboard/element?endpoint={quote(ENDPOINT)}&coordinate={coordinate}",
        "clients": f"/dashboard/clients?endpoint={quote(ENDPOINT)}",
        "migration": f"/dashboard/migration?endpoint={quote(ENDPOINT)}",
        "versions": "/dashboard/versions",
    }


def measure(label: str, url: str, args: argparse.Namespace, *, fill: bool = True) -> bool:
    with UsageStore(url, migrate=True, handle_shutdown=False) as usage_store:
        if fill:
            started = time.perf_counter()
            rows = store_benchmark.fill(usage_store.engine, args.days, args.coordinates, args.clients)
            add_records(usage_store.engine, args.coordinates)
            if usage_store.engine.dialect.name == "postgresql":
                with usage_store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("ANALYZE")
            print(f"[{label}] filled {rows:,} usage rows, {args.coordinates} records in {time.perf_counter() - started:.1f} s")
        app = dashboard_app(usage_store, viewer_token=TOKEN)
        dashboard = next(route.app.state.dashboard for route in app.routes if hasattr(getattr(route, "app", None), "state")
                         and hasattr(route.app.state, "dashboard"))
        dashboard.warm_on_signin = False  # measured without the pages read ahead at sign-in (they would compete)
        client = TestClient(app)
        form = client.get("/dashboard/signin").text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        signed_in = client.post("/dashboard/signin", data={"token": TOKEN, "csrf": csrf}, follow_redirects=False)
        assert signed_in.status_code == 303

        ok = True
        print(f"[{label}] load average {_load()} (the wall clock grows with it: other work on the machine)")
        for name, path in pages().items():
            cold: list[float] = []
            cpu: list[float] = []
            warm: list[float] = []
            size = 0
            for _ in range(args.runs):
                dashboard.cache.clear()
                started, processor = time.perf_counter(), time.process_time()
                response = client.get(path)
                cold.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - processor) * 1000)
                assert response.status_code == 200, (name, response.status_code, response.text[:300])
                size = len(response.content)
                started = time.perf_counter()
                assert client.get(path).status_code == 200
                warm.append((time.perf_counter() - started) * 1000)
            cold_ms, warm_ms = statistics.median(cold), statistics.median(warm)
            met = cold_ms < TARGET_MS
            ok &= met
            print(
                f"[{label}] {name:<9} cold {cold_ms:8.1f} ms (median of {args.runs}; cpu {statistics.median(cpu):6.1f} ms), "
                f"warm {warm_ms:6.1f} ms, "
                f"{size / 1024:6.0f} KiB -> {'OK' if met else 'MISSED'} (target < {TARGET_MS:.0f} ms)"
            )
        print(f"[{label}] load average {_load()}")
    return ok


def _load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes (``uptime``'s), beside the figures they bear on."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def postgres_schema_url(base: str, schema: str | None = None) -> tuple[str, sa.Engine, str, bool]:
    """A URL on a schema of its own: a new one (dropped after the run), or ``schema``, kept and filled only when
    it does not exist yet. The last item says whether the schema was created here."""
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = schema or f"gqlevolve_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %(name)s", {"name": name}
        ).first() is not None
        if not exists:
            connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={name}')}", admin, name, not exists


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 coordinates x 30 days x 10 clients")
    parser.add_argument("--coordinates", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("GQLEVOLVE_TEST_POSTGRES_URL"), help="PostgreSQL URL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sqlite-file", help="keep the SQLite store in this file (filled when it does not exist)")
    parser.add_argument("--postgres-schema", help="keep the PostgreSQL store in this schema (filled when it does not exist)")
    args = parser.parse_args()
    if args.quick:
        args.coordinates, args.days, args.clients = 100, 30, 10

    results = []
    if args.sqlite_file:  # filled once, measured again on later runs (the fill takes minutes)
        path = Path(args.sqlite_file)
        results.append(measure("sqlite", f"sqlite:///{path}", args, fill=not path.exists()))
    elif not args.no_sqlite:
        with tempfile.TemporaryDirectory() as directory:
            results.append(measure("sqlite", f"sqlite:///{Path(directory) / 'bench.db'}", args))
    if args.postgres:
        url, admin, schema, created = postgres_schema_url(args.postgres, args.postgres_schema)
        try:
            results.append(measure("postgresql", url, args, fill=created))
        finally:
            if not args.postgres_schema:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()
    else:
        print("[postgresql] skipped: pass --postgres URL or set GQLEVOLVE_TEST_POSTGRES_URL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
