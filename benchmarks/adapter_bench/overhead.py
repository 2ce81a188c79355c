"""What the Ariadne and Graphene adapters cost, each against its own bare server: run by extension_overhead.py.

One process per server (Graphene's needs graphql-core 3.2, so it runs with ``.venv-graphene``'s Python): the same
100-item and 1-item queries as the Strawberry measurement, each selecting one deprecated field, executed in
process with and without the adapter, interleaved operation by operation (median seconds per operation). Prints
the medians as JSON: ``{"100 items": {"baseline": s, "adapter": s}, "1 item": {...}}``.

    python benchmarks/adapter_bench/overhead.py ariadne --turns 30
    .venv-graphene/bin/python benchmarks/adapter_bench/overhead.py graphene --turns 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Run = Callable[[], Awaitable[object]]

SDL = 'type Item { id: Int! label: String! oldLabel: String! @deprecated(reason: "Use label") } type Query { items(first: Int = 100): [Item!]! }'
ITEMS = [{"id": number, "label": f"item {number}", "oldLabel": f"item {number}"} for number in range(100)]
QUERIES = {
    "100 items": "query Items { items { id label oldLabel } }",
    "1 item": "query OneItem { items(first: 1) { id label oldLabel } }",
}


async def rotated(variants: dict[str, Run], turns: int) -> dict[str, float]:
    """Median seconds per operation of each variant, one operation each in turn, the order rotating (as
    extension_overhead.py measures Strawberry)."""
    names = list(variants)
    for name in names:  # warm-up: caches, first-seen work
        for _ in range(5):
            await variants[name]()
    samples: dict[str, list[int]] = {name: [] for name in names}
    clock = time.perf_counter_ns
    for turn in range(turns):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            await variants[name]()
            samples[name].append(clock() - start)
    return {name: statistics.median(times) / 1e9 for name, times in samples.items()}


def ariadne_variants(store: Any, query: str) -> dict[str, Run]:
    from ariadne import QueryType, graphql, make_executable_schema

    from gqlevolve.adapters.ariadne import deprecation_usage

    resolvers = QueryType()
    resolvers.set_field("items", lambda _, __, first=100: ITEMS[:first])
    schema = make_executable_schema(SDL, resolvers)
    usage = deprecation_usage(schema, store=store, endpoint="/bench")
    usage.start()
    root_value, extensions = usage.root_value(), [usage.extension]

    async def bare() -> None:
        success, result = await graphql(schema, {"query": query})
        assert success, result

    async def adapted() -> None:
        success, result = await graphql(schema, {"query": query}, root_value=root_value, extensions=extensions)
        assert success and "extensions" in result, result

    return {"baseline": bare, "adapter": adapted}


def graphene_variants(store: Any, query: str) -> dict[str, Run]:
    import graphene

    from gqlevolve.adapters.graphene import deprecation_usage

    class Item(graphene.ObjectType):
        id = graphene.Int(required=True)
        label = graphene.String(required=True)
        old_label = graphene.String(required=True, deprecation_reason="Use label")

    class Query(graphene.ObjectType):
        items = graphene.List(graphene.NonNull(Item), required=True, first=graphene.Int(default_value=100))

        def resolve_items(root: Any, info: Any, first: int = 100) -> list[Item]:
            return [Item(id=item["id"], label=item["label"], old_label=item["oldLabel"]) for item in ITEMS[:first]]

    schema = graphene.Schema(query=Query)
    usage = deprecation_usage(store=store, endpoint="/bench")
    usage.start(schema.graphql_schema)
    context_class = usage.execution_context_class

    async def bare() -> None:
        result = await schema.execute_async(query)
        assert result.errors is None, result.errors

    async def adapted() -> None:
        result = await schema.execute_async(query, execution_context_class=context_class)
        assert result.errors is None and result.extensions, result

    return {"baseline": bare, "adapter": adapted}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", choices=["ariadne", "graphene"])
    parser.add_argument("--turns", type=int, default=3_000)
    args = parser.parse_args(argv)
    from gqlevolve.usage_store import UsageStore

    variants = ariadne_variants if args.server == "ariadne" else graphene_variants
    medians = {}
    with tempfile.TemporaryDirectory() as directory:
        store = UsageStore(f"sqlite:///{Path(directory) / 'bench.db'}")  # a real store, its flusher running
        for name, query in QUERIES.items():
            medians[name] = asyncio.run(rotated(variants(store, query), args.turns))
        store.close()
    print(json.dumps(medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
