"""Slack's incoming webhook: ``{"text": ...}`` POSTed to the URL Slack gave (its path is the secret).

    >>> slack_body("*Final warning*")
    b'{"text": "*Final warning*"}'
"""

from __future__ import annotations

import json

from gqlevolve.notices.channels.http import post_json
from gqlevolve.notices.channels.outcome import Outcome

__all__ = ["send_slack", "slack_body"]


def slack_body(text: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode()


def send_slack(url: str, text: str, *, timeout: float, retries: int, backoff: float) -> Outcome:
    return post_json(url, slack_body(text), {}, timeout=timeout, retries=retries, backoff=backoff)
