"""What differs between the graphql-core releases gqlevolve runs on, in one place.

Graphene 3 needs graphql-core 3.2 and Strawberry needs 3.3, so the core (the analysis, the monitor, the store and
everything above them but the Strawberry adapter) runs on both. Only one thing it uses differs:

- :func:`coerces`: whether a raw variable value coerces to an input type, stopping at the first error. 3.3's
  ``coerce_input_value`` returns ``Undefined`` for a value it refuses; 3.2's calls an ``on_error`` callback for each
  error (by default one that raises) and goes on past the errors when the callback returns;
- :func:`nested_too_deeply`: graphql-core's check that a variable value does not nest deeper than it accepts
  (3.3.2 and 3.2.14 make it before coercing; older releases did not, and this answers False there);
- :func:`default_value_ast`: an argument's or input field's default value as a literal (3.3 has
  ``get_default_value_ast``; 3.2 keeps the default as a Python value, printed back with ``ast_from_value``);
- :func:`specified_by_url`: a scalar's ``@specifiedBy`` URL, that of an ``extend scalar`` in the same SDL document
  included (3.3 reads it; 3.2 reads the definition's only, and an extension's only through ``extend_schema``).

Example:

    >>> from graphql import GraphQLInt, GraphQLList, GraphQLNonNull
    >>> coerces(1, GraphQLNonNull(GraphQLInt)), coerces(None, GraphQLNonNull(GraphQLInt)), coerces("1", GraphQLInt)
    (True, False, False)
    >>> coerces([1, 2], GraphQLList(GraphQLInt)), coerces([1, "x"], GraphQLList(GraphQLInt))
    (True, False)
    >>> from graphql import build_schema, print_ast
    >>> arguments = build_schema('type Query { greet(name: String = "Ada", times: Int): String }').query_type.fields["greet"].args
    >>> print_ast(default_value_ast(arguments["name"])), default_value_ast(arguments["times"])
    ('"Ada"', None)
    >>> scalar = build_schema('type Query { at: Day } scalar Day extend scalar Day @specifiedBy(url: "https://x.example/day")').type_map["Day"]
    >>> specified_by_url(scalar)
    'https://x.example/day'
    >>> GRAPHQL_CORE_VERSION >= (3, 2)
    True
"""

from __future__ import annotations

import inspect
from typing import Any

from graphql import (
    ConstValueNode,
    GraphQLArgument,
    GraphQLInputField,
    GraphQLInputType,
    GraphQLScalarType,
    GraphQLSpecifiedByDirective,
    Undefined,
    get_directive_values,
    version_info,
)
from graphql import utilities as _utilities
from graphql.execution import values as _values
from graphql.utilities import coerce_input_value as _coerce_input_value

__all__ = ["GRAPHQL_CORE_VERSION", "coerces", "default_value_ast", "nested_too_deeply", "specified_by_url"]

#: The graphql-core release in use, as (major, minor, micro).
GRAPHQL_CORE_VERSION: tuple[int, int, int] = (version_info.major, version_info.minor, version_info.micro)

# Typed as Any: each release's signature is checked against the other's stubs otherwise.
_coerce: Any = _coerce_input_value
# 3.2 takes ``on_error``; 3.3 dropped it for the Undefined answer (read from the signature, not the version number,
# so a pre-release that changed it is still read right).
_TAKES_ON_ERROR = "on_error" in inspect.signature(_coerce_input_value).parameters
_input_is_nested_too_deeply: Any = getattr(_values, "input_is_nested_too_deeply", None)


class _Refused(Exception):
    """Raised by the 3.2 ``on_error`` callback: stop at the first error, compose no message."""


def _refuse(*_args: Any) -> None:
    raise _Refused


def coerces(value: Any, input_type: GraphQLInputType) -> bool:
    """Whether graphql-core coerces the raw ``value`` (a variable's value as sent) to ``input_type``."""
    try:
        if _TAKES_ON_ERROR:
            return _coerce(value, input_type, _refuse) is not Undefined
        return _coerce(value, input_type) is not Undefined
    except (_Refused, RecursionError):  # graphql-core refuses a value too deep to coerce too
        return False


def nested_too_deeply(value: Any, input_type: GraphQLInputType) -> bool:
    """Whether graphql-core refuses ``value`` before coercing it because it nests too deeply (False where it does
    not check)."""
    return _input_is_nested_too_deeply is not None and bool(_input_is_nested_too_deeply(value, input_type))


_get_default_value_ast: Any = getattr(_utilities, "get_default_value_ast", None)  # 3.3 only


def default_value_ast(value: GraphQLArgument | GraphQLInputField) -> ConstValueNode | None:
    """The default value of an argument or input field as a literal; None when it has none."""
    if _get_default_value_ast is not None:
        return _get_default_value_ast(value)  # type: ignore[no-any-return]
    default = value.default_value
    if default is Undefined:
        return None
    node: Any = _utilities.ast_from_value(default, value.type)
    return node  # type: ignore[no-any-return]


def specified_by_url(scalar: GraphQLScalarType) -> str | None:
    """The scalar's ``@specifiedBy`` URL: the last extension's that sets one, else the definition's."""
    for node in reversed(scalar.extension_ast_nodes or ()):
        applied = get_directive_values(GraphQLSpecifiedByDirective, node)
        if applied and isinstance(applied.get("url"), str):
            return str(applied["url"])
    return scalar.specified_by_url
