"""Brownout windows (lifecycle.brownouts) and the no-new-adopters rule (lifecycle.adoption): pure, the moment pinned."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gqlevolve.errors import InvalidInput
from gqlevolve.lifecycle import Deprecation, Status, VersionLifecycle
from gqlevolve.lifecycle.adoption import adoption_cutoff, client_key, new_adopter_message, refuses_new_adopters
from gqlevolve.lifecycle.brownouts import (
    MAX_WINDOWS,
    active_window,
    brownout_message,
    format_windows,
    next_occurrence,
    parse_window,
    parse_windows,
)

UTC = dt.UTC
SUNSET = dt.date(2026, 12, 15)  # a Tuesday; D-30 is Sunday 2026-11-15


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("every tuesday 14:00-14:15 UTC from D-30", "every tuesday 14:00-14:15 UTC from D-30"),
        ("Every Tuesday 14:00–14:15 utc from d-30", "every tuesday 14:00-14:15 UTC from D-30"),  # en dash, case
        ("every  day 9:00 - 9:05", "every day 09:00-09:05 UTC"),
        ("every sunday 23:00-24:00 from 2026-11-01", "every sunday 23:00-24:00 UTC from 2026-11-01"),
        ("2026-11-24T14:00Z/2026-11-24T15:30Z", "2026-11-24T14:00Z/2026-11-24T15:30Z"),
        ("2026-11-24t14:00:30/2026-11-25t14:00", "2026-11-24T14:00:30Z/2026-11-25T14:00Z"),
    ],
)
def test_windows_are_read_as_people_type_them_and_kept_in_one_spelling(typed: str, canonical: str) -> None:
    window = parse_window(typed)
    assert window == canonical and window.spec == canonical
    assert parse_window(window.spec) == window  # the canonical text reads back as itself


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("every tuesday 14:15-14:00", "ends (14:00) before it starts (14:15)"),
        ("every tuesday 14:00-14:00", "the window is empty"),
        ("every tuesday 25:00-26:00", '"25:00" is not a time of day from 00:00 to 24:00'),
        ("every tuesday 10:60-11:00", '"10:60" is not a time of day'),
        ("every tuesday 24:30-24:45", '"24:30" is not a time of day'),
        ("every someday 10:00-11:00", '"someday" is not a weekday'),
        ("every tuesday 10:00-11:00 from D-9999", "D-9999 is more than 3650 days"),
        ("every tuesday 10:00-11:00 from 2026-02-30", '"2026-02-30" is not a date'),
        ("every tuesday 10:00-11:00 from 9999-01-01", "9999-01-01 is not a date from 1970-01-01 to 9000-12-31"),
        ("2026-11-24T15:00Z/2026-11-24T14:00Z", "ends before it starts"),
        ("2026-11-01T00:00Z/2026-11-09T00:00Z", "at most 7 days"),
        ("2026-11-24T25:00Z/2026-11-24T26:00Z", "is not a date and time"),
        ("tuesdays at two", "is not a brownout window: expected"),
        ("x" * 121, "at most 120 characters, not 121"),
        ("", "is not a brownout window"),
    ],
)
def test_a_malformed_or_out_of_range_window_is_refused_saying_why(typed: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        parse_window(typed)
    assert refused.value.field == "brownout"


def test_a_window_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidInput, match="a brownout window is text"):
        parse_window(7)


def test_a_weekly_window_from_d_minus_30_is_active_on_its_weekday_inside_its_minutes_only() -> None:
    window = parse_window("every tuesday 14:00-14:15 from D-30")
    inside = window.occurrence_at(at(24, 14, 5), sunset_on=SUNSET)
    assert inside is not None and (inside.start, inside.end) == (at(24, 14), at(24, 14, 15))
    assert window.occurrence_at(at(24, 14, 0), sunset_on=SUNSET) is not None  # start included
    assert window.occurrence_at(at(24, 14, 15), sunset_on=SUNSET) is None  # end excluded
    assert window.occurrence_at(at(24, 13, 59), sunset_on=SUNSET) is None
    assert window.occurrence_at(at(25, 14, 5), sunset_on=SUNSET) is None  # a Wednesday
    assert window.occurrence_at(at(10, 14, 5), sunset_on=SUNSET) is None  # a Tuesday before D-30 (11-15)
    assert window.occurrence_at(at(24, 14, 5), sunset_on=None) is None  # D-N without a sunset: never


def test_a_window_without_from_starts_with_the_deprecation_and_one_with_a_date_on_it() -> None:
    every_day = parse_window("every day 00:00-24:00")
    assert every_day.occurrence_at(at(24, 23, 59), deprecated_on=dt.date(2026, 11, 24)) is not None
    assert every_day.occurrence_at(at(23, 12), deprecated_on=dt.date(2026, 11, 24)) is None
    assert every_day.occurrence_at(at(23, 12)) is not None  # no dates at all: always
    dated = parse_window("every day 10:00-11:00 from 2026-11-20")
    assert dated.occurrence_at(at(19, 10, 30)) is None and dated.occurrence_at(at(20, 10, 30)) is not None


def test_an_explicit_window_holds_between_its_ends_whatever_the_dates() -> None:
    window = parse_window("2026-11-24T14:00Z/2026-11-24T15:00Z")
    assert window.occurrence_at(at(24, 14, 59)) is not None
    assert window.occurrence_at(at(24, 15)) is None
    assert window.occurrence_at(at(24, 9) .astimezone(dt.timezone(dt.timedelta(hours=5)))) is None
    assert window.occurrence_at(dt.datetime(2026, 11, 24, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))) is not None


def test_active_window_and_the_message_name_the_window_its_end_and_the_final_date() -> None:
    windows = parse_windows(["every monday 08:00-09:00", "every tuesday 14:00-14:15 from D-30"])
    occurrence = active_window(windows, at(24, 14, 10), sunset_on=SUNSET)
    assert occurrence is not None and occurrence.window == "every tuesday 14:00-14:15 UTC from D-30"
    assert brownout_message("User.name", occurrence, sunset_on=SUNSET) == (
        "User.name is switched off during a scheduled brownout (every tuesday 14:00-14:15 UTC from D-30) until "
        "2026-11-24 14:15 UTC; it will be removed on 2026-12-15"
    )
    assert active_window(windows, at(24, 15), sunset_on=SUNSET) is None


def test_next_occurrence_for_listing() -> None:
    weekly = parse_window("every tuesday 14:00-14:15 from D-30")
    upcoming = next_occurrence(weekly, at(1, 0), sunset_on=SUNSET)  # before D-30: the first Tuesday from 11-15
    assert upcoming is not None and upcoming.start == at(17, 14)
    assert next_occurrence(weekly, at(24, 14, 5), sunset_on=SUNSET).start == at(24, 14)  # type: ignore[union-attr]
    assert next_occurrence(weekly, at(24, 14, 15), sunset_on=SUNSET).start == at(1, 14, month=12)  # type: ignore[union-attr]
    assert next_occurrence(weekly, at(14, 15, month=12), sunset_on=SUNSET) is None  # the next one is past the sunset
    once = parse_window("2026-11-24T14:00Z/2026-11-24T15:00Z")
    assert next_occurrence(once, at(24, 15)) is None and next_occurrence(once, at(1, 0)) is not None


def test_several_windows_as_the_store_keeps_them() -> None:
    windows = parse_windows("every day 01:00-02:00\n\nevery DAY 01:00-02:00\n2026-11-24T14:00Z/2026-11-24T15:00Z")
    assert format_windows(windows) == "every day 01:00-02:00 UTC\n2026-11-24T14:00Z/2026-11-24T15:00Z"
    assert format_windows(()) is None and parse_windows(None) == ()
    with pytest.raises(InvalidInput, match=f"at most {MAX_WINDOWS} brownout windows"):
        parse_windows([f"every day {hour:02d}:00-{hour:02d}:30" for hour in range(MAX_WINDOWS + 1)])


def test_a_record_and_a_version_carry_their_windows_parsed_and_refuse_bad_ones() -> None:
    record = Deprecation("User.name", brownouts=("every Tuesday 14:00-14:15",), refuse_new_adopters=True)
    assert record.brownouts == ("every tuesday 14:00-14:15 UTC",)
    assert record.with_changes(brownouts=()).brownouts == ()
    with pytest.raises(InvalidInput, match="not a brownout window"):
        Deprecation("User.name", brownouts=("sometimes",))
    with pytest.raises(InvalidInput, match="refuse_new_adopters is true or false"):
        Deprecation("User.name", refuse_new_adopters="yes")  # type: ignore[arg-type]
    version = VersionLifecycle(deprecated_on=dt.date(2026, 1, 1), refuse_new_adopters=True, brownouts=("every day 01:00-02:00",))
    as_record = version.as_deprecation("/api/v1/graphql", None)
    assert as_record.refuse_new_adopters and as_record.brownouts == ("every day 01:00-02:00 UTC",)


@pytest.mark.parametrize(
    ("day", "setting", "refused"),
    [
        (dt.date(2026, 11, 14), True, False),  # deprecated, not yet in the warning
        (dt.date(2026, 11, 15), True, True),  # the first day of the warning
        (dt.date(2026, 12, 14), True, True),  # its last day
        (dt.date(2026, 12, 15), True, False),  # removed: GONE for everyone, not this rule
        (dt.date(2026, 11, 20), False, False),  # off by default
    ],
)
def test_the_no_new_adopters_rule_holds_in_the_sunset_warning_only(day: dt.date, setting: bool, refused: bool) -> None:
    record = Deprecation("User.name", deprecated_on=dt.date(2026, 6, 1), sunset_on=SUNSET, refuse_new_adopters=setting)
    assert refuses_new_adopters(record, day) is refused


def test_a_pinned_sunset_warning_refuses_newcomers_too_and_says_so() -> None:
    rolled_back = Deprecation("User.name", status_override=Status.SUNSET_WARNING, refuse_new_adopters=True)
    assert refuses_new_adopters(rolled_back, dt.date(2030, 1, 1)) and adoption_cutoff(rolled_back) is None
    assert new_adopter_message("User.name", rolled_back) == (
        "New uses of User.name are refused during its sunset warning: this client had not used it before"
    )
    assert client_key(None, "1.0", by_version=False) == "" and client_key("web", None, by_version=True) == "web/"
