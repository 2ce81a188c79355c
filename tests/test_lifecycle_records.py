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

UPLOAD = Deprecation(
    "Mutation.upload_attachment",
    reason="Use secure_file_upload",
    deprecated_on=dt.date(2025, 9, 27),
    sunset_on=dt.date(2026, 6, 30),
    replacement="secure_file_upload",
    migration_guide="https://docs.youtility.in/migrations/resource-v2",
)
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
