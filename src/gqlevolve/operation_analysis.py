"""The analysis of an operation: which schema coordinates it uses, and which of them are deprecated.

An operation uses a deprecated element when its document selects a deprecated field (of an object or
interface type, at the root of a query, mutation or subscription too), passes a deprecated argument, writes a
deprecated input field or enum value as a literal, or sends one inside a variable's value. Fields are found
through named and inline fragments, aliases, interfaces and unions; fields that ``@skip``/``@include`` leave
out still count (the client asked for them). Only the operation that is executed counts, with the fragments
it reaches.

Every coordinate is collected, not only deprecated ones (whole-schema usage): the types, fields, arguments, input
fields and enum values the operation reaches, kept with its kind, name and document hash as an
:class:`~gqlevolve.operation_shape.OperationShape`; the deprecated ones are those the schema deprecates.

The document part is computed once per (schema, document, operation name) and cached
(:class:`AnalysisCache`, bounded in entries and in bytes: a long document is keyed by its digest, not its text);
what remains per request is to check that the variable values coerce (:meth:`OperationAnalysis.accepts`: an
operation whose variables graphql-core refuses is not executed, so it is not counted) and to look into the
variables of an input object or enum type, whose values say which input fields and enum values were sent
(:meth:`OperationAnalysis.usage_for`). An operation without such variables pays nothing per request.

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
    >>> deprecated, shape = analysis.usage_for({"filter": {"legacyGroup": "staff", "role": "GUEST"}})
    >>> sorted(deprecated)
    ['Query.users(offset:)', 'Role.GUEST', 'User.name', 'UserFilter.legacyGroup']
    >>> shape.kind, shape.name, len(shape.document_hash)
    ('query', None, 32)
    >>> sorted(shape.coordinates)         # everything it used, deprecated or not
    ['Int', 'Query', 'Query.users', 'Query.users(filter:)', 'Query.users(offset:)', 'Role', 'Role.GUEST', 'String', 'User', 'User.fullName', 'User.name', 'UserFilter', 'UserFilter.legacyGroup', 'UserFilter.role']
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
    print_ast,
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
from gqlevolve.operation_shape import OPERATION_NAME_LENGTH, OperationShape

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

    @classmethod
    def of(cls, schema: Any) -> DeprecationIndex:
        core = graphql_core_schema(schema)
        return cls(core, deprecated_elements(core))


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
    """A variable of an input object or enum type: its value says which input fields and enum values were sent."""

    name: str
    type: GraphQLInputType
    #: What the variable's default value uses (counted when the request does not send the variable).
    default_coordinates: frozenset[str] = _NOTHING


@dataclass(frozen=True, slots=True)
class OperationAnalysis:
    """The coordinates one operation of a document uses: all of them (``shape``) and the deprecated ones."""

    operation_type: OperationType
    #: The deprecated coordinates the document itself uses (selections, arguments, literals).
    coordinates: frozenset[str]
    #: The variables to look into per request.
    probes: tuple[VariableProbe, ...] = ()
    #: Only ``__schema``, ``__type`` and ``__typename`` at the root: not counted as usage.
    introspection_only: bool = False
    index: DeprecationIndex | None = field(default=None, repr=False, compare=False)
    #: The variables the operation declares: what :meth:`accepts` coerces the values against. Empty without any.
    declared_variables: tuple[DeclaredVariable, ...] = field(default=(), repr=False, compare=False)
    #: Every coordinate the document itself uses, with the operation's kind, name and document hash.
    shape: OperationShape | None = field(default=None, repr=False, compare=False)
    #: What the layer above derives from this analysis per request setting and keeps with it, so that a cache hit
    #: costs it a dict look-up: the monitor's plan per endpoint (the notice of the day, the records' generation).
    #: Kept small by whoever fills it; dropped with the analysis.
    plans: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

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

    def usage_for(self, variables: Mapping[str, Any] | None) -> tuple[frozenset[str], OperationShape]:
        """What this request uses: (the deprecated coordinates, the shape with every coordinate), the document's
        plus what its variable values reach.

        Returns the cached ``coordinates`` and ``shape`` themselves when the variables add nothing (the usual
        case), so callers can key caches by them. The values are read as sent, tolerating anything: call it once
        :meth:`accepts` said yes, so that they are known to fit their types (no unknown keys to wade through).
        """
        shape = self.shape
        assert shape is not None, "an analysis made by analyze_operation has a shape"
        if not self.probes:
            return self.coordinates, shape
        found: set[str] = set()
        for probe in self.probes:
            if variables is not None and probe.name in variables:
                _value_coordinates(variables[probe.name], probe.type, found)
            else:
                found.update(probe.default_coordinates)
        if found <= shape.coordinates:
            return self.coordinates, shape
        assert self.index is not None
        reasons = self.index.reasons
        deprecated = {coordinate for coordinate in found if coordinate in reasons}
        if not deprecated <= self.coordinates:
            coordinates = self.coordinates | deprecated
        else:
            coordinates = self.coordinates
        return coordinates, OperationShape(shape.kind, shape.name, shape.document_hash, shape.coordinates | found)


def _value_coordinates(value: Any, input_type: GraphQLInputType, found: set[str]) -> None:
    """Add the input types, input fields and enum values a (JSON) variable value of ``input_type`` uses."""
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
        found.add(input_type.name)
        fields = input_type.fields
        for key, item in value.items():
            input_field = fields.get(key)
            if input_field is None:
                continue
            found.add(member_coordinate(input_type.name, key))
            _value_coordinates(item, input_field.type, found)
    elif isinstance(input_type, GraphQLEnumType):
        if isinstance(value, str) and value in input_type.values:
            found.add(input_type.name)
            found.add(member_coordinate(input_type.name, value))


class _UsageCollector(Visitor):
    """Collects every coordinate used while :class:`TypeInfoVisitor` keeps ``type_info`` in step.

    A field adds its parent type, itself and its (named) type; an argument itself and its type; an input field or
    enum value written as a literal itself and its type; a fragment its type condition. Meta fields
    (``__typename``, ``__schema``, ``__type``) are not schema coordinates.
    """

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[str] = set()
        self.spreads: list[str] = []
        self._field_names: list[str] = []  # the fields being visited, innermost last (for argument coordinates)

    def enter_variable_definition(self, *_args: Any) -> Any:
        return SKIP  # defaults count only when the variable is not sent (see VariableProbe)

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        name = node.name.value
        self._field_names.append(name)
        field_def = self.type_info.get_field_def()
        parent = self.type_info.get_parent_type()
        if field_def is None or parent is None or name.startswith("__"):
            return
        found = self.found
        found.add(parent.name)
        found.add(member_coordinate(parent.name, name))
        found.add(get_named_type(field_def.type).name)

    def leave_field(self, *_args: Any) -> None:
        self._field_names.pop()

    def enter_inline_fragment(self, node: InlineFragmentNode, *_args: Any) -> None:
        if node.type_condition is not None:
            self.found.add(node.type_condition.name.value)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_args: Any) -> None:
        self.found.add(node.type_condition.name.value)

    def enter_argument(self, node: Any, *_args: Any) -> None:
        argument = self.type_info.get_argument()
        if argument is None:
            return
        directive = self.type_info.get_directive()
        if directive is not None:
            self.found.add(directive_argument_coordinate(directive.name, node.name.value))
        else:
            parent = self.type_info.get_parent_type()
            if parent is None or not self._field_names or self._field_names[-1].startswith("__"):
                return
            self.found.add(argument_coordinate(parent.name, self._field_names[-1], node.name.value))
        self.found.add(get_named_type(argument.type).name)

    def enter_object_field(self, node: Any, *_args: Any) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            input_field = parent.fields.get(node.name.value)
            if input_field is not None:
                self.found.add(parent.name)
                self.found.add(member_coordinate(parent.name, node.name.value))
                self.found.add(get_named_type(input_field.type).name)

    def enter_enum_value(self, node: Any, *_args: Any) -> None:
        enum_type = get_named_type(self.type_info.get_input_type())
        if isinstance(enum_type, GraphQLEnumType) and node.value in enum_type.values:
            self.found.add(enum_type.name)
            self.found.add(member_coordinate(enum_type.name, node.value))

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> None:
        self.spreads.append(node.name.value)


def _collect(schema: GraphQLSchema, node: Any, initial_type: Any = None) -> _UsageCollector:
    type_info = TypeInfo(schema, initial_type)
    collector = _UsageCollector(type_info)
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
    schema = index.schema
    variables = _declared_variables(schema, operation)
    collector = _collect(schema, operation)
    found = set(collector.found)
    found.update(get_named_type(variable.type).name for variable in variables if variable.type is not None)
    # Each fragment the operation reaches, once: its usage does not depend on where it is spread.
    pending, reached = list(collector.spreads), set()
    while pending:
        name = pending.pop()
        if name in reached or name not in fragments:
            continue
        reached.add(name)
        fragment = _collect(schema, fragments[name])
        found.update(fragment.found)
        pending.extend(fragment.spreads)
    reasons = index.reasons
    deprecated = frozenset(coordinate for coordinate in found if coordinate in reasons) if reasons else _NOTHING
    return OperationAnalysis(
        operation.operation,
        deprecated,
        _variable_probes(schema, operation),
        _introspection_only(operation.selection_set, fragments, set()),
        index,
        variables,
        _shape(operation, [fragments[name] for name in sorted(reached)], frozenset(found)),
    )


def _shape(
    operation: OperationDefinitionNode, fragments: list[FragmentDefinitionNode], coordinates: frozenset[str]
) -> OperationShape:
    """The operation's shape: its document hash covers the operation and the fragments it reaches, printed (the
    printer drops whitespace and comments; fragments in name order, so that their order in the document does not
    count), and nothing else of the document (a document holding several operations gives each its own hash)."""
    printed = print_ast(DocumentNode(definitions=(operation, *fragments)))
    document_hash = blake2b(printed.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    name = None if operation.name is None else operation.name.value[:OPERATION_NAME_LENGTH]
    return OperationShape(operation.operation.value, name, document_hash, coordinates)


def _declared_variables(schema: GraphQLSchema, operation: OperationDefinitionNode) -> tuple[DeclaredVariable, ...]:
    declared = []
    for definition in operation.variable_definitions or ():
        variable_type = type_from_ast(schema, definition.type)
        if variable_type is None or not is_input_type(variable_type):
            variable_type = None
        required = isinstance(variable_type, GraphQLNonNull) and definition.default_value is None
        declared.append(DeclaredVariable(definition.variable.name.value, variable_type, required))
    return tuple(declared)


def _variable_probes(schema: GraphQLSchema, operation: OperationDefinitionNode) -> tuple[VariableProbe, ...]:
    """A probe for each variable of an input object or enum type (a scalar's value names no coordinate)."""
    probes = []
    for definition in operation.variable_definitions or ():
        variable_type = type_from_ast(schema, definition.type)
        if variable_type is None or not is_input_type(variable_type):
            continue
        if not isinstance(get_named_type(variable_type), GraphQLInputObjectType | GraphQLEnumType):
            continue
        defaults = _NOTHING
        if definition.default_value is not None:
            defaults = frozenset(_collect(schema, definition.default_value, variable_type).found)
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
# What an analysis' plans weigh: a dict holding one plan (a document is mostly served on one endpoint; the monitor
# keeps a few at most, their notices and snapshots shared with others).
_PLANS_BYTES = 256

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
    if analysis.shape is not None:
        size += getsizeof(analysis.shape) + _bytes_of(analysis.shape.coordinates) + getsizeof(analysis.shape.document_hash)
        size += 0 if analysis.shape.name is None else getsizeof(analysis.shape.name)
    size += getsizeof(analysis.declared_variables) + getsizeof(analysis.probes)
    size += _PLANS_BYTES  # the plans the monitor keeps with it (a few endpoints; their notices are shared)
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
