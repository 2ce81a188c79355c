"""The request path's inbox: observations kept as given, then validated, cleaned and counted off that path.

:meth:`ObservationBuffer.add` (what ``UsageStore.record_buffered`` costs a request) is one dictionary addition
under a lock, keyed by the arguments as given (endpoint, coordinates, client name, client version, day): no
validation, no signature, no cleaning, no I/O, and it never raises. :meth:`ObservationBuffer.drain` (every second
in the flusher thread, at once by a request that finds the inbox full) does that work once per distinct key rather
than once per request: it validates each observation (an invalid one is logged and counted in ``rejected``, never
raised to the request that sent it), cleans client names and versions, caps the clients per endpoint and day, and
adds the counts to the :class:`~gqlevolve.usage_store.recorder.Recorder`. Keeping one inbox entry per distinct key
also keeps the garbage collector's old generation small.

Example: three requests, two of them alike, and one whose count is not a number; one drain counts them:

    >>> from gqlevolve.usage_store.recorder import Recorder
    >>> recorder = Recorder(max_pending=100_000)
    >>> buffer = ObservationBuffer(recorder, clock, max_clients_per_day=1_000)
    >>> for count in (1, 1, "many"):            # add: never raises, and says whether the inbox is full
    ...     buffer.add("/api/v1/graphql", frozenset({"User.name"}), " web ", "1.4", None, count)
    False
    False
    False
    >>> recorder.stats().pending_operations     # nothing counted on the request path
    0
    >>> buffer.drain()                          # the flusher thread, every second
    >>> recorder.stats().pending_operations, buffer.rejected
    (2, 1)
    >>> sorted(recorder.take().totals.items())
    [(('/api/v1/graphql', datetime.date(2026, 11, 21), 'web', '1.4'), 2)]
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable

from gqlevolve.clock import Clock
from gqlevolve.endpoints import check_endpoint_name
from gqlevolve.logs import loggable_text
from gqlevolve.usage_store.clients import (
    CLIENT_NAME_LENGTH,
    CLIENT_VERSION_LENGTH,
    ClientLimiter,
    clean_client_name,
    clean_client_version,
)
from gqlevolve.usage_store.operations import OperationLimiter, OperationSigner, StoredOperation
from gqlevolve.usage_store.recorder import ENFORCEMENT_KINDS, Enforced, Recorder, TotalKey, UsageKey
from gqlevolve.usage_store.signatures import SignatureCache, coordinate_set
from gqlevolve.usage_store.tables import UNKNOWN_CLIENT

__all__ = ["INBOX_DRAIN_SIZE", "AddCounts", "ObservationBuffer", "check_endpoint", "utc_day"]

logger = logging.getLogger("gqlevolve.usage_store")

#: An inbox with this many distinct keys is drained by the request that finds it so (the flusher is behind).
INBOX_DRAIN_SIZE = 50_000

# Cleaned client names and versions kept per raw value (cut to what cleaning reads: at most 64 or 32 characters);
# past this many the cache starts over (clients name themselves, so the raw values are unbounded). Some 3 MB for
# names and 2.5 MB for versions when full.
_NAME_CACHE_SIZE = 10_000

# The inbox's key: the arguments of record_buffered as given (endpoint, coordinates, client name and version, day,
# what was refused or previewed: None for an ordinary operation, and the operation's shape or None).
_InboxKey = tuple[object, object, object, object, object, object, object]

#: Where :meth:`ObservationBuffer.count` hands a validated observation: (total key, usage key or None, coordinates,
#: count, refused or previewed pairs, the operation or None). ``Batch.add`` (written straight through) and the
#: recorder (buffered) take it.
AddCounts = Callable[[TotalKey, "UsageKey | None", frozenset[str], int, Enforced, "StoredOperation | None"], None]


class ObservationBuffer:
    """The inbox of the request path, and the draining that validates and counts what it holds into ``recorder``."""

    def __init__(
        self, recorder: Recorder, clock: Clock, *, max_clients_per_day: int, max_operations_per_day: int | None = None
    ) -> None:
        self.recorder = recorder
        self.clock = clock
        # A count per key, in a one-item list: a request whose key is there already (most of them) costs one
        # lookup and one hash of the key, where ``inbox[key] = inbox.get(key, 0) + count`` costs two of each.
        self._inbox: dict[_InboxKey, list[int]] = {}
        self._inbox_lock = threading.Lock()
        # Observations whose arguments cannot be a dictionary key (a list of coordinates) or whose count is not a
        # positive int: kept aside, validated (and rejected) at draining.
        self._odd_inbox: deque[tuple[_InboxKey, object]] = deque()
        self._clients = ClientLimiter(max_clients_per_day)
        self._signatures = SignatureCache()
        self._operations = OperationSigner()
        self._operation_limiter = (
            OperationLimiter() if max_operations_per_day is None else OperationLimiter(max_operations_per_day)
        )
        self._names: dict[str, str] = {}
        self._versions: dict[str, str] = {}
        #: Operations refused at draining because their arguments were invalid (each one logged).
        self.rejected = 0

    # --- the request path -----------------------------------------------------------------------

    def add(
        self,
        endpoint: object,
        coordinates: object,
        client_name: object,
        client_version: object,
        when: object,
        count: object,
        enforced: object = None,
        operation: object = None,
    ) -> bool:
        """Keep one observation as given (never raises); True when the inbox is full and should be drained now.

        ``operation``: the operation's :class:`~gqlevolve.operation_shape.OperationShape` (every coordinate it
        used, for whole-schema usage; the analysis caches it per document), or None.

        ``enforced``: the (coordinate, kind) pairs the operation had refused or previewed (a frozenset the
        monitor caches), counted apart from usage; None for an ordinary operation.

        The day is taken now (``when``, else today by the clock), not at draining. A client name or version is
        cut to the characters cleaning reads (64 and 32), so that no inbox key keeps a client's long header alive.
        """
        if type(client_name) is str and len(client_name) > CLIENT_NAME_LENGTH:
            client_name = client_name[:CLIENT_NAME_LENGTH]
        if type(client_version) is str and len(client_version) > CLIENT_VERSION_LENGTH:
            client_version = client_version[:CLIENT_VERSION_LENGTH]
        key = (
            endpoint, coordinates, client_name, client_version, self.clock.today() if when is None else _day_of(when),
            enforced, operation,
        )
        try:
            if type(count) is not int or count < 1:
                raise TypeError  # an invalid count is validated (and rejected) with the odd ones
            with self._inbox_lock:
                inbox = self._inbox
                counted = inbox.get(key)
                if counted is None:  # a new key: the only time the inbox grows
                    inbox[key] = [count]
                    return len(inbox) >= INBOX_DRAIN_SIZE
                counted[0] += count
                return False
        except TypeError:  # unhashable arguments, or an invalid count
            self._odd_inbox.append((key, count))
            return False

    # --- off the request path -------------------------------------------------------------------

    def drain(self) -> None:
        """Count what waits in the inbox into the recorder, once per distinct key."""
        with self._inbox_lock:
            inbox, self._inbox = self._inbox, {}
        # Requests change a count only under the lock, in the inbox now current: these counts are final.
        observations: list[tuple[_InboxKey, object]] = [(key, counted[0]) for key, counted in inbox.items()]
        while self._odd_inbox:
            try:
                observations.append(self._odd_inbox.popleft())
            except IndexError:  # another thread drained it meanwhile
                break
        for (endpoint, coordinates, name, version, when, enforced, operation), count in observations:
            try:
                self.count(
                    self._add_to_recorder, endpoint, coordinates, name, version, when, count, enforced,  # type: ignore[arg-type]
                    operation,
                )
            except Exception as error:  # bad arguments: the request that sent them did not fail for it
                valid_count = isinstance(count, int) and not isinstance(count, bool) and count > 0
                with self.recorder.lock:
                    self.rejected += count if valid_count else 1  # type: ignore[operator]
                logger.warning("usage not recorded: %s", loggable_text(str(error), limit=500))

    def _add_to_recorder(
        self,
        total_key: TotalKey,
        usage_key: UsageKey | None,
        coordinates: frozenset[str],
        count: int,
        enforced: Enforced = frozenset(),
        operation: StoredOperation | None = None,
    ) -> None:
        endpoint, day, name, version = total_key
        signature = None if usage_key is None else usage_key[4]
        self.recorder.add(endpoint, day, name, version, signature, coordinates, count, enforced, operation)

    def count(
        self,
        add: AddCounts,
        endpoint: str,
        coordinates: Iterable[str],
        client_name: object,
        client_version: object,
        when: dt.date | dt.datetime | None,
        count: int,
        enforced: object = None,
        operation: object = None,
    ) -> None:
        """Validate and normalise one observation, then hand its keys to ``add`` (under the recorder's lock).

        ``operation``: an :class:`~gqlevolve.operation_shape.OperationShape` or None; checked and signed once per
        distinct shape, then admitted under the daily cap on distinct operations (:mod:`.operations`).

        Raises ``ValueError`` (or ``TypeError``) for invalid arguments: ``record_operation`` lets it through,
        :meth:`drain` logs and counts it as rejected.
        """
        check_endpoint(endpoint)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be a positive whole number, not {count!r}")
        coordinates = coordinate_set(coordinates)
        refused = _enforced(enforced, endpoint)
        signature = self._signatures.signature_of(coordinates) if coordinates else None
        stored = None if operation is None else self._operations.stored(operation, coordinates)
        day = self.clock.today() if when is None else utc_day(when)
        name = _cleaned(self._names, client_name, clean_client_name, CLIENT_NAME_LENGTH)
        version = _cleaned(self._versions, client_version, clean_client_version, CLIENT_VERSION_LENGTH)
        with self.recorder.lock:  # the client and operation caps decide and count atomically
            name, version = self._clients.admit(endpoint, day, name, version)
            if stored is not None:
                stored = self._operation_limiter.admit(endpoint, day, stored)
            total_key = (endpoint, day, name, version)
            add(total_key, None if signature is None else (*total_key, signature), coordinates, count, refused, stored)


def _enforced(enforced: object, endpoint: str) -> Enforced:
    """The refused or previewed (coordinate, kind) pairs, checked; ``ValueError`` for anything else. The coordinate
    is a schema coordinate, or the endpoint itself for a whole version."""
    if enforced is None:
        return frozenset()
    if not isinstance(enforced, frozenset | set | tuple | list):
        raise ValueError(f"enforced must be (coordinate, kind) pairs, not {enforced!r}")
    pairs = []
    for pair in enforced:
        if not (isinstance(pair, tuple) and len(pair) == 2 and pair[1] in ENFORCEMENT_KINDS):
            raise ValueError(f"enforced: {pair!r} is not a (coordinate, kind) pair; kinds: {', '.join(ENFORCEMENT_KINDS)}")
        if pair[0] != endpoint:
            coordinate_set([pair[0]])  # raises for a malformed coordinate
        pairs.append((pair[0], pair[1]))
    return frozenset(pairs)


def check_endpoint(endpoint: object) -> None:
    """Raise ``ValueError`` unless ``endpoint`` can be stored (a non-empty string that fits its column):
    :func:`gqlevolve.endpoints.check_endpoint_name`, an ``InvalidInput``."""
    check_endpoint_name(endpoint)


def utc_day(when: dt.date | dt.datetime) -> dt.date:
    """The UTC day of ``when`` (a naive datetime is taken as UTC); ``ValueError`` for anything else."""
    if isinstance(when, dt.datetime):
        return when.astimezone(dt.UTC).date() if when.tzinfo else when.date()
    if isinstance(when, dt.date):
        return when
    raise ValueError(f"when must be a date or a datetime, not {when!r}")


def _day_of(when: object) -> object:
    """``when``'s UTC day for the inbox key (so that datetimes of one day share a key); never raises."""
    if type(when) is dt.date:
        return when
    try:
        return utc_day(when)  # type: ignore[arg-type]
    except Exception:  # invalid: kept as given, and rejected when the inbox is drained
        return when


def _cleaned(cache: dict[str, str], value: object, clean: Callable[[object], str], length: int) -> str:
    """``clean(value)``, cached by the string cut to the ``length`` characters ``clean`` reads; None is the unknown
    client. Anything but a string (a caller's mistake) is cleaned each time, never cached: it could be any size."""
    if value is None:
        return UNKNOWN_CLIENT
    if type(value) is not str:
        return clean(value)
    value = value[:length]
    try:
        return cache[value]
    except KeyError:
        if len(cache) >= _NAME_CACHE_SIZE:
            cache.clear()
        cleaned = cache[value] = clean(value)
        return cleaned
