"""The CI gate for versioned endpoints (``adr-endpoint-versioning.md``): published snapshots and the check.

Each served version has a published snapshot, ``schemas/<version>.graphql``, written by
:func:`export_snapshots` and checked in. :func:`check_versions` compares every current schema
with its snapshot: a breaking change on a ``vN`` endpoint fails; on ``draft`` (which "can be
safely modified in any way") it is only a warning. With usage data, removing a deprecated element
that the removal advisor finds removable on that endpoint is *approved*, with the evidence; so is any other
breaking change that no operation it would break was seen doing in the window
(:mod:`~gqlevolve.schema_diff.usage_check`, the ``usage`` argument), and otherwise the change lists them.

A version's schema is a Strawberry schema, a ``GraphQLSchema`` or SDL text (SDL here, to keep it short); the
snapshot folder, ``schemas/`` in a project, is ``tmp_dir`` here:

    >>> published = {"v1": "type Query { me: String name: String }", "draft": "type Query { me: String }"}
    >>> [path.name for path in export_snapshots(published, tmp_dir)]      # when a version is published
    ['v1.graphql', 'draft.graphql']
    >>> current = {"v1": "type Query { me: String }", "draft": "type Query { you: String }"}
    >>> report = check_versions(current, tmp_dir)                          # in CI
    >>> [(version.version, version.status) for version in report.versions]
    [('v1', 'failed'), ('draft', 'warning')]
    >>> report.passed                                                      # a vN broke
    False
    >>> [change.message for change in report.versions[0].breaking]
    ["Field 'Query.name' was removed."]
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gqlevolve.endpoints import endpoint_path
from gqlevolve.errors import InvalidInput
from gqlevolve.jsonable import to_jsonable
from gqlevolve.lifecycle import is_draft, validate_version
from gqlevolve.schema_diff import SchemaDiff, SchemaModel, diff_loaded
from gqlevolve.schema_diff.changes import Change, ChangeKind, Criticality
from gqlevolve.schema_diff.sources import load_schema, read_sdl_text

if TYPE_CHECKING:
    from gqlevolve.schema_diff.usage_check import BreakageCheck

__all__ = [
    "Approver",
    "CheckReport",
    "UsageCheck",
    "VersionReport",
    "check_versions",
    "export_snapshots",
    "load_schemas",
    "project_settings",
    "schema_sdl",
    "store_approver",
    "usage_approver",
]

# Asked about each removal of a deprecated element on a vN endpoint: the usage evidence, whose
# "removable" says whether it approves the removal (None: no usage data for that endpoint).
Approver = Callable[[str, Change], "dict[str, Any] | None"]
# Asked about every other breaking change on a vN endpoint (endpoint, change, the current schema): the evidence, whose
# "approved" says whether usage approves it (None: no usage data for that endpoint). usage_check.BreakageCheck is one.
UsageCheck = Callable[[str, Change, SchemaModel], "dict[str, Any] | None"]

_DEPRECATED_REMOVALS = frozenset(
    {ChangeKind.FIELD_REMOVED, ChangeKind.ARG_REMOVED, ChangeKind.INPUT_FIELD_REMOVED, ChangeKind.ENUM_VALUE_REMOVED}
)


# --- the project's schemas --------------------------------------------------------------------


def project_settings(start: Path | None = None) -> dict[str, Any]:
    """The ``[tool.gqlevolve]`` table of the nearest ``pyproject.toml`` (empty when there is none)."""
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            with pyproject.open("rb") as file:
                settings = tomllib.load(file).get("tool", {}).get("gqlevolve", {})
            return {**settings, "_root": candidate}
    return {}


def load_schemas(spec: str) -> dict[str, Any]:
    """Import ``module:attribute``, a mapping of version name to schema; check the version names."""
    module_name, separator, attribute = spec.partition(":")
    if not separator or not module_name or not attribute:
        raise InvalidInput(f"--schemas {spec!r}: expected MODULE:ATTRIBUTE, e.g. example_server.schemas:SCHEMAS")
    if str(Path.cwd()) not in sys.path:  # like uvicorn: the project's own modules are importable
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InvalidInput(f"--schemas {spec!r}: cannot import {module_name}: {error}") from None
    try:
        schemas = getattr(module, attribute)
    except AttributeError:
        raise InvalidInput(f"--schemas {spec!r}: {module_name} has no attribute {attribute!r}") from None
    if not isinstance(schemas, Mapping):
        raise InvalidInput(f"--schemas {spec!r}: expected a mapping of version to schema, got {type(schemas).__name__}")
    for version in schemas:
        validate_version(version)
    return dict(schemas)


def schema_sdl(schema: Any) -> str:
    """The SDL of a Strawberry schema, a ``GraphQLSchema`` or SDL text, ending with a newline."""
    if isinstance(schema, str):
        text = schema
    elif hasattr(schema, "as_str"):
        text = schema.as_str()
    else:
        from graphql import GraphQLSchema, print_schema

        if not isinstance(schema, GraphQLSchema):
            raise TypeError(f"cannot print a schema from {type(schema).__name__}")
        text = print_schema(schema)
    return text.rstrip("\n") + "\n"


def snapshot_path(directory: Path, version: str) -> Path:
    return directory / f"{validate_version(version)}.graphql"


def export_snapshots(
    schemas: Mapping[str, Any], directory: Path, versions: list[str] | None = None
) -> list[Path]:
    """Write ``<directory>/<version>.graphql`` for each version (all of them by default).

    A schema that is not one (empty, an operation, no ``Query`` type...) is refused before anything
    is written (``NotASchema``): a snapshot of nothing would let ``check`` pass on nothing.
    """
    chosen = list(schemas) if not versions else versions
    unknown = [version for version in chosen if version not in schemas]
    if unknown:
        raise InvalidInput(f"no schema for version(s) {', '.join(unknown)}; known: {', '.join(schemas)}")
    texts = {version: schema_sdl(schemas[version]) for version in chosen}
    for version, text in texts.items():
        read_sdl_text(text, source_name=f"the {version} schema")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for version, text in texts.items():
        path = snapshot_path(directory, version)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# --- the check ----------------------------------------------------------------------------------


@dataclass
class VersionReport:
    """One endpoint's verdict: ``passed``, ``failed`` (a vN broke) or ``warning`` (draft changed in a breaking way)."""

    version: str
    endpoint: str
    snapshot: str
    diff: SchemaDiff | None = None
    problems: list[str] = field(default_factory=list)  # no snapshot, no schema: not a diff
    approved: list[Change] = field(default_factory=list)

    @property
    def draft(self) -> bool:
        return is_draft(self.version)

    @property
    def breaking(self) -> list[Change]:
        if self.diff is None:
            return []
        return [change for change in self.diff.breaking if change.approval is None]

    @property
    def status(self) -> str:
        if not self.breaking and not self.problems:
            return "passed"
        return "warning" if self.draft else "failed"

    def as_dict(self) -> dict[str, Any]:
        changes = list(self.diff) if self.diff is not None else []
        return {
            "version": self.version,
            "endpoint": self.endpoint,
            "snapshot": self.snapshot,
            "status": self.status,
            "problems": self.problems,
            "breaking": [change.as_dict() for change in self.breaking],
            "approved": [change.as_dict() for change in self.approved],
            "dangerous": [c.as_dict() for c in changes if c.criticality is Criticality.DANGEROUS],
            "safe": [c.as_dict() for c in changes if c.criticality is Criticality.SAFE],
            "warnings": list(self.diff.warnings) if self.diff is not None else [],
        }


