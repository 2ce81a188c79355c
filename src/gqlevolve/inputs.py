"""What people type, checked once: whole numbers, day counts, shares, who made a change and why.

The command line and the admin API both call these (and the library calls them on what it is given), so a
value is accepted or refused the same way, with the same message, wherever it comes from. The other things
people type have their own one checker: a schema coordinate :func:`gqlevolve.coordinates.parse_coordinate`, an
endpoint name :func:`gqlevolve.endpoints.canonical_endpoint`, a date :func:`gqlevolve.lifecycle.parse_iso_date`,
the removal policy's settings :func:`gqlevolve.advisor.policy.removal_policy`.

Each raises :class:`~gqlevolve.errors.InvalidInput` whose ``field`` is the parameter's name as the library
knows it; ``name`` is how the caller's users know it (``days`` in the admin API, ``--window-days`` on the
command line) and is what the message says.

Example: what the command line and the admin API both accept, and what they refuse:

    >>> whole_number("30", field="days")
    30
    >>> share("1%", field="threshold")
    0.01
    >>> check_why("  Partner X ships on the 15th ")
    'Partner X ships on the 15th'
    >>> day_count(whole_number("100000000", field="window_days"), field="window_days", name="--window-days")
    Traceback (most recent call last):
    gqlevolve.errors.InvalidInput: --window-days must be a whole number from 1 to 3660, not 100000000
"""

from __future__ import annotations

import math
import re

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote

__all__ = ["ACTOR_LENGTH", "MAX_DAYS", "check_actor", "check_why", "day_count", "share", "whole_number"]

#: The most days a window, an extension or a day count may span: ten years and some, well within what
#: ``datetime.date`` arithmetic holds from any day.
MAX_DAYS = 3660
#: The longest actor the audit log keeps.
ACTOR_LENGTH = 200

# Digits only (a sign for the range check to refuse): int() would also take " 7", "7_000" and other scripts' digits.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")
# A decimal number (an exponent allowed), optionally a percentage: what float() reads, without "inf", "nan", "1_0".
_SHARE = re.compile(r"\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(%?)\s*")


def whole_number(value: object, *, field: str, name: str | None = None) -> int:
    """A whole number from text (digits, as in a query string or on a command line) or an ``int`` (a JSON
    integer); not ``1.5``, ``1e3``, `` 7``, ``true`` or ``"7"`` given where a JSON integer belongs."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise InvalidInput(f"{name or field}: expected a whole number, not {json_quote(value)}", field=field)


def day_count(
    value: object, *, field: str, name: str | None = None, least: int = 1, most: int = MAX_DAYS, why_least: str = ""
) -> int:
    """``value`` if it is a whole number (an ``int``: read text with :func:`whole_number` first) of days from
    ``least`` to ``most``; ``why_least`` is added to the message for a number under ``least``."""
    number = isinstance(value, int) and not isinstance(value, bool)
    if not number or not least <= value <= most:  # type: ignore[operator]
        reason = f" ({why_least})" if why_least and number and value < least else ""  # type: ignore[operator]
        raise InvalidInput(
            f"{name or field} must be a whole number from {least} to {most}, not {json_quote(value)}{reason}",
            field=field,
        )
    return value  # type: ignore[return-value]


def share(value: object, *, field: str, name: str | None = None) -> float:
    """A share above 0 and at most 1, given as a fraction (``0.01``) or a percentage (``1%``); a number is taken
    as a fraction."""
    label = name or field
    if isinstance(value, str):
        match = _SHARE.fullmatch(value)
        if match is None:
            raise InvalidInput(f"{label}: {json_quote(value)} is not a share (0.01) or a percentage (1%)", field=field)
        number = float(match[1]) / (100 if match[2] else 1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise InvalidInput(f"{label}: expected a share (0.01) or a percentage (1%), not {json_quote(value)}", field=field)
    if not math.isfinite(number) or not 0 < number <= 1:
        raise InvalidInput(
            f"{label} must be a share above 0 and at most 1 (0.01 = 1%, 1 = 100%), not {json_quote(value)}", field=field
        )
    return number


def check_actor(actor: object, *, name: str = "actor") -> str:
    """Who makes a change, for the audit log: a non-empty string of at most :data:`ACTOR_LENGTH` characters
    (without surrounding spaces)."""
    if not isinstance(actor, str) or not actor.strip() or len(actor.strip()) > ACTOR_LENGTH:
        raise InvalidInput(
            f"{name}: expected who makes the change, a non-empty string of at most {ACTOR_LENGTH} characters, "
            f"not {json_quote(actor)}",
            field="actor",
        )
    return actor.strip()


def check_why(why: object, *, name: str = "reason") -> str:
    """Why a change is made, for the audit log: a non-empty string (without surrounding spaces)."""
    if not isinstance(why, str) or not why.strip():
        raise InvalidInput(
            f"{name}: a reason is required (a non-empty string): every change to a deprecation record is audited "
            "with why it was made",
            field="reason",
        )
    return why.strip()
