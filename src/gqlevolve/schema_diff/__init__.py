"""The schema differ: every change between two schemas, its criticality and its schema coordinate.

    >>> from gqlevolve.schema_diff import diff_schemas
    >>> diff = diff_schemas(
    ...     "type Query { user: User } type User { name: String @deprecated(reason: \\"Use fullName\\") fullName: String }",
    ...     "type Query { user: User } type User { fullName: String! }",
    ... )
    >>> [(c.kind.value, c.criticality.value, c.coordinate) for c in diff]
    [('FIELD_REMOVED', 'breaking', 'User.name'), ('FIELD_TYPE_CHANGED', 'safe', 'User.fullName')]

``old`` and ``new`` may each be SDL text, a path to an SDL or introspection-JSON file, an
introspection result, a graphql-core ``GraphQLSchema``, a Strawberry schema or an endpoint URL
(see :func:`~gqlevolve.schema_diff.sources.load_schema`). The kinds and their criticality are in
:mod:`~gqlevolve.schema_diff.changes` and ``docs/schema-diff.md``; the CI gate for versioned
endpoints is :mod:`~gqlevolve.schema_diff.versioned`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from gqlevolve.schema_diff.changes import Change, ChangeKind, Criticality
from gqlevolve.schema_diff.model import SchemaModel
from gqlevolve.schema_diff.schema import diff_models
from gqlevolve.schema_diff.sources import SchemaSource, SchemaSourceError, load_schema

__all__ = [
    "Change",
    "ChangeKind",
    "Criticality",
    "SchemaDiff",
    "SchemaModel",
    "SchemaSourceError",
    "diff_schemas",
    "load_schema",
]


@dataclass
class SchemaDiff:
    """The changes from one schema to another (iterable like a list), and what was tolerated while reading."""

    changes: list[Change]
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __getitem__(self, index: int) -> Change:
        return self.changes[index]

    @property
    def breaking(self) -> list[Change]:
        return [change for change in self.changes if change.criticality is Criticality.BREAKING]

    @property
    def has_breaking(self) -> bool:
        return any(change.criticality is Criticality.BREAKING for change in self.changes)


def diff_schemas(
    old: SchemaSource, new: SchemaSource, *, headers: Mapping[str, str] | None = None
) -> SchemaDiff:
    """Compare two schemas; ``headers`` are sent when a side is an endpoint URL."""
    old_model = load_schema(old, headers=headers)
    new_model = load_schema(new, headers=headers)
    return diff_loaded(old_model, new_model)


def diff_loaded(old: SchemaModel, new: SchemaModel) -> SchemaDiff:
    warnings = [f"old schema: {warning}" for warning in old.warnings]
    warnings += [f"new schema: {warning}" for warning in new.warnings]
    return SchemaDiff(diff_models(old, new), warnings)
