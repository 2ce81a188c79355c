"""Deprecation records (the policy's ``APIDeprecation``) and their audit log.

A record is a :class:`gqlevolve.lifecycle.Deprecation`, kept per (endpoint, coordinate). The store wins over
the schema: :func:`register_deprecations` (called at start-up with what the schema declares) only inserts
missing records and fills fields that are empty in the store, because the platform team may have changed a
record (extended a sunset) since. Every change writes one audit entry per field: what changed, from what,
to what, who, when and why. :func:`delete_deprecation` removes a record (one written by mistake): its audit
entries say ``record: exists -> deleted`` and keep every value it had. The audit log is never pruned.

Every date written is from 1970-01-01 to 9000-12-31 (:func:`gqlevolve.lifecycle.check_day`, checked by the record
for the fields that change). A row written before that rule (``sunset_on = 9999-12-31``) is read as it is
(:meth:`Deprecation.as_stored`), so that the reports show it and the emergency procedures mend it; a stored
migration guide or status that no record may hold now is ignored with a warning (the values escaped:
:mod:`gqlevolve.logs`).

Example: a record registered from the schema, its sunset extended by the platform team, and a second start-up that
does not undo it:

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> schema_says = [Deprecation("User.name", reason="Use fullName", deprecated_on=date(2026, 6, 1),
    ...                            sunset_on=date(2026, 12, 31))]
    >>> with store.engine.begin() as connection:
    ...     _ = register_deprecations(connection, "/api/v1/graphql", schema_says, actor="gqlevolve", now=clock.now())
    ...     _ = update_deprecation(connection, "/api/v1/graphql", "User.name", {"sunset_on": date(2027, 3, 31)},
    ...                            actor="alice", why="Partner X needs one more quarter", now=clock.now())
    ...     register_deprecations(connection, "/api/v1/graphql", schema_says, actor="gqlevolve", now=clock.now())
    [Deprecation(coordinate='User.name', ..., sunset_on=datetime.date(2027, 3, 31), ...)]
    >>> with store.reading() as connection:             # a read-only transaction
    ...     for entry in audit_log(connection, "/api/v1/graphql", "User.name")[-1:]:
    ...         print(entry.field, entry.old_value, "->", entry.new_value, entry.actor, entry.why)
    sunset_on 2026-12-31 -> 2027-03-31 alice Partner X needs one more quarter
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from gqlevolve.coordinates import COORDINATE_LENGTH
from gqlevolve.endpoints import check_endpoint_name
from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.inputs import check_actor, check_why
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import Deprecation, InvalidMigrationGuide, Status, check_migration_guide, parse_iso_date
from gqlevolve.lifecycle.brownouts import BrownoutWindow, format_windows, parse_windows
from gqlevolve.logs import loggable, loggable_text
from gqlevolve.usage_store.tables import deprecation_audit, deprecations, version_enforcement

__all__ = [
    "EDITABLE_FIELDS",
    "RECORD_FIELD",
    "AuditEntry",
    "StoredDeprecation",
    "VersionEnforcement",
    "list_version_enforcement",
    "update_version_enforcement",
    "audit_log",
    "delete_deprecation",
    "list_deprecations",
    "register_deprecations",
    "update_deprecation",
]

#: The fields of a record that can change (the coordinate is its identity).
EDITABLE_FIELDS = (
    "reason", "deprecated_on", "sunset_on", "replacement", "migration_guide", "status_override",
    "refuse_new_adopters", "brownouts",
)
_DATE_FIELDS = ("deprecated_on", "sunset_on")
_STATUSES = tuple(status.value for status in Status)
_logger = logging.getLogger("gqlevolve.usage_store")
#: The audit ``field`` of an entry about the whole record: ``exists -> deleted`` when it was deleted.
RECORD_FIELD = "record"
RECORD_EXISTS = "exists"
RECORD_DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class StoredDeprecation:
    endpoint: str
    record: Deprecation
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    endpoint: str
    coordinate: str
    field: str
    old_value: str | None
    new_value: str | None
    actor: str
    at: dt.datetime
    why: str | None


def register_deprecations(
    connection: sa.Connection,
    endpoint: str,
    records: Iterable[Deprecation],
    *,
    actor: str,
    now: dt.datetime,
    today: dt.date | None = None,
) -> list[Deprecation]:
    """Insert the absent records, fill the store's empty fields; return the endpoint's effective records.

    A new record without ``deprecated_on`` is deprecated from ``today`` (default: ``now``'s day): the day it was
    first seen.
    """
    check_endpoint_name(endpoint)
    today = today or now.date()
    stored = {stored.record.coordinate: stored.record for stored in list_deprecations(connection, endpoint)}
    for record in records:
        existing = stored.get(record.coordinate)
        if existing is None:
            if record.deprecated_on is None:
                record = record.with_changes(deprecated_on=today)
            _insert(connection, endpoint, record, now)
            _audit(connection, endpoint, record.coordinate, _diff(None, record), actor, now, "registered from the schema")
            stored[record.coordinate] = record
            continue
        filled = {
            name: getattr(record, name)
            for name in EDITABLE_FIELDS
            if _empty(getattr(existing, name)) and not _empty(getattr(record, name))
        }
        if filled:
            updated = _validated(existing, filled)
            _update(connection, endpoint, updated, now)
            _audit(connection, endpoint, record.coordinate, _diff(existing, updated), actor, now, "filled from the schema")
            stored[record.coordinate] = updated
    return sorted(stored.values(), key=lambda record: record.coordinate)


def update_deprecation(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    changes: Mapping[str, object],
    *,
    actor: str,
    why: str | None,
    now: dt.datetime,
    create: bool = False,
) -> Deprecation:
    """Apply ``changes`` (any of :data:`EDITABLE_FIELDS`); one audit entry per field that really changed."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)}: the editable fields are {', '.join(EDITABLE_FIELDS)}")
    check_actor(actor)
    check_endpoint_name(endpoint)
    existing = _find(connection, endpoint, coordinate)
    if existing is None:
        if not create:
            raise NotFound(
                f"no deprecation record for {json_quote(coordinate)} on endpoint {json_quote(endpoint)} "
                "(register it first, or pass create=True)",
                field="coordinate",
            )
        record = _validated(Deprecation(coordinate), dict(changes))
        _insert(connection, endpoint, record, now)
        _audit(connection, endpoint, coordinate, _diff(None, record), actor, now, why)
        return record
    record = _validated(existing, dict(changes))
    changed = _diff(existing, record)
    if changed:
        _update(connection, endpoint, record, now)
        _audit(connection, endpoint, coordinate, changed, actor, now, why)
    return record


