"""A changelog for an API's consumers: what changed in each published version, and when, breaking first.

The published snapshots (``schemas/<version>.graphql``, written by ``gqlevolve export`` and checked in) and
their git history are the record of what was published when: each commit that changes a snapshot is a release
of that version on the commit's date, compared with the snapshot before it; the commit that adds ``vN`` is
compared with the snapshot of the version before it (``v(N-1)``), so a new version lists what it breaks.
:func:`releases_from_git` reads that history, :func:`release_between` compares two schema sources. Each entry
carries the replacement, the sunset and the migration guide from the deprecation records, when given.
:func:`render_markdown` and :func:`render_html` write it (``gqlevolve changelog``, ``docs/changelog.md``).

    >>> import datetime as dt
    >>> from gqlevolve.lifecycle import Deprecation
    >>> records = {"User.name": Deprecation("User.name", replacement="User.fullName", migration_guide="https://example.com/name")}
    >>> release = release_between(
    ...     "type Query { me: User } type User { name: String fullName: String }",
    ...     "type Query { me: User } type User { fullName: String! }",
    ...     version="v2", day=dt.date(2026, 6, 1), records=records)
    >>> print(render_markdown([release], title="Example API"))
    # Example API
    <BLANKLINE>
    ## v2 — 2026-06-01
    <BLANKLINE>
    ### Breaking changes
    <BLANKLINE>
    - **`User.name`** — Field 'User.name' was removed. Use `User.fullName` instead. Migration guide: <https://example.com/name>
    <BLANKLINE>
    ### Safe changes
    <BLANKLINE>
    - **`User.fullName`** — Field 'User.fullName' changed type from 'String' to 'String!'.
    <BLANKLINE>
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gqlevolve.errors import InvalidInput
from gqlevolve.lifecycle import Deprecation
from gqlevolve.schema_diff import diff_loaded
from gqlevolve.schema_diff.changes import Change, ChangeKind, Criticality
from gqlevolve.schema_diff.sources import SchemaSource, load_schema, read_sdl_text

__all__ = [
    "Entry",
    "Release",
    "RecordLookup",
    "release_between",
    "releases_from_git",
    "render_html",
    "render_markdown",
]

#: The deprecation records of a version: ``lookup(version, coordinate)`` (None when there is none).
RecordLookup = Callable[[str, str], "Deprecation | None"]

# Descriptions are documentation, not behaviour: a consumer's changelog leaves them out.
_LEFT_OUT = frozenset(kind for kind in ChangeKind if kind.value.endswith("_DESCRIPTION_CHANGED"))
_ORDER = (Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE)
_HEADINGS = {
    Criticality.BREAKING: "Breaking changes",
    Criticality.DANGEROUS: "Changes that may affect you",
    Criticality.SAFE: "Safe changes",
}
_VERSION = re.compile(r"^v(\d+)$")


@dataclass(slots=True)
class Entry:
    change: Change
    replacement: str | None = None
    sunset: dt.date | None = None
    migration_guide: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = self.change.as_dict()
        data.update({"replacement": self.replacement, "sunset": self.sunset, "migration_guide": self.migration_guide})
        return data


@dataclass(slots=True)
class Release:
    """What changed in ``version`` on ``day``, against ``base`` (the previous snapshot, or the version before)."""

    version: str
    day: dt.date | None
    base: str | None = None
    entries: list[Entry] = field(default_factory=list)
    note: str | None = None  # "first published version", "retired"

    @property
    def breaking(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.change.criticality is Criticality.BREAKING]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "date": self.day,
            "base": self.base,
            "note": self.note,
            "entries": [entry.as_dict() for entry in self.entries],
        }


def release_between(
    old: SchemaSource,
    new: SchemaSource,
    *,
    version: str,
    day: dt.date | None = None,
    base: str | None = None,
    records: Mapping[str, Deprecation] | RecordLookup | None = None,
) -> Release:
    """The changes from ``old`` to ``new`` as one release of ``version`` (``records``: by coordinate, or a lookup)."""
    lookup = _lookup(records)
    changes = diff_loaded(load_schema(old), load_schema(new))
    release = Release(version, day, base)
    release.entries = _entries(list(changes), lambda coordinate: lookup(version, coordinate) or (
        lookup(base, coordinate) if base else None))
    return release


def releases_from_git(
    snapshots: Path, *, records: Mapping[str, Deprecation] | RecordLookup | None = None
) -> list[Release]:
    """Every release recorded in the git history of the snapshot folder, newest first.

    A commit that changes ``<version>.graphql`` releases that version on the commit's date; commits that change
    nothing a consumer sees (descriptions, formatting) are left out. :class:`~gqlevolve.errors.InvalidInput`
    when the folder is not in a git work tree or has no snapshot history.
    """
    lookup = _lookup(records)
    directory = snapshots.resolve()
    if not directory.is_dir():
        raise InvalidInput(f"no snapshot folder {snapshots}/")
    top = Path(_git(directory, "rev-parse", "--show-toplevel").strip())
    prefix = directory.relative_to(top).as_posix()
    log = _git(top, "log", "--reverse", "--format=@%H %cs", "--name-status", "--no-renames", "--", prefix or ".")
    versions_seen: dict[str, str] = {}  # version -> its latest SDL
    releases: list[Release] = []
    commit = day_text = ""
    for line in log.splitlines():
        if line.startswith("@"):
            commit, day_text = line[1:].split(" ", 1)
            continue
        if not line.strip():
            continue
        status, _, path = line.partition("\t")
        name = Path(path)
        if name.suffix != ".graphql" or name.parent.as_posix() != (prefix or "."):
            continue
        version = name.stem
        day = dt.date.fromisoformat(day_text)
        if status.startswith("D"):
            versions_seen.pop(version, None)
            releases.append(Release(version, day, note="retired"))
            continue
        text = _git(top, "show", f"{commit}:{path}")
        previous = versions_seen.get(version)
        if previous is None:
            base = _predecessor(version, versions_seen)
            if base is None:
                releases.append(Release(version, day, note="first published version"))
            else:
                release = release_between(
                    _sdl(versions_seen[base], f"{base}.graphql"), _sdl(text, path), version=version, day=day, base=base,
                    records=lookup,
                )
                release.note = f"new version, compared with {base}"
                releases.append(release)
        else:
            release = release_between(_sdl(previous, path), _sdl(text, path), version=version, day=day, records=lookup)
            if release.entries:
                releases.append(release)
        versions_seen[version] = text
    if not releases:
        raise InvalidInput(f"no snapshot history in {snapshots}/: commit the <version>.graphql files 'gqlevolve export' writes")
    return sorted(releases, key=lambda release: (release.day or dt.date.min, _version_key(release.version)), reverse=True)


def _sdl(text: str, name: str) -> Any:
    return read_sdl_text(text, source_name=name)


def _predecessor(version: str, seen: Mapping[str, str]) -> str | None:
    """The version before ``version`` among those published (``v2`` -> ``v1``; ``draft`` -> the latest ``vN``)."""
    numbered = sorted((int(match.group(1)), name) for name in seen if (match := _VERSION.match(name)))
    match = _VERSION.match(version)
    earlier = [name for number, name in numbered if match is None or number < int(match.group(1))]
    return earlier[-1] if earlier else None


def _version_key(version: str) -> tuple[int, int]:
    match = _VERSION.match(version)
    return (0, int(match.group(1))) if match else (1, 0)  # draft after every vN


def _git(directory: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InvalidInput(f"cannot run git: {error}") from None
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        raise InvalidInput(f"git {args[0]} in {directory}: {message}")
    return result.stdout


def _lookup(records: Mapping[str, Deprecation] | RecordLookup | None) -> RecordLookup:
    if records is None:
        return lambda _version, _coordinate: None
    if callable(records):
        return records
    mapping = records
    return lambda _version, coordinate: mapping.get(coordinate)


def _entries(changes: list[Change], record_of: Callable[[str], Deprecation | None]) -> list[Entry]:
    entries = []
    for change in changes:
        if change.kind in _LEFT_OUT:
            continue
        record = record_of(change.coordinate)
        entries.append(
            Entry(
                change,
                replacement=None if record is None else record.replacement,
                sunset=None if record is None else record.sunset_on,
                migration_guide=None if record is None else record.migration_guide,
            )
        )
    # Breaking first, then dangerous, then safe; in the differ's order within each.
    return sorted(entries, key=lambda entry: _ORDER.index(entry.change.criticality))


# --- rendering -----------------------------------------------------------------------------------------


def _heading(release: Release) -> str:
    return f"{release.version} — {release.day.isoformat() if release.day else 'unreleased'}"


def _advice(entry: Entry) -> list[tuple[str, str | None]]:
    """(text, link) pieces after an entry's message."""
    parts: list[tuple[str, str | None]] = []
    if entry.replacement:
        parts.append((entry.replacement, "code"))
    if entry.sunset and entry.change.criticality is not Criticality.BREAKING:
        parts.append((entry.sunset.isoformat(), "sunset"))
    if entry.migration_guide:
        parts.append((entry.migration_guide, "guide"))
    return parts


