"""The notices' settings: the SMTP server, the platform team's own contacts, retries. From options or the environment.

========================================  ================================================================
environment variable                       setting
========================================  ================================================================
``GQLEVOLVE_SMTP_HOST``                    SMTP server host (no email is sent without it)
``GQLEVOLVE_SMTP_PORT``                    its port (default 25; 587 with STARTTLS is usual)
``GQLEVOLVE_SMTP_STARTTLS``                ``1``/``true``: upgrade the connection with STARTTLS before anything else
``GQLEVOLVE_SMTP_CA_FILE``                 with STARTTLS: trust only the CA certificate(s) of this PEM file
``GQLEVOLVE_SMTP_USER``                    log in as this user (needs ``GQLEVOLVE_SMTP_PASSWORD``)
``GQLEVOLVE_SMTP_PASSWORD``                the SMTP password (never printed)
``GQLEVOLVE_NOTICE_FROM``                  the sender address (required when emails are sent)
``GQLEVOLVE_NOTICE_UNSUBSCRIBE``           the ``List-Unsubscribe`` target (default: ``mailto:`` the sender)
``GQLEVOLVE_PLATFORM_EMAIL``               the platform team's addresses, comma-separated
``GQLEVOLVE_PLATFORM_SLACK_URL``           the platform team's Slack incoming-webhook URL
``GQLEVOLVE_PLATFORM_WEBHOOK_URL``         the platform team's generic webhook URL
``GQLEVOLVE_PLATFORM_WEBHOOK_SECRET``      its shared secret (required with the URL)
``GQLEVOLVE_NOTICE_MAX_ATTEMPTS``          runs that try a delivery before it is abandoned (default 5)
========================================  ================================================================

Every value is checked when the settings are built (:meth:`NoticeSettings.build`): a malformed address, URL or
host name, a webhook without its secret, a port out of range, a CA file that cannot be read is one
:class:`~gqlevolve.errors.InvalidInput` line. (A server that is down is not a setting: its emails fail and are
tried again by the next pass.)

    >>> settings = NoticeSettings.from_environ({"GQLEVOLVE_SMTP_HOST": "127.0.0.1", "GQLEVOLVE_NOTICE_FROM": "api@example.com",
    ...                                          "GQLEVOLVE_PLATFORM_EMAIL": "platform@example.com, oncall@example.com"})
    >>> settings.smtp.port, settings.platform_emails
    (25, ('platform@example.com', 'oncall@example.com'))
    >>> NoticeSettings.from_environ({"GQLEVOLVE_PLATFORM_WEBHOOK_URL": "https://hooks.example/gql"})
    Traceback (most recent call last):
    ...
    gqlevolve.errors.InvalidInput: platform_webhook_secret: a webhook needs a shared secret (at least 16 characters)
    >>> NoticeSettings.build(smtp_host="smtp example.com", sender="api@example.com")
    Traceback (most recent call last):
    ...
    gqlevolve.errors.InvalidInput: smtp_host: "smtp example.com" is not a host name or IP address
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gqlevolve.errors import InvalidInput
from gqlevolve.inputs import whole_number
from gqlevolve.jsonable import json_quote
from gqlevolve.notices.addresses import check_email, check_secret, check_url

__all__ = ["DEFAULT_MAX_ATTEMPTS", "ENVIRONMENT", "NoticeSettings", "SmtpSettings"]

DEFAULT_MAX_ATTEMPTS = 5

#: Each setting's environment variable (the command line's options read the same ones).
ENVIRONMENT = {
    "smtp_host": "GQLEVOLVE_SMTP_HOST",
    "smtp_port": "GQLEVOLVE_SMTP_PORT",
    "smtp_starttls": "GQLEVOLVE_SMTP_STARTTLS",
    "smtp_ca_file": "GQLEVOLVE_SMTP_CA_FILE",
    "smtp_user": "GQLEVOLVE_SMTP_USER",
    "smtp_password": "GQLEVOLVE_SMTP_PASSWORD",
    "sender": "GQLEVOLVE_NOTICE_FROM",
    "unsubscribe": "GQLEVOLVE_NOTICE_UNSUBSCRIBE",
    "platform_email": "GQLEVOLVE_PLATFORM_EMAIL",
    "platform_slack_url": "GQLEVOLVE_PLATFORM_SLACK_URL",
    "platform_webhook_url": "GQLEVOLVE_PLATFORM_WEBHOOK_URL",
    "platform_webhook_secret": "GQLEVOLVE_PLATFORM_WEBHOOK_SECRET",
    "max_attempts": "GQLEVOLVE_NOTICE_MAX_ATTEMPTS",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
# A DNS name (letters, digits, hyphens, dots; RFC 1123), or an IP address (checked by ipaddress).
_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    #: Seconds for connecting and for each SMTP command.
    timeout: float = 10.0
    #: With STARTTLS: a PEM file of the CA certificate(s) to trust instead of the system's (a private CA).
    ca_file: str | None = None

    def __repr__(self) -> str:  # the password never reaches a log line or a traceback
        login = f", username={self.username!r}, password='***'" if self.username else ""
        ca = f", ca_file={self.ca_file!r}" if self.ca_file else ""
        return f"SmtpSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}{ca}{login})"


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    """What the sender needs besides the store. ``retries`` and ``backoff``: tries of an HTTP delivery within one
    run (waiting ``backoff`` seconds, then twice that, ... between them) on a 5xx, 408, 429 or a timeout."""

    smtp: SmtpSettings | None = None
    sender: str | None = None
    unsubscribe: str | None = None
    platform_emails: tuple[str, ...] = ()
    platform_slack_url: str | None = None
    platform_webhook_url: str | None = None
    platform_webhook_secret: str | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retries: int = 3
    backoff: float = 0.5
    #: Seconds an HTTP delivery may take.
    timeout: float = 10.0

    def __repr__(self) -> str:
        secret = "'***'" if self.platform_webhook_secret else None
        return (
            f"NoticeSettings(smtp={self.smtp!r}, sender={self.sender!r}, platform_emails={self.platform_emails!r}, "
            f"platform_webhook_url={self.platform_webhook_url!r}, platform_webhook_secret={secret}, "
            f"max_attempts={self.max_attempts})"
        )

    @classmethod
    def build(
        cls,
        *,
        smtp_host: str | None = None,
        smtp_port: object = None,
        smtp_starttls: object = None,
        smtp_ca_file: str | None = None,
        smtp_user: str | None = None,
        smtp_password: str | None = None,
        sender: str | None = None,
        unsubscribe: str | None = None,
        platform_email: str | Sequence[str] | None = None,
        platform_slack_url: str | None = None,
        platform_webhook_url: str | None = None,
        platform_webhook_secret: str | None = None,
        max_attempts: object = None,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 10.0,
    ) -> NoticeSettings:
        """Checked settings from plain values (an empty string is "not set", as an unset variable is)."""
        smtp = None
        if smtp_host:
            port = 25 if smtp_port in (None, "") else whole_number(smtp_port, field="smtp_port")
            if not 1 <= port <= 65535:
                raise InvalidInput(f"smtp_port: a port from 1 to 65535, not {port}", field="smtp_port")
            if bool(smtp_user) != bool(smtp_password):
                raise InvalidInput("smtp_user and smtp_password: give both to log in, or neither", field="smtp_user")
            starttls = _flag(smtp_starttls, "smtp_starttls")
            smtp = SmtpSettings(
                host=_host(smtp_host), port=port, starttls=starttls, username=smtp_user or None,
                password=smtp_password or None, timeout=timeout, ca_file=_ca_file(smtp_ca_file, starttls),
            )
        emails: list[str] = []
        if platform_email:
            given = platform_email.split(",") if isinstance(platform_email, str) else list(platform_email)
            emails = [check_email(address, field="platform_email") for address in given if address.strip()]
        if smtp is not None and not sender:
            raise InvalidInput("sender: emails need a sender address (GQLEVOLVE_NOTICE_FROM)", field="sender")
        if sender:
            sender = check_email(sender, field="sender")
        if unsubscribe:
            unsubscribe = unsubscribe.strip()
            if not unsubscribe.startswith("mailto:"):
                unsubscribe = check_url(unsubscribe, field="unsubscribe")
        slack = check_url(platform_slack_url, field="platform_slack_url") if platform_slack_url else None
        webhook = secret = None
        if platform_webhook_url:
            webhook = check_url(platform_webhook_url, field="platform_webhook_url")
            secret = check_secret(platform_webhook_secret, field="platform_webhook_secret")
        attempts = DEFAULT_MAX_ATTEMPTS if max_attempts in (None, "") else whole_number(max_attempts, field="max_attempts")
        if not 1 <= attempts <= 100:
            raise InvalidInput(f"max_attempts: from 1 to 100, not {attempts}", field="max_attempts")
        return cls(
            smtp=smtp, sender=sender or None, unsubscribe=unsubscribe or None, platform_emails=tuple(emails),
            platform_slack_url=slack, platform_webhook_url=webhook, platform_webhook_secret=secret,
            max_attempts=attempts, retries=retries, backoff=backoff, timeout=timeout,
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> NoticeSettings:
        """The settings of :data:`ENVIRONMENT` (default: ``os.environ``)."""
        environ = os.environ if environ is None else environ
        values = {name: environ.get(variable) for name, variable in ENVIRONMENT.items()}
        return cls.build(**values)  # type: ignore[arg-type]


def _host(value: str) -> str:
    host = value.strip()
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if not _HOST.fullmatch(host):
            raise InvalidInput(f"smtp_host: {json_quote(value)} is not a host name or IP address", field="smtp_host") from None
        return host
    return host.strip("[]")


def _ca_file(value: str | None, starttls: bool) -> str | None:
    """The CA file, read now: a path that is wrong is a setting to fix before anything is claimed."""
    if not value:
        return None
    if not starttls:
        # A CA file without STARTTLS would be silently unused: the connection would not be encrypted at all.
        raise InvalidInput("smtp_ca_file: only with smtp_starttls (the CA verifies the server's TLS certificate)",
                           field="smtp_ca_file")
    try:
        ssl.create_default_context(cafile=value)
    except OSError as error:  # ssl.SSLError is one too: a file that holds no certificate
        reason = "not a PEM file of CA certificates" if isinstance(error, ssl.SSLError) else error.strerror or str(error)
        raise InvalidInput(f"smtp_ca_file: cannot read {json_quote(value)}: {reason}", field="smtp_ca_file") from None
    return value


def _flag(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(f"{field}: expected 1/true or 0/false, not {json_quote(value)}", field=field)
