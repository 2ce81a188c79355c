"""Compare named types: added, removed, kind changed, and what each kind holds.

    >>> from gqlevolve.schema_diff.model import NamedType, TypeKind
    >>> old = NamedType("Color", TypeKind.ENUM, values={"RED": EnumValue("RED")})
    >>> new = NamedType("Color", TypeKind.ENUM)
    >>> [c.coordinate for c in type_changes(old, new)]
    ['Color.RED']
"""

from __future__ import annotations

from collections.abc import Iterator

from gqlevolve.schema_diff.changes import Change, ChangeKind
from gqlevolve.schema_diff.elements import deprecation_changes, description_change, directive_usage_changes
from gqlevolve.schema_diff.fields import field_changes, input_value_changes
from gqlevolve.schema_diff.model import EnumValue, NamedType, TypeKind

__all__ = ["type_changes", "type_map_changes"]


def type_map_changes(old: dict[str, NamedType], new: dict[str, NamedType]) -> Iterator[Change]:
    for name, old_type in old.items():
        new_type = new.get(name)
        if new_type is None:
            yield Change(
                ChangeKind.TYPE_REMOVED, name, f"Type '{name}' was removed.", old=old_type.kind.value
            )
        elif old_type != new_type:
            yield from type_changes(old_type, new_type)
    for name, new_type in new.items():
        if name not in old:
            yield Change(ChangeKind.TYPE_ADDED, name, f"Type '{name}' was added.", new=new_type.kind.value)


def type_changes(old: NamedType, new: NamedType) -> Iterator[Change]:
    name = old.name
    if old.kind is not new.kind:
        yield Change(
            ChangeKind.TYPE_KIND_CHANGED,
            name,
            f"'{name}' changed from {_kind_label(old.kind)} to {_kind_label(new.kind)}.",
            old=old.kind.value,
            new=new.kind.value,
        )
        return  # what the old kind held is gone with it; one change says so
    yield from description_change(ChangeKind.TYPE_DESCRIPTION_CHANGED, name, old.description, new.description)
    yield from directive_usage_changes(name, old.directives, new.directives)
    if old.kind in (TypeKind.OBJECT, TypeKind.INTERFACE):
        yield from _interface_changes(name, old.interfaces, new.interfaces)
        if old.fields != new.fields:
            yield from field_changes(name, old.fields, new.fields)
    elif old.kind is TypeKind.INPUT_OBJECT:
        yield from _one_of_changes(name, old.one_of, new.one_of)
        if old.input_fields != new.input_fields:
            yield from input_value_changes("INPUT_FIELD", name, old.input_fields, new.input_fields)
    elif old.kind is TypeKind.ENUM:
        if old.values != new.values:
            yield from _enum_value_changes(name, old.values, new.values)
    elif old.kind is TypeKind.UNION:
        yield from _union_member_changes(name, old.members, new.members)
    elif old.kind is TypeKind.SCALAR and old.specified_by != new.specified_by:
        yield Change(
            ChangeKind.SCALAR_SPECIFIED_BY_CHANGED,
            name,
            f"The @specifiedBy URL of scalar '{name}' changed from {old.specified_by} to {new.specified_by}.",
            old=old.specified_by,
            new=new.specified_by,
        )


def _interface_changes(name: str, old: tuple[str, ...], new: tuple[str, ...]) -> Iterator[Change]:
    if old == new:
        return
    for interface in old:
        if interface not in new:
            yield Change(
                ChangeKind.INTERFACE_IMPLEMENTATION_REMOVED,
                name,
                f"'{name}' no longer implements interface '{interface}'.",
                old=interface,
            )
    for interface in new:
        if interface not in old:
            yield Change(
                ChangeKind.INTERFACE_IMPLEMENTATION_ADDED,
                name,
                f"'{name}' now implements interface '{interface}'.",
                new=interface,
            )


def _union_member_changes(name: str, old: tuple[str, ...], new: tuple[str, ...]) -> Iterator[Change]:
    if old == new:
        return
    for member in old:
        if member not in new:
            yield Change(
                ChangeKind.UNION_MEMBER_REMOVED, name, f"'{member}' was removed from union '{name}'.", old=member
            )
    for member in new:
        if member not in old:
            yield Change(
                ChangeKind.UNION_MEMBER_ADDED, name, f"'{member}' was added to union '{name}'.", new=member
            )


def _enum_value_changes(name: str, old: dict[str, EnumValue], new: dict[str, EnumValue]) -> Iterator[Change]:
    for value_name, old_value in old.items():
        coordinate = f"{name}.{value_name}"
        new_value = new.get(value_name)
        if new_value is None:
            deprecated = old_value.deprecation is not None
            yield Change(
                ChangeKind.ENUM_VALUE_REMOVED,
                coordinate,
                f"Enum value '{coordinate}'{' (deprecated)' if deprecated else ''} was removed.",
                old=value_name,
                deprecated=deprecated,
            )
        elif old_value != new_value:
            yield from description_change(
                ChangeKind.ENUM_VALUE_DESCRIPTION_CHANGED, coordinate, old_value.description, new_value.description
            )
            yield from deprecation_changes("ENUM_VALUE", coordinate, old_value.deprecation, new_value.deprecation)
            yield from directive_usage_changes(coordinate, old_value.directives, new_value.directives)
    for value_name in new:
        if value_name not in old:
            coordinate = f"{name}.{value_name}"
            yield Change(
                ChangeKind.ENUM_VALUE_ADDED, coordinate, f"Enum value '{coordinate}' was added.", new=value_name
            )


def _one_of_changes(name: str, old: bool, new: bool) -> Iterator[Change]:
    if old and not new:
        yield Change(ChangeKind.INPUT_ONE_OF_REMOVED, name, f"'{name}' is no longer a @oneOf input.")
    elif new and not old:
        yield Change(
            ChangeKind.INPUT_ONE_OF_ADDED, name, f"'{name}' became a @oneOf input: exactly one field may be set."
        )


def _kind_label(kind: TypeKind) -> str:
    return {
        TypeKind.SCALAR: "a scalar",
        TypeKind.OBJECT: "an object type",
        TypeKind.INTERFACE: "an interface",
        TypeKind.UNION: "a union",
        TypeKind.ENUM: "an enum",
        TypeKind.INPUT_OBJECT: "an input object type",
    }[kind]
