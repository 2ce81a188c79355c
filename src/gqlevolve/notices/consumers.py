"""Consumers: a client name, as the usage store sees it, and who hears about it (emails, Slack, a signed webhook).

A consumer is keyed by the client name its applications send (``apollographql-client-name``: ``web``, ``ios``).
The notices of :mod:`gqlevolve.notices.schedule` go to the consumers whose client used the element; a client
without a consumer is named to nobody but the platform team's reports. A listing never shows a secret whole:
:meth:`Consumer.public` is what the command line and the admin API print.

    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)       # e.g. "sqlite:///gqlevolve.db"
    >>> web = add_consumer(store, "web", emails=["web-team@example.com"],
    ...                    webhook_url="https://hooks.example/gql", webhook_secret="0123456789abcdef0123")
    >>> [consumer.public()["webhook_secret"] for consumer in list_consumers(store)]
    ['012…(20 characters)']
    >>> add_consumer(store, "web", emails=["other@example.com"])
    Traceback (most recent call last):
    ...
    gqlevolve.errors.Conflict: client "web" already has a consumer; remove it first, or add with replace
    >>> remove_consumer(store, "web").client_name
    'web'
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from gqlevolve.errors import Conflict, InvalidInput, NotFound
from gqlevolve.jsonable import json_quote
from gqlevolve.notices._store import writing
from gqlevolve.notices.addresses import check_email, check_secret, check_url, masked_secret, masked_url
from gqlevolve.usage_store.clients import clean_client_name
from gqlevolve.usage_store.tables import consumers

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.reads import Connection

__all__ = [
    "MAX_EMAILS",
    "Consumer",
    "add_consumer",
    "check_client_name",
    "consumers_by_client",
    "list_consumers",
    "read_consumers",
    "remove_consumer",
]

#: Addresses per consumer: a team's list, not a mailing list's members.
MAX_EMAILS = 20


@dataclass(frozen=True, slots=True)
class Consumer:
    client_name: str
    emails: tuple[str, ...] = ()
    slack_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def __repr__(self) -> str:  # a secret never reaches a log line or a traceback whole
        return f"Consumer({self.client_name!r}, emails={self.emails!r}, {self._channels()})"

    def _channels(self) -> str:
        return f"slack={masked_url(self.slack_url)!r}, webhook={self.webhook_url!r}"

    def public(self) -> dict[str, Any]:
        """What may be shown: the Slack URL (its path is the secret) and the webhook secret masked."""
        return {
            "client_name": self.client_name,
            "emails": list(self.emails),
            "slack_url": masked_url(self.slack_url),
            "webhook_url": self.webhook_url,
            "webhook_secret": masked_secret(self.webhook_secret),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def check_client_name(value: object, *, field: str = "client") -> str:
    """A client name as the store keeps it (:func:`~gqlevolve.usage_store.clients.clean_client_name`), not empty."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field}: expected a client name, not {json_quote(value)}", field=field)
    name = clean_client_name(value)
    if name != value.strip():
        raise InvalidInput(
            f"{field}: {json_quote(value)} is not a client name as the usage store keeps it (at most 64 of "
            f"A-Z a-z 0-9 space . _ : / @ + -; it would be stored as {json_quote(name)})",
            field=field,
        )
    return name


def _checked(
    client_name: object, emails: Iterable[object], slack_url: object, webhook_url: object, webhook_secret: object
) -> Consumer:
    name = check_client_name(client_name)
    addresses = list(dict.fromkeys(check_email(address, field="email") for address in emails))
    if len(addresses) > MAX_EMAILS:
        raise InvalidInput(f"email: at most {MAX_EMAILS} addresses per consumer, not {len(addresses)}", field="email")
    slack = None if slack_url in (None, "") else check_url(slack_url, field="slack_url")
    webhook = secret = None
    if webhook_url not in (None, ""):
        webhook = check_url(webhook_url, field="webhook_url")
        secret = check_secret(webhook_secret, field="webhook_secret")
    elif webhook_secret not in (None, ""):
        raise InvalidInput("webhook_secret: given without a webhook_url", field="webhook_secret")
    if not addresses and slack is None and webhook is None:
        raise InvalidInput(
            f"client {json_quote(name)}: a consumer needs at least one contact (an email, a Slack URL or a webhook)",
            field="email",
        )
    return Consumer(name, tuple(addresses), slack, webhook, secret)


def add_consumer(
    store: UsageStore,
    client_name: object,
    *,
    emails: Sequence[object] = (),
    slack_url: object = None,
    webhook_url: object = None,
    webhook_secret: object = None,
    replace: bool = False,
) -> Consumer:
    """Register ``client_name``'s contacts (checked); a :class:`~gqlevolve.errors.Conflict` if it has some already,
    unless ``replace``."""
    consumer = _checked(client_name, emails, slack_url, webhook_url, webhook_secret)
    now = store.clock.now()
    values = {
        "emails": "\n".join(consumer.emails), "slack_url": consumer.slack_url, "webhook_url": consumer.webhook_url,
        "webhook_secret": consumer.webhook_secret, "updated_at": now,
    }
    with writing(store) as connection:
        existing = connection.execute(
            sa.select(consumers.c.created_at).where(consumers.c.client_name == consumer.client_name).with_for_update()
        ).first()
        if existing is not None and not replace:
            raise Conflict(
                f"client {json_quote(consumer.client_name)} already has a consumer; remove it first, or add with replace",
                field="client",
            )
        if existing is None:
            connection.execute(consumers.insert().values(client_name=consumer.client_name, created_at=now, **values))
            created = now
        else:
            connection.execute(consumers.update().where(consumers.c.client_name == consumer.client_name).values(**values))
            created = existing[0]
    return Consumer(
        consumer.client_name, consumer.emails, consumer.slack_url, consumer.webhook_url, consumer.webhook_secret,
        created, now,
    )


def _consumer(row: sa.Row[Any]) -> Consumer:
    return Consumer(
        row.client_name, tuple(address for address in row.emails.split("\n") if address), row.slack_url,
        row.webhook_url, row.webhook_secret, row.created_at, row.updated_at,
    )


def read_consumers(connection: Connection) -> list[Consumer]:
    """Every consumer, by client name (on a connection the caller holds: the sender reads them with the usage)."""
    rows = connection.execute(sa.select(consumers).order_by(consumers.c.client_name))
    return [_consumer(row) for row in rows]


def list_consumers(store: UsageStore) -> list[Consumer]:
    with store.reading() as connection:
        return read_consumers(connection)


def consumers_by_client(connection: Connection) -> dict[str, Consumer]:
    return {consumer.client_name: consumer for consumer in read_consumers(connection)}


def remove_consumer(store: UsageStore, client_name: object) -> Consumer:
    """Remove a consumer (its delivery log stays: it is the proof of what was sent); :class:`NotFound` if absent."""
    name = check_client_name(client_name)
    with writing(store) as connection:
        row = connection.execute(sa.select(consumers).where(consumers.c.client_name == name)).first()
        if row is None:
            raise NotFound(f"no consumer for client {json_quote(name)}", field="client")
        connection.execute(consumers.delete().where(consumers.c.client_name == name))
    return _consumer(row)
