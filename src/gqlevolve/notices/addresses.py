"""The checks every contact passes before it is stored or used: email addresses, webhook URLs, shared secrets.

Each check returns the value as kept, or raises :class:`~gqlevolve.errors.InvalidInput` with one line that names
the field and quotes what was given (JSON-style). Secrets are never shown whole: :func:`masked_secret` and
:func:`masked_url` are what every listing prints.

    >>> check_email(" Ops@Web.example ", field="email")
    'Ops@Web.example'
    >>> check_email("ops@", field="email")
    Traceback (most recent call last):
    ...
    gqlevolve.errors.InvalidInput: email: "ops@" is not an email address (name@domain.example)
    >>> check_url("ftp://hooks.example/x", field="webhook_url")
    Traceback (most recent call last):
    ...
    gqlevolve.errors.InvalidInput: webhook_url: "ftp://hooks.example/x" is not an http:// or https:// URL with a host
    >>> masked_secret("s3cret-s3cret-s3cret")
    's3c…(20 characters)'
    >>> masked_url("https://hooks.slack.com/services/T000/B000/XXXXXXXX")
    'https://hooks.slack.com/…'
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote

__all__ = [
    "EMAIL_LENGTH",
    "SECRET_MIN_LENGTH",
    "URL_LENGTH",
    "check_email",
    "check_secret",
    "check_url",
    "masked_secret",
    "masked_url",
    "url_without_query",
]

#: RFC 5321's longest forward path.
EMAIL_LENGTH = 254
URL_LENGTH = 2048
#: A shared secret shorter than this is guessable; 32 random characters is what the docs suggest.
SECRET_MIN_LENGTH = 16
_SECRET_MAX_LENGTH = 512
# Deliberately narrower than RFC 5322: no quoted local parts, no comments, no IP literals: what a person types.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_PRINTABLE_NO_SPACE = re.compile(r"[\x21-\x7e]+")


def check_email(value: object, *, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected an email address, not {json_quote(value)}", field=field)
    address = value.strip()
    if len(address) > EMAIL_LENGTH or not _EMAIL.fullmatch(address):
        raise InvalidInput(
            f"{field}: {json_quote(value)} is not an email address (name@domain.example)", field=field
        )
    return address


def check_url(value: object, *, field: str) -> str:
    """An ``http://`` or ``https://`` URL with a host, printable ASCII, at most :data:`URL_LENGTH` characters."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected a URL, not {json_quote(value)}", field=field)
    url = value.strip()
    if len(url) > URL_LENGTH:
        raise InvalidInput(f"{field}: a URL of at most {URL_LENGTH} characters, not {len(url)}", field=field)
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0  # urlsplit raises for a port that is not a number
    except ValueError:
        port_ok = False
        parts = None
    if (
        parts is None or not port_ok or parts.scheme not in ("http", "https") or not parts.hostname
        or not _PRINTABLE_NO_SPACE.fullmatch(url)
    ):
        raise InvalidInput(
            f"{field}: {json_quote(value)} is not an http:// or https:// URL with a host", field=field
        )
    return url


def check_secret(value: object, *, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field}: a webhook needs a shared secret (at least {SECRET_MIN_LENGTH} characters)", field=field)
    if not SECRET_MIN_LENGTH <= len(value) <= _SECRET_MAX_LENGTH or not _PRINTABLE_NO_SPACE.fullmatch(value):
        raise InvalidInput(
            f"{field}: a shared secret of {SECRET_MIN_LENGTH} to {_SECRET_MAX_LENGTH} printable characters without "
            f"spaces (given: {len(value)} characters)",
            field=field,
        )
    return value


def masked_secret(secret: str | None) -> str | None:
    """The first three characters and the length: enough to tell two secrets apart, not to use one."""
    if secret is None:
        return None
    return f"{secret[:3]}…({len(secret)} characters)"


def masked_url(url: str | None) -> str | None:
    """Scheme and host only: a Slack incoming-webhook URL's path is its secret, a query string may hold a token."""
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


def url_without_query(url: str) -> str:
    """What the delivery log keeps of a webhook URL: no query string or fragment (they may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
