"""What the DeprecationUsageExtension costs: operations per second with it against the same schema without it.

Measured interleaved in one run: rounds alternate baseline and extension (in alternating order), and each
side is timed in CPU seconds, of this process (``schema.execute``; background threads such as the store's
flusher included) or of the uvicorn process (HTTP), so that other work on a shared machine does not count.
The ratio is the baseline's CPU time over the extension's for the same operations (ops/s with / without).
Wall-clock ops/s are printed beside it.

- ``schema.execute`` of a 100-item query that selects one deprecated field (target: >= 0.98 of the baseline);
- ``schema.execute`` of a 1-item query (target: >= 0.95);
- beside them, Strawberry's own ``ApolloTracingExtension`` on the same queries, as a peer (no target);
- over HTTP: uvicorn on 127.0.0.1 serving both schemas, a bounded load loop of sequential requests
  (target: >= 0.97).

The extension counts into a real SQLite usage store (with its background flusher running).

Run::

    python benchmarks/extension_overhead.py            # full run; exits 1 if a target is missed
    python benchmarks/extension_overhead.py --quick    # a few rounds (smoke test; targets reported, not checked)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import strawberry
from strawberry.extensions.tracing import ApolloTracingExtension

ROOT = Path(__file__).resolve().parent.parent
DB_ENV = "GQLEVOLVE_BENCH_DB"


@strawberry.type
class Item:
    id: int
    label: str
    old_label: str = strawberry.field(deprecation_reason="Use label")


ITEMS = [Item(id=number, label=f"item {number}", old_label=f"item {number}") for number in range(100)]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, first: int = 100) -> list[Item]:
        return ITEMS[:first]


HUNDRED_ITEMS = "query Items { items { id label oldLabel } }"
ONE_ITEM = "query OneItem { items(first: 1) { id label oldLabel } }"

TARGETS = {"100 items": 0.98, "1 item": 0.95, "HTTP": 0.97}


def schemas(db_url: str) -> dict[str, strawberry.Schema]:
    from gqlevolve import UsageStore, deprecation_usage

    store = UsageStore(db_url)
    usage = deprecation_usage(store=store, endpoint="/bench")
    built = {
        "baseline": strawberry.Schema(Query),
        "deprecation_usage": strawberry.Schema(Query, extensions=[usage]),
        "ApolloTracing": strawberry.Schema(Query, extensions=[ApolloTracingExtension]),
    }
    # What versioned_app's lifespan does at start-up (registration is start-up work, not per-request work).
    usage.on_app_startup(schema=built["deprecation_usage"], endpoint="/bench")
    return built


def http_app():  # uvicorn --factory entry point
    from starlette.applications import Starlette
    from starlette.routing import Route
    from strawberry.asgi import GraphQL

    built = schemas(os.environ[DB_ENV])
    routes = [
        Route("/baseline/graphql", GraphQL(built["baseline"], graphql_ide=None)),
        Route("/extension/graphql", GraphQL(built["deprecation_usage"], graphql_ide=None)),
    ]
    return Starlette(routes=routes)


@dataclass
class Side:
    operations: int = 0
    cpu: float = 0.0
    wall: float = 0.0


@dataclass
class Comparison:
    name: str
    baseline: Side
    other: Side

    @property
    def ratio(self) -> float:
        """ops per CPU second with it / without it."""
        return (self.baseline.cpu / self.baseline.operations) / (self.other.cpu / self.other.operations)

    def line(self, label: str) -> str:
        def rates(side: Side) -> str:
            return f"{side.operations / side.cpu:>7.0f} ops/cpu-s {side.operations / side.wall:>7.0f} ops/s"

        return f"{self.name:<10} {label:<18} baseline {rates(self.baseline)}   with it {rates(self.other)}   ratio {self.ratio:.3f}"


async def interleaved(
    name: str,
    baseline: Callable[[], Awaitable[object]],
    other: Callable[[], Awaitable[object]],
    rounds: int,
    per_round: int,
    cpu_clock: Callable[[], float] = time.process_time,
) -> Comparison:
    async def timed(run: Callable[[], Awaitable[object]], side: Side) -> None:
        cpu, wall = cpu_clock(), time.perf_counter()
        for _ in range(per_round):
            await run()
        side.cpu += cpu_clock() - cpu
        side.wall += time.perf_counter() - wall
        side.operations += per_round

    for run in (baseline, other):  # warm-up: caches, first-seen registration
        await timed(run, Side())
    comparison = Comparison(name, Side(), Side())
    for round_number in range(rounds):
        order = [(baseline, comparison.baseline), (other, comparison.other)]
        for run, side in reversed(order) if round_number % 2 else order:
            await timed(run, side)
    return comparison


async def in_process(built: dict[str, strawberry.Schema], rounds: int, scale: int) -> list[tuple[str, Comparison, Comparison]]:
    results = []
    for name, query, per_round in (("100 items", HUNDRED_ITEMS, 8 * scale), ("1 item", ONE_ITEM, 40 * scale)):

        def runner(schema: strawberry.Schema, query: str = query) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                result = await schema.execute(query)
                assert result.errors is None, result.errors

            return run

        ours = await interleaved(name, runner(built["baseline"]), runner(built["deprecation_usage"]), rounds, per_round)
        peer = await interleaved(name, runner(built["baseline"]), runner(built["ApolloTracing"]), rounds, per_round)
        results.append((name, ours, peer))
    return results


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process (Linux ``/proc``; clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def over_http(db_url: str, rounds: int, per_round: int) -> Comparison:
    import httpx

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "extension_overhead:http_app", "--app-dir", str(Path(__file__).parent),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, DB_ENV: db_url},
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    await client.post("/baseline/graphql", json={"query": "{ __typename }"})
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("uvicorn did not start") from None
                    await asyncio.sleep(0.1)

            def runner(path: str) -> Callable[[], Awaitable[object]]:
                async def run() -> None:
                    response = await client.post(path, json={"query": HUNDRED_ITEMS})
                    assert response.status_code == 200, response.text

                return run

            return await interleaved(
                "HTTP", runner("/baseline/graphql"), runner("/extension/graphql"), rounds, per_round,
                cpu_clock=lambda: process_cpu_seconds(server.pid),
            )
    finally:
        server.terminate()
        server.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds; targets reported, not checked")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurement")
    args = parser.parse_args(argv)
    rounds, scale, http_rounds, http_per_round = (4, 1, 3, 10) if args.quick else (31, 5, 21, 60)

    with tempfile.TemporaryDirectory() as directory:
        db_url = f"sqlite:///{Path(directory) / 'bench.db'}"
        built = schemas(db_url)
        results = asyncio.run(in_process(built, rounds, scale))
        http = None if args.no_http else asyncio.run(over_http(f"sqlite:///{Path(directory) / 'http.db'}", http_rounds, http_per_round))

    missed = []
    print(f"schema.execute, {rounds} interleaved rounds (ratio = ops per CPU second with the extension / without)")
    for name, ours, peer in results:
        print(ours.line("deprecation_usage") + f"   (target >= {TARGETS[name]})")
        print(peer.line("ApolloTracing") + "   (peer)")
        if ours.ratio < TARGETS[name]:
            missed.append(f"{name}: {ours.ratio:.3f} < {TARGETS[name]}")
    if http is not None:
        print(f"HTTP (uvicorn on 127.0.0.1, sequential requests of the 100-item query, server CPU), {http_rounds} rounds of {http_per_round}")
        print(http.line("deprecation_usage") + f"   (target >= {TARGETS['HTTP']})")
        if http.ratio < TARGETS["HTTP"]:
            missed.append(f"HTTP: {http.ratio:.3f} < {TARGETS['HTTP']}")
    if args.quick:
        print("quick mode: targets not checked")
        return 0
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
