"""No new adopters in the sunset warning: the element keeps working for those who used it, not for newcomers.

The versioning example's warning phase "returns 410 Gone for new clients" while existing ones keep working until
the sunset. A record (or a whole version) with ``refuse_new_adopters`` on applies that rule while it is in
``sunset_warning``: a client that had not used it *before the phase began* (:func:`adoption_cutoff`: the first
day of the phase, 30 days before the sunset) is refused with ``GONE`` and told why (:func:`new_adopter_message`).
Who used it before comes from the usage store (a client is its name, or its name and version:
:func:`client_key`); the monitor keeps that set in its snapshot of the records, so no request reads the store.

Off by default: a record says ``refuse_new_adopters=True`` (the command line's ``--refuse-new-adopters``, the
admin API's ``"refuse_new_adopters": true``, a declaration's ``refuse_new_adopters = true``).

Example: the rule on three days, and the message a newcomer gets (``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> record = Deprecation("User.name", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 15),
    ...                      refuse_new_adopters=True)
    >>> [refuses_new_adopters(record, day) for day in (date(2026, 11, 14), clock.today(), date(2026, 12, 15))]
    [False, True, False]
    >>> adoption_cutoff(record)
    datetime.date(2026, 11, 15)
    >>> client_key("web", "1.4", by_version=False), client_key("web", "1.4", by_version=True)
    ('web', 'web/1.4')
    >>> print(new_adopter_message("User.name", record))
    New uses of User.name are refused during its sunset warning (since 2026-11-15): this client had not used it
    before; it will be removed on 2026-12-15
"""

from __future__ import annotations

import datetime as dt

from gqlevolve.lifecycle.records import Deprecation, Status

__all__ = ["adoption_cutoff", "client_key", "new_adopter_message", "refuses_new_adopters"]


def refuses_new_adopters(record: Deprecation, day: dt.date) -> bool:
    """Whether ``record`` refuses clients new to it on ``day``: the setting is on and it is in its sunset warning."""
    return record.refuse_new_adopters and record.status_on(day) is Status.SUNSET_WARNING


def adoption_cutoff(record: Deprecation) -> dt.date | None:
    """The first day of the sunset warning: usage before it makes a client an adopter (None: no sunset date, a
    status pinned by a rollback; then any usage recorded so far does)."""
    return record.sunset_warning_starts


def client_key(name: str | None, version: str | None, *, by_version: bool) -> str:
    """How a client is known to the rule: its name (``''`` unknown), or ``name/version`` with ``by_version``.

    By name alone by default: a client that upgrades its app keeps the element it used; by version, each release
    counts as a new client (stricter).
    """
    name = name or ""
    return f"{name}/{version or ''}" if by_version else name


def new_adopter_message(subject: str, record: Deprecation) -> str:
    """What a client new to ``subject`` is told in its sunset warning."""
    cutoff = adoption_cutoff(record)
    since = f" (since {cutoff.isoformat()})" if cutoff is not None else ""
    text = f"New uses of {subject} are refused during its sunset warning{since}: this client had not used it before"
    if record.sunset_on is not None:
        text += f"; it will be removed on {record.sunset_on.isoformat()}"
    return text
