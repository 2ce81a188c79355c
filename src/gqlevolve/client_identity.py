"""Who sent an operation: the client's name and version, read from the headers GraphQL clients send.

The name and version come from ``apollographql-client-name`` / ``apollographql-client-version`` or
``graphql-client-name`` / ``graphql-client-version``, each also with an ``x-`` prefix, the first one present
winning. Without them the client is unknown (``None``, which the store keeps as ``unknown``). Reading them from a
framework's request is each adapter's work (``gqlevolve.extensions.request_context`` for Strawberry's integrations,
``gqlevolve.adapters.request_state`` for Ariadne's and Graphene's); here are the two readers they share: one over
raw ASGI header pairs, one over any case-insensitive look-up. (Core: no server library is imported.)

Only the first 64 characters of a name and 32 of a version are read (what the store keeps:
:mod:`gqlevolve.usage_store.clients`): a client that sends a 30 KB header costs no more than one that sends 64 bytes.

    >>> identity_from_raw([(b"apollographql-client-name", b"web"), (b"graphql-client-version", b"1.4")])
    ClientIdentity(name='web', version='1.4')
    >>> identity_from_lookup({"x-graphql-client-name": "ios-" + "x" * 100}.get).name
    'ios-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
    >>> identity_from_lookup({}.get)
    ClientIdentity(name=None, version=None)

A server author who identifies clients differently passes a callable to ``deprecation_usage(client_identity=...)``;
it receives Strawberry's ``ExecutionContext`` and returns a :class:`ClientIdentity` or a ``(name, version)`` pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

__all__ = [
    "NAME_HEADERS",
    "VERSION_HEADERS",
    "ClientIdentity",
    "UNKNOWN",
    "ClientIdentifier",
    "identity_from_lookup",
    "identity_from_raw",
]

#: Header names, most specific first; the first one present wins.
NAME_HEADERS = (
    "apollographql-client-name",
    "x-apollographql-client-name",
    "graphql-client-name",
    "x-graphql-client-name",
)
VERSION_HEADERS = tuple(name.replace("-name", "-version") for name in NAME_HEADERS)

#: The characters of a name and a version that are read: what the store keeps (``CLIENT_NAME_LENGTH`` and
#: ``CLIENT_VERSION_LENGTH`` of :mod:`gqlevolve.usage_store.tables`, not imported: the adapter does not load the
#: store's database layer; a test keeps them equal).
CLIENT_NAME_LENGTH = 64
CLIENT_VERSION_LENGTH = 32

_NAME_RANK = {name.encode("latin-1"): rank for rank, name in enumerate(NAME_HEADERS)}
_VERSION_RANK = {name.encode("latin-1"): rank for rank, name in enumerate(VERSION_HEADERS)}


class ClientIdentity(NamedTuple):
    name: str | None = None
    version: str | None = None


#: What ``deprecation_usage(client_identity=...)`` accepts.
ClientIdentifier = Callable[[Any], "ClientIdentity | tuple[str | None, str | None]"]

UNKNOWN = ClientIdentity()


def identity_from_raw(raw: Iterable[tuple[bytes, bytes]]) -> ClientIdentity:
    """The client named by raw ASGI header pairs (lower-cased names, as the ASGI scope has them): one pass."""
    name = version = None
    name_rank = version_rank = len(NAME_HEADERS)
    for key, value in raw:
        rank = _NAME_RANK.get(key)
        if rank is not None and rank < name_rank and value:
            name, name_rank = value, rank
            continue
        rank = _VERSION_RANK.get(key)
        if rank is not None and rank < version_rank and value:
            version, version_rank = value, rank
    if name is None and version is None:
        return UNKNOWN
    return ClientIdentity(  # cut before decoding: latin-1 is one character a byte
        None if name is None else name[:CLIENT_NAME_LENGTH].decode("latin-1").strip() or None,
        None if version is None else version[:CLIENT_VERSION_LENGTH].decode("latin-1").strip() or None,
    )


def identity_from_lookup(
    get: Callable[[str], Any], names: Sequence[str] = NAME_HEADERS, versions: Sequence[str] = VERSION_HEADERS
) -> ClientIdentity:
    """The client named by a header look-up (``headers.get``: case-insensitive in every framework).

    ``names`` and ``versions`` are the keys to ask for, in :data:`NAME_HEADERS`' order (Django's ``META`` spells
    them its own way).
    """
    name = _first(get, names, CLIENT_NAME_LENGTH)
    version = _first(get, versions, CLIENT_VERSION_LENGTH)
    return UNKNOWN if name is None and version is None else ClientIdentity(name, version)


def _first(get: Callable[[str], Any], keys: Sequence[str], length: int) -> str | None:
    for key in keys:
        value = get(key)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            value = value[:length].strip()
            if value:
                return value
    return None