def delete_deprecation(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    *,
    actor: str,
    why: str,
    now: dt.datetime,
) -> Deprecation:
    """Delete a record and return it; :class:`~gqlevolve.errors.NotFound` (a ``LookupError``) if there is none.

    The audit log gets ``record: exists -> deleted`` and, for every field that had a value, ``field: value ->
    None``, all with ``actor`` and ``why`` (required): what was deleted can be read back, and written again.
    """
    check_actor(actor)
    check_why(why, name="why")
    check_endpoint_name(endpoint)
    existing = _find(connection, endpoint, coordinate)
    if existing is None:
        raise NotFound(
            f"no deprecation record for {json_quote(coordinate)} on endpoint {json_quote(endpoint)}", field="coordinate"
        )
    connection.execute(
        deprecations.delete().where(deprecations.c.endpoint == endpoint, deprecations.c.coordinate == coordinate)
    )
    cleared = [(name, value, None) for name, _, value in _diff(None, existing)]  # every field that had a value
    _audit(connection, endpoint, coordinate, [(RECORD_FIELD, RECORD_EXISTS, RECORD_DELETED), *cleared], actor, now, why)
    return existing


def list_deprecations(connection: sa.Connection, endpoint: str | None = None) -> list[StoredDeprecation]:
    query = sa.select(deprecations).order_by(deprecations.c.endpoint, deprecations.c.coordinate)
    if endpoint is not None:
        query = query.where(deprecations.c.endpoint == endpoint)
    return [
        StoredDeprecation(row.endpoint, _record(row), _utc(row.created_at), _utc(row.updated_at))
        for row in connection.execute(query)
    ]


def audit_log(
    connection: sa.Connection, endpoint: str | None = None, coordinate: str | None = None
) -> list[AuditEntry]:
    """Audit entries, oldest first."""
    query = sa.select(deprecation_audit).order_by(deprecation_audit.c.at, deprecation_audit.c.id)
    if endpoint is not None:
        query = query.where(deprecation_audit.c.endpoint == endpoint)
    if coordinate is not None:
        query = query.where(deprecation_audit.c.coordinate == coordinate)
    return [
        AuditEntry(row.endpoint, row.coordinate, row.field, row.old_value, row.new_value, row.actor, _utc(row.at), row.why)
        for row in connection.execute(query)
    ]


