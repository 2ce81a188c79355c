"""The Django app (``gqlevolve.contrib.django``): settings, the monitoring commands through ``call_command`` and
``manage.py``, the versioned endpoints through Django's own test clients, on real SQLite and PostgreSQL stores.

The project is ``tests/django_project`` (the docs' snippets are its marked parts, checked here). Each test applies
the project's settings with ``override_settings``, so it does not matter which test module configured Django first.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import django
import pytest
from django.conf import settings

if not settings.configured:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")
django.setup()

from click.testing import CliRunner  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.test import AsyncClient, Client, override_settings  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from gqlevolve import UsageStore  # noqa: E402
from gqlevolve.cli import main  # noqa: E402
from gqlevolve.clock import SYSTEM_CLOCK  # noqa: E402
from gqlevolve.contrib.django import conf, usage_store, versioned_urls  # noqa: E402
from gqlevolve.contrib.django.commands import NegativeAnswer  # noqa: E402
from gqlevolve.lifecycle import VersionLifecycle  # noqa: E402
from tests.advisor_helpers.history import AS_OF, days_through, deprecate, seed  # noqa: E402
from tests.django_project import settings as project_settings  # noqa: E402
from tests.integrations_docs import snippets  # noqa: E402

# Django warns that DATABASES changed by override_settings does not reach open connections: these tests only read
# the setting (the store's URL is built from it), and open no connection through Django in this process.
DATABASES_OVERRIDDEN = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")

ROOT = Path(__file__).resolve().parents[1]
V1 = "/api/v1/graphql"
PEOPLE = "/api/v1/people"  # the policy's example endpoint (api_usage_stats --endpoint /api/v1/people/)
DAYS = days_through(AS_OF, 30)
PYTHON = sys.executable


@contextmanager
def project(store_url: str | None, **gqlevolve: Any) -> Iterator[ModuleType]:
    """The test project's settings (its store at ``store_url``), and its schema module loaded under them."""
    values = {**project_settings.GQLEVOLVE, **gqlevolve}
    if store_url is not None:
        values["STORE_URL"] = store_url
    with override_settings(
        INSTALLED_APPS=project_settings.INSTALLED_APPS, ROOT_URLCONF=project_settings.ROOT_URLCONF, GQLEVOLVE=values
    ):
        # Loaded anew under these settings: the schemas' extensions count into this test's store, and the URLs (which
        # a project builds once, at start-up) serve these schemas.
        module = fresh("tests.django_project.schema")
        fresh(project_settings.ROOT_URLCONF)
        try:
            yield module
        finally:
            for schema in (module.schema_v1, module.schema_v2):
                for extension in schema.extensions:
                    extension.close()


def reports_of(store_url: str) -> override_settings:
    """The project's apps, and its store at ``store_url``: what the commands need (no schema is loaded)."""
    return override_settings(INSTALLED_APPS=project_settings.INSTALLED_APPS, GQLEVOLVE={"STORE_URL": store_url})


def fresh(name: str) -> ModuleType:
    return importlib.reload(sys.modules[name]) if name in sys.modules else importlib.import_module(name)


@pytest.fixture
def seeded(store_url: str) -> str:
    """30 days of traffic on two endpoints; ``Query.oldUsers`` on /api/v1/graphql is near its sunset and used."""
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name", replacement="User.fullName")
        deprecate(store, "Query.oldUsers", sunset_on=AS_OF + dt.timedelta(days=10))
        seed(store, DAYS, lambda day: 150, total=1_000, coordinates=["Query.oldUsers"], client="ios", version="3.0")
        seed(store, DAYS[-3:], lambda day: 5, total=50, coordinates=["Person.name"], endpoint=PEOPLE)
    return store_url


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def django_command(name: str, *args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, **options)
    return out.getvalue()


# --- settings -----------------------------------------------------------------------------------------------


