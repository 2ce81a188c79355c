"""Operation signatures: the set of deprecated coordinates an operation referenced, as a short stable key.

Usage is counted per signature, not per coordinate, so that a request costs one counter however many
deprecated elements it touches; ``signature_coordinates`` maps each signature back to its coordinates.
The signature depends on the coordinate set only: coordinates come from the schema, so the number of
signatures is bounded by what the schema's operations can reference, whereas operation names are chosen
by clients and would let any client grow the store.

Example: a signature is the first 32 hex digits of the SHA-256 of the sorted coordinates, so the order in which
an operation referenced them does not matter; :func:`coordinate_set` checks them first:

    >>> signature_of(frozenset({"User.name", "Query.me"}))
    '3089810e56de0e1747e3b7915ec466ec'
    >>> signatures = SignatureCache()        # the request path's: one hash per distinct set
    >>> signatures.signature_of(frozenset({"Query.me", "User.name"}))
    '3089810e56de0e1747e3b7915ec466ec'
    >>> coordinate_set(["User.name", "User name"])
    Traceback (most recent call last):
    ...
    gqlevolve.coordinates.InvalidCoordinate: "User name" is not a schema coordinate: expected Type, Type.field, ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

from gqlevolve.coordinates import parse_coordinate
from gqlevolve.usage_store.tables import SIGNATURE_LENGTH

__all__ = ["SignatureCache", "coordinate_set", "signature_of"]


def coordinate_set(coordinates: Iterable[str]) -> frozenset[str]:
    """The coordinates as a frozenset (as given when it already is one), each checked by
    :func:`gqlevolve.coordinates.parse_coordinate` (an ``InvalidCoordinate``, a ``ValueError``, for a bad one)."""
    result = coordinates if isinstance(coordinates, frozenset) else frozenset(coordinates)
    for coordinate in result:
        if not isinstance(coordinate, str) or not _well_formed(coordinate):
            parse_coordinate(coordinate)  # raises, saying what is wrong
    return result


@lru_cache(maxsize=4096)
def _well_formed(coordinate: str) -> bool:
    """Whether ``parse_coordinate`` accepts ``coordinate``, remembered: the request path sees the same few."""
    try:
        parse_coordinate(coordinate)
    except ValueError:
        return False
    return True


def signature_of(coordinates: frozenset[str]) -> str:
    """The signature of a non-empty coordinate set (the order of the coordinates does not matter)."""
    digest = hashlib.sha256("\n".join(sorted(coordinates)).encode("utf-8")).hexdigest()
    return digest[:SIGNATURE_LENGTH]


class SignatureCache:
    """``signature_of`` memoised per frozenset (callers pass the same cached frozenset per operation)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._signatures: dict[frozenset[str], str] = {}
        self._max_entries = max_entries

    def signature_of(self, coordinates: frozenset[str]) -> str:
        signature = self._signatures.get(coordinates)
        if signature is None:
            if len(self._signatures) >= self._max_entries:  # only an unbounded stream of new sets gets here
                self._signatures.clear()
            signature = self._signatures[coordinates] = signature_of(coordinates)
        return signature
