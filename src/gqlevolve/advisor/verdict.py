"""One coordinate judged by the removal rule: the :class:`Verdict` and the evidence behind it.

:func:`judge` is pure: it takes the record, the daily sums that :mod:`gqlevolve.advisor.evidence` read from
the database and the policy, and says whether the coordinate may be removed on ``as_of``, why (plain
sentences), and the earliest day it could be if usage stays as it is now.

"Usage stays as it is now" means: the latest covered day of the window is the present. If that day was at or
above the threshold, nothing can be promised (``earliest_removal`` is None). Otherwise every day from
``as_of`` on is assumed covered and under the threshold, so the earliest day is the first on which the window
has left behind the last day that broke the rule (over, or not covered) and the deprecation is old enough.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from gqlevolve.advisor.evidence import ClientEvidence
from gqlevolve.advisor.policy import RemovalPolicy, ZeroTrafficDays
from gqlevolve.lifecycle import Deprecation, Status

__all__ = ["Verdict", "judge", "not_deprecated", "percent"]

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
    clients: list[ClientEvidence] = field(default_factory=list)


def percent(share: float) -> str:
    return f"{share:.2%}"


def _days(days: Sequence[dt.date]) -> str:
    named = ", ".join(day.isoformat() for day in days[:_EXAMPLES])
    return named + (", ..." if len(days) > _EXAMPLES else "")


def _window(as_of: dt.date, policy: RemovalPolicy) -> tuple[dt.date, dt.date]:
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
    start, end = _window(as_of, policy)
    return Verdict(
        endpoint=endpoint,
        coordinate=coordinate,
        as_of=as_of,
        removable=False,
        reasons=[
            f"{coordinate} has no deprecation record on {endpoint}: only a deprecated element can be removed "
            "(deprecate it in the schema, or record it with 'gqlevolve deprecation set')"
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


def judge(
    endpoint: str,
    record: Deprecation,
    *,
    as_of: dt.date,
    policy: RemovalPolicy,
    totals: Mapping[dt.date, int],
    used: Mapping[dt.date, int],
    clients: Sequence[ClientEvidence] = (),
    last_used: dt.date | None = None,
) -> Verdict:
    """Apply the removal rule to ``record`` on ``as_of`` (``totals``/``used`` cover at least the window)."""
    start, end = _window(as_of, policy)
    window = window_days(as_of, policy)

    missing: list[dt.date] = []  # no data at all
    silent: list[dt.date] = []  # watched, no traffic, and the policy does not count such a day
    over: list[tuple[float, dt.date]] = []
    latest_covered: tuple[dt.date, bool] | None = None  # (day, under the threshold)
    zero_is_covered = policy.zero_traffic is ZeroTrafficDays.UNDER_THRESHOLD
    # used / total < p / q  <=>  used * q < p * total: exact, and cheap enough for every day of every coordinate.
    numerator, denominator = policy.threshold_ratio
    operations = 0
    share_sum = 0.0
    traffic_days = 0
    max_share, max_day = None, None
    for day in window:
        total = totals.get(day)
        count = used.get(day, 0)
        operations += count
        if total is None:
            missing.append(day)
        elif total == 0:
            if zero_is_covered:
                latest_covered = (day, True)
            else:
                silent.append(day)
        else:
            share = count / total
            traffic_days += 1
            share_sum += share
            if max_share is None or share >= max_share:
                max_share, max_day = share, day
            under = count * denominator < numerator * total
            if not under:
                over.append((share, day))
            latest_covered = (day, under)

    days_covered = policy.window_days - len(missing) - len(silent)
    mean_share = share_sum / traffic_days if traffic_days else None

    reasons: list[str] = []
    threshold = policy.threshold_text
    if over:
        worst_share, worst_day = max(over)
        relation = "above" if worst_share > policy.threshold else "not under"
        reasons.append(f"usage was {percent(worst_share)} on {worst_day.isoformat()}, {relation} {threshold}")
        if len(over) > 1:
            reasons.append(
                f"usage was at or above {threshold} on {len(over)} of the {policy.window_days} days "
                f"from {start.isoformat()} to {end.isoformat()} (the last on {over[-1][1].isoformat()})"
            )
    if missing:
        reasons.append(
            f"{len(missing)} of the {policy.window_days} days from {start.isoformat()} to {end.isoformat()} "
            f"have no usage data ({_days(missing)}); every day of the window must be covered"
        )
    if silent:
        reasons.append(
            f"{len(silent)} day(s) of the window had no traffic at all ({_days(silent)}); the policy does not "
            "count a day without traffic as evidence (zero_traffic=uncovered)"
        )

    old_enough_on = record.deprecated_on + dt.timedelta(days=policy.min_deprecated_days) if record.deprecated_on else None
    status = record.status_on(as_of)
    if record.deprecated_on is None:
        reasons.append(f"{record.coordinate} has no deprecation date, so its {policy.min_deprecated_days} days cannot be counted")
    elif old_enough_on is not None and as_of < old_enough_on:
        age = (as_of - record.deprecated_on).days
        since = f"{age} days before {as_of.isoformat()}" if age >= 0 else f"{-age} days after {as_of.isoformat()}"
        reasons.append(
            f"deprecated on {record.deprecated_on.isoformat()}, {since}; the policy asks for at least "
            f"{policy.min_deprecated_days} days (reached on {old_enough_on.isoformat()})"
        )
    if status is Status.ACTIVE and record.status_override is Status.ACTIVE:
        reasons.append(f"{record.coordinate} is pinned to status 'active' (its deprecation was withdrawn)")

    removable = not reasons
    if removable:
        highest = f" (highest {percent(max_share)} on {max_day.isoformat()})" if max_share is not None else ""
        reasons.append(
            f"usage was under {threshold} on each of the {policy.window_days} days from {start.isoformat()} "
            f"to {end.isoformat()}{highest}"
        )
        reasons.append(
            f"deprecated on {record.deprecated_on.isoformat()}, {(as_of - record.deprecated_on).days} days before "
            f"{as_of.isoformat()} (at least {policy.min_deprecated_days} required)"
        )

    return Verdict(
        endpoint=endpoint,
        coordinate=record.coordinate,
        as_of=as_of,
        removable=removable,
        reasons=reasons,
        deprecated=True,
        status=status,
        deprecated_on=record.deprecated_on,
        sunset_on=record.sunset_on,
        replacement=record.replacement,
        migration_guide=record.migration_guide,
        window_start=start,
        window_end=end,
        window_days=policy.window_days,
        days_covered=days_covered,
        max_daily_share=max_share,
        max_share_day=max_day,
        mean_share=mean_share,
        operations=operations,
        last_used=last_used,
        earliest_removal=as_of if removable else _earliest_removal(
            record, as_of, policy, latest_covered, [*missing, *silent, *(day for _, day in over)]
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
    candidates = [as_of, record.deprecated_on + dt.timedelta(days=policy.min_deprecated_days)]
    if blocking_days:
        # The window of day E is [E - window_days, E - 1]: it must start after the last blocking day.
        candidates.append(max(blocking_days) + dt.timedelta(days=policy.window_days + 1))
    return max(candidates)
