"""What the schema has that nobody uses: ``gqlevolve unused --days N``.

Every coordinate of the endpoint's schema (types, fields, arguments, input fields, enum values, directive
arguments) is judged over the ``days`` ending with ``as_of`` (included, as every report's window):

- **used**: at least one operation used it in the window (counted, not listed);
- **unused**: no use in the window, and it was in the schema on the window's first day or before (its ``since``,
  or, when the schema does not say, the first day it was ever used): listed with its first and last day ever
  seen, or as never seen;
- **too new to tell**: no use, but younger than the window (or of unknown age: in a schema given for review that
  the endpoint has not registered yet): listed apart with its ``since``, never called unused;
- **kept**: matched by the allow-list (``keep``: coordinates or ``fnmatch`` patterns such as ``User.legacy*`` or
  ``Query.*``, case-sensitive as GraphQL names are): listed as kept, with the pattern, not as unused. Patterns that
  match nothing in the schema are listed too, so that an allow-list does not rot.

The schema is the one the endpoint registered (:mod:`gqlevolve.usage_store.schema_registry`: the monitor
registers it when it starts), or one given (``schema=``: Strawberry, graphql-core or SDL; the command line's
``--schema FILE|URL``, for CI: a coordinate it adds is too new to tell). The GraphQL spec's own scalars
(``String``, ``Int``, ``Float``, ``Boolean``, ``ID``) are left out: no schema can remove them.

Example (``clock`` is pinned to 2026-11-21; the schema was registered 10 days ago, ``Query.beta`` yesterday):

    >>> from datetime import date
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> v1 = "/api/v1/graphql"
    >>> _ = store.register_schema(v1, "type Query { a: Int, old: Int, legacyB: Int }", today=date(2026, 11, 11))
    >>> _ = store.register_schema(v1, "type Query { a: Int, old: Int, legacyB: Int, beta: Int }", today=date(2026, 11, 20))
    >>> a, old = (OperationShape("query", None, c[0] * 32, frozenset({"Query", f"Query.{c}"})) for c in ("a", "old"))
    >>> store.record_operation(v1, (), operation=old, when=date(2026, 11, 12))
    >>> store.record_operation(v1, (), operation=a)
    >>> report = unused_elements(store, "v1", days=7, keep=["Query.legacy*"])
    >>> [(e.coordinate, e.first_seen, e.last_seen) for e in report.unused]
    [('Query.old', datetime.date(2026, 11, 12), datetime.date(2026, 11, 12))]
    >>> [(e.coordinate, e.since) for e in report.too_new], [(e.coordinate, e.pattern) for e in report.kept]
    ([('Query.beta', datetime.date(2026, 11, 20))], [('Query.legacyB', 'Query.legacy*')])
    >>> report.checked, report.used
    (5, 2)
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from gqlevolve.coordinates import COORDINATE_LENGTH, InvalidCoordinate, parse_coordinate, schema_coordinates
from gqlevolve.endpoints import resolve_endpoint
from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.jsonable import json_quote
from gqlevolve.reports._common import check_days, reading, report_window
from gqlevolve.reports.coordinate_usage import known_endpoints
from gqlevolve.usage_store.operation_reads import coordinates_seen, used_coordinates
from gqlevolve.usage_store.schema_registry import current_coordinates

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = [
    "MAX_KEEP_PATTERNS",
    "SPECIFIED_SCALARS",
    "KeptElement",
    "NewElement",
    "UnusedElement",
    "UnusedReport",
    "check_keep",
    "read_keep_list",
    "unused_elements",
]

#: The spec's scalars: every schema has them (``Boolean`` for ``@include``), none can be removed.
SPECIFIED_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
#: The most patterns an allow-list may hold (each is tried against every coordinate of the schema).
MAX_KEEP_PATTERNS = 1000

# A coordinate's characters and fnmatch's (*, ?, [seq], [!seq]): anything else cannot match a coordinate.
_PATTERN = re.compile(r"[A-Za-z0-9_.():@*?\[\]!-]+")
_GLOB = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class UnusedElement:
    """No use in the window though in the schema since ``since`` (None: not known); first and last day ever used
    on the endpoint (both None: never seen)."""

    coordinate: str
    since: dt.date | None
    first_seen: dt.date | None
    last_seen: dt.date | None

    @property
    def never_seen(self) -> bool:
        return self.first_seen is None


@dataclass(frozen=True, slots=True)
class NewElement:
    """No use in the window, but younger than it: ``since`` (None: not in the schema the endpoint registered)."""

    coordinate: str
    since: dt.date | None


@dataclass(frozen=True, slots=True)
class KeptElement:
    """No use in the window, kept on purpose: the allow-list's ``pattern`` that matched it."""

    coordinate: str
    pattern: str
    last_seen: dt.date | None


@dataclass(frozen=True, slots=True)
class UnusedReport:
    endpoint: str
    #: ``registered`` (the endpoint's registered schema) or ``given`` (a schema passed in).
    schema: str
    first_day: dt.date
    last_day: dt.date
    days: int
    #: Coordinates judged (the spec's scalars left out), and those used in the window.
    checked: int
    used: int
    unused: list[UnusedElement]
    too_new: list[NewElement]
    kept: list[KeptElement]
    #: Allow-list patterns that match no coordinate of the schema.
    unmatched_keep: list[str]


