"""The schema model the differ compares: plain, hashable-enough records with type references as strings.

Every source (SDL, introspection, ``GraphQLSchema``, Strawberry, a URL) is turned into one
:class:`SchemaModel`, so the comparison code has one shape to walk and the fast SDL reader can
build it without graphql-core's AST. Type references are printed (``[String!]!``); default values
are printed in one canonical form (:mod:`.values`: object fields sorted, as graphql-core's
``find_schema_changes`` compares them), so a default given as ``{b: 1, a: 2}`` equals ``{a: 2, b: 1}``.

    >>> from graphql import build_schema
    >>> model = model_from_graphql_schema(build_schema("type Query { hello(name: String = \\"x\\"): String }"))
    >>> model.types["Query"].fields["hello"].args["name"].default
    '"x"'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gqlevolve.schema_diff.values import print_value_node

if TYPE_CHECKING:
    from graphql import GraphQLSchema

__all__ = [
    "AppliedDirective",
    "DirectiveDefinition",
    "EnumValue",
    "Field",
    "InputValue",
    "NamedType",
    "SchemaModel",
    "TypeKind",
    "model_from_graphql_schema",
    "BUILT_IN_SCALARS",
    "DEFAULT_DEPRECATION_REASON",
    "SPECIFIED_DIRECTIVES",
]

DEFAULT_DEPRECATION_REASON = "No longer supported"
BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
# Directives every schema has; their definitions are never reported as added or removed.
SPECIFIED_DIRECTIVES = frozenset({"include", "skip", "deprecated", "specifiedBy", "oneOf"})
# Applied directives that the model records as properties of their element instead. ``@oneOf`` is one only on
# an input object (``NamedType.one_of``); anywhere else (a schema may define its own ``@oneOf`` for fields or
# unions) it is an applied directive like any other.
_PROPERTY_DIRECTIVES = frozenset({"deprecated", "specifiedBy"})


class TypeKind(StrEnum):
    SCALAR = "SCALAR"
    OBJECT = "OBJECT"
    INTERFACE = "INTERFACE"
    UNION = "UNION"
    ENUM = "ENUM"
    INPUT_OBJECT = "INPUT_OBJECT"


@dataclass(slots=True, frozen=True)
class AppliedDirective:
    """``@name(arg: value, ...)`` on an element; argument values printed, in source order."""

    name: str
    args: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return f"@{self.name}"
        return f"@{self.name}({', '.join(f'{name}: {value}' for name, value in self.args)})"


@dataclass(slots=True)
class InputValue:
    """An argument (of a field or a directive) or an input field."""

    name: str
    type: str
    default: str | None = None
    description: str | None = None
    deprecation: str | None = None  # the reason; None when not deprecated
    directives: tuple[AppliedDirective, ...] = ()


@dataclass(slots=True)
class Field:
    name: str
    type: str
    args: dict[str, InputValue] = field(default_factory=dict)
    description: str | None = None
    deprecation: str | None = None
    directives: tuple[AppliedDirective, ...] = ()


@dataclass(slots=True)
class EnumValue:
    name: str
    description: str | None = None
    deprecation: str | None = None
    directives: tuple[AppliedDirective, ...] = ()


@dataclass(slots=True)
class NamedType:
    name: str
    kind: TypeKind
    description: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)  # OBJECT, INTERFACE
    interfaces: tuple[str, ...] = ()  # OBJECT, INTERFACE
    members: tuple[str, ...] = ()  # UNION
    values: dict[str, EnumValue] = field(default_factory=dict)  # ENUM
    input_fields: dict[str, InputValue] = field(default_factory=dict)  # INPUT_OBJECT
    specified_by: str | None = None  # SCALAR
    one_of: bool = False  # INPUT_OBJECT
    directives: tuple[AppliedDirective, ...] = ()


@dataclass(slots=True)
class DirectiveDefinition:
    name: str
    locations: tuple[str, ...]
    repeatable: bool = False
    args: dict[str, InputValue] = field(default_factory=dict)
    description: str | None = None


@dataclass(slots=True)
class SchemaModel:
    """A whole schema.

    ``types`` leaves out the introspection types (``__Type``...) and the built-in scalars, and
    ``directives`` the specified directives: every schema has them, so they never differ.
    """

    types: dict[str, NamedType]
    directives: dict[str, DirectiveDefinition]
    query: str | None = "Query"
    mutation: str | None = None
    subscription: str | None = None
    description: str | None = None
    schema_directives: tuple[AppliedDirective, ...] = ()
    # Problems tolerated while reading (a field defined twice...), shown to the user as warnings.
    warnings: list[str] = field(default_factory=list)

    def root_types(self) -> dict[str, str | None]:
        return {"query": self.query, "mutation": self.mutation, "subscription": self.subscription}


# --- from graphql-core --------------------------------------------------------------------------


def model_from_graphql_schema(schema: GraphQLSchema) -> SchemaModel:
    """Read a graphql-core schema (built from SDL, from introspection, or by Strawberry)."""
    types: dict[str, NamedType] = {}
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        named = _named_type(name, gql_type)
        if named is not None:
            types[name] = named
    directives = {
        directive.name: DirectiveDefinition(
            name=directive.name,
            locations=tuple(location.name for location in directive.locations),
            repeatable=directive.is_repeatable,
            args={arg_name: _input_value(arg_name, arg) for arg_name, arg in directive.args.items()},
            description=directive.description,
        )
        for directive in schema.directives
        if directive.name not in SPECIFIED_DIRECTIVES
    }
    return SchemaModel(
        types=types,
        directives=directives,
        query=schema.query_type.name if schema.query_type else None,
        mutation=schema.mutation_type.name if schema.mutation_type else None,
        subscription=schema.subscription_type.name if schema.subscription_type else None,
        description=schema.description,
        # `schema { ... }` and every `extend schema @dir`, in source order (federation subgraphs start with one).
        schema_directives=_applied_directives(schema.ast_node, *schema.extension_ast_nodes),
    )


def _named_type(name: str, gql_type: Any) -> NamedType | None:
    """One named type of a graphql-core schema in the model (None for a kind the model does not know)."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
        GraphQLScalarType,
        GraphQLUnionType,
    )

    from gqlevolve.graphql_compat import specified_by_url

    common: dict[str, Any] = {
        "name": name,
        "description": gql_type.description,
        # The definition's directives, then those of each `extend type|interface|... Name @dir` in source order.
        "directives": _applied_directives(
            gql_type.ast_node, *gql_type.extension_ast_nodes, one_of_is_property=isinstance(gql_type, GraphQLInputObjectType)
        ),
    }
    if isinstance(gql_type, GraphQLScalarType):
        # graphql-core 3.2 ignores an `extend scalar X @specifiedBy` of the same document (gqlevolve.graphql_compat)
        return NamedType(kind=TypeKind.SCALAR, specified_by=specified_by_url(gql_type), **common)
    if isinstance(gql_type, (GraphQLObjectType, GraphQLInterfaceType)):
        return NamedType(
            kind=TypeKind.OBJECT if isinstance(gql_type, GraphQLObjectType) else TypeKind.INTERFACE,
            fields={field_name: _field(field_name, gql_field) for field_name, gql_field in gql_type.fields.items()},
            interfaces=tuple(interface.name for interface in gql_type.interfaces),
            **common,
        )
    if isinstance(gql_type, GraphQLUnionType):
        return NamedType(kind=TypeKind.UNION, members=tuple(member.name for member in gql_type.types), **common)
    if isinstance(gql_type, GraphQLEnumType):
        return NamedType(
            kind=TypeKind.ENUM,
            values={
                value_name: EnumValue(
                    name=value_name,
                    description=value.description,
                    deprecation=value.deprecation_reason,
                    directives=_applied_directives(value.ast_node),
                )
                for value_name, value in gql_type.values.items()
            },
            **common,
        )
    if isinstance(gql_type, GraphQLInputObjectType):
        return NamedType(
            kind=TypeKind.INPUT_OBJECT,
            input_fields={
                field_name: _input_value(field_name, input_field) for field_name, input_field in gql_type.fields.items()
            },
            # graphql-core reads @oneOf from the definition only; `extend input X @oneOf` makes it one too.
            one_of=bool(getattr(gql_type, "is_one_of", False)) or _has_directive("oneOf", gql_type.extension_ast_nodes),
            **common,
        )
    return None


