"""Notices: ``gqlevolve consumers add|list|remove``, ``gqlevolve notify``, ``gqlevolve notices``.

``consumers`` registers who hears about a client (``--email`` repeatable, ``--slack-url``, ``--webhook-url`` with
``--webhook-secret`` or ``$GQLEVOLVE_WEBHOOK_SECRET``); listings mask the secrets. ``notify`` does one pass of
the policy's schedule (cron-friendly: exit 1 when a delivery failed, 2 on bad settings); ``--dry-run`` prints
what would be sent, to whom and why, and claims nothing. ``notices`` prints the delivery log, the policy's
notification proof (``--status failed``: what the next pass retries). The settings (SMTP server, the platform
team's contacts) are options that default to the environment variables of :mod:`gqlevolve.notices.settings`.

Example (``run_cli(*args)`` runs ``gqlevolve ARGS`` in this process, prints what it prints and returns its exit
code; ``store_url``: a new store):

    >>> from gqlevolve.usage_store import UsageStore
    >>> UsageStore(store_url, clock=clock).close()
    >>> run_cli("consumers", "add", "web", "--email", "web-team@example.com", "--webhook-url", "https://hooks.example/gql",
    ...         "--webhook-secret", "0123456789abcdef0123", "--db", store_url)
    Consumer web registered: web-team@example.com, webhook https://hooks.example/gql (secret 012…(20 characters))
    0
    >>> run_cli("consumers", "add", "web", "--email", "not-an-address", "--db", store_url)
    Error: email: "not-an-address" is not an email address (name@domain.example)
    2
    >>> run_cli("notices", "--status", "failed", "--db", store_url)
    No deliveries with status failed.
    0

In a shell (cron, every day):

.. code-block:: sh

    export GQLEVOLVE_SMTP_HOST=smtp.example.com GQLEVOLVE_SMTP_PORT=587 GQLEVOLVE_SMTP_STARTTLS=1
    export GQLEVOLVE_SMTP_USER=gqlevolve GQLEVOLVE_SMTP_PASSWORD=... GQLEVOLVE_NOTICE_FROM=api@example.com
    gqlevolve notify --dry-run            # what would be sent, to whom, and why
    gqlevolve notify || page-the-platform-team
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from gqlevolve.cli import main
from gqlevolve.cli._common import (
    EXIT_NEGATIVE,
    Column,
    db_option,
    handle_errors,
    json_option,
    parse_date,
    print_json,
    print_table,
    print_text,
    text_column,
)
from gqlevolve.cli._store import open_store

if TYPE_CHECKING:
    from gqlevolve.notices.sender import NotifyResult
    from gqlevolve.notices.settings import NoticeSettings

__all__ = ["consumers_group", "notices_command", "notify_command"]


@main.group("consumers")
def consumers_group() -> None:
    """Who hears about a client: its emails, Slack and webhook (gqlevolve notify sends to them)."""


@consumers_group.command("add")
@click.argument("client")
@click.option("--email", "emails", multiple=True, metavar="ADDRESS", help="An address (repeatable).")
@click.option("--slack-url", metavar="URL", default=None, help="A Slack incoming-webhook URL.")
@click.option("--webhook-url", metavar="URL", default=None, help="A generic webhook URL (signed with the secret).")
@click.option(
    "--webhook-secret", metavar="SECRET", default=None, envvar="GQLEVOLVE_WEBHOOK_SECRET",
    help="The webhook's shared secret, 16 to 512 characters [default: $GQLEVOLVE_WEBHOOK_SECRET].",
)
@click.option("--replace", is_flag=True, help="Replace the client's contacts if it has some.")
@db_option
@json_option
@handle_errors
def consumers_add(
    client: str,
    emails: tuple[str, ...],
    slack_url: str | None,
    webhook_url: str | None,
    webhook_secret: str | None,
    replace: bool,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Register CLIENT's contacts (CLIENT: the client name its applications send)."""
    from gqlevolve.notices.consumers import add_consumer

    with open_store(db_url) as store:
        consumer = add_consumer(
            store, client, emails=emails, slack_url=slack_url, webhook_url=webhook_url,
            webhook_secret=webhook_secret, replace=replace,
        )
    shown = consumer.public()
    if as_json:
        print_json(shown)
        return
    print_text(f"Consumer {consumer.client_name} registered: {_contacts(shown)}")


