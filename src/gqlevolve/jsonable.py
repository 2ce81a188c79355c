"""Values as JSON values: dataclasses as objects (without their private ``_`` fields), dates as ISO strings (also
as keys), enums as their values, sets as sorted lists, tuples as lists.

One conversion serves the reports, the admin API, the command line's ``--json`` and its table cells, and the
usage evidence of the schema check. It imports nothing beyond the standard library, so the command line can use it
without loading SQLAlchemy.

:func:`json_quote` is how an error message shows a value someone sent: JSON-style, so a string is in double quotes
with its control characters escaped (``"v9"``, ``"a\\tb"``), the same in the admin API and on the command line.

Example:

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Status
    >>> from gqlevolve.usage_store.reads import DailyUsage
    >>> to_jsonable({"usage": [DailyUsage(date(2026, 11, 21), operations=3, total=40)], "status": Status.DEPRECATED})
    {'usage': [{'day': '2026-11-21', 'operations': 3, 'total': 40}], 'status': 'deprecated'}
    >>> to_jsonable({date(2026, 11, 21): {"web", "ios"}})
    {'2026-11-21': ['ios', 'web']}
    >>> print(json_quote("v9"), json_quote(1.5), json_quote(True), json_quote(None))
    "v9" 1.5 true null
    >>> print(json_quote("a very long endpoint name", limit=6))
    "a very"…
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

__all__ = ["json_quote", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON values (dicts with string keys, lists, strings, numbers, booleans, None)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_jsonable(getattr(value, field.name)) for field in fields(value) if not field.name.startswith("_")}
    if isinstance(value, dict):
        return {str(key.isoformat() if isinstance(key, dt.date) else key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(item) for item in value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def json_quote(value: Any, *, limit: int = 80) -> str:
    """``value`` as an error message shows it: JSON-style (``"v9"``, ``1.5``, ``true``, ``null``).

    A string longer than ``limit`` characters is cut, with ``…`` after the closing quote; a value that is not a
    JSON value is shown as its text, quoted.
    """
    if isinstance(value, str) and len(value) > limit:
        return json.dumps(value[:limit], ensure_ascii=False) + "…"
    try:
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    except (TypeError, ValueError):
        return json_quote(str(value), limit=limit)
