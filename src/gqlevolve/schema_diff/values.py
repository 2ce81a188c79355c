"""Print GraphQL literals (default values, directive arguments) in one canonical, one-line form.

Two literals that mean the same value print the same: object fields sorted (graphql-core's
natural order, as ``find_schema_changes`` does), block strings printed as ordinary strings, no
line wrapping. The fast SDL reader prints its own tokens with :func:`print_string` and
:func:`sorted_object_fields`; :func:`print_value_node` prints graphql-core's AST the same way, so
models from either source compare equal.

    >>> print_value_node(__import__("graphql").parse_value('{b: [1, 2], a: "x"}'))
    '{a: "x", b: [1, 2]}'
"""

from __future__ import annotations

import json
import re
from itertools import cycle
from typing import Any

__all__ = ["natural_key", "print_string", "print_value_node", "sorted_object_fields"]

_DIGITS = re.compile(r"(\d+)")


def natural_key(key: str) -> tuple[Any, ...]:
    """graphql-core's ``natural_comparison_key``, without importing graphql-core."""
    return tuple(
        (int(part), part) if is_digit else part for part, is_digit in zip(_DIGITS.split(key), cycle((False, True)))
    )


def print_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def sorted_object_fields(fields: list[tuple[str, str]]) -> str:
    fields.sort(key=lambda item: natural_key(item[0]))
    return "{" + ", ".join(f"{name}: {value}" for name, value in fields) + "}"


def print_value_node(node: Any) -> str:
    """A graphql-core ``ValueNode`` in the canonical form."""
    kind = node.kind
    if kind == "string_value":
        return print_string(node.value)
    if kind == "list_value":
        return "[" + ", ".join(print_value_node(item) for item in node.values) + "]"
    if kind == "object_value":
        return sorted_object_fields([(item.name.value, print_value_node(item.value)) for item in node.fields])
    if kind == "boolean_value":
        return "true" if node.value else "false"
    if kind == "null_value":
        return "null"
    if kind == "variable":  # not valid in SDL; printed for completeness
        return f"${node.name.value}"
    return str(node.value)  # int, float, enum