def _contacts(shown: dict[str, Any]) -> str:
    parts = list(shown["emails"])
    if shown["slack_url"]:
        parts.append(f"Slack {shown['slack_url']}")
    if shown["webhook_url"]:
        parts.append(f"webhook {shown['webhook_url']} (secret {shown['webhook_secret']})")
    return ", ".join(parts)


@consumers_group.command("list")
@db_option
@json_option
@handle_errors
def consumers_list(db_url: str | None, as_json: bool) -> None:
    """The registered consumers (secrets masked)."""
    from gqlevolve.notices.consumers import list_consumers

    with open_store(db_url) as store:
        shown = [consumer.public() for consumer in list_consumers(store)]
    if as_json:
        print_json(shown)
        return
    print_table(
        "Consumers", [Column("client", key=True), text_column("emails"), "slack", "webhook", "secret"],
        [
            (item["client_name"], "\n".join(item["emails"]) or "-", item["slack_url"] or "-",
             item["webhook_url"] or "-", item["webhook_secret"] or "-")
            for item in shown
        ],
        empty="No consumers registered (gqlevolve consumers add CLIENT --email ADDRESS).",
    )


@consumers_group.command("remove")
@click.argument("client")
@db_option
@json_option
@handle_errors
def consumers_remove(client: str, db_url: str | None, as_json: bool) -> None:
    """Remove CLIENT's contacts (the delivery log keeps what was sent to them)."""
    from gqlevolve.notices.consumers import remove_consumer

    with open_store(db_url) as store:
        consumer = remove_consumer(store, client)
    if as_json:
        print_json(consumer.public())
        return
    print_text(f"Consumer {consumer.client_name} removed.")


