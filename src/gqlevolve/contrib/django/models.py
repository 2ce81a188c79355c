"""No Django models: the usage store's tables are SQLAlchemy's (:mod:`gqlevolve.usage_store.tables`), migrated
by Alembic. This module exists because Django sends ``post_migrate`` only to apps that have one: that is when
``python manage.py migrate`` brings the store's tables up to date too (:mod:`.apps`).

    >>> import gqlevolve.contrib.django.models
"""

__all__: list[str] = []