@dataclass
class CheckReport:
    versions: list[VersionReport]

    @property
    def passed(self) -> bool:
        return all(report.status != "failed" for report in self.versions)

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "versions": [report.as_dict() for report in self.versions]}


def check_versions(
    schemas: Mapping[str, Any], directory: Path, *, approve: Approver | None = None, usage: UsageCheck | None = None
) -> CheckReport:
    """Compare each schema with ``<directory>/<version>.graphql``; see the module docstring.

    On a ``vN`` endpoint, ``approve`` is asked about each removal of a deprecated element, ``usage`` about every
    other breaking change (draft is asked about nothing: its breaking changes are warnings anyway)."""
    reports = []
    snapshot_versions = {path.stem for path in directory.glob("*.graphql")}
    for version in sorted(set(schemas) | snapshot_versions, key=_version_order):
        validate_version(version)
        path = snapshot_path(directory, version)
        report = VersionReport(version, endpoint_path(version), str(path))
        reports.append(report)
        if version not in schemas:
            report.problems.append(
                f"{path} is a published snapshot but the server has no {version} schema; "
                "retiring a version is a lifecycle decision: delete the snapshot with it"
            )
            continue
        if not path.is_file():
            report.problems.append(f"no published snapshot {path}; run `gqlevolve export {version}`")
            continue
        published = read_sdl_text(path.read_text(encoding="utf-8"), source_name=str(path))
        current = load_schema(schemas[version], source_name=f"the {version} schema")
        report.diff = diff_loaded(published, current)
        if approve is not None and not report.draft:
            for change in report.diff.breaking:
                if change.kind in _DEPRECATED_REMOVALS and change.deprecated:
                    _apply_usage_verdict(report, change, approve(report.endpoint, change))
        if usage is not None and not report.draft:
            for change in report.diff.breaking:
                if not (approve is not None and change.kind in _DEPRECATED_REMOVALS and change.deprecated):
                    _apply_breakage_verdict(report, change, usage(report.endpoint, change, current))
                elif change.approval is None:
                    _list_operations(change, usage(report.endpoint, change, current))
    return CheckReport(reports)