def test_the_store_url_of_a_sqlite_database_is_its_file(tmp_path):
    url = conf.store_url_from_database({"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "db.sqlite3"})

    assert url == f"sqlite+pysqlite:///{tmp_path / 'db.sqlite3'}"


def test_the_store_url_of_a_postgresql_database_keeps_its_connection_parameters():
    url = conf.store_url_from_database({
        "ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app", "PASSWORD": "p@ss word",
        "HOST": "/var/run/postgresql", "PORT": 5433,
        "OPTIONS": {"options": "-csearch_path=tenant", "sslmode": "prefer", "isolation_level": 2},
    })

    parts = urlsplit(url)
    assert parts.scheme == "postgresql+psycopg" and parts.path == "/app" and parts.port == 5433
    assert (make_url(url).username, make_url(url).password) == ("app", "p@ss word")  # quoted, parsed back whole
    # a socket's folder is libpq's host parameter; Django's own options (isolation_level) are not libpq's
    assert parse_qs(parts.query) == {
        "host": ["/var/run/postgresql"], "options": ["-csearch_path=tenant"], "sslmode": ["prefer"],
    }


@pytest.mark.parametrize(
    ("database", "says"),
    [
        ({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}, "in-memory SQLite"),
        ({"ENGINE": "django.db.backends.sqlite3", "NAME": "file:memorydb_default?mode=memory&cache=shared"}, "in-memory"),
        ({"ENGINE": "django.db.backends.mysql", "NAME": "app"}, "DATABASES[\"default\"] is django.db.backends.mysql"),
    ],
)
def test_a_database_the_store_cannot_share_needs_a_store_url(database, says):
    with pytest.raises(ImproperlyConfigured, match=re.escape(says)):
        conf.store_url_from_database(database)


@DATABASES_OVERRIDDEN
def test_an_explicit_store_url_wins_over_the_database(sqlite_url):
    with override_settings(GQLEVOLVE={"STORE_URL": sqlite_url}):
        assert conf.store_url() == sqlite_url
    with override_settings(GQLEVOLVE={}, DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}}):
        assert conf.store_url() == "sqlite+pysqlite:////srv/db.sqlite3"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"STORE_URLS": "sqlite:///x.db"}, "unknown keys STORE_URLS"),
        ({"SCHEMAS": {"v01": "tests.django_project.schema.schema_v1"}}, 'invalid version name "v01"'),
        ({"SCHEMAS": {"v1": "tests.django_project.schema.nothing"}}, "cannot import tests.django_project.schema.nothing"),
        ({"SCHEMAS": {"v1": "tests.django_project.schema.ADA"}}, "is not a Strawberry schema"),
        ({"STORE_URL": " "}, "must be a non-empty URL string"),
    ],
)
def test_a_mistake_in_the_settings_is_refused_with_what_to_fix(sqlite_url, value, says):
    with project(sqlite_url), override_settings(GQLEVOLVE={"STORE_URL": sqlite_url, **value}):
        with pytest.raises(ImproperlyConfigured, match=re.escape(says)):
            conf.store_url()
            conf.schemas()


# --- the monitoring commands ----------------------------------------------------------------------------------

AS_OF_ARGS = ("--as-of", AS_OF.isoformat())

COMMANDS = [
    ("api_deprecation_report", "deprecation-report", AS_OF_ARGS),
    ("api_usage_stats", "usage-stats", ("--endpoint", "/api/v1/people/", "--days", "30", *AS_OF_ARGS)),
    ("api_usage_stats", "usage-stats", ("--endpoint", "v1", "--days", "7", "--coordinate", "Query.oldUsers", *AS_OF_ARGS)),
    ("api_client_versions", "client-versions", ("--days", "30", *AS_OF_ARGS)),
    ("api_sunset_warnings", "sunset-warnings", ("--endpoint", "/api/v1/people", "--within-days", "30", *AS_OF_ARGS)),
]


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
@pytest.mark.parametrize(("name", "cli_name", "args"), COMMANDS, ids=[f"{c[0]}-{i}" for i, c in enumerate(COMMANDS)])
def test_each_command_prints_what_the_gqlevolve_command_prints(seeded, monkeypatch, name, cli_name, args, as_json):
    monkeypatch.delenv("COLUMNS", raising=False)  # both print as to a pipe: the same width
    args = (*args, "--json") if as_json else args
    expected = cli(cli_name, *args, "--db", seeded)
    assert expected.exit_code == 0, expected.output

    with reports_of(seeded):
        printed = django_command(name, *args)

    assert printed == expected.stdout
    assert printed.strip()


