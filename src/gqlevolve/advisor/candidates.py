"""Candidates for deprecation: the removal rule's evidence for a coordinate that is not deprecated.

A team deprecates with numbers in hand: for a coordinate without a deprecation record, :func:`advise_candidates`
judges its whole-schema usage (every operation's coordinates, :mod:`gqlevolve.usage_store.operation_reads`) by
the same window and thresholds as the removal rule, and names the operations and clients that used it. The verdict
is never ``removable`` (only a deprecated element may be removed); ``candidate`` says whether usage would allow it.

:func:`judge_usage` is the rule over a window of whole-schema days, shared with ``gqlevolve check --db``
(:mod:`gqlevolve.schema_diff.usage_check`); :class:`UsageRule` its thresholds: a share each day must stay under,
a number of operations the whole window may not exceed, or both. Days whose operations were counted without a
shape (before whole-schema usage, or by an adapter that records none) are not covered; a window without any
whole-schema usage approves nothing and says so.

Example (``clock`` pinned to 2026-11-21): ``User.email`` used by one operation of ``web`` on one of 3 days:

    >>> from datetime import date, timedelta
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> v1 = "/api/v1/graphql"
    >>> me = OperationShape("query", "Me", "aa" * 16, frozenset({"Query", "Query.me", "User", "User.email"}))
    >>> feed = OperationShape("query", "Feed", "bb" * 16, frozenset({"Query", "Query.feed"}))
    >>> for days_ago in (1, 2, 3):
    ...     store.record_operation(v1, (), client_name="ios", operation=feed, count=999,
    ...                            when=clock.today() - timedelta(days=days_ago))
    >>> store.record_operation(v1, (), client_name="web", operation=me, when=date(2026, 11, 19))
    >>> with store.reading() as connection:
    ...     [verdict] = advise_candidates(connection, v1, ["User.email"], as_of=clock.today(),
    ...                                   policy=RemovalPolicy(window_days=3))
    >>> verdict.candidate, verdict.removable, verdict.operations, [o.name for o in verdict.used_by]
    (True, False, 1, ['Me'])
    >>> verdict.reasons[1]
    'usage was under 1% on each of the 3 days from 2026-11-18 to 2026-11-20 (highest 0.10% on 2026-11-19)'
    >>> with store.reading() as connection:       # "not seen at all": a count of 0
    ...     [verdict] = advise_candidates(connection, v1, ["User.email"], as_of=clock.today(),
    ...                                   policy=RemovalPolicy(window_days=3, max_operations=0))
    >>> verdict.candidate, verdict.reasons[1]
    (False, '1 operation(s) used it from 2026-11-18 to 2026-11-20, more than the 0 allowed (max_operations)')
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gqlevolve.advisor.policy import RemovalPolicy, ZeroTrafficDays, operation_count
from gqlevolve.advisor.verdict import Verdict, percent, window_days
from gqlevolve.usage_store.breakage_reads import (
    WholeSchemaDays,
    WindowUsage,
    coordinate_day_counts,
    last_used_before,
    signatures_using,
    whole_schema_days,
)
from gqlevolve.usage_store.operation_reads import schema_since
from gqlevolve.usage_store.reads import Connection

__all__ = ["OPERATIONS_SHOWN", "UsageJudgement", "UsageRule", "advise_candidates", "judge_usage"]

#: Operations a verdict names before "and N more" (the rest are counted).
OPERATIONS_SHOWN = 5
_EXAMPLES = 3  # days named in a reason before "..."


@dataclass(frozen=True, slots=True)
class UsageRule:
    """When usage allows a change: each day's share strictly under ``threshold`` (None: no share rule) and at
    most ``max_operations`` operations over the window (None: no count); every day of ``window_days`` covered by
    whole-schema usage. ``exclude_clients`` leave numerator and denominator alike; ``zero_traffic`` as the policy's.
    """

    window_days: int = 90
    threshold: float | None = None
    max_operations: int | None = 0
    exclude_clients: tuple[str, ...] = ()
    zero_traffic: ZeroTrafficDays = ZeroTrafficDays.UNCOVERED

    def __post_init__(self) -> None:
        # The same checks as the removal policy's, with the same messages (a bad window or share raises there).
        if self.max_operations is not None:
            operation_count(self.max_operations, field="max_operations")
        self.share_policy()

    @classmethod
    def of_policy(cls, policy: RemovalPolicy) -> UsageRule:
        """The removal policy's thresholds (its share, and its count when it has one)."""
        return cls(policy.window_days, policy.threshold, policy.max_operations, policy.exclude_clients,
                   policy.zero_traffic)

    def share_policy(self) -> RemovalPolicy:
        """A :class:`RemovalPolicy` that compares shares as this rule does (exactly, in integers)."""
        return RemovalPolicy(threshold=self.threshold or 1.0, window_days=self.window_days,
                             zero_traffic=self.zero_traffic)


