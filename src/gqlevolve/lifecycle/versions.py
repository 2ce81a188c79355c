"""The endpoint-versioning ADR's version names: ``draft``, or ``v`` and a number without a leading zero.

A version name is the ``<version>`` of ``/api/<version>/graphql``. ``versioned_app`` refuses any other name when
the app is built, and ``gqlevolve check`` holds ``draft`` to looser rules than a published ``vN``.

Example:

    >>> validate_version("v2")
    'v2'
    >>> is_draft("draft")
    True
    >>> validate_version("v02")
    Traceback (most recent call last):
    gqlevolve.lifecycle.versions.InvalidVersionName: invalid version name "v02": ...
"""

from __future__ import annotations

import re

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote

__all__ = ["VERSION_RULE", "InvalidVersionName", "is_draft", "validate_version"]

#: The ADR's rule for ``<version>`` in ``/api/<version>/<path>``.
VERSION_RULE = "a version is 'draft' or 'v' followed by a number without a leading zero (v1, v2, v10)"
_VERSION_PATTERN = re.compile(r"draft|v[1-9][0-9]*")


class InvalidVersionName(InvalidInput):
    """A version name that breaks the ADR's rule: invalid input, a ``ValueError``."""


def validate_version(name: str) -> str:
    """Return ``name`` if it is ``draft`` or ``vN`` (N without a leading zero), else raise."""
    if not isinstance(name, str) or _VERSION_PATTERN.fullmatch(name) is None:
        raise InvalidVersionName(f"invalid version name {json_quote(name)}: {VERSION_RULE}", field="version")
    return name


def is_draft(version: str) -> bool:
    return version == "draft"
