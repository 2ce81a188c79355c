"""The policy's notification schedule as code: which notice is due on a day, to whom, and with which figures.

To the consumers whose client used the element in the :data:`USAGE_WINDOW_DAYS` (30) days ending with the day
(each sees only its own clients' figures), from the deprecation record's dates:

=====================  =================================================================================
event                  due on (D = the sunset day)
=====================  =================================================================================
``announcement``       ``deprecated_on``
``reminder``           D-60
``sunset_warning``     D-30, then every 7 days (D-23, D-16, D-9) while before the final warning
``final_warning``      D-7
``removal``            D
=====================  =================================================================================

A step stays due until the next one, for at most :data:`GRACE_DAYS` (14) days: a pass that did not run on the
day catches up, and a first pass over an old record does not send its past steps. Only the latest step is due;
a record whose dates change (``deprecation extend``) gets the steps of its new dates.

To the platform team (:data:`PLATFORM`): ``high_usage`` (the policy's alert: more than 10% of the endpoint's
operations over the last 7 days while in the sunset warning; :func:`gqlevolve.reports.sunset_warnings`),
``migration_report`` (once per ISO week: clients migrated versus remaining per element;
:func:`gqlevolve.reports.migration_report`) and ``removable`` (the advisor's verdict flipped to removable within
the last :data:`REMOVABLE_LOOKBACK_DAYS` days; :func:`gqlevolve.advisor.advise_records`).

Every notice has a ``period`` (the step's day, or the ISO week): with the event, endpoint, element and recipient
it is the notice's identity, so it is sent once (:mod:`gqlevolve.notices.delivery_log`).

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> record = Deprecation("User.name", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 31))
    >>> [(step.event.value, step.day.isoformat()) for step in steps(record)]   # doctest: +NORMALIZE_WHITESPACE
    [('announcement', '2026-06-01'), ('reminder', '2026-11-01'), ('sunset_warning', '2026-12-01'),
     ('sunset_warning', '2026-12-08'), ('sunset_warning', '2026-12-15'), ('sunset_warning', '2026-12-22'),
     ('final_warning', '2026-12-24'), ('removal', '2026-12-31')]
    >>> due_step(record, date(2026, 12, 10))
    Step(event=<Event.SUNSET_WARNING: 'sunset_warning'>, day=datetime.date(2026, 12, 8))
    >>> due_step(record, date(2027, 2, 1)) is None      # removal was more than 14 days ago
    True
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gqlevolve.advisor import RemovalPolicy, advise_records
from gqlevolve.lifecycle import Status
from gqlevolve.reports import migration_report, sunset_warnings
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.deprecations import list_deprecations

if TYPE_CHECKING:
    from gqlevolve.lifecycle import Deprecation
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.reads import ClientUsage, Connection

__all__ = [
    "CONSUMER_EVENTS",
    "GRACE_DAYS",
    "PLATFORM",
    "PLATFORM_EVENTS",
    "REMOVABLE_LOOKBACK_DAYS",
    "USAGE_WINDOW_DAYS",
    "Event",
    "Notice",
    "Step",
    "due_notices",
    "due_step",
    "steps",
]

USAGE_WINDOW_DAYS = 30
GRACE_DAYS = 14
REMOVABLE_LOOKBACK_DAYS = 7
REMINDER_DAYS = 60
WARNING_DAYS = 30
WARNING_EVERY_DAYS = 7
FINAL_WARNING_DAYS = 7
#: The recipient of the platform team's notices (a client name cannot be empty-bracketed like this).
PLATFORM = "(platform)"
#: The endpoint and element of a notice about every endpoint (the weekly report).
EVERY = "*"


class Event(StrEnum):
    ANNOUNCEMENT = "announcement"
    REMINDER = "reminder"
    SUNSET_WARNING = "sunset_warning"
    FINAL_WARNING = "final_warning"
    REMOVAL = "removal"
    HIGH_USAGE = "high_usage"
    MIGRATION_REPORT = "migration_report"
    REMOVABLE = "removable"


CONSUMER_EVENTS = (Event.ANNOUNCEMENT, Event.REMINDER, Event.SUNSET_WARNING, Event.FINAL_WARNING, Event.REMOVAL)
PLATFORM_EVENTS = (Event.HIGH_USAGE, Event.MIGRATION_REPORT, Event.REMOVABLE)


@dataclass(frozen=True, slots=True)
class Step:
    event: Event
    day: dt.date


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice to one recipient (a client name, or :data:`PLATFORM`): what the channels render.

    ``usage``: the recipient's client versions that used the element in ``window`` (a consumer notice);
    ``why``: one sentence saying why this recipient gets it (``--dry-run`` prints it); ``facts``: the platform
    notices' figures (share, verdict reasons, the weekly report's rows).
    """

    event: Event
    endpoint: str
    coordinate: str
    period: str
    recipient: str
    as_of: dt.date
    why: str
    record: Deprecation | None = None
    usage: tuple[ClientUsage, ...] = ()
    window: tuple[dt.date, dt.date] | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def days_until_sunset(self) -> int | None:
        return None if self.record is None else self.record.days_until_sunset(self.as_of)