def test_usage_stats_reads_the_policys_example_endpoint_by_its_path_with_a_slash(seeded):
    with reports_of(seeded):
        stats = json.loads(django_command("api_usage_stats", "--endpoint", "/api/v1/people/", "--days", "30", "--json", *AS_OF_ARGS))

    assert stats["endpoint"] == PEOPLE
    assert [(day["day"], day["operations"], day["deprecated_operations"]) for day in stats["days"] if day["operations"]] == [
        (day.isoformat(), 50, 5) for day in DAYS[-3:]
    ]


def test_options_are_given_as_keywords_too(seeded):
    with reports_of(seeded):
        by_keywords = django_command("api_client_versions", days=30, as_of=AS_OF.isoformat(), json=True)

    clients = json.loads(by_keywords)
    assert {(c["endpoint"], c["name"], c["version"], c["operations"]) for c in clients} == {
        (V1, "ios", "3.0", 30_000), (PEOPLE, "web", "1.0", 150),
    }


def test_a_sunset_alert_is_a_negative_answer_after_the_report(seeded):
    out = io.StringIO()
    with reports_of(seeded), pytest.raises(NegativeAnswer) as raised:
        call_command("api_sunset_warnings", "--endpoint", "v1", "--json", *AS_OF_ARGS, stdout=out)

    assert raised.value.returncode == 1 and isinstance(raised.value, CommandError)
    assert "ALERT" in str(raised.value)
    (warning,) = json.loads(out.getvalue())  # the report whole on stdout, as `gqlevolve sunset-warnings --json`
    assert warning["coordinate"] == "Query.oldUsers" and warning["alert"] is True


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("api_usage_stats",), "the usage store knows several endpoints; choose one with --endpoint: /api/v1/graphql, /api/v1/people"),
        (("api_usage_stats", "--endpoint", "/api/v9/graphql"), 'unknown endpoint "/api/v9/graphql"'),
        (("api_client_versions", "--days", "0"), "days"),
        (("api_deprecation_report", "--as-of", "2025-13-01"), "--as-of"),
    ],
)
def test_an_error_is_a_command_error_with_the_gqlevolve_exit_code(seeded, args, says):
    with reports_of(seeded), pytest.raises(CommandError) as raised:
        django_command(*args)

    assert raised.value.returncode == 2
    assert says in str(raised.value) and "\n" not in str(raised.value)


@DATABASES_OVERRIDDEN
def test_a_database_the_store_cannot_use_is_a_command_error():
    mysql = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "app"}}
    with override_settings(GQLEVOLVE={}, DATABASES=mysql), pytest.raises(CommandError) as raised:
        django_command("api_deprecation_report")

    assert raised.value.returncode == 2 and 'GQLEVOLVE["STORE_URL"] is needed' in str(raised.value)


def test_an_option_of_the_wrong_type_is_refused_by_the_parser(seeded):
    with reports_of(seeded), pytest.raises(CommandError, match="--days: invalid int value: 'x'"):
        django_command("api_usage_stats", "--days", "x")


def test_a_database_without_the_store_says_to_run_migrate(tmp_path):
    empty = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    (tmp_path / "db.sqlite3").touch()  # the file exists (Django made it) but has no gqlevolve tables
    with override_settings(GQLEVOLVE={"STORE_URL": empty}), pytest.raises(CommandError) as raised:
        django_command("api_deprecation_report")

    assert raised.value.returncode == 2
    assert "no gqlevolve schema yet; run `python manage.py migrate`" in str(raised.value)


# --- manage.py, the store in Django's own database ------------------------------------------------------------


