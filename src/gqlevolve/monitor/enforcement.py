"""Enforcement that teaches: which deprecated elements one request has refused, and why.

Three rules turn a deprecated element into ``GONE`` for one request before its sunset:

- **no new adopters** (``no_new_adopters``): the record says ``refuse_new_adopters``, it is in its sunset warning,
  and the client is not among those that used it before the phase began
  (:mod:`gqlevolve.lifecycle.adoption`);
- **brownout** (``brownout``): ``now`` lies in one of the record's windows (:mod:`gqlevolve.lifecycle.brownouts`);
- **preview** (``preview``): the client asked for it with the request header ``GraphQL-Deprecations: reject``
  (:data:`PREVIEW_HEADER`, :func:`preview_requested`), so that its test suite runs against the schema that is
  coming: every deprecated element it uses behaves as removed.

:func:`refusals` is a pure function of the records an operation used, the day, ``now``, the client and the
adopters known (the snapshot's): no I/O, no clock. What it refuses is counted apart from usage
(``enforcement_counts``, :data:`~gqlevolve.usage_store.recorder.ENFORCEMENT_KINDS`): a refused or previewed element
was not used, so the advisor never reads it as "still in use".

Example: one record with a brownout on Tuesdays and no new adopters, judged for a newcomer and for an adopter
on a Tuesday at 14:05 UTC:

    >>> from datetime import date, datetime, UTC
    >>> from gqlevolve.lifecycle import Deprecation
    >>> record = Deprecation("User.name", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 15),
    ...                      refuse_new_adopters=True, brownouts=("every tuesday 14:00-14:15 from D-30",))
    >>> tuesday = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
    >>> adopters = {"User.name": frozenset({"web"})}
    >>> [(r.coordinate, r.kind) for r in refusals((record,), tuesday.date(), tuesday, "ios", adopters)]
    [('User.name', 'no_new_adopters')]
    >>> [(r.coordinate, r.kind) for r in refusals((record,), tuesday.date(), tuesday, "web", adopters)]
    [('User.name', 'brownout')]
    >>> refusals((record,), tuesday.date(), datetime(2026, 11, 24, 15, 0, tzinfo=UTC), "web", adopters)
    ()
    >>> preview_requested("Reject"), preview_requested("accept"), preview_requested(None)
    (True, False, False)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gqlevolve.lifecycle import (
    Deprecation,
    Occurrence,
    Status,
    active_window,
    brownout_message,
    new_adopter_message,
    refuses_new_adopters,
)

__all__ = [
    "BROWNOUT",
    "NO_NEW_ADOPTERS",
    "PREVIEW",
    "PREVIEW_HEADER",
    "PREVIEW_VALUE",
    "Refusal",
    "enforceable",
    "preview_message",
    "preview_requested",
    "refusals",
]

NO_NEW_ADOPTERS = "no_new_adopters"
BROWNOUT = "brownout"
PREVIEW = "preview"
#: The request header a client sends to get the schema that is coming: every deprecated element as removed.
PREVIEW_HEADER = "GraphQL-Deprecations"
#: Its one value (case-insensitive); any other value is ignored (the request is served as usual).
PREVIEW_VALUE = "reject"


@dataclass(frozen=True, slots=True)
class Refusal:
    """One element refused for one request: the record, the rule (``kind``) and what the client is told."""

    record: Deprecation
    kind: str
    message: str
    occurrence: Occurrence | None = None

    @property
    def coordinate(self) -> str:
        return self.record.coordinate

    def body(self) -> dict[str, Any]:
        """The GONE error's extensions (and the 410 body of a whole version): the policy's Gone body, and why."""
        record = self.record
        body: dict[str, Any] = {
            "error": "Gone",
            "message": self.message,
            "replacement": record.replacement,
            "migration_guide": record.migration_guide,
            "status_code": 410,
            "refused": self.kind,
            "sunset_on": record.sunset_on.isoformat() if record.sunset_on else None,
        }
        if self.occurrence is not None:
            body["brownout"] = {
                "window": self.occurrence.window.spec,
                "starts_at": _instant(self.occurrence.start),
                "ends_at": _instant(self.occurrence.end),
            }
        return body


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def preview_requested(value: object) -> bool:
    """Whether a ``GraphQL-Deprecations`` header value asks for the preview (``reject``, any case, trimmed)."""
    return isinstance(value, str) and value.strip().lower() == PREVIEW_VALUE


def preview_message(subject: str, record: Deprecation) -> str:
    """What a client that asked for the preview is told about ``subject``."""
    when = f" on {record.sunset_on.isoformat()}" if record.sunset_on else ""
    return (
        f"{subject} is deprecated and behaves as removed because the request asked for it "
        f"({PREVIEW_HEADER}: {PREVIEW_VALUE}); it will be removed{when}"
    )


def enforceable(record: Deprecation, status: Status) -> bool:
    """Whether a rule may ever refuse ``record`` in ``status`` (the request path skips the rest at no cost)."""
    if status is Status.REMOVED:
        return False  # GONE for everyone already
    return bool(record.brownouts) or (record.refuse_new_adopters and status is Status.SUNSET_WARNING)


def refusals(
    records: Iterable[Deprecation],
    today: dt.date,
    now: dt.datetime,
    client: str,
    adopters: Mapping[str, frozenset[str]],
    *,
    preview: bool = False,
) -> tuple[Refusal, ...]:
    """The refusals among ``records`` (the used records not removed) for ``client`` (its key, as the adopters).

    An element whose adopters are not known yet (the store has not answered) is not refused as a newcomer's: the
    rule fails open. Preview wins (the client asked), then no new adopters, then a brownout.
    """
    refused = []
    for record in records:
        if preview:
            refused.append(Refusal(record, PREVIEW, preview_message(record.coordinate, record)))
            continue
        if refuses_new_adopters(record, today):
            known = adopters.get(record.coordinate)
            if known is not None and client not in known:
                refused.append(Refusal(record, NO_NEW_ADOPTERS, new_adopter_message(record.coordinate, record)))
                continue
        if record.brownouts:
            occurrence = active_window(
                record.brownouts, now, sunset_on=record.sunset_on, deprecated_on=record.deprecated_on
            )
            if occurrence is not None:
                message = brownout_message(record.coordinate, occurrence, sunset_on=record.sunset_on)
                refused.append(Refusal(record, BROWNOUT, message, occurrence))
    return tuple(refused)
