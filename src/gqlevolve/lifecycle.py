"""The lifecycle policy, as code: deprecation records, their status on a day, headers, the Gone body.

Everything here follows ``api-lifecycle-policy.md`` and ``adr-endpoint-versioning.md``:

- a :class:`Deprecation` is ``active`` before ``deprecated_on``, ``deprecated`` from then on,
  ``sunset_warning`` from 30 days before ``sunset_on`` and ``removed`` from ``sunset_on``;
- :func:`response_headers` gives the ``Deprecation`` (RFC 9745), ``Sunset`` (RFC 8594), ``Link`` and
  ``Warning: 299`` headers for the records an operation (or a whole endpoint version) touches; every
  ``Warning`` names its element (:func:`warning_header`), so a response touching several says which is which;
- :func:`check_migration_guide` is the one rule for a migration guide (an absolute ``http``/``https`` URL with
  a host, or an absolute path such as ``/docs/migrations/x``): records, declarations, version lifecycles, the
  command line and the admin API all refuse anything else, so no ``Link`` header carries a broken target;
- :func:`gone_body` is the body of the removed phase (410 Gone);
- :func:`validate_version` enforces the ADR's version names: ``draft`` or ``v1``, ``v2``, ...

Example::

    record = Deprecation(
        "Mutation.upload_attachment",
        reason="Use secure_file_upload",
        deprecated_on=date(2025, 9, 27),
        sunset_on=date(2026, 6, 30),
        replacement="secure_file_upload",
    )
    record.status_on(date(2026, 6, 1))      # Status.SUNSET_WARNING
    response_headers([record], date(2026, 6, 1))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from gqlevolve.jsonable import json_quote

__all__ = [
    "MIGRATION_GUIDE_RULE",
    "SUNSET_WARNING_DAYS",
    "VERSION_RULE",
    "Deprecation",
    "InvalidMigrationGuide",
    "InvalidVersionName",
    "Status",
    "VersionLifecycle",
    "check_migration_guide",
    "deprecation_header",
    "gone_body",
    "is_draft",
    "merge_headers",
    "parse_iso_date",
    "response_headers",
    "sunset_header",
    "validate_version",
    "warning_header",
]

#: The sunset warning phase starts this many days before ``sunset_on``.
SUNSET_WARNING_DAYS = 30

#: The ADR's rule for ``<version>`` in ``/api/<version>/<path>``.
VERSION_RULE = "a version is 'draft' or 'v' followed by a number without a leading zero (v1, v2, v10)"
_VERSION_PATTERN = re.compile(r"draft|v[1-9][0-9]*")

#: What a migration guide may be: it becomes ``Link: <guide>; rel="deprecation"`` and the 410 body's ``migration_guide``.
MIGRATION_GUIDE_RULE = (
    "an absolute http or https URL with a host (https://docs.example/migrations/x) or an absolute path "
    "(/docs/migrations/x)"
)
_MIGRATION_GUIDE_LENGTH = 2048
# RFC 3986: unreserved, reserved and "%" (percent-encoding); anything else must be percent-encoded.
_URI_CHARACTER = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Status(StrEnum):
    """The four phases of the lifecycle policy."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    SUNSET_WARNING = "sunset_warning"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Deprecation:
    """A deprecated element (or endpoint) with the dates and pointers the policy asks for.

    ``coordinate`` is a schema coordinate (``User.name``) or, for a whole version, its path.
    ``status_override`` pins the status regardless of dates (the policy's rollback sets
    ``sunset_warning`` on an element whose sunset passed).
    """

    coordinate: str
    reason: str | None = None
    deprecated_on: dt.date | None = None
    sunset_on: dt.date | None = None
    replacement: str | None = None
    migration_guide: str | None = None
    status_override: Status | None = None

    def __post_init__(self) -> None:
        if not self.coordinate:
            raise ValueError("a deprecation record needs a coordinate")
        if self.deprecated_on and self.sunset_on and self.sunset_on < self.deprecated_on:
            raise ValueError(
                f"{self.coordinate}: sunset_on ({self.sunset_on}) is before deprecated_on ({self.deprecated_on})"
            )
        if self.status_override is not None and not isinstance(self.status_override, Status):
            try:
                object.__setattr__(self, "status_override", Status(self.status_override))
            except ValueError:
                raise ValueError(
                    f"{self.coordinate}: status_override: {json_quote(self.status_override)} is not one of "
                    f"{', '.join(status.value for status in Status)}"
                ) from None
        if self.migration_guide is not None:
            try:
                check_migration_guide(self.migration_guide)
            except InvalidMigrationGuide as error:
                raise InvalidMigrationGuide(f"{self.coordinate}: {error}") from None

    def status_on(self, day: dt.date) -> Status:
        """The policy phase on ``day`` (boundaries: each phase starts on its first day)."""
        if self.status_override is not None:
            return self.status_override
        if self.sunset_on is not None:
            if day >= self.sunset_on:
                return Status.REMOVED
            if day >= self.sunset_warning_starts:
                return Status.SUNSET_WARNING
        if self.deprecated_on is None or day >= self.deprecated_on:
            return Status.DEPRECATED
        return Status.ACTIVE

    @property
    def sunset_warning_starts(self) -> dt.date | None:
        if self.sunset_on is None:
            return None
        return self.sunset_on - dt.timedelta(days=SUNSET_WARNING_DAYS)

    def days_until_sunset(self, day: dt.date) -> int | None:
        return None if self.sunset_on is None else (self.sunset_on - day).days

    def with_changes(self, **changes: Any) -> Deprecation:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class VersionLifecycle:
    """The lifecycle of a whole endpoint version (``/api/v1/graphql``), given to ``versioned_app``.

    ``successor`` names the version that replaces it (``"v2"``); its path becomes the replacement.
    """

    deprecated_on: dt.date
    sunset_on: dt.date | None = None
    successor: str | None = None
    migration_guide: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.successor is not None:
            validate_version(self.successor)
        if self.migration_guide is not None:
            check_migration_guide(self.migration_guide)

    def as_deprecation(self, path: str, successor_path: str | None) -> Deprecation:
        return Deprecation(
            coordinate=path,
            reason=self.reason,
            deprecated_on=self.deprecated_on,
            sunset_on=self.sunset_on,
            replacement=successor_path,
            migration_guide=self.migration_guide,
        )


