"""One coordinate judged by the removal rule: the :class:`Verdict` and the evidence behind it.

:func:`judge` is pure: it takes the record, the daily sums that :mod:`gqlevolve.usage_store.evidence` read from
the database and the policy, and says whether the coordinate may be removed on ``as_of``, why (plain
sentences), and the earliest day it could be if usage stays as it is now.

"Usage stays as it is now" means: the latest covered day of the window is the present. If that day was at or
above the threshold, nothing can be promised (``earliest_removal`` is None). Otherwise every day from
``as_of`` on is assumed covered and under the threshold, so the earliest day is the first on which the window
has left behind the last day that broke the rule (over, or not covered) and the deprecation is old enough.

Example: a 3-day window judged on the pinned day (2026-11-21), from the daily sums the read layer would give;
the day at 3% blocks removal until it has left the window:

    >>> from datetime import date
    >>> from gqlevolve.advisor.policy import RemovalPolicy
    >>> from gqlevolve.lifecycle import Deprecation
    >>> record = Deprecation("User.name", reason="Use fullName", deprecated_on=date(2026, 6, 1))
    >>> policy = RemovalPolicy(window_days=3, min_deprecated_days=30)
    >>> totals = {date(2026, 11, 18): 1000, date(2026, 11, 19): 1000, date(2026, 11, 20): 1000}
    >>> verdict = judge("/api/v1/graphql", record, as_of=clock.today(), policy=policy, totals=totals,
    ...                 used={date(2026, 11, 18): 30, date(2026, 11, 19): 5})
    >>> verdict.removable, verdict.reasons, verdict.earliest_removal
    (False, ['usage was 3.00% on 2026-11-18, above 1%'], datetime.date(2026, 11, 22))
    >>> judge("/api/v1/graphql", record, as_of=clock.today(), policy=policy, totals=totals,
    ...       used={date(2026, 11, 19): 5}).reasons
    ['usage was under 1% on each of the 3 days from 2026-11-18 to 2026-11-20 (highest 0.50% on 2026-11-19)',
     'deprecated on 2026-06-01, 173 days before 2026-11-21 (at least 30 required)']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from itertools import compress, repeat
from operator import add, ge, truediv
from typing import TYPE_CHECKING

from gqlevolve.advisor.policy import RemovalPolicy, ZeroTrafficDays
from gqlevolve.lifecycle import Deprecation, Status, add_days

if TYPE_CHECKING:
    from gqlevolve.usage_store.operation_reads import OperationUse
    from gqlevolve.usage_store.reads import ClientUsage

__all__ = [
    "Verdict", "WindowDays", "count_reasons", "count_text", "judge", "not_deprecated", "percent", "window_bounds",
    "window_of",
]

_EXAMPLES = 3  # days named in a reason before "..."


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether ``coordinate`` may be removed from ``endpoint`` on ``as_of``, with its evidence.

    Shares are fractions (0.0123 = 1.23%). ``max_daily_share`` / ``mean_share`` are over the window's days
    with traffic (None without any); ``last_used`` is the last day before ``as_of`` on which a counted client
    used it; ``clients`` are those that used it in the window, most operations first. ``status`` is the
    record's lifecycle status on ``as_of`` (None: the coordinate has no deprecation record).
    """

    endpoint: str
    coordinate: str
    as_of: dt.date
    removable: bool
    reasons: list[str]
    deprecated: bool
    status: Status | None
    deprecated_on: dt.date | None
    sunset_on: dt.date | None
    replacement: str | None
    migration_guide: str | None
    window_start: dt.date
    window_end: dt.date
    window_days: int
    days_covered: int
    max_daily_share: float | None
    max_share_day: dt.date | None
    mean_share: float | None
    operations: int
    last_used: dt.date | None
    earliest_removal: dt.date | None
    clients: list[ClientUsage] = field(default_factory=list)
    #: Operations refused in the window (``no_new_adopters``, ``brownout``) and preview requests (``preview``), by
    #: kind: seen, never counted as use (a refused or previewed element was not used; gqlevolve.monitor.enforcement).
    refused: dict[str, int] = field(default_factory=dict)
    #: For a coordinate without a deprecation record (:mod:`gqlevolve.advisor.candidates`): whether its usage makes
    #: it a candidate for deprecation (None: the coordinate is deprecated, the verdict is the removal rule's).
    candidate: bool | None = None
    #: Whether the coordinate is in the schema the endpoint registered last (None: no registered schema, or not asked).
    in_schema: bool | None = None
    #: The operations that used it in the window, most used first (candidate verdicts; at most a few), and how many
    #: more there were.
    used_by: list[OperationUse] = field(default_factory=list)
    more_operations: int = 0


