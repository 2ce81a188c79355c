"""Spill files: the counts a store could not write before it closed, kept on local disk until they are written.

When :meth:`~gqlevolve.usage_store.UsageStore.close` (at exit, on SIGTERM) cannot write what the store holds
within its ``close_timeout`` (the database answers nothing, a lock is held, the file is read-only), it appends
those counts to the store's spill file and returns. The next store with the same URL (the same process after a
restart, or another one) writes them when it starts, and at each flush while the file is there, then deletes them
from the file: exactly once, through the ``flush_ledger``
(:func:`~gqlevolve.usage_store.writer.write_spilled`).

Where (one file per store URL; a store looks in each of these places, and writes to the first that works):

- a SQLite store: next to its file, ``<file>-spill.jsonl`` (``gqlevolve.db-spill.jsonl``), then as below;
- any store: ``<directory>/<database>-<hash of the URL>.jsonl``, the directory being the store's ``spill_dir``
  setting, else ``$GQLEVOLVE_SPILL_DIR``, else the user's cache directory (``$XDG_CACHE_HOME/gqlevolve/spill``,
  ``~/.cache/gqlevolve/spill``). The hash is of the URL without its password, so that a store on another
  database, host, port, user or ``search_path`` never replays these counts.

The format is JSON lines, one record per line, appended and never rewritten in place::

    {"format": 1, "id": "<32 hex digits>", "in_doubt": ["<writer id>", 17] or null,
     "totals": [[endpoint, "2026-11-21", client_name, client_version, count], ...],
     "usage": [[endpoint, "2026-11-21", client_name, client_version, signature, count], ...],
     "signatures": {"<signature>": ["User.name", ...], ...},
     "enforcement": [[endpoint, "2026-11-21", client_name, client_version, coordinate, kind, count], ...],
     "operation_usage": [[endpoint, "2026-11-21", client_name, client_version, signature, count], ...],
     "shapes": {"<signature>": [kind, name or null, document_hash, ["User", "User.name", ...], ["User.name"]]},
     "overflow": [[endpoint, coordinate, "2026-11-21", count], ...]}

(``enforcement``, refused and previewed operations, since revision 0003; ``operation_usage``, ``shapes`` (each
with its deprecated coordinates last) and ``overflow``, whole-schema usage, since 0005: a record without them has
none.)

``in_doubt`` names a batch that was sent and whose COMMIT was not answered (it is written only if that writer's
ledger does not count it); ``id`` makes every other record written once. A record is appended with one
``write`` on a file opened for appending, under an exclusive ``flock``, then ``fsync``: it is in the file in full
or not at all (a tail torn by a crash is cut before the next append and ignored when read). Written records are
removed by writing the remaining lines to a new file that replaces the old one (``os.replace``, both fsynced), or
by deleting the file when none remain.

Example: a SQLite store's spill file, next to its database; one record appended at close, read back and forgotten
at the next start once written:

    >>> from gqlevolve.usage_store.recorder import Batch
    >>> from gqlevolve.usage_store.urls import parse_store_url
    >>> spill = SpillFile.for_store(parse_store_url(store_url))
    >>> batch = Batch()
    >>> batch.add(("/api/v1/graphql", clock.today(), "web", "1.4"), None, frozenset(), 3)
    >>> spill.append([SpillRecord.new(batch)]).name         # at close: what could not be written
    'gqlevolve.db-spill.jsonl'
    >>> [(path.name, [record.batch.operations for record in records]) for path, records in spill.read()]
    [('gqlevolve.db-spill.jsonl', [3])]
    >>> for path, records in spill.read():                  # at the next start: write them (write_spilled), then
    ...     spill.forget(path, {record.id for record in records})
    >>> spill.pending()
    False
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from gqlevolve.operation_shape import OperationShape
from gqlevolve.usage_store.operations import StoredOperation, check_shape
from gqlevolve.usage_store.recorder import Batch
from gqlevolve.usage_store.urls import redacted, sqlite_path

__all__ = ["SPILL_DIR_ENV", "SpillFile", "SpillRecord", "default_spill_dir"]

logger = logging.getLogger("gqlevolve.usage_store")

#: The environment variable that names the directory of spill files (when a store is given none).
SPILL_DIR_ENV = "GQLEVOLVE_SPILL_DIR"

_FORMAT = 1


@dataclass(frozen=True)
class SpillRecord:
    """Counts that could not be written, and whether they may have been written after all."""

    #: 32 hex digits: the record's own ledger entry once it is written.
    id: str
    batch: Batch
    #: (writer id, batch number) of a batch whose COMMIT was sent but not answered; None: never written.
    in_doubt: tuple[str, int] | None = None

    @classmethod
    def new(cls, batch: Batch, in_doubt: tuple[str, int] | None = None) -> SpillRecord:
        return cls(uuid.uuid4().hex, batch, in_doubt)

    def to_line(self) -> bytes:
        data = {
            "format": _FORMAT,
            "id": self.id,
            "in_doubt": list(self.in_doubt) if self.in_doubt else None,
            "totals": [[e, day.isoformat(), n, v, count] for (e, day, n, v), count in self.batch.totals.items()],
            "usage": [[e, day.isoformat(), n, v, s, count] for (e, day, n, v, s), count in self.batch.usage.items()],
            "signatures": {signature: sorted(c) for signature, c in self.batch.signatures.items()},
            "enforcement": [
                [e, day.isoformat(), n, v, c, kind, count]
                for (e, day, n, v, c, kind), count in self.batch.enforcement.items()
            ],
            "operation_usage": [
                [e, day.isoformat(), n, v, s, count] for (e, day, n, v, s), count in self.batch.operation_usage.items()
            ],
            "shapes": {
                signature: [op.shape.kind, op.shape.name, op.shape.document_hash, sorted(op.shape.coordinates),
                            sorted(op.deprecated)]
                for signature, op in self.batch.shapes.items()
            },
            "overflow": [[e, c, day.isoformat(), count] for (e, c, day), count in self.batch.overflow.items()],
        }
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> SpillRecord:
        """The record of one line (``ValueError``, ``KeyError`` or ``TypeError`` for anything else)."""
        data = json.loads(line)
        if data.get("format") != _FORMAT or not re.fullmatch(r"[0-9a-f]{32}", data["id"]):
            raise ValueError("not a spill record of this version")
        batch = Batch()
        for endpoint, day, name, version, count in data["totals"]:
            batch.totals[(str(endpoint), dt.date.fromisoformat(day), str(name), str(version))] = _count(count)
        for endpoint, day, name, version, signature, count in data["usage"]:
            key = (str(endpoint), dt.date.fromisoformat(day), str(name), str(version), str(signature))
            batch.usage[key] = _count(count)
        batch.signatures = {str(s): frozenset(map(str, c)) for s, c in data["signatures"].items()}
        for endpoint, day, name, version, coordinate, kind, count in data.get("enforcement", ()):  # since 0003
            batch.enforcement[
                (str(endpoint), dt.date.fromisoformat(day), str(name), str(version), str(coordinate), str(kind))
            ] = _count(count)
        if set(batch.signatures) != {key[4] for key in batch.usage}:
            raise ValueError("the signatures do not match the usage")
        _read_operations(data, batch)
        in_doubt = data["in_doubt"]
        doubt = None if in_doubt is None else (str(in_doubt[0]), _count(in_doubt[1]))
        return cls(data["id"], batch, doubt)


def _read_operations(data: dict[str, Any], batch: Batch) -> None:
    """Whole-schema usage (since 0005); checked as the buffer checks a shape."""
    for endpoint, day, name, version, signature, count in data.get("operation_usage", ()):
        key = (str(endpoint), dt.date.fromisoformat(day), str(name), str(version), str(signature))
        batch.operation_usage[key] = _count(count)
    for signature, (kind, name, document_hash, coordinates, deprecated) in data.get("shapes", {}).items():
        shape = check_shape(OperationShape(kind, name, document_hash, frozenset(map(str, coordinates))))
        batch.shapes[str(signature)] = StoredOperation(str(signature), shape, frozenset(map(str, deprecated)))
    for endpoint, coordinate, day, count in data.get("overflow", ()):
        batch.overflow[(str(endpoint), str(coordinate), dt.date.fromisoformat(day))] = _count(count)
    if set(batch.shapes) != {key[4] for key in batch.operation_usage}:
        raise ValueError("the operation shapes do not match the operation usage")


def _count(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def default_spill_dir() -> Path:
    """``$GQLEVOLVE_SPILL_DIR``, else the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    configured = os.environ.get(SPILL_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME")
    return (Path(cache) if cache else Path.home() / ".cache") / "gqlevolve" / "spill"


class SpillFile:
    """The spill file of one store: where it is written (the first of :attr:`paths` that works) and looked for."""

    def __init__(self, paths: list[Path], *, beside_database: Path | None = None) -> None:
        if not paths:
            raise ValueError("a spill file needs at least one place")
        self.paths = paths
        #: The place next to a SQLite file, if it is one of ``paths``: its folder is never created.
        self.beside_database = beside_database

    @classmethod
    def for_store(cls, url: URL, directory: str | os.PathLike[str] | None = None) -> SpillFile:
        """The spill file of the store at ``url`` (see the module's documentation for where it is)."""
        shown = redacted(url)
        digest = hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]
        database = re.sub(r"[^A-Za-z0-9._-]", "_", Path(url.database or "store").name)[:64] or "store"
        paths = []
        beside = None
        database_file = sqlite_path(url)
        if database_file is not None and directory is None:
            beside = database_file.absolute().with_name(database_file.name + "-spill.jsonl")
            paths.append(beside)
        base = Path(directory) if directory is not None else default_spill_dir()
        paths.append(base.absolute() / f"{database}-{digest}.jsonl")
        return cls(paths, beside_database=beside)

    def __repr__(self) -> str:
        return f"SpillFile({str(self.paths[0])!r})"

    # --- writing --------------------------------------------------------------------------------

    def append(self, records: list[SpillRecord]) -> Path:
        """Append ``records`` durably; the path written. ``OSError`` when no place can be written."""
        data = b"".join(record.to_line() for record in records)
        failures: list[str] = []
        for path in self.paths:
            try:
                if path != self.beside_database:  # next to a SQLite file only when its folder exists
                    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                with _locked(path, create=True) as fd:
                    _cut_torn_tail(fd)
                    _write_all(fd, data)
                    os.fsync(fd)
                _fsync_directory(path.parent)
                return path
            except OSError as error:
                failures.append(f"{path}: {error.strerror or error}")
        raise OSError(errno.EIO, "cannot write the spill file (" + "; ".join(failures) + ")")

    # --- replaying ------------------------------------------------------------------------------

    def pending(self) -> bool:
        """Whether a spill file is there (cheap: one ``stat`` per place)."""
        return any(path.is_file() for path in self.paths)

    def read(self) -> list[tuple[Path, list[SpillRecord]]]:
        """The records of each spill file there is (unreadable lines are logged and skipped)."""
        found = []
        for path in self.paths:
            try:
                with _locked(path, create=False) as fd:
                    content = _read_all(fd)
            except FileNotFoundError:
                continue
            records = []
            for line in _complete_lines(content):
                try:
                    records.append(SpillRecord.from_line(line))
                except (ValueError, KeyError, TypeError, IndexError) as error:
                    logger.error("skipping an unreadable line of the spill file %s (%d bytes): %s", path, len(line), error)
            found.append((path, records))
        return found

    def forget(self, path: Path, ids: set[str]) -> None:
        """Remove the records ``ids`` (written) from ``path``, and unreadable lines; delete the file when empty."""
        try:
            with _locked(path, create=False) as fd:
                content = _read_all(fd)
                kept = [line for line in _complete_lines(content) if _keep(line, ids)]
                if kept:
                    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
                    with open(temporary, "wb") as out:
                        out.write(b"".join(kept))
                        out.flush()
                        os.fsync(out.fileno())
                    os.replace(temporary, path)
                else:
                    path.unlink()
        except FileNotFoundError:
            return
        _fsync_directory(path.parent)


