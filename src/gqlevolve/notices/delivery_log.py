"""The delivery log: every notice to every recipient and channel, claimed before it is sent, and its outcome.

A delivery's **key** is the SHA-256 of (event, endpoint, element, recipient, period, channel, target): unique in
``notice_deliveries``, so the row is the claim. A pass claims a delivery in its own committed transaction
before sending it (:func:`claim`): an ``INSERT ... ON CONFLICT DO NOTHING`` for a new one, a compare-and-set
``UPDATE`` (on the attempts it read) for one to retry, so two passes at once, on two hosts against one
PostgreSQL, never both send it. Then :func:`finish` records what the server answered.

Statuses: ``sending`` (claimed; one left so for longer than :data:`CLAIM_LEASE` by a pass that died is claimed
again), ``sent``, ``failed`` (retried by the next pass), ``abandoned`` (refused for good, a 4xx or a 5xx SMTP
reply, or ``max_attempts`` passes failed). The log is the policy's "client notification proof": never pruned
(``gqlevolve db prune`` deletes usage only), read with ``gqlevolve notices`` and ``GET /api/admin/notices``.

    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)       # e.g. "sqlite:///gqlevolve.db"
    >>> entry = DeliveryKey("final_warning", "/api/v1/graphql", "User.name", "web", "2026-12-24", "email", "web@example.com")
    >>> claim(store, entry, subject="Final warning", max_attempts=3)       # the attempt it is
    1
    >>> claim(store, entry, subject="Final warning", max_attempts=3) is None     # claimed already: not twice
    True
    >>> finish(store, entry.key, sent=False, reply="451 try later", status_code=451, max_attempts=3).value
    'failed'
    >>> claim(store, entry, subject="Final warning", max_attempts=3)       # the next pass retries it
    2
    >>> finish(store, entry.key, sent=True, reply="250 OK", status_code=250, max_attempts=3).value
    'sent'
    >>> [(d.status.value, d.attempts, d.reply) for d in list_deliveries(store)]
    [('sent', 2, '250 OK')]
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote
from gqlevolve.logs import loggable_text
from gqlevolve.notices._store import writing
from gqlevolve.usage_store.engine import dialect_insert
from gqlevolve.usage_store.tables import notice_deliveries

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = [
    "CLAIM_LEASE",
    "REPLY_LENGTH",
    "Delivery",
    "DeliveryKey",
    "DeliveryStatus",
    "check_status",
    "claim",
    "delivery_state",
    "finish",
    "list_deliveries",
]

#: How long a claim holds: a pass that died while sending leaves ``sending``; after this, the next pass retries.
CLAIM_LEASE = dt.timedelta(minutes=15)
#: The server's reply as kept (escaped: it is shown on terminals and in JSON).
REPLY_LENGTH = 500
_LIST_LIMIT = 10_000


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    """What identifies a delivery; :attr:`key` is its hash (the unique column)."""

    event: str
    endpoint: str
    coordinate: str
    recipient: str
    period: str
    channel: str
    target: str

    @property
    def key(self) -> str:
        parts = (self.event, self.endpoint, self.coordinate, self.recipient, self.period, self.channel, self.target)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    key: str
    event: str
    endpoint: str
    coordinate: str
    recipient: str
    period: str
    channel: str
    target: str
    subject: str
    status: DeliveryStatus
    attempts: int
    reply: str | None
    status_code: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None


def _insert(connection: sa.Connection) -> Any:
    return dialect_insert(connection, notice_deliveries)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives back naive datetimes: they were written in UTC.
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def claim(store: UsageStore, entry: DeliveryKey, *, subject: str, max_attempts: int) -> int | None:
    """Claim ``entry`` for this pass (committed before the caller sends): the attempt number, or None when it is
    sent, abandoned, being sent by another pass, or out of attempts."""
    now = store.clock.now()
    key = entry.key
    with writing(store) as connection:
        inserted = connection.execute(
            _insert(connection).values(
                key=key, event=entry.event, endpoint=entry.endpoint, coordinate=entry.coordinate,
                recipient=entry.recipient, period=entry.period, channel=entry.channel, target=entry.target,
                subject=subject[:1000], status=DeliveryStatus.SENDING.value, attempts=1, created_at=now, updated_at=now,
            ).on_conflict_do_nothing(index_elements=["key"]).returning(notice_deliveries.c.id)
        ).first()
        if inserted is not None:  # RETURNING, not rowcount: a driver may not count an ON CONFLICT insert
            return 1
    with writing(store) as connection:
        row = connection.execute(
            sa.select(notice_deliveries.c.status, notice_deliveries.c.attempts, notice_deliveries.c.updated_at)
            .where(notice_deliveries.c.key == key)
        ).one()
        status, attempts, updated_at = DeliveryStatus(row.status), int(row.attempts), _utc(row.updated_at)
        stale = status is DeliveryStatus.SENDING and updated_at is not None and now - updated_at > CLAIM_LEASE
        if not (status is DeliveryStatus.FAILED or stale) or attempts >= max_attempts:
            return None
        # Compare-and-set on what was read: of two passes that read the same row, one updates it.
        taken = connection.execute(
            notice_deliveries.update()
            .where(
                notice_deliveries.c.key == key, notice_deliveries.c.status == row.status,
                notice_deliveries.c.attempts == attempts,
            )
            .values(status=DeliveryStatus.SENDING.value, attempts=attempts + 1, updated_at=now)
        )
        return attempts + 1 if taken.rowcount == 1 else None


def finish(
    store: UsageStore,
    key: str,
    *,
    sent: bool,
    reply: str | None,
    status_code: int | None,
    max_attempts: int,
    permanent: bool = False,
) -> DeliveryStatus:
    """Record the outcome of a claimed delivery: sent, failed (retried next pass), or abandoned (``permanent``, or
    its last attempt)."""
    now = store.clock.now()
    with writing(store) as connection:
        attempts = connection.execute(
            sa.select(notice_deliveries.c.attempts).where(notice_deliveries.c.key == key)
        ).scalar_one()
        if sent:
            status = DeliveryStatus.SENT
        elif permanent or attempts >= max_attempts:
            status = DeliveryStatus.ABANDONED
        else:
            status = DeliveryStatus.FAILED
        connection.execute(
            notice_deliveries.update().where(notice_deliveries.c.key == key).values(
                status=status.value, updated_at=now, status_code=status_code,
                reply=None if reply is None else loggable_text(reply, limit=REPLY_LENGTH),
                sent_at=now if sent else None,
            )
        )
    return status


def delivery_state(store: UsageStore, keys: list[str]) -> dict[str, DeliveryStatus]:
    """The status of each of ``keys`` that the log has (``--dry-run`` leaves out what was sent already)."""
    found: dict[str, DeliveryStatus] = {}
    with store.reading() as connection:
        for start in range(0, len(keys), 500):  # bounded IN lists
            rows = connection.execute(
                sa.select(notice_deliveries.c.key, notice_deliveries.c.status)
                .where(notice_deliveries.c.key.in_(keys[start:start + 500]))
            )
            found.update({key: DeliveryStatus(status) for key, status in rows})
    return found


def check_status(value: object, *, field: str = "status") -> DeliveryStatus | None:
    if value is None or value == "":
        return None
    try:
        return DeliveryStatus(str(value))
    except ValueError:
        choices = ", ".join(status.value for status in DeliveryStatus)
        raise InvalidInput(f"{field}: one of {choices}, not {json_quote(value)}", field=field) from None


def list_deliveries(store: UsageStore, status: DeliveryStatus | str | None = None, *, limit: int = 1000) -> list[Delivery]:
    """The log, newest first (``status``: only those); at most ``limit`` rows (1 to 10,000)."""
    chosen = check_status(status)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _LIST_LIMIT:
        raise InvalidInput(f"limit: a whole number from 1 to {_LIST_LIMIT}, not {json_quote(limit)}", field="limit")
    query = sa.select(notice_deliveries).order_by(notice_deliveries.c.updated_at.desc(), notice_deliveries.c.id.desc())
    if chosen is not None:
        query = query.where(notice_deliveries.c.status == chosen.value)
    with store.reading() as connection:
        rows = connection.execute(query.limit(limit)).all()
    return [
        Delivery(
            row.key, row.event, row.endpoint, row.coordinate, row.recipient, row.period, row.channel, row.target,
            row.subject, DeliveryStatus(row.status), int(row.attempts), row.reply, row.status_code,
            _utc(row.created_at) or row.created_at, _utc(row.updated_at) or row.updated_at, _utc(row.sent_at),
        )
        for row in rows
    ]
