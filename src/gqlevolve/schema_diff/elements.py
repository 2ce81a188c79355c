"""What every schema element can have: a description, a deprecation, applied directives.

    >>> [c.kind for c in deprecation_changes("FIELD", "User.name", None, "Use fullName")]
    [<ChangeKind.FIELD_DEPRECATION_ADDED: 'FIELD_DEPRECATION_ADDED'>]
"""

from __future__ import annotations

from collections.abc import Iterator

from gqlevolve.schema_diff.changes import Change, ChangeKind
from gqlevolve.schema_diff.model import AppliedDirective

__all__ = ["deprecation_changes", "description_change", "directive_usage_changes"]


def description_change(
    kind: ChangeKind, coordinate: str, old: str | None, new: str | None
) -> Iterator[Change]:
    if old == new:
        return
    if old is None:
        message = f"Description added to '{coordinate}'."
    elif new is None:
        message = f"Description removed from '{coordinate}'."
    else:
        message = f"Description of '{coordinate}' changed."
    yield Change(kind, coordinate, message, old=old, new=new)


def deprecation_changes(
    element: str, coordinate: str, old_reason: str | None, new_reason: str | None
) -> Iterator[Change]:
    """``element`` is the prefix of the kinds: ``FIELD``, ``ARG``, ``INPUT_FIELD``, ``ENUM_VALUE``."""
    if old_reason == new_reason:
        return
    if old_reason is None:
        yield Change(
            ChangeKind[f"{element}_DEPRECATION_ADDED"],
            coordinate,
            f"'{coordinate}' is deprecated: {new_reason}",
            new=new_reason,
        )
    elif new_reason is None:
        yield Change(
            ChangeKind[f"{element}_DEPRECATION_REMOVED"],
            coordinate,
            f"'{coordinate}' is no longer deprecated.",
            old=old_reason,
        )
    else:
        yield Change(
            ChangeKind[f"{element}_DEPRECATION_REASON_CHANGED"],
            coordinate,
            f"Deprecation reason of '{coordinate}' changed.",
            old=old_reason,
            new=new_reason,
        )


def directive_usage_changes(
    coordinate: str, old: tuple[AppliedDirective, ...], new: tuple[AppliedDirective, ...]
) -> Iterator[Change]:
    """Applied directives matched by name (by name and position for repeated ones)."""
    if old == new:
        return
    old_by_key = _keyed(old)
    new_by_key = _keyed(new)
    for key, directive in new_by_key.items():
        if key not in old_by_key:
            yield Change(
                ChangeKind.DIRECTIVE_USAGE_ADDED,
                coordinate,
                f"Directive '{directive}' was added to '{coordinate}'.",
                new=str(directive),
            )
        elif old_by_key[key] != directive:
            yield Change(
                ChangeKind.DIRECTIVE_USAGE_CHANGED,
                coordinate,
                f"Directive '@{directive.name}' on '{coordinate}' changed from '{old_by_key[key]}' to '{directive}'.",
                old=str(old_by_key[key]),
                new=str(directive),
            )
    for key, directive in old_by_key.items():
        if key not in new_by_key:
            yield Change(
                ChangeKind.DIRECTIVE_USAGE_REMOVED,
                coordinate,
                f"Directive '{directive}' was removed from '{coordinate}'.",
                old=str(directive),
            )


def _keyed(directives: tuple[AppliedDirective, ...]) -> dict[tuple[str, int], AppliedDirective]:
    seen: dict[str, int] = {}
    keyed = {}
    for directive in directives:
        index = seen.get(directive.name, 0)
        seen[directive.name] = index + 1
        keyed[(directive.name, index)] = directive
    return keyed
