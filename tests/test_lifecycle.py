"""The lifecycle policy as code: statuses to the day, headers, the Gone body, version names."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest

from gqlevolve.lifecycle import (
    SUNSET_WARNING_DAYS,
    Deprecation,
    InvalidVersionName,
    Status,
    VersionLifecycle,
    deprecation_header,
    gone_body,
    is_draft,
    merge_headers,
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


def test_warning_texts_follow_the_policy() -> None:
    assert warning_header(UPLOAD, D(2025, 10, 1)) == '299 - "Deprecated API. Use secure_file_upload instead."'
    assert warning_header(UPLOAD, D(2026, 6, 15)) == '299 - "API will be removed in 15 days on 2026-06-30"'
    assert warning_header(UPLOAD, D(2026, 7, 1)) == '299 - "API was removed on 2026-06-30."'
    assert warning_header(UPLOAD, D(2025, 1, 1)) is None
    assert warning_header(Deprecation("User.name"), D(2026, 1, 1)) == '299 - "Deprecated API: User.name."'


def test_warning_text_cannot_break_out_of_its_quotes() -> None:
    record = Deprecation("User.name", replacement='full"Name\nX')
    assert warning_header(record, D(2026, 1, 1)) == '299 - "Deprecated API. Use full\\"Name X instead."'


def test_response_headers_while_deprecated() -> None:
    headers = response_headers([UPLOAD], D(2025, 10, 1))
    assert headers == [
        ("Deprecation", "@1758931200"),
        ("Sunset", "Tue, 30 Jun 2026 00:00:00 GMT"),
        ("Link", '<https://docs.youtility.in/migrations/resource-v2>; rel="deprecation"'),
        ("X-Deprecated-Replacement", "secure_file_upload"),
        ("Warning", '299 - "Deprecated API. Use secure_file_upload instead."'),
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
