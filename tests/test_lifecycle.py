"""The lifecycle policy as code: statuses to the day, headers, the Gone body, version names."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest

from gqlevolve.lifecycle import (
    SUNSET_WARNING_DAYS,
    Deprecation,
    InvalidMigrationGuide,
    InvalidVersionName,
    Status,
    VersionLifecycle,
    check_migration_guide,
    deprecation_header,
    gone_body,
    is_draft,
    merge_headers,
    parse_iso_date,
    response_headers,
    sunset_header,
    validate_version,
    warning_header,
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


def test_deprecation_header_is_rfc9745_unix_seconds() -> None:
    # The policy's example: @1719792000 is 2024-07-01T00:00:00Z.
    assert deprecation_header(D(2024, 7, 1)) == "@1719792000"


def test_sunset_header_is_an_imf_fixdate() -> None:
    value = sunset_header(D(2025, 7, 31))
    assert value == "Thu, 31 Jul 2025 00:00:00 GMT"
    assert parsedate_to_datetime(value) == dt.datetime(2025, 7, 31, tzinfo=dt.timezone.utc)


def test_warning_texts_follow_the_policy_and_name_the_element_in_every_phase() -> None:
    assert warning_header(UPLOAD, D(2025, 10, 1)) == (
        '299 - "Deprecated API: Mutation.upload_attachment. Use secure_file_upload instead."'
    )
    assert warning_header(UPLOAD, D(2026, 6, 15)) == (
        '299 - "API will be removed in 15 days on 2026-06-30: Mutation.upload_attachment"'
    )
    assert warning_header(UPLOAD, D(2026, 7, 1)) == '299 - "API was removed on 2026-06-30: Mutation.upload_attachment"'
    assert warning_header(UPLOAD, D(2025, 1, 1)) is None
    assert warning_header(Deprecation("User.name"), D(2026, 1, 1)) == '299 - "Deprecated API: User.name"'
    pinned = Deprecation("User.name", status_override=Status.SUNSET_WARNING)
    assert warning_header(pinned, D(2026, 1, 1)) == '299 - "API will be removed soon: User.name"'
    gone_without_date = Deprecation("User.name", status_override=Status.REMOVED)
    assert warning_header(gone_without_date, D(2026, 1, 1)) == '299 - "API was removed: User.name"'


def test_several_warnings_say_which_element_each_is_about() -> None:
    name = Deprecation("User.name", deprecated_on=D(2025, 1, 1), replacement="fullName")
    offset = Deprecation("Query.users(offset:)", deprecated_on=D(2025, 1, 1), sunset_on=D(2025, 10, 20))
    warnings = [value for header, value in response_headers([UPLOAD, name, offset], D(2025, 10, 1)) if header == "Warning"]
    assert warnings == [
        '299 - "Deprecated API: Mutation.upload_attachment. Use secure_file_upload instead."',
        '299 - "Deprecated API: User.name. Use fullName instead."',
        '299 - "API will be removed in 19 days on 2025-10-20: Query.users(offset:)"',
    ]
    # The documented form: the coordinate follows the first ": ".
    assert [warning.split('"')[1].split(": ", 1)[1].split(" ")[0].rstrip(".") for warning in warnings] == [
        "Mutation.upload_attachment", "User.name", "Query.users(offset:)",
    ]


def test_warning_text_cannot_break_out_of_its_quotes() -> None:
    record = Deprecation("User.name", replacement='full"Name\nX')
    assert warning_header(record, D(2026, 1, 1)) == '299 - "Deprecated API: User.name. Use full\\"Name X instead."'


def test_response_headers_while_deprecated() -> None:
    headers = response_headers([UPLOAD], D(2025, 10, 1))
    assert headers == [
        ("Deprecation", "@1758931200"),
        ("Sunset", "Tue, 30 Jun 2026 00:00:00 GMT"),
        ("Link", '<https://docs.youtility.in/migrations/resource-v2>; rel="deprecation"'),
        ("X-Deprecated-Replacement", "secure_file_upload"),
        ("Warning", '299 - "Deprecated API: Mutation.upload_attachment. Use secure_file_upload instead."'),
    ]


def test_response_headers_combine_several_records() -> None:
    name = Deprecation(
        "User.name",
        deprecated_on=D(2025, 1, 1),
        sunset_on=D(2027, 1, 1),
        replacement="fullName",
        migration_guide="https://docs.example/full-name",
    )
    not_yet = Deprecation("User.email", deprecated_on=D(2030, 1, 1))
    headers = response_headers([UPLOAD, name, not_yet], D(2025, 10, 1))
    names = [header for header, _ in headers]
    assert names.count("Deprecation") == 1 and names.count("Sunset") == 1
    assert ("Deprecation", deprecation_header(D(2025, 1, 1))) in headers  # the earliest
    assert ("Sunset", sunset_header(D(2026, 6, 30))) in headers  # the earliest
    assert names.count("Link") == 2 and names.count("Warning") == 2


def test_nothing_deprecated_means_no_headers() -> None:
    assert response_headers([], D(2026, 1, 1)) == []
    assert response_headers([Deprecation("User.email", deprecated_on=D(2030, 1, 1))], D(2026, 1, 1)) == []


def test_merge_headers_keeps_one_deprecation_and_sunset() -> None:
    first = [("Deprecation", "@200"), ("Link", "<a>"), ("Sunset", "Tue, 30 Jun 2026 00:00:00 GMT")]
    second = [("deprecation", "@100"), ("Link", "<a>"), ("Link", "<b>"), ("Sunset", "Fri, 01 Jan 2027 00:00:00 GMT")]
    assert merge_headers(first, second) == [
        ("Deprecation", "@100"),
        ("Sunset", "Tue, 30 Jun 2026 00:00:00 GMT"),
        ("Link", "<a>"),
        ("Link", "<b>"),
    ]


def test_gone_body_is_the_policys() -> None:
    assert gone_body(UPLOAD) == {
        "error": "Gone",
        "message": "This endpoint was removed on 2026-06-30",
        "replacement": "secure_file_upload",
        "migration_guide": "https://docs.youtility.in/migrations/resource-v2",
        "status_code": 410,
    }
    assert gone_body(UPLOAD, subject="Mutation.upload_attachment")["message"] == (
        "Mutation.upload_attachment was removed on 2026-06-30"
    )


@pytest.mark.parametrize("name", ["draft", "v1", "v2", "v10", "v123"])
def test_valid_version_names(name: str) -> None:
    assert validate_version(name) == name


@pytest.mark.parametrize("name", ["v0", "v01", "v00789", "V1", "1", "v", "", "Draft", "v1.1", " v1", "v1 ", "v-1"])
def test_invalid_version_names_name_the_rule(name: str) -> None:
    with pytest.raises(InvalidVersionName, match="'draft' or 'v' followed by a number without a leading zero"):
        validate_version(name)


def test_is_draft() -> None:
    assert is_draft("draft") and not is_draft("v1")


def test_version_lifecycle_checks_its_successor_name() -> None:
    with pytest.raises(InvalidVersionName):
        VersionLifecycle(deprecated_on=D(2026, 1, 1), successor="v02")
    record = VersionLifecycle(D(2026, 1, 1), D(2026, 12, 1), successor="v2").as_deprecation(
        "/api/v1/graphql", "/api/v2/graphql"
    )
    assert record.coordinate == "/api/v1/graphql" and record.replacement == "/api/v2/graphql"


# --- migration guides ----------------------------------------------------------------------------------------


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


def test_a_record_never_yields_a_link_to_a_bad_guide() -> None:
    # The only way to a Link header is through a record, and a record cannot hold a bad guide.
    with pytest.raises(InvalidMigrationGuide):
        UPLOAD.with_changes(migration_guide="not a url")
    links = [value for name, value in response_headers([UPLOAD], D(2025, 10, 1)) if name == "Link"]
    assert links == ['<https://docs.youtility.in/migrations/resource-v2>; rel="deprecation"']


def test_a_bad_status_override_is_refused_without_a_class_name() -> None:
    with pytest.raises(ValueError, match='^User.name: status_override: "paused" is not one of active, deprecated') as refused:
        Deprecation("User.name", status_override="paused")
    assert "Status" not in str(refused.value)


@pytest.mark.parametrize("text", ["20260630", "2026-W27-2", " 2026-06-30", "2026-06-30 ", "2026-6-30", "2026-02-30"])
def test_dates_are_yyyy_mm_dd_only(text: str) -> None:
    with pytest.raises(ValueError, match=r'^as_of: ".*" is not a date in the form YYYY-MM-DD$'):
        parse_iso_date(text, name="as_of")
    assert parse_iso_date("2026-06-30", name="as_of") == D(2026, 6, 30)