def percent(share: float) -> str:
    return f"{share:.2%}"


def _days(days: Sequence[dt.date]) -> str:
    named = ", ".join(day.isoformat() for day in days[:_EXAMPLES])
    return named + (", ..." if len(days) > _EXAMPLES else "")


def window_bounds(as_of: dt.date, policy: RemovalPolicy) -> tuple[dt.date, dt.date]:
    """The first and last day of the window that judges ``as_of``: the ``window_days`` complete days before it."""
    return as_of - dt.timedelta(days=policy.window_days), as_of - dt.timedelta(days=1)


def window_days(as_of: dt.date, policy: RemovalPolicy) -> tuple[dt.date, ...]:
    """The ``window_days`` complete days before ``as_of``, oldest first."""
    return _days_before(as_of, policy.window_days)


@lru_cache(maxsize=16)
def _days_before(as_of: dt.date, count: int) -> tuple[dt.date, ...]:
    # Cached: advise() judges every coordinate of an endpoint against the same window.
    start = as_of - dt.timedelta(days=count)
    return tuple(start + dt.timedelta(days=offset) for offset in range(count))


def not_deprecated(endpoint: str, coordinate: str, as_of: dt.date, policy: RemovalPolicy) -> Verdict:
    """The verdict for a coordinate without a deprecation record: not removable, and it says why."""
    start, end = window_bounds(as_of, policy)
    return Verdict(
        endpoint=endpoint,
        coordinate=coordinate,
        as_of=as_of,
        removable=False,
        reasons=[
            f"{coordinate} has no deprecation record on {endpoint}: only a deprecated element can be removed "
            "(deprecate it in the schema, or give it a deprecation record)"
        ],
        deprecated=False,
        status=None,
        deprecated_on=None,
        sunset_on=None,
        replacement=None,
        migration_guide=None,
        window_start=start,
        window_end=end,
        window_days=policy.window_days,
        days_covered=0,
        max_daily_share=None,
        max_share_day=None,
        mean_share=None,
        operations=0,
        last_used=None,
        earliest_removal=None,
    )


@dataclass(frozen=True, slots=True)
class WindowDays:
    """The window's days as the endpoint's totals sort them: the same for every coordinate judged on one day.

    :func:`window_of` builds it once; :func:`judge` then reads each coordinate's counts against it. ``traffic`` are
    the days with operations (a share can be taken), with their totals and ``at_least``: the fewest operations that
    are *not* strictly under the threshold that day (``ceil(total * p / q)``, so that ``count < at_least`` is the
    rule's exact ``count * q < p * total``). ``latest_covered`` is the last covered day and its place in ``traffic``
    (None: a day without traffic that the policy counts as covered, under the threshold whatever was used).
    """

    days: tuple[dt.date, ...]
    missing: tuple[dt.date, ...]  # no data at all
    silent: tuple[dt.date, ...]  # watched, no traffic, and the policy does not count it
    traffic_days: tuple[dt.date, ...]
    traffic_totals: tuple[int, ...]
    at_least: tuple[int, ...]
    latest_covered: tuple[dt.date, int | None] | None