# --- version names (adr-endpoint-versioning.md) -------------------------------------------------


class InvalidVersionName(ValueError):
    """A version name that breaks the ADR's rule."""


def validate_version(name: str) -> str:
    """Return ``name`` if it is ``draft`` or ``vN`` (N without a leading zero), else raise."""
    if not isinstance(name, str) or _VERSION_PATTERN.fullmatch(name) is None:
        raise InvalidVersionName(f"invalid version name {name!r}: {VERSION_RULE}")
    return name


def is_draft(version: str) -> bool:
    return version == "draft"


# --- migration guides ------------------------------------------------------------------------------


class InvalidMigrationGuide(ValueError):
    """A migration guide that is not an absolute http(s) URL with a host, nor an absolute path."""


def check_migration_guide(value: object, *, name: str = "migration_guide") -> str:
    """Return ``value`` if it may be a migration guide (:data:`MIGRATION_GUIDE_RULE`), else raise.

    The guide is sent as ``Link: <guide>; rel="deprecation"``, so it must be a URI reference that a header can
    carry: ASCII only (percent-encode the rest), no white space, control characters, ``<`` or ``>``. An
    ``http``/``https`` URL needs a host; a path starts with exactly one ``/`` (``//host`` is not a path).
    ``name`` is how the caller's users know the value (``migration_guide``, ``--guide``).
    """
    problem = _guide_problem(value)
    if problem is None:
        assert isinstance(value, str)
        return value
    raise InvalidMigrationGuide(
        f"{name}: {json_quote(value)} is not a migration guide ({problem}); a guide is {MIGRATION_GUIDE_RULE}"
    )


def _guide_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "it is not text"
    if not value:
        return "it is empty"
    if len(value) > _MIGRATION_GUIDE_LENGTH:
        return f"it is longer than {_MIGRATION_GUIDE_LENGTH} characters"
    if any(character.isspace() for character in value):
        return "it contains white space"
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in value):
        return "it contains a control character"
    if "<" in value or ">" in value:
        return "it contains < or >"
    if not value.isascii():
        return "it contains characters outside ASCII (percent-encode them)"
    for character in value:
        if _URI_CHARACTER.fullmatch(character) is None:
            return f"it contains the character {json_quote(character)}, which a URL holds only percent-encoded"
    if _BAD_PERCENT.search(value):
        return "it has a % that is not followed by two hexadecimal digits"
    if value.startswith("//"):
        return "it starts with //, which is neither a path nor a URL with a scheme"
    if value.startswith("/"):
        return None
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if not scheme:
        return "it is a relative reference"
    if scheme not in ("http", "https"):
        return f"its scheme is {scheme}:, not http: or https:"
    if not parts.hostname:
        return "it has no host"
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        return "its port is not a number from 0 to 65535"
    return None


# --- headers (RFC 9745, RFC 8594, the policy's Warning texts) ------------------------------------


def parse_iso_date(value: str, *, name: str) -> dt.date:
    """``value`` as a date (``YYYY-MM-DD``); a ``ValueError`` naming ``name`` (an option, a field) otherwise.

    Only that form: ``date.fromisoformat`` would also take ``20260630`` or ``2026-W27-2``, which no one means.
    """
    try:
        if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: {json_quote(value)} is not a date in the form YYYY-MM-DD") from None


def _midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


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
    migration guide, ``X-Deprecated-Replacement`` per replacement and one ``Warning`` per record.
    """
    current = [record for record in records if record.status_on(today) is not Status.ACTIVE]
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


def merge_headers(first: list[tuple[str, str]], second: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Two header lists as one: a single ``Deprecation`` and ``Sunset`` (the earlier), the rest kept once each."""
    merged: list[tuple[str, str]] = []
    single: dict[str, str] = {}
    for name, value in [*first, *second]:
        key = name.lower()
        if key in ("deprecation", "sunset"):
            earlier = _earlier(single.get(key), value, key)
            single[key] = earlier
        elif (name, value) not in merged:
            merged.append((name, value))
    names = {"deprecation": "Deprecation", "sunset": "Sunset"}
    return [(names[key], value) for key, value in single.items()] + merged


def _earlier(current: str | None, candidate: str, key: str) -> str:
    if current is None:
        return candidate
    if key == "deprecation":
        return min(current, candidate, key=lambda value: int(value.lstrip("@")))
    return min(current, candidate, key=parsedate_to_datetime)


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# --- the removed phase ---------------------------------------------------------------------------


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

