"""The lifecycle policy's emergency procedures, on the store's deprecation records (audited).

- :func:`extend_sunset`: move a sunset later by some days;
- :func:`rollback`: a removal that hurt a critical client is undone: status back to ``sunset_warning``
  (pinned, see :attr:`~gqlevolve.lifecycle.Deprecation.status_override`) and the sunset 30 days later;
- :func:`set_deprecation`: record or correct a deprecation by hand (created when there is none);
- :func:`delete_deprecation`: delete a record written by mistake (a typo, a phantom endpoint);
- :func:`history`: read the audit log back;
- enforcement (:mod:`gqlevolve.monitor.enforcement`): :func:`add_brownout`, :func:`remove_brownout` and
  :func:`list_brownouts` (windows of an element, or of a whole version with ``whole_version=True``), and
  ``set_deprecation(refuse_new_adopters=...)`` / :func:`set_version_enforcement` for the no-new-adopters rule.

Each change goes through :meth:`UsageStore.update_deprecation` (or :meth:`~UsageStore.delete_deprecation`),
which writes one audit entry per changed field with who (``actor``) and why (``why``, required here).

Dates stay from 1970-01-01 to 9000-12-31 (:func:`gqlevolve.lifecycle.check_day`), and a record that the store kept
from before that rule (a sunset of 9999-12-31 or 0001-01-02) is mended, never a crash: ``rollback`` of a sunset
outside the range (or one that 30 more days would take past 9000-12-31) sets today + 30 days; ``extend`` of a
sunset before 1970-01-01 counts the days from today; ``extend`` past 9000-12-31 is a ``Conflict`` that says to set
a date; ``set`` and ``delete`` work on any record. A result that did so says it in its ``note``.

They refuse what cannot be right: a coordinate must be one in the GraphQL spec's syntax that names an element
(``Type.field``, ``Type.field(arg:)``, ``Enum.VALUE``, ``Input.field``, ``@directive(arg:)``); given ``schemas``
(version -> schema: the project's configured schemas, or the schemas a server serves), it must exist in the
schema of the endpoint's version; and an endpoint must be one the store knows (traffic, watched, or records),
unless ``set_deprecation(..., new_endpoint=True)`` says that the record creates it. A record that exists can
always be deleted, whatever its coordinate, so that a phantom can be undone.

Errors are of :mod:`gqlevolve.errors`' kinds: bad input (a malformed coordinate, a missing reason or actor,
days out of range) is an ``InvalidInput``; an unknown endpoint or a missing record a ``NotFound``; extending a
sunset that is not set a ``Conflict``. The actor and the reason are checked by
:func:`gqlevolve.inputs.check_actor` and :func:`~gqlevolve.inputs.check_why`, as the command line and the admin
API check them.

Example: the sunset of ``User.name`` moved a month later, a typo refused against the served schema, and the audit
log (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import Deprecation, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> _ = store.register_deprecations(
    ...     "/api/v1/graphql", [Deprecation("User.name", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 1))])
    >>> result = extend_sunset(store, "v1", "User.name", 30, actor="alice", why="Partner X ships on the 15th",
    ...                        schemas={"v1": schema})
    >>> result.before.sunset_on, result.after.sunset_on, result.status, result.changed
    (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31), <Status.DEPRECATED: 'deprecated'>, ['sunset_on'])
    >>> set_deprecation(store, "v1", "User.nme", sunset_on=date(2027, 1, 1), actor="alice", why="plan",
    ...                 schemas={"v1": schema})
    Traceback (most recent call last):
    gqlevolve.coordinates.UnknownCoordinate: the v1 schema (/api/v1/graphql) has no User.nme (User has no field nme);
    did you mean User.name, ...?
    >>> for entry in history(store, "v1", "User.name"):
    ...     print(entry.field, entry.old_value, "->", entry.new_value, entry.actor, entry.why)
    deprecated_on None -> 2026-06-01 gqlevolve registered from the schema
    sunset_on None -> 2026-12-01 gqlevolve registered from the schema
    sunset_on 2026-12-01 -> 2026-12-31 alice Partner X ships on the 15th
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gqlevolve.coordinates import check_in_schema, parse_coordinate
from gqlevolve.endpoints import canonical_endpoint, endpoint_version, resolve_endpoint
from gqlevolve.errors import Conflict, InvalidInput, NotFound
from gqlevolve.inputs import check_actor, check_why, day_count
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import FIRST_TYPED_DAY, LAST_TYPED_DAY, Deprecation, Status, add_days, validate_version
from gqlevolve.lifecycle.brownouts import BrownoutWindow, Occurrence, next_occurrence, parse_window

if TYPE_CHECKING:
    from gqlevolve.usage_store import AuditEntry, UsageStore

__all__ = [
    "ROLLBACK_DAYS",
    "BrownoutEntry",
    "BrownoutResult",
    "ChangeResult",
    "DeletionResult",
    "add_brownout",
    "list_brownouts",
    "remove_brownout",
    "set_version_enforcement",
    "delete_deprecation",
    "extend_sunset",
    "history",
    "rollback",
    "set_deprecation",
]

#: Schemas by version name (``{"v1": schema_v1, ...}``): Strawberry or graphql-core schemas, or SDL text.
Schemas = Mapping[str, Any]

#: The policy's rollback extends the sunset by this many days.
ROLLBACK_DAYS = 30
_AUTO = "auto"  # set_deprecation(status="auto") removes a pinned status
#: What an unknown endpoint given to set_deprecation is told.
_NEW_ENDPOINT_HINT = (
    ". A record on an endpoint the store does not know yet must say that it creates it: "
    "--new-endpoint (\"new_endpoint\": true in the admin API)"
)


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """A record before and after a procedure (``before`` is None when it was created)."""

    endpoint: str
    coordinate: str
    before: Deprecation | None
    after: Deprecation
    status: Status
    changed: list[str]
    #: What the procedure did that was not what it usually does (a stored sunset outside the range), or None.
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DeletionResult:
    """A deleted record; ``endpoint_known``: whether the store still lists its endpoint (traffic, other records)."""

    endpoint: str
    coordinate: str
    deleted: Deprecation
    endpoint_known: bool


def _check(
    store: UsageStore, endpoint: str | None, coordinate: str, *, new_endpoint: bool = False, hint: str = ""
) -> str:
    """The canonical endpoint, one the store knows; ``new_endpoint=True`` lets a record create its endpoint.
    ``hint``: what an unknown endpoint's error adds."""
    parse_coordinate(coordinate, element=True)
    if new_endpoint and endpoint is not None:
        name = canonical_endpoint(endpoint)
        version = endpoint_version(name)
        if version is not None:
            validate_version(version)  # /api/V1/graphql would be a phantom beside /api/v1/graphql
        return name
    return resolve_endpoint(endpoint, store.endpoints(), hint=hint)