def window_of(as_of: dt.date, policy: RemovalPolicy, totals: Mapping[dt.date, int]) -> WindowDays:
    """The policy's window before ``as_of``, its days sorted by ``totals`` (the endpoint's operations per day)."""
    days = window_days(as_of, policy)
    zero_is_covered = policy.zero_traffic is ZeroTrafficDays.UNDER_THRESHOLD
    numerator, denominator = policy.threshold_ratio
    missing: list[dt.date] = []
    silent: list[dt.date] = []
    traffic_days: list[dt.date] = []
    traffic_totals: list[int] = []
    latest_covered: tuple[dt.date, int | None] | None = None
    for day in days:
        total = totals.get(day)
        if total is None:
            missing.append(day)
        elif total == 0:
            if zero_is_covered:
                latest_covered = (day, None)
            else:
                silent.append(day)
        else:
            latest_covered = (day, len(traffic_days))
            traffic_days.append(day)
            traffic_totals.append(total)
    at_least = tuple(-(-numerator * total // denominator) for total in traffic_totals)
    return WindowDays(
        days, tuple(missing), tuple(silent), tuple(traffic_days), tuple(traffic_totals), at_least, latest_covered
    )


@dataclass(slots=True)
class _WindowScan:
    """What one coordinate's counts say about the rule over a :class:`WindowDays`."""

    missing: Sequence[dt.date]
    silent: Sequence[dt.date]
    over: list[tuple[float, dt.date]] = field(default_factory=list)  # at or above the threshold, oldest first
    latest_covered: tuple[dt.date, bool] | None = None  # (day, under the threshold)
    operations: int = 0
    share_sum: float = 0.0
    traffic_days: int = 0
    max_share: float | None = None
    max_day: dt.date | None = None

    @property
    def mean_share(self) -> float | None:
        return self.share_sum / self.traffic_days if self.traffic_days else None

    @property
    def blocking_days(self) -> list[dt.date]:
        return [*self.missing, *self.silent, *(day for _, day in self.over)]


def _scan(window: WindowDays, used: Mapping[dt.date, int]) -> _WindowScan:
    """One coordinate's counts against the window, a column at a time (the advisor judges a thousand coordinates on
    one page: list operations that run in C, not a Python step per day). The figures are those of a walk through
    the days, oldest first: the shares are ``count / total``, their sum is taken in day order (``reduce``, as ``+=``
    would), and the highest share is the latest day's among equals."""
    scan = _WindowScan(window.missing, window.silent, traffic_days=len(window.traffic_days))
    counts = list(map(used.get, window.traffic_days, repeat(0)))  # used.get(day, 0), called from C
    if used:  # the window's days only, whatever else ``used`` holds
        scan.operations = sum(map(used.get, window.days, repeat(0)))
    if counts:
        shares = list(map(truediv, counts, window.traffic_totals))
        scan.share_sum = reduce(add, shares, 0.0)
        scan.max_share = max(shares)
        scan.max_day = window.traffic_days[len(shares) - 1 - shares[::-1].index(scan.max_share)]
        if any(map(ge, counts, window.at_least)):  # most coordinates judged are under on every day: no list
            flags = map(ge, counts, window.at_least)
            scan.over = [(shares[index], window.traffic_days[index]) for index in compress(range(len(counts)), flags)]
    if window.latest_covered is not None:
        day, place = window.latest_covered
        scan.latest_covered = (day, place is None or counts[place] < window.at_least[place])
    return scan


def _usage_reasons(scan: _WindowScan, policy: RemovalPolicy, start: dt.date, end: dt.date) -> list[str]:
    """Why the window's usage blocks the removal (nothing when every day is covered and under)."""
    reasons: list[str] = []
    threshold = policy.threshold_text
    if scan.over:
        worst_share, worst_day = max(scan.over)
        relation = "above" if worst_share > policy.threshold else "not under"
        reasons.append(f"usage was {percent(worst_share)} on {worst_day.isoformat()}, {relation} {threshold}")
        if len(scan.over) > 1:
            reasons.append(
                f"usage was at or above {threshold} on {len(scan.over)} of the {policy.window_days} days "
                f"from {start.isoformat()} to {end.isoformat()} (the last on {scan.over[-1][1].isoformat()})"
            )
    if scan.missing:
        reasons.append(
            f"{len(scan.missing)} of the {policy.window_days} days from {start.isoformat()} to {end.isoformat()} "
            f"have no usage data ({_days(scan.missing)}); every day of the window must be covered"
        )
    if scan.silent:
        reasons.append(
            f"{len(scan.silent)} day(s) of the window had no traffic at all ({_days(scan.silent)}); the policy does "
            "not count a day without traffic as evidence (zero_traffic=uncovered)"
        )
    return reasons


def count_reasons(operations: int, policy: RemovalPolicy, start: dt.date, end: dt.date) -> list[str]:
    """Why the window's number of operations blocks the removal (``max_operations``; nothing when within it)."""
    if policy.within_count(operations):
        return []
    return [
        f"{operations} operation(s) used it from {start.isoformat()} to {end.isoformat()}, more than the "
        f"{policy.max_operations} allowed (max_operations)"
    ]


def count_text(operations: int, policy: RemovalPolicy) -> str:
    """The count rule's figure for a reason that approves: `` and 3 operations in all (at most 5 allowed)``."""
    if policy.max_operations is None:
        return ""
    return f"; {operations} operation(s) in all (at most {policy.max_operations} allowed)"


def _record_reasons(record: Deprecation, as_of: dt.date, policy: RemovalPolicy) -> list[str]:
    """Why the record itself blocks the removal: no date, not deprecated long enough, withdrawn."""
    reasons: list[str] = []
    if record.deprecated_on is None:
        reasons.append(f"{record.coordinate} has no deprecation date, so its {policy.min_deprecated_days} days cannot be counted")
    else:
        old_enough_on = add_days(record.deprecated_on, policy.min_deprecated_days)  # any stored date
        if as_of < old_enough_on:
            age = (as_of - record.deprecated_on).days
            since = f"{age} days before {as_of.isoformat()}" if age >= 0 else f"{-age} days after {as_of.isoformat()}"
            reasons.append(
                f"deprecated on {record.deprecated_on.isoformat()}, {since}; the policy asks for at least "
                f"{policy.min_deprecated_days} days (reached on {old_enough_on.isoformat()})"
            )
    if record.status_override is Status.ACTIVE and record.status_on(as_of) is Status.ACTIVE:  # the cheap test first
        reasons.append(f"{record.coordinate} is pinned to status 'active' (its deprecation was withdrawn)")
    return reasons


def _removable_reasons(
    record: Deprecation, scan: _WindowScan, as_of: dt.date, policy: RemovalPolicy, start: dt.date, end: dt.date
) -> list[str]:
    """Why a removable coordinate is removable: the window and the age, with their figures."""
    assert record.deprecated_on is not None
    highest = (
        f" (highest {percent(scan.max_share)} on {scan.max_day.isoformat()})"
        if scan.max_share is not None and scan.max_day is not None
        else ""
    )
    return [
        f"usage was under {policy.threshold_text} on each of the {policy.window_days} days from {start.isoformat()} "
        f"to {end.isoformat()}{highest}{count_text(scan.operations, policy)}",
        f"deprecated on {record.deprecated_on.isoformat()}, {(as_of - record.deprecated_on).days} days before "
        f"{as_of.isoformat()} (at least {policy.min_deprecated_days} required)",
    ]


def judge(
    endpoint: str,
    record: Deprecation,
    *,
    as_of: dt.date,
    policy: RemovalPolicy,
    totals: Mapping[dt.date, int],
    used: Mapping[dt.date, int],
    clients: Sequence[ClientUsage] = (),
    last_used: dt.date | None = None,
    window: WindowDays | None = None,
) -> Verdict:
    """Apply the removal rule to ``record`` on ``as_of`` (``totals``/``used`` cover at least the window).

    ``window``: :func:`window_of` the same ``as_of``, policy and ``totals``, built once by a caller that judges many
    coordinates against them (:func:`gqlevolve.advisor.advise_records`); built here otherwise."""
    start, end = window_bounds(as_of, policy)
    if window is None:
        window = window_of(as_of, policy, totals)
    scan = _scan(window, used)
    within_count = policy.within_count(scan.operations)
    reasons = (
        _usage_reasons(scan, policy, start, end) + count_reasons(scan.operations, policy, start, end)
        + _record_reasons(record, as_of, policy)
    )
    removable = not reasons
    if removable:
        reasons = _removable_reasons(record, scan, as_of, policy, start, end)
    return Verdict(
        endpoint=endpoint,
        coordinate=record.coordinate,
        as_of=as_of,
        removable=removable,
        reasons=reasons,
        deprecated=True,
        status=record.status_on(as_of),
        deprecated_on=record.deprecated_on,
        sunset_on=record.sunset_on,
        replacement=record.replacement,
        migration_guide=record.migration_guide,
        window_start=start,
        window_end=end,
        window_days=policy.window_days,
        days_covered=policy.window_days - len(scan.missing) - len(scan.silent),
        max_daily_share=scan.max_share,
        max_share_day=scan.max_day,
        mean_share=scan.mean_share,
        operations=scan.operations,
        last_used=last_used,
        # Over the count: usage "as it is now" keeps adding operations, so no day can be promised.
        earliest_removal=as_of if removable else None if not within_count else _earliest_removal(
            record, as_of, policy, scan.latest_covered, scan.blocking_days
        ),
        clients=list(clients),
    )


def _earliest_removal(
    record: Deprecation,
    as_of: dt.date,
    policy: RemovalPolicy,
    latest_covered: tuple[dt.date, bool] | None,
    blocking_days: list[dt.date],
) -> dt.date | None:
    if record.deprecated_on is None or record.status_override is Status.ACTIVE:
        return None
    if latest_covered is None or not latest_covered[1]:
        return None  # still over (or no covered day to project from): no promise
    candidates = [as_of, add_days(record.deprecated_on, policy.min_deprecated_days)]
    if blocking_days:
        # The window of day E is [E - window_days, E - 1]: it must start after the last blocking day.
        candidates.append(max(blocking_days) + dt.timedelta(days=policy.window_days + 1))
    return max(candidates)
