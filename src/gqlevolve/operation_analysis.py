"""The analysis of an operation: which deprecated schema coordinates it uses.

An operation uses a deprecated element when its document selects a deprecated field (of an object or
interface type, at the root of a query, mutation or subscription too), passes a deprecated argument, writes a
deprecated input field or enum value as a literal, or sends one inside a variable's value. Fields are found
through named and inline fragments, aliases, interfaces and unions; fields that ``@skip``/``@include`` leave
out still count (the client asked for them). Only the operation that is executed counts, with the fragments
it reaches.

The document part is computed once per (schema, document, operation name) and cached
(:class:`AnalysisCache`, bounded in entries and in bytes: a long document is keyed by its digest, not its text);
what remains per request is to check that the variable values coerce (:meth:`OperationAnalysis.accepts`: an
operation whose variables graphql-core refuses is not executed, so it is not counted) and to look into the few
variables whose type can reach a deprecated input field or enum value (:meth:`OperationAnalysis.coordinates_for`).

Example: the document's part once, then each request's variable values (``schema`` deprecates ``User.name``,
``Query.users(offset:)``, ``UserFilter.legacyGroup`` and ``Role.GUEST``):

    >>> from graphql import parse
    >>> index = DeprecationIndex.of(schema)
    >>> query = "query($filter: UserFilter) { users(offset: 10, filter: $filter) { name fullName } }"
    >>> analysis = analyze_operation(index, parse(query))
    >>> sorted(analysis.coordinates)
    ['Query.users(offset:)', 'User.name']
    >>> analysis.accepts({"filter": {"nope": 1}})        # graphql-core refuses the value: not executed, not counted
    False
    >>> sorted(analysis.coordinates_for({"filter": {"legacyGroup": "staff", "role": "GUEST"}}))
    ['Query.users(offset:)', 'Role.GUEST', 'User.name', 'UserFilter.legacyGroup']
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import blake2b
from sys import getsizeof
from typing import Any

from graphql import (
    SKIP,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Undefined,
    Visitor,
    get_named_type,
    get_operation_ast,
    is_input_type,
    type_from_ast,
    visit,
)

from gqlevolve.coordinates import (
    argument_coordinate,
    deprecated_elements,
    directive_argument_coordinate,
    graphql_core_schema,
    member_coordinate,
)
from gqlevolve.graphql_compat import coerces, nested_too_deeply

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "TEXT_KEY_LENGTH",
    "AnalysisCache",
    "DeclaredVariable",
    "DeprecationIndex",
    "OperationAnalysis",
    "VariableProbe",
    "analyze_operation",
]

_NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DeprecationIndex:
    """What a schema deprecates, prepared for the analysis (built once per schema)."""

    schema: GraphQLSchema
    #: Every deprecated element's coordinate, with its reason.
    reasons: Mapping[str, str]
    #: Names of the input object and enum types from which a deprecated input field or enum value can be
    #: reached: only variables of these types are looked into per request.
    reaching_types: frozenset[str]

    @classmethod
    def of(cls, schema: Any) -> DeprecationIndex:
        core = graphql_core_schema(schema)
        return cls(core, deprecated_elements(core), _types_reaching_deprecation(core))


def _types_reaching_deprecation(schema: GraphQLSchema) -> frozenset[str]:
    reaching: set[str] = set()
    inputs: list[GraphQLInputObjectType] = []
    for named_type in schema.type_map.values():
        if isinstance(named_type, GraphQLEnumType):
            if any(value.deprecation_reason is not None for value in named_type.values.values()):
                reaching.add(named_type.name)
        elif isinstance(named_type, GraphQLInputObjectType):
            inputs.append(named_type)
            if any(input_field.deprecation_reason is not None for input_field in named_type.fields.values()):
                reaching.add(named_type.name)
    # Nested inputs: repeat until nothing new reaches (a fixpoint; inputs may be recursive).
    changed = True
    while changed:
        changed = False
        for input_type in inputs:
            if input_type.name in reaching:
                continue
            if any(get_named_type(f.type).name in reaching for f in input_type.fields.values()):
                reaching.add(input_type.name)
                changed = True
    return frozenset(reaching)


@dataclass(frozen=True, slots=True)
class DeclaredVariable:
    """A variable the operation declares, as its value's coercion needs it."""

    name: str
    #: None when the schema has no such input type (graphql-core refuses the operation whatever is sent).
    type: GraphQLInputType | None
    #: Non-null without a default value: the request must send it.
    required: bool


