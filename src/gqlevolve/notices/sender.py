"""One pass of the notices (``gqlevolve notify``): plan what is due, claim each delivery, send it, record it.

:func:`plan` turns the notices due on a day (:func:`gqlevolve.notices.schedule.due_notices`) into deliveries:
each consumer notice to each of its consumer's contacts (every email address, the Slack URL, the webhook), each
platform notice to the platform team's contacts (:class:`~gqlevolve.notices.settings.NoticeSettings`).
:func:`notify` sends them: a delivery is claimed (committed) before it is sent and its outcome recorded after
(:mod:`gqlevolve.notices.delivery_log`), so a pass run twice, or twice at once, sends each notice once, and a
failed one is tried again by the next pass until it is sent or abandoned after ``max_attempts`` passes.

With ``dry_run``, nothing is claimed or sent: the result lists what would be sent, to whom, and why.

Settings are checked before anything is claimed: emails due without an SMTP server (or a malformed one, see
:mod:`~gqlevolve.notices.settings`) are one :class:`~gqlevolve.errors.InvalidInput` line (the command line exits
with 2). An SMTP server that is down, or refuses STARTTLS or the login, is not a reason to hold back the webhook
and Slack deliveries of the pass: each email due is claimed and logged ``failed`` with the reason, and the next
pass tries it again. A pass runs outside any GraphQL request: a dead server slows the pass (bounded by
timeouts), never a request.

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> from gqlevolve.notices import add_consumer
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)          # clock: pinned to 2026-11-21
    >>> store.update_deprecation("/api/v1/graphql", "User.name", {"deprecated_on": date(2026, 11, 21),
    ...                          "sunset_on": date(2027, 3, 1)}, actor="docs", create=True)
    Deprecation(coordinate='User.name', ...)
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, client_name="web", client_version="1.4.0", count=12)
    >>> _ = add_consumer(store, "web", webhook_url="http://127.0.0.1:9/hook", webhook_secret="0123456789abcdef")
    >>> result = notify(store, NoticeSettings(), dry_run=True)
    >>> for delivery in result.planned:
    ...     print(delivery.key.event, delivery.key.channel, delivery.key.target, "--", delivery.notice.why)
    announcement webhook http://127.0.0.1:9/hook -- announcement of User.name (due 2026-11-21): client web used it 12 times from 2026-10-23 to 2026-11-21
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gqlevolve.advisor import RemovalPolicy, check_as_of
from gqlevolve.errors import InvalidInput
from gqlevolve.logs import loggable
from gqlevolve.notices import messages
from gqlevolve.notices.addresses import masked_url, url_without_query
from gqlevolve.notices.channels.email import Mailer, build_message
from gqlevolve.notices.channels.outcome import Outcome
from gqlevolve.notices.channels.slack import send_slack
from gqlevolve.notices.channels.webhook import send_webhook
from gqlevolve.notices.consumers import list_consumers
from gqlevolve.notices.delivery_log import DeliveryKey, DeliveryStatus, claim, delivery_state, finish
from gqlevolve.notices.schedule import PLATFORM, Notice, due_notices
from gqlevolve.notices.settings import NoticeSettings

if TYPE_CHECKING:
    from gqlevolve.notices.consumers import Consumer
    from gqlevolve.usage_store import UsageStore

__all__ = ["Delivered", "NotifyResult", "Planned", "notify", "plan"]

logger = logging.getLogger("gqlevolve.notices")


@dataclass(frozen=True, slots=True)
class Planned:
    """One notice to one contact. ``address`` is where it goes (whole); ``key.target`` what the log keeps of it."""

    notice: Notice
    key: DeliveryKey
    # Not in the repr: a Slack URL's path and a webhook's secret are secrets (a log line, an assertion message).
    address: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Delivered:
    planned: Planned
    #: None: not sent by this pass (sent already, abandoned, or being sent by another pass).
    status: DeliveryStatus | None
    outcome: Outcome | None = None
    attempt: int | None = None


@dataclass(slots=True)
class NotifyResult:
    as_of: dt.date
    dry_run: bool
    #: Every delivery due (``dry_run``: those not sent or abandoned already).
    planned: list[Planned] = field(default_factory=list)
    results: list[Delivered] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivered]:
        return [item for item in self.results if item.status in (DeliveryStatus.FAILED, DeliveryStatus.ABANDONED)]

    @property
    def sent(self) -> list[Delivered]:
        return [item for item in self.results if item.status is DeliveryStatus.SENT]


def _targets(notice: Notice, consumer: Consumer | None, settings: NoticeSettings) -> list[tuple[str, str, str, str | None]]:
    """(channel, address, logged target, secret) for each contact of the notice's recipient."""
    if notice.recipient == PLATFORM:
        emails, slack = settings.platform_emails, settings.platform_slack_url
        webhook, secret = settings.platform_webhook_url, settings.platform_webhook_secret
    elif consumer is not None:
        emails, slack, webhook, secret = consumer.emails, consumer.slack_url, consumer.webhook_url, consumer.webhook_secret
    else:
        return []
    found: list[tuple[str, str, str, str | None]] = [("email", address, address, None) for address in emails]
    if slack:
        found.append(("slack", slack, masked_url(slack) or "", None))
    if webhook:
        found.append(("webhook", webhook, url_without_query(webhook), secret))
    return found