def _check_schema(endpoint: str, coordinate: str, schemas: Schemas | None) -> None:
    """With ``schemas``, the coordinate must exist in the schema of ``endpoint``'s version (when there is one)."""
    if not schemas:
        return
    version = endpoint_version(endpoint)
    if version is None or version not in schemas:
        return
    check_in_schema(coordinate, schemas[version], where=f"the {version} schema ({endpoint})")


def _later(day: dt.date, days: int) -> dt.date | None:
    """``days`` after ``day``, or None when that is past :data:`~gqlevolve.lifecycle.LAST_TYPED_DAY`."""
    later = add_days(day, days)
    return later if later <= LAST_TYPED_DAY else None


def _out_of_range(day: dt.date) -> bool:
    return not FIRST_TYPED_DAY <= day <= LAST_TYPED_DAY


_RANGE = f"{FIRST_TYPED_DAY.isoformat()} to {LAST_TYPED_DAY.isoformat()}"


def _current(store: UsageStore, endpoint: str, coordinate: str) -> Deprecation | None:
    for stored in store.deprecations(endpoint):
        if stored.record.coordinate == coordinate:
            return stored.record
    return None


def _existing(store: UsageStore, endpoint: str, coordinate: str) -> Deprecation:
    record = _current(store, endpoint, coordinate)
    if record is None:
        known = ", ".join(stored.record.coordinate for stored in store.deprecations(endpoint)) or "none"
        raise NotFound(
            f"no deprecation record for {json_quote(coordinate)} on {endpoint} (deprecated there: {known})",
            field="coordinate",
        )
    return record


def _apply(
    store: UsageStore, endpoint: str, coordinate: str, before: Deprecation | None, changes: dict[str, object],
    *, actor: str, why: str, today: dt.date, note: str | None = None,
) -> ChangeResult:
    after = store.update_deprecation(endpoint, coordinate, changes, actor=actor, why=why, create=before is None)
    changed = [name for name in changes if before is None or getattr(before, name) != getattr(after, name)]
    return ChangeResult(endpoint, coordinate, before, after, after.status_on(today), changed, note)


