"""Schema coordinates (the GraphQL spec's syntax) and the deprecated elements of a schema.

A schema coordinate names one element of a schema:

==========================  ===========================================
``User``                    a named type
``User.name``               a field of an object or interface type
``UserFilter.legacyGroup``  a field of an input object type
``Role.GUEST``              a value of an enum type
``Query.users(offset:)``    an argument of a field
``@cached``                 a directive
``@cached(ttl:)``           an argument of a directive
==========================  ===========================================

:func:`parse_coordinate` is the one parser of that syntax (``User..name``, ``9x.y`` and ``User name`` are
refused, and so is anything longer than the store keeps, :data:`COORDINATE_LENGTH`); with ``element=True`` it
also refuses a type or a directive alone, which cannot carry a deprecation. Everything that checks a coordinate
(the advisor, the procedures, the reports, the store's record path, the declarations) calls it. It raises
:class:`InvalidCoordinate`, an :class:`~gqlevolve.errors.InvalidInput` (and a ``ValueError``).
:func:`check_in_schema` says whether a schema has the element a coordinate names (with close matches when not).
:func:`deprecated_elements` lists every element of a schema that has a ``deprecation_reason``, with its
reason; the operation analysis (:mod:`gqlevolve.operation_analysis`) finds which of them an operation uses.

Example (``schema``: a Strawberry schema whose ``User.name``, ``Query.users(offset:)``, ``UserFilter.legacyGroup``
and ``Role.GUEST`` are deprecated):

    >>> format_coordinate("Query", "users", "offset")
    'Query.users(offset:)'
    >>> parse_coordinate("Query.users(offset:)")
    SchemaCoordinate(type_name='Query', member='users', argument='offset', directive=False)
    >>> is_valid_coordinate("User..name")
    False
    >>> parse_coordinate("User", element=True)
    Traceback (most recent call last):
    ...
    gqlevolve.coordinates.InvalidCoordinate: "User" names a type, which cannot be deprecated: expected Type.field, ...
    >>> check_in_schema("User.nmae", schema, where="the v1 schema")
    Traceback (most recent call last):
    ...
    gqlevolve.coordinates.UnknownCoordinate: the v1 schema has no User.nmae (User has no field nmae); did you mean User.name, User.fullName, User.id?
    >>> deprecated_elements(schema)["User.name"]
    'Use fullName instead'
    >>> sorted(deprecated_elements(schema))
    ['Query.users(offset:)', 'Role.GUEST', 'User.name', 'UserFilter.legacyGroup']
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import json_quote

if TYPE_CHECKING:
    from graphql import GraphQLSchema

# graphql-core is imported by the functions that read a schema: the store checks coordinates without loading it.

__all__ = [
    "COORDINATE_LENGTH",
    "InvalidCoordinate",
    "SchemaCoordinate",
    "UnknownCoordinate",
    "argument_coordinate",
    "check_in_schema",
    "deprecated_elements",
    "directive_argument_coordinate",
    "format_coordinate",
    "graphql_core_schema",
    "is_valid_coordinate",
    "member_coordinate",
    "parse_coordinate",
    "schema_coordinates",
]

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_COORDINATE = re.compile(
    rf"(?:(?P<type>{_NAME})(?:\.(?P<member>{_NAME})(?:\((?P<argument>{_NAME}):\))?)?"
    rf"|@(?P<directive>{_NAME})(?:\((?P<directive_argument>{_NAME}):\))?)"
)


#: The longest coordinate the usage store keeps (its coordinate columns are this wide).
COORDINATE_LENGTH = 300


class InvalidCoordinate(InvalidInput):
    """A string that is not a schema coordinate (``field``: ``coordinate``)."""

    def __init__(self, message: str, *, field: str | None = "coordinate", **extra: Any) -> None:
        super().__init__(message, field=field, **extra)


class UnknownCoordinate(InvalidCoordinate):
    """A well-formed coordinate naming an element that the schema it was checked against does not have."""


class SchemaCoordinate(NamedTuple):
    """A parsed coordinate. ``type_name`` is the directive's name (without ``@``) when ``directive`` is true."""

    type_name: str
    member: str | None = None
    argument: str | None = None
    directive: bool = False

    def __str__(self) -> str:
        if self.directive:
            return f"@{self.type_name}" + (f"({self.argument}:)" if self.argument else "")
        return format_coordinate(self.type_name, self.member, self.argument)