@dataclass(frozen=True, slots=True)
class VariableProbe:
    """A variable whose value may carry deprecated input fields or enum values."""

    name: str
    type: GraphQLInputType
    #: What the variable's default value uses (counted when the request does not send the variable).
    default_coordinates: frozenset[str] = _NOTHING


@dataclass(frozen=True, slots=True)
class OperationAnalysis:
    """The deprecated coordinates of one operation of a document."""

    operation_type: OperationType
    #: What the document itself uses (selections, arguments, literals).
    coordinates: frozenset[str]
    #: The variables to look into per request.
    probes: tuple[VariableProbe, ...] = ()
    #: Only ``__schema``, ``__type`` and ``__typename`` at the root: not counted as usage.
    introspection_only: bool = False
    index: DeprecationIndex | None = field(default=None, repr=False, compare=False)
    #: The variables the operation declares: what :meth:`accepts` coerces the values against. Empty without any.
    declared_variables: tuple[DeclaredVariable, ...] = field(default=(), repr=False, compare=False)

    def accepts(self, variables: Mapping[str, Any] | None) -> bool:
        """Whether graphql-core coerces these raw variable values, i.e. whether the operation is executed at all.

        True at once for an operation without variables. Otherwise each value goes through what graphql-core's
        ``get_variable_values`` runs for it when it executes the operation (a required variable must be sent,
        a value must not nest too deeply, ``coerce_input_value`` must succeed), stopping at the first failure
        without composing graphql-core's error message (graphql-core reports the errors itself): a value with
        300,000 unknown keys is refused at its first unknown key.
        """
        if not self.declared_variables:
            return True
        if type(variables) is dict or isinstance(variables, Mapping):
            inputs: Mapping[str, Any] = variables
        elif variables is None:
            inputs = {}
        else:
            return False  # graphql-core takes an object of variables only
        for variable in self.declared_variables:
            variable_type = variable.type
            if variable_type is None:
                return False
            value = inputs.get(variable.name, Undefined)
            if value is Undefined:
                if variable.required:
                    return False
                continue  # its default value, if any, was validated with the document
            # graphql-core 3.3.2 and 3.2.14 refuse a value nested too deeply before coercing it (older ones do not):
            # checked where the graphql-core in use checks it (gqlevolve.graphql_compat, which runs 3.2 and 3.3)
            if nested_too_deeply(value, variable_type) or not coerces(value, variable_type):
                return False
        return True

    def coordinates_for(self, variables: Mapping[str, Any] | None) -> frozenset[str]:
        """The coordinates this request uses: the document's, plus those its variable values reach.

        Returns the cached ``coordinates`` frozenset itself when the variables add nothing (the usual case),
        so callers can key caches by it. The values are read as sent, tolerating anything: call it once
        :meth:`accepts` said yes, so that they are known to fit their types (no unknown keys to wade through).
        """
        if not self.probes:
            return self.coordinates
        found: set[str] = set()
        for probe in self.probes:
            if variables is not None and probe.name in variables:
                _value_coordinates(variables[probe.name], probe.type, found)
            else:
                found.update(probe.default_coordinates)
        if not found or found <= self.coordinates:
            return self.coordinates
        return self.coordinates | found


