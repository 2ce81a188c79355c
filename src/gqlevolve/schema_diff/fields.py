"""Compare the fields of an object or interface, their arguments, and input object fields.

Arguments and input fields are both *input values*: the same rules decide their type changes
(looser is safe), their defaults (a change is dangerous) and their addition (required is
breaking). :func:`input_value_changes` serves both, and directive arguments too.

    >>> from gqlevolve.schema_diff.model import Field
    >>> [c.kind.value for c in field_changes("User", {"name": Field("name", "String")}, {})]
    ['FIELD_REMOVED']
"""

from __future__ import annotations

from collections.abc import Iterator

from gqlevolve.schema_diff.changes import (
    Change,
    ChangeKind,
    Criticality,
    is_safe_input_type_change,
    is_safe_output_type_change,
)
from gqlevolve.schema_diff.elements import deprecation_changes, description_change, directive_usage_changes
from gqlevolve.schema_diff.model import Field, InputValue

__all__ = ["added_input_value_criticality", "field_changes", "input_value_changes"]


def field_changes(type_name: str, old: dict[str, Field], new: dict[str, Field]) -> Iterator[Change]:
    for name, old_field in old.items():
        coordinate = f"{type_name}.{name}"
        new_field = new.get(name)
        if new_field is None:
            yield Change(
                ChangeKind.FIELD_REMOVED,
                coordinate,
                f"Field '{coordinate}'{' (deprecated)' if old_field.deprecation else ''} was removed.",
                old=old_field.type,
                deprecated=old_field.deprecation is not None,
            )
        elif old_field != new_field:
            yield from _persisted_field_changes(coordinate, old_field, new_field)
    for name, new_field in new.items():
        if name not in old:
            coordinate = f"{type_name}.{name}"
            yield Change(
                ChangeKind.FIELD_ADDED, coordinate, f"Field '{coordinate}' was added.", new=new_field.type
            )


def _persisted_field_changes(coordinate: str, old: Field, new: Field) -> Iterator[Change]:
    if old.type != new.type:
        safe = is_safe_output_type_change(old.type, new.type)
        yield Change(
            ChangeKind.FIELD_TYPE_CHANGED,
            coordinate,
            f"Field '{coordinate}' changed type from '{old.type}' to '{new.type}'.",
            Criticality.SAFE if safe else Criticality.BREAKING,
            old=old.type,
            new=new.type,
            deprecated=old.deprecation is not None,
        )
    yield from description_change(ChangeKind.FIELD_DESCRIPTION_CHANGED, coordinate, old.description, new.description)
    yield from deprecation_changes("FIELD", coordinate, old.deprecation, new.deprecation)
    yield from directive_usage_changes(coordinate, old.directives, new.directives)
    if old.args != new.args:
        yield from input_value_changes("ARG", coordinate, old.args, new.args)


def input_value_changes(
    element: str, owner: str, old: dict[str, InputValue], new: dict[str, InputValue]
) -> Iterator[Change]:
    """``element`` is ``ARG``, ``INPUT_FIELD`` or ``DIRECTIVE_ARG``; ``owner`` the field, input type or ``@dir``."""
    for name, old_value in old.items():
        coordinate = _coordinate(element, owner, name)
        new_value = new.get(name)
        if new_value is None:
            yield Change(
                ChangeKind[f"{element}_REMOVED"],
                coordinate,
                f"{_label(element)} '{coordinate}'{' (deprecated)' if old_value.deprecation else ''} was removed.",
                old=old_value.type,
                deprecated=old_value.deprecation is not None,
            )
        elif old_value != new_value:
            yield from _persisted_input_value_changes(element, coordinate, old_value, new_value)
    for name, new_value in new.items():
        if name not in old:
            coordinate = _coordinate(element, owner, name)
            criticality = added_input_value_criticality(element, new_value)
            required = "required" if new_value.type.endswith("!") and new_value.default is None else "optional"
            yield Change(
                ChangeKind[f"{element}_ADDED"],
                coordinate,
                f"{_label(element)} '{coordinate}' ({required}) was added.",
                criticality,
                new=new_value.type,
            )


def added_input_value_criticality(element: str, value: InputValue) -> Criticality:
    """Required (non-null, no default) is breaking: every existing call now lacks it.

    Otherwise an added field argument is dangerous (both anchors: a resolver may now behave
    differently), an added directive argument safe; an added input field is safe when it is
    nullable without a default (the value a client sends means what it meant) and dangerous when
    a default now fills it in (see docs/schema-diff.md).
    """
    if value.type.endswith("!") and value.default is None:
        return Criticality.BREAKING
    if element == "ARG":
        return Criticality.DANGEROUS
    if element == "INPUT_FIELD":
        return Criticality.SAFE if value.default is None else Criticality.DANGEROUS
    return Criticality.SAFE


def _persisted_input_value_changes(
    element: str, coordinate: str, old: InputValue, new: InputValue
) -> Iterator[Change]:
    if old.type != new.type:
        safe = is_safe_input_type_change(old.type, new.type)
        yield Change(
            ChangeKind[f"{element}_TYPE_CHANGED"],
            coordinate,
            f"{_label(element)} '{coordinate}' changed type from '{old.type}' to '{new.type}'.",
            Criticality.SAFE if safe else Criticality.BREAKING,
            old=old.type,
            new=new.type,
            deprecated=old.deprecation is not None,
        )
    if old.default != new.default:
        if old.default is None:
            message = f"Default value {new.default} was added to '{coordinate}'."
        elif new.default is None:
            message = f"Default value {old.default} was removed from '{coordinate}'."
        else:
            message = f"Default value of '{coordinate}' changed from {old.default} to {new.default}."
        yield Change(
            ChangeKind[f"{element}_DEFAULT_VALUE_CHANGED"], coordinate, message, old=old.default, new=new.default
        )
    yield from description_change(
        ChangeKind[f"{element}_DESCRIPTION_CHANGED"], coordinate, old.description, new.description
    )
    if element != "DIRECTIVE_ARG":  # directive arguments cannot be deprecated or carry directives we track
        yield from deprecation_changes(element, coordinate, old.deprecation, new.deprecation)
        yield from directive_usage_changes(coordinate, old.directives, new.directives)


def _coordinate(element: str, owner: str, name: str) -> str:
    return f"{owner}.{name}" if element == "INPUT_FIELD" else f"{owner}({name}:)"


def _label(element: str) -> str:
    return {"ARG": "Argument", "INPUT_FIELD": "Input field", "DIRECTIVE_ARG": "Directive argument"}[element]