@dataclass(slots=True)
class UsageJudgement:
    """What a window of whole-schema usage says under a :class:`UsageRule`: ``allowed``, why, and the figures."""

    allowed: bool
    reasons: list[str]
    window_start: dt.date
    window_end: dt.date
    days_covered: int
    operations: int
    max_daily_share: float | None = None
    max_share_day: dt.date | None = None
    mean_share: float | None = None
    #: Operations in the window counted without a shape (whole-schema usage cannot say what they used).
    unshaped: int = 0
    last_used: dt.date | None = None
    used_days: dict[dt.date, int] = field(default_factory=dict)


def _days(days: Sequence[dt.date]) -> str:
    named = ", ".join(day.isoformat() for day in days[:_EXAMPLES])
    return named + (", ..." if len(days) > _EXAMPLES else "")


def judge_usage(
    endpoint: str,
    days: WholeSchemaDays,
    used: Mapping[dt.date, int],
    *,
    as_of: dt.date,
    rule: UsageRule,
    what: str | None = None,
) -> UsageJudgement:
    """Apply ``rule`` to the ``window_days`` days before ``as_of``: ``used`` operations per day against ``days``
    (:func:`~gqlevolve.usage_store.breakage_reads.whole_schema_days`). ``what`` names the operations counted in the
    reasons (``operations that select Query.users``: "0 operations that select ..."); by default "operation(s)
    used it"."""

    def counted(number: int) -> str:
        if what is not None:
            return f"{number} {what}"
        return "no operation used it" if number == 0 else f"{number} operation(s) used it"

    window = window_days(as_of, rule.share_policy())
    start, end = window[0], window[-1]
    span = f"from {start.isoformat()} to {end.isoformat()}"
    uncovered = set(days.uncovered)
    operations = sum(used.get(day, 0) for day in window)
    judgement = UsageJudgement(False, [], start, end, 0, operations, unshaped=days.unshaped,
                               used_days={day: used[day] for day in window if used.get(day)})
    if not any(days.totals.get(day) for day in window):
        judgement.reasons.append(
            f"no whole-schema usage recorded in the window ({span}) on {endpoint}: its operations were counted "
            "without their shape (recorded before whole-schema usage, or by an adapter that passes none), so "
            "usage cannot show that nothing uses it"
        )
        return judgement
    numerator, denominator = rule.share_policy().threshold_ratio
    zero_is_covered = rule.zero_traffic is ZeroTrafficDays.UNDER_THRESHOLD
    missing, not_shaped, silent, over = [], [], [], []
    shares: list[tuple[float, dt.date]] = []
    for day in window:
        total, count = days.totals.get(day), used.get(day, 0)
        if day in uncovered:
            not_shaped.append(day)
        elif total is None:
            missing.append(day)
        elif total == 0:
            if not zero_is_covered:
                silent.append(day)
        else:
            shares.append((count / total, day))
            if rule.threshold is not None and not count * denominator < numerator * total:
                over.append((count / total, day))
    judgement.days_covered = len(window) - len(missing) - len(not_shaped) - len(silent)
    if shares:
        judgement.max_daily_share, judgement.max_share_day = max(shares)
        judgement.mean_share = sum(share for share, _ in shares) / len(shares)
    reasons = judgement.reasons
    if over:
        worst_share, worst_day = max(over)
        reasons.append(
            f"usage was {percent(worst_share)} on {worst_day.isoformat()}, not under {rule.share_policy().threshold_text}"
            + (f" ({len(over)} of the {len(window)} days were not)" if len(over) > 1 else "")
        )
    if rule.max_operations is not None and operations > rule.max_operations:
        reasons.append(
            f"{counted(operations)} {span}, more than the {rule.max_operations} allowed (max_operations)"
        )
    if not_shaped:
        reasons.append(
            f"{len(not_shaped)} of the {len(window)} days {span} had operations but no whole-schema usage "
            f"({_days(not_shaped)}): every day of the window must be covered"
        )
    if missing:
        reasons.append(
            f"{len(missing)} of the {len(window)} days {span} have no usage data ({_days(missing)}); every day of the "
            "window must be covered"
        )
    if silent:
        reasons.append(
            f"{len(silent)} day(s) of the window had no traffic at all ({_days(silent)}); the policy does not count a "
            "day without traffic as evidence (zero_traffic=uncovered)"
        )
    if reasons:
        return judgement
    judgement.allowed = True
    if rule.threshold is not None:
        highest = (
            f" (highest {percent(judgement.max_daily_share)} on {judgement.max_share_day.isoformat()})"
            if judgement.max_daily_share is not None and judgement.max_share_day is not None else ""
        )
        reasons.append(
            f"usage was under {rule.share_policy().threshold_text} on each of the {len(window)} days {span}{highest}"
        )
    if rule.max_operations is not None:
        seen = sum(days.totals.get(day, 0) for day in window)
        allowed = f" (at most {rule.max_operations} allowed)" if operations else ""
        reasons.append(f"{counted(operations)}{allowed} {span}, every day covered ({seen} operations on {endpoint})")
    return judgement