def format_coordinate(type_name: str, member: str | None = None, argument: str | None = None) -> str:
    """``Type``, ``Type.member`` or ``Type.member(argument:)``."""
    if member is None:
        if argument is not None:
            raise InvalidCoordinate(f"an argument ({json_quote(argument)}) needs a field")
        return type_name
    if argument is None:
        return f"{type_name}.{member}"
    return f"{type_name}.{member}({argument}:)"


def member_coordinate(type_name: str, member: str) -> str:
    """A field (of an object, interface or input type) or an enum value: ``Type.member``."""
    return f"{type_name}.{member}"


def argument_coordinate(type_name: str, field_name: str, argument: str) -> str:
    return f"{type_name}.{field_name}({argument}:)"


def directive_argument_coordinate(directive: str, argument: str) -> str:
    return f"@{directive}({argument}:)"


def parse_coordinate(text: str, *, element: bool = False) -> SchemaCoordinate:
    """Parse a coordinate; :class:`InvalidCoordinate` (an ``InvalidInput``, a ``ValueError``) says what is wrong
    with a bad one, showing it JSON-style (``"User name"``).

    ``element=True`` accepts only what can be deprecated: ``Type.field``, ``Type.field(argument:)``,
    ``Enum.VALUE``, ``Input.field`` and ``@directive(argument:)``; a type or a directive alone is refused.
    A coordinate longer than :data:`COORDINATE_LENGTH` is refused: the store could not keep it.
    """
    if not isinstance(text, str):
        raise InvalidCoordinate(f"a schema coordinate is a string, not {type(text).__name__}")
    if len(text) > COORDINATE_LENGTH:
        raise InvalidCoordinate(
            f"a schema coordinate has at most {COORDINATE_LENGTH} characters, not {len(text)}: {json_quote(text)}"
        )
    match = _COORDINATE.fullmatch(text)
    if match is None:
        raise InvalidCoordinate(
            f"{json_quote(text)} is not a schema coordinate: expected Type, Type.field, Type.field(argument:), "
            "Enum.VALUE, Input.field, @directive or @directive(argument:)"
        )
    if match["directive"]:
        parsed = SchemaCoordinate(match["directive"], argument=match["directive_argument"], directive=True)
    else:
        parsed = SchemaCoordinate(match["type"], match["member"], match["argument"])
    if element and parsed.member is None and parsed.argument is None:
        raise InvalidCoordinate(
            f"{json_quote(text)} names a {'directive' if parsed.directive else 'type'}, which cannot be deprecated: expected "
            "Type.field, Type.field(argument:), Enum.VALUE, Input.field or @directive(argument:)"
        )
    return parsed


def is_valid_coordinate(text: object, *, element: bool = False) -> bool:
    """Whether :func:`parse_coordinate` accepts ``text``."""
    try:
        parse_coordinate(text, element=element)  # type: ignore[arg-type]
    except InvalidCoordinate:
        return False
    return True


