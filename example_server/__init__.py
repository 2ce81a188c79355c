"""The example server: the lifecycle policy's own domain (people and attachments) on three endpoint versions.

- ``v1`` (``/api/v1/graphql``): the published API, with deprecated elements;
- ``v2`` (``/api/v2/graphql``): the same API without them;
- ``draft`` (``/api/draft/graphql``): v2 plus an experimental field.

Run it with ``make serve`` (or ``uvicorn example_server.app:app``); the usage store is ``$GQLEVOLVE_DB``
(default: ``sqlite:///gqlevolve.db`` in the working directory).
"""
