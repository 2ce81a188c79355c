"""A server-like process whose store flushes every 0.2 s and is stopped with SIGTERM while the database misbehaves.

Usage: python -m tests.usage_store_helpers.stall_worker URL SPILL_DIR COUNT

Records 100 operations and flushes them (so that its pool holds a live connection), prints "flushed", then waits
for a line on stdin (the test breaks the database meanwhile), records COUNT operations, prints "ready" and sleeps
until it is stopped. Short timeouts: statements 0.5 s, locks 0.3 s, close 2 s.
"""

from __future__ import annotations

import sys
import time

from gqlevolve.usage_store import UsageStore


def record(store: UsageStore, count: int) -> None:
    for i in range(count):
        store.record_buffered("/api/v1/graphql", frozenset({"User.name"}) if i % 2 else frozenset(), client_name="srv")


def main() -> None:
    url, spill_dir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = UsageStore(
        url, flush_interval=0.2, statement_timeout=0.5, lock_timeout=0.3, close_timeout=2.0, spill_dir=spill_dir
    )
    record(store, 100)
    assert store.flush() == 100
    print("flushed", flush=True)
    sys.stdin.readline()
    record(store, count)
    print("ready", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