def _value_coordinates(value: Any, input_type: GraphQLInputType, found: set[str]) -> None:
    """Add the deprecated input fields and enum values in a (JSON) variable value of ``input_type``."""
    if value is None:
        return
    if isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if isinstance(input_type, GraphQLList):
        items = value if isinstance(value, list | tuple) else (value,)  # a single value coerces to a list
        for item in items:
            _value_coordinates(item, input_type.of_type, found)
    elif isinstance(input_type, GraphQLInputObjectType):
        if not isinstance(value, Mapping):
            return
        fields = input_type.fields
        for key, item in value.items():
            input_field = fields.get(key)
            if input_field is None:
                continue
            if input_field.deprecation_reason is not None:
                found.add(member_coordinate(input_type.name, key))
            _value_coordinates(item, input_field.type, found)
    elif isinstance(input_type, GraphQLEnumType):
        if isinstance(value, str):
            enum_value = input_type.values.get(value)
            if enum_value is not None and enum_value.deprecation_reason is not None:
                found.add(member_coordinate(input_type.name, value))


class _DeprecationCollector(Visitor):
    """Collects deprecated coordinates while :class:`TypeInfoVisitor` keeps ``type_info`` in step."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[str] = set()
        self.spreads: list[str] = []
        self._field_names: list[str] = []  # the fields being visited, innermost last (for argument coordinates)

    def enter_variable_definition(self, *_args: Any) -> Any:
        return SKIP  # defaults count only when the variable is not sent (see VariableProbe)

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        self._field_names.append(node.name.value)
        field_def = self.type_info.get_field_def()
        if field_def is not None and field_def.deprecation_reason is not None:
            parent = self.type_info.get_parent_type()
            if parent is not None:
                self.found.add(member_coordinate(parent.name, node.name.value))

    def leave_field(self, *_args: Any) -> None:
        self._field_names.pop()

    def enter_argument(self, node: Any, *_args: Any) -> None:
        argument = self.type_info.get_argument()
        if argument is None or argument.deprecation_reason is None:
            return
        directive = self.type_info.get_directive()
        if directive is not None:
            self.found.add(directive_argument_coordinate(directive.name, node.name.value))
            return
        parent = self.type_info.get_parent_type()
        if parent is not None and self._field_names:
            self.found.add(argument_coordinate(parent.name, self._field_names[-1], node.name.value))

    def enter_object_field(self, node: Any, *_args: Any) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            input_field = parent.fields.get(node.name.value)
            if input_field is not None and input_field.deprecation_reason is not None:
                self.found.add(member_coordinate(parent.name, node.name.value))

    def enter_enum_value(self, node: Any, *_args: Any) -> None:
        enum_value = self.type_info.get_enum_value()
        if enum_value is not None and enum_value.deprecation_reason is not None:
            enum_type = get_named_type(self.type_info.get_input_type())
            if enum_type is not None:
                self.found.add(member_coordinate(enum_type.name, node.value))

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> None:
        self.spreads.append(node.name.value)


def _collect(schema: GraphQLSchema, node: Any, initial_type: Any = None) -> _DeprecationCollector:
    type_info = TypeInfo(schema, initial_type)
    collector = _DeprecationCollector(type_info)
    visit(node, TypeInfoVisitor(type_info, collector))
    return collector


def analyze_operation(
    index: DeprecationIndex, document: DocumentNode, operation_name: str | None = None
) -> OperationAnalysis | None:
    """Analyse the operation of ``document`` that ``operation_name`` selects (None if there is no such one)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    introspection_only = _introspection_only(operation.selection_set, fragments, set())
    variables = _declared_variables(index.schema, operation)
    if not index.reasons:
        return OperationAnalysis(operation.operation, _NOTHING, (), introspection_only, index, variables)

    schema = index.schema
    collector = _collect(schema, operation)
    found = set(collector.found)
    # Each fragment the operation reaches, once: its usage does not depend on where it is spread.
    pending, seen = list(collector.spreads), set()
    while pending:
        name = pending.pop()
        if name in seen or name not in fragments:
            continue
        seen.add(name)
        fragment = _collect(schema, fragments[name])
        found.update(fragment.found)
        pending.extend(fragment.spreads)

    return OperationAnalysis(
        operation.operation,
        frozenset(found),
        _variable_probes(index, operation),
        introspection_only,
        index,
        variables,
    )


