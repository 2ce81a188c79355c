"""Scheduled brownouts: short windows in which a deprecated element (or a whole version) is switched off.

A brownout makes the last clients notice while rolling back is still cheap: during a window the element answers
``GONE`` as if it were removed, with a message that names the window and the final date; outside it, it works.
A :class:`BrownoutWindow` is one of:

- **recurring**: ``every tuesday 14:00-14:15 UTC from D-30`` (a weekday, or ``day`` for every day; a time of day
  in UTC, at most 24 hours and within one day; starting on a date, ``from 2026-11-01``, or so many days before the
  sunset, ``from D-30``; without ``from``, from the day the element is deprecated);
- **explicit**: ``2026-11-24T14:00Z/2026-11-24T15:00Z`` (an ISO 8601 interval in UTC, at most 7 days).

:func:`parse_window` is the one parser (the command line, the admin API, the declared records, the store's
column); :attr:`BrownoutWindow.spec` is its canonical text, which the store keeps and the audit log shows.
:func:`active_window` says whether a moment lies in one of a record's windows: a pure function of the windows,
the record's dates and ``now``, so that the request path judges it without I/O, and a test pins ``now``.

Example: a weekly window from 30 days before a sunset of 2026-12-15, judged at three moments:

    >>> from datetime import date, datetime, UTC
    >>> window = parse_window("Every Tuesday 14:00–14:15 UTC from D-30")
    >>> window.spec
    'every tuesday 14:00-14:15 UTC from D-30'
    >>> sunset = date(2026, 12, 15)
    >>> active_window([window], datetime(2026, 11, 24, 14, 5, tzinfo=UTC), sunset_on=sunset)   # a Tuesday, inside
    Occurrence(window='every tuesday 14:00-14:15 UTC from D-30',
               start=datetime.datetime(2026, 11, 24, 14, 0, tzinfo=datetime.timezone.utc),
               end=datetime.datetime(2026, 11, 24, 14, 15, tzinfo=datetime.timezone.utc))
    >>> active_window([window], datetime(2026, 11, 24, 14, 15, tzinfo=UTC), sunset_on=sunset) is None   # it ended
    True
    >>> active_window([window], datetime(2026, 11, 10, 14, 5, tzinfo=UTC), sunset_on=sunset) is None   # before D-30
    True
    >>> print(brownout_message("User.name", active_window([window], datetime(2026, 11, 24, 14, 5, tzinfo=UTC),
    ...                                                      sunset_on=sunset), sunset_on=sunset))
    User.name is switched off during a scheduled brownout (every tuesday 14:00-14:15 UTC from D-30) until
    2026-11-24 14:15 UTC; it will be removed on 2026-12-15
    >>> parse_window("every tuesday 14:15-14:00")
    Traceback (most recent call last):
    gqlevolve.errors.InvalidInput: brownout "every tuesday 14:15-14:00": the window ends (14:00) before it starts (14:15)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle.days import FIRST_TYPED_DAY, LAST_TYPED_DAY, add_days

__all__ = [
    "MAX_SPEC_LENGTH",
    "MAX_WINDOWS",
    "WINDOW_RULE",
    "BrownoutWindow",
    "Occurrence",
    "active_window",
    "brownout_message",
    "format_windows",
    "next_occurrence",
    "parse_window",
    "parse_windows",
]

#: What a brownout window may be (said by every error about one).
WINDOW_RULE = (
    "'every <weekday|day> HH:MM-HH:MM [UTC] [from YYYY-MM-DD|from D-N]' or an interval "
    "'YYYY-MM-DDTHH:MMZ/YYYY-MM-DDTHH:MMZ'"
)
#: A window's text is short; anything longer is refused before it is parsed (it is client-visible and audited).
MAX_SPEC_LENGTH = 120
#: Windows one record (or one version) may carry: a schedule, not a calendar.
MAX_WINDOWS = 20
#: An explicit window lasts at most this long: a brownout is a short reminder, not a removal.
MAX_INTERVAL = dt.timedelta(days=7)
#: ``from D-N``: N at most this (ten years).
MAX_DAYS_BEFORE_SUNSET = 3650

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY_DAY = "day"
_DASHES = re.compile("[\u2010-\u2015\u2212]")  # en dash, em dash, minus sign...: typed or pasted for "-"
_RECURRING = re.compile(
    r"every\s+(?P<day>[a-z]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})(?:\s+utc)?"
    r"(?:\s+from\s+(?:d-(?P<before>\d{1,4})|(?P<from>\d{4}-\d{2}-\d{2})))?"
)
_MOMENT = r"\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2})?z?"
_INTERVAL = re.compile(rf"(?P<start>{_MOMENT})\s*/\s*(?P<end>{_MOMENT})")


class BrownoutWindow(str):
    """One brownout window: recurring (``weekday``/``start_time``/``minutes``) or explicit (``start``/``end``).

    Build it with :func:`parse_window`; its fields are checked there. It *is* its canonical text (a ``str``), so
    it compares, hashes, prints and turns into JSON as the text people read. ``weekday``: 0 (Monday) to 6, None
    for every day. ``first_day``: a recurring window starts that day; ``days_before_sunset``: or so many days
    before the record's sunset (no sunset: never active). Neither: from the element's deprecation.
    """

    start: dt.datetime | None
    end: dt.datetime | None
    weekday: int | None
    start_time: dt.time | None
    minutes: int
    first_day: dt.date | None
    days_before_sunset: int | None

    def __new__(
        cls,
        spec: str,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        weekday: int | None = None,
        start_time: dt.time | None = None,
        minutes: int = 0,
        first_day: dt.date | None = None,
        days_before_sunset: int | None = None,
    ) -> BrownoutWindow:
        window = super().__new__(cls, spec)
        window.start, window.end, window.weekday, window.start_time = start, end, weekday, start_time
        window.minutes, window.first_day, window.days_before_sunset = minutes, first_day, days_before_sunset
        return window

    @property
    def spec(self) -> str:
        """The canonical text (what the store keeps and the audit log shows)."""
        return str.__str__(self)

    @property
    def recurring(self) -> bool:
        return self.start is None

    def occurrence_at(
        self, now: dt.datetime, *, sunset_on: dt.date | None = None, deprecated_on: dt.date | None = None
    ) -> Occurrence | None:
        """The occurrence of this window that contains ``now`` (an aware datetime), or None."""
        if self.start is not None and self.end is not None:
            return Occurrence(self, self.start, self.end) if self.start <= now < self.end else None
        now = now.astimezone(dt.UTC)
        if self.weekday is not None and now.weekday() != self.weekday:
            return None
        first = self.first_active_day(sunset_on=sunset_on, deprecated_on=deprecated_on)
        if first is None or now.date() < first:
            return None
        assert self.start_time is not None
        start = dt.datetime.combine(now.date(), self.start_time, tzinfo=dt.UTC)
        end = start + dt.timedelta(minutes=self.minutes)
        return Occurrence(self, start, end) if start <= now < end else None

    def first_active_day(
        self, *, sunset_on: dt.date | None = None, deprecated_on: dt.date | None = None
    ) -> dt.date | None:
        """The first day a recurring window may be active (None: never, a ``D-N`` window without a sunset)."""
        if self.days_before_sunset is not None:
            return None if sunset_on is None else add_days(sunset_on, -self.days_before_sunset)
        return self.first_day or deprecated_on or dt.date.min


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a window: from ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    window: BrownoutWindow
    start: dt.datetime
    end: dt.datetime


def parse_window(text: object) -> BrownoutWindow:
    """``text`` as a :class:`BrownoutWindow` (case and dashes as people type them); :class:`InvalidInput` if not.

    Range as well as form: times of day 00:00 to 24:00, a recurring window within one day, an explicit one from
    one minute to 7 days, dates from 1970-01-01 to 9000-12-31, ``D-N`` up to 3650 days.
    """
    if isinstance(text, BrownoutWindow):
        return text
    if not isinstance(text, str):
        raise InvalidInput(f"a brownout window is text ({WINDOW_RULE}), not {json_quote(text)}", field="brownout")
    if len(text) > MAX_SPEC_LENGTH:
        raise InvalidInput(
            f"a brownout window is at most {MAX_SPEC_LENGTH} characters, not {len(text)}", field="brownout"
        )
    normal = " ".join(_DASHES.sub("-", text).lower().split())
    where = f"brownout {json_quote(text)}"
    recurring = _RECURRING.fullmatch(normal)
    if recurring:
        return _recurring(recurring, where)
    interval = _INTERVAL.fullmatch(normal)
    if interval:
        return _interval(interval, where)
    raise InvalidInput(f"{where} is not a brownout window: expected {WINDOW_RULE}", field="brownout")


def _recurring(match: re.Match[str], where: str) -> BrownoutWindow:
    day = match["day"]
    if day == _EVERY_DAY:
        weekday = None
    elif day in _WEEKDAYS:
        weekday = _WEEKDAYS.index(day)
    else:
        raise InvalidInput(f"{where}: {json_quote(day)} is not a weekday (monday ... sunday) or 'day'", field="brownout")
    start, end = _minutes(match["start"], where), _minutes(match["end"], where)
    if end <= start:
        raise InvalidInput(
            f"{where}: the window ends ({match['end']}) before it starts ({match['start']})"
            if end < start else f"{where}: the window is empty (it starts and ends at {match['start']})",
            field="brownout",
        )
    first_day = None
    before = None
    if match["from"]:
        first_day = _day(match["from"], where)
    elif match["before"]:
        before = int(match["before"])
        if before > MAX_DAYS_BEFORE_SUNSET:
            raise InvalidInput(f"{where}: D-{before} is more than {MAX_DAYS_BEFORE_SUNSET} days", field="brownout")
    start_time = dt.time(start // 60, start % 60)
    spec = f"every {day} {start_time:%H:%M}-{_clock(end)} UTC"
    if first_day is not None:
        spec += f" from {first_day.isoformat()}"
    elif before is not None:
        spec += f" from D-{before}"
    return BrownoutWindow(
        spec, weekday=weekday, start_time=start_time, minutes=end - start, first_day=first_day,
        days_before_sunset=before,
    )


def _interval(match: re.Match[str], where: str) -> BrownoutWindow:
    start, end = _moment(match["start"], where), _moment(match["end"], where)
    if end <= start:
        raise InvalidInput(f"{where}: the window ends before it starts", field="brownout")
    if end - start > MAX_INTERVAL:
        raise InvalidInput(f"{where}: a window lasts at most 7 days (a brownout is not a removal)", field="brownout")
    return BrownoutWindow(f"{_iso(start)}/{_iso(end)}", start=start, end=end)


def _minutes(text: str, where: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidInput(f"{where}: {json_quote(text)} is not a time of day from 00:00 to 24:00", field="brownout")
    return hours * 60 + minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day(text: str, where: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{where}: {json_quote(text)} is not a date", field="brownout") from None
    if not FIRST_TYPED_DAY <= day <= LAST_TYPED_DAY:
        raise InvalidInput(f"{where}: {text} is not a date from 1970-01-01 to 9000-12-31", field="brownout")
    return day


def _moment(text: str, where: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.upper().removesuffix("Z"))
    except ValueError:
        raise InvalidInput(f"{where}: {json_quote(text)} is not a date and time", field="brownout") from None
    _day(moment.date().isoformat(), where)
    return moment.replace(tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ" if moment.second else "%Y-%m-%dT%H:%MZ")


def parse_windows(values: Iterable[object] | str | None) -> tuple[BrownoutWindow, ...]:
    """Several windows (a sequence, or text with one per line, as the store keeps them); duplicates once.

    At most :data:`MAX_WINDOWS`.
    """
    if values is None:
        return ()
    if isinstance(values, str):
        values = [line for line in values.splitlines() if line.strip()]
    windows: dict[str, BrownoutWindow] = {}
    for value in values:
        window = parse_window(value)
        windows.setdefault(window.spec, window)
        if len(windows) > MAX_WINDOWS:
            raise InvalidInput(f"at most {MAX_WINDOWS} brownout windows per record", field="brownout")
    return tuple(windows.values())


def format_windows(windows: Iterable[BrownoutWindow]) -> str | None:
    """The windows as the store keeps them (one spec a line), None for none."""
    text = "\n".join(window.spec for window in windows)
    return text or None


def active_window(
    windows: Iterable[BrownoutWindow],
    now: dt.datetime,
    *,
    sunset_on: dt.date | None = None,
    deprecated_on: dt.date | None = None,
) -> Occurrence | None:
    """The first occurrence among ``windows`` that contains ``now``, or None (pure: no clock, no I/O)."""
    for window in windows:
        occurrence = window.occurrence_at(now, sunset_on=sunset_on, deprecated_on=deprecated_on)
        if occurrence is not None:
            return occurrence
    return None


def next_occurrence(
    window: BrownoutWindow,
    after: dt.datetime,
    *,
    sunset_on: dt.date | None = None,
    deprecated_on: dt.date | None = None,
) -> Occurrence | None:
    """The next occurrence that has not ended at ``after`` (None: the window is over, or before a sunset unset)."""
    if not window.recurring:
        assert window.end is not None and window.start is not None
        return Occurrence(window, window.start, window.end) if after < window.end else None
    first = window.first_active_day(sunset_on=sunset_on, deprecated_on=deprecated_on)
    if first is None:
        return None
    day = max(after.astimezone(dt.UTC).date(), first)
    assert window.start_time is not None
    for _ in range(8):  # a weekly window occurs within the next 8 days
        start = dt.datetime.combine(day, window.start_time, tzinfo=dt.UTC)
        end = start + dt.timedelta(minutes=window.minutes)
        if (window.weekday is None or day.weekday() == window.weekday) and after < end:
            if sunset_on is not None and start.date() >= sunset_on:
                return None  # removed by then: no brownout left
            return Occurrence(window, start, end)
        day = add_days(day, 1)
    return None


def brownout_message(subject: str, occurrence: Occurrence | None, *, sunset_on: dt.date | None) -> str:
    """What a client refused during a brownout is told: the window, when it ends, and the final date."""
    if occurrence is None:
        return f"{subject} is switched off during a scheduled brownout"
    text = (
        f"{subject} is switched off during a scheduled brownout ({occurrence.window.spec}) until "
        f"{occurrence.end:%Y-%m-%d %H:%M} UTC"
    )
    if sunset_on is not None:
        text += f"; it will be removed on {sunset_on.isoformat()}"
    return text
