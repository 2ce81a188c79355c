"""The Django app's configuration: ``"gqlevolve.contrib.django"`` in ``INSTALLED_APPS`` (label ``gqlevolve``).

Installing it gives the project the policy's monitoring commands (``python manage.py api_deprecation_report``
and the others, in ``management/commands/``) and makes ``python manage.py migrate`` bring the usage store's
tables up to date as well (after the project's own migrations, on the default database only: the store is one
place, whichever databases a project migrates).

    >>> GqlevolveConfig.name, GqlevolveConfig.label
    ('gqlevolve.contrib.django', 'gqlevolve')
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig  # type: ignore[import-untyped]  # Django ships no type hints
from django.db import DEFAULT_DB_ALIAS  # type: ignore[import-untyped]  # Django ships no type hints
from django.db.models.signals import post_migrate  # type: ignore[import-untyped]  # Django ships no type hints

__all__ = ["GqlevolveConfig"]


class GqlevolveConfig(AppConfig):  # type: ignore[misc]  # untyped Django base class
    name = "gqlevolve.contrib.django"
    label = "gqlevolve"
    verbose_name = "gqlevolve: API deprecation usage"

    def ready(self) -> None:
        post_migrate.connect(_upgrade_store, sender=self, dispatch_uid="gqlevolve.contrib.django.upgrade")


def _upgrade_store(*, using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, stdout: Any = None, **kwargs: Any) -> None:
    if using != DEFAULT_DB_ALIAS:
        return
    from gqlevolve.contrib.django.store import upgrade_usage_store

    before, after = upgrade_usage_store()
    if verbosity >= 1 and stdout is not None and before != after:
        stdout.write(f"  gqlevolve usage store: upgraded from {before or '(empty)'} to {after}")
