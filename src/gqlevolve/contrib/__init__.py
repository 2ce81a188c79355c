"""gqlevolve in a web framework's own terms, beyond the Strawberry extension every framework shares.

- :mod:`gqlevolve.contrib.django`: a Django app (``INSTALLED_APPS``): the policy's monitoring commands as
  ``python manage.py api_deprecation_report`` and the like, settings in ``settings.GQLEVOLVE``, the versioned
  endpoints in a project's ``urls.py``.

Nothing here is imported by the rest of gqlevolve (an interface layer, like ``cli/`` and ``asgi.py``):

    >>> import gqlevolve.contrib
    >>> gqlevolve.contrib.__name__
    'gqlevolve.contrib'
"""

__all__: list[str] = []
