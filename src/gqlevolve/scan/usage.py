"""What one operation or fragment uses of a schema: every schema coordinate, where, and which are deprecated.

The scanner needs positions (a finding points at a line), and for ``--against`` every coordinate used, not
only the deprecated ones (a breaking change is matched by coordinate), so this walks the definition once with
graphql-core's :class:`~graphql.TypeInfo` and records each use: fields (``Type.field``), arguments
(``Type.field(arg:)``, ``@dir(arg:)``), input fields and enum values written as literals, and the types named by
fragments' type conditions and variables.

    >>> from graphql import build_schema, parse
    >>> schema = build_schema('type Query { me: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String }')
    >>> uses = uses_of(schema, parse("query { me { name fullName } }").definitions[0])
    >>> [(use.coordinate, use.deprecation, use.line) for use in uses if use.coordinate.count(".")]
    [('Query.me', None, 1), ('User.name', 'Use fullName', 1), ('User.fullName', None, 1)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    SKIP,
    DefinitionNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql.validation import ASTValidationRule, ValidationContext, ValidationRule

from gqlevolve.coordinates import argument_coordinate, directive_argument_coordinate, member_coordinate

__all__ = ["Use", "uses_of", "uses_rule"]


@dataclass(frozen=True, slots=True)
class Use:
    """``coordinate`` used at ``line``/``column`` of the document's text; ``deprecation``: the schema's reason."""

    coordinate: str
    line: int
    column: int
    deprecation: str | None = None


def uses_of(schema: GraphQLSchema, definition: DefinitionNode) -> list[Use]:
    """Every use of the schema in ``definition`` (an operation or a fragment; spreads are not followed: each
    fragment is reported where it is written), in document order."""
    type_info = TypeInfo(schema)
    collector = _Collector(type_info)
    visit(definition, TypeInfoVisitor(type_info, collector))
    return collector.uses


def uses_rule(sink: dict[int, list[Use]]) -> type[ASTValidationRule]:
    """A validation rule that records, while graphql-core validates a document, the uses of each operation and
    fragment in it into ``sink`` (keyed by ``id`` of the definition node): one walk of the document does both
    (the scanner validates every definition of a tree at once)."""

    class UsesRule(_Collector, ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            ValidationRule.__init__(self, context)
            self.type_info = context  # a ValidationContext answers what TypeInfo does, in step with the walk
            self.uses = []
            self._fields = []

        def enter_operation_definition(self, node: Any, *_args: Any) -> None:
            self.uses = sink.setdefault(id(node), [])

        enter_fragment_definition = enter_operation_definition

    return UsesRule


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info: Any = type_info  # a TypeInfo, or a ValidationContext (uses_rule)
        self.uses: list[Use] = []
        self._fields: list[str] = []  # the fields being visited, innermost last (for argument coordinates)

    def _add(self, coordinate: str, node: Any, deprecation: str | None = None) -> None:
        location = node.loc
        line, column = (1, 1) if location is None else (location.start_token.line, location.start_token.column)
        self.uses.append(Use(coordinate, line, column, deprecation))

    def enter_named_type(self, node: Any, *_args: Any) -> None:
        self._add(node.name.value, node)  # a type condition or a variable's type

    def enter_field(self, node: Any, *_args: Any) -> None:
        self._fields.append(node.name.value)
        field_def = self.type_info.get_field_def()
        parent = self.type_info.get_parent_type()
        if field_def is not None and parent is not None and not node.name.value.startswith("__"):
            self._add(member_coordinate(parent.name, node.name.value), node.name, field_def.deprecation_reason)

    def leave_field(self, *_args: Any) -> None:
        self._fields.pop()

    def enter_directive(self, node: Any, *_args: Any) -> None:
        self._add(f"@{node.name.value}", node)

    def enter_argument(self, node: Any, *_args: Any) -> None:
        argument = self.type_info.get_argument()
        if argument is None:
            return
        directive = self.type_info.get_directive()
        if directive is not None:
            coordinate = directive_argument_coordinate(directive.name, node.name.value)
        else:
            parent = self.type_info.get_parent_type()
            if parent is None or not self._fields:
                return
            coordinate = argument_coordinate(parent.name, self._fields[-1], node.name.value)
        self._add(coordinate, node, argument.deprecation_reason)

    def enter_object_field(self, node: Any, *_args: Any) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            input_field = parent.fields.get(node.name.value)
            if input_field is not None:
                self._add(member_coordinate(parent.name, node.name.value), node, input_field.deprecation_reason)

    def enter_enum_value(self, node: Any, *_args: Any) -> None:
        enum_type = get_named_type(self.type_info.get_input_type())
        if isinstance(enum_type, GraphQLEnumType):
            value = enum_type.values.get(node.value)
            if value is not None:
                self._add(member_coordinate(enum_type.name, node.value), node, value.deprecation_reason)

    def enter_variable_definition(self, node: Any, *_args: Any) -> Any:
        self._add(_named_type_name(node.type), node.type)
        return SKIP  # a variable's default is checked by validation; its type is recorded above


def _named_type_name(type_node: Any) -> str:
    while not hasattr(type_node, "name"):
        type_node = type_node.type
    return str(type_node.name.value)
