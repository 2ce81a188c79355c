"""gqlevolve as a Django app: the policy's monitoring commands under ``manage.py``, the versioned endpoints in
``urls.py``, settings in ``settings.GQLEVOLVE``.

The few lines a project adds (``docs/integrations/django.md`` has them whole, as the tests run them):

- ``"gqlevolve.contrib.django"`` in ``INSTALLED_APPS`` (:mod:`.apps`): ``python manage.py api_deprecation_report``,
  ``api_sunset_warnings``, ``api_usage_stats``, ``api_client_versions`` (:mod:`.commands`), and ``migrate``
  creates the usage store's tables;
- ``GQLEVOLVE = {"SCHEMAS": {"v1": "myproject.schema.schema_v1"}}`` (:mod:`.conf`: the store defaults to the
  project's own database when it is SQLite or PostgreSQL);
- ``deprecation_usage(store=usage_store())`` in each schema's extensions (:mod:`.store`);
- ``path("", include("gqlevolve.contrib.django.urls"))`` in ``urls.py`` (:mod:`.urls`; a version's lifecycle:
  :mod:`.views`);
- under ASGI, ``application = with_admin_api()`` in ``asgi.py`` for the admin HTTP API (:mod:`.asgi`).

    >>> from gqlevolve.contrib.django import usage_store, versioned_urls
    >>> versioned_urls({"v1": schema}, settings={})[0].pattern.describe()
    "'api/v1/graphql/' [name='gqlevolve-v1']"
"""

from gqlevolve.contrib.django.store import close_usage_store, upgrade_usage_store, usage_store
from gqlevolve.contrib.django.urls import url_name, versioned_urls

__all__ = ["close_usage_store", "upgrade_usage_store", "url_name", "usage_store", "versioned_urls"]
