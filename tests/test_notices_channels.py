"""The channels against real servers: SMTP with login (aiosmtpd), the message's parts and headers; Slack's body;
the webhook's signature as a receiver checks it; no redirect followed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from gqlevolve.errors import InvalidInput
from gqlevolve.lifecycle import Deprecation
from gqlevolve.notices import messages
from gqlevolve.notices.channels.email import Mailer, SmtpUnavailable, build_message
from gqlevolve.notices.channels.http import post_json
from gqlevolve.notices.channels.slack import send_slack
from gqlevolve.notices.channels.webhook import send_webhook, verify_signature
from gqlevolve.notices.schedule import Event, Notice
from gqlevolve.notices.settings import NoticeSettings, SmtpSettings
from gqlevolve.usage_store import ClientUsage
from tests.notices_helpers import Receiver, smtp_server

SECRET = "channel-shared-secret-0123"
NOTICE = Notice(
    Event.SUNSET_WARNING, "/api/v1/graphql", "User.name", "2025-06-01", "web<script>", dt.date(2025, 6, 1), why="",
    record=Deprecation("User.name", deprecated_on=dt.date(2025, 3, 1), sunset_on=dt.date(2025, 7, 1),
                       replacement="User.fullName", migration_guide="/docs/migrations/user-name"),
    usage=(ClientUsage("web<script>", "1.4.0", 3204, dt.date(2025, 5, 29)),),
    window=(dt.date(2025, 5, 3), dt.date(2025, 6, 1)),
)


def _message(key: str = "k1"):
    return build_message(
        subject=messages.subject(NOTICE), text=messages.text_body(NOTICE), html=messages.html_body(NOTICE),
        sender="api@example.com", to="web@example.com", key=key, unsubscribe="https://api.example/unsubscribe?c=web",
    )


def test_an_email_with_login_reaches_the_server_with_both_parts_and_its_headers():
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, data):
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"pw-123")

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as (mailbox, port):
        mailer = Mailer(SmtpSettings("127.0.0.1", port, username="gqlevolve", password="pw-123", timeout=5))
        mailer.open()
        try:
            assert mailer.send(_message()).sent
            assert mailer.send(_message()).sent          # a retry: the same Message-ID
        finally:
            mailer.close()
        with pytest.raises(SmtpUnavailable, match=r"^cannot log in to the SMTP server 127\.0\.0\.1:\d+: "):
            Mailer(SmtpSettings("127.0.0.1", port, username="gqlevolve", password="wrong", timeout=2)).open()
    assert logins[0] == (b"gqlevolve", b"pw-123")
    first, second = mailbox.messages
    assert first["Message-ID"] == second["Message-ID"] == "<k1@example.com>"
    assert first["List-Unsubscribe"] == "<https://api.example/unsubscribe?c=web>"
    assert first["Subject"] == "Sunset warning: User.name on /api/v1/graphql will be removed on 2025-07-01 (in 30 days)"
    text = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert "Your client `web<script>` 1.4.0 called `User.name` 3,204 times in the last 30 days; the last time on 2025-05-29." in text
    assert "web&lt;script&gt;" in html and "<script>" not in html
    assert mailbox.envelopes[0] == ("api@example.com", ["web@example.com"])


def test_starttls_asked_of_a_server_without_it_is_one_clear_error():
    with smtp_server() as (_, port):
        with pytest.raises(SmtpUnavailable, match=r"cannot start TLS with the SMTP server 127\.0\.0\.1:\d+"):
            Mailer(SmtpSettings("127.0.0.1", port, starttls=True, timeout=5)).open()


def test_an_unknown_smtp_host_is_one_clear_error():
    with pytest.raises(SmtpUnavailable, match=r"cannot reach the SMTP server nowhere\.invalid:25: unknown host"):
        Mailer(SmtpSettings("nowhere.invalid", 25, timeout=2)).open()


def test_the_webhook_is_signed_over_timestamp_and_body_and_a_receiver_can_check_it():
    payload = messages.payload(NOTICE, delivery="abc")
    with Receiver(SECRET) as receiver:
        outcome = send_webhook(receiver.url, SECRET, payload, now=lambda: 1_750_000_000, timeout=5, retries=1, backoff=0)
    assert outcome.sent and outcome.status_code == 200
    [received] = receiver.received
    assert received.verified and received.headers["x-gqlevolve-timestamp"] == "1750000000"
    assert received.headers["x-gqlevolve-event"] == "sunset_warning" and received.headers["x-gqlevolve-delivery"] == "abc"
    body = received.json()
    assert body["usage"] == [{"client": "web<script>", "version": "1.4.0", "operations": 3204, "last_seen": "2025-05-29"}]
    assert (body["sunset_on"], body["replacement"], body["migration_guide"]) == ("2025-07-01", "User.fullName", "/docs/migrations/user-name")
    signature = received.headers["x-gqlevolve-signature"]
    assert verify_signature(SECRET, received.body, "1750000000", signature, now=1_750_000_100)
    assert not verify_signature(SECRET, received.body, "1750000000", signature, now=1_750_000_400)    # replayed late
    assert not verify_signature("another-secret-0123456", received.body, "1750000000", signature, now=1_750_000_000)
    assert not verify_signature(SECRET, received.body + b" ", "1750000000", signature, now=1_750_000_000)


def test_slack_gets_its_text_escaped():
    with Receiver() as receiver:
        assert send_slack(receiver.url, messages.slack_text(NOTICE), timeout=5, retries=1, backoff=0).sent
    text = json.loads(receiver.received[0].body)["text"]
    assert text.startswith("*Sunset warning: User.name") and "web&lt;script&gt;" in text and "<script>" not in text


def test_a_redirect_is_not_followed_and_not_retried():
    with Receiver(script=[307]) as receiver:
        outcome = post_json(receiver.url, b"{}", {}, timeout=5, retries=3, backoff=0)
    assert (outcome.sent, outcome.status_code, outcome.permanent, len(receiver.received)) == (False, 307, True, 1)


def test_a_429_is_retried_with_backoff():
    waits: list[float] = []
    with Receiver(script=[429, 503]) as receiver:
        outcome = post_json(receiver.url, b"{}", {}, timeout=5, retries=4, backoff=0.5, sleep=waits.append)
    assert outcome.sent and outcome.tries == 3 and waits == [0.5, 1.0]


def test_settings_never_show_a_password_or_a_secret():
    settings = NoticeSettings.build(smtp_host="127.0.0.1", smtp_user="u", smtp_password="pw-very-secret",
                                    sender="api@example.com", platform_webhook_url="https://hooks.example/x",
                                    platform_webhook_secret="platform-secret-0123")
    assert "pw-very-secret" not in repr(settings) and "platform-secret-0123" not in repr(settings)
    with pytest.raises(InvalidInput, match="smtp_user and smtp_password: give both"):
        NoticeSettings.build(smtp_host="127.0.0.1", smtp_user="u", sender="api@example.com")
    with pytest.raises(InvalidInput, match='smtp_starttls: expected 1/true or 0/false, not "maybe"'):
        NoticeSettings.build(smtp_host="127.0.0.1", smtp_starttls="maybe", sender="api@example.com")
    assert NoticeSettings.from_environ({"GQLEVOLVE_SMTP_HOST": "h", "GQLEVOLVE_SMTP_STARTTLS": "true",
                                        "GQLEVOLVE_SMTP_PORT": "587", "GQLEVOLVE_NOTICE_FROM": "a@example.com"}).smtp == SmtpSettings("h", 587, starttls=True)


def test_a_server_that_hangs_up_fails_every_email_of_the_pass_but_is_dialled_once():
    import socket
    import threading

    accepted: list[int] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def hang_up() -> None:  # accepts and closes at once: no SMTP greeting
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        mailer = Mailer(SmtpSettings("127.0.0.1", port, timeout=5))
        first, second = mailer.send(_message("a")), mailer.send(_message("b"))
        mailer.close()
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread (Linux)
        listener.close()
        thread.join(5)
    assert not first.sent and not first.permanent and first.status_code is None
    assert first.reply == second.reply and first.reply.startswith(f"cannot reach the SMTP server 127.0.0.1:{port}: ")
    assert accepted == [1]
