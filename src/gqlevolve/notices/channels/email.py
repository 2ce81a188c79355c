"""Email over SMTP (``smtplib``): one connection per pass, STARTTLS and login as the settings say.

A message has a plain-text and an HTML part (:mod:`gqlevolve.notices.messages`), a ``Message-ID`` made of the
delivery's key (the same on every retry of one notice, so a mail system that got it twice keeps one), and
``List-Unsubscribe`` (the setting, or ``mailto:`` the sender asking to unsubscribe the client).

Replies: a 5xx (a refused recipient, a refused sender) is permanent: abandoned; a 4xx or a dropped connection is
tried again by the next pass. A server that cannot be reached, or refuses STARTTLS (a certificate this host does
not trust) or the login, is :class:`SmtpUnavailable` from :meth:`Mailer.open`, one line; :meth:`Mailer.send`
turns it into a failed delivery (tried again by the next pass) and does not dial again in the same pass, so a dead
server costs one timeout and holds back no webhook or Slack delivery. STARTTLS verifies the server's certificate
against the system's CAs, or only the CA file of the settings (``GQLEVOLVE_SMTP_CA_FILE``: a private CA).

    >>> message = build_message(subject="Final warning", text="Hello", html="<p>Hello</p>", sender="api@example.com",
    ...                         to="web@example.com", key="4f2a", unsubscribe="mailto:api@example.com?subject=unsubscribe")
    >>> message["Message-ID"], message["List-Unsubscribe"], message.get_content_type()
    ('<4f2a@example.com>', '<mailto:api@example.com?subject=unsubscribe>', 'multipart/alternative')
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from gqlevolve.errors import InvalidInput
from gqlevolve.notices.channels.outcome import Outcome

if TYPE_CHECKING:
    import datetime as dt

    from gqlevolve.notices.settings import SmtpSettings

__all__ = ["Mailer", "SmtpUnavailable", "build_message", "tls_context"]


class SmtpUnavailable(InvalidInput):
    """The SMTP server of the settings cannot be reached, or refuses STARTTLS or the login (one line). Raised by
    :meth:`Mailer.open`; :meth:`Mailer.send` records it as the email's failure (the next pass tries again)."""


def build_message(
    *,
    subject: str,
    text: str,
    html: str,
    sender: str,
    to: str,
    key: str,
    unsubscribe: str,
    date: dt.datetime | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject.replace("\r", " ").replace("\n", " ")  # a header is one line
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = f"<{key}@{sender.rsplit('@', 1)[1]}>"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    if date is not None:
        message["Date"] = format_datetime(date)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Mailer:
    """One SMTP session for a pass: :meth:`send` (opens it with the first message; :meth:`open` raises
    :class:`SmtpUnavailable`), :meth:`close`."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        # Why the server could not be opened in this pass: every later email fails with it, without dialling again
        # (a dead server costs one timeout per pass, not one per email).
        self._unavailable: str | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        settings = self.settings
        try:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        except (OSError, smtplib.SMTPException) as error:
            raise SmtpUnavailable(
                f"cannot reach the SMTP server {self.where}: {_reason(error)} (check --smtp-host/--smtp-port or "
                "GQLEVOLVE_SMTP_HOST/GQLEVOLVE_SMTP_PORT)",
                field="smtp_host",
            ) from None
        try:
            smtp.ehlo()
            step = "greet"
            if settings.starttls:
                step = "start TLS with"
                smtp.starttls(context=tls_context(settings))
                smtp.ehlo()
            if settings.username and settings.password:
                step = "log in to"
                smtp.login(settings.username, settings.password)
        except (OSError, smtplib.SMTPException) as error:
            smtp.close()
            raise SmtpUnavailable(f"cannot {step} the SMTP server {self.where}: {_reason(error)}", field="smtp_host") from None
        self._smtp = smtp

    def send(self, message: EmailMessage) -> Outcome:
        if self._unavailable is not None:
            return Outcome(False, None, self._unavailable)
        if self._smtp is None:
            try:
                self.open()  # the first email of the pass, or a reconnection after a dropped connection
            except SmtpUnavailable as error:
                self._unavailable = str(error)
                return Outcome(False, None, self._unavailable)
        assert self._smtp is not None
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            return Outcome(False, code, _text(reply), permanent=code >= 500)
        except smtplib.SMTPResponseException as error:
            return Outcome(False, error.smtp_code, _text(error.smtp_error), permanent=error.smtp_code >= 500)
        except (smtplib.SMTPException, OSError) as error:  # the connection dropped: the next message reconnects
            self._drop()
            return Outcome(False, None, _reason(error))
        if refused:
            code, reply = next(iter(refused.values()))
            return Outcome(False, code, _text(reply), permanent=code >= 500)
        return Outcome(True, 250, "250 accepted")

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._drop()


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """The client's TLS context: certificate and host name verified, against ``ca_file`` alone when it is set."""
    if settings.ca_file:
        return ssl.create_default_context(cafile=settings.ca_file)
    return ssl.create_default_context()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"its certificate is not trusted ({error.verify_message}); if a private CA signed it, set "
            "GQLEVOLVE_SMTP_CA_FILE (--smtp-ca-file) to that CA's certificate"
        )
    if isinstance(error, socket.timeout | TimeoutError):
        return "no answer (timed out)"
    if isinstance(error, socket.gaierror):
        return f"unknown host ({error.strerror})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}".rstrip(": ")
