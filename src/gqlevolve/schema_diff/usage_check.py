"""Usage-aware checks of breaking changes: which operations a change would break, and whether any were seen.

``gqlevolve check --db`` asks this module about every breaking change on a ``vN`` endpoint that is not the
removal of a deprecated element (those go to the removal advisor, as before). :func:`breakage_of` says which
operations a change breaks, by the coordinates that whole-schema usage records for each operation
(:mod:`gqlevolve.operation_shape`): an operation breaks when it uses every coordinate of ``requires`` and not
``lacks``. :class:`BreakageCheck` reads those operations' usage in the window and judges it by a
:class:`~gqlevolve.advisor.candidates.UsageRule` (by default: not one operation in 90 days, every day covered).

=================================================  ==========================================================
change                                             operations it breaks
=================================================  ==========================================================
type removed, or its kind changed                  those that use the type (``User``)
field removed, or its type changed (not stricter)  those that select it (``User.name``)
argument removed, or its type changed              those that pass it (``Query.users(first:)``)
optional argument made required                    those that select the field without passing it
required argument added                            those that select the field
input field removed / type changed / made          those that send it / send it / send the input type
required / added required, input made @oneOf       without it / send the input type / send the input type
enum value removed                                 those that send it (``Role.GUEST``)
union member removed, interface implementation     those that use both the union and the member (both the
removed                                            type and the interface)
directive argument removed or its type changed     those that pass it (``@cached(ttl:)``)
=================================================  ==========================================================

Other breaking changes (a root type, a directive's definition or locations) cannot be decided by usage: the
store does not record them per operation, and the change stays breaking, saying so.

    >>> from gqlevolve.schema_diff import diff_schemas
    >>> from gqlevolve.schema_diff.sources import load_schema
    >>> new_sdl = "type Query { users(first: Int!): [String] }"
    >>> [change] = diff_schemas("type Query { users(first: Int): [String] }", new_sdl)
    >>> breakage = breakage_of(change, load_schema(new_sdl))
    >>> breakage.requires, breakage.lacks, breakage.description
    (('Query.users',), 'Query.users(first:)', 'operations that select Query.users without passing first')

Judged against a store (``clock`` pinned to 2026-11-21): every operation that selects ``Query.users`` passes
``first``, on each of the 3 days of the window:

    >>> from datetime import timedelta
    >>> from gqlevolve.advisor.candidates import UsageRule
    >>> from gqlevolve.operation_shape import OperationShape
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> users = OperationShape("query", "Users", "aa" * 16, frozenset({"Query", "Query.users", "Query.users(first:)"}))
    >>> for days_ago in (1, 2, 3):
    ...     store.record_operation("/api/v1/graphql", (), client_name="web", operation=users, count=10,
    ...                            when=clock.today() - timedelta(days=days_ago))
    >>> check = BreakageCheck(store, rule=UsageRule(window_days=3))
    >>> evidence = check("/api/v1/graphql", change, load_schema(new_sdl))
    >>> evidence["approved"], evidence["reasons"]
    (True, ['0 operations that select Query.users without passing first from 2026-11-18 to 2026-11-20, \
every day covered (30 operations on /api/v1/graphql)', "not visible to usage: an operation that passes it through a \
nullable variable ($x: Int) also fails validation once it is required; the store records that a value was passed, \
not the variable's type"])
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gqlevolve.coordinates import parse_coordinate
from gqlevolve.jsonable import to_jsonable
from gqlevolve.schema_diff.changes import Change, ChangeKind
from gqlevolve.schema_diff.model import InputValue, SchemaModel

if TYPE_CHECKING:
    from gqlevolve.advisor.candidates import UsageRule
    from gqlevolve.usage_store import UsageStore
    from gqlevolve.usage_store.breakage_reads import WholeSchemaDays, WindowUsage
    from gqlevolve.usage_store.operation_reads import OperationUse

__all__ = ["OPERATIONS_SHOWN", "Breakage", "BreakageCheck", "breakage_of", "usage_checker"]

#: Operations named in a change's message and JSON before "and N more".
OPERATIONS_SHOWN = 5
_CLIENTS_SHOWN = 5

# Why usage cannot decide a kind of change (the store records no such thing per operation).
_UNDECIDABLE = {
    ChangeKind.SCHEMA_ROOT_TYPE_CHANGED: "the store does not record which root type an operation reached",
    ChangeKind.DIRECTIVE_REMOVED: "the store records a directive's arguments per operation, not the directive itself",
    ChangeKind.DIRECTIVE_LOCATION_REMOVED: "the store does not record where an operation applies a directive",
    ChangeKind.DIRECTIVE_REPEATABLE_REMOVED: "the store does not record how often an operation repeats a directive",
    ChangeKind.DIRECTIVE_ARG_ADDED: "the store records a directive's arguments per operation, not the directive itself",
}


@dataclass(frozen=True, slots=True)
class Breakage:
    """The operations a change breaks: those that use every coordinate of ``requires`` and not ``lacks``."""

    requires: tuple[str, ...]
    description: str
    lacks: str | None = None
    #: What usage cannot see (said with the evidence, approved or not).
    caveat: str | None = None


def _input_value(model: SchemaModel, coordinate: str) -> InputValue | None:
    """The argument (``T.f(a:)``) or input field (``I.x``) at ``coordinate`` in ``model`` (None when absent)."""
    parsed = parse_coordinate(coordinate)
    named = model.types.get(parsed.type_name)
    if named is None or parsed.member is None:
        return None
    if parsed.argument is not None:
        owner = named.fields.get(parsed.member)
        return None if owner is None else owner.args.get(parsed.argument)
    return named.input_fields.get(parsed.member)


def _made_required(change: Change, new: SchemaModel) -> bool:
    """An optional argument or input field that became required (non-null, no default), its named type unchanged."""
    value = _input_value(new, change.coordinate)
    old, new_type = str(change.old or ""), str(change.new or "")
    required = value is not None and value.type.endswith("!") and value.default is None
    return required and not old.endswith("!") and new_type == old + "!"


_VARIABLE_CAVEAT = (
    "an operation that passes it through a nullable variable ($x: {type}) also fails validation once it is "
    "required; the store records that a value was passed, not the variable's type"
)


def breakage_of(change: Change, new: SchemaModel) -> Breakage | str:
    """What ``change`` (breaking) breaks, or why usage cannot decide it; ``new`` is the schema after the change."""
    kind, coordinate = change.kind, change.coordinate
    if kind in (ChangeKind.TYPE_REMOVED, ChangeKind.TYPE_KIND_CHANGED):
        return Breakage((coordinate,), f"operations that use {coordinate}")
    if kind in (ChangeKind.FIELD_REMOVED, ChangeKind.FIELD_TYPE_CHANGED):
        return Breakage((coordinate,), f"operations that select {coordinate}")
    if kind in (ChangeKind.ENUM_VALUE_REMOVED, ChangeKind.INPUT_FIELD_REMOVED):
        return Breakage((coordinate,), f"operations that send {coordinate}")
    if kind in (ChangeKind.ARG_REMOVED, ChangeKind.DIRECTIVE_ARG_REMOVED, ChangeKind.DIRECTIVE_ARG_TYPE_CHANGED):
        return Breakage((coordinate,), f"operations that pass {coordinate}")
    if kind is ChangeKind.UNION_MEMBER_REMOVED or kind is ChangeKind.INTERFACE_IMPLEMENTATION_REMOVED:
        return Breakage((coordinate, str(change.old)), f"operations that use both {coordinate} and {change.old}")
    if kind is ChangeKind.INPUT_ONE_OF_ADDED:
        return Breakage((coordinate,), f"operations that send {coordinate} (one of them may set two fields)")
    parsed = parse_coordinate(coordinate)
    if kind is ChangeKind.ARG_ADDED:
        field_coordinate = f"{parsed.type_name}.{parsed.member}"
        return Breakage((field_coordinate,), f"operations that select {field_coordinate} (none passes the new argument)")
    if kind is ChangeKind.INPUT_FIELD_ADDED:
        return Breakage((parsed.type_name,), f"operations that send {parsed.type_name} (none sends the new field)")
    if kind in (ChangeKind.ARG_TYPE_CHANGED, ChangeKind.INPUT_FIELD_TYPE_CHANGED):
        argument = kind is ChangeKind.ARG_TYPE_CHANGED
        owner = f"{parsed.type_name}.{parsed.member}" if argument else parsed.type_name
        name = parsed.argument if argument else parsed.member
        if _made_required(change, new):
            verb, noun = ("select", "passing") if argument else ("send", "setting")
            return Breakage(
                (owner,), f"operations that {verb} {owner} without {noun} {name}", lacks=coordinate,
                caveat=_VARIABLE_CAVEAT.format(type=change.old),
            )
        value = _input_value(new, coordinate)
        if value is not None and value.type.endswith("!") and value.default is None and not str(change.old).endswith("!"):
            # Required now and of another type: every operation that reaches the owner breaks, passing it or not.
            return Breakage((owner,), f"operations that {'select' if argument else 'send'} {owner}")
        return Breakage((coordinate,), f"operations that {'pass' if argument else 'send'} {coordinate}")
    return _UNDECIDABLE.get(kind, f"usage cannot decide a {kind.value} change")


def _daily_counts(
    connection: Any, endpoint: str, breakage: Breakage, first: dt.date, last: dt.date, exclude: Sequence[str]
) -> tuple[dict[dt.date, int], set[str]]:
    """Operations per day that match ``breakage``, and the signatures of the named ones.

    One coordinate: ``coordinate_usage`` (every operation, those past the cap too); with ``lacks``, minus the
    operations that use it (every one of them uses the required coordinate too: an argument is passed to a field it
    selects, an input field set in a value of its type). Several: the named operations that use all of them, plus,
    for the operations past the cap (no coordinates of their own), the fewest unexplained by named operations of
    any one coordinate: an upper bound.
    """
    from gqlevolve.usage_store.breakage_reads import coordinate_day_counts, named_day_counts, signatures_using

    wanted = [*breakage.requires, *([breakage.lacks] if breakage.lacks else [])]
    counts = coordinate_day_counts(connection, endpoint, wanted, first, last, exclude=exclude)
    per_coordinate = {coordinate: signatures_using(connection, [coordinate]) for coordinate in wanted}
    signatures = set.intersection(*(per_coordinate[coordinate] for coordinate in breakage.requires))
    if breakage.lacks:
        signatures -= per_coordinate[breakage.lacks]
    if len(breakage.requires) == 1:
        used = dict(counts[breakage.requires[0]])
        for day, count in counts.get(breakage.lacks, {}).items() if breakage.lacks else ():
            used[day] = used.get(day, 0) - count
        return {day: count for day, count in used.items() if count > 0}, signatures
    used = named_day_counts(connection, endpoint, signatures, first, last, exclude=exclude)
    unexplained: dict[dt.date, int] | None = None
    for coordinate in breakage.requires:
        named = named_day_counts(connection, endpoint, per_coordinate[coordinate], first, last, exclude=exclude)
        left = {day: count - named.get(day, 0) for day, count in counts[coordinate].items()}
        unexplained = left if unexplained is None else {
            day: min(count, left.get(day, 0)) for day, count in unexplained.items()
        }
    for day, count in (unexplained or {}).items():
        if count > 0:
            used[day] = used.get(day, 0) + count
    return used, signatures


def _operation(operation: OperationUse) -> dict[str, Any]:
    return {
        "name": operation.name, "kind": operation.kind, "document_hash": operation.document_hash,
        "signature": operation.signature, "count": operation.count, "last_seen": operation.last_seen.isoformat(),
        "clients": [{"name": name, "version": version} for name, version in operation.clients],
    }


def _operation_text(operation: dict[str, Any]) -> str:
    label = operation["name"] or f"(anonymous {operation['kind'] or 'operation'})"
    digest = operation["document_hash"][:8]
    return f"{label} [{digest}] ×{operation['count']}" if digest else f"{label} ×{operation['count']}"


def _client_text(client: dict[str, Any]) -> str:
    return f"{client['name'] or '(unnamed)'} {client['version'] or ''}".strip()


class BreakageCheck:
    """Judges breaking changes on an endpoint by whole-schema usage: call it with (endpoint, change, new schema)
    for the evidence (a dict; ``approved`` says whether usage approves the change), or None when the store has never
    seen the endpoint. ``as_of``: the day judged (default: today by the store's clock).

    One instance judges the breaking changes of one check, and reads what they share once per endpoint:
    the window's days (:func:`whole_schema_days`, the same for every change of an endpoint: a sum of the window's
    ``operation_usage`` per day; 15 changes read them 15 times: most of a check's time), the endpoints the store
    knows (27 ms a change on PostgreSQL), and each operation's rows of the window with its clients
    (:class:`~gqlevolve.usage_store.breakage_reads.WindowUsage`: the three ``PageInfo`` fields of the benchmark's
    pull request are selected by 936, 817 and 1,069 operations, 1,150 in all, each grouped once instead of up to
    three times)."""

    def __init__(self, store: UsageStore, *, rule: UsageRule, as_of: dt.date | None = None) -> None:
        from gqlevolve.advisor import check_as_of

        self.store = store
        self.rule = rule
        self.as_of = check_as_of(as_of, today=store.clock.today())
        self._days: dict[str, WholeSchemaDays] = {}
        self._usage: dict[str, WindowUsage] = {}
        self._endpoints: frozenset[str] | None = None

    def __call__(self, endpoint: str, change: Change, new: SchemaModel) -> dict[str, Any] | None:
        from gqlevolve.advisor.candidates import judge_usage
        from gqlevolve.usage_store import reads
        from gqlevolve.usage_store.breakage_reads import WindowUsage

        rule = self.rule
        first = self.as_of - dt.timedelta(days=rule.window_days)
        last = self.as_of - dt.timedelta(days=1)
        evidence: dict[str, Any] = {
            "endpoint": endpoint, "approved": False, "title": "Approved by usage",
            "rule": {"window_days": rule.window_days, "threshold": rule.threshold, "max_operations": rule.max_operations,
                     "exclude_clients": list(rule.exclude_clients)},
            "window_start": first.isoformat(), "window_end": last.isoformat(),
        }
        breakage = breakage_of(change, new)
        if isinstance(breakage, str):
            evidence.update(decided=False, reasons=[f"usage cannot decide this change: {breakage}"])
            evidence["summary"] = evidence["reasons"][0]
            return evidence
        evidence.update(decided=True, breaks=breakage.description, coordinates=list(breakage.requires),
                        without=breakage.lacks)
        with self.store.reading() as connection:
            if self._endpoints is None:
                self._endpoints = frozenset(reads.endpoints(connection))
            if endpoint not in self._endpoints:
                return None
            days = self.window_days(connection, endpoint)
            usage = self._usage.get(endpoint)
            if usage is None:
                usage = self._usage[endpoint] = WindowUsage(endpoint, first, last, exclude=rule.exclude_clients)
            used, signatures = _daily_counts(connection, endpoint, breakage, first, last, rule.exclude_clients)
            found = usage.used_by(connection, signatures, limit=OPERATIONS_SHOWN)
        judgement = judge_usage(endpoint, days, used, as_of=self.as_of, rule=rule, what=breakage.description)
        reasons = list(judgement.reasons)
        if breakage.caveat:
            reasons.append(f"not visible to usage: {breakage.caveat}")
        unshaped = []
        if judgement.unshaped and days.recorded:
            # Counted (in the totals) without their shape, on days whole-schema usage covers only in part.
            unshaped = [f"{judgement.unshaped} operation(s) of the window were counted without their shape: usage "
                        "cannot say what they used"]
            reasons.extend(unshaped)
        evidence.update(
            approved=judgement.allowed, reasons=reasons, days_covered=judgement.days_covered,
            operations=judgement.operations, max_daily_share=judgement.max_daily_share,
            operations_shown=[_operation(operation) for operation in found.shown],
            more_operations=found.more,
            clients=[to_jsonable(client) for client in found.clients],
        )
        evidence["unshaped"] = judgement.unshaped
        evidence["listing"] = self._listing(evidence, breakage)
        evidence["summary"] = self._summary(evidence, judgement.reasons + unshaped, breakage)
        return evidence

    def window_days(self, connection: Any, endpoint: str) -> WholeSchemaDays:
        """The window's :func:`~gqlevolve.usage_store.breakage_reads.whole_schema_days` on ``endpoint``, read once
        (on ``connection``) and kept: what an approver of the same check may pass to
        :func:`~gqlevolve.advisor.candidates.advise_candidates` (``days=``) instead of reading them again."""
        from gqlevolve.usage_store.breakage_reads import whole_schema_days

        days = self._days.get(endpoint)
        if days is None:
            first = self.as_of - dt.timedelta(days=self.rule.window_days)
            last = self.as_of - dt.timedelta(days=1)
            days = self._days[endpoint] = whole_schema_days(
                connection, endpoint, first, last, exclude=self.rule.exclude_clients
            )
        return days

    def _summary(self, evidence: dict[str, Any], reasons: list[str], breakage: Breakage) -> str:
        if evidence["approved"]:
            # An approval says what usage could not see: the reviewer decides whether that matters.
            caveat = [f"not visible to usage: {breakage.caveat}"] if breakage.caveat else []
            return "; ".join([*reasons, *caveat])
        return "; ".join(part for part in ("; ".join(reasons), evidence["listing"]) if part)

    @staticmethod
    def _listing(evidence: dict[str, Any], breakage: Breakage) -> str:
        """``operations that select X: Users [abababab] ×90, ...; clients: web 1.0`` ("" when none was named)."""
        parts = []
        if evidence["operations_shown"]:
            shown = ", ".join(_operation_text(operation) for operation in evidence["operations_shown"])
            more = f" and {evidence['more_operations']} more" if evidence["more_operations"] else ""
            parts.append(f"{breakage.description}: {shown}{more}")
        clients = evidence["clients"]
        if clients:
            names = ", ".join(_client_text(client) for client in clients[:_CLIENTS_SHOWN])
            more = f" (+{len(clients) - _CLIENTS_SHOWN} more)" if len(clients) > _CLIENTS_SHOWN else ""
            parts.append(f"clients: {names}{more}")
        return "; ".join(parts)


def usage_checker(
    db_url: str, *, rule: UsageRule, as_of: dt.date | None = None
) -> tuple[BreakageCheck, Callable[[], None]]:
    """A :class:`BreakageCheck` on the store at ``db_url``, and a function that closes the store."""
    from gqlevolve.usage_store import UsageStore

    store = UsageStore(db_url, handle_shutdown=False)
    try:
        return BreakageCheck(store, rule=rule, as_of=as_of), store.close
    except BaseException:
        store.close()
        raise
