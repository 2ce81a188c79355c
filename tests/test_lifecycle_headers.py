"""The lifecycle headers (RFC 9745, RFC 8594, the policy's Warning texts) and the Gone body."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest

from gqlevolve.lifecycle import (
    Deprecation,
    InvalidMigrationGuide,
    Status,
    deprecation_header,
    gone_body,
    response_headers,
    sunset_header,
    warning_header,
)
from tests.policy_records import UPLOAD

D = dt.date


def test_deprecation_header_is_rfc9745_unix_seconds() -> None:
    # The policy's example: @1719792000 is 2024-07-01T00:00:00Z.
    assert deprecation_header(D(2024, 7, 1)) == "@1719792000"


def test_sunset_header_is_an_imf_fixdate() -> None:
    value = sunset_header(D(2025, 7, 31))
    assert value == "Thu, 31 Jul 2025 00:00:00 GMT"
    assert parsedate_to_datetime(value) == dt.datetime(2025, 7, 31, tzinfo=dt.UTC)


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


def test_records_from_several_sources_render_one_deprecation_and_sunset() -> None:
    # A deprecated version adds its own record to those its operation touched, and renders them once.
    version = Deprecation("/api/v1/graphql", deprecated_on=D(2026, 9, 1), sunset_on=D(2027, 3, 1), migration_guide="/a")
    field = Deprecation("User.name", deprecated_on=D(2026, 1, 15), sunset_on=D(2026, 12, 15), migration_guide="/a")
    other = Deprecation("User.email", deprecated_on=D(2026, 2, 1), migration_guide="/b")
    headers = response_headers([version, field, other, field], D(2026, 11, 21))
    assert [header for header in headers if header[0] != "Warning"] == [
        ("Deprecation", deprecation_header(D(2026, 1, 15))),
        ("Sunset", sunset_header(D(2026, 12, 15))),
        ("Link", '</a>; rel="deprecation"'),
        ("Link", '</b>; rel="deprecation"'),
    ]
    warnings = [value for name, value in headers if name == "Warning"]
    assert len(warnings) == 3  # one per record: the field given twice is one record


def test_a_record_never_yields_a_link_to_a_bad_guide() -> None:
    # The only way to a Link header is through a record, and a record cannot hold a bad guide.
    with pytest.raises(InvalidMigrationGuide):
        UPLOAD.with_changes(migration_guide="not a url")
    links = [value for name, value in response_headers([UPLOAD], D(2025, 10, 1)) if name == "Link"]
    assert links == ['<https://docs.youtility.in/migrations/resource-v2>; rel="deprecation"']


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
