"""Notices: the lifecycle policy's communication, on its schedule, by email, Slack and signed webhooks, with proof.

Modules, one concept each:

- :mod:`~gqlevolve.notices.addresses`: the checks of email addresses, URLs and secrets, and their masks;
- :mod:`~gqlevolve.notices.settings`: the SMTP server, the platform team's contacts, retries (options, environment);
- :mod:`~gqlevolve.notices.consumers`: who hears about a client (``gqlevolve consumers add|list|remove``);
- :mod:`~gqlevolve.notices.schedule`: which notice is due on a day, to whom, with which figures;
- :mod:`~gqlevolve.notices.messages`: a notice in words (Jinja2 templates, Slack text, the webhook's JSON);
- :mod:`~gqlevolve.notices.channels`: email over SMTP, Slack's incoming webhook, the signed generic webhook;
- :mod:`~gqlevolve.notices.delivery_log`: the idempotency key, claims, and the log that is the policy's proof;
- :mod:`~gqlevolve.notices.sender`: one pass (``gqlevolve notify``): plan, claim, send, record.

The layering: a decisions layer over the read layer (:mod:`gqlevolve.usage_store.reads`, the advisor, the
reports); the command line and the admin API are its interfaces. ``docs/notifications.md`` is the guide.
"""

from gqlevolve.notices.consumers import Consumer, add_consumer, list_consumers, remove_consumer
from gqlevolve.notices.delivery_log import Delivery, DeliveryStatus, list_deliveries
from gqlevolve.notices.schedule import Event, Notice, due_notices
from gqlevolve.notices.sender import NotifyResult, notify
from gqlevolve.notices.settings import NoticeSettings, SmtpSettings

__all__ = [
    "Consumer",
    "Delivery",
    "DeliveryStatus",
    "Event",
    "Notice",
    "NoticeSettings",
    "NotifyResult",
    "SmtpSettings",
    "add_consumer",
    "due_notices",
    "list_consumers",
    "list_deliveries",
    "notify",
    "remove_consumer",
]
