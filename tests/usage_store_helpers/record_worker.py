"""A worker process: records ``count`` random operations (two threads) through the buffered recorder.

Usage: python -m tests.usage_store_helpers.record_worker URL SEED COUNT
"""

from __future__ import annotations

import sys
import threading

from gqlevolve.usage_store import UsageStore
from tests.usage_store_helpers.traffic import operations


def main() -> None:
    url, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # A short interval: the processes flush into the same database many times while the others do too.
    store = UsageStore(url, flush_interval=0.05, handle_shutdown=False)
    ops = list(operations(seed, count))

    def record(part: list) -> None:
        for endpoint, coordinates, name, version, day in part:
            store.record_buffered(endpoint, coordinates, client_name=name, client_version=version, when=day)

    threads = [threading.Thread(target=record, args=(ops[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    stats = store.stats()
    if stats.pending_operations or stats.dropped or stats.rejected:
        print(f"not everything written: {stats}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {stats.flushed_operations} operations, {stats.failed_flushes} failed flushes")


if __name__ == "__main__":
    main()
