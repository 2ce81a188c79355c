"""The notices once a day inside a server: a daemon thread that runs :func:`~gqlevolve.notices.sender.notify`
when it starts and then at each new UTC day (by the store's clock), never on a request's path.

``versioned_app(..., notify_daily=NoticeSettings.from_environ())`` starts it with the app's lifespan and stops it
with the app. Several processes of one server may all run it: the delivery log's claims send each notice once. A
pass that fails as a whole (the store cannot be reached, emails due without an SMTP server) is logged and tried
again an hour later; a failed delivery (a webhook or an SMTP server that is down) waits for the next day's pass,
as with cron.

    >>> from gqlevolve.notices.settings import NoticeSettings
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> notifier = DailyNotifier(store, NoticeSettings())
    >>> notifier.start(); notifier.wait_for_pass(timeout=10)
    True
    >>> notifier.stop(); store.close()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from gqlevolve.logs import loggable

if TYPE_CHECKING:
    from gqlevolve.advisor import RemovalPolicy
    from gqlevolve.notices.settings import NoticeSettings
    from gqlevolve.usage_store import UsageStore

__all__ = ["RETRY_AFTER", "DailyNotifier", "with_daily_notices"]

logger = logging.getLogger("gqlevolve.notices")

#: How long after a pass that failed as a whole the next one runs.
RETRY_AFTER = dt.timedelta(hours=1)
# A few minutes past midnight: the day's usage of the other processes has a flush or two to land.
_AFTER_MIDNIGHT = dt.timedelta(minutes=5)


class DailyNotifier:
    def __init__(self, store: UsageStore, settings: NoticeSettings, *, policy: RemovalPolicy | None = None) -> None:
        self.store = store
        self.settings = settings
        self.policy = policy
        self.passes = 0
        self._stop = threading.Event()
        self._passed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gqlevolve-notices", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop waiting; a pass under way finishes its current delivery's timeout at most."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_for_pass(self, count: int = 1, timeout: float = 30.0) -> bool:
        """Wait until ``count`` passes have run (tests, and a deployment's health check)."""
        with self._passed:
            return self._passed.wait_for(lambda: self.passes >= count, timeout)

    def _run(self) -> None:
        from gqlevolve.notices.sender import notify

        while not self._stop.is_set():
            delay = self._until_tomorrow()
            try:
                result = notify(self.store, self.settings, policy=self.policy)
                if result.failed:
                    logger.warning("daily notices: %d of %d deliveries failed", len(result.failed), len(result.results))
            except Exception as error:  # noqa: BLE001 - a pass that fails is logged and tried again; the server goes on
                logger.error("daily notices: the pass failed: %s", loggable(str(error), limit=500))
                delay = RETRY_AFTER.total_seconds()
            with self._passed:
                self.passes += 1
                self._passed.notify_all()
            self._stop.wait(delay)

    def _until_tomorrow(self) -> float:
        now = self.store.clock.now()
        tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) + _AFTER_MIDNIGHT
        return max((tomorrow - now).total_seconds(), 1.0)


def with_daily_notices(
    lifespan: Callable[[Any], contextlib.AbstractAsyncContextManager[Any]],
    store: UsageStore | None,
    settings: NoticeSettings,
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]:
    """``lifespan`` (an ASGI app's) that also runs a :class:`DailyNotifier` while the app runs."""
    if store is None:
        raise ValueError("notify_daily needs a store: the notices are read from and logged in it")

    @contextlib.asynccontextmanager
    async def daily(app: Any) -> AsyncIterator[Any]:
        async with lifespan(app) as state:
            notifier = DailyNotifier(store, settings)
            app.state.notifier = notifier
            notifier.start()
            try:
                yield state
            finally:
                notifier.stop()

    return daily
