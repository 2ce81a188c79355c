"""The lifecycle policy's emergency procedures, on the store's deprecation records (audited).

- :func:`extend_sunset`: move a sunset later by some days;
- :func:`rollback`: a removal that hurt a critical client is undone: status back to ``sunset_warning``
  (pinned, see :attr:`~gqlevolve.lifecycle.Deprecation.status_override`) and the sunset 30 days later;
- :func:`set_deprecation`: record or correct a deprecation by hand (created when there is none).

Each change goes through :meth:`UsageStore.update_deprecation`, which writes one audit entry per changed field
with who (``actor``) and why (``why``, required here).

Example::

    extend_sunset(store, "/api/v1/graphql", "Mutation.upload_attachment", 30,
                  actor="alice", why="Partner X ships its fix on the 15th")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gqlevolve.advisor import check_coordinate
from gqlevolve.endpoints import canonical_endpoint, resolve_endpoint
from gqlevolve.lifecycle import Deprecation, Status

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["ROLLBACK_DAYS", "ChangeResult", "extend_sunset", "rollback", "set_deprecation"]

#: The policy's rollback extends the sunset by this many days.
ROLLBACK_DAYS = 30
_AUTO = "auto"  # set_deprecation(status="auto") removes a pinned status


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """A record before and after a procedure (``before`` is None when it was created)."""

    endpoint: str
    coordinate: str
    before: Deprecation | None
    after: Deprecation
    status: Status
    changed: list[str]


def _check(
    store: UsageStore, endpoint: str | None, coordinate: str, why: str, actor: str, *, known: bool = True
) -> str:
    """The canonical endpoint; ``known=False`` lets a record be created on an endpoint without traffic yet."""
    check_coordinate(coordinate)
    if not isinstance(why, str) or not why.strip():
        raise ValueError("a reason is required: every change to a deprecation record is audited with why it was made")
    if not isinstance(actor, str) or not actor.strip():
        raise ValueError("an actor (who makes the change) is required")
    if not known and endpoint is not None:
        return canonical_endpoint(endpoint)
    return resolve_endpoint(endpoint, store.endpoints())


def _current(store: UsageStore, endpoint: str, coordinate: str) -> Deprecation | None:
    for stored in store.deprecations(endpoint):
        if stored.record.coordinate == coordinate:
            return stored.record
    return None


def _existing(store: UsageStore, endpoint: str, coordinate: str) -> Deprecation:
    record = _current(store, endpoint, coordinate)
    if record is None:
        known = ", ".join(stored.record.coordinate for stored in store.deprecations(endpoint)) or "none"
        raise LookupError(
            f"no deprecation record for {coordinate!r} on {endpoint} (deprecated there: {known}); "
            "create one with 'gqlevolve deprecation set'"
        )
    return record


def _apply(
    store: UsageStore, endpoint: str, coordinate: str, before: Deprecation | None, changes: dict[str, object],
    *, actor: str, why: str, today: dt.date,
) -> ChangeResult:
    after = store.update_deprecation(endpoint, coordinate, changes, actor=actor, why=why.strip(), create=before is None)
    changed = [name for name in changes if before is None or getattr(before, name) != getattr(after, name)]
    return ChangeResult(endpoint, coordinate, before, after, after.status_on(today), changed)


def extend_sunset(
    store: UsageStore, endpoint: str | None, coordinate: str, days: int, *,
    actor: str, why: str, today: dt.date | None = None,
) -> ChangeResult:
    """Move the sunset ``days`` later (a record without a sunset date cannot be extended: set one)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
        raise ValueError(f"days must be a whole number from 1 to 3660, not {days!r}")
    endpoint = _check(store, endpoint, coordinate, why, actor)
    before = _existing(store, endpoint, coordinate)
    if before.sunset_on is None:
        raise ValueError(f"{coordinate} on {endpoint} has no sunset date to extend; set one with --sunset")
    changes = {"sunset_on": before.sunset_on + dt.timedelta(days=days)}
    return _apply(store, endpoint, coordinate, before, changes, actor=actor, why=why, today=today or store.clock.today())


def rollback(
    store: UsageStore, endpoint: str | None, coordinate: str, *,
    actor: str, why: str, today: dt.date | None = None,
) -> ChangeResult:
    """Status back to ``sunset_warning`` (pinned) and the sunset 30 days later.

    The new sunset is the old one + 30 days; when that is not after today (the element was removed long ago),
    or there was none, it is today + 30 days, so that the client really gets its 30 days.
    """
    today = today or store.clock.today()
    endpoint = _check(store, endpoint, coordinate, why, actor)
    before = _existing(store, endpoint, coordinate)
    extended = before.sunset_on + dt.timedelta(days=ROLLBACK_DAYS) if before.sunset_on else None
    if extended is None or extended <= today:
        extended = today + dt.timedelta(days=ROLLBACK_DAYS)
    changes: dict[str, object] = {"status_override": Status.SUNSET_WARNING, "sunset_on": extended}
    return _apply(store, endpoint, coordinate, before, changes, actor=actor, why=why, today=today)


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
) -> ChangeResult:
    """Set the given fields, creating the record when there is none (deprecated today unless told otherwise).

    ``status`` pins a lifecycle status; ``"auto"`` removes a pin (the dates decide again).
    """
    today = today or store.clock.today()
    endpoint = _check(store, endpoint, coordinate, why, actor, known=False)
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
                raise ValueError(f"status {status!r} is not one of {allowed}") from None
    if before is None and "deprecated_on" not in changes:
        changes["deprecated_on"] = today
    if before is not None and not changes:
        raise ValueError("nothing to change: give at least one of the dates, replacement, guide, reason or status")
    return _apply(store, endpoint, coordinate, before, changes, actor=actor, why=why, today=today)
