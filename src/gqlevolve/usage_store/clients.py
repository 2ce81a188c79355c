"""Client names and versions as they are stored: trimmed, in a safe charset, and capped per endpoint and day.

Clients name themselves (headers such as ``apollographql-client-name``), so nothing they send may grow the
store, or a process's memory, without bound: only the first :data:`CLIENT_NAME_LENGTH` (64) characters of a name
and :data:`CLIENT_VERSION_LENGTH` (32) of a version are read (the request path cuts them to that before keeping or
caching anything, whatever the header's size), then trimmed and limited to ``[A-Za-z0-9 ._:/@+-]`` (anything
else becomes ``_``); past ``max_clients_per_day`` distinct (name, version) pairs on one endpoint and day, further
new pairs are counted as :data:`OTHER_CLIENT`.

Example: a name as stored, and a cap of two clients a day on an endpoint:

    >>> clean_client_name("  My App\\n ")
    'My App'
    >>> clean_client_name("web\\x1b[2J;DROP")
    'web_2J_DROP'
    >>> limiter = ClientLimiter(max_clients_per_day=2)
    >>> [limiter.admit("/api/v1/graphql", clock.today(), name, "1.0") for name in ("web", "ios", "android", "web")]
    [('web', '1.0'), ('ios', '1.0'), ('other', ''), ('web', '1.0')]
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict

from gqlevolve.usage_store.tables import CLIENT_NAME_LENGTH, CLIENT_VERSION_LENGTH, UNKNOWN_CLIENT

__all__ = [
    "CLIENT_NAME_LENGTH",
    "CLIENT_VERSION_LENGTH",
    "OTHER_CLIENT",
    "ClientLimiter",
    "clean_client_name",
    "clean_client_version",
]

#: The name under which clients past the per-day cap are counted.
OTHER_CLIENT = "other"

_UNSAFE = re.compile(r"[^A-Za-z0-9 ._:/@+\-]+")
_SPACES = re.compile(r"\s+")


def _clean(value: object, length: int) -> str:
    if value is None:
        return UNKNOWN_CLIENT
    text = _SPACES.sub(" ", (value if isinstance(value, str) else str(value))[:length]).strip()
    return _UNSAFE.sub("_", text)[:length].strip()


def clean_client_name(value: object) -> str:
    """The client name as stored (``''`` when unknown), from its first :data:`CLIENT_NAME_LENGTH` characters."""
    return _clean(value, CLIENT_NAME_LENGTH)


def clean_client_version(value: object) -> str:
    """The client version as stored (``''`` when unknown), from its first :data:`CLIENT_VERSION_LENGTH` characters."""
    return _clean(value, CLIENT_VERSION_LENGTH)


class ClientLimiter:
    """Admits at most ``max_clients_per_day`` distinct (name, version) per endpoint and day; the rest are ``other``.

    It counts what this process has seen: with N processes, an endpoint's day holds at most N times the cap.
    It remembers the last ``max_days_tracked`` (endpoint, day) pairs, which is plenty for live traffic (today,
    and yesterday around midnight) and keeps memory bounded for backfills over many days.
    Not thread-safe by itself: the recorder calls it under its lock.
    """

    def __init__(self, max_clients_per_day: int, *, max_days_tracked: int = 256) -> None:
        if max_clients_per_day < 1:
            raise ValueError(f"max_clients_per_day must be at least 1, not {max_clients_per_day}")
        self.max_clients_per_day = max_clients_per_day
        self._max_days_tracked = max_days_tracked
        self._seen: OrderedDict[tuple[str, dt.date], set[tuple[str, str]]] = OrderedDict()

    def admit(self, endpoint: str, day: dt.date, name: str, version: str) -> tuple[str, str]:
        clients = self._seen.get((endpoint, day))
        if clients is None:
            clients = self._seen[(endpoint, day)] = set()
            if len(self._seen) > self._max_days_tracked:
                self._seen.popitem(last=False)
        client = (name, version)
        if client in clients:
            return client
        if len(clients) < self.max_clients_per_day:
            clients.add(client)
            return client
        return (OTHER_CLIENT, UNKNOWN_CLIENT)
