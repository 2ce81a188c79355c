"""A notice in words: its subject, a plain-text and an HTML body (Jinja2, the HTML autoescaped), Slack text, JSON.

Every value in a notice came from somewhere a person typed it (a client name, a reason, a migration guide URL):
the HTML template escapes it (``autoescape``), Slack text escapes ``& < >`` as Slack asks, and the JSON payload
is JSON. The figures are the recipient's own: each client version of theirs that used the element, how often and
when last.

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import Deprecation
    >>> from gqlevolve.notices.schedule import Event, Notice
    >>> from gqlevolve.usage_store import ClientUsage
    >>> record = Deprecation("User.name", deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 31),
    ...                      replacement="User.fullName", migration_guide="https://docs.example/user-name")
    >>> notice = Notice(Event.FINAL_WARNING, "/api/v1/graphql", "User.name", "2026-12-24", "web", date(2026, 12, 24),
    ...                 why="", record=record, usage=(ClientUsage("web", "1.4.0", 3204, date(2026, 11, 29)),),
    ...                 window=(date(2026, 11, 25), date(2026, 12, 24)))
    >>> subject(notice)
    'Final warning: User.name on /api/v1/graphql is removed on 2026-12-31 (in 7 days)'
    >>> print(text_body(notice))       # doctest: +ELLIPSIS
    Final warning: User.name on /api/v1/graphql is removed on 2026-12-31 (in 7 days).
    <BLANKLINE>
    Your client `web` 1.4.0 called `User.name` 3,204 times in the last 30 days; the last time on 2026-11-29.
    <BLANKLINE>
    Replacement: User.fullName
    Migration guide: https://docs.example/user-name
    Removal date: 2026-12-31
    ...
"""

from __future__ import annotations

import json
from typing import Any

import jinja2

from gqlevolve.jsonable import to_jsonable
from gqlevolve.notices.schedule import PLATFORM, USAGE_WINDOW_DAYS, Event, Notice

__all__ = ["headline", "html_body", "payload", "slack_text", "subject", "text_body", "usage_lines"]

_TEXT = """\
{{ headline }}.
{% if usage_lines %}
{% for line in usage_lines %}{{ line }}
{% endfor %}{% endif %}{% if facts_lines %}
{% for line in facts_lines %}{{ line }}
{% endfor %}{% endif %}{% if record %}
{% if record.replacement %}Replacement: {{ record.replacement }}
{% endif %}{% if record.migration_guide %}Migration guide: {{ record.migration_guide }}
{% endif %}{% if record.sunset_on %}Removal date: {{ record.sunset_on.isoformat() }}
{% endif %}{% if record.reason %}Reason: {{ record.reason }}
{% endif %}{% endif %}
You get this because {{ why_short }}.
-- gqlevolve, for the API platform team
"""

_HTML = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body>
<p><strong>{{ headline }}.</strong></p>
{% if usage_lines %}<ul>{% for line in usage_lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% if facts_lines %}<ul>{% for line in facts_lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% if record %}<table>
{% if record.replacement %}<tr><th scope="row">Replacement</th><td><code>{{ record.replacement }}</code></td></tr>{% endif %}
{% if record.migration_guide %}<tr><th scope="row">Migration guide</th><td><a href="{{ record.migration_guide }}">{{ record.migration_guide }}</a></td></tr>{% endif %}
{% if record.sunset_on %}<tr><th scope="row">Removal date</th><td>{{ record.sunset_on.isoformat() }}</td></tr>{% endif %}
{% if record.reason %}<tr><th scope="row">Reason</th><td>{{ record.reason }}</td></tr>{% endif %}
</table>{% endif %}
<p>You get this because {{ why_short }}.</p>
</body></html>
"""

_TEXT_TEMPLATE = jinja2.Environment(autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined).from_string(_TEXT)
_HTML_TEMPLATE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(_HTML)


def _in_days(days: int | None) -> str:
    if days is None:
        return ""
    if days == 0:
        return " (today)"
    return f" (in {days} day{'s' if days != 1 else ''})" if days > 0 else f" ({-days} days ago)"


def headline(notice: Notice) -> str:
    """The first sentence (without its full stop); the email's subject too."""
    record = notice.record
    element = f"{notice.coordinate} on {notice.endpoint}"
    sunset = record.sunset_on.isoformat() if record is not None and record.sunset_on else None
    soon = _in_days(notice.days_until_sunset)
    match notice.event:
        case Event.ANNOUNCEMENT:
            since = record.deprecated_on.isoformat() if record is not None and record.deprecated_on else notice.period
            tail = f"; it will be removed on {sunset}" if sunset else ""
            return f"Deprecated: {element} is deprecated since {since}{tail}"
        case Event.REMINDER:
            return f"Reminder: {element} will be removed on {sunset}{soon}"
        case Event.SUNSET_WARNING:
            return f"Sunset warning: {element} will be removed on {sunset}{soon}"
        case Event.FINAL_WARNING:
            return f"Final warning: {element} is removed on {sunset}{soon}"
        case Event.REMOVAL:
            return f"Removed: {element} was removed on {sunset}; operations that use it now fail"
        case Event.HIGH_USAGE:
            share = notice.facts.get("share") or 0.0
            return (
                f"Alert: {element} still carries {share:.1%} of the endpoint's operations, "
                f"{notice.facts.get('days_until_sunset')} days before its sunset"
            )
        case Event.REMOVABLE:
            return f"Removable: the advisor says {element} may be removed (since {notice.period})"
        case Event.MIGRATION_REPORT:
            return f"Weekly migration report {notice.period}: clients migrated and remaining per deprecated element"
    raise AssertionError(notice.event)  # pragma: no cover - every event has its sentence


