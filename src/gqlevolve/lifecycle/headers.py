"""What a response says about the deprecations it touched: the lifecycle headers and the Gone body.

- :func:`response_headers` renders the headers for every record a response touched (the elements an operation
  used, a whole endpoint version), once, from the records: one ``Deprecation`` (RFC 9745) and one ``Sunset``
  (RFC 8594) with the earliest dates, one ``Link: <guide>; rel="deprecation"`` per guide, one
  ``X-Deprecated-Replacement`` per replacement, and one ``Warning: 299`` per record, naming its element
  (:func:`warning_header`) so that a response touching several says which is which;
- :func:`gone_body` is the policy's body of the removed phase (410 Gone, and the ``GONE`` error's extensions).

Whoever combines several sources (``versioned_app`` adds a deprecated version's own record to the records its
operation touched) combines the records and renders once: header text is never parsed back.

Example: one record in its sunset warning, on the pinned day (2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> record = Deprecation(
    ...     "Mutation.upload_attachment",
    ...     reason="Use secure_file_upload",
    ...     deprecated_on=date(2025, 9, 27),
    ...     sunset_on=date(2026, 12, 15),
    ...     replacement="secure_file_upload",
    ...     migration_guide="/docs/migrations/secure-file-upload",
    ... )
    >>> for name, value in response_headers([record], clock.today()):
    ...     print(f"{name}: {value}")
    Deprecation: @1758931200
    Sunset: Tue, 15 Dec 2026 00:00:00 GMT
    Link: </docs/migrations/secure-file-upload>; rel="deprecation"
    X-Deprecated-Replacement: secure_file_upload
    Warning: 299 - "API will be removed in 24 days on 2026-12-15: Mutation.upload_attachment"
    >>> body = gone_body(record)        # the removed phase: 410 Gone, and the GONE error's extensions
    >>> body["status_code"], body["message"], body["replacement"]
    (410, 'This endpoint was removed on 2026-12-15', 'secure_file_upload')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import format_datetime
from typing import Any

from gqlevolve.lifecycle.records import Deprecation, Status

__all__ = ["deprecation_header", "gone_body", "response_headers", "sunset_header", "warning_header"]


def _midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def deprecation_header(deprecated_on: dt.date) -> str:
    """RFC 9745: ``@`` and the Unix time at which the deprecation took effect (00:00 UTC that day)."""
    return f"@{int(_midnight_utc(deprecated_on).timestamp())}"


def sunset_header(sunset_on: dt.date) -> str:
    """RFC 8594: the IMF-fixdate at which the element stops answering.

    The policy's statuses say ``removed`` from ``sunset_on`` on, so that is 00:00:00 GMT of that day.
    """
    return format_datetime(_midnight_utc(sunset_on), usegmt=True)


def warning_header(record: Deprecation, today: dt.date) -> str | None:
    """The policy's ``Warning: 299`` text for the record's phase on ``today``, naming the element (None while active).

    Every text is ``<the policy's phase text>: <coordinate>``, and in the ``deprecated`` phase the policy's
    ``. Use <replacement> instead.`` follows when there is a replacement::

        299 - "Deprecated API: User.name. Use fullName instead."
        299 - "Deprecated API: User.name"                                   (no replacement)
        299 - "API will be removed in 12 days on 2026-06-30: Mutation.upload_attachment"
        299 - "API will be removed soon: Mutation.upload_attachment"        (pinned, no sunset date)
        299 - "API was removed on 2026-06-30: Mutation.upload_attachment"

    The coordinate is a schema coordinate, or an endpoint's path for a whole version (``/api/v1/graphql``); it has
    no white space, so a client that gets several warnings finds it after the first ``": "``.
    """
    status = record.status_on(today)
    if status is Status.ACTIVE:
        return None
    if status is Status.DEPRECATED:
        text = f"Deprecated API: {record.coordinate}"
        if record.replacement:
            text += f". Use {record.replacement} instead."
    elif status is Status.SUNSET_WARNING and record.sunset_on is not None:
        days = record.days_until_sunset(today)
        text = f"API will be removed in {days} days on {record.sunset_on.isoformat()}: {record.coordinate}"
    elif status is Status.SUNSET_WARNING:  # pinned by an override with no sunset date
        text = f"API will be removed soon: {record.coordinate}"
    else:
        removed_on = f" on {record.sunset_on.isoformat()}" if record.sunset_on else ""
        text = f"API was removed{removed_on}: {record.coordinate}"
    return f'299 - "{_quoted(text)}"'


def _quoted(text: str) -> str:
    # A quoted-string may not hold a bare quote or a line break.
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


def response_headers(records: Iterable[Deprecation], today: dt.date) -> list[tuple[str, str]]:
    """The headers for a response that touched ``records`` (those not yet deprecated are ignored).

    One ``Deprecation`` (the earliest date) and one ``Sunset`` (the earliest), one ``Link`` per
    migration guide, ``X-Deprecated-Replacement`` per replacement and one ``Warning`` per record. A record given
    twice (two sources touched the same element) counts once.
    """
    current = list(dict.fromkeys(record for record in records if record.status_on(today) is not Status.ACTIVE))
    if not current:
        return []
    headers: list[tuple[str, str]] = []
    deprecated_dates = [record.deprecated_on for record in current if record.deprecated_on]
    if deprecated_dates:
        headers.append(("Deprecation", deprecation_header(min(deprecated_dates))))
    else:  # RFC 9745 has no "deprecated since an unknown date"; the header must still say it is
        headers.append(("Deprecation", deprecation_header(today)))
    sunset_dates = [record.sunset_on for record in current if record.sunset_on]
    if sunset_dates:
        headers.append(("Sunset", sunset_header(min(sunset_dates))))
    for guide in _unique(record.migration_guide for record in current):
        headers.append(("Link", f'<{guide}>; rel="deprecation"'))
    for replacement in _unique(record.replacement for record in current):
        headers.append(("X-Deprecated-Replacement", replacement))
    for record in current:
        warning = warning_header(record, today)
        if warning:
            headers.append(("Warning", warning))
    return headers


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def gone_body(record: Deprecation, *, subject: str = "This endpoint") -> dict[str, Any]:
    """The policy's 410 body: ``error``, ``message``, ``replacement``, ``migration_guide``, ``status_code``."""
    removed_on = f" on {record.sunset_on.isoformat()}" if record.sunset_on else ""
    return {
        "error": "Gone",
        "message": f"{subject} was removed{removed_on}",
        "replacement": record.replacement,
        "migration_guide": record.migration_guide,
        "status_code": 410,
    }
