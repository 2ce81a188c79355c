"""Show a diff to people and machines: plain text grouped by criticality, JSON, Markdown.

    >>> from gqlevolve.schema_diff import diff_schemas
    >>> print(render_text(diff_schemas("type Query { a: Int b: Int }", "type Query { a: Int }")))
    Breaking changes (1)
      ✖ Query.b  Field 'Query.b' was removed.
    <BLANKLINE>
    1 change: 1 breaking, 0 dangerous, 0 safe.
"""

from __future__ import annotations

from typing import Any

from gqlevolve.schema_diff.changes import Change, Criticality

__all__ = ["diff_as_dict", "render_markdown", "render_text"]

_TITLES = {
    Criticality.BREAKING: "Breaking changes",
    Criticality.DANGEROUS: "Dangerous changes",
    Criticality.SAFE: "Safe changes",
}
_MARKS = {Criticality.BREAKING: "✖", Criticality.DANGEROUS: "⚠", Criticality.SAFE: "✔"}
_GROUP_ORDER = (Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE)


_APPROVED = "approved"  # breaking changes that usage data approve (gqlevolve check --db)
_TITLES[_APPROVED] = "Approved by usage"  # type: ignore[index]
_MARKS[_APPROVED] = "✔"  # type: ignore[index]


def _groups(changes: list[Change]) -> dict[Any, list[Change]]:
    groups: dict[Any, list[Change]] = {criticality: [] for criticality in _GROUP_ORDER}
    groups[_APPROVED] = []
    for change in changes:
        groups[_APPROVED if change.approval is not None else change.criticality].append(change)
    return groups


def summary(changes: list[Change]) -> str:
    groups = _groups(changes)
    total = len(changes)
    counts = ", ".join(f"{len(groups[c])} {c.value}" for c in _GROUP_ORDER)
    if groups[_APPROVED]:
        counts += f", {len(groups[_APPROVED])} breaking approved by usage"
    return f"{total} change{'' if total == 1 else 's'}: {counts}."


def render_text(diff: Any, *, warnings: list[str] | None = None) -> str:
    """``diff`` is a :class:`~gqlevolve.schema_diff.SchemaDiff` or a list of changes."""
    changes = list(diff)
    warnings = list(getattr(diff, "warnings", [])) if warnings is None else warnings
    lines = [f"Warning: {warning}" for warning in warnings]
    if warnings:
        lines.append("")
    if not changes:
        lines.append("No changes.")
        return "\n".join(lines)
    for criticality, group in _groups(changes).items():
        if not group:
            continue
        lines.append(f"{_TITLES[criticality]} ({len(group)})")
        lines.extend(f"  {_MARKS[criticality]} {change.coordinate}  {_with_approval(change)}" for change in group)
        lines.append("")
    lines.append(summary(changes))
    return "\n".join(lines)


def render_markdown(diff: Any, *, title: str = "Schema changes", warnings: list[str] | None = None) -> str:
    """A pull-request comment: a summary line, then one table per criticality."""
    changes = list(diff)
    warnings = list(getattr(diff, "warnings", [])) if warnings is None else warnings
    lines = [f"## {title}", ""]
    if not changes:
        lines.append("No changes.")
    else:
        lines += [f"**{summary(changes)}**", ""]
        for criticality, group in _groups(changes).items():
            if not group:
                continue
            lines += [f"### {_MARKS[criticality]} {_TITLES[criticality]} ({len(group)})", ""]
            lines += ["| Change | Coordinate | Description |", "|---|---|---|"]
            lines += [
                f"| `{change.kind.value}` | `{change.coordinate}` | {_markdown_cell(_with_approval(change))} |"
                for change in group
            ]
            lines.append("")
    if warnings:
        lines += ["<details><summary>Warnings</summary>", ""]
        lines += [f"- {_markdown_cell(warning)}" for warning in warnings]
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def diff_as_dict(diff: Any) -> dict[str, Any]:
    changes = list(diff)
    groups = _groups(changes)
    return {
        "summary": {criticality.value: len(groups[criticality]) for criticality in _GROUP_ORDER},
        "breaking": bool(groups[Criticality.BREAKING]),
        "changes": [change.as_dict() for change in changes],
        "warnings": list(getattr(diff, "warnings", [])),
    }


def _with_approval(change: Change) -> str:
    if change.approval is None:
        return change.message
    title = change.approval.get("title", "Approved for removal")  # the advisor's removals, or usage_check's changes
    return f"{change.message} {title}: {change.approval.get('summary', 'usage below the policy threshold')}."


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
