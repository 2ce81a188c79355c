"""The test project's settings; the part between the ``[gqlevolve-settings]`` markers is the docs' snippet.

The database is a SQLite file in the working folder, or what ``GQLEVOLVE_TEST_DJANGO_DATABASE`` says (JSON, one
entry of ``DATABASES``: the tests point it at a temporary file or at PostgreSQL).
"""

import json
import os

SECRET_KEY = "tests-only, never a real secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.django_project.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": json.loads(os.environ.get("GQLEVOLVE_TEST_DJANGO_DATABASE", "null"))
    or {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"},
}

# [gqlevolve-settings]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "gqlevolve.contrib.django",
]

# Every key is optional; the usage store is DATABASES["default"] unless "STORE_URL" names another.
GQLEVOLVE = {
    "SCHEMAS": {
        "v1": "tests.django_project.schema.schema_v1",
        "v2": "tests.django_project.schema.schema_v2",
    },
}
# [/gqlevolve-settings]