def advise_candidates(
    connection: Connection,
    endpoint: str,
    coordinates: Sequence[str],
    *,
    as_of: dt.date,
    policy: RemovalPolicy,
    days: WholeSchemaDays | None = None,
) -> list[Verdict]:
    """Candidate verdicts for ``coordinates`` (not deprecated on ``endpoint``), sorted by coordinate.

    The policy's share (and ``max_operations`` when set) over its window, without its excluded clients; the
    deprecation age does not apply. ``endpoint`` is canonical and ``as_of`` checked (as :func:`advise_records`).
    ``days``: the window's :func:`~gqlevolve.usage_store.breakage_reads.whole_schema_days` (the policy's window
    and excluded clients), read by a caller that judges several coordinates in several transactions (a check
    with breaking changes; ``gqlevolve.schema_diff.usage_check.BreakageCheck.window_days``); read here when None.
    It is most of a call's time: a sum of the window's ``operation_usage`` per day (621,000 rows on the
    GitHub-sized store: 0.1 to 0.2 s on either backend).

    The operations that used a coordinate and their clients come from one read of their rows (they were read
    twice, once for each), only the operations named are described, and the schema is asked about
    ``coordinates`` alone, not read whole (12,715 coordinates of a GitHub-sized schema).
    """
    rule = UsageRule.of_policy(policy)
    start = as_of - dt.timedelta(days=policy.window_days)
    end = as_of - dt.timedelta(days=1)
    if days is None:
        days = whole_schema_days(connection, endpoint, start, end, exclude=policy.exclude_clients)
    counts = coordinate_day_counts(connection, endpoint, coordinates, start, end, exclude=policy.exclude_clients)
    schema = schema_since(connection, endpoint, coordinates)
    usage = WindowUsage(endpoint, start, end, exclude=policy.exclude_clients)
    verdicts = []
    for coordinate in sorted(set(coordinates)):
        judgement = judge_usage(endpoint, days, counts.get(coordinate, {}), as_of=as_of, rule=rule)
        signatures = signatures_using(connection, [coordinate]) if judgement.operations else set()
        found = usage.used_by(connection, signatures, limit=OPERATIONS_SHOWN)
        since = None if schema is None else schema.get(coordinate)
        in_schema = None if schema is None else since is not None
        reasons = [
            f"{coordinate} has no deprecation record on {endpoint}: only a deprecated element can be removed; "
            "judged as a candidate for deprecation",
            *judgement.reasons,
        ]
        candidate = judgement.allowed
        if in_schema is False:
            candidate = False
            reasons.append(f"{coordinate} is not in the schema {endpoint} registered last")
        elif since is not None and since > start:
            candidate = False
            reasons.append(
                f"{coordinate} is in the schema only since {since.isoformat()}, after the window's first day "
                f"{start.isoformat()}: too new to be judged unused"
            )
        unnamed = judgement.operations - found.counted
        if unnamed > 0:
            reasons.append(f"{unnamed} of its operations have no name of their own (past the daily cap of distinct "
                           "operations, or sent by excluded clients past it)")
        if judgement.unshaped:
            reasons.append(f"{judgement.unshaped} operation(s) of the window were counted without their shape: "
                           "whole-schema usage cannot say what they used")
        last_used = max(judgement.used_days) if judgement.used_days else last_used_before(
            connection, endpoint, coordinate, start
        )
        verdicts.append(Verdict(
            endpoint=endpoint, coordinate=coordinate, as_of=as_of, removable=False, reasons=reasons,
            deprecated=False, status=None, deprecated_on=None, sunset_on=None, replacement=None, migration_guide=None,
            window_start=judgement.window_start, window_end=judgement.window_end, window_days=policy.window_days,
            days_covered=judgement.days_covered, max_daily_share=judgement.max_daily_share,
            max_share_day=judgement.max_share_day, mean_share=judgement.mean_share, operations=judgement.operations,
            last_used=last_used, earliest_removal=None, clients=found.clients, candidate=candidate,
            in_schema=in_schema, used_by=found.shown, more_operations=found.more,
        ))
    return verdicts