def render_markdown(releases: list[Release], *, title: str = "API changelog") -> str:
    lines = [f"# {_md(title)}", ""]
    for release in releases:
        lines += [f"## {_md(_heading(release))}", ""]
        if release.note:
            lines += [f"_{_md(release.note)}_", ""]
        for criticality in _ORDER:
            group = [entry for entry in release.entries if entry.change.criticality is criticality]
            if not group:
                continue
            lines += [f"### {_HEADINGS[criticality]}", ""]
            for entry in group:
                text = f"- **`{_code(entry.change.coordinate)}`** — {_md(entry.change.message)}"
                for value, kind in _advice(entry):
                    if kind == "code":
                        text += f" Use `{_code(value)}` instead."
                    elif kind == "sunset":
                        text += f" Sunset: {value}."
                    else:
                        text += f" Migration guide: <{_url(value)}>"
                lines.append(text)
            lines.append("")
    return "\n".join(lines)


def render_html(releases: list[Release], *, title: str = "API changelog") -> str:
    esc = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    for release in releases:
        out.append(f"<section><h2>{esc(_heading(release))}</h2>")
        if release.note:
            out.append(f"<p><em>{esc(release.note)}</em></p>")
        for criticality in _ORDER:
            group = [entry for entry in release.entries if entry.change.criticality is criticality]
            if not group:
                continue
            out.append(f'<h3>{_HEADINGS[criticality]}</h3><ul class="{criticality.value}">')
            for entry in group:
                item = f"<li><code>{esc(entry.change.coordinate)}</code> — {esc(entry.change.message)}"
                for value, kind in _advice(entry):
                    if kind == "code":
                        item += f" Use <code>{esc(value)}</code> instead."
                    elif kind == "sunset":
                        item += f" Sunset: {esc(value)}."
                    elif value.startswith(("https://", "http://")):
                        item += f' <a href="{esc(value)}">Migration guide</a>'
                    else:
                        item += f" Migration guide: {esc(value)}"
                out.append(item + "</li>")
            out.append("</ul>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Text from a schema or a record, inert in Markdown (no links, emphasis or HTML it did not mean)."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def _code(text: str) -> str:
    return text.replace("`", "'")


def _url(text: str) -> str:
    return text.replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")