def steps(record: Deprecation) -> list[Step]:
    """Every consumer step of ``record``'s dates, in order (none before the deprecation day)."""
    found: list[Step] = []
    if record.deprecated_on is not None:
        found.append(Step(Event.ANNOUNCEMENT, record.deprecated_on))
    sunset = record.sunset_on
    if sunset is not None:
        day = dt.timedelta
        final = sunset - day(days=FINAL_WARNING_DAYS)
        found.append(Step(Event.REMINDER, sunset - day(days=REMINDER_DAYS)))
        warning = sunset - day(days=WARNING_DAYS)
        while warning < final:  # the final warning replaces a weekly one that would come after it
            found.append(Step(Event.SUNSET_WARNING, warning))
            warning += day(days=WARNING_EVERY_DAYS)
        found.append(Step(Event.FINAL_WARNING, final))
        found.append(Step(Event.REMOVAL, sunset))
    start = record.deprecated_on
    # A step before the deprecation (a sunset set less than 60 days after it) is not sent: the announcement says it.
    return sorted((step for step in found if start is None or step.day >= start), key=lambda step: step.day)


def due_step(record: Deprecation, as_of: dt.date) -> Step | None:
    """The latest step on or before ``as_of``, if the next has not come and it is at most :data:`GRACE_DAYS` old."""
    if record.status_override is Status.ACTIVE:  # pinned active: nothing is deprecated, nothing to say
        return None
    due: Step | None = None
    for step in steps(record):
        if step.day > as_of:
            break
        due = step
    if due is None or (as_of - due.day).days > GRACE_DAYS:
        return None
    return due


def _window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    return as_of - dt.timedelta(days=USAGE_WINDOW_DAYS - 1), as_of


def consumer_notices(
    connection: Connection, as_of: dt.date, registered: set[str]
) -> list[Notice]:
    """The consumer notices due on ``as_of``: one per (record, client name with a consumer that used it)."""
    since, until = _window(as_of)
    notices: list[Notice] = []
    for stored in list_deprecations(connection):
        record = stored.record
        step = due_step(record, as_of)
        if step is None:
            continue
        by_name: dict[str, list[ClientUsage]] = defaultdict(list)
        for client in reads.clients(connection, stored.endpoint, record.coordinate, since=since, until=until):
            if client.name is not None and client.name in registered:
                by_name[client.name].append(client)
        for name, usage in sorted(by_name.items()):
            operations = sum(client.operations for client in usage)
            notices.append(Notice(
                event=step.event, endpoint=stored.endpoint, coordinate=record.coordinate, period=step.day.isoformat(),
                recipient=name, as_of=as_of, record=record, usage=tuple(usage), window=(since, until),
                why=(
                    f"{step.event.value} of {record.coordinate} (due {step.day.isoformat()}): client {name} used it "
                    f"{operations:,} times from {since.isoformat()} to {until.isoformat()}"
                ),
            ))
    return notices


