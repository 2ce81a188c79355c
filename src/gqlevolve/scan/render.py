"""A scan report for people (text), for GitHub code scanning (SARIF 2.1.0) and as GitHub Actions annotations.

    >>> from gqlevolve.scan.report import Finding, OperationReport, ScanReport
    >>> report = ScanReport(endpoint="/api/v1/graphql", files=1, documents=1)
    >>> operation = OperationReport("src/me.ts", 2, 3, "query", "Me")
    >>> operation.findings.append(Finding("removed", "src/me.ts", 3, 5, "User.name was removed", coordinate="User.name"))
    >>> report.operations.append(operation)
    >>> print(github_annotations(report))
    ::error file=src/me.ts,line=3,col=5,title=gqlevolve%3A removed User.name::query Me: User.name was removed
    >>> sarif(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    {'startLine': 3, 'startColumn': 5}

Everything a finding holds came from client code or the schema; the text output escapes rich markup, the
annotations escape what GitHub's workflow commands treat as syntax (``%``, line breaks, and ``:`` ``,`` in
properties).
"""

from __future__ import annotations

from typing import Any

from gqlevolve import __version__
from gqlevolve.scan.report import KINDS, Finding, ScanReport

__all__ = ["github_annotations", "render_text", "sarif", "summary"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULES = {
    "invalid": "The operation does not validate against the endpoint's current schema.",
    "removed": "The operation uses an element whose sunset has passed: it was removed.",
    "breaks": "The schema change under review would break the operation.",
    "deprecated": "The operation uses a deprecated element.",
    "dangerous": "The schema change under review may change what the operation observes.",
}
_MARKS = {"invalid": "✖", "removed": "✖", "breaks": "✖", "deprecated": "⚠", "dangerous": "•"}


def summary(report: ScanReport) -> str:
    counts = ", ".join(f"{report.count(kind)} {kind}" for kind in KINDS)
    operations = sum(1 for operation in report.operations if operation.kind != "fragment")
    fragments = len(report.operations) - operations
    return f"{report.files} files, {operations} operations, {fragments} fragments: {counts}."


def render_text(report: ScanReport) -> str:
    """Plain text, one block per operation with findings; rich markup in it is escaped by the caller."""
    lines: list[str] = []
    for operation in report.operations:
        if not operation.findings:
            continue
        lines.append(f"{operation.path}:{operation.line}  {operation.label}")
        for finding in operation.findings:
            lines.append(f"  {_MARKS[finding.kind]} {finding.path}:{finding.line}:{finding.column} {finding.kind}: {finding.message}")
            details = _details(finding)
            if details:
                lines.append(f"      {details}")
        lines.append("")
    for skipped in report.skipped:
        lines.append(f"skipped {skipped}")
    if report.skipped:
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _details(finding: Finding) -> str:
    parts = []
    if finding.status:
        parts.append(f"status {finding.status}")
    if finding.sunset:
        parts.append(f"sunset {finding.sunset}")
    if finding.replacement:
        parts.append(f"use {finding.replacement}")
    if finding.migration_guide:
        parts.append(f"guide {finding.migration_guide}")
    return ", ".join(parts)


def _full_message(finding: Finding, label: str) -> str:
    details = _details(finding)
    return f"{label}: {finding.message}" + (f" ({details})" if details else "")


def sarif(report: ScanReport) -> dict[str, Any]:
    """SARIF 2.1.0, which ``github/codeql-action/upload-sarif`` uploads so the findings show inline in pull requests."""
    results = []
    for operation in report.operations:
        for finding in operation.findings:
            result: dict[str, Any] = {
                "ruleId": f"gqlevolve/{finding.kind}",
                "level": finding.level,
                "message": {"text": _full_message(finding, operation.label)},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": finding.line, "startColumn": finding.column},
                        }
                    }
                ],
                # Stable across unrelated edits (no line): GitHub matches alerts between runs with it.
                "partialFingerprints": {
                    "gqlevolve/v1": f"{finding.kind}:{finding.path}:{operation.label}:{finding.coordinate or finding.message}"
                },
            }
            if finding.coordinate:
                result["properties"] = {
                    key: value
                    for key, value in finding.as_dict().items()
                    if key in ("coordinate", "status", "sunset", "replacement", "migration_guide", "change")
                }
            results.append(result)
    rules = [
        {
            "id": f"gqlevolve/{kind}",
            "name": kind,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": {"deprecated": "warning", "dangerous": "note"}.get(kind, "error")},
        }
        for kind, text in _RULES.items()
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gqlevolve",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def github_annotations(report: ScanReport) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command per finding (GitHub Actions shows them inline)."""
    commands = {"error": "error", "warning": "warning", "note": "notice"}
    lines = []
    for operation in report.operations:
        for finding in operation.findings:
            title = f"gqlevolve: {finding.kind}" + (f" {finding.coordinate}" if finding.coordinate else "")
            properties = ",".join(
                f"{name}={_escape_property(str(value))}"
                for name, value in (("file", finding.path), ("line", finding.line), ("col", finding.column), ("title", title))
            )
            lines.append(f"::{commands[finding.level]} {properties}::{_escape_data(_full_message(finding, operation.label))}")
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
