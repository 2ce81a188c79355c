"""The process's one usage store, opened from ``settings.GQLEVOLVE`` the first time it is asked for.

A Django project has no start-up hook of its own for a store, so :func:`usage_store` opens it lazily, once per
process (threads share it), and the store's own shutdown handling flushes it at exit. It brings the store's
tables up to date when it opens it (as ``python manage.py migrate`` does): a web process never counts into a
database without them. A change of ``GQLEVOLVE`` or ``DATABASES`` (``override_settings`` in a test) closes it,
and the next call opens the store the settings name now.

In a schema module, one line::

    schema = strawberry.Schema(Query, extensions=[deprecation_usage(store=usage_store())])

Closing when nothing is open does nothing (``tests/test_contrib_django.py`` opens the store of a project's
settings, counts into it through the views and reads it back with the commands):

    >>> close_usage_store()
    >>> close_usage_store()
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.core.signals import setting_changed  # type: ignore[import-untyped]  # Django ships no type hints

from gqlevolve.contrib.django.conf import SETTING

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["close_usage_store", "upgrade_usage_store", "usage_store"]

_lock = threading.Lock()
_store: UsageStore | None = None


def usage_store() -> UsageStore:
    """The usage store of ``settings.GQLEVOLVE`` (opened, and its tables brought up to date, on the first call)."""
    global _store
    with _lock:
        if _store is None:
            from gqlevolve.contrib.django.conf import store_url
            from gqlevolve.usage_store import UsageStore

            _store = UsageStore(store_url(), migrate=True)
        return _store


def close_usage_store() -> None:
    """Flush and close the store :func:`usage_store` opened, if any; the next call opens it again."""
    global _store
    with _lock:
        store, _store = _store, None
    if store is not None:
        store.close()


def upgrade_usage_store() -> tuple[str | None, str]:
    """Bring the tables of the settings' store to the latest revision (``python manage.py migrate`` does it);
    returns the revisions before and after (before: None for a database without them)."""
    from gqlevolve.contrib.django.conf import store_url
    from gqlevolve.usage_store.engine import create_store_engine
    from gqlevolve.usage_store.revisions import upgrade
    from gqlevolve.usage_store.urls import parse_store_url

    engine = create_store_engine(parse_store_url(store_url()))
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTING, "DATABASES"):
        close_usage_store()


setting_changed.connect(_settings_changed, dispatch_uid="gqlevolve.contrib.django.store")