def check_keep(patterns: Iterable[object], *, name: str = "keep") -> list[str]:
    """The allow-list's patterns, checked: each a schema coordinate, or an ``fnmatch`` pattern of coordinate
    characters; an ``InvalidInput`` (field ``keep``) naming ``name`` and the pattern otherwise."""
    checked: list[str] = []
    for pattern in patterns:
        if len(checked) >= MAX_KEEP_PATTERNS:
            raise InvalidInput(f"{name}: at most {MAX_KEEP_PATTERNS} patterns", field="keep")
        if not isinstance(pattern, str) or not pattern.strip():
            raise InvalidInput(f"{name}: expected a coordinate or a pattern, not {json_quote(pattern)}", field="keep")
        text = pattern.strip()
        if _GLOB.isdisjoint(text):
            try:
                parse_coordinate(text)
            except InvalidCoordinate as error:
                raise InvalidInput(f"{name}: {error}", field="keep") from None
        elif len(text) > COORDINATE_LENGTH or not _PATTERN.fullmatch(text):
            raise InvalidInput(
                f"{name}: {json_quote(text)} is not a coordinate pattern: coordinate characters and * ? [ ] only, "
                f"at most {COORDINATE_LENGTH}",
                field="keep",
            )
        checked.append(text)
    return checked


def read_keep_list(text: str, *, source: str = "keep list") -> list[str]:
    """The patterns of an allow-list file: one a line, ``#`` starts a comment, blank lines skipped; an error
    names ``source`` and the line.

    >>> read_keep_list("# kept for the partner API\\nUser.legacy*   # until 2027\\n\\nQuery.*\\n")
    ['User.legacy*', 'Query.*']
    >>> read_keep_list("User.name\\nUser name\\n", source="keep.txt")
    Traceback (most recent call last):
    gqlevolve.errors.InvalidInput: keep.txt line 2: "User name" is not a schema coordinate: expected Type, Type.field, Type.field(argument:), Enum.VALUE, Input.field, @directive or @directive(argument:)
    """
    patterns: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        pattern = line.split("#", 1)[0].strip()
        if pattern:
            patterns += check_keep([pattern], name=f"{source} line {number}")
    return check_keep(patterns, name=source)  # the count


def _keep_matches(patterns: list[str], coordinates: list[str]) -> tuple[dict[str, str], set[str]]:
    """(coordinate -> the first pattern that keeps it, the patterns that match something) over the sorted
    ``coordinates``: a pattern is tried only on the coordinates that start with its literal prefix (found by
    bisection), so ``User.legacy*`` looks at ``User.*`` alone, not at the whole schema."""
    kept: dict[str, str] = {}
    matched: set[str] = set()
    for pattern in patterns:
        cut = min((pattern.index(c) for c in _GLOB if c in pattern), default=len(pattern))
        prefix = pattern[:cut]
        start = bisect_left(coordinates, prefix)
        for coordinate in coordinates[start:]:
            if not coordinate.startswith(prefix):
                break
            if coordinate == pattern or (cut < len(pattern) and fnmatchcase(coordinate, pattern)):
                matched.add(pattern)
                kept.setdefault(coordinate, pattern)
    return kept, matched


def unused_elements(
    store: UsageStore,
    endpoint: str | None,
    days: int,
    *,
    keep: Iterable[str] = (),
    schema: Any = None,
    as_of: dt.date | None = None,
) -> UnusedReport:
    """The coordinates of ``endpoint``'s schema (registered, or ``schema``) unused in the ``days`` ending with
    ``as_of`` (default today, included), those too new to tell, and those ``keep`` keeps. Read in one transaction.

    A :class:`~gqlevolve.errors.NotFound` when no ``schema`` is given and the endpoint registered none."""
    check_days(days)
    patterns = check_keep(keep)
    given = None if schema is None else schema_coordinates(schema, types=True)
    with reading(store) as connection:
        name = resolve_endpoint(endpoint, known_endpoints(connection))
        as_of, first_day, last_day = report_window(store, as_of, days)
        registered = current_coordinates(connection, name)
        if given is None and not registered:
            raise NotFound(
                f"{name} registered no schema (the monitor registers it when it starts: UsageStore.register_schema); "
                "give one to measure against (--schema FILE|URL)",
                field="endpoint",
            )
        # Which were used in the window, not how much: one index probe per coordinate, not a sum of the window.
        in_window = used_coordinates(connection, name, first_day, last_day)
        seen = coordinates_seen(connection, name)
    coordinates = sorted((registered.keys() if given is None else given) - SPECIFIED_SCALARS)
    kept_by, matched = _keep_matches(patterns, coordinates)
    unused: list[UnusedElement] = []
    too_new: list[NewElement] = []
    kept: list[KeptElement] = []
    used = 0
    for coordinate in coordinates:
        if coordinate in in_window:
            used += 1
            continue
        since = registered.get(coordinate)
        first_seen, last_seen = seen.get(coordinate, (None, None))
        pattern = kept_by.get(coordinate)
        # How long it has been in the schema: its registered since; else its first use (it existed then).
        existed = since if since is not None else first_seen
        if pattern is not None:
            kept.append(KeptElement(coordinate, pattern, last_seen))
        elif existed is None or existed > first_day:
            too_new.append(NewElement(coordinate, since))
        else:
            unused.append(UnusedElement(coordinate, since, first_seen, last_seen))
    return UnusedReport(
        name, "registered" if given is None else "given", first_day, last_day, days, len(coordinates), used,
        unused, too_new, kept, [pattern for pattern in patterns if pattern not in matched],
    )
