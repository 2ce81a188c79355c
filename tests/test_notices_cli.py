"""``gqlevolve consumers|notify|notices`` through click and as installed: bad settings are one line (exit 2), a
failed delivery is exit 1, and two ``notify`` processes at once against PostgreSQL send each notice once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from gqlevolve.cli import main
from gqlevolve.clock import FixedClock
from gqlevolve.notices import add_consumer, list_deliveries
from gqlevolve.notices.settings import ENVIRONMENT
from gqlevolve.usage_store import UsageStore
from tests.notices_helpers import Mailbox, Receiver, free_port, smtp_server

V1 = "/api/v1/graphql"
# A day in the past on every run of the suite (it moves the wall clock by +400 and -200 days): --as-of accepts it.
DAY = dt.date(2025, 3, 3)
SECRET = "cli-shared-secret-0123456789"


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*ENVIRONMENT.values(), "GQLEVOLVE_WEBHOOK_SECRET"):
        monkeypatch.delenv(variable, raising=False)


def _seed(url: str, clients: list[str]) -> None:
    with UsageStore(url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY)) as store:
        store.update_deprecation(
            V1, "User.name", {"deprecated_on": DAY, "sunset_on": DAY + dt.timedelta(days=200)}, actor="test", create=True
        )
        for client in clients:
            store.record_operation(V1, {"User.name"}, client_name=client, client_version="1.0", count=5)


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(main, list(args))


def one_line_error(result, starts: str) -> bool:
    return (
        result.exit_code == 2 and result.stdout == "" and result.stderr.startswith(f"Error: {starts}")
        and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    )


def test_consumers_add_list_remove_never_print_a_secret_whole(sqlite_url):
    _seed(sqlite_url, [])
    slack = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"
    result = run("consumers", "add", "web", "--email", "a@example.com", "--email", "b@example.com", "--slack-url", slack,
                 "--webhook-url", "https://hooks.example/gql", "--db", sqlite_url, env={"GQLEVOLVE_WEBHOOK_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    listed = run("consumers", "list", "--db", sqlite_url)
    as_json = json.loads(run("consumers", "list", "--json", "--db", sqlite_url).stdout)
    for output in (result.stdout, listed.stdout, json.dumps(as_json)):
        assert SECRET not in output and "XXXXXXXXXXXXXXXX" not in output
    assert as_json[0]["webhook_secret"] == "cli…(28 characters)" and as_json[0]["slack_url"] == "https://hooks.slack.com/…"
    assert as_json[0]["emails"] == ["a@example.com", "b@example.com"]
    assert "web" in listed.stdout and "a@example.com" in listed.stdout
    assert one_line_error(run("consumers", "add", "web", "--email", "c@example.com", "--db", sqlite_url), 'client "web" already has')
    assert run("consumers", "add", "web", "--email", "c@example.com", "--replace", "--db", sqlite_url).exit_code == 0
    assert run("consumers", "remove", "web", "--db", sqlite_url).exit_code == 0
    assert one_line_error(run("consumers", "remove", "web", "--db", sqlite_url), 'no consumer for client "web"')


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["web"], 'client "web": a consumer needs at least one contact'),
        (["web", "--email", "web@"], 'email: "web@" is not an email address'),
        (["web", "--webhook-url", "https://hooks.example/x"], "webhook_secret: a webhook needs a shared secret"),
        (["web", "--webhook-url", "https://hooks.example/x", "--webhook-secret", "short"], "webhook_secret: a shared secret of 16"),
        (["web", "--slack-url", "hooks.slack.com/x"], 'slack_url: "hooks.slack.com/x" is not an http:// or https:// URL'),
        (["web\x1b[2J", "--email", "a@example.com"], 'client: "web\\u001b[2J" is not a client name'),
    ],
)
def test_consumers_add_refuses_bad_contacts_in_one_line(sqlite_url, args, error):
    _seed(sqlite_url, [])
    assert one_line_error(run("consumers", "add", *args, "--db", sqlite_url), error)


def _notify(url: str, *args: str, env: dict[str, str] | None = None):
    return run("notify", "--as-of", DAY.isoformat(), *args, "--db", url, env=env)


def test_bad_settings_are_one_line_and_nothing_is_claimed(sqlite_url):
    _seed(sqlite_url, ["web"])
    run("consumers", "add", "web", "--email", "web@example.com", "--db", sqlite_url)
    malformed = _notify(sqlite_url, "--smtp-host", "smtp.example.com:587", "--from", "api@example.com")
    assert one_line_error(malformed, 'smtp_host: "smtp.example.com:587" is not a host name or IP address')
    assert one_line_error(_notify(sqlite_url), "1 email(s) are due but no SMTP server is set")
    assert one_line_error(_notify(sqlite_url, "--platform-email", "platform@"), 'platform_email: "platform@" is not an email')
    assert one_line_error(_notify(sqlite_url, "--platform-webhook-url", "htp://hooks.example/x"), 'platform_webhook_url: "htp://hooks.example/x"')
    assert one_line_error(_notify(sqlite_url, "--platform-webhook-url", "https://hooks.example/x"), "platform_webhook_secret: a webhook needs a shared secret")
    assert one_line_error(_notify(sqlite_url, "--smtp-host", "127.0.0.1", "--smtp-port", "70000", "--from", "a@example.com"), "smtp_port: a port from 1 to 65535")
    assert one_line_error(_notify(sqlite_url, "--smtp-host", "127.0.0.1"), "sender: emails need a sender address")
    assert one_line_error(_notify(sqlite_url, "--max-attempts", "0"), "max_attempts: from 1 to 100")
    assert one_line_error(run("notify", "--as-of", "2025-02-30", "--db", sqlite_url), "--as-of")
    assert one_line_error(run("notices", "--status", "lost", "--db", sqlite_url), 'status: one of sending, sent, failed, abandoned, not "lost"')
    with UsageStore(sqlite_url, handle_shutdown=False) as store:
        assert list_deliveries(store) == []


def test_notify_sends_by_email_exits_1_on_a_failure_and_the_log_shows_it(sqlite_url):
    _seed(sqlite_url, ["web", "ios"])
    with smtp_server() as (mailbox, port), Receiver(SECRET, script=[404]) as receiver:
        run("consumers", "add", "web", "--email", "web@example.com", "--db", sqlite_url)
        run("consumers", "add", "ios", "--webhook-url", receiver.url, "--webhook-secret", SECRET, "--db", sqlite_url)
        settings = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--from", "api@example.com"]
        dry = _notify(sqlite_url, *settings, "--dry-run")
        assert dry.exit_code == 0 and "client web used it 5 times" in dry.stdout and mailbox.messages == []
        first = _notify(sqlite_url, *settings, "--json")
        assert first.exit_code == 1, first.output
        statuses = {item["recipient"]: item["status"] for item in json.loads(first.stdout)["deliveries"]}
        assert statuses == {"web": "sent", "ios": "abandoned"}
        again = _notify(sqlite_url, *settings)
        assert again.exit_code == 0 and "all sent already" in again.stdout
    assert [message["To"] for message in mailbox.messages] == ["web@example.com"]
    abandoned = run("notices", "--status", "abandoned", "--json", "--db", sqlite_url)
    [entry] = json.loads(abandoned.stdout)
    assert (entry["recipient"], entry["channel"], entry["status_code"], entry["attempts"]) == ("ios", "webhook", 404, 1)
    assert "sent" in run("notices", "--db", sqlite_url).stdout


def test_a_dead_smtp_server_holds_back_no_webhook_and_its_emails_go_out_with_the_next_pass(sqlite_url):
    _seed(sqlite_url, ["web", "ios"])
    port = free_port()  # nothing listens there on the first pass
    settings = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--from", "api@example.com", "--json"]
    with Receiver(SECRET) as receiver:
        run("consumers", "add", "web", "--email", "web@example.com", "--db", sqlite_url)
        run("consumers", "add", "ios", "--webhook-url", receiver.url, "--webhook-secret", SECRET, "--db", sqlite_url)
        first = _notify(sqlite_url, *settings)
        assert first.exit_code == 1, first.output
        assert [item.json()["recipient"] for item in receiver.accepted()] == ["ios"]
    statuses = {item["recipient"]: (item["status"], item["reply"]) for item in json.loads(first.stdout)["deliveries"]}
    assert statuses["ios"][0] == "sent"
    assert statuses["web"] == ("failed", f"cannot reach the SMTP server 127.0.0.1:{port}: Connection refused (check "
                                         "--smtp-host/--smtp-port or GQLEVOLVE_SMTP_HOST/GQLEVOLVE_SMTP_PORT)")
    [failed] = json.loads(run("notices", "--status", "failed", "--json", "--db", sqlite_url).stdout)
    assert (failed["recipient"], failed["channel"], failed["attempts"]) == ("web", "email", 1)
    assert "Connection refused" in failed["reply"]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)  # the server is back, on the same port
    controller.start()
    try:
        second = _notify(sqlite_url, *settings)
        third = _notify(sqlite_url, *settings)
    finally:
        controller.stop()
    assert second.exit_code == 0, second.output
    assert [(item["recipient"], item["status"]) for item in json.loads(second.stdout)["deliveries"]
            if item["status"] != "skipped"] == [("web", "sent")]
    assert third.exit_code == 0 and all(item["status"] == "skipped" for item in json.loads(third.stdout)["deliveries"])
    assert [message["To"] for message in mailbox.messages] == ["web@example.com"]
    assert len(receiver.accepted()) == 1


@pytest.mark.slow
def test_two_notify_processes_at_once_on_postgres_send_each_notice_once(postgres_url, tmp_path):
    clients = [f"client-{index:02d}" for index in range(24)]
    _seed(postgres_url, clients)
    executable = Path(sys.executable).with_name("gqlevolve")
    with Receiver(SECRET, delay=0.15) as receiver:
        with UsageStore(postgres_url, handle_shutdown=False, clock=FixedClock(DAY)) as store:
            for client in clients:
                add_consumer(store, client, webhook_url=f"{receiver.url}?client={client}", webhook_secret=SECRET)
        command = [str(executable), "notify", "--as-of", DAY.isoformat(), "--db", postgres_url, "--json"]
        env = {**os.environ}
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
        outputs = [process.communicate(timeout=120) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    sent_by = [
        [item["recipient"] for item in json.loads(stdout)["deliveries"] if item["status"] == "sent"] for stdout, _ in outputs
    ]
    assert all(sent_by), "both passes sent some: they ran at the same time"
    assert sorted(sent_by[0] + sent_by[1]) == clients                      # each notice by one of them
    delivered = Counter(item.headers["x-gqlevolve-delivery"] for item in receiver.received)
    assert len(delivered) == len(clients) and set(delivered.values()) == {1}
    assert all(item.verified for item in receiver.received)
    with UsageStore(postgres_url, handle_shutdown=False) as store:
        log = list_deliveries(store)
    assert len(log) == len(clients) and {(item.status.value, item.attempts) for item in log} == {("sent", 1)}
