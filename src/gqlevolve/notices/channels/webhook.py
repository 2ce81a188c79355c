"""The generic webhook: the notice as JSON, signed with HMAC-SHA256 over the timestamp and the body.

Headers of every POST:

- ``X-Gqlevolve-Timestamp``: seconds since the epoch (UTC) when it was signed;
- ``X-Gqlevolve-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the shared secret, of
  ``timestamp + "." + body`` (the raw body bytes as received);
- ``X-Gqlevolve-Event``: the event (``final_warning``); ``X-Gqlevolve-Delivery``: the delivery's key (the same on
  every retry of one notice: a receiver that already has it can drop it).

A receiver recomputes the signature over the raw body and compares in constant time, and refuses a timestamp
more than five minutes from its clock (a replayed request): :func:`verify_signature` (or the snippet in
``docs/notifications.md``).

    >>> headers = signed_headers("0123456789abcdef", b'{"event":"removal"}', timestamp=1767225600)
    >>> headers["X-Gqlevolve-Signature"][:10]
    'v1=22a99b4'
    >>> verify_signature("0123456789abcdef", b'{"event":"removal"}', headers["X-Gqlevolve-Timestamp"],
    ...                  headers["X-Gqlevolve-Signature"], now=1767225660)
    True
    >>> verify_signature("0123456789abcdef", b'{"event":"removed"}', headers["X-Gqlevolve-Timestamp"],
    ...                  headers["X-Gqlevolve-Signature"], now=1767225660)
    False
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from gqlevolve.notices.channels.http import post_json
from gqlevolve.notices.channels.outcome import Outcome

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "TOLERANCE_SECONDS", "send_webhook", "sign", "signed_headers", "verify_signature"]

TIMESTAMP_HEADER = "X-Gqlevolve-Timestamp"
SIGNATURE_HEADER = "X-Gqlevolve-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(secret: str, body: bytes, *, timestamp: int, event: str = "", delivery: str = "") -> dict[str, str]:
    headers = {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}
    if event:
        headers["X-Gqlevolve-Event"] = event
    if delivery:
        headers["X-Gqlevolve-Delivery"] = delivery
    return headers


def verify_signature(
    secret: str, body: bytes, timestamp: str, signature: str, *, now: float, tolerance: float = TOLERANCE_SECONDS
) -> bool:
    """What a receiver checks: the signature over (timestamp, body), and a timestamp within ``tolerance`` of ``now``."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def send_webhook(
    url: str,
    secret: str,
    payload: Mapping[str, Any],
    *,
    now: Callable[[], int],
    timeout: float,
    retries: int,
    backoff: float,
) -> Outcome:
    """POST ``payload``, signed afresh (``now()``: seconds, from the store's clock) on every try."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    event, delivery = str(payload.get("event", "")), str(payload.get("delivery", ""))

    def headers() -> dict[str, str]:
        return signed_headers(secret, body, timestamp=now(), event=event, delivery=delivery)

    return post_json(url, body, headers, timeout=timeout, retries=retries, backoff=backoff)
