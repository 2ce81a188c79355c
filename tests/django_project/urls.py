"""The test project's ``urls.py``: the versioned endpoints, as the docs show it."""

# [gqlevolve-urls]
from django.urls import include, path

urlpatterns = [
    # /api/v1/graphql/ and /api/v2/graphql/: a version per entry of GQLEVOLVE["SCHEMAS"]
    path("", include("gqlevolve.contrib.django.urls")),
]
# [/gqlevolve-urls]