# --- rows and values ------------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite keeps no time zone; everything is written in UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _validated(record: Deprecation, changes: dict[str, object]) -> Deprecation:
    """``record`` with ``changes`` applied; dates may be given as ISO strings, the status as its name."""
    for name in (name for name in _DATE_FIELDS if name in changes):
        value = changes[name]
        if isinstance(value, str):
            changes[name] = parse_iso_date(value, name=name)
        elif isinstance(value, dt.datetime):
            changes[name] = value.date()
        elif value is not None and not isinstance(value, dt.date):
            raise InvalidInput(f"{name}: expected a date, not {json_quote(value)}", field=name)
    if changes.get("status_override") is not None:
        try:
            changes["status_override"] = Status(str(changes["status_override"]))
        except ValueError:
            allowed = ", ".join(status.value for status in Status)
            raise InvalidInput(
                f"status_override: {json_quote(changes['status_override'])} is not one of {allowed}", field="status"
            ) from None
    if "brownouts" in changes:  # windows, their text, or text with one a line; None for none
        changes["brownouts"] = parse_windows(changes["brownouts"])  # type: ignore[arg-type]
    if "refuse_new_adopters" in changes and changes["refuse_new_adopters"] is None:
        changes["refuse_new_adopters"] = False
    for name in ("reason", "replacement", "migration_guide"):
        if name in changes and changes[name] is not None and not isinstance(changes[name], str):
            raise InvalidInput(f"{name}: expected text, not {json_quote(changes[name])}", field=name)
    replacement = changes.get("replacement")
    if isinstance(replacement, str) and len(replacement) > COORDINATE_LENGTH:  # its column's width
        raise InvalidInput(
            f"replacement: at most {COORDINATE_LENGTH} characters, not {len(replacement)}: {json_quote(replacement)}",
            field="replacement",
        )
    return record.with_changes(**changes)  # Deprecation checks sunset_on >= deprecated_on


