"""Compare two whole schemas: the root types, the schema's description and directives, then the
types and directive definitions (:mod:`.types`, :mod:`.directives`).

    >>> from gqlevolve.schema_diff.model import SchemaModel
    >>> old = SchemaModel(types={}, directives={}, query="Query", mutation="Mutation")
    >>> new = SchemaModel(types={}, directives={}, query="Query")
    >>> [(c.kind.value, c.criticality.value) for c in diff_models(old, new)]
    [('SCHEMA_ROOT_TYPE_CHANGED', 'breaking')]
"""

from __future__ import annotations

from collections.abc import Iterator

from gqlevolve.schema_diff.changes import Change, ChangeKind, Criticality
from gqlevolve.schema_diff.directives import directive_changes
from gqlevolve.schema_diff.elements import description_change, directive_usage_changes
from gqlevolve.schema_diff.model import SchemaModel
from gqlevolve.schema_diff.types import type_map_changes

__all__ = ["diff_models", "SCHEMA_COORDINATE"]

# Schema coordinates have no syntax for the schema itself; we name it by its keyword.
SCHEMA_COORDINATE = "schema"


def diff_models(old: SchemaModel, new: SchemaModel) -> list[Change]:
    changes = list(_root_type_changes(old, new))
    changes.extend(description_change(ChangeKind.SCHEMA_DESCRIPTION_CHANGED, SCHEMA_COORDINATE, old.description, new.description))
    changes.extend(directive_usage_changes(SCHEMA_COORDINATE, old.schema_directives, new.schema_directives))
    changes.extend(type_map_changes(old.types, new.types))
    changes.extend(directive_changes(old.directives, new.directives))
    return changes


def _root_type_changes(old: SchemaModel, new: SchemaModel) -> Iterator[Change]:
    new_roots = new.root_types()
    for operation, old_root in old.root_types().items():
        new_root = new_roots[operation]
        if old_root == new_root:
            continue
        if old_root is None:
            message = f"The schema gained a {operation} root type '{new_root}'."
        elif new_root is None:
            message = f"The schema's {operation} root type '{old_root}' was removed."
        else:
            message = f"The schema's {operation} root type changed from '{old_root}' to '{new_root}'."
        yield Change(
            ChangeKind.SCHEMA_ROOT_TYPE_CHANGED,
            SCHEMA_COORDINATE,
            message,
            Criticality.SAFE if old_root is None else Criticality.BREAKING,
            old=old_root,
            new=new_root,
        )
