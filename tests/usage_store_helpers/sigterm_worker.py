"""A process that holds buffered counts (it never flushes by itself) until it is stopped with SIGTERM.

Usage: python -m tests.usage_store_helpers.sigterm_worker URL COUNT
Prints "ready" once the counts are buffered, then sleeps.
"""

from __future__ import annotations

import sys
import time

from gqlevolve.usage_store import UsageStore


def main() -> None:
    url, count = sys.argv[1], int(sys.argv[2])
    store = UsageStore(url, flush_interval=3600)
    for i in range(count):
        store.record_buffered("/api/v1/graphql", frozenset({"User.name"}) if i % 2 else frozenset(), client_name="cli")
    assert store.stats().pending_operations == count
    print("ready", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