def _settings_options(func: Any) -> Any:
    options = [
        click.option("--smtp-host", envvar="GQLEVOLVE_SMTP_HOST", default=None, metavar="HOST", help="SMTP server [default: $GQLEVOLVE_SMTP_HOST]."),
        click.option("--smtp-port", envvar="GQLEVOLVE_SMTP_PORT", default=None, metavar="PORT", help="SMTP port [default: $GQLEVOLVE_SMTP_PORT, then 25]."),
        click.option("--smtp-starttls", envvar="GQLEVOLVE_SMTP_STARTTLS", default=None, metavar="1|0", help="STARTTLS before anything else [default: $GQLEVOLVE_SMTP_STARTTLS, then 0]."),
        click.option("--smtp-ca-file", envvar="GQLEVOLVE_SMTP_CA_FILE", default=None, metavar="PEM", help="With STARTTLS: trust only this CA file [default: $GQLEVOLVE_SMTP_CA_FILE, then the system's CAs]."),
        click.option("--smtp-user", envvar="GQLEVOLVE_SMTP_USER", default=None, metavar="USER", help="SMTP login (the password: $GQLEVOLVE_SMTP_PASSWORD only)."),
        click.option("--from", "sender", envvar="GQLEVOLVE_NOTICE_FROM", default=None, metavar="ADDRESS", help="Sender address [default: $GQLEVOLVE_NOTICE_FROM]."),
        click.option("--unsubscribe", envvar="GQLEVOLVE_NOTICE_UNSUBSCRIBE", default=None, metavar="URI", help="List-Unsubscribe target [default: mailto: the sender]."),
        click.option("--platform-email", envvar="GQLEVOLVE_PLATFORM_EMAIL", default=None, metavar="A,B", help="The platform team's addresses, comma-separated [default: $GQLEVOLVE_PLATFORM_EMAIL]."),
        click.option("--platform-slack-url", envvar="GQLEVOLVE_PLATFORM_SLACK_URL", default=None, metavar="URL", help="The platform team's Slack incoming webhook."),
        click.option("--platform-webhook-url", envvar="GQLEVOLVE_PLATFORM_WEBHOOK_URL", default=None, metavar="URL", help="The platform team's webhook (secret: $GQLEVOLVE_PLATFORM_WEBHOOK_SECRET)."),
        click.option("--max-attempts", envvar="GQLEVOLVE_NOTICE_MAX_ATTEMPTS", default=None, metavar="N", help="Passes that try a delivery before it is abandoned [default: 5]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _settings(values: dict[str, Any]) -> NoticeSettings:
    import os

    from gqlevolve.notices.settings import ENVIRONMENT, NoticeSettings

    return NoticeSettings.build(
        **values,
        smtp_password=os.environ.get(ENVIRONMENT["smtp_password"]),
        platform_webhook_secret=os.environ.get(ENVIRONMENT["platform_webhook_secret"]),
    )


@main.command("notify")
@click.option("--dry-run", is_flag=True, help="Print what would be sent, to whom and why; send and claim nothing.")
@click.option("--as-of", "as_of", metavar="DATE", default=None, help="The day of the schedule [default: today, UTC].")
@_settings_options
@db_option
@json_option
@handle_errors
def notify_command(
    dry_run: bool, as_of: str | None, db_url: str | None, as_json: bool, **settings: Any
) -> None:
    """One pass of the notification schedule: send what is due, retry what failed.

    Exit 0 when every delivery was sent (or nothing was due), 1 when one failed, 2 on bad settings.
    """
    from gqlevolve.notices.sender import notify

    config = _settings(settings)  # checked before the store is opened: a bad address is one line
    with open_store(db_url) as store:
        result = notify(store, config, as_of=parse_date(as_of, option="--as-of"), dry_run=dry_run)
    if as_json:
        print_json(_result_json(result))
    else:
        _print_result(result)
    if result.failed:
        sys.exit(EXIT_NEGATIVE)


def _result_json(result: NotifyResult) -> dict[str, Any]:
    if result.dry_run:
        items = [_planned_json(item) for item in result.planned]
    else:
        items = [
            {**_planned_json(done.planned), "status": done.status.value if done.status else "skipped",
             "attempt": done.attempt, "status_code": done.outcome.status_code if done.outcome else None,
             "reply": done.outcome.reply if done.outcome else None}
            for done in result.results
        ]
    return {"as_of": result.as_of, "dry_run": result.dry_run, "deliveries": items}


def _planned_json(item: Any) -> dict[str, Any]:
    key = item.key
    return {
        "event": key.event, "endpoint": key.endpoint, "coordinate": key.coordinate, "recipient": key.recipient,
        "period": key.period, "channel": key.channel, "target": key.target, "why": item.notice.why, "key": key.key,
    }


def _print_result(result: NotifyResult) -> None:
    day = result.as_of.isoformat()
    if result.dry_run:
        print_table(
            f"Would send on {day}", ["event", "element", "recipient", "channel", "target", text_column("why")],
            [(item.key.event, item.key.coordinate, item.key.recipient, item.key.channel, item.key.target, item.notice.why)
             for item in result.planned],
            empty=f"Nothing to send on {day}.",
        )
        return
    done = [item for item in result.results if item.status is not None]
    print_table(
        f"Notices on {day}", ["event", "element", "recipient", "channel", "target", "status", "attempt", text_column("reply")],
        [(item.planned.key.event, item.planned.key.coordinate, item.planned.key.recipient, item.planned.key.channel,
          item.planned.key.target, item.status.value if item.status else "", item.attempt, item.outcome.reply if item.outcome else "")
         for item in done],
        empty=f"Nothing to send on {day} ({len(result.planned)} due, all sent already).",
    )


@main.command("notices")
@click.option("--status", default=None, metavar="S", help="Only this status: sending, sent, failed or abandoned.")
@click.option("--limit", default="100", metavar="N", help="At most N deliveries, newest first [default: 100].")
@db_option
@json_option
@handle_errors
def notices_command(status: str | None, limit: str, db_url: str | None, as_json: bool) -> None:
    """The delivery log: every notice, recipient, channel, status, attempts and the server's reply."""
    from gqlevolve.inputs import whole_number
    from gqlevolve.notices.delivery_log import list_deliveries

    with open_store(db_url) as store:
        deliveries = list_deliveries(store, status, limit=whole_number(limit, field="limit", name="--limit"))
    if as_json:
        print_json(deliveries)
        return
    print_table(
        "Deliveries, newest first",
        ["updated", "event", "element", "recipient", "channel", "target", "status", "attempts", "code", text_column("reply")],
        [(item.updated_at.strftime("%Y-%m-%d %H:%M"), item.event, item.coordinate, item.recipient, item.channel, item.target,
          item.status.value, item.attempts, item.status_code, item.reply) for item in deliveries],
        empty=f"No deliveries{f' with status {status}' if status else ''}.",
    )