def subject(notice: Notice) -> str:
    return headline(notice)


def usage_lines(notice: Notice) -> list[str]:
    """The recipient's figures, one line per client version: "your client `web` 1.4.0 called ..."."""
    if notice.window is None:
        return []
    days = (notice.window[1] - notice.window[0]).days + 1
    return [
        f"Your client `{client.name}`{' ' + client.version if client.version else ''} called `{notice.coordinate}` "
        f"{client.operations:,} time{'s' if client.operations != 1 else ''} in the last {days} days; "
        f"the last time on {client.last_seen.isoformat()}."
        for client in notice.usage
    ]


def _facts_lines(notice: Notice) -> list[str]:
    facts = notice.facts
    if notice.event is Event.HIGH_USAGE:
        return [
            f"{facts.get('operations', 0):,} operations used it over the last 7 days; sunset on {facts.get('sunset_on')}.",
            *(f"Client still using it: {name}" for name in facts.get("clients", [])),
        ]
    if notice.event is Event.REMOVABLE:
        return [str(reason) for reason in facts.get("reasons", [])]
    if notice.event is Event.MIGRATION_REPORT:
        return [
            f"{row['coordinate']} on {row['endpoint']}: {len(row['remaining'])} remaining "
            f"({', '.join(row['remaining']) or '-'}), {len(row['migrated'])} migrated, {len(row['inactive'])} inactive"
            for row in facts.get("rows", [])
        ]
    return []


def _why_short(notice: Notice) -> str:
    if notice.recipient == PLATFORM:
        return "you are the API platform team of this server"
    days = (notice.window[1] - notice.window[0]).days + 1 if notice.window else USAGE_WINDOW_DAYS
    return f"your client `{notice.recipient}` used `{notice.coordinate}` in the last {days} days"


def _context(notice: Notice) -> dict[str, Any]:
    return {
        "headline": headline(notice), "subject": subject(notice), "usage_lines": usage_lines(notice),
        "facts_lines": _facts_lines(notice), "record": notice.record, "why_short": _why_short(notice),
    }


def text_body(notice: Notice) -> str:
    return _TEXT_TEMPLATE.render(_context(notice))


def html_body(notice: Notice) -> str:
    return _HTML_TEMPLATE.render(_context(notice))


def _slack_escape(text: str) -> str:
    # Slack's formatting: &, < and > are control characters in message text (https://api.slack.com/reference/surfaces/formatting).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(notice: Notice) -> str:
    """Slack's incoming-webhook message text: the headline in bold, then the body's lines."""
    lines = [f"*{_slack_escape(headline(notice))}*", *(_slack_escape(line) for line in usage_lines(notice) + _facts_lines(notice))]
    record = notice.record
    if record is not None:
        if record.replacement:
            lines.append(f"Replacement: `{_slack_escape(record.replacement)}`")
        if record.migration_guide:
            lines.append(f"Migration guide: {_slack_escape(record.migration_guide)}")
    return "\n".join(lines)


def payload(notice: Notice, *, delivery: str) -> dict[str, Any]:
    """The generic webhook's JSON object (documented in ``docs/notifications.md``)."""
    record = notice.record
    body: dict[str, Any] = {
        "delivery": delivery,
        "event": notice.event.value,
        "endpoint": notice.endpoint,
        "coordinate": notice.coordinate,
        "period": notice.period,
        "recipient": notice.recipient,
        "as_of": notice.as_of,
        "subject": subject(notice),
        "text": text_body(notice),
        "deprecated_on": record.deprecated_on if record else None,
        "sunset_on": record.sunset_on if record else None,
        "replacement": record.replacement if record else None,
        "migration_guide": record.migration_guide if record else None,
        "window": {"since": notice.window[0], "until": notice.window[1]} if notice.window else None,
        "usage": [
            {"client": client.name, "version": client.version, "operations": client.operations, "last_seen": client.last_seen}
            for client in notice.usage
        ],
        "facts": notice.facts,
    }
    jsonable: dict[str, Any] = to_jsonable(body)
    json.dumps(jsonable)  # a value that is not JSON is a bug here, not at the receiver
    return jsonable