def _declared_variables(schema: GraphQLSchema, operation: OperationDefinitionNode) -> tuple[DeclaredVariable, ...]:
    declared = []
    for definition in operation.variable_definitions or ():
        variable_type = type_from_ast(schema, definition.type)
        if variable_type is None or not is_input_type(variable_type):
            variable_type = None
        required = isinstance(variable_type, GraphQLNonNull) and definition.default_value is None
        declared.append(DeclaredVariable(definition.variable.name.value, variable_type, required))
    return tuple(declared)


def _variable_probes(index: DeprecationIndex, operation: OperationDefinitionNode) -> tuple[VariableProbe, ...]:
    probes = []
    for definition in operation.variable_definitions or ():
        variable_type = type_from_ast(index.schema, definition.type)
        if variable_type is None or not is_input_type(variable_type):
            continue
        if get_named_type(variable_type).name not in index.reaching_types:
            continue
        defaults = _NOTHING
        if definition.default_value is not None:
            defaults = frozenset(_collect(index.schema, definition.default_value, variable_type).found)
        probes.append(VariableProbe(definition.variable.name.value, variable_type, defaults))
    return tuple(probes)


def _introspection_only(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if not selection.name.value.startswith("__"):
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not _introspection_only(selection.selection_set, fragments, seen):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            if not _introspection_only(fragments[name].selection_set, fragments, seen):
                return False
    return True


#: Query texts and operation names up to this many characters key the cache as they are (the usual case: a hit is
#: one dictionary look-up, and the text is counted in the entry's weight); a longer one is keyed by its 16-byte
#: BLAKE2b digest, so that no entry keeps it alive. Hashing costs 2-3 ns a byte, a few per cent of what parsing the
#: same text costs Strawberry on every request.
TEXT_KEY_LENGTH = 8_192

#: The default budget of an :class:`AnalysisCache` for its keys and analyses, in bytes.
DEFAULT_CACHE_BYTES = 16 * 1024 * 1024

# One entry may take at most this share of the budget, so that one heavy operation cannot flush the cache.
_ENTRY_SHARE = 32
# What an entry costs besides its key's text and its analysis: the OrderedDict's slot and links, the key tuple.
_ENTRY_OVERHEAD = 200

_Key = tuple[int, str, str | None] | tuple[int, bytes]


class AnalysisCache:
    """A bounded LRU of analyses keyed by (schema, query text, operation name); thread-safe.

    Bounded in entries (``max_entries``, least recently used dropped) and in bytes (``max_bytes``, default
    :data:`DEFAULT_CACHE_BYTES`): each entry's weight is its key's text plus its analysis (coordinates, declared
    variables, variable probes) as ``sys.getsizeof`` counts them, and entries are dropped until the total fits. A
    query text or operation name longer than :data:`TEXT_KEY_LENGTH` characters is keyed by its digest, so a
    large document costs the cache a few hundred bytes, not its size; an analysis heavier than 1/32 of the budget
    (an operation with thousands of variables) is not kept, it is analysed each time.

    A hit takes no lock: ``OrderedDict.move_to_end`` and item access are atomic, and an entry evicted between
    the two is simply analysed again.
    """

    def __init__(self, max_entries: int = 1_000, *, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_entries < 1:
            raise ValueError(f"the analysis cache needs room for at least one entry, not {max_entries!r}")
        if max_bytes < _ENTRY_SHARE * _ENTRY_OVERHEAD:
            raise ValueError(f"the analysis cache needs at least {_ENTRY_SHARE * _ENTRY_OVERHEAD} bytes, not {max_bytes!r}")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        #: Analyses heavier than this are not kept.
        self.max_entry_bytes = max_bytes // _ENTRY_SHARE
        self._entries: OrderedDict[_Key, OperationAnalysis | None] = OrderedDict()
        self._weights: dict[_Key, int] = {}
        # By id() of the schema object given (Strawberry's or graphql-core's); holding the schema keeps its id unique.
        self._indexes: dict[int, tuple[Any, DeprecationIndex]] = {}
        self._lock = threading.Lock()
        #: What the entries weigh now, in bytes (at most ``max_bytes``).
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        #: Analyses not kept because they weighed more than ``max_entry_bytes``.
        self.too_heavy = 0

    def index_of(self, schema: Any) -> DeprecationIndex:
        """The schema's :class:`DeprecationIndex` (built on first use)."""
        known = self._indexes.get(id(schema))
        if known is None or known[0] is not schema:
            known = self._indexes[id(schema)] = (schema, DeprecationIndex.of(schema))
        return known[1]

    def analysis(
        self, schema: Any, query: str | None, operation_name: str | None, document: DocumentNode
    ) -> OperationAnalysis | None:
        """The cached analysis, or a new one of ``document`` (which must be ``query`` parsed)."""
        if query is None:  # a pre-parsed document: nothing stable to key by
            return analyze_operation(self.index_of(schema), document, operation_name)
        key: _Key
        if len(query) <= TEXT_KEY_LENGTH and (operation_name is None or len(operation_name) <= TEXT_KEY_LENGTH):
            key = (id(schema), query, operation_name)
        else:
            key = (id(schema), _digest(query, operation_name))
        entries = self._entries
        try:
            entries.move_to_end(key)
            analysis = entries[key]
        except KeyError:
            pass
        else:
            self.hits += 1
            return analysis
        analysis = analyze_operation(self.index_of(schema), document, operation_name)
        weight = _ENTRY_OVERHEAD + sum(getsizeof(part) for part in key[1:]) + _analysis_bytes(analysis)
        with self._lock:
            self.misses += 1
            if weight > self.max_entry_bytes:
                self.too_heavy += 1
            elif key not in self._weights:  # else another thread has just kept the same analysis
                entries[key] = analysis
                self._weights[key] = weight
                self.bytes += weight
                while len(entries) > self.max_entries or self.bytes > self.max_bytes:
                    evicted, _ = entries.popitem(last=False)
                    self.bytes -= self._weights.pop(evicted)
        return analysis

    def __len__(self) -> int:
        return len(self._entries)


def _digest(query: str, operation_name: str | None) -> bytes:
    """A 16-byte digest of the operation name and the query text (length-prefixed: no two pairs share one)."""
    name = b"" if operation_name is None else operation_name.encode("utf-8", "surrogatepass")
    digest = blake2b(b"%d:" % (-1 if operation_name is None else len(name)), digest_size=16)
    digest.update(name)
    digest.update(query.encode("utf-8", "surrogatepass"))
    return digest.digest()


def _analysis_bytes(analysis: OperationAnalysis | None) -> int:
    """What an analysis keeps alive, by ``sys.getsizeof`` (the schema's types and the index are shared, not counted)."""
    if analysis is None:
        return 0
    size = getsizeof(analysis) + _bytes_of(analysis.coordinates)
    size += getsizeof(analysis.declared_variables) + getsizeof(analysis.probes)
    for variable in analysis.declared_variables:
        size += getsizeof(variable) + getsizeof(variable.name)
    for probe in analysis.probes:  # its name is the declared variable's
        size += getsizeof(probe) + _bytes_of(probe.default_coordinates)
    return size


def _bytes_of(strings: frozenset[str]) -> int:
    """A frozenset of coordinates and its strings (the shared empty one costs nothing)."""
    if strings is _NOTHING:
        return 0
    return getsizeof(strings) + sum(map(getsizeof, strings))