def manage(database: dict[str, Any], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GQLEVOLVE_TEST_DJANGO_DATABASE": json.dumps(database), "DJANGO_SETTINGS_MODULE": "tests.django_project.settings"}
    return subprocess.run(
        [PYTHON, str(ROOT / "tests" / "django_project" / "manage.py"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


def django_database(store_url: str, tmp_path: Path) -> dict[str, Any]:
    """The ``DATABASES`` entry of the database at ``store_url`` (the fixture's SQLite file or PostgreSQL schema)."""
    parts = urlsplit(store_url)
    if parts.scheme.startswith("sqlite"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    options = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"), "USER": parts.username or "",
        "PASSWORD": parts.password or "", "HOST": parts.hostname or "", "PORT": parts.port or "", "OPTIONS": options,
    }


@pytest.mark.slow
@DATABASES_OVERRIDDEN
def test_manage_py_migrate_then_the_commands_on_the_projects_own_database(store_url, tmp_path):
    database = django_database(store_url, tmp_path)

    migrated = manage(database, "migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    with override_settings(GQLEVOLVE={}, DATABASES={"default": database}):
        url = conf.store_url()
    with UsageStore(url, migrate=False, handle_shutdown=False) as store:  # the tables are there: no migration
        # loading the project (its checks load the URLs) registered the schemas' deprecations for their endpoints
        assert {(entry.endpoint, entry.record.coordinate) for entry in store.deprecations()} == {
            (V1, "Person.name"), (V1, "QueryV1.everyone"),
        }
        seed(store, DAYS, lambda day: 150, total=1_000, coordinates=["QueryV1.everyone"], client="ios", version="3.0")
        store.update_deprecation(
            V1, "QueryV1.everyone", {"deprecated_on": DAYS[0], "sunset_on": AS_OF + dt.timedelta(days=10)},
            actor="test", why="test",
        )

    report = manage(database, "api_usage_stats", "--endpoint", "v1", "--days", "30", "--json", *AS_OF_ARGS, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert sum(day["operations"] for day in json.loads(report.stdout)["days"]) == 30_000

    alert = manage(database, "api_sunset_warnings", "--endpoint", "v1", *AS_OF_ARGS, cwd=tmp_path)
    assert alert.returncode == 1 and "QueryV1.everyone" in alert.stdout
    assert alert.stderr.startswith("NegativeAnswer: ALERT")  # Django prints the class name

    error = manage(database, "api_usage_stats", "--endpoint", "v9", cwd=tmp_path)
    assert error.returncode == 2 and error.stderr.startswith('CommandError: unknown endpoint "v9"')


# --- the versioned endpoints ----------------------------------------------------------------------------------

PEOPLE_QUERY = {"query": "{ people { id name fullName } }"}
CLIENT_HEADERS = {"apollographql-client-name": "web", "apollographql-client-version": "1.4"}


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=CLIENT_HEADERS)


def test_the_urls_serve_each_version_at_its_path_with_and_without_the_slash(sqlite_url):
    with project(sqlite_url):
        from django.urls import reverse

        assert reverse("gqlevolve-v1") == "/api/v1/graphql/"
        client = Client()
        for path in ("/api/v1/graphql/", "/api/v1/graphql", "/api/v2/graphql/"):
            response = client.post(path, json.dumps({"query": "{ people { id } }"}), content_type="application/json")
            assert response.status_code == 200 and response.json()["data"] == {"people": [{"id": "1"}]}, path
        assert Client().get("/api/v3/graphql/").status_code == 404


def test_a_deprecated_field_is_counted_under_the_endpoint_the_store_names_and_the_client_warned(store_url):
    with project(store_url):
        client = Client()
        responses = [post(client, "/api/v1/graphql/", PEOPLE_QUERY) for _ in range(3)]
        untouched = post(client, "/api/v1/graphql/", {"query": "{ people { id fullName } }"})
        usage_store().flush()
        store = usage_store()
        today = store.clock.today()
        usage = [(row.day, row.operations, row.total) for row in store.daily_usage(V1, "Person.name")]

    response = responses[0]
    assert response.status_code == 200
    assert response.json()["data"]["people"][0]["name"] == "Ada"
    (entry,) = response.json()["extensions"]["deprecations"]
    assert entry["coordinate"] == "Person.name"
    assert usage == [(today, 3, 4)]  # exact: three used it, four in all, under /api/v1/graphql (no slash)
    assert "extensions" not in untouched.json() or not untouched.json()["extensions"].get("deprecations")
    # the policy's headers on the response (Django keeps one value per name: the extension joins repeated ones)
    assert response.headers["Deprecation"].startswith("@")
    assert "Person.name" in response.headers["Warning"]
    assert "Deprecation" not in untouched.headers


def test_the_client_of_each_operation_comes_from_its_headers(sqlite_url):
    with project(sqlite_url):
        post(Client(), "/api/v1/graphql/", PEOPLE_QUERY)
        usage_store().flush()
        printed = django_command("api_client_versions", "--endpoint", "v1", "--json")

    (client,) = json.loads(printed)
    assert (client["name"], client["version"], client["operations"]) == ("web", "1.4", 1)
    assert [use["coordinate"] for use in client["deprecated"]] == ["Person.name"]


def test_a_removed_element_is_gone_and_not_executed(store_url):
    with project(store_url) as schema:
        store = usage_store()
        today = store.clock.today()
        store.update_deprecation(
            V1, "QueryV1.everyone",
            {"deprecated_on": today - dt.timedelta(days=120), "sunset_on": today - dt.timedelta(days=1),
             "replacement": "people"},
            actor="test", why="removed in this test", create=True,
        )
        for extension in schema.schema_v1.extensions:
            extension.refresh()
        response = post(Client(), "/api/v1/graphql/", {"query": "{ everyone { id } }"})
        store.flush()
        counted = [(row.operations, row.total) for row in store.daily_usage(V1, "QueryV1.everyone")]

    body = response.json()
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GONE" and error["extensions"]["replacement"] == "people"
    assert counted == [(1, 1)]  # a refused operation is counted: who still calls it is what the team must know


async def test_the_async_view_counts_and_warns_the_same(sqlite_url):
    with project(sqlite_url, ASYNC_VIEWS=True):
        client = AsyncClient()
        response = await client.post(
            "/api/v1/graphql/", json.dumps(PEOPLE_QUERY), content_type="application/json", headers=CLIENT_HEADERS
        )
        usage_store().flush()
        usage = [(row.operations, row.total) for row in usage_store().daily_usage(V1, "Person.name")]

    assert response.status_code == 200
    assert [entry["coordinate"] for entry in response.json()["extensions"]["deprecations"]] == ["Person.name"]
    assert usage == [(1, 1)]
    assert response.headers["Deprecation"].startswith("@")


def test_versioned_urls_takes_schemas_of_its_own(sqlite_url):
    with project(sqlite_url) as schema:
        patterns = versioned_urls({"draft": schema.schema_v2}, settings={"CSRF_EXEMPT": False})

    assert [p.pattern.describe() for p in patterns] == ["'api/draft/graphql/' [name='gqlevolve-draft']", "'api/draft/graphql'"]
    assert not getattr(patterns[0].callback, "csrf_exempt", False)


# --- a whole version's lifecycle ------------------------------------------------------------------------------


def lifecycle(*, deprecated_days_ago: int, sunset_in_days: int | None, successor: str | None = "v2") -> VersionLifecycle:
    """A lifecycle dated from the store's "today" (the system clock: the suite also runs with it moved)."""
    today = SYSTEM_CLOCK.today()
    return VersionLifecycle(
        deprecated_on=today - dt.timedelta(days=deprecated_days_ago),
        sunset_on=None if sunset_in_days is None else today + dt.timedelta(days=sunset_in_days),
        successor=successor,
        migration_guide="https://docs.example.org/migrations/v2",
    )


def test_a_deprecated_version_renders_its_headers_once_with_what_the_operation_touched(sqlite_url):
    v1 = lifecycle(deprecated_days_ago=10, sunset_in_days=20)
    with project(sqlite_url, LIFECYCLES={"v1": v1}):
        touching = post(Client(), "/api/v1/graphql/", PEOPLE_QUERY)
        plain = post(Client(), "/api/v1/graphql", {"query": "{ people { id } }"})
        newer = post(Client(), "/api/v2/graphql/", {"query": "{ people { id } }"})

    assert touching.status_code == 200 and touching.json()["data"]["people"][0]["name"] == "Ada"
    deprecated_on = dt.datetime.combine(v1.deprecated_on, dt.time(), tzinfo=dt.UTC)
    for response in (touching, plain):
        # one Deprecation and one Sunset: the version's, the earliest (Person.name was first seen today)
        assert response.headers["Deprecation"] == f"@{int(deprecated_on.timestamp())}"
        assert response.headers["Sunset"].endswith("GMT")
        assert '</api/v2/graphql>; rel="successor-version"' in response.headers["Link"]
        assert "/api/v1/graphql" in response.headers["Warning"]
    assert "Person.name" in touching.headers["Warning"] and "Person.name" not in plain.headers["Warning"]
    assert "Deprecation" not in newer.headers


async def test_a_deprecated_version_under_the_async_view(sqlite_url):
    with project(sqlite_url, ASYNC_VIEWS=True, LIFECYCLES={"v1": lifecycle(deprecated_days_ago=10, sunset_in_days=None)}):
        response = await AsyncClient().post(
            "/api/v1/graphql/", json.dumps(PEOPLE_QUERY), content_type="application/json", headers=CLIENT_HEADERS
        )

    assert response.status_code == 200
    assert response.headers["Deprecation"].startswith("@") and "Sunset" not in response.headers
    assert "Person.name" in response.headers["Warning"]


def test_a_removed_version_is_gone_for_every_method(sqlite_url):
    v1 = lifecycle(deprecated_days_ago=120, sunset_in_days=-1)
    with project(sqlite_url, LIFECYCLES={"v1": v1}):
        client = Client()
        responses = [
            client.post("/api/v1/graphql/", json.dumps(PEOPLE_QUERY), content_type="application/json"),
            client.get("/api/v1/graphql?query={people{id}}"),
            client.put("/api/v1/graphql/"),
        ]
        served = post(client, "/api/v2/graphql/", {"query": "{ people { id } }"})
        usage_store().flush()
        counted = usage_store().daily_totals(V1)

    for response in responses:
        assert response.status_code == 410
        assert response.json() == {
            "error": "Gone", "message": f"This endpoint was removed on {v1.sunset_on.isoformat()}",
            "replacement": "/api/v2/graphql", "migration_guide": "https://docs.example.org/migrations/v2", "status_code": 410,
        }
        assert response.headers["Sunset"].endswith("GMT")
    assert served.status_code == 200
    assert not any(counted.values())  # a removed version runs nothing, so nothing is counted there


@pytest.mark.parametrize(
    ("lifecycles", "says"),
    [
        ({"v3": "x"}, 'is not a VersionLifecycle'),
        ({"v3": VersionLifecycle(deprecated_on=dt.date(2026, 1, 1))}, 'names version "v3", which has no schema'),
        ({"v1": VersionLifecycle(deprecated_on=dt.date(2026, 1, 1), successor="v3")}, 'names successor "v3"'),
    ],
)
def test_a_lifecycle_of_a_version_not_served_is_refused(sqlite_url, lifecycles, says):
    with project(sqlite_url) as schema, pytest.raises(ImproperlyConfigured, match=re.escape(says)):
        versioned_urls({"v1": schema.schema_v1, "v2": schema.schema_v2}, lifecycles=lifecycles)


# --- the admin API beside the project ---------------------------------------------------------------------------

ADMIN_TOKEN = "tests-admin-token-0123456789"


def test_the_admin_api_is_mounted_in_front_of_the_projects_asgi_application(sqlite_url):
    from starlette.testclient import TestClient

    with project(sqlite_url, ADMIN_TOKEN=ADMIN_TOKEN):
        client = TestClient(fresh("tests.django_project.asgi").application)  # the docs' asgi.py
        graphql = client.post("/api/v1/graphql/", json=PEOPLE_QUERY, headers=CLIENT_HEADERS)
        refused = client.get("/api/admin/deprecations")
        listed = client.get("/api/admin/deprecations", params={"endpoint": "v1"}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})

    assert graphql.status_code == 200 and graphql.json()["data"]["people"][0]["name"] == "Ada"  # Django's view
    assert refused.status_code == 401
    assert listed.status_code == 200
    assert "Person.name" in {row["coordinate"] for row in listed.json()}


def test_without_a_token_the_projects_application_is_left_alone(sqlite_url):
    from gqlevolve.contrib.django.asgi import with_admin_api

    application = object()
    with project(sqlite_url):
        assert with_admin_api(application) is application
    with project(sqlite_url, ADMIN_TOKEN=" "), pytest.raises(ImproperlyConfigured, match="ADMIN_TOKEN"):
        with_admin_api(application)


# --- the docs -----------------------------------------------------------------------------------------------

#: The project's parts the page shows, in its order: each ``python`` block is the part between ``# [marker]`` lines.
DOCUMENTED = [
    ("tests/django_project/settings.py", "gqlevolve-settings"),
    ("tests/django_project/schema.py", "gqlevolve-schema"),
    ("tests/django_project/urls.py", "gqlevolve-urls"),
    ("tests/django_project/asgi.py", "gqlevolve-asgi"),
]


def marked(path: str, marker: str) -> str:
    text = (ROOT / path).read_text(encoding="utf-8")
    start, end = f"# [{marker}]\n", f"# [/{marker}]\n"
    return text[text.index(start) + len(start) : text.index(end)]


def test_the_docs_snippets_are_the_projects_code_the_tests_run():
    assert snippets("django") == [marked(path, marker) for path, marker in DOCUMENTED]
