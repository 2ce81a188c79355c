"""docs/notifications.md's examples, run: the receiver's verification snippet against a real signed POST, and the
sample notice text as gqlevolve renders it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from gqlevolve.clock import SYSTEM_CLOCK
from gqlevolve.lifecycle import Deprecation
from gqlevolve.notices import messages
from gqlevolve.notices.channels.webhook import send_webhook
from gqlevolve.notices.schedule import Event, Notice
from gqlevolve.usage_store import ClientUsage
from tests.notices_helpers import Receiver

PAGE = (Path(__file__).parents[1] / "docs" / "notifications.md").read_text()
SECRET = "docs-shared-secret-0123456789"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S)


def test_the_verification_snippet_accepts_a_real_delivery_and_refuses_a_forged_one():
    [snippet] = _blocks("python")
    namespace: dict[str, object] = {}
    exec(compile(snippet, "docs/notifications.md", "exec"), namespace)
    verify = namespace["verify"]
    with Receiver(SECRET) as receiver:
        outcome = send_webhook(
            receiver.url, SECRET, {"event": "removal", "delivery": "k"},
            now=lambda: int(SYSTEM_CLOCK.now().timestamp()), timeout=5, retries=1, backoff=0,
        )
    assert outcome.sent
    [received] = receiver.received
    timestamp, signature = received.headers["x-gqlevolve-timestamp"], received.headers["x-gqlevolve-signature"]
    assert verify(SECRET, received.body, timestamp, signature) is True  # type: ignore[operator]
    assert verify(SECRET, received.body.replace(b"removal", b"reminder"), timestamp, signature) is False  # type: ignore[operator]
    assert verify(SECRET, received.body, str(int(timestamp) - 3600), signature) is False  # type: ignore[operator]


def test_the_sample_notice_is_what_gqlevolve_writes():
    sample = PAGE.split("```\nFinal warning", 1)[1].split("```", 1)[0]
    sample = "Final warning" + sample
    record = Deprecation("User.name", deprecated_on=dt.date(2026, 6, 1), sunset_on=dt.date(2026, 12, 31),
                         replacement="User.fullName", migration_guide="https://docs.example/migrations/user-name")
    notice = Notice(Event.FINAL_WARNING, "/api/v1/graphql", "User.name", "2026-12-24", "web", dt.date(2026, 12, 24), why="",
                    record=record, usage=(ClientUsage("web", "1.4.0", 3204, dt.date(2026, 11, 29)),),
                    window=(dt.date(2026, 11, 25), dt.date(2026, 12, 24)))
    assert messages.text_body(notice).startswith(sample)


def test_the_smtp_failure_replies_are_what_the_mailer_says(tmp_path):
    """The page's two replies of a failed email, from a closed port and from a server of a CA not trusted."""
    from gqlevolve.notices.channels.email import Mailer, SmtpUnavailable
    from gqlevolve.notices.settings import SmtpSettings
    from tests.notices_helpers import free_port
    from tests.test_notices_starttls import _tls_server

    [replies] = _blocks("text")
    closed, untrusted = replies.strip().splitlines()
    port = free_port()
    with pytest.raises(SmtpUnavailable) as refused:
        Mailer(SmtpSettings("127.0.0.1", port, timeout=5)).open()
    assert str(refused.value) == closed.replace("smtp.example.com:587", f"127.0.0.1:{port}")
    _, server = _tls_server(tmp_path)
    with server as (_, port), pytest.raises(SmtpUnavailable) as not_trusted:
        Mailer(SmtpSettings("127.0.0.1", port, starttls=True, timeout=5)).open()
    assert str(not_trusted.value) == untrusted.replace("smtp.example.com:587", f"127.0.0.1:{port}")


def test_the_settings_table_names_every_setting():
    from gqlevolve.notices.settings import ENVIRONMENT

    table = PAGE.split("### Settings", 1)[1].split("## 4.", 1)[0]
    documented = set(re.findall(r"`(GQLEVOLVE_[A-Z_]+)`", table))
    assert documented == set(ENVIRONMENT.values())