def extend_sunset(
    store: UsageStore, endpoint: str | None, coordinate: str, days: int, *,
    actor: str, why: str, today: dt.date | None = None, schemas: Schemas | None = None,
) -> ChangeResult:
    """Move the sunset ``days`` later (a record without a sunset date cannot be extended: set one).

    A stored sunset before 1970-01-01 (written before dates were checked) is extended from today, and the result's
    ``note`` says so; a sunset that would move past 9000-12-31 is a ``Conflict`` (set a date instead).
    """
    day_count(days, field="days")
    why, actor = check_why(why), check_actor(actor)
    today = today or store.clock.today()
    endpoint = _check(store, endpoint, coordinate)
    before = _existing(store, endpoint, coordinate)
    _check_schema(endpoint, coordinate, schemas)
    if before.sunset_on is None:
        raise Conflict(f"{coordinate} on {endpoint} has no sunset date to extend; set one first", field="coordinate")
    start, note = before.sunset_on, None
    if start < FIRST_TYPED_DAY:
        start = today
        note = (
            f"the stored sunset {before.sunset_on.isoformat()} is not a date from {_RANGE} (written before dates "
            f"were checked); the {days} days count from today, {today.isoformat()}"
        )
    extended = _later(start, days)
    if extended is None:
        raise Conflict(
            f"the sunset of {coordinate} on {endpoint}, {before.sunset_on.isoformat()}, cannot move {days} days "
            f"later: a sunset is a date from {_RANGE}; set one instead (deprecation set --sunset, "
            '"sunset_on" in the admin API)',
            field="sunset_on",
        )
    changes: dict[str, object] = {"sunset_on": extended}
    return _apply(store, endpoint, coordinate, before, changes, actor=actor, why=why, today=today, note=note)


def rollback(
    store: UsageStore, endpoint: str | None, coordinate: str, *,
    actor: str, why: str, today: dt.date | None = None, schemas: Schemas | None = None,
) -> ChangeResult:
    """Status back to ``sunset_warning`` (pinned) and the sunset 30 days later.

    The new sunset is the old one + 30 days; when that is not after today (the element was removed long ago),
    or there was none, it is today + 30 days, so that the client really gets its 30 days. A stored sunset
    outside 1970-01-01 to 9000-12-31 (written before dates were checked), or one that 30 days would take past
    9000-12-31, gets today + 30 days too, and the result's ``note`` says so.
    """
    today = today or store.clock.today()
    why, actor = check_why(why), check_actor(actor)
    endpoint = _check(store, endpoint, coordinate)
    before = _existing(store, endpoint, coordinate)
    _check_schema(endpoint, coordinate, schemas)
    note = None
    extended = None
    if before.sunset_on is not None:
        stored = before.sunset_on.isoformat()
        if _out_of_range(before.sunset_on):
            note = f"the stored sunset {stored} is not a date from {_RANGE} (written before dates were checked)"
        else:
            extended = _later(before.sunset_on, ROLLBACK_DAYS)
            if extended is None:
                note = f"the stored sunset {stored} + {ROLLBACK_DAYS} days would be past {LAST_TYPED_DAY.isoformat()}"
    if extended is None or extended <= today:
        extended = add_days(today, ROLLBACK_DAYS)  # past 9000-12-31 only on a clock that far ahead: refused
    if note is not None:
        note += f"; the new sunset is today + {ROLLBACK_DAYS} days, {extended.isoformat()}"
    changes: dict[str, object] = {"status_override": Status.SUNSET_WARNING, "sunset_on": extended}
    return _apply(store, endpoint, coordinate, before, changes, actor=actor, why=why, today=today, note=note)


