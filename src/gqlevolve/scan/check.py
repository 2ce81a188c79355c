"""The scan itself: find every operation and fragment in client code, validate it, and say what it uses.

Each operation is validated with the fragments it reaches (found by name anywhere in the scanned tree: a
fragment defined in one file and spread in another is common), against the endpoint's current schema; a
fragment that no operation reaches is validated on its own. Each definition's uses of the schema are read
once, where they are written (:mod:`.usage`), and matched against the deprecation records (status, sunset,
replacement, migration guide) and against the changes of a schema under review (``against``).

    >>> from gqlevolve.clock import FixedClock
    >>> from gqlevolve.lifecycle import Deprecation
    >>> import datetime as dt
    >>> client = tmp_dir / "client"; client.mkdir()
    >>> _ = (client / "me.graphql").write_text("query Me {\\n  me { name }\\n}\\n")
    >>> sdl = 'type Query { me: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String }'
    >>> record = Deprecation("User.name", sunset_on=dt.date(2030, 1, 1), replacement="User.fullName")
    >>> report = scan_paths([client], sdl, records={"User.name": record}, day=dt.date(2029, 12, 20), root=tmp_dir)
    >>> [(f.kind, f.path, f.line, f.status, f.sunset, f.replacement) for f in report.findings]
    [('deprecated', 'client/me.graphql', 2, 'sunset_warning', '2030-01-01', 'User.fullName')]
    >>> report.failed
    False
    >>> report = scan_paths([client], sdl, against=sdl.replace("name: String @deprecated(reason: \\"Use fullName\\")", ""), root=tmp_dir)
    >>> [(f.kind, f.line, f.message) for f in report.findings if f.kind == "breaks"]
    [('breaks', 2, "Field 'User.name' (deprecated) was removed.")]
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graphql import (
    REMOVE,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Source,
    Visitor,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.validation import (
    LoneAnonymousOperationRule,
    NoUnusedFragmentsRule,
    UniqueFragmentNamesRule,
    UniqueOperationNamesRule,
)

from gqlevolve.lifecycle import Deprecation, Status
from gqlevolve.scan.extract import Document, ExtractionError, extract_file, iter_files
from gqlevolve.scan.report import Finding, OperationReport, ScanReport
from gqlevolve.scan.usage import Use, uses_of, uses_rule
from gqlevolve.schema_diff import diff_loaded
from gqlevolve.schema_diff.changes import Change, Criticality
from gqlevolve.schema_diff.sources import SchemaSource, load_graphql_schema, load_schema

__all__ = ["scan_paths"]

# A fragment validated on its own is not "unused"; every other rule applies as to an operation.
_RULES = tuple(rule for rule in specified_rules if rule is not NoUnusedFragmentsRule)
# Rules about a whole document, which the batch of every definition in the tree is not: operations of the same
# name in two files, or an anonymous one beside others, are fine in client code.
_BATCH_RULES = tuple(
    rule for rule in _RULES if rule not in (LoneAnonymousOperationRule, UniqueOperationNamesRule, UniqueFragmentNamesRule)
)
_MAX_ERRORS = 1_000_000  # graphql-core stops at 100 by default; a tree's report must be complete
# An operation or fragment is one unit of the report; a document that does not parse is one too.
_Definition = OperationDefinitionNode | FragmentDefinitionNode


def scan_paths(
    paths: Iterable[Path],
    schema: SchemaSource,
    *,
    endpoint: str | None = None,
    records: Mapping[str, Deprecation] | None = None,
    day: dt.date | None = None,
    against: SchemaSource | None = None,
    root: Path | None = None,
) -> ScanReport:
    """Scan the client code under ``paths`` against ``schema`` (any source of :func:`load_graphql_schema`).

    ``records``: the endpoint's deprecation records by coordinate, judged on ``day`` (required with them);
    ``against``: a schema under review; ``root``: paths are reported relative to it (default: the working
    directory) when they are inside it.
    """
    if records and day is None:
        raise ValueError("day is required with records: a record's status depends on the day")
    current = load_graphql_schema(schema)
    changes: dict[str, list[Change]] = {}
    new_schema: GraphQLSchema | None = None
    if against is not None:
        new_schema = load_graphql_schema(against)
        for change in diff_loaded(load_schema(current), load_schema(new_schema)):
            if change.criticality is not Criticality.SAFE:
                changes.setdefault(change.coordinate, []).append(change)
    scanner = _Scanner(current, records or {}, day, changes, new_schema)
    report = ScanReport(endpoint=endpoint, against=None if against is None else _describe(against))
    base = (root or Path.cwd()).resolve()
    for path in iter_files(paths):
        report.files += 1
        try:
            documents = extract_file(path, display=_display(path, base))
        except ExtractionError as error:
            report.skipped.append(str(error))
            continue
        report.documents += len(documents)
        for document in documents:
            scanner.add(document)
    report.operations = scanner.run()
    return report


def _display(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when inside it (as SARIF and GitHub want), with ``/`` separators.

    ``abspath``, not ``resolve``: no system call per file (``base`` is resolved once, by the caller)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, base)
    if relative.startswith(".."):
        return Path(absolute).as_posix()
    return Path(relative).as_posix()


def _describe(source: SchemaSource) -> str:
    return str(source) if isinstance(source, (str, Path)) and "\n" not in str(source) else type(source).__name__


class _Scanner:
    def __init__(
        self,
        schema: GraphQLSchema,
        records: Mapping[str, Deprecation],
        day: dt.date | None,
        changes: dict[str, list[Change]],
        new_schema: GraphQLSchema | None,
    ) -> None:
        self.schema = schema
        self.records = records
        self.day = day
        self.changes = changes
        self.new_schema = new_schema
        self.units: list[tuple[OperationReport, _Definition | None, Document]] = []
        self.fragments: dict[str, tuple[FragmentDefinitionNode, Document]] = {}
        self.documents: dict[int, Document] = {}  # id(Source) -> the document it was parsed from
        self.reports: dict[int, OperationReport] = {}  # id(definition node) -> its report
        self.seen: set[tuple[str, int, int, str]] = set()
        self.spans: dict[int, list[tuple[int, int, OperationReport]]] = {}  # id(Source) -> its definitions' extents
        self.breaks: set[tuple[str, int]] = set()  # where a breaking change under review is reported

    # --- collecting ---------------------------------------------------------------------------------

    def add(self, document: Document) -> None:
        source = Source(document.text, document.path)
        try:
            parsed = parse(source)
        except GraphQLError as error:
            line, column = _error_position(error)
            file_line, file_column = document.file_position(line, column)
            report = OperationReport(document.path, file_line, file_column, "document", None)
            report.findings.append(
                Finding("invalid", document.path, file_line, file_column, f"Not GraphQL: {error.message}")
            )
            self.units.append((report, None, document))
            return
        self.documents[id(source)] = document
        if "@client" in document.text or "@connection" in document.text:
            parsed = visit(parsed, _ClientOnly())
        for definition in parsed.definitions:
            if isinstance(definition, OperationDefinitionNode):
                kind, name = definition.operation.value, definition.name.value if definition.name else None
            elif isinstance(definition, FragmentDefinitionNode):
                kind, name = "fragment", definition.name.value
                self.fragments.setdefault(name, (definition, document))  # the first definition wins
            else:
                continue  # type-system definitions: a schema file kept beside the client (for codegen), not an operation
            line, column = self._position(definition)
            report = OperationReport(document.path, line, column, kind, name)
            self.reports[id(definition)] = report
            if definition.loc is not None:
                self.spans.setdefault(id(source), []).append((definition.loc.start, definition.loc.end, report))
            self.units.append((report, definition, document))

    # --- checking -----------------------------------------------------------------------------------

    def run(self) -> list[OperationReport]:
        # One validation of every operation and fragment at once: graphql-core's cost per call (a context, a
        # visitor per rule) is paid once instead of per operation (about 3x faster on 5,000 files); each error is
        # given to the definition it is located in. A fragment defined again under a name already taken is
        # validated on its own, with the fragments it reaches.
        chosen = {id(node) for node, _ in self.fragments.values()}
        batch = [
            (report, node) for report, node, _ in self.units
            if isinstance(node, OperationDefinitionNode) or (node is not None and id(node) in chosen)
        ]
        document = DocumentNode(definitions=tuple(node for _, node in batch))
        uses: dict[int, list[Use]] = {}
        errors = validate(self.schema, document, (*_BATCH_RULES, uses_rule(uses)), max_errors=_MAX_ERRORS)
        # Uses before errors: a validation error against the schema under review is left out on a line where
        # the change that causes it is already reported (the change's message says more).
        for report, node, _ in self.units:
            if node is not None:
                found = uses.get(id(node))
                self._uses(report, node, uses_of(self.schema, node) if found is None else found)
        failing: set[int] = set()
        for error in errors:
            report = self._owner(error)
            failing.add(id(report))
            self._error_finding(report, error, "invalid", error.message)
        if self.new_schema is not None:
            for error in validate(self.new_schema, document, _BATCH_RULES, max_errors=_MAX_ERRORS):
                report = self._owner(error)
                if id(report) not in failing:  # what fails today is reported as invalid, not again as broken
                    self._error_finding(report, error, "breaks", f"With the schema under review: {error.message}")
        for report, node, _ in self.units:
            if isinstance(node, FragmentDefinitionNode) and id(node) not in chosen:
                self._validate(report, node, self._fragments_of(node))
        for report, _, _ in self.units:
            report.findings.sort(key=lambda finding: (finding.line, finding.column, finding.kind))
        return [report for report, _, _ in self.units]

    def _owner(self, error: GraphQLError) -> OperationReport:
        """The report of the definition an error is located in (the first definition's when it has no location)."""
        node = error.nodes[0] if error.nodes else None
        if node is not None and node.loc is not None:
            start = node.loc.start
            for begin, end, report in self.spans.get(id(node.loc.source), ()):
                if begin <= start < end:
                    return report
        return self.units[0][0]

    def _fragments_of(self, node: _Definition) -> list[str]:
        """The names of the fragments ``node`` reaches, transitively, that are defined in the tree."""
        found: list[str] = []
        pending = _spreads(node)
        while pending:
            name = pending.pop()
            if name in found or name not in self.fragments:
                continue
            found.append(name)
            pending.extend(_spreads(self.fragments[name][0]))
        return found

    def _validate(self, report: OperationReport, node: _Definition, needed: list[str]) -> None:
        definitions = [node, *(self.fragments[name][0] for name in needed if self.fragments[name][0] is not node)]
        document = DocumentNode(definitions=tuple(definitions))
        errors = validate(self.schema, document, _RULES)
        current = {error.message for error in errors}
        for error in errors:
            self._error_finding(report, error, "invalid", error.message)
        if self.new_schema is not None and not errors:
            for error in validate(self.new_schema, document, _RULES):
                if error.message not in current:
                    self._error_finding(report, error, "breaks", f"With the schema under review: {error.message}")

    def _error_finding(self, report: OperationReport, error: GraphQLError, kind: str, message: str) -> None:
        path, line, column = report.path, report.line, report.column
        node = error.nodes[0] if error.nodes else None
        if node is not None and node.loc is not None:
            document = self.documents.get(id(node.loc.source))
            if document is not None:
                path = document.path
                line, column = document.file_position(node.loc.start_token.line, node.loc.start_token.column)
        if kind == "breaks" and (path, line) in self.breaks:
            return  # the change that causes it is already reported on that line
        key = (path, line, column, message)
        if key in self.seen:
            return  # an error inside a fragment, found again through another operation that spreads it
        self.seen.add(key)
        report.findings.append(Finding(kind, path, line, column, message))

    def _uses(self, report: OperationReport, node: _Definition, uses: list[Use]) -> None:
        document = self.documents[id(node.loc.source)] if node.loc is not None else None
        if document is None:
            return
        reported: set[tuple[str, str, int]] = set()
        for use in uses:
            line, column = document.file_position(use.line, use.column)
            for finding in self._use_findings(use, document.path, line, column):
                key = (finding.kind, finding.coordinate or "", line)
                if key not in reported:
                    reported.add(key)
                    report.findings.append(finding)
                    if finding.kind == "breaks":
                        self.breaks.add((finding.path, finding.line))

    def _use_findings(self, use: Use, path: str, line: int, column: int) -> list[Finding]:
        findings = []
        record = self.records.get(use.coordinate)
        status = record.status_on(self.day) if record is not None and self.day is not None else None
        if status is Status.REMOVED:
            findings.append(Finding("removed", path, line, column, f"{use.coordinate} was removed"
                                    + (f" on {record.sunset_on}" if record and record.sunset_on else ""),
                                    **_record_fields(use.coordinate, record, status)))
        elif status in (Status.DEPRECATED, Status.SUNSET_WARNING) or use.deprecation is not None:
            reason = (record.reason if record is not None else None) or use.deprecation
            message = f"{use.coordinate} is deprecated" + (f": {reason}" if reason else "")
            fields = _record_fields(use.coordinate, record, status or Status.DEPRECATED)
            findings.append(Finding("deprecated", path, line, column, message, **fields))
        for change in self.changes.get(use.coordinate, ()):
            kind = "breaks" if change.criticality is Criticality.BREAKING else "dangerous"
            findings.append(
                Finding(kind, path, line, column, change.message, coordinate=use.coordinate, change=change.kind.value)
            )
        return findings

    def _position(self, node: Any) -> tuple[int, int]:
        document = self.documents[id(node.loc.source)]
        return document.file_position(node.loc.start_token.line, node.loc.start_token.column)


class _ClientOnly(Visitor):
    """What Apollo Client keeps to itself: a field marked ``@client`` is resolved in the browser and a
    ``@connection(key:)`` is a cache key; Apollo strips both before it sends the operation, so the server's schema
    never sees them and they are not checked against it."""

    def enter_field(self, node: Any, *_args: Any) -> Any:
        if any(directive.name.value == "client" for directive in node.directives or ()):
            return REMOVE
        return None

    def enter_directive(self, node: Any, *_args: Any) -> Any:
        return REMOVE if node.name.value == "connection" else None


def _record_fields(coordinate: str, record: Deprecation | None, status: Status) -> dict[str, Any]:
    return {
        "coordinate": coordinate,
        "status": status.value,
        "sunset": None if record is None or record.sunset_on is None else record.sunset_on.isoformat(),
        "replacement": None if record is None else record.replacement,
        "migration_guide": None if record is None else record.migration_guide,
    }


def _spreads(node: Any) -> list[str]:
    """The fragment names spread in ``node`` (a walk of the selection sets, faster than a visitor)."""
    names: list[str] = []
    pending = [node.selection_set]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.kind == "fragment_spread":
                names.append(selection.name.value)
            else:
                pending.append(selection.selection_set)
    return names


def _error_position(error: GraphQLError) -> tuple[int, int]:
    if error.locations:
        return error.locations[0].line, error.locations[0].column
    return 1, 1