_LISTED = ("breaks", "operations", "operations_shown", "more_operations", "clients")


def _list_operations(change: Change, evidence: dict[str, Any] | None) -> None:
    """A deprecated removal the advisor refused: the operations and clients it would break, from whole-schema usage
    (the advisor's rule decides; this only names them)."""
    if evidence is not None and evidence.get("listing"):
        change.usage = {key: evidence[key] for key in _LISTED}
        change.message += f" Would break: {evidence['listing']}."


def _apply_breakage_verdict(report: VersionReport, change: Change, evidence: dict[str, Any] | None) -> None:
    if evidence is None:
        change.message += f" No usage data for {report.endpoint} to approve it."
    elif evidence["approved"]:
        change.approval = evidence
        report.approved.append(change)
    else:
        change.usage = evidence
        change.message += f" Not approved by usage: {evidence['summary']}."


def _apply_usage_verdict(report: VersionReport, change: Change, evidence: dict[str, Any] | None) -> None:
    if evidence is None:
        change.message += f" No usage data for {report.endpoint} to approve it."
    elif evidence["removable"]:
        change.approval = evidence
        report.approved.append(change)
    else:
        reasons = "; ".join(evidence["reasons"]) or evidence["summary"]
        change.message += f" Usage does not allow the removal yet: {reasons}"


def _version_order(version: str) -> tuple[int, int]:
    return (1, 0) if is_draft(version) else (0, int(version[1:]) if version[1:].isdigit() else 0)


# --- usage-aware approval -------------------------------------------------------------------


def usage_approver(
    db_url: str, *, as_of: dt.date | None = None, policy: Any = None
) -> tuple[Approver, Callable[[], None]]:
    """An :data:`Approver` that asks the removal advisor, and a function that closes the store.

    The evidence (highest daily share, days covered, earliest removal, clients still using it,
    the advisor's reasons) comes back either way; ``removable`` says whether it approves. An
    endpoint the store has never seen gives no evidence (None). ``policy``: the advisor's
    :class:`~gqlevolve.advisor.RemovalPolicy` (default: the policy's 1% over 90 days).
    """
    from gqlevolve.usage_store import UsageStore

    store = UsageStore(db_url, handle_shutdown=False)
    return store_approver(store, as_of=as_of, policy=policy), store.close


def store_approver(
    store: Any, *, as_of: dt.date | None = None, policy: Any = None, usage: BreakageCheck | None = None
) -> Approver:
    """:func:`usage_approver` on a store the caller opened (and closes). ``usage``: the check's
    :class:`~gqlevolve.schema_diff.usage_check.BreakageCheck` of the same window and excluded clients, whose
    window's days a candidate verdict then shares instead of reading them again."""
    from gqlevolve.advisor import UnknownEndpoint, advise

    days_of = None if usage is None else usage.window_days

    def approve(endpoint: str, change: Change) -> dict[str, Any] | None:
        try:
            [verdict] = advise(store, endpoint, change.coordinate, as_of=as_of, policy=policy, days_of=days_of)
        except UnknownEndpoint:
            return None
        return _evidence(verdict, endpoint)

    return approve


def _evidence(verdict: Any, endpoint: str) -> dict[str, Any]:
    share = verdict.max_daily_share
    evidence = {
        "endpoint": endpoint,
        "removable": bool(verdict.removable),
        "max_daily_share": share,
        "days_covered": verdict.days_covered,
        "earliest_removal": verdict.earliest_removal.isoformat() if verdict.earliest_removal else None,
        "clients": [to_jsonable(client) for client in verdict.clients or ()],
        "reasons": [str(reason) for reason in verdict.reasons or ()],
    }
    share_text = "no use" if share is None else f"at most {share:.2%} of daily operations"
    evidence["summary"] = f"{share_text} over {verdict.days_covered} days covered on {endpoint}"
    return evidence

