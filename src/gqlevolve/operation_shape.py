"""``OperationShape``: what the store keeps of one operation besides its counts.

Whole-schema usage keys an operation by its *shape*: its kind, its name, a stable hash of its document (the
operation and the fragments it reaches, printed by graphql-core, so that whitespace, comments and the order of
other definitions do not change it) and every schema coordinate it uses: the types, fields, arguments, input
fields and enum values it reaches through fragments, aliases, interfaces and its variables' values. The analysis
of a document computes its shape once (:mod:`gqlevolve.operation_analysis`); a request whose variables reach
nothing new reuses that same object, so the request path hashes a cached frozenset and three strings.

The store turns a shape into a signature (:func:`operation_signature`): a shape's coordinates are stored once per
signature, and usage is counted per (endpoint, day, client, signature), never per request.

    >>> shape = OperationShape("query", "Users", "3f1c", frozenset({"Query.users", "User", "User.name"}))
    >>> operation_signature(shape, frozenset({"User.name"}))
    '2b50870b95cf5c982b6498067cf7a7ec'
    >>> operation_signature(shape, frozenset())      # the deprecated part is part of what is stored
    '87bfed29474e0b59c552fdf65e90bdc2'
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b

__all__ = ["OPERATION_KINDS", "OPERATION_NAME_LENGTH", "OperationShape", "operation_signature"]

#: The kinds an operation can be.
OPERATION_KINDS = ("query", "mutation", "subscription")

#: Operation names longer than this are cut (the client chooses them: the store keeps a bounded part).
OPERATION_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class OperationShape:
    """One operation as whole-schema usage records it (compared and hashed by value)."""

    #: ``query``, ``mutation`` or ``subscription``.
    kind: str
    #: The operation's name (None: anonymous).
    name: str | None
    #: 32 hex digits: BLAKE2b of the printed operation and the fragments it reaches.
    document_hash: str
    #: Every schema coordinate the operation uses, deprecated or not.
    coordinates: frozenset[str]


def operation_signature(shape: OperationShape, deprecated: frozenset[str]) -> str:
    """The store's key for ``shape`` (32 hex digits); ``deprecated``: which of its coordinates were deprecated
    where it ran (the same document on two versions of a schema may differ there, and each keeps its flags)."""
    digest = blake2b(digest_size=16)
    for part in (shape.kind, "" if shape.name is None else f"={shape.name}", shape.document_hash):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    for coordinate in sorted(shape.coordinates):
        digest.update(coordinate.encode("utf-8", "surrogatepass"))
        digest.update(b"\x01" if coordinate in deprecated else b"\x00")
    return digest.hexdigest()
