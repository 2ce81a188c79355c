"""Move this Python process's wall clock when ``GQLEVOLVE_TEST_SHIFT_DAYS`` asks for it (CI's "any day" runs).

``make test`` puts this folder on ``PYTHONPATH``, so Python imports this module at start-up in the test runner
and in every process a test starts (a uvicorn server, the ``gqlevolve`` command, the store's worker
processes): they all move together. Without the variable it does nothing.

``time-machine`` moves what reads the wall clock (``time.time``, ``datetime.now``, ``date.today``, ...) and
leaves monotonic time and ``time.sleep`` real, so timeouts and thread waits behave as usual; ``tick=True`` lets
the moved clock run on. (libfaketime was tried first: Python's ``time.sleep`` and thread waits fail under it.)

    GQLEVOLVE_TEST_SHIFT_DAYS=400 make test     # the whole suite, 400 days from now
    GQLEVOLVE_TEST_SHIFT_DAYS=-200 make test    # ... and 200 days back
"""

import os

_SHIFT_VARIABLE = "GQLEVOLVE_TEST_SHIFT_DAYS"


def _shift_clock(value: str) -> None:
    import datetime as dt

    import time_machine

    try:
        days = int(value)
    except ValueError:
        raise SystemExit(f"{_SHIFT_VARIABLE} must be a whole number of days, not {value!r}") from None
    destination = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    time_machine.travel(destination, tick=True).start()


if os.environ.get(_SHIFT_VARIABLE):
    _shift_clock(os.environ[_SHIFT_VARIABLE])