def _keep(line: bytes, ids: set[str]) -> bool:
    try:
        return SpillRecord.from_line(line).id not in ids
    except (ValueError, KeyError, TypeError, IndexError):
        return False  # logged when it was read


@contextlib.contextmanager
def _locked(path: Path, *, create: bool) -> Iterator[int]:
    """An open descriptor of ``path`` under an exclusive ``flock`` (the file at ``path`` once locked: a replay may
    have replaced or deleted the one opened while it waited)."""
    flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        fd = os.open(path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is not None and current.st_ino == os.fstat(fd).st_ino:
                yield fd
                return
        finally:
            os.close(fd)  # closing releases the lock
        if current is None and not create:
            raise FileNotFoundError(errno.ENOENT, "the spill file is gone", str(path))


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _complete_lines(content: bytes) -> list[bytes]:
    """The lines that end with a newline (a last line without one was torn by a crash while appended)."""
    lines = content.splitlines(keepends=True)
    return [line for line in lines if line.endswith(b"\n") and line.strip()]


def _cut_torn_tail(fd: int) -> None:
    """Cut a last line without its newline (an append torn by a crash), so the next record starts on a line."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    os.lseek(fd, size - 1, os.SEEK_SET)
    if os.read(fd, 1) == b"\n":
        return
    content = _read_all(fd)
    end = content.rfind(b"\n") + 1
    logger.error("cutting %d bytes of a torn record at the end of a spill file", size - end)
    os.ftruncate(fd, end)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    """Make a file's creation, replacement or deletion durable."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