def plan(
    store: UsageStore, settings: NoticeSettings, as_of: dt.date, *, policy: RemovalPolicy | None = None
) -> list[Planned]:
    consumers = {consumer.client_name: consumer for consumer in list_consumers(store)}
    planned: list[Planned] = []
    for notice in due_notices(store, as_of, registered=set(consumers), policy=policy):
        for channel, address, target, secret in _targets(notice, consumers.get(notice.recipient), settings):
            key = DeliveryKey(
                notice.event.value, notice.endpoint, notice.coordinate, notice.recipient, notice.period, channel, target
            )
            planned.append(Planned(notice, key, address, secret))
    return planned


def notify(
    store: UsageStore,
    settings: NoticeSettings,
    *,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    policy: RemovalPolicy | None = None,
) -> NotifyResult:
    """One pass on ``as_of`` (default: today by the store's clock; a future day is refused)."""
    as_of = check_as_of(as_of, today=store.clock.today())
    planned = plan(store, settings, as_of, policy=policy)
    done = delivery_state(store, [item.key.key for item in planned])
    todo = [item for item in planned if done.get(item.key.key) not in (DeliveryStatus.SENT, DeliveryStatus.ABANDONED)]
    result = NotifyResult(as_of, dry_run, todo if dry_run else planned)
    if dry_run:
        return result
    mailer = _mailer(settings, todo)
    try:
        for item in todo:
            result.results.append(_deliver(store, settings, item, mailer))
    finally:
        if mailer is not None:
            mailer.close()
    return result


def _mailer(settings: NoticeSettings, todo: list[Planned]) -> Mailer | None:
    emails = [item for item in todo if item.key.channel == "email"]
    if not emails:
        return None
    if settings.smtp is None or settings.sender is None:
        raise InvalidInput(
            f"{len(emails)} email(s) are due but no SMTP server is set (--smtp-host and --from, or "
            "GQLEVOLVE_SMTP_HOST and GQLEVOLVE_NOTICE_FROM)",
            field="smtp_host",
        )
    # Connected by its first email, not now: a server that is down fails the emails (each logged, retried by the
    # next pass), not the pass, whose webhook and Slack deliveries go out all the same.
    return Mailer(settings.smtp)


def _deliver(store: UsageStore, settings: NoticeSettings, item: Planned, mailer: Mailer | None) -> Delivered:
    notice = item.notice
    attempt = claim(store, item.key, subject=messages.subject(notice), max_attempts=settings.max_attempts)
    if attempt is None:
        return Delivered(item, None)
    try:
        outcome = _send(store, settings, item, mailer)
    except Exception as error:  # a bug in rendering or a channel: recorded as this delivery's failure, not lost
        logger.exception("notice %s to %s: internal error", loggable(item.key.event), loggable(item.key.target))
        outcome = Outcome(False, None, f"internal error: {type(error).__name__}: {error}")
    status = finish(
        store, item.key.key, sent=outcome.sent, reply=_reply(outcome), status_code=outcome.status_code,
        max_attempts=settings.max_attempts, permanent=outcome.permanent,
    )
    log = logger.info if status is DeliveryStatus.SENT else logger.warning
    log(
        "notice %s of %s to %s by %s (%s): %s, attempt %d: %s",
        loggable(notice.event.value), loggable(notice.coordinate), loggable(notice.recipient), item.key.channel,
        loggable(item.key.target), status.value, attempt, loggable(outcome.reply, limit=200),
    )
    return Delivered(item, status, outcome, attempt)


def _reply(outcome: Outcome) -> str:
    return outcome.reply if outcome.tries == 1 else f"{outcome.reply} (after {outcome.tries} tries)"


def _send(store: UsageStore, settings: NoticeSettings, item: Planned, mailer: Mailer | None) -> Outcome:
    notice, channel = item.notice, item.key.channel
    if channel == "email":
        assert mailer is not None and settings.sender is not None  # _mailer made it for the emails due
        unsubscribe = settings.unsubscribe or f"mailto:{settings.sender}?subject=unsubscribe%20{notice.recipient}"
        message = build_message(
            subject=messages.subject(notice), text=messages.text_body(notice), html=messages.html_body(notice),
            sender=settings.sender, to=item.address, key=item.key.key, unsubscribe=unsubscribe, date=store.clock.now(),
        )
        return mailer.send(message)
    if channel == "slack":
        return send_slack(
            item.address, messages.slack_text(notice), timeout=settings.timeout, retries=settings.retries,
            backoff=settings.backoff,
        )
    assert item.secret is not None  # a webhook is stored and set only with its secret
    return send_webhook(
        item.address, item.secret, messages.payload(notice, delivery=item.key.key),
        now=lambda: int(store.clock.now().timestamp()), timeout=settings.timeout, retries=settings.retries,
        backoff=settings.backoff,
    )
