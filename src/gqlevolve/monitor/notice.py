"""What a client is told when its operation uses deprecated elements.

- ``extensions.deprecations`` in the response: one entry per element with ``coordinate``, ``reason``,
  ``status``, ``deprecatedOn``, ``sunsetOn``, ``replacement`` and ``migrationGuide`` (absent values omitted);
- the lifecycle policy's HTTP headers (:func:`gqlevolve.lifecycle.response_headers`), and the records they are
  rendered from, for a server that adds records of its own (a deprecated version) and renders once;
- for an element whose status is ``removed``: a GraphQL error whose ``extensions`` carry the policy's Gone
  body with ``code: "GONE"``; the same for an element this request has refused before its sunset (no new
  adopters, a brownout, the client's preview: :mod:`.enforcement`), whose body says why (``refused``) and
  when it will really be removed (``sunset_on``).

Elements whose record is still ``active`` (a declared ``deprecated_on`` in the future) are counted but not
announced, like the headers, which start on ``deprecated_on``.

Example: an operation that used ``User.name`` and ``User.email``, on the pinned day (2026-11-21); one is
deprecated, the other removed:

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> records = {
    ...     "User.name": Deprecation("User.name", reason="Use fullName", deprecated_on=date(2026, 6, 1),
    ...                              replacement="User.fullName"),
    ...     "User.email": Deprecation("User.email", reason="Use contact", deprecated_on=date(2026, 1, 5),
    ...                               sunset_on=date(2026, 11, 1)),
    ... }
    >>> notice = Notice.of(frozenset({"User.name", "User.email"}), records, clock.today())
    >>> notice.entries      # the response's extensions.deprecations
    ({'coordinate': 'User.email', 'reason': 'Use contact', 'status': 'removed', 'deprecatedOn': '2026-01-05',
      'sunsetOn': '2026-11-01'},
     {'coordinate': 'User.name', 'reason': 'Use fullName', 'status': 'deprecated', 'deprecatedOn': '2026-06-01',
      'replacement': 'User.fullName'})
    >>> [name for name, _ in notice.headers]
    ['Deprecation', 'Sunset', 'X-Deprecated-Replacement', 'Warning', 'Warning']
    >>> error = gone_error(notice.removed)
    >>> error.message, error.extensions["code"]
    ('User.email was removed on 2026-11-01', 'GONE')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import GraphQLError

from gqlevolve.lifecycle import Deprecation, Status, gone_body, response_headers
from gqlevolve.monitor.enforcement import Refusal, enforceable

__all__ = ["GONE_CODE", "Notice", "gone_error"]

GONE_CODE = "GONE"


@dataclass(frozen=True, slots=True)
class Notice:
    """The entries, headers and removed records for one set of coordinates on one day."""

    entries: tuple[Mapping[str, str], ...]
    #: The records announced (not ``active``): what ``headers`` is rendered from. Empty, like ``headers``, when
    #: the response has no headers to carry them (a subscription).
    records: tuple[Deprecation, ...]
    headers: tuple[tuple[str, str], ...]
    removed: tuple[Deprecation, ...]
    #: The used records that are not removed (what a preview refuses), and those a rule may refuse (the request
    #: path looks no further when this is empty and no preview was asked for).
    live: tuple[Deprecation, ...] = ()
    enforceable: tuple[Deprecation, ...] = ()
    #: What this request had refused before the sunset (in ``removed`` too), and why.
    refusals: tuple[Refusal, ...] = ()

    @classmethod
    def of(cls, coordinates: frozenset[str], records: Mapping[str, Deprecation], today: dt.date) -> Notice:
        used = [records.get(coordinate) or Deprecation(coordinate) for coordinate in sorted(coordinates)]
        announced = [(record, record.status_on(today)) for record in used]
        announced = [(record, status) for record, status in announced if status is not Status.ACTIVE]
        announced_records = tuple(record for record, _ in announced)
        live = [(record, record.status_on(today)) for record in used]
        live = [(record, status) for record, status in live if status is not Status.REMOVED]
        return cls(
            entries=tuple(_entry(record, status) for record, status in announced),
            records=announced_records,
            headers=tuple(response_headers(announced_records, today)),
            removed=tuple(record for record, status in announced if status is Status.REMOVED),
            live=tuple(record for record, _ in live),
            enforceable=tuple(record for record, status in live if enforceable(record, status)),
        )

    def refusing(self, refusals: tuple[Refusal, ...]) -> Notice:
        """This notice with ``refusals``: their elements answer ``GONE`` too (a new notice: this one is cached)."""
        if not refusals:
            return self
        return replace(self, removed=self.removed + tuple(refusal.record for refusal in refusals), refusals=refusals)

    def gone_error(self) -> GraphQLError | None:
        """The ``GONE`` error for what this notice removes or refuses, or None."""
        return gone_error(self.removed, self.refusals) if self.removed else None

    def results(self) -> dict[str, Any]:
        """The ``extensions`` entry of the response (a fresh copy: a response may be changed by its consumer)."""
        entries = self.entries
        return {"deprecations": list(map(dict, entries))} if entries else {}  # map: no comprehension frame (3.11)


def _entry(record: Deprecation, status: Status) -> dict[str, str]:
    entry = {
        "coordinate": record.coordinate,
        "reason": record.reason,
        "status": status.value,
        "deprecatedOn": record.deprecated_on.isoformat() if record.deprecated_on else None,
        "sunsetOn": record.sunset_on.isoformat() if record.sunset_on else None,
        "replacement": record.replacement,
        "migrationGuide": record.migration_guide,
    }
    return {key: value for key, value in entry.items() if value is not None}


def gone_error(removed: tuple[Deprecation, ...], refusals: tuple[Refusal, ...] = ()) -> GraphQLError:
    """One error for an operation that uses removed (or refused) elements (a new instance per request: errors are
    raised). ``refusals`` say why an element in ``removed`` was refused before its sunset."""
    why = {refusal.coordinate: refusal for refusal in refusals}
    first = removed[0]
    refusal = why.get(first.coordinate)
    if refusal is not None:
        body: dict[str, Any] = {"code": GONE_CODE, **refusal.body(), "coordinate": first.coordinate, "removed_on": None}
    else:
        body = {
            "code": GONE_CODE,
            **gone_body(first, subject=first.coordinate),
            "coordinate": first.coordinate,
            "removed_on": first.sunset_on.isoformat() if first.sunset_on else None,
        }
    message = body["message"]
    if len(removed) > 1:
        body["removed"] = [
            {
                "coordinate": record.coordinate,
                "replacement": record.replacement,
                "migration_guide": record.migration_guide,
                "removed_on": None if record.coordinate in why else (
                    record.sunset_on.isoformat() if record.sunset_on else None
                ),
                **({"refused": why[record.coordinate].kind, "message": why[record.coordinate].message}
                   if record.coordinate in why else {}),
            }
            for record in removed
        ]
        verb = "were removed" if not why else "are removed or refused for this request"
        message = f"{len(removed)} elements this operation uses {verb}: " + ", ".join(
            record.coordinate for record in removed
        )
    return GraphQLError(message, extensions=body)
