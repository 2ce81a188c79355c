"""Whole-schema usage off the request path: an operation's shape checked, signed and admitted under a cap.

The request path hands the store an :class:`~gqlevolve.operation_shape.OperationShape` (cached per document by
the analysis). Draining the inbox turns each distinct shape into a :class:`StoredOperation` once
(:class:`OperationSigner`: its coordinates checked, its name cut, its signature computed) and admits it under
:class:`OperationLimiter`, the cap on distinct operations per endpoint and day. Clients choose their documents and
operation names, so without a cap a client could grow ``operations`` and ``operation_usage`` without bound;
past it, an operation is counted under one row, :data:`OVERFLOW_SIGNATURE` ("other operations"), while the
coordinates it used are still counted exactly (``coordinate_usage``: bounded by the schema), so that what was used
and when never depends on the cap. The cap bounds operation names too: each operation has one name.

    >>> from gqlevolve.operation_shape import OperationShape
    >>> signer, limiter = OperationSigner(), OperationLimiter(max_operations_per_day=1)
    >>> first = signer.stored(OperationShape("query", "A", "aa", frozenset({"Query.a"})), frozenset())
    >>> second = signer.stored(OperationShape("query", "B", "bb", frozenset({"Query.b"})), frozenset())
    >>> limiter.admit("/api/v1/graphql", clock.today(), first) is first
    True
    >>> limiter.admit("/api/v1/graphql", clock.today(), second).signature == OVERFLOW_SIGNATURE   # past the cap
    True
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

from gqlevolve.operation_shape import OPERATION_KINDS, OPERATION_NAME_LENGTH, OperationShape, operation_signature
from gqlevolve.usage_store.signatures import coordinate_set

__all__ = [
    "DEFAULT_MAX_OPERATIONS_PER_DAY",
    "OVERFLOW_SHAPE",
    "OVERFLOW_SIGNATURE",
    "OperationLimiter",
    "OperationSigner",
    "StoredOperation",
    "check_shape",
]

#: The signature of the row that counts the operations past the cap (not a digest: 32 characters, never a hex one).
OVERFLOW_SIGNATURE = "over-the-cap-operations" + "-" * 9

#: Distinct operations kept per endpoint and day and process. GitHub's own clients send a few thousand distinct
#: operations; a client that sends more is generating documents.
DEFAULT_MAX_OPERATIONS_PER_DAY = 10_000


@dataclass(frozen=True, slots=True)
class StoredOperation:
    """An operation as the store writes it: its signature, its shape and which of its coordinates were deprecated."""

    signature: str
    shape: OperationShape
    deprecated: frozenset[str]

    @property
    def overflow(self) -> bool:
        return self.signature == OVERFLOW_SIGNATURE


#: What ``operations`` says of the operations past the cap.
OVERFLOW_SHAPE = OperationShape("", "(other operations: past the daily cap)", "", frozenset())


def check_shape(shape: object) -> OperationShape:
    """``shape`` checked (``ValueError`` otherwise), its name cut to :data:`OPERATION_NAME_LENGTH` characters."""
    if not isinstance(shape, OperationShape):
        raise ValueError(f"operation must be an OperationShape, not {type(shape).__name__}")
    if shape.kind not in OPERATION_KINDS:
        raise ValueError(f"operation kind must be one of {', '.join(OPERATION_KINDS)}, not {shape.kind!r}")
    if shape.name is not None and not isinstance(shape.name, str):
        raise ValueError(f"operation name must be a string, not {type(shape.name).__name__}")
    if not isinstance(shape.document_hash, str) or len(shape.document_hash) > 32:
        raise ValueError("operation document_hash must be a string of at most 32 characters")
    coordinates = coordinate_set(shape.coordinates)
    name = shape.name
    if name is not None and len(name) > OPERATION_NAME_LENGTH:
        name = name[:OPERATION_NAME_LENGTH]
    if name is shape.name and coordinates is shape.coordinates:
        return shape
    return OperationShape(shape.kind, name, shape.document_hash, coordinates)


class OperationSigner:
    """:func:`check_shape` and the signature, once per distinct (shape, deprecated coordinates); bounded."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._stored: dict[tuple[OperationShape, frozenset[str]], StoredOperation] = {}
        self._max_entries = max_entries

    def stored(self, shape: object, deprecated: frozenset[str]) -> StoredOperation:
        key = (shape, deprecated)
        try:
            return self._stored[key]  # type: ignore[index]
        except KeyError:
            pass
        except TypeError:  # unhashable: checked (and refused) below
            pass
        checked = check_shape(shape)
        deprecated = deprecated & checked.coordinates
        stored = StoredOperation(operation_signature(checked, deprecated), checked, deprecated)
        if len(self._stored) >= self._max_entries:  # only an unbounded stream of new documents gets here
            self._stored.clear()
        self._stored[key] = stored  # type: ignore[index]
        return stored


class OperationLimiter:
    """Admits at most ``max_operations_per_day`` distinct operations per endpoint and day; the rest are counted
    under :data:`OVERFLOW_SIGNATURE` (their coordinates still counted: see the module's docstring).

    Like :class:`~gqlevolve.usage_store.clients.ClientLimiter`, it counts what this process has seen and
    remembers the last ``max_days_tracked`` (endpoint, day) pairs; called under the recorder's lock.
    """

    def __init__(self, max_operations_per_day: int = DEFAULT_MAX_OPERATIONS_PER_DAY, *, max_days_tracked: int = 64) -> None:
        if max_operations_per_day < 1:
            raise ValueError(f"max_operations_per_day must be at least 1, not {max_operations_per_day}")
        self.max_operations_per_day = max_operations_per_day
        self._max_days_tracked = max_days_tracked
        self._seen: OrderedDict[tuple[str, dt.date], set[str]] = OrderedDict()

    def admit(self, endpoint: str, day: dt.date, operation: StoredOperation) -> StoredOperation:
        seen = self._seen.get((endpoint, day))
        if seen is None:
            seen = self._seen[(endpoint, day)] = set()
            if len(self._seen) > self._max_days_tracked:
                self._seen.popitem(last=False)
        if operation.signature in seen:
            return operation
        if len(seen) < self.max_operations_per_day:
            seen.add(operation.signature)
            return operation
        return StoredOperation(OVERFLOW_SIGNATURE, operation.shape, operation.deprecated)
