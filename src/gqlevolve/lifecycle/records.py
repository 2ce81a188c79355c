"""A deprecation record and its status on a day: the lifecycle policy's phases, to the day.

A :class:`Deprecation` is ``active`` before ``deprecated_on``, ``deprecated`` from then on, ``sunset_warning`` from
:data:`SUNSET_WARNING_DAYS` (30) days before ``sunset_on`` and ``removed`` from ``sunset_on``; a
``status_override`` (the policy's emergency rollback) wins over the dates. A :class:`VersionLifecycle` is the same
for a whole endpoint version, given to ``versioned_app``.

A record never holds a migration guide that a ``Link`` header cannot carry: :func:`check_migration_guide` is the one
rule (an absolute ``http``/``https`` URL with a host, or an absolute path such as ``/docs/migrations/x``), and
records, declarations, version lifecycles, the command line and the admin API all refuse anything else.
:func:`parse_iso_date` is the one way a date a person typed (an option, a field) becomes a record's date.

A record's dates lie from :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY` (1970-01-01 to 9000-12-31), whoever
makes it (:func:`check_day` is the rule): an extension, a window or the sunset warning's 30 days stay within what
``datetime.date`` holds. A record that the store kept from before that rule (``sunset_on = 9999-12-31``,
``0001-01-02``) is read as it is, with :meth:`Deprecation.as_stored`, so that the reports show it and the
emergency procedures mend it; :meth:`Deprecation.with_changes` checks only what changes, and every date computed
from a record (:meth:`Deprecation.status_on`, :attr:`~Deprecation.sunset_warning_starts`, :func:`add_days`) stops
at the first or last date there is instead of overflowing.

Example: a record's phases, to the day (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> record = Deprecation(
    ...     "Mutation.upload_attachment",
    ...     reason="Use secure_file_upload",
    ...     deprecated_on=date(2025, 9, 27),
    ...     sunset_on=date(2026, 12, 15),
    ...     replacement="secure_file_upload",
    ... )
    >>> record.status_on(clock.today()), record.sunset_warning_starts, record.days_until_sunset(clock.today())
    (<Status.SUNSET_WARNING: 'sunset_warning'>, datetime.date(2026, 11, 15), 24)
    >>> record.status_on(date(2026, 12, 15))
    <Status.REMOVED: 'removed'>
    >>> record.with_changes(status_override=Status.SUNSET_WARNING).status_on(date(2027, 1, 1))   # a rollback
    <Status.SUNSET_WARNING: 'sunset_warning'>
    >>> parse_iso_date("9999-12-31", name="--sunset")
    Traceback (most recent call last):
    gqlevolve.errors.InvalidInput: --sunset: ...
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle.brownouts import BrownoutWindow, parse_windows
from gqlevolve.lifecycle.days import FIRST_TYPED_DAY, LAST_TYPED_DAY, add_days
from gqlevolve.lifecycle.versions import validate_version

__all__ = [
    "MIGRATION_GUIDE_RULE",
    "SUNSET_WARNING_DAYS",
    "Deprecation",
    "InvalidMigrationGuide",
    "Status",
    "VersionLifecycle",
    "FIRST_TYPED_DAY",
    "LAST_TYPED_DAY",
    "add_days",
    "check_day",
    "check_migration_guide",
    "parse_iso_date",
]

#: The sunset warning phase starts this many days before ``sunset_on``.
SUNSET_WARNING_DAYS = 30

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


_DATE_FIELDS = ("deprecated_on", "sunset_on")


@dataclass(frozen=True, slots=True)
class Deprecation:
    """A deprecated element (or endpoint) with the dates and pointers the policy asks for.

    ``coordinate`` is a schema coordinate (``User.name``) or, for a whole version, its path.
    ``status_override`` pins the status regardless of dates (the policy's rollback sets
    ``sunset_warning`` on an element whose sunset passed). ``refuse_new_adopters``: during ``sunset_warning``, a
    client that had not used the element before the phase began gets ``GONE`` (:mod:`~gqlevolve.lifecycle.adoption`).
    ``brownouts``: scheduled windows in which it answers ``GONE`` (:mod:`~gqlevolve.lifecycle.brownouts`; given as
    windows or their text). The dates are ``datetime.date`` values from
    :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY`, the sunset not before the deprecation; an
    :class:`~gqlevolve.errors.InvalidInput` (a ``ValueError``) otherwise.
    """

    coordinate: str
    reason: str | None = None
    deprecated_on: dt.date | None = None
    sunset_on: dt.date | None = None
    replacement: str | None = None
    migration_guide: str | None = None
    status_override: Status | None = None
    refuse_new_adopters: bool = False
    brownouts: tuple[BrownoutWindow, ...] = ()

    def __post_init__(self) -> None:
        self._check(
            ("coordinate", "reason", *_DATE_FIELDS, "replacement", "migration_guide", "status_override",
             "refuse_new_adopters", "brownouts")
        )

    def _check(self, changed: Iterable[str]) -> None:
        """Check the fields named in ``changed`` (and the order of the dates when one of them changed)."""
        changed = set(changed)
        if "coordinate" in changed and not self.coordinate:
            raise InvalidInput("a deprecation record needs a coordinate", field="coordinate")
        for name in _DATE_FIELDS:
            value = getattr(self, name)
            if name in changed and value is not None:
                check_day(value, name=f"{self.coordinate}: {name}", field=name)
        if (
            changed & set(_DATE_FIELDS) and self.deprecated_on and self.sunset_on
            and self.sunset_on < self.deprecated_on
        ):
            raise InvalidInput(
                f"{self.coordinate}: sunset_on ({self.sunset_on}) is before deprecated_on ({self.deprecated_on})",
                field="sunset_on",
            )
        if "status_override" in changed and self.status_override is not None:
            object.__setattr__(self, "status_override", _status(self.status_override, self.coordinate))
        if "migration_guide" in changed and self.migration_guide is not None:
            try:
                check_migration_guide(self.migration_guide)
            except InvalidMigrationGuide as error:
                raise InvalidMigrationGuide(f"{self.coordinate}: {error}", field=error.field) from None
        if "refuse_new_adopters" in changed and not isinstance(self.refuse_new_adopters, bool):
            raise InvalidInput(
                f"{self.coordinate}: refuse_new_adopters is true or false, not {json_quote(self.refuse_new_adopters)}",
                field="refuse_new_adopters",
            )
        if "brownouts" in changed:
            object.__setattr__(self, "brownouts", parse_windows(self.brownouts))

    @classmethod
    def as_stored(cls, **values: Any) -> Deprecation:
        """A record as the store keeps it, its dates and their order unchecked: one written before the dates were
        checked (``sunset_on = 9999-12-31``) is still read, shown and mended, never refused. The status must be
        one of :class:`Status` (the store drops one that is not before it gets here)."""
        record = object.__new__(cls)
        for item in fields(cls):
            object.__setattr__(record, item.name, values.pop(item.name, item.default))
        if values:
            raise TypeError(f"unknown fields of a deprecation record: {', '.join(sorted(values))}")
        if record.status_override is not None:
            object.__setattr__(record, "status_override", _status(record.status_override, record.coordinate))
        return record

    def status_on(self, day: dt.date) -> Status:
        """The policy phase on ``day`` (boundaries: each phase starts on its first day)."""
        if self.status_override is not None:
            return self.status_override
        if self.sunset_on is not None:
            if day >= self.sunset_on:
                return Status.REMOVED
            if day >= add_days(self.sunset_on, -SUNSET_WARNING_DAYS):
                return Status.SUNSET_WARNING
        if self.deprecated_on is None or day >= self.deprecated_on:
            return Status.DEPRECATED
        return Status.ACTIVE

    @property
    def sunset_warning_starts(self) -> dt.date | None:
        """30 days before the sunset (the first date there is for a sunset stored in its first 30 days)."""
        if self.sunset_on is None:
            return None
        return add_days(self.sunset_on, -SUNSET_WARNING_DAYS)

    def days_until_sunset(self, day: dt.date) -> int | None:
        return None if self.sunset_on is None else (self.sunset_on - day).days

    def with_changes(self, **changes: Any) -> Deprecation:
        """This record with ``changes``, which are checked as a new record's fields are; the fields that do not
        change are not checked again (a stored record from before a rule can be mended one field at a time)."""
        unknown = set(changes) - {item.name for item in fields(self)}
        if unknown:
            raise TypeError(f"unknown fields of a deprecation record: {', '.join(sorted(unknown))}")
        record = object.__new__(type(self))
        for item in fields(self):
            object.__setattr__(record, item.name, changes.get(item.name, getattr(self, item.name)))
        record._check(changes)
        return record


def _status(value: object, coordinate: str) -> Status:
    if isinstance(value, Status):
        return value
    try:
        return Status(str(value))
    except ValueError:
        raise InvalidInput(
            f"{coordinate}: status_override: {json_quote(value)} is not one of "
            f"{', '.join(status.value for status in Status)}",
            field="status",
        ) from None


@dataclass(frozen=True, slots=True)
class VersionLifecycle:
    """The lifecycle of a whole endpoint version (``/api/v1/graphql``), given to ``versioned_app``.

    ``successor`` names the version that replaces it (``"v2"``); its path becomes the replacement. The dates lie
    from :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY`, the sunset not before the deprecation.
    """

    deprecated_on: dt.date
    sunset_on: dt.date | None = None
    successor: str | None = None
    migration_guide: str | None = None
    reason: str | None = None
    #: During ``sunset_warning``, a client new to this version gets 410 (:mod:`~gqlevolve.lifecycle.adoption`).
    refuse_new_adopters: bool = False
    #: Brownout windows of the whole version (windows or their text: :mod:`~gqlevolve.lifecycle.brownouts`).
    brownouts: tuple[BrownoutWindow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "brownouts", parse_windows(self.brownouts))
        if not isinstance(self.refuse_new_adopters, bool):
            raise InvalidInput("refuse_new_adopters is true or false", field="refuse_new_adopters")
        check_day(self.deprecated_on, name="deprecated_on")
        if self.sunset_on is not None:
            check_day(self.sunset_on, name="sunset_on")
            if self.sunset_on < self.deprecated_on:
                raise InvalidInput(
                    f"sunset_on ({self.sunset_on}) is before deprecated_on ({self.deprecated_on})", field="sunset_on"
                )
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
            refuse_new_adopters=self.refuse_new_adopters,
            brownouts=self.brownouts,
        )


# --- migration guides ------------------------------------------------------------------------------


class InvalidMigrationGuide(InvalidInput):
    """A migration guide that is not an absolute http(s) URL with a host, nor an absolute path: invalid input, a
    ``ValueError``."""


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
        f"{name}: {json_quote(value)} is not a migration guide ({problem}); a guide is {MIGRATION_GUIDE_RULE}",
        field="migration_guide",
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


# --- dates as people type them ---------------------------------------------------------------------


def parse_iso_date(value: str, *, name: str) -> dt.date:
    """``value`` as a date (``YYYY-MM-DD``); an :class:`~gqlevolve.errors.InvalidInput` (a ``ValueError``) naming
    ``name`` (an option, a field) otherwise.

    Only that form: ``date.fromisoformat`` would also take ``20260630`` or ``2026-W27-2``, which no one means.
    And only from 1970-01-01 to 9000-12-31 (:func:`check_day`): the date arithmetic of a window or an extension
    stays within what ``datetime.date`` holds.
    """
    field = name.lstrip("-").replace("-", "_")
    try:
        if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: {json_quote(value)} is not a date in the form YYYY-MM-DD", field=field) from None
    return check_day(day, name=name, field=field)


def check_day(day: object, *, name: str, field: str | None = None) -> dt.date:
    """``day`` if it is a date (not a date and time) from :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY`; an
    :class:`~gqlevolve.errors.InvalidInput` naming ``name`` otherwise (``field``: the parameter, default ``name``).

    The one rule for the dates of a record, a version's lifecycle, a declaration and a typed date.
    """
    field = field or name
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise InvalidInput(f"{name}: expected a date (YYYY-MM-DD), not {json_quote(day)}", field=field)
    if not FIRST_TYPED_DAY <= day <= LAST_TYPED_DAY:
        raise InvalidInput(
            f"{name}: {json_quote(day.isoformat())} is not a date from {FIRST_TYPED_DAY.isoformat()} to "
            f"{LAST_TYPED_DAY.isoformat()}",
            field=field,
        )
    return day