def set_deprecation(
    store: UsageStore,
    endpoint: str | None,
    coordinate: str,
    *,
    actor: str,
    why: str,
    deprecated_on: dt.date | None = None,
    sunset_on: dt.date | None = None,
    replacement: str | None = None,
    migration_guide: str | None = None,
    reason: str | None = None,
    status: Status | str | None = None,
    today: dt.date | None = None,
    new_endpoint: bool = False,
    schemas: Schemas | None = None,
    refuse_new_adopters: bool | None = None,
) -> ChangeResult:
    """Set the given fields, creating the record when there is none (deprecated today unless told otherwise).

    ``status`` pins a lifecycle status; ``"auto"`` removes a pin (the dates decide again). The endpoint must be
    one the store knows unless ``new_endpoint`` says that this record creates it. ``refuse_new_adopters``
    turns the no-new-adopters rule on or off (:mod:`gqlevolve.lifecycle.adoption`).
    """
    today = today or store.clock.today()
    why, actor = check_why(why), check_actor(actor)
    endpoint = _check(store, endpoint, coordinate, new_endpoint=new_endpoint, hint=_NEW_ENDPOINT_HINT)
    _check_schema(endpoint, coordinate, schemas)
    before = _current(store, endpoint, coordinate)
    changes: dict[str, object] = {
        name: value
        for name, value in {
            "deprecated_on": deprecated_on, "sunset_on": sunset_on, "replacement": replacement,
            "migration_guide": migration_guide, "reason": reason,
        }.items()
        if value is not None
    }
    if status is not None:
        if status == _AUTO:
            changes["status_override"] = None
        else:
            try:
                changes["status_override"] = Status(status)
            except ValueError:
                allowed = ", ".join([*(member.value for member in Status), _AUTO])
                raise InvalidInput(f"status {json_quote(status)} is not one of {allowed}", field="status") from None
    if refuse_new_adopters is not None:
        if not isinstance(refuse_new_adopters, bool):
            raise InvalidInput("refuse_new_adopters is true or false", field="refuse_new_adopters")
        changes["refuse_new_adopters"] = refuse_new_adopters
    if before is None and "deprecated_on" not in changes:
        changes["deprecated_on"] = today
    if before is not None and not changes:
        raise InvalidInput(
            "nothing to change: give at least one of the dates, replacement, guide, reason, status or "
            "refuse_new_adopters"
        )
    return _apply(store, endpoint, coordinate, before, changes, actor=actor, why=why, today=today)


def delete_deprecation(
    store: UsageStore, endpoint: str | None, coordinate: str, *, actor: str, why: str
) -> DeletionResult:
    """Delete the record of ``coordinate`` on ``endpoint`` (audited).

    Any record that exists can be deleted, even one whose coordinate is not well-formed (written before such were
    refused); otherwise the coordinate is checked, so that a typo gets a syntax error rather than "no record".
    """
    why, actor = check_why(why), check_actor(actor)
    endpoint = resolve_endpoint(endpoint, store.endpoints())
    if not isinstance(coordinate, str) or _current(store, endpoint, coordinate) is None:
        parse_coordinate(coordinate)  # a typo gets what is wrong with it rather than "no record"
        known = ", ".join(stored.record.coordinate for stored in store.deprecations(endpoint)) or "none"
        raise NotFound(
            f"no deprecation record for {json_quote(coordinate)} on {endpoint} (records there: {known})",
            field="coordinate",
        )
    deleted = store.delete_deprecation(endpoint, coordinate, actor=actor, why=why)
    return DeletionResult(endpoint, coordinate, deleted, endpoint in store.endpoints())


def history(store: UsageStore, endpoint: str | None = None, coordinate: str | None = None) -> list[AuditEntry]:
    """The audit log, oldest first, for one endpoint and/or one coordinate (default: all).

    The endpoint is not checked against the store's endpoints: the history of a deleted phantom endpoint stays
    readable. A coordinate without entries that is not well-formed is an error (a typo), not an empty history.
    """
    name = canonical_endpoint(endpoint) if endpoint else None
    if coordinate == "":
        coordinate = None
    entries = store.audit_log(name, coordinate)
    if not entries and coordinate is not None:
        parse_coordinate(coordinate)
    return entries


# --- enforcement: brownout windows and the no-new-adopters rule ----------------------------------------


@dataclass(frozen=True, slots=True)
class BrownoutResult:
    """An element's (or a whole version's: ``coordinate`` is the endpoint) windows before and after a change."""

    endpoint: str
    coordinate: str
    before: tuple[BrownoutWindow, ...]
    after: tuple[BrownoutWindow, ...]
    whole_version: bool


@dataclass(frozen=True, slots=True)
class BrownoutEntry:
    """One window as listed: whose, and its next occurrence from now (None: over, or no sunset for a ``D-N``)."""

    endpoint: str
    coordinate: str
    window: BrownoutWindow
    next: Occurrence | None
    whole_version: bool


def _windows_of(
    store: UsageStore, endpoint: str | None, coordinate: str | None, whole_version: bool, schemas: Schemas | None
) -> tuple[str, str, tuple[BrownoutWindow, ...]]:
    if whole_version:
        name = resolve_endpoint(endpoint, store.endpoints()) if endpoint is None else canonical_endpoint(endpoint)
        if endpoint_version(name) is None:
            raise InvalidInput(f"{name} is not a version's endpoint (/api/<version>/graphql)", field="endpoint")
        stored = store.version_enforcement(name)
        return name, name, stored[0].brownouts if stored else ()
    if coordinate is None:
        raise InvalidInput("give the element's coordinate, or --whole-version for the whole version", field="coordinate")
    name = _check(store, endpoint, coordinate)
    _check_schema(name, coordinate, schemas)
    return name, coordinate, _existing(store, name, coordinate).brownouts


