"""The test project's ``asgi.py``: Django's ASGI application with the admin API in front, as the docs show it."""

# [gqlevolve-asgi]
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")

from gqlevolve.contrib.django.asgi import with_admin_api  # noqa: E402

# Django's ASGI application, and the admin API at /api/admin/ when GQLEVOLVE["ADMIN_TOKEN"] is set
application = with_admin_api()
# [/gqlevolve-asgi]