def _high_usage(store: UsageStore, as_of: dt.date) -> list[Notice]:
    notices: list[Notice] = []
    for warning in sunset_warnings(store, as_of=as_of, within_days=1):
        if not warning.alert or warning.status is not Status.SUNSET_WARNING or warning.warning_starts is None:
            continue
        notices.append(Notice(
            event=Event.HIGH_USAGE, endpoint=warning.endpoint, coordinate=warning.coordinate,
            period=warning.warning_starts.isoformat(), recipient=PLATFORM, as_of=as_of,
            why=f"{warning.coordinate} carries {warning.recent_share or 0:.1%} of {warning.endpoint}'s operations, "
            f"{warning.days_until_sunset} days before its sunset (the policy alerts above 10%)",
            facts={
                "share": warning.recent_share, "operations": warning.recent_operations,
                "sunset_on": warning.sunset_on, "days_until_sunset": warning.days_until_sunset,
                "clients": [f"{client.name or '(unnamed)'} {client.version or ''}".strip() for client in warning.clients],
                "message": warning.message,
            },
        ))
    return notices


def _migration(store: UsageStore, as_of: dt.date) -> list[Notice]:
    weeks = [week for week in migration_report(store, weeks=1, as_of=as_of)]
    if not weeks:
        return []
    year, week, _ = as_of.isocalendar()
    rows = [
        {
            "endpoint": week_.endpoint, "coordinate": week_.coordinate, "remaining": week_.remaining,
            "migrated": week_.migrated, "inactive": week_.inactive,
        }
        for week_ in weeks
    ]
    return [Notice(
        event=Event.MIGRATION_REPORT, endpoint=EVERY, coordinate=EVERY, period=f"{year}-W{week:02d}",
        recipient=PLATFORM, as_of=as_of,
        why=f"the weekly migration report of week {year}-W{week:02d} ({len(rows)} deprecated elements)",
        facts={"rows": rows, "week_start": weeks[0].week_start, "week_end": weeks[0].week_end},
    )]


def _removable(connection: Connection, as_of: dt.date, policy: RemovalPolicy) -> list[Notice]:
    """Elements removable on ``as_of`` whose verdict was "not removable" on a day of the last few: the flip day."""
    notices: list[Notice] = []
    for endpoint in reads.endpoints(connection):
        records = [
            stored.record for stored in list_deprecations(connection, endpoint)
            if stored.record.status_on(as_of) is not Status.REMOVED
        ]
        if not records:
            continue
        today = {verdict.coordinate: verdict for verdict in advise_records(connection, endpoint, records, as_of=as_of, policy=policy)}
        flipped = {name: as_of for name, verdict in today.items() if verdict.removable}
        pending = set(flipped)
        for back in range(1, REMOVABLE_LOOKBACK_DAYS + 1):
            if not pending:
                break
            day = as_of - dt.timedelta(days=back)
            chosen = [record for record in records if record.coordinate in pending]
            for verdict in advise_records(connection, endpoint, chosen, as_of=day, policy=policy):
                if verdict.removable:
                    flipped[verdict.coordinate] = day
                else:
                    pending.discard(verdict.coordinate)
        for name in sorted(flipped):
            if name in pending:  # removable over the whole look-back: the flip is older, and was announced then
                continue
            verdict = today[name]
            notices.append(Notice(
                event=Event.REMOVABLE, endpoint=endpoint, coordinate=name, period=flipped[name].isoformat(),
                recipient=PLATFORM, as_of=as_of, record=next(r for r in records if r.coordinate == name),
                why=f"the advisor's verdict on {name} flipped to removable on {flipped[name].isoformat()}",
                facts={"reasons": list(verdict.reasons), "since": flipped[name]},
            ))
    return notices


def due_notices(
    store: UsageStore, as_of: dt.date, *, registered: set[str], policy: RemovalPolicy | None = None
) -> list[Notice]:
    """Every notice due on ``as_of``: to the consumers in ``registered`` (client names), then the platform's."""
    policy = policy or RemovalPolicy()
    with store.reading() as connection:
        notices = consumer_notices(connection, as_of, registered)
        removable = _removable(connection, as_of, policy)
    return notices + _high_usage(store, as_of) + _migration(store, as_of) + removable