def _field(name: str, gql_field: Any) -> Field:
    return Field(
        name=name,
        type=str(gql_field.type),
        args={arg_name: _input_value(arg_name, arg) for arg_name, arg in gql_field.args.items()},
        description=gql_field.description,
        deprecation=gql_field.deprecation_reason,
        directives=_applied_directives(gql_field.ast_node),
    )


def _input_value(name: str, value: Any) -> InputValue:
    from gqlevolve.graphql_compat import default_value_ast  # graphql-core 3.2 has no get_default_value_ast

    default_ast = default_value_ast(value)
    return InputValue(
        name=name,
        type=str(value.type),
        default=None if default_ast is None else print_value_node(default_ast),
        description=value.description,
        deprecation=value.deprecation_reason,
        directives=_applied_directives(value.ast_node),
    )


def _has_directive(name: str, nodes: Any) -> bool:
    return any(directive.name.value == name for node in nodes or () for directive in node.directives or ())


def _applied_directives(*nodes: Any, one_of_is_property: bool = False) -> tuple[AppliedDirective, ...]:
    """Directives applied in SDL to a definition and its extensions (graphql-core keeps them only on the AST nodes).

    ``one_of_is_property``: the element is an input object, whose ``@oneOf`` is :attr:`NamedType.one_of`.
    """
    skipped = _PROPERTY_DIRECTIVES | {"oneOf"} if one_of_is_property else _PROPERTY_DIRECTIVES
    return tuple(
        AppliedDirective(
            directive.name.value,
            tuple((arg.name.value, print_value_node(arg.value)) for arg in directive.arguments or ()),
        )
        for node in nodes
        if node is not None
        for directive in node.directives or ()
        if directive.name.value not in skipped
    )
