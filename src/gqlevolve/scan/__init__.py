"""The client code scanner: the GraphQL operations in a client's code, checked against a schema before they run.

Traffic shows only what has been called; a feature behind a flag or a mobile release still in review has not.
:func:`scan_paths` finds every operation and fragment in ``.graphql``/``.gql`` files, in ``gql``/``graphql``
tagged templates of JavaScript and TypeScript (``.js .jsx .ts .tsx .vue .svelte``) and in Python strings passed to
``gql(...)`` (:mod:`.extract`), validates each against the endpoint's current schema, and reports per
operation and file:line what is invalid, what deprecated elements it uses (with their lifecycle status, sunset
and replacement from the deprecation records) and what a schema change under review would break
(:mod:`.check`, :mod:`.report`). :mod:`.render` writes the report for people, SARIF (GitHub code scanning)
and GitHub Actions annotations; ``gqlevolve scan`` is the command (``docs/scan.md``).

    >>> client = tmp_dir / "web"; client.mkdir()
    >>> _ = (client / "user.ts").write_text("export const Q = gql`\\n  query { me { nmae } }\\n`;\\n")
    >>> report = scan_paths([client], "type Query { me: User } type User { name: String }", root=tmp_dir)
    >>> [(f.kind, f.path, f.line, f.message) for f in report.findings]
    [('invalid', 'web/user.ts', 2, "Cannot query field 'nmae' on type 'User'. Did you mean 'name'?")]
"""

from __future__ import annotations

from gqlevolve.scan.check import scan_paths
from gqlevolve.scan.report import Finding, OperationReport, ScanReport

__all__ = ["Finding", "OperationReport", "ScanReport", "scan_paths"]
