"""What a change is: its kind, its criticality, where it happened.

Each :class:`ChangeKind` has a fixed criticality except the few whose risk depends on the change
itself (a type made stricter, an argument added with or without a default); those are decided by
the compare functions with the rules below (:func:`is_safe_output_type_change`,
:func:`is_safe_input_type_change`). The rules and the decisions where graphql-core and
graphql-inspector disagree are documented in ``docs/schema-diff.md``.

    >>> change = Change(ChangeKind.FIELD_REMOVED, "User.name", "Field 'User.name' was removed.")
    >>> change.criticality
    <Criticality.BREAKING: 'breaking'>
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Change",
    "ChangeKind",
    "Criticality",
    "is_safe_input_type_change",
    "is_safe_output_type_change",
]


class Criticality(StrEnum):
    BREAKING = "breaking"  # a query, a variable or a response that worked before may now fail
    DANGEROUS = "dangerous"  # valid before and after, but the runtime behaviour a client sees may change
    SAFE = "safe"


B, D, S = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE


class ChangeKind(StrEnum):
    """Every change the differ reports; the default criticality is in :data:`DEFAULT_CRITICALITY`."""

    # schema
    SCHEMA_ROOT_TYPE_CHANGED = "SCHEMA_ROOT_TYPE_CHANGED"
    SCHEMA_DESCRIPTION_CHANGED = "SCHEMA_DESCRIPTION_CHANGED"
    # named types
    TYPE_ADDED = "TYPE_ADDED"
    TYPE_REMOVED = "TYPE_REMOVED"
    TYPE_KIND_CHANGED = "TYPE_KIND_CHANGED"
    TYPE_DESCRIPTION_CHANGED = "TYPE_DESCRIPTION_CHANGED"
    SCALAR_SPECIFIED_BY_CHANGED = "SCALAR_SPECIFIED_BY_CHANGED"
    INPUT_ONE_OF_ADDED = "INPUT_ONE_OF_ADDED"
    INPUT_ONE_OF_REMOVED = "INPUT_ONE_OF_REMOVED"
    # object and interface fields
    FIELD_ADDED = "FIELD_ADDED"
    FIELD_REMOVED = "FIELD_REMOVED"
    FIELD_TYPE_CHANGED = "FIELD_TYPE_CHANGED"
    FIELD_DESCRIPTION_CHANGED = "FIELD_DESCRIPTION_CHANGED"
    FIELD_DEPRECATION_ADDED = "FIELD_DEPRECATION_ADDED"
    FIELD_DEPRECATION_REMOVED = "FIELD_DEPRECATION_REMOVED"
    FIELD_DEPRECATION_REASON_CHANGED = "FIELD_DEPRECATION_REASON_CHANGED"
    # field arguments
    ARG_ADDED = "ARG_ADDED"
    ARG_REMOVED = "ARG_REMOVED"
    ARG_TYPE_CHANGED = "ARG_TYPE_CHANGED"
    ARG_DEFAULT_VALUE_CHANGED = "ARG_DEFAULT_VALUE_CHANGED"
    ARG_DESCRIPTION_CHANGED = "ARG_DESCRIPTION_CHANGED"
    ARG_DEPRECATION_ADDED = "ARG_DEPRECATION_ADDED"
    ARG_DEPRECATION_REMOVED = "ARG_DEPRECATION_REMOVED"
    ARG_DEPRECATION_REASON_CHANGED = "ARG_DEPRECATION_REASON_CHANGED"
    # input object fields
    INPUT_FIELD_ADDED = "INPUT_FIELD_ADDED"
    INPUT_FIELD_REMOVED = "INPUT_FIELD_REMOVED"
    INPUT_FIELD_TYPE_CHANGED = "INPUT_FIELD_TYPE_CHANGED"
    INPUT_FIELD_DEFAULT_VALUE_CHANGED = "INPUT_FIELD_DEFAULT_VALUE_CHANGED"
    INPUT_FIELD_DESCRIPTION_CHANGED = "INPUT_FIELD_DESCRIPTION_CHANGED"
    INPUT_FIELD_DEPRECATION_ADDED = "INPUT_FIELD_DEPRECATION_ADDED"
    INPUT_FIELD_DEPRECATION_REMOVED = "INPUT_FIELD_DEPRECATION_REMOVED"
    INPUT_FIELD_DEPRECATION_REASON_CHANGED = "INPUT_FIELD_DEPRECATION_REASON_CHANGED"
    # enum values
    ENUM_VALUE_ADDED = "ENUM_VALUE_ADDED"
    ENUM_VALUE_REMOVED = "ENUM_VALUE_REMOVED"
    ENUM_VALUE_DESCRIPTION_CHANGED = "ENUM_VALUE_DESCRIPTION_CHANGED"
    ENUM_VALUE_DEPRECATION_ADDED = "ENUM_VALUE_DEPRECATION_ADDED"
    ENUM_VALUE_DEPRECATION_REMOVED = "ENUM_VALUE_DEPRECATION_REMOVED"
    ENUM_VALUE_DEPRECATION_REASON_CHANGED = "ENUM_VALUE_DEPRECATION_REASON_CHANGED"
    # unions and interfaces
    UNION_MEMBER_ADDED = "UNION_MEMBER_ADDED"
    UNION_MEMBER_REMOVED = "UNION_MEMBER_REMOVED"
    INTERFACE_IMPLEMENTATION_ADDED = "INTERFACE_IMPLEMENTATION_ADDED"
    INTERFACE_IMPLEMENTATION_REMOVED = "INTERFACE_IMPLEMENTATION_REMOVED"
    # directive definitions
    DIRECTIVE_ADDED = "DIRECTIVE_ADDED"
    DIRECTIVE_REMOVED = "DIRECTIVE_REMOVED"
    DIRECTIVE_DESCRIPTION_CHANGED = "DIRECTIVE_DESCRIPTION_CHANGED"
    DIRECTIVE_LOCATION_ADDED = "DIRECTIVE_LOCATION_ADDED"
    DIRECTIVE_LOCATION_REMOVED = "DIRECTIVE_LOCATION_REMOVED"
    DIRECTIVE_REPEATABLE_ADDED = "DIRECTIVE_REPEATABLE_ADDED"
    DIRECTIVE_REPEATABLE_REMOVED = "DIRECTIVE_REPEATABLE_REMOVED"
    DIRECTIVE_ARG_ADDED = "DIRECTIVE_ARG_ADDED"
    DIRECTIVE_ARG_REMOVED = "DIRECTIVE_ARG_REMOVED"
    DIRECTIVE_ARG_TYPE_CHANGED = "DIRECTIVE_ARG_TYPE_CHANGED"
    DIRECTIVE_ARG_DEFAULT_VALUE_CHANGED = "DIRECTIVE_ARG_DEFAULT_VALUE_CHANGED"
    DIRECTIVE_ARG_DESCRIPTION_CHANGED = "DIRECTIVE_ARG_DESCRIPTION_CHANGED"
    # directives applied to schema elements (other than @deprecated, @specifiedBy, @oneOf)
    DIRECTIVE_USAGE_ADDED = "DIRECTIVE_USAGE_ADDED"
    DIRECTIVE_USAGE_REMOVED = "DIRECTIVE_USAGE_REMOVED"
    DIRECTIVE_USAGE_CHANGED = "DIRECTIVE_USAGE_CHANGED"


# The criticality of each kind when the compare function does not decide otherwise. Kinds marked
# "decided" below are rated per change (type changes, additions with or without defaults).
DEFAULT_CRITICALITY: dict[ChangeKind, Criticality] = {
    ChangeKind.SCHEMA_ROOT_TYPE_CHANGED: B,  # decided: adding a root type that was absent is safe
    ChangeKind.SCHEMA_DESCRIPTION_CHANGED: S,
    ChangeKind.TYPE_ADDED: S,
    ChangeKind.TYPE_REMOVED: B,
    ChangeKind.TYPE_KIND_CHANGED: B,
    ChangeKind.TYPE_DESCRIPTION_CHANGED: S,
    ChangeKind.SCALAR_SPECIFIED_BY_CHANGED: D,
    ChangeKind.INPUT_ONE_OF_ADDED: B,  # input made stricter: a value with two fields set now fails
    ChangeKind.INPUT_ONE_OF_REMOVED: S,  # input made looser
    ChangeKind.FIELD_ADDED: S,
    ChangeKind.FIELD_REMOVED: B,
    ChangeKind.FIELD_TYPE_CHANGED: B,  # decided: stricter output types are safe
    ChangeKind.FIELD_DESCRIPTION_CHANGED: S,
    ChangeKind.FIELD_DEPRECATION_ADDED: S,
    ChangeKind.FIELD_DEPRECATION_REMOVED: S,
    ChangeKind.FIELD_DEPRECATION_REASON_CHANGED: S,
    ChangeKind.ARG_ADDED: B,  # decided: required without default breaking, else dangerous
    ChangeKind.ARG_REMOVED: B,
    ChangeKind.ARG_TYPE_CHANGED: B,  # decided: looser input types are safe
    ChangeKind.ARG_DEFAULT_VALUE_CHANGED: D,
    ChangeKind.ARG_DESCRIPTION_CHANGED: S,
    ChangeKind.ARG_DEPRECATION_ADDED: S,
    ChangeKind.ARG_DEPRECATION_REMOVED: S,
    ChangeKind.ARG_DEPRECATION_REASON_CHANGED: S,
    ChangeKind.INPUT_FIELD_ADDED: B,  # decided: required breaking, with default dangerous, else safe
    ChangeKind.INPUT_FIELD_REMOVED: B,
    ChangeKind.INPUT_FIELD_TYPE_CHANGED: B,  # decided: looser input types are safe
    ChangeKind.INPUT_FIELD_DEFAULT_VALUE_CHANGED: D,
    ChangeKind.INPUT_FIELD_DESCRIPTION_CHANGED: S,
    ChangeKind.INPUT_FIELD_DEPRECATION_ADDED: S,
    ChangeKind.INPUT_FIELD_DEPRECATION_REMOVED: S,
    ChangeKind.INPUT_FIELD_DEPRECATION_REASON_CHANGED: S,
    ChangeKind.ENUM_VALUE_ADDED: D,  # a client's exhaustive switch meets a value it does not know
    ChangeKind.ENUM_VALUE_REMOVED: B,
    ChangeKind.ENUM_VALUE_DESCRIPTION_CHANGED: S,
    ChangeKind.ENUM_VALUE_DEPRECATION_ADDED: S,
    ChangeKind.ENUM_VALUE_DEPRECATION_REMOVED: S,
    ChangeKind.ENUM_VALUE_DEPRECATION_REASON_CHANGED: S,
    ChangeKind.UNION_MEMBER_ADDED: D,
    ChangeKind.UNION_MEMBER_REMOVED: B,
    ChangeKind.INTERFACE_IMPLEMENTATION_ADDED: D,
    ChangeKind.INTERFACE_IMPLEMENTATION_REMOVED: B,
    ChangeKind.DIRECTIVE_ADDED: S,
    ChangeKind.DIRECTIVE_REMOVED: B,
    ChangeKind.DIRECTIVE_DESCRIPTION_CHANGED: S,
    ChangeKind.DIRECTIVE_LOCATION_ADDED: S,
    ChangeKind.DIRECTIVE_LOCATION_REMOVED: B,
    ChangeKind.DIRECTIVE_REPEATABLE_ADDED: S,
    ChangeKind.DIRECTIVE_REPEATABLE_REMOVED: B,  # a document repeating it becomes invalid
    ChangeKind.DIRECTIVE_ARG_ADDED: B,  # decided: required breaking, else safe
    ChangeKind.DIRECTIVE_ARG_REMOVED: B,
    ChangeKind.DIRECTIVE_ARG_TYPE_CHANGED: B,  # decided: looser input types are safe
    ChangeKind.DIRECTIVE_ARG_DEFAULT_VALUE_CHANGED: D,
    ChangeKind.DIRECTIVE_ARG_DESCRIPTION_CHANGED: S,
    ChangeKind.DIRECTIVE_USAGE_ADDED: D,
    ChangeKind.DIRECTIVE_USAGE_REMOVED: D,
    ChangeKind.DIRECTIVE_USAGE_CHANGED: D,
}


@dataclass(slots=True)
class Change:
    """One difference between two schemas.

    ``coordinate`` is the schema coordinate of the element the change is about (for an argument
    added: the argument; for an enum value removed: the value). ``old``/``new`` hold the values
    that changed (a type, a default, a reason, a description) where they apply. ``deprecated`` is
    true when the removed or changed element was deprecated in the old schema; ``approval`` is set
    by ``gqlevolve check --db`` when usage data approve such a removal, or any breaking change that no operation
    it breaks was seen doing (:mod:`~gqlevolve.schema_diff.usage_check`); ``usage`` holds that evidence when usage
    does not approve the change (the operations and clients it would break).
    """

    kind: ChangeKind
    coordinate: str
    message: str
    criticality: Criticality = None  # type: ignore[assignment]  # filled from DEFAULT_CRITICALITY
    old: Any = None
    new: Any = None
    deprecated: bool = False
    approval: dict[str, Any] | None = field(default=None)
    usage: dict[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.criticality is None:
            self.criticality = DEFAULT_CRITICALITY[self.kind]

    @property
    def is_breaking(self) -> bool:
        return self.criticality is Criticality.BREAKING

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "criticality": self.criticality.value,
            "coordinate": self.coordinate,
            "message": self.message,
        }
        if self.old is not None:
            data["old"] = self.old
        if self.new is not None:
            data["new"] = self.new
        if self.deprecated:
            data["deprecated"] = True
        if self.approval is not None:
            data["approval"] = self.approval
        if self.usage is not None:
            data["usage"] = self.usage
        return data


# --- type references ------------------------------------------------------------------------------
# A printed type reference is `Name`, `[T]` or `T!`; the rules follow graphql-core's
# find_schema_changes so that our verdicts agree with it.


def is_safe_output_type_change(old: str, new: str) -> bool:
    """A field's type may become stricter (gain `!`), never looser or different."""
    if old.endswith("!"):
        return new.endswith("!") and is_safe_output_type_change(old[:-1], new[:-1])
    if new.endswith("!"):
        return is_safe_output_type_change(old, new[:-1])
    if old.startswith("["):
        return new.startswith("[") and is_safe_output_type_change(old[1:-1], new[1:-1])
    return old == new


def is_safe_input_type_change(old: str, new: str) -> bool:
    """An argument's or input field's type may become looser (lose `!`), never stricter or different."""
    if old.endswith("!"):
        if new.endswith("!"):
            return is_safe_input_type_change(old[:-1], new[:-1])
        return is_safe_input_type_change(old[:-1], new)
    if new.endswith("!"):
        return False
    if old.startswith("["):
        return new.startswith("[") and is_safe_input_type_change(old[1:-1], new[1:-1])
    return old == new