def _empty(value: object) -> bool:
    """Nothing set: None, no windows, or the setting off (what ``register_deprecations`` may fill)."""
    return value is None or value is False or value == ()


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Status):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):  # brownout windows: one a line, None for none
        return format_windows(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _diff(old: Deprecation | None, new: Deprecation) -> list[tuple[str, str | None, str | None]]:
    changed = []
    for name in EDITABLE_FIELDS:
        before = None if old is None else _text(getattr(old, name))
        # A new (or deleted) record's settings that are off are not news: no "refuse_new_adopters: None -> false".
        after = None if old is None and _empty(getattr(new, name)) else _text(getattr(new, name))
        if before != after:
            changed.append((name, before, after))
    return changed


def _values(record: Deprecation) -> dict[str, object]:
    values = {name: getattr(record, name) for name in EDITABLE_FIELDS}
    values["status_override"] = _text(record.status_override)
    values["brownouts"] = format_windows(record.brownouts)
    return values


def _record(row: sa.Row[Any]) -> Deprecation:
    """The record of ``row`` as it is stored: dates outside the range a record may have now, or a sunset before
    the deprecation (written before those were checked), are read as they are, so that the reports show them and
    the emergency procedures mend them (:meth:`Deprecation.as_stored`)."""
    known = {f.name for f in fields(Deprecation)}
    values = {name: getattr(row, name) for name in ("coordinate", *EDITABLE_FIELDS) if name in known}
    for name in _DATE_FIELDS:  # SQLite may hand back a datetime for a date written as one
        if isinstance(values.get(name), dt.datetime):
            values[name] = values[name].date()
    if values.get("migration_guide") is not None:
        try:
            check_migration_guide(values["migration_guide"])
        except InvalidMigrationGuide as error:
            # Written before guides were checked: never sent to a client (no Link: <not a url>); set a valid one.
            _logger.warning(
                "deprecation record %s on %s: ignoring its stored %s",
                loggable(row.coordinate), loggable(row.endpoint), loggable_text(str(error)),
            )
            values["migration_guide"] = None
    values["refuse_new_adopters"] = bool(values.get("refuse_new_adopters"))
    values["brownouts"] = _stored_windows(values.get("brownouts"), row.coordinate, row.endpoint)
    if values.get("status_override") is not None and values["status_override"] not in _STATUSES:
        _logger.warning(
            "deprecation record %s on %s: ignoring its stored status_override %s (not one of %s)",
            loggable(row.coordinate), loggable(row.endpoint), loggable(values["status_override"]), ", ".join(_STATUSES),
        )
        values["status_override"] = None
    return Deprecation.as_stored(**values)


def _stored_windows(text: object, coordinate: str, endpoint: str) -> tuple[BrownoutWindow, ...]:
    """The stored windows; one that no longer parses is ignored with a warning (never a crash on the request path)."""
    if not isinstance(text, str) or not text:
        return ()
    windows: list[BrownoutWindow] = []
    for line in text.splitlines():
        try:
            windows.extend(parse_windows([line]))
        except InvalidInput as error:
            _logger.warning(
                "deprecation record %s on %s: ignoring a stored brownout window (%s)",
                loggable(coordinate), loggable(endpoint), loggable_text(str(error)),
            )
    return tuple(windows)


def _find(connection: sa.Connection, endpoint: str, coordinate: str) -> Deprecation | None:
    row = connection.execute(
        sa.select(deprecations).where(deprecations.c.endpoint == endpoint, deprecations.c.coordinate == coordinate)
    ).first()
    return None if row is None else _record(row)


def _insert(connection: sa.Connection, endpoint: str, record: Deprecation, now: dt.datetime) -> None:
    connection.execute(
        deprecations.insert().values(
            endpoint=endpoint, coordinate=record.coordinate, created_at=now, updated_at=now, **_values(record)
        )
    )


def _update(connection: sa.Connection, endpoint: str, record: Deprecation, now: dt.datetime) -> None:
    connection.execute(
        deprecations.update()
        .where(deprecations.c.endpoint == endpoint, deprecations.c.coordinate == record.coordinate)
        .values(updated_at=now, **_values(record))
    )


def _audit(
    connection: sa.Connection,
    endpoint: str,
    coordinate: str,
    changed: list[tuple[str, str | None, str | None]],
    actor: str,
    now: dt.datetime,
    why: str | None,
) -> None:
    if changed:
        connection.execute(
            deprecation_audit.insert(),
            [
                {"endpoint": endpoint, "coordinate": coordinate, "field": name, "old_value": old, "new_value": new,
                 "actor": actor, "at": now, "why": why}
                for name, old, new in changed
            ],
        )


# --- a whole version's settings ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionEnforcement:
    """A whole version's enforcement set through the store (``versioned_app`` adds what the code declares)."""

    endpoint: str
    refuse_new_adopters: bool = False
    brownouts: tuple[BrownoutWindow, ...] = ()


def list_version_enforcement(connection: sa.Connection, endpoint: str | None = None) -> list[VersionEnforcement]:
    query = sa.select(version_enforcement).order_by(version_enforcement.c.endpoint)
    if endpoint is not None:
        query = query.where(version_enforcement.c.endpoint == endpoint)
    return [
        VersionEnforcement(
            row.endpoint, bool(row.refuse_new_adopters), _stored_windows(row.brownouts, row.endpoint, row.endpoint)
        )
        for row in connection.execute(query)
    ]


def update_version_enforcement(
    connection: sa.Connection,
    endpoint: str,
    changes: Mapping[str, object],
    *,
    actor: str,
    why: str,
    now: dt.datetime,
) -> VersionEnforcement:
    """Set a version's ``refuse_new_adopters`` and/or ``brownouts``; audited under the coordinate ``endpoint``."""
    unknown = sorted(set(changes) - {"refuse_new_adopters", "brownouts"})
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)} of a version: refuse_new_adopters, brownouts")
    check_actor(actor)
    check_why(why, name="why")
    check_endpoint_name(endpoint)
    found = list_version_enforcement(connection, endpoint)
    before = found[0] if found else VersionEnforcement(endpoint)
    refuse = changes.get("refuse_new_adopters", before.refuse_new_adopters)
    if not isinstance(refuse, bool):
        raise InvalidInput(f"refuse_new_adopters is true or false, not {json_quote(refuse)}", field="refuse_new_adopters")
    windows = parse_windows(changes["brownouts"]) if "brownouts" in changes else before.brownouts  # type: ignore[arg-type]
    after = VersionEnforcement(endpoint, refuse, windows)
    changed = [
        (name, _text(getattr(before, name)), _text(getattr(after, name)))
        for name in ("refuse_new_adopters", "brownouts")
        if _text(getattr(before, name)) != _text(getattr(after, name))
    ]
    if not changed:
        return after
    values = {"refuse_new_adopters": refuse, "brownouts": format_windows(windows), "updated_at": now}
    if found:
        connection.execute(
            version_enforcement.update().where(version_enforcement.c.endpoint == endpoint).values(**values)
        )
    else:
        connection.execute(version_enforcement.insert().values(endpoint=endpoint, **values))
    _audit(connection, endpoint, endpoint, changed, actor, now, why)
    return after
