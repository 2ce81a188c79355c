"""The channels a notice travels by: email over SMTP, Slack's incoming webhook, the signed generic webhook.

Each channel sends one message and returns an :class:`Outcome`: sent or not, the server's status code and reply,
and whether a failure is permanent (refused for good: abandon it) or worth another try on the next pass.

- :mod:`~gqlevolve.notices.channels.email`: ``smtplib``, STARTTLS and login as settings, plain text and HTML;
- :mod:`~gqlevolve.notices.channels.http`: one JSON POST with retries (exponential backoff on 5xx, 408, 429 and
  timeouts; never on another 4xx), no redirects followed;
- :mod:`~gqlevolve.notices.channels.slack`: Slack's ``{"text": ...}``;
- :mod:`~gqlevolve.notices.channels.webhook`: the generic webhook, signed with HMAC-SHA256 over timestamp and body.
"""

from gqlevolve.notices.channels.outcome import Outcome

__all__ = ["Outcome"]
