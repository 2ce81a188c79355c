"""Compare directive definitions: added, removed, locations, ``repeatable``, arguments.

The specified directives (``@include``, ``@skip``, ``@deprecated``, ``@specifiedBy``, ``@oneOf``)
are part of every schema; a source that omits them is not reported as having removed them.

    >>> from gqlevolve.schema_diff.model import DirectiveDefinition
    >>> old = {"auth": DirectiveDefinition("auth", ("FIELD_DEFINITION",), repeatable=True)}
    >>> new = {"auth": DirectiveDefinition("auth", ("FIELD_DEFINITION",))}
    >>> [c.kind.value for c in directive_changes(old, new)]
    ['DIRECTIVE_REPEATABLE_REMOVED']
"""

from __future__ import annotations

from collections.abc import Iterator

from gqlevolve.schema_diff.changes import Change, ChangeKind
from gqlevolve.schema_diff.elements import description_change
from gqlevolve.schema_diff.fields import input_value_changes
from gqlevolve.schema_diff.model import SPECIFIED_DIRECTIVES, DirectiveDefinition

__all__ = ["directive_changes"]


def directive_changes(
    old: dict[str, DirectiveDefinition], new: dict[str, DirectiveDefinition]
) -> Iterator[Change]:
    for name, old_directive in old.items():
        new_directive = new.get(name)
        if new_directive is None:
            if name not in SPECIFIED_DIRECTIVES:
                yield Change(ChangeKind.DIRECTIVE_REMOVED, f"@{name}", f"Directive '@{name}' was removed.")
        elif old_directive != new_directive:
            yield from _persisted_directive_changes(old_directive, new_directive)
    for name in new:
        if name not in old and name not in SPECIFIED_DIRECTIVES:
            yield Change(ChangeKind.DIRECTIVE_ADDED, f"@{name}", f"Directive '@{name}' was added.")


def _persisted_directive_changes(old: DirectiveDefinition, new: DirectiveDefinition) -> Iterator[Change]:
    coordinate = f"@{old.name}"
    yield from description_change(ChangeKind.DIRECTIVE_DESCRIPTION_CHANGED, coordinate, old.description, new.description)
    for location in old.locations:
        if location not in new.locations:
            yield Change(
                ChangeKind.DIRECTIVE_LOCATION_REMOVED,
                coordinate,
                f"Location {location} was removed from '{coordinate}'.",
                old=location,
            )
    for location in new.locations:
        if location not in old.locations:
            yield Change(
                ChangeKind.DIRECTIVE_LOCATION_ADDED,
                coordinate,
                f"Location {location} was added to '{coordinate}'.",
                new=location,
            )
    if old.repeatable and not new.repeatable:
        yield Change(
            ChangeKind.DIRECTIVE_REPEATABLE_REMOVED, coordinate, f"'{coordinate}' is no longer repeatable."
        )
    elif new.repeatable and not old.repeatable:
        yield Change(ChangeKind.DIRECTIVE_REPEATABLE_ADDED, coordinate, f"'{coordinate}' became repeatable.")
    if old.args != new.args:
        yield from input_value_changes("DIRECTIVE_ARG", coordinate, old.args, new.args)
