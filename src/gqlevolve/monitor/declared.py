"""What a server author declares about deprecations: dates, replacements and migration guides, in one place.

The schema says *what* is deprecated (``deprecation_reason``); the declarations add *when* and *what instead*.
Give ``deprecation_usage(declared=...)`` either a sequence of :class:`~gqlevolve.lifecycle.Deprecation`
records or the path of a TOML file::

    [[deprecation]]
    coordinate = "Mutation.upload_attachment"
    reason = "Use secure_file_upload"          # optional: the schema's reason otherwise
    deprecated_on = 2025-09-27                 # TOML dates (or "2025-09-27")
    sunset_on = 2026-06-30
    replacement = "secure_file_upload"
    migration_guide = "https://docs.youtility.in/migrations/secure-file-upload"
    refuse_new_adopters = true                 # optional: no new clients in the sunset warning
    brownouts = ["every tuesday 14:00-14:15 UTC from D-30"]     # optional: scheduled brownout windows

A declaration for an element the schema does not deprecate is ignored for that schema (one declaration file
can serve every version); a malformed one is refused at start-up with a message that says which and why. Dates are
``YYYY-MM-DD`` (a TOML date or a string) from 1970-01-01 to 9000-12-31, as every record's dates.

Example: a declarations file read, and one with a typo in a date refused:

    >>> path = tmp_dir / "deprecations.toml"
    >>> _ = path.write_text('''
    ... [[deprecation]]
    ... coordinate = "User.name"
    ... sunset_on = 2027-03-31
    ... replacement = "User.fullName"
    ... ''')
    >>> load_declarations(path)["User.name"]
    Deprecation(coordinate='User.name', ..., sunset_on=datetime.date(2027, 3, 31), replacement='User.fullName', ...)
    >>> _ = path.write_text('[[deprecation]]\\ncoordinate = "User.name"\\nsunset_on = "2027-13-31"\\n')
    >>> load_declarations(path)
    Traceback (most recent call last):
    gqlevolve.monitor.declared.DeclarationError: .../deprecations.toml: deprecation #1: sunset_on: "2027-13-31" is not
    a date in the form YYYY-MM-DD
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gqlevolve.coordinates import parse_coordinate
from gqlevolve.errors import InvalidInput
from gqlevolve.lifecycle import Deprecation, Status, check_day, parse_iso_date

__all__ = ["Declared", "DeclarationError", "declarations", "load_declarations"]

#: What ``deprecation_usage(declared=...)`` accepts.
Declared = Iterable[Deprecation] | str | os.PathLike[str] | None

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FIELDS = (
    "coordinate", "reason", "deprecated_on", "sunset_on", "replacement", "migration_guide", "status_override",
    "refuse_new_adopters", "brownouts",
)


class DeclarationError(InvalidInput):
    """A declaration that cannot be used (bad coordinate, date, field or duplicate): invalid input, a
    ``ValueError``."""


def declarations(declared: Declared) -> dict[str, Deprecation]:
    """The declarations by coordinate, from records or a TOML file; :class:`DeclarationError` if malformed."""
    if declared is None:
        return {}
    if isinstance(declared, str | os.PathLike):
        return load_declarations(declared)
    if isinstance(declared, Mapping):
        raise DeclarationError("declared= takes a sequence of Deprecation records or a TOML path, not a mapping")
    by_coordinate: dict[str, Deprecation] = {}
    for position, record in enumerate(declared):
        if not isinstance(record, Deprecation):
            raise DeclarationError(f"declaration {position}: expected a Deprecation record, not {type(record).__name__}")
        _add(by_coordinate, record, f"declaration {position}")
    return by_coordinate


def load_declarations(path: str | os.PathLike[str]) -> dict[str, Deprecation]:
    """Read ``[[deprecation]]`` tables from a TOML file."""
    file = Path(path)
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise DeclarationError(f"cannot read the declarations file {file}: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise DeclarationError(f"{file} is not valid TOML: {error}") from error
    unknown_tables = set(document) - {"deprecation"}
    if unknown_tables:
        raise DeclarationError(f"{file}: unknown top-level key(s) {sorted(unknown_tables)}; expected [[deprecation]]")
    entries = document.get("deprecation", [])
    if not isinstance(entries, list):
        raise DeclarationError(f"{file}: 'deprecation' must be an array of tables ([[deprecation]])")
    by_coordinate: dict[str, Deprecation] = {}
    for position, entry in enumerate(entries, start=1):
        where = f"{file}: deprecation #{position}"
        _add(by_coordinate, _record(entry, where), where)
    return by_coordinate


def _record(entry: Any, where: str) -> Deprecation:
    if not isinstance(entry, dict):
        raise DeclarationError(f"{where}: expected a table")
    unknown = set(entry) - set(_FIELDS)
    if unknown:
        raise DeclarationError(f"{where}: unknown field(s) {sorted(unknown)}; known: {', '.join(_FIELDS)}")
    if "coordinate" not in entry:
        raise DeclarationError(f"{where}: 'coordinate' is required")
    values: dict[str, Any] = {}
    for name, value in entry.items():
        if name in ("deprecated_on", "sunset_on"):
            values[name] = _date(value, f"{where}: {name}")
        elif name == "status_override":
            try:
                values[name] = Status(value)
            except ValueError:
                raise DeclarationError(
                    f"{where}: status_override {value!r} is not one of {', '.join(status.value for status in Status)}"
                ) from None
        elif name == "refuse_new_adopters":
            if not isinstance(value, bool):
                raise DeclarationError(f"{where}: refuse_new_adopters must be true or false, not {value!r}")
            values[name] = value
        elif name == "brownouts":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise DeclarationError(f"{where}: brownouts must be an array of strings (one window each)")
            values[name] = tuple(value)  # parsed (and refused if malformed) by the record
        elif not isinstance(value, str):
            raise DeclarationError(f"{where}: {name} must be a string, not {type(value).__name__}")
        else:
            values[name] = value
    try:
        return Deprecation(**values)
    except ValueError as error:
        raise DeclarationError(f"{where}: {error}") from error


def _date(value: Any, where: str) -> dt.date:
    """A TOML date or a ``YYYY-MM-DD`` string, from 1970-01-01 to 9000-12-31 (:func:`~gqlevolve.lifecycle.check_day`,
    the rule of every record's dates)."""
    if isinstance(value, dt.datetime):
        raise DeclarationError(f"{where}: expected a date (2026-06-30), not a date and time")
    if isinstance(value, str):
        try:
            return parse_iso_date(value, name=where)
        except InvalidInput as error:
            if not _ISO_DATE.fullmatch(value):
                raise DeclarationError(f"{where}: expected a date like 2026-06-30, not {value!r}") from None
            raise DeclarationError(str(error)) from None
    if isinstance(value, dt.date):
        try:
            return check_day(value, name=where)
        except InvalidInput as error:
            raise DeclarationError(str(error)) from None
    raise DeclarationError(f"{where}: expected a date like 2026-06-30, not {value!r}")


def _add(by_coordinate: dict[str, Deprecation], record: Deprecation, where: str) -> None:
    try:
        parse_coordinate(record.coordinate)
    except ValueError as error:
        raise DeclarationError(f"{where}: {error}") from None
    if record.coordinate in by_coordinate:
        raise DeclarationError(f"{where}: {record.coordinate} is declared twice")
    by_coordinate[record.coordinate] = record
