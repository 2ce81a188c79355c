"""The usage store's Alembic migrations (``env.py``, ``versions/``); run them with :mod:`gqlevolve.usage_store.revisions`.

There is no ``alembic.ini``: :func:`gqlevolve.usage_store.revisions.alembic_config` builds the configuration
from this package's path, and ``gqlevolve db upgrade --db URL`` is the command line.
"""
