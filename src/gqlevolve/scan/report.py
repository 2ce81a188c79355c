"""What a scan found: a :class:`Finding` per problem, grouped by :class:`OperationReport`, in a :class:`ScanReport`.

A finding is one of four kinds, each with a level:

=============  =========  ====================================================================================
kind           level      meaning
=============  =========  ====================================================================================
``invalid``    error      the operation does not validate against the endpoint's current schema (or its
                          text is not GraphQL): it fails today
``removed``    error      it uses an element whose deprecation record says ``removed`` (the sunset passed)
``breaks``     error      the schema change under review (``--against``) would break it
``deprecated`` warning    it uses a deprecated element (``deprecated`` or ``sunset_warning`` in the records,
                          or deprecated in the schema); with the sunset date and replacement when known
``dangerous``  note       the change under review is dangerous for an element it uses
=============  =========  ====================================================================================

A scan fails (``gqlevolve scan`` exits 1) when there is any error-level finding.

    >>> finding = Finding("deprecated", "src/me.ts", 3, 5, "User.name is deprecated: Use fullName", coordinate="User.name")
    >>> finding.level
    'warning'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "LEVELS", "Finding", "OperationReport", "ScanReport"]

#: Each kind's level (SARIF's ``error``/``warning``/``note``; GitHub annotations use the same words).
LEVELS = {"invalid": "error", "removed": "error", "breaks": "error", "deprecated": "warning", "dangerous": "note"}
KINDS = tuple(LEVELS)


@dataclass(slots=True)
class Finding:
    kind: str
    path: str
    line: int
    column: int
    message: str
    coordinate: str | None = None
    status: str | None = None  # the lifecycle status (deprecated, sunset_warning, removed)
    sunset: str | None = None  # ISO date
    replacement: str | None = None
    migration_guide: str | None = None
    change: str | None = None  # the ChangeKind of a breaking or dangerous change under review

    @property
    def level(self) -> str:
        return LEVELS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "level": self.level,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
        for name in ("coordinate", "status", "sunset", "replacement", "migration_guide", "change"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(slots=True)
class OperationReport:
    """One operation (``query``, ``mutation``, ``subscription``) or fragment found at ``path``:``line``."""

    path: str
    line: int
    column: int
    kind: str
    name: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name or '(anonymous)'}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "name": self.name,
            "findings": [finding.as_dict() for finding in self.findings],
        }


@dataclass(slots=True)
class ScanReport:
    """``files``: files read; ``documents``: GraphQL texts found in them; ``operations``: every operation and
    fragment (with and without findings); ``skipped``: files that could not be read, with why."""

    endpoint: str | None
    files: int = 0
    documents: int = 0
    operations: list[OperationReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    against: str | None = None

    @property
    def findings(self) -> list[Finding]:
        return [finding for operation in self.operations for finding in operation.findings]

    def count(self, kind: str) -> int:
        return sum(1 for finding in self.findings if finding.kind == kind)

    @property
    def failed(self) -> bool:
        """Something fails today (invalid, removed) or would fail with the change under review."""
        return any(finding.level == "error" for finding in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "against": self.against,
            "files": self.files,
            "documents": self.documents,
            "operations": [operation.as_dict() for operation in self.operations],
            "skipped": list(self.skipped),
            "summary": {kind: self.count(kind) for kind in KINDS},
            "failed": self.failed,
        }