def _store_windows(
    store: UsageStore, endpoint: str, coordinate: str, windows: tuple[BrownoutWindow, ...], whole_version: bool,
    *, actor: str, why: str,
) -> None:
    if whole_version:
        store.update_version_enforcement(endpoint, {"brownouts": windows}, actor=actor, why=why)
    else:
        store.update_deprecation(endpoint, coordinate, {"brownouts": windows}, actor=actor, why=why)


def add_brownout(
    store: UsageStore, endpoint: str | None, coordinate: str | None, window: str | BrownoutWindow, *,
    actor: str, why: str, whole_version: bool = False, schemas: Schemas | None = None,
) -> BrownoutResult:
    """Add a brownout window (:func:`~gqlevolve.lifecycle.brownouts.parse_window`) to an element's record, or to a
    whole version (``whole_version``: ``coordinate`` is ignored); audited. A window it has already is a Conflict."""
    why, actor = check_why(why), check_actor(actor)
    parsed = parse_window(window)
    name, subject, before = _windows_of(store, endpoint, coordinate, whole_version, schemas)
    if parsed in before:
        raise Conflict(f"{subject} on {name} has the brownout window {json_quote(parsed.spec)} already", field="brownout")
    after = (*before, parsed)
    _store_windows(store, name, subject, after, whole_version, actor=actor, why=why)
    return BrownoutResult(name, subject, before, after, whole_version)


def remove_brownout(
    store: UsageStore, endpoint: str | None, coordinate: str | None, window: str | BrownoutWindow, *,
    actor: str, why: str, whole_version: bool = False, schemas: Schemas | None = None,
) -> BrownoutResult:
    """Remove one window (given as it was added, in any spelling ``parse_window`` reads), or ``"all"``; audited."""
    why, actor = check_why(why), check_actor(actor)
    name, subject, before = _windows_of(store, endpoint, coordinate, whole_version, schemas)
    if isinstance(window, str) and window.strip().lower() == "all":
        after: tuple[BrownoutWindow, ...] = ()
    else:
        parsed = parse_window(window)
        if parsed not in before:
            listed = "; ".join(item.spec for item in before) or "none"
            raise NotFound(f"{subject} on {name} has no brownout window {json_quote(parsed.spec)} (windows: {listed})",
                           field="brownout")
        after = tuple(item for item in before if item != parsed)
    if after != before:
        _store_windows(store, name, subject, after, whole_version, actor=actor, why=why)
    return BrownoutResult(name, subject, before, after, whole_version)


def list_brownouts(
    store: UsageStore, endpoint: str | None = None, *, now: dt.datetime | None = None
) -> list[BrownoutEntry]:
    """Every window in the store (of one endpoint, or all), with its next occurrence from ``now`` (the clock's)."""
    now = now or store.clock.now()
    name = canonical_endpoint(endpoint) if endpoint else None
    entries = []
    for stored in store.deprecations(name):
        record = stored.record
        for window in record.brownouts:
            upcoming = next_occurrence(window, now, sunset_on=record.sunset_on, deprecated_on=record.deprecated_on)
            entries.append(BrownoutEntry(stored.endpoint, record.coordinate, window, upcoming, False))
    for setting in store.version_enforcement(name):
        for window in setting.brownouts:
            # The version's dates are in code (VersionLifecycle): a D-N window's next occurrence is not known here.
            upcoming = None if window.days_before_sunset is not None else next_occurrence(window, now)
            entries.append(BrownoutEntry(setting.endpoint, setting.endpoint, window, upcoming, True))
    return entries


def set_version_enforcement(
    store: UsageStore, endpoint: str, *, refuse_new_adopters: bool, actor: str, why: str
) -> bool:
    """Turn the no-new-adopters rule of a whole version on or off in the store (code may also turn it on); audited.
    Returns the stored setting."""
    why, actor = check_why(why), check_actor(actor)
    name = canonical_endpoint(endpoint)
    if endpoint_version(name) is None:
        raise InvalidInput(f"{name} is not a version's endpoint (/api/<version>/graphql)", field="endpoint")
    if not isinstance(refuse_new_adopters, bool):
        raise InvalidInput("refuse_new_adopters is true or false", field="refuse_new_adopters")
    return store.update_version_enforcement(
        name, {"refuse_new_adopters": refuse_new_adopters}, actor=actor, why=why
    ).refuse_new_adopters
