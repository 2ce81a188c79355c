"""Deterministic random traffic: what a worker sends, and what the test expects to find in the store."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator

ENDPOINTS = ("/api/v1/graphql", "/api/v2/graphql")
COORDINATES = tuple(f"Type{i}.field{j}" for i in range(5) for j in range(4))
CLIENTS = tuple((f"client-{i}", f"{i % 3}.0") for i in range(8)) + ((None, None),)
FIRST_DAY = dt.date(2025, 3, 1)


def operations(seed: int, count: int) -> Iterator[tuple[str, frozenset[str], str | None, str | None, dt.date]]:
    rng = random.Random(seed)
    for _ in range(count):
        coordinates = frozenset(rng.sample(COORDINATES, rng.choice((0, 0, 1, 1, 2, 3))))
        name, version = rng.choice(CLIENTS)
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(7))
        yield rng.choice(ENDPOINTS), coordinates, name, version, day


def expected(seeds: list[int], count: int) -> tuple[Counter, Counter]:
    """(totals per (endpoint, day), usage per (endpoint, coordinate, day))."""
    totals: Counter = Counter()
    usage: Counter = Counter()
    for seed in seeds:
        for endpoint, coordinates, _name, _version, day in operations(seed, count):
            totals[(endpoint, day)] += 1
            for coordinate in coordinates:
                usage[(endpoint, coordinate, day)] += 1
    return totals, usage
