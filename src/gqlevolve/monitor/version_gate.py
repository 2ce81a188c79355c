"""Enforcement for a whole version: no new adopters, brownouts and the preview, as a 410 before the schema runs.

``versioned_app`` gives a deprecated version a :class:`VersionGate`. Its settings are the version's lifecycle
(``VersionLifecycle(refuse_new_adopters=..., brownouts=...)``, in code) completed by what the platform team set in
the store (``gqlevolve deprecation brownout add --whole-version``, the admin API): the windows of both, and the
rule if either says so. A thread reads the store every ``refresh_interval`` seconds (the settings, and the clients
that sent the version operations before its sunset warning began); the request path only reads the immutable
:class:`VersionSnapshot` and the clock: :meth:`VersionGate.judge` does no I/O. A refused request is counted in
``enforcement_counts`` under the version's path (:meth:`VersionGate.count`), never as usage.

Example: v1 refuses newcomers in its sunset warning; ``web`` used it before, ``ios`` did not (``clock`` is pinned
to 2026-11-21, in v1's sunset warning):

    >>> from datetime import date
    >>> from gqlevolve.lifecycle import VersionLifecycle
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> store.record_operation("/api/v1/graphql", set(), client_name="web", when=date(2026, 11, 1))
    >>> lifecycle = VersionLifecycle(deprecated_on=date(2026, 6, 1), sunset_on=date(2026, 12, 15),
    ...                              refuse_new_adopters=True)
    >>> gate = VersionGate(store, lifecycle.as_deprecation("/api/v1/graphql", None), clock=clock)
    >>> gate.refresh()                                  # what the thread does every refresh_interval
    >>> gate.judge("web", None) is None
    True
    >>> refusal = gate.judge("ios", "2.0")
    >>> refusal.kind, refusal.body()["status_code"]
    ('no_new_adopters', 410)
    >>> print(refusal.message)
    New uses of /api/v1/graphql are refused during its sunset warning (since 2026-11-15): this client had not used it
    before; it will be removed on 2026-12-15
    >>> gate.close(); store.close()
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from gqlevolve.clock import Clock
from gqlevolve.lifecycle import Deprecation, Status, adoption_cutoff, client_key
from gqlevolve.monitor.enforcement import Refusal, refusals

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["VersionGate", "VersionSnapshot"]

logger = logging.getLogger("gqlevolve.asgi")


@dataclass(frozen=True, slots=True)
class VersionSnapshot:
    """A version's effective record (code and store settings merged) and its adopters (None: not known yet)."""

    record: Deprecation
    adopters: frozenset[str] | None = None
    #: Whether anything can refuse a request (the request path skips the rest when not, unless a preview).
    armed: bool = field(default=False)


class VersionGate:
    """Judges each request to a deprecated version against the no-new-adopters rule, brownouts and the preview."""

    def __init__(
        self,
        store: UsageStore,
        record: Deprecation,
        *,
        clock: Clock,
        refresh_interval: float = 30.0,
        adopters_by_version: bool = False,
    ) -> None:
        if not refresh_interval > 0:
            raise ValueError(f"refresh_interval must be a positive number of seconds, not {refresh_interval!r}")
        self.store = store
        self.declared = record  # the version's lifecycle, as code says it
        self.endpoint = record.coordinate
        self.clock = clock
        self.refresh_interval = float(refresh_interval)
        self.by_version = bool(adopters_by_version)
        self.snapshot = VersionSnapshot(record, None, _armed(record))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store_down = False

    # --- the request path ---------------------------------------------------------------------

    def judge(self, client_name: str | None, client_version: str | None, *, preview: bool = False) -> Refusal | None:
        """What refuses this request (None: serve it); pure on the snapshot and the clock."""
        snapshot = self.snapshot
        if not preview and not snapshot.armed:
            return None
        record = snapshot.record
        today = self.clock.today()
        if record.status_on(today) in (Status.ACTIVE, Status.REMOVED):
            return None
        adopters = {} if snapshot.adopters is None else {self.endpoint: snapshot.adopters}
        from gqlevolve.usage_store.clients import clean_client_name, clean_client_version

        client = client_key(clean_client_name(client_name), clean_client_version(client_version), by_version=self.by_version)
        found = refusals((record,), today, self.clock.now(), client, adopters, preview=preview)
        return found[0] if found else None

    def count(self, refusal: Refusal, client_name: str | None, client_version: str | None) -> None:
        """Count a refused (or previewed) request under the version's path: an operation, not usage. Never raises."""
        self.store.record_buffered(
            self.endpoint, frozenset(), client_name=client_name, client_version=client_version,
            enforced=frozenset({(self.endpoint, refusal.kind)}),
        )

    # --- refresh (I/O) ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the store's settings for the version and its adopters (never raises: the last known stay)."""
        try:
            stored = self.store.version_enforcement(self.endpoint)
            record = self.declared
            if stored:
                setting = stored[0]
                record = replace(
                    record,
                    refuse_new_adopters=record.refuse_new_adopters or setting.refuse_new_adopters,
                    brownouts=record.brownouts + tuple(w for w in setting.brownouts if w not in record.brownouts),
                )
            adopters = None
            if record.refuse_new_adopters:
                from gqlevolve.usage_store import reads

                with self.store.reading() as connection:
                    adopters = reads.version_adopters(
                        connection, self.endpoint, before=adoption_cutoff(record), by_version=self.by_version
                    )
        except Exception as error:
            if not self._store_down:
                logger.warning("could not read the enforcement of %s (%s); serving what is known", self.endpoint, error)
            self._store_down = True
            return
        self._store_down = False
        self.snapshot = VersionSnapshot(record, adopters, _armed(record))

    def start(self) -> None:
        """Start the refresh thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="gqlevolve-version-gate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if getattr(self.store, "closed", False):
                return
            self.refresh()
            self._stop.wait(self.refresh_interval)

    def close(self) -> None:
        """Stop the refresh thread."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None


def _armed(record: Deprecation) -> bool:
    return record.refuse_new_adopters or bool(record.brownouts)
