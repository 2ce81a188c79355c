"""The range of dates a record may hold, and date arithmetic that never overflows.

People type dates from :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY` (1970-01-01 to 9000-12-31): no usage was
recorded before the first, and past the last a sunset extended or an advisor's window would leave what
``datetime.date`` holds. A date computed from a stored record (which may hold anything an older version allowed)
goes through :func:`add_days`, which stops at the first or last date there is instead of raising.

    >>> import datetime as dt
    >>> add_days(dt.date(2026, 11, 21), 30), add_days(dt.date(9999, 12, 1), 60)
    (datetime.date(2026, 12, 21), datetime.date(9999, 12, 31))
"""

from __future__ import annotations

import datetime as dt

__all__ = ["FIRST_TYPED_DAY", "LAST_TYPED_DAY", "add_days"]

FIRST_TYPED_DAY = dt.date(1970, 1, 1)
LAST_TYPED_DAY = dt.date(9000, 12, 31)


def add_days(day: dt.date, days: int) -> dt.date:
    """``days`` after ``day`` (before, if negative), stopping at the first or last date ``datetime.date`` holds
    instead of raising ``OverflowError``: for dates computed from a stored record, whatever it holds."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
