"""Flushing at shutdown: at interpreter exit, and when the process is stopped with SIGTERM.

A store registers itself here when it starts its flusher. At exit (``atexit``) every open store is closed,
which flushes it; the stores are closed at the same time, so that exit takes at most the longest
``close_timeout`` (5 s by default) whatever their number, and what a store could not write by then is in its spill
file (:mod:`~gqlevolve.usage_store.spill`). For SIGTERM, whose default action kills the process without running
``atexit``, a handler is installed (from the main thread, once) when SIGTERM still has its default action: it
raises ``SystemExit(143)`` (128 + SIGTERM), so the interrupted code unwinds normally and the exit handlers flush.
A process stopped with SIGTERM therefore exits within the close timeout (plus the time its own code takes to
unwind), before the SIGKILL that ``docker stop`` sends 10 s later. A handler someone else installed (uvicorn,
gunicorn) is left in charge: those shut down gracefully, and ``versioned_app``'s lifespan closes the store.

Example: nothing to call (a store with ``handle_shutdown=True``, the default, calls :func:`register`); what exit
does for each registered store is its ``close()``, which writes what it still holds:

    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock, flush_interval=60)      # registered here
    >>> store.record_buffered("/api/v1/graphql", frozenset({"User.name"}), client_name="web")
    >>> store.close(timeout=1.0)        # what atexit (after SIGTERM too) does, for every open store at once
    >>> with UsageStore(store_url, clock=clock, handle_shutdown=False) as reopened:
    ...     [usage.operations for usage in reopened.daily_usage("/api/v1/graphql", "User.name")]
    [1]
    >>> SIGTERM_EXIT_CODE               # how a process stopped with SIGTERM exits (128 + 15), as a shell shows it
    143
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
import weakref
from typing import Any, Protocol

__all__ = ["SIGTERM_EXIT_CODE", "register"]

logger = logging.getLogger("gqlevolve.usage_store")

SIGTERM_EXIT_CODE = 128 + signal.SIGTERM


class _Closable(Protocol):
    def close(self, timeout: float | None = None) -> None: ...


_stores: weakref.WeakSet[_Closable] = weakref.WeakSet()
_installed = False
_install_lock = threading.Lock()


def register(store: _Closable) -> None:
    """Close ``store`` at exit; make SIGTERM exit normally (so that it is closed) where it would just kill us."""
    global _installed
    _stores.add(store)
    with _install_lock:
        if _installed:
            return
        atexit.register(_close_all)
        _install_sigterm_handler()
        _installed = True


def _install_sigterm_handler() -> None:
    if threading.current_thread() is not threading.main_thread():
        logger.debug("not in the main thread: SIGTERM is left as it is")
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: Any) -> None:
    # Only the first SIGTERM unwinds; a second one while we flush kills as usual.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise SystemExit(SIGTERM_EXIT_CODE)


def _close_all() -> None:
    """Close every open store, all at once (each one within its own close timeout)."""
    stores = list(_stores)
    if len(stores) == 1:
        _close(stores[0])
        return
    closing = [threading.Thread(target=_close, args=(store,), name="gqlevolve-usage-exit") for store in stores]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join()


def _close(store: _Closable) -> None:
    try:
        store.close()
    except Exception:  # at exit, one store failing must not keep the others from flushing
        logger.exception("closing the usage store at exit failed")
