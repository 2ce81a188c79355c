"""Report values as JSON values: dataclasses as objects, dates as ISO strings, enums as their values."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

__all__ = ["to_jsonable"]


def to_jsonable(value: Any) -> Any:
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
