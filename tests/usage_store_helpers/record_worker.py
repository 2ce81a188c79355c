"""A worker process: records ``count`` random operations (two threads) through the buffered recorder.

Usage: python -m tests.usage_store_helpers.record_worker URL SEED COUNT SPILL_DIR

What its store could not write within its close timeout (a machine too busy to flush in time) is in its spill file
in SPILL_DIR: the test writes it with a store of its own before it counts.
"""

from __future__ import annotations

import sys
import threading

from gqlevolve.usage_store import UsageStore
from tests.usage_store_helpers.traffic import operations


def main() -> None:
    url, seed, count, spill_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    # A short interval: the processes flush into the same database many times while the others do too.
    store = UsageStore(url, flush_interval=0.05, handle_shutdown=False, spill_dir=spill_dir)
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
    print(
        f"ok {stats.flushed_operations} operations, {stats.failed_flushes} failed flushes, "
        f"{stats.spilled_operations} spilled"
    )


if __name__ == "__main__":
    main()
