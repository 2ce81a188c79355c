"""The schedule: the policy's steps from a record's dates, the grace, the window of usage, the platform's notices."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import Deprecation, Status
from gqlevolve.notices.schedule import PLATFORM, Event, due_notices, due_step, steps
from gqlevolve.usage_store import UsageStore

V1 = "/api/v1/graphql"
D = dt.date(2025, 6, 30)  # a sunset


def days_before(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def test_the_policys_steps_from_d_120_to_d_day():
    record = Deprecation("User.name", deprecated_on=days_before(120), sunset_on=D)
    assert [(step.event, (D - step.day).days) for step in steps(record)] == [
        (Event.ANNOUNCEMENT, 120), (Event.REMINDER, 60), (Event.SUNSET_WARNING, 30), (Event.SUNSET_WARNING, 23),
        (Event.SUNSET_WARNING, 16), (Event.SUNSET_WARNING, 9), (Event.FINAL_WARNING, 7), (Event.REMOVAL, 0),
    ]


def test_a_short_deprecation_skips_the_steps_before_it_and_no_sunset_means_only_the_announcement():
    short = Deprecation("User.name", deprecated_on=days_before(20), sunset_on=D)
    assert [step.event for step in steps(short)] == [
        Event.ANNOUNCEMENT, Event.SUNSET_WARNING, Event.SUNSET_WARNING, Event.FINAL_WARNING, Event.REMOVAL,
    ]
    assert [step.day for step in steps(short)][:2] == [days_before(20), days_before(16)]
    assert [step.event for step in steps(Deprecation("User.name", deprecated_on=D))] == [Event.ANNOUNCEMENT]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (days_before(121), None),                                  # not deprecated yet
        (days_before(120), (Event.ANNOUNCEMENT, 120)),
        (days_before(107), (Event.ANNOUNCEMENT, 120)),             # 13 days late: still due (grace 14)
        (days_before(105), None),                                  # 15 days late: past its grace
        (days_before(25), (Event.SUNSET_WARNING, 30)),
        (days_before(8), (Event.SUNSET_WARNING, 9)),
        (days_before(1), (Event.FINAL_WARNING, 7)),
        (D, (Event.REMOVAL, 0)),
        (D + dt.timedelta(days=14), (Event.REMOVAL, 0)),
        (D + dt.timedelta(days=15), None),
    ],
)
def test_the_step_due_on_a_day(as_of, expected):
    record = Deprecation("User.name", deprecated_on=days_before(120), sunset_on=D)
    step = due_step(record, as_of)
    assert (None if step is None else (step.event, (D - step.day).days)) == expected


def test_a_record_pinned_active_is_not_announced_and_an_extended_sunset_gets_new_steps():
    record = Deprecation("User.name", deprecated_on=days_before(120), sunset_on=D)
    assert due_step(record.with_changes(status_override=Status.ACTIVE), days_before(120)) is None
    extended = record.with_changes(sunset_on=D + dt.timedelta(days=30))
    step = due_step(extended, D + dt.timedelta(days=1))
    assert step is not None and (step.event, step.day) == (Event.SUNSET_WARNING, D)


def test_notices_go_to_registered_clients_that_used_it_in_the_30_days_with_their_figures(store_url):
    clock = FixedClock(days_before(120))
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=clock) as store:
        store.update_deprecation(V1, "User.name", {"deprecated_on": days_before(120), "sunset_on": D}, actor="t", create=True)
        for back, client, version, count in [
            (150, "web", "1.0", 9),          # 30 days before the window: not in it
            (149, "web", "1.3", 1),          # the window's first day
            (125, "web", "1.4.0", 3204),
            (121, "ios", "5.0", 2),          # not registered
            (120, "web", "1.4.0", 1),
        ]:
            store.record_operation(V1, {"User.name"}, client_name=client, client_version=version, count=count,
                                   when=days_before(back))
        notices = [n for n in due_notices(store, days_before(120), registered={"web", "android"}) if n.recipient != PLATFORM]
    [notice] = notices
    assert (notice.event, notice.recipient, notice.period) == (Event.ANNOUNCEMENT, "web", days_before(120).isoformat())
    assert [(c.version, c.operations, c.last_seen) for c in notice.usage] == [
        ("1.4.0", 3205, days_before(120)), ("1.3", 1, days_before(149)),
    ]
    assert notice.window == (days_before(149), days_before(120))