def schema_coordinates(schema: Any, *, types: bool = False) -> set[str]:
    """The coordinate of every element of ``schema`` that can carry a deprecation: fields of object, interface
    and input types, their arguments, enum values and the arguments of the schema's own directives; with
    ``types``, the names of its types too (scalars, unions and the rest: whole-schema usage counts them).

    >>> sorted(schema_coordinates("type Query { a(n: Int): String }", types=True))
    ['Boolean', 'Int', 'Query', 'Query.a', 'Query.a(n:)', 'String']
    """
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
        is_specified_directive,
    )

    core = _core_schema(schema)
    found: set[str] = set()
    for type_name, named_type in core.type_map.items():
        if type_name.startswith("__"):
            continue
        if types:
            found.add(type_name)
        if isinstance(named_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named_type.fields.items():
                found.add(member_coordinate(type_name, field_name))
                found.update(argument_coordinate(type_name, field_name, argument) for argument in field.args)
        elif isinstance(named_type, GraphQLInputObjectType):
            found.update(member_coordinate(type_name, field_name) for field_name in named_type.fields)
        elif isinstance(named_type, GraphQLEnumType):
            found.update(member_coordinate(type_name, value_name) for value_name in named_type.values)
    for directive in core.directives:
        if not is_specified_directive(directive):
            found.update(directive_argument_coordinate(directive.name, argument) for argument in directive.args)
    return found


def check_in_schema(coordinate: str, schema: Any, *, where: str = "the schema") -> SchemaCoordinate:
    """``coordinate`` parsed (``element=True``) if ``schema`` has that element; else :class:`UnknownCoordinate`
    naming ``where`` (e.g. ``"the v1 schema"``) and the closest coordinates it does have.

    ``schema`` is a Strawberry schema, a graphql-core ``GraphQLSchema`` or SDL text.
    """
    from graphql import GraphQLEnumType

    parsed = parse_coordinate(coordinate, element=True)
    core = _core_schema(schema)
    known = schema_coordinates(core)
    if coordinate in known:
        return parsed
    if parsed.directive:
        missing = f"no directive @{parsed.type_name}" if core.get_directive(parsed.type_name) is None else None
    else:
        missing = f"no type {parsed.type_name}" if parsed.type_name not in core.type_map else None
    if missing is None:
        owner = str(parsed._replace(argument=None)) if parsed.argument is not None and not parsed.directive else None
        if owner is not None and owner in known:
            missing = f"{owner} has no argument {parsed.argument}"
        elif parsed.directive:
            missing = f"@{parsed.type_name} has no argument {parsed.argument}"
        else:
            noun = "value" if isinstance(core.type_map[parsed.type_name], GraphQLEnumType) else "field"
            missing = f"{parsed.type_name} has no {noun} {parsed.member}"
    close = difflib.get_close_matches(coordinate, sorted(known), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownCoordinate(f"{where} has no {coordinate} ({missing}){hint}")


def _core_schema(schema: Any) -> GraphQLSchema:
    from graphql import build_schema

    return build_schema(schema) if isinstance(schema, str) else graphql_core_schema(schema)


def graphql_core_schema(schema: Any) -> GraphQLSchema:
    """The graphql-core schema of a Strawberry schema (or the schema itself)."""
    from graphql import GraphQLSchema

    if isinstance(schema, GraphQLSchema):
        return schema
    inner = getattr(schema, "_schema", None)
    if isinstance(inner, GraphQLSchema):
        return inner
    raise TypeError(f"expected a Strawberry or graphql-core schema, not {type(schema).__name__}")


def deprecated_elements(schema: Any) -> dict[str, str]:
    """Every deprecated element of ``schema`` (Strawberry or graphql-core) by coordinate, with its reason."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
        is_specified_directive,
    )

    core = graphql_core_schema(schema)
    found: dict[str, str] = {}
    for type_name, named_type in core.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(named_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named_type.fields.items():
                if field.deprecation_reason is not None:
                    found[member_coordinate(type_name, field_name)] = field.deprecation_reason
                for argument_name, argument in field.args.items():
                    if argument.deprecation_reason is not None:
                        found[argument_coordinate(type_name, field_name, argument_name)] = argument.deprecation_reason
        elif isinstance(named_type, GraphQLInputObjectType):
            for field_name, input_field in named_type.fields.items():
                if input_field.deprecation_reason is not None:
                    found[member_coordinate(type_name, field_name)] = input_field.deprecation_reason
        elif isinstance(named_type, GraphQLEnumType):
            for value_name, value in named_type.values.items():
                if value.deprecation_reason is not None:
                    found[member_coordinate(type_name, value_name)] = value.deprecation_reason
    for directive in core.directives:
        if is_specified_directive(directive):
            continue
        for argument_name, argument in directive.args.items():
            if argument.deprecation_reason is not None:
                found[directive_argument_coordinate(directive.name, argument_name)] = argument.deprecation_reason
    return found
