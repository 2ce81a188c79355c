"""Deprecation records and their status on a day, version lifecycles, migration guides, typed dates."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve.lifecycle import (
    SUNSET_WARNING_DAYS,
    Deprecation,
    InvalidMigrationGuide,
    InvalidVersionName,
    Status,
    VersionLifecycle,
    check_migration_guide,
    parse_iso_date,
)
from tests.policy_records import UPLOAD

D = dt.date


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (D(2025, 9, 26), Status.ACTIVE),
        (D(2025, 9, 27), Status.DEPRECATED),
        (D(2026, 5, 30), Status.DEPRECATED),  # 31 days before sunset
        (D(2026, 5, 31), Status.SUNSET_WARNING),  # exactly 30 days before
        (D(2026, 6, 29), Status.SUNSET_WARNING),
        (D(2026, 6, 30), Status.REMOVED),
        (D(2027, 1, 1), Status.REMOVED),
    ],
)
def test_status_boundaries_to_the_day(day: dt.date, status: Status) -> None:
    assert UPLOAD.status_on(day) is status


def test_sunset_warning_starts_thirty_days_before_sunset() -> None:
    assert SUNSET_WARNING_DAYS == 30
    assert UPLOAD.sunset_warning_starts == D(2026, 5, 31)


def test_without_sunset_a_deprecation_stays_deprecated() -> None:
    record = Deprecation("User.name", deprecated_on=D(2026, 1, 1))
    assert record.status_on(D(2025, 12, 31)) is Status.ACTIVE
    assert record.status_on(D(2099, 1, 1)) is Status.DEPRECATED


def test_without_dates_a_deprecation_is_deprecated() -> None:
    assert Deprecation("User.name").status_on(D(2026, 1, 1)) is Status.DEPRECATED


def test_status_override_wins_over_dates() -> None:
    rolled_back = UPLOAD.with_changes(status_override="sunset_warning")
    assert rolled_back.status_override is Status.SUNSET_WARNING
    assert rolled_back.status_on(D(2026, 11, 21)) is Status.SUNSET_WARNING


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"coordinate": ""}, "needs a coordinate"),
        (
            {"coordinate": "User.name", "deprecated_on": D(2026, 2, 1), "sunset_on": D(2026, 1, 1)},
            "sunset_on (2026-01-01) is before deprecated_on (2026-02-01)",
        ),
    ],
)
def test_inconsistent_records_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Deprecation(**kwargs)


def test_a_bad_status_override_is_refused_without_a_class_name() -> None:
    with pytest.raises(ValueError, match='^User.name: status_override: "paused" is not one of active, deprecated') as refused:
        Deprecation("User.name", status_override="paused")
    assert "Status" not in str(refused.value)


def test_version_lifecycle_checks_its_successor_name() -> None:
    with pytest.raises(InvalidVersionName):
        VersionLifecycle(deprecated_on=D(2026, 1, 1), successor="v02")
    record = VersionLifecycle(D(2026, 1, 1), D(2026, 12, 1), successor="v2").as_deprecation(
        "/api/v1/graphql", "/api/v2/graphql"
    )
    assert record.coordinate == "/api/v1/graphql" and record.replacement == "/api/v2/graphql"


# --- migration guides -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "guide",
    [
        "https://docs.youtility.in/migrations/resource-v2",
        "http://docs.example:8080/migrate?from=v1#fields",
        "HTTPS://Docs.Example/Migrate",
        "https://docs.example/migrations/f%C3%BChrung",
        "/docs/api-migrations/resource-v2/",
        "/",
    ],
)
def test_a_migration_guide_is_an_absolute_http_url_or_an_absolute_path(guide: str) -> None:
    assert check_migration_guide(guide) == guide
    assert Deprecation("User.name", migration_guide=guide).migration_guide == guide
    assert VersionLifecycle(D(2026, 1, 1), migration_guide=guide).migration_guide == guide


@pytest.mark.parametrize(
    ("guide", "why"),
    [
        ("not a url", "white space"),
        ("javascript:alert(1)", "its scheme is javascript:"),
        ("mailto:api@example.com", "its scheme is mailto:"),
        ("ftp://docs.example/x", "its scheme is ftp:"),
        ("https://docs.example/a b", "white space"),
        ("https://docs.example/a\tb", "white space"),
        ("https://docs.example/\x00", "control character"),
        ("https://docs.example/\x7f", "control character"),
        ("https://docs.example/<script>", "< or >"),
        ("https://docs.example/a>; rel=\"x\"", "white space"),
        ("https://docs.example/a>;rel=x", "< or >"),
        ('https://docs.example/"x"', 'the character "\\""'),
        ("https://docs.example/f\u00fchrung", "outside ASCII"),
        ("https://docs.example/100%", "%"),
        ("https:///docs", "no host"),
        ("https://docs.example:99999/", "port"),
        ("//docs.example/x", "starts with //"),
        ("docs/migrations/x", "relative reference"),
        ("", "empty"),
        ("https://docs.example/" + "x" * 2100, "longer than 2048"),
    ],
)
def test_anything_else_is_refused_with_the_rule(guide: str, why: str) -> None:
    with pytest.raises(InvalidMigrationGuide) as refused:
        check_migration_guide(guide)
    message = str(refused.value)
    assert message.startswith("migration_guide: ")
    assert why in message
    assert "an absolute http or https URL with a host" in message and "an absolute path" in message
    with pytest.raises(InvalidMigrationGuide, match="^User.name: migration_guide: .* is not a migration guide"):
        Deprecation("User.name", migration_guide=guide)
    with pytest.raises(InvalidMigrationGuide, match="^migration_guide: "):
        VersionLifecycle(D(2026, 1, 1), migration_guide=guide)


def test_a_guide_check_names_the_callers_field_and_quotes_json_style() -> None:
    with pytest.raises(InvalidMigrationGuide, match='^--guide: "not a url" is not a migration guide'):
        check_migration_guide("not a url", name="--guide")
    with pytest.raises(InvalidMigrationGuide, match="^migration_guide: 7 is not a migration guide"):
        check_migration_guide(7)


# --- dates as people type them ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["20260630", "2026-W27-2", " 2026-06-30", "2026-06-30 ", "2026-6-30", "2026-02-30"])
def test_dates_are_yyyy_mm_dd_only(text: str) -> None:
    with pytest.raises(ValueError, match=r'^as_of: ".*" is not a date in the form YYYY-MM-DD$'):
        parse_iso_date(text, name="as_of")
    assert parse_iso_date("2026-06-30", name="as_of") == D(2026, 6, 30)


# --- the range of a record's dates (issue 11, row 5) -------------------------------------------------------------

OUT_OF_RANGE = [D(9999, 12, 31), D(1, 1, 2), D(9001, 1, 1), D(1969, 12, 31)]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["deprecated_on", "sunset_on"])
def test_a_record_refuses_a_date_outside_1970_to_9000(day: dt.date, field: str) -> None:
    with pytest.raises(ValueError, match=rf'^User.name: {field}: "{day.isoformat()}" is not a date from 1970-01-01 to 9000-12-31$'):
        Deprecation("User.name", **{field: day})
    with pytest.raises(ValueError, match="is not a date from 1970-01-01 to 9000-12-31"):
        Deprecation("User.name").with_changes(**{field: day})
    assert Deprecation("User.name", **{field: D(9000, 12, 31)}).status_on(D(2026, 1, 1)) is not None
    assert Deprecation("User.name", **{field: D(1970, 1, 1)}) is not None


def test_a_record_refuses_a_date_and_time_or_text() -> None:
    with pytest.raises(ValueError, match="expected a date"):
        Deprecation("User.name", sunset_on=dt.datetime(2026, 1, 1, 10, 0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected a date"):
        Deprecation("User.name", sunset_on="2026-01-01")  # type: ignore[arg-type]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["deprecated_on", "sunset_on"])
def test_a_version_lifecycle_refuses_a_date_outside_1970_to_9000(day: dt.date, field: str) -> None:
    dates = {"deprecated_on": D(2026, 1, 1), field: day}
    with pytest.raises(ValueError, match="is not a date from 1970-01-01 to 9000-12-31"):
        VersionLifecycle(**dates)


def test_a_version_lifecycle_refuses_a_sunset_before_its_deprecation() -> None:
    with pytest.raises(ValueError, match=r"sunset_on \(2026-01-01\) is before deprecated_on \(2026-02-01\)"):
        VersionLifecycle(D(2026, 2, 1), D(2026, 1, 1))


def test_a_stored_record_is_read_as_it_is_and_computes_without_overflow() -> None:
    early = Deprecation.as_stored(coordinate="User.name", deprecated_on=D(2025, 1, 1), sunset_on=D(1, 1, 2))
    assert early.sunset_on == D(1, 1, 2)  # before its deprecation, and before 1970: read anyway
    assert early.sunset_warning_starts == dt.date.min
    assert early.status_on(D(2026, 1, 1)) is Status.REMOVED
    assert early.status_on(dt.date.min) is Status.SUNSET_WARNING
    late = Deprecation.as_stored(coordinate="User.name", sunset_on=D(9999, 12, 31), status_override="sunset_warning")
    assert late.status_override is Status.SUNSET_WARNING
    assert late.sunset_warning_starts == D(9999, 12, 1)
    assert late.days_until_sunset(D(2026, 1, 1)) == (D(9999, 12, 31) - D(2026, 1, 1)).days
    with pytest.raises(TypeError, match="unknown fields"):
        Deprecation.as_stored(coordinate="User.name", sunset=D(2026, 1, 1))


def test_with_changes_checks_what_changes_only() -> None:
    stored = Deprecation.as_stored(coordinate="User.name", deprecated_on=D(2025, 1, 1), sunset_on=D(9999, 12, 31))
    assert stored.with_changes(reason="Use fullName").sunset_on == D(9999, 12, 31)  # mended one field at a time
    assert stored.with_changes(sunset_on=D(2027, 1, 1)).sunset_on == D(2027, 1, 1)
    with pytest.raises(ValueError, match="is before deprecated_on"):
        stored.with_changes(sunset_on=D(2024, 1, 1))
    with pytest.raises(ValueError, match="is not one of"):
        stored.with_changes(status_override="paused")
    with pytest.raises(InvalidMigrationGuide):
        stored.with_changes(migration_guide="javascript:alert(1)")
    with pytest.raises(TypeError, match="unknown fields"):
        stored.with_changes(sunset=D(2027, 1, 1))


def test_add_days_stops_at_the_first_and_last_dates() -> None:
    from gqlevolve.lifecycle import add_days

    assert add_days(D(2026, 1, 1), 30) == D(2026, 1, 31)
    assert add_days(D(9999, 12, 31), 30) == dt.date.max
    assert add_days(D(1, 1, 2), -30) == dt.date.min


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-02", "9001-01-01", "1969-12-31"])
def test_typed_dates_are_from_1970_to_9000(text: str) -> None:
    with pytest.raises(ValueError, match=rf'^--sunset: "{text}" is not a date from 1970-01-01 to 9000-12-31$'):
        parse_iso_date(text, name="--sunset")
    assert parse_iso_date("9000-12-31", name="--sunset") == D(9000, 12, 31)
    assert parse_iso_date("1970-01-01", name="--sunset") == D(1970, 1, 1)
