"""The one clock: every date and time gqlevolve uses comes from a :class:`Clock`.

The usage day, a record's first-seen ``deprecated_on``, retention, a lifecycle status, a report's window and an
audit timestamp are all read from the clock the :class:`~gqlevolve.usage_store.UsageStore` was given (the
extension, the advisor, the reports, the CLI and the admin API ask the store for it). This module is the only
place that reads the wall clock, so pinning one object pins the whole product:

    >>> from datetime import date
    >>> from gqlevolve.clock import FixedClock
    >>> from gqlevolve.usage_store import UsageStore
    >>> clock = FixedClock(date(2026, 11, 21))
    >>> store = UsageStore(store_url, clock=clock)    # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> store.record_operation("/api/v1/graphql", {"User.name"})    # counted on the clock's day
    >>> clock.advance(days=30)                                      # a month later, everywhere
    datetime.date(2026, 12, 21)
    >>> store.record_operation("/api/v1/graphql", {"User.name"})
    >>> [usage.day for usage in store.daily_usage("/api/v1/graphql", "User.name")]
    [datetime.date(2026, 11, 21), datetime.date(2026, 12, 21)]
    >>> store.close()

A Strawberry schema with ``extensions=[deprecation_usage(store=store)]`` follows the store's clock too. Where a
clock is accepted, so is a ``() -> date`` function, and ``None`` means the wall clock (:func:`clock_of`):

    >>> clock_of(lambda: date(2026, 1, 1)).today()
    datetime.date(2026, 1, 1)
    >>> clock_of(None)
    SystemClock()

Days are UTC days (the policy's dates are UTC dates).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "FixedClock", "SystemClock", "TodayClock", "clock_of", "utc_today"]

_DAY_SECONDS = 86_400


@runtime_checkable
class Clock(Protocol):
    """What gqlevolve asks of a clock: today's UTC date, and the current time (aware, UTC)."""

    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The wall clock, in UTC.

    ``today()`` is on the request path: the date object is made again only when the clock leaves the day
    (one float comparison per call otherwise).
    """

    def __init__(self) -> None:
        self._current = (0.0, 0.0, dt.date.min)  # (day starts, day ends, day): replaced as one, for threads

    def today(self) -> dt.date:
        now = time.time()
        starts, ends, day = self._current
        if not starts <= now < ends:
            starts = now - now % _DAY_SECONDS
            day = dt.datetime.fromtimestamp(starts, dt.UTC).date()
            self._current = (starts, starts + _DAY_SECONDS, day)
        return day

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock pinned to a day (tests, replays, ``--as-of`` style tools); move it with :meth:`set` or :meth:`advance`.

    ``now()`` is that day at the wall clock's time of day, so timestamps taken one after the other keep their
    order (an audit log read back in order) while their date is the pinned one.
    """

    def __init__(self, day: dt.date) -> None:
        self._day = _as_date(day)
        self._lock = threading.Lock()

    def today(self) -> dt.date:
        return self._day

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self._day, SYSTEM_CLOCK.now().timetz())

    def set(self, day: dt.date) -> None:
        with self._lock:
            self._day = _as_date(day)

    def advance(self, *, days: int) -> dt.date:
        with self._lock:
            self._day += dt.timedelta(days=days)
            return self._day

    def __repr__(self) -> str:
        return f"FixedClock({self._day.isoformat()})"


class TodayClock:
    """A clock from a ``() -> date`` function (the ``today=`` argument some entry points take)."""

    def __init__(self, today: Callable[[], dt.date]) -> None:
        if not callable(today):
            raise TypeError(f"today must be a function that returns a date, not {today!r}")
        self._today = today

    def today(self) -> dt.date:
        return self._today()

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self._today(), SYSTEM_CLOCK.now().timetz())

    def __repr__(self) -> str:
        return f"TodayClock({self._today!r})"


#: The wall clock; the default of every ``clock=`` argument.
SYSTEM_CLOCK = SystemClock()

#: Today's date in UTC by the wall clock (the default clock's ``today``).
utc_today = SYSTEM_CLOCK.today


def clock_of(clock: Clock | Callable[[], dt.date] | None, default: Clock = SYSTEM_CLOCK) -> Clock:
    """``clock`` as a :class:`Clock`: a clock as it is, a ``() -> date`` function wrapped, ``None`` the default."""
    if clock is None:
        return default
    if isinstance(clock, Clock):
        return clock
    if callable(clock):
        return TodayClock(clock)
    raise TypeError(f"a clock has today() and now(), or is a function that returns a date; not {clock!r}")


def _as_date(day: object) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    raise TypeError(f"a FixedClock is pinned to a date, not {day!r}")
