"""The removal advisor: may a deprecated coordinate be removed today, and if not, why and when?

The rule (``docs/advisor.md``): a deprecated coordinate may be removed from an endpoint on day D when, on each
of the ``window_days`` complete UTC days before D, the operations that referenced it were strictly under
``threshold`` of all operations on that endpoint; when each of those days is covered by data; and when it was
deprecated at least ``min_deprecated_days`` before D. Excluded clients leave numerator and denominator alike.

A coordinate that is not deprecated gets a *candidate* verdict instead (:mod:`~gqlevolve.advisor.candidates`):
the same window and thresholds over whole-schema usage, the operations and clients that used it named, never
``removable``; ``candidate`` says whether its usage would allow deprecating and then removing it.

The advisor is the rule (:mod:`~gqlevolve.advisor.verdict`, :mod:`~gqlevolve.advisor.policy`); what it judges
is read by :mod:`gqlevolve.usage_store.evidence`, in one read-only transaction. :func:`advise` opens that
transaction; :func:`advise_records` judges on a connection the caller already holds (the deprecation report).

Example: ``User.name`` used on three days by a load test only, judged with a 0.1% threshold and a 3-day window
(``clock`` is pinned to 2026-11-21):

    >>> from datetime import date
    >>> from gqlevolve import Deprecation, RemovalPolicy, UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> v1 = "/api/v1/graphql"
    >>> _ = store.register_deprecations(v1, [Deprecation("User.name", deprecated_on=date(2026, 6, 1))])
    >>> for day in (date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)):
    ...     store.record_operation(v1, set(), client_name="web", when=day, count=995)
    ...     store.record_operation(v1, {"User.name"}, client_name="load-test", when=day, count=5)
    >>> policy = RemovalPolicy(threshold=0.001, window_days=3, min_deprecated_days=30)
    >>> verdict = advise(store, v1, policy=policy)[0]       # every deprecated coordinate of the endpoint
    >>> verdict.coordinate, verdict.removable, verdict.reasons
    ('User.name', False, ['usage was 0.50% on 2026-11-20, above 0.1%',
     'usage was at or above 0.1% on 3 of the 3 days from 2026-11-18 to 2026-11-20 (the last on 2026-11-20)'])
    >>> without_load_test = RemovalPolicy(threshold=0.001, window_days=3, exclude_clients=("load-test",))
    >>> advise(store, "v1", "User.name", policy=without_load_test)[0].removable      # one coordinate: a list of one
    True
    >>> [candidate] = advise(store, v1, "User.email", policy=policy)   # not deprecated: a candidate verdict
    >>> candidate.deprecated, candidate.candidate, candidate.reasons[1]
    (False, False, 'no whole-schema usage recorded in the window (from 2026-11-18 to 2026-11-20) on /api/v1/graphql: \
its operations were counted without their shape (recorded before whole-schema usage, or by an adapter that passes \
none), so usage cannot show that nothing uses it')
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from gqlevolve.advisor.candidates import UsageRule, advise_candidates
from gqlevolve.advisor.policy import RemovalPolicy, ZeroTrafficDays
from gqlevolve.advisor.verdict import Verdict, judge, window_bounds, window_of
from gqlevolve.coordinates import parse_coordinate
from gqlevolve.endpoints import UnknownEndpoint, resolve_endpoint
from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote
from gqlevolve.lifecycle import FIRST_TYPED_DAY
from gqlevolve.usage_store import reads
from gqlevolve.usage_store.deprecations import list_deprecations
from gqlevolve.usage_store.evidence import Evidence, gather

if TYPE_CHECKING:
    from gqlevolve.lifecycle import Deprecation
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.breakage_reads import WholeSchemaDays
    from gqlevolve.usage_store.reads import Connection

__all__ = [
    "ClientEvidence",
    "RemovalPolicy",
    "UnknownEndpoint",
    "UsageRule",
    "Verdict",
    "ZeroTrafficDays",
    "advise",
    "advise_candidates",
    "advise_records",
    "check_as_of",
    "check_coordinate",
    "window_bounds",
]

#: The name this record had when the advisor read its own evidence: :class:`gqlevolve.usage_store.ClientUsage`.
ClientEvidence = reads.ClientUsage


def check_as_of(as_of: dt.date | None, *, today: dt.date) -> dt.date:
    """``as_of`` as a date (default: ``today``); a day after ``today``, or before 1970-01-01
    (:data:`~gqlevolve.lifecycle.FIRST_TYPED_DAY`: no usage was recorded before, and a window must not reach before
    the first date there is), is refused."""
    if as_of is None:
        return today
    if isinstance(as_of, dt.datetime):
        as_of = as_of.astimezone(dt.UTC).date() if as_of.tzinfo else as_of.date()
    if not isinstance(as_of, dt.date):
        raise InvalidInput(f"as_of must be a date, not {json_quote(as_of)}", field="as_of")
    if as_of < FIRST_TYPED_DAY:
        raise InvalidInput(
            f"as_of {as_of.isoformat()} is before {FIRST_TYPED_DAY.isoformat()}: a date from "
            f"{FIRST_TYPED_DAY.isoformat()} to today",
            field="as_of",
        )
    if as_of > today:
        raise InvalidInput(
            f"as_of {as_of.isoformat()} is in the future (today is {today.isoformat()}, UTC): "
            "the rule judges a day by the complete days before it",
            field="as_of",
        )
    return as_of


def check_coordinate(coordinate: str, *, element: bool = False) -> str:
    """``coordinate`` if :func:`gqlevolve.coordinates.parse_coordinate` accepts it (the GraphQL spec's syntax, no
    longer than the store keeps); ``element=True`` also refuses a type or a directive alone. Otherwise
    :class:`~gqlevolve.coordinates.InvalidCoordinate` (an ``InvalidInput``, a ``ValueError``) says what is wrong."""
    parse_coordinate(coordinate, element=element)
    return coordinate


def advise(
    store: UsageStore,
    endpoint: str | None,
    coordinate: str | None = None,
    *,
    as_of: dt.date | None = None,
    policy: RemovalPolicy | None = None,
    days_of: Callable[[Connection, str], WholeSchemaDays] | None = None,
) -> list[Verdict]:
    """Verdicts for every deprecated coordinate of ``endpoint`` (sorted by coordinate), or for the one asked for.

    Always a list, so callers handle one and all alike: ``advise(store, "v1", "User.name")[0]``.

    ``endpoint`` is a canonical path (``/api/v1/graphql``) or a version (``v1``); None picks the store's only
    endpoint. ``as_of`` is the day judged (default: today by the store's clock). A coordinate without a deprecation record
    gets a candidate verdict (:func:`~gqlevolve.advisor.candidates.advise_candidates`: never removable, its
    whole-schema usage judged by the same window and thresholds), not an exception. An unknown endpoint raises
    :class:`UnknownEndpoint`; a future ``as_of`` or a malformed coordinate, ``ValueError``.

    ``days_of(connection, endpoint)``: the window's whole-schema days for a candidate verdict, from a caller that
    already read them for the same window and excluded clients (``gqlevolve check --db`` judges several removals of
    one endpoint, each in its own call: 0.1 to 0.2 s saved per call on a GitHub-sized store); read here when None.
    """
    policy = policy or RemovalPolicy()
    as_of = check_as_of(as_of, today=store.clock.today())
    if coordinate is not None:
        check_coordinate(coordinate)
    with store.reading() as connection:  # one transaction: the endpoints, the records and the evidence agree
        endpoint = resolve_endpoint(endpoint, reads.endpoints(connection))
        records = [stored.record for stored in list_deprecations(connection, endpoint)]
        if coordinate is not None:
            records = [record for record in records if record.coordinate == coordinate]
            if not records:
                days = None if days_of is None else days_of(connection, endpoint)
                return advise_candidates(connection, endpoint, [coordinate], as_of=as_of, policy=policy, days=days)
        return advise_records(connection, endpoint, records, as_of=as_of, policy=policy)


def advise_records(
    connection: Connection,
    endpoint: str,
    records: Sequence[Deprecation],
    *,
    as_of: dt.date,
    policy: RemovalPolicy,
    clients: bool = True,
    evidence: Evidence | None = None,
) -> list[Verdict]:
    """Verdicts for ``records`` (deprecation records of ``endpoint``) on ``as_of``, sorted by coordinate.

    The connection-level :func:`advise`, for a caller that reads more in the same transaction: ``endpoint`` is
    canonical and ``as_of`` checked already (:func:`check_as_of`). The evidence is read on ``connection``
    (:func:`window_bounds`: :func:`gqlevolve.usage_store.evidence.gather` over the ``window_days`` days before
    ``as_of``, without the policy's excluded clients). ``clients=False`` judges alike but leaves each verdict's
    ``clients`` empty (the per-client sums are the costliest read; the deprecation report lists the last 30 days'
    clients instead). ``evidence``: that read, made by a caller that uses it too (the deprecation report takes
    most of its own 30 days from it instead of reading them again); read here when None.
    """
    by_coordinate = {record.coordinate: record for record in records}
    coordinates = sorted(by_coordinate)
    first_day, last_day = window_bounds(as_of, policy)
    if evidence is None:
        evidence = gather(
            connection, endpoint, coordinates, first_day, last_day, exclude=policy.exclude_clients, clients=clients
        )
    refused = _refused(connection, endpoint, first_day, last_day, policy)
    window = window_of(as_of, policy, evidence.totals)  # the days sorted once, each coordinate's counts read against them
    verdicts = [
        judge(
            endpoint,
            by_coordinate[name],
            as_of=as_of,
            policy=policy,
            totals=evidence.totals,
            used=evidence.used.get(name, {}),
            clients=evidence.clients.get(name, ()),
            last_used=evidence.last_used.get(name),
            window=window,
        )
        for name in coordinates
    ]
    return [_with_refused(verdict, refused.get(verdict.coordinate)) for verdict in verdicts]


def _refused(
    connection: Connection, endpoint: str, first_day: dt.date, last_day: dt.date, policy: RemovalPolicy
) -> dict[str, dict[str, int]]:
    """Refused and preview operations per coordinate and kind in the window (the policy's excluded clients left out)."""
    refused: dict[str, dict[str, int]] = {}
    excluded = set(policy.exclude_clients)
    for count in reads.enforcement_counts(connection, endpoint, since=first_day, until=last_day):
        if (count.name or "") in excluded:
            continue
        kinds = refused.setdefault(count.coordinate, {})
        kinds[count.kind] = kinds.get(count.kind, 0) + count.operations
    return refused


_KIND_WORDS = {
    "no_new_adopters": "refused to new adopters",
    "brownout": "refused in brownouts",
    "preview": "preview requests (GraphQL-Deprecations: reject)",
}


def _with_refused(verdict: Verdict, refused: dict[str, int] | None) -> Verdict:
    """The verdict with what was refused or previewed: said in its reasons, never counted as use."""
    if not refused:
        return verdict
    said = ", ".join(f"{count} {_KIND_WORDS.get(kind, kind)}" for kind, count in sorted(refused.items()))
    reasons = [*verdict.reasons, f"not counted as use: {said}"]
    return replace(verdict, refused=dict(refused), reasons=reasons)
