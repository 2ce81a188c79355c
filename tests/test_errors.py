"""One error model (``gqlevolve.errors``): each specific error is its kind and still the builtin it was; the command
line and the admin API map the kinds in one place each, and say that anything else is a bug."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import strawberry
from click.testing import CliRunner
from starlette.testclient import TestClient

from gqlevolve import UsageStore, versioned_app
from gqlevolve.admin_api import BadRequest
from gqlevolve.cli import main
from gqlevolve.coordinates import InvalidCoordinate, UnknownCoordinate, check_in_schema, parse_coordinate
from gqlevolve.endpoints import EndpointNotChosen, UnknownEndpoint, canonical_endpoint, resolve_endpoint
from gqlevolve.errors import (
    Conflict,
    GqlevolveError,
    InvalidInput,
    NotFound,
    StoreUnavailable,
    bug_location,
    known_error,
)
from gqlevolve.lifecycle import InvalidMigrationGuide, InvalidVersionName, check_migration_guide, validate_version
from gqlevolve.monitor.declared import DeclarationError, declarations
from gqlevolve.procedures import extend_sunset, set_deprecation
from gqlevolve.schema_diff.sources import NotASchema, SchemaSourceError
from gqlevolve.usage_store import InvalidStoreURL, StoreSchemaError
from gqlevolve.usage_store.urls import parse_store_url
from tests.advisor_helpers.history import AS_OF, ENDPOINT, days_through, deprecate, seed

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# --- the hierarchy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind", "builtin"),
    [
        (UnknownEndpoint, NotFound, LookupError),
        (EndpointNotChosen, InvalidInput, ValueError),
        (EndpointNotChosen, NotFound, LookupError),  # an unknown endpoint, as it always was
        (InvalidCoordinate, InvalidInput, ValueError),
        (UnknownCoordinate, InvalidInput, ValueError),
        (InvalidVersionName, InvalidInput, ValueError),
        (InvalidMigrationGuide, InvalidInput, ValueError),
        (InvalidStoreURL, InvalidInput, ValueError),
        (DeclarationError, InvalidInput, ValueError),
        (SchemaSourceError, InvalidInput, ValueError),
        (NotASchema, InvalidInput, ValueError),
        (StoreSchemaError, StoreUnavailable, RuntimeError),
        (BadRequest, InvalidInput, ValueError),
        (InvalidInput, GqlevolveError, ValueError),
        (NotFound, GqlevolveError, LookupError),
        (Conflict, GqlevolveError, ValueError),
    ],
)
def test_each_specific_error_is_its_kind_and_still_its_builtin(error, kind, builtin):
    assert issubclass(error, kind) and issubclass(error, GqlevolveError)
    assert issubclass(error, builtin)


def test_store_unavailable_is_neither_bad_input_nor_not_found():
    assert not issubclass(StoreUnavailable, (ValueError, LookupError, InvalidInput, NotFound))
    assert issubclass(StoreUnavailable, GqlevolveError)


def raised(call) -> BaseException:
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - the test inspects whatever was raised
        return error
    raise AssertionError("nothing was raised")


SCHEMA_SDL = "type Query { user: User } type User { name: String }"


@pytest.mark.parametrize(
    ("call", "kind", "field"),
    [
        (lambda: resolve_endpoint("v9", ["/api/v1/graphql"]), UnknownEndpoint, "endpoint"),
        (lambda: resolve_endpoint(None, ["/api/v1/graphql", "/api/v2/graphql"]), EndpointNotChosen, "endpoint"),
        (lambda: canonical_endpoint("  "), InvalidInput, "endpoint"),
        (lambda: canonical_endpoint("v" * 300), InvalidInput, "endpoint"),
        (lambda: parse_coordinate("User name"), InvalidCoordinate, "coordinate"),
        (lambda: parse_coordinate("User." + "x" * 300), InvalidCoordinate, "coordinate"),
        (lambda: check_in_schema("User.nmae", SCHEMA_SDL), UnknownCoordinate, "coordinate"),
        (lambda: validate_version("V1"), InvalidVersionName, "version"),
        (lambda: check_migration_guide("not a url"), InvalidMigrationGuide, "migration_guide"),
        (lambda: parse_store_url("mysql://root@localhost/x"), InvalidStoreURL, None),
        (lambda: declarations([object()]), DeclarationError, None),
    ],
)
def test_the_library_raises_the_kinds_with_the_field_they_are_about(call, kind, field):
    error = raised(call)
    assert isinstance(error, kind)
    assert error.field == field


def test_endpoint_not_chosen_lists_the_choices():
    error = raised(lambda: resolve_endpoint(None, ["/api/v1/graphql", "/api/v2/graphql"]))
    assert error.extra == {"choices": ["/api/v1/graphql", "/api/v2/graphql"]}


@pytest.mark.parametrize(
    ("call", "quoted"),
    [
        (lambda: parse_coordinate("User name"), '"User name"'),
        (lambda: parse_coordinate("User", element=True), '"User"'),
        (lambda: validate_version("V1"), '"V1"'),
        (lambda: canonical_endpoint(" "), '" "'),
        (lambda: resolve_endpoint("v\t9", ["/api/v1/graphql"]), '"v\\t9"'),
        (lambda: parse_store_url("mysql://root@localhost/x"), '"mysql"'),
    ],
)
def test_messages_quote_what_was_sent_json_style_at_their_source(call, quoted):
    message = str(raised(call))
    assert quoted in message
    assert "'" + json.loads(quoted) + "'" not in message  # never Python's repr


# --- the procedures ----------------------------------------------------------------------------------


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name")
        yield store


def test_extending_a_sunset_that_is_not_set_is_a_conflict(store):
    error = raised(lambda: extend_sunset(store, ENDPOINT, "User.name", 3, actor="a", why="x"))
    assert isinstance(error, Conflict) and isinstance(error, ValueError)
    assert "has no sunset date to extend" in str(error)


def test_set_deprecation_keeps_endpoint_not_chosen_and_hints_at_new_endpoint(store):
    deprecate(store, "User.name", endpoint="/api/v2/graphql")
    not_chosen = raised(lambda: set_deprecation(store, None, "User.name", actor="a", why="x", sunset_on=AS_OF))
    assert type(not_chosen) is EndpointNotChosen
    assert not_chosen.known == ["/api/v1/graphql", "/api/v2/graphql"]
    also_new = raised(
        lambda: set_deprecation(store, None, "User.name", actor="a", why="x", sunset_on=AS_OF, new_endpoint=True)
    )
    assert type(also_new) is EndpointNotChosen
    unknown = raised(lambda: set_deprecation(store, "v7", "User.name", actor="a", why="x", sunset_on=AS_OF))
    assert type(unknown) is UnknownEndpoint and unknown.given == "v7"
    assert "--new-endpoint" in str(unknown) and '"new_endpoint": true' in str(unknown)


# --- foreign errors and bugs -----------------------------------------------------------------------------


def test_a_sqlalchemy_error_is_the_store_unavailable_and_anything_else_a_bug():
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    error = raised(lambda: engine.connect())
    engine.dispose()
    unavailable = known_error(error, store_url=url)
    assert isinstance(unavailable, StoreUnavailable) and unavailable.__cause__ is error
    assert str(unavailable) == "cannot reach the usage store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection refused"
    assert known_error(KeyError("x")) is None
    assert known_error(ValueError("a bare ValueError is not one of ours")) is None
    not_found = NotFound("no such thing")
    assert known_error(not_found) is not_found


def test_bug_location_names_the_innermost_frame_in_gqlevolve():
    error = raised(lambda: canonical_endpoint(None).startswith("/"))  # InvalidInput, raised in endpoints.py
    assert re.fullmatch(r"gqlevolve/endpoints\.py:\d+", bug_location(error))
    outside = raised(lambda: {}["x"])
    assert re.fullmatch(r"test_errors\.py:\d+", bug_location(outside))


# --- the command line: one mapping ---------------------------------------------------------------------


@pytest.fixture
def db(sqlite_url: str) -> str:
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name", replacement="User.fullName")
        seed(store, days_through(AS_OF, 7), lambda day: 5, total=100)
    return sqlite_url


def run(db: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"GQLEVOLVE_DB": db, "COLUMNS": "200"}, catch_exceptions=False)


def test_an_unexpected_exception_is_reported_as_a_bug_with_its_place(db, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr("gqlevolve.reports.usage_stats", broken)
    result = run(db, "usage-stats", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 3
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert re.fullmatch(
        r"Error: internal error \(a bug in gqlevolve\): KeyError: 'x' at gqlevolve/cli/monitoring\.py:\d+ — please report it\n",
        result.stderr,
    ), result.stderr


def test_a_bug_deep_in_gqlevolve_names_the_line_that_failed(db, monkeypatch):
    from gqlevolve.usage_store import UsageStore as Store

    monkeypatch.setattr(Store, "audit_log", lambda self, endpoint=None, coordinate=None: [None])  # a corrupt entry
    result = run(db, "deprecation", "history")
    assert result.exit_code == 3
    assert re.fullmatch(
        r"Error: internal error \(a bug in gqlevolve\): AttributeError: 'NoneType' object has no attribute '\w+' "
        r"at gqlevolve/cli/deprecation\.py:\d+ — please report it\n",
        result.stderr,
    ), result.stderr


def test_a_table_dropped_under_a_command_is_the_store_failing_not_a_bug(db):
    engine = sa.create_engine(db)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE deprecation_audit"))
    engine.dispose()
    result = run(db, "deprecation", "history")
    assert result.exit_code == 2
    assert result.stderr == f"Error: the usage store at {db} failed: no such table: deprecation_audit\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["advise", "--endpoint", "v9"], 'Error: unknown endpoint "v9"; the usage store knows: /api/v1/graphql\n'),
        (["deprecation", "extend", "User.name", "--days", "3", "--reason", "x"],
         "Error: User.name on /api/v1/graphql has no sunset date to extend; set one first\n"),
        (["deprecation", "extend", "User name", "--days", "3", "--reason", "x"],
         ('Error: "User name" is not a schema coordinate: expected Type, Type.field, Type.field(argument:), '
          "Enum.VALUE, Input.field, @directive or @directive(argument:)\n")),
        (["deprecation", "rollback", "User.name", "--reason", " "],
         ("Error: --reason: a reason is required (a non-empty string): every change to a deprecation record is "
          "audited with why it was made\n")),
        (["deprecation", "rollback", "User.name", "--reason", "x", "--actor", " "],
         'Error: --actor: expected who makes the change, a non-empty string of at most 200 characters, not " "\n'),
    ],
)
def test_each_kind_is_one_line_and_exit_code_2(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 2
    assert result.stderr == message


# --- the admin API: one mapping ----------------------------------------------------------------------------


@strawberry.type
class User:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def user(self) -> User | None:
        return None


@pytest.fixture
def admin(store_url: str) -> Iterator[tuple[TestClient, UsageStore]]:
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name")
        seed(store, days_through(AS_OF, 3), lambda day: 1, total=100)
        yield TestClient(versioned_app({"v1": strawberry.Schema(Query)}, store=store, admin_token=TOKEN)), store


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    return body


def test_bad_input_is_400_with_the_field(admin):
    client, _ = admin
    body = problem(client.get("/api/admin/eligibility", params={"window_days": "100000000"}, headers=AUTH), 400)
    assert body["field"] == "window_days"
    assert body["detail"] == "window_days must be a whole number from 1 to 3660, not 100000000"
    body = problem(client.get("/api/admin/eligibility/User name", headers=AUTH), 400)
    assert body["field"] == "coordinate" and body["detail"].startswith('"User name" is not a schema coordinate')


def test_not_found_is_404_with_the_field(admin):
    client, _ = admin
    body = problem(client.get("/api/admin/usage", params={"endpoint": "v9"}, headers=AUTH), 404)
    assert body["field"] == "endpoint" and body["detail"].startswith('unknown endpoint "v9"')
    body = problem(client.post("/api/admin/deprecations/User.nope/extend", json={"reason": "x"}, headers=AUTH), 404)
    assert body["field"] == "coordinate" and body["detail"].startswith('no deprecation record for "User.nope"')


def test_a_conflict_is_409(admin):
    client, store = admin
    before = store.audit_log()
    body = problem(client.post("/api/admin/deprecations/User.name/extend", json={"reason": "x"}, headers=AUTH), 409)
    assert body["title"] == "Conflict" and body["field"] == "coordinate"
    assert body["detail"] == "User.name on /api/v1/graphql has no sunset date to extend; set one first"
    assert store.audit_log() == before


def test_a_store_that_fails_is_503_and_logged(admin, caplog):
    client, store = admin
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE deprecation_audit"))
    with caplog.at_level(logging.WARNING, logger="gqlevolve.admin_api"):
        body = problem(client.get("/api/admin/history", headers=AUTH), 503)
    assert body["title"] == "Service unavailable"
    assert body["detail"].startswith(f"the usage store at {store.url.render_as_string(hide_password=True)} failed: ")
    assert "deprecation_audit" in body["detail"] and "\n" not in body["detail"]
    assert any("failed" in record.getMessage() for record in caplog.records)


def test_a_bug_is_500_and_its_traceback_is_logged_with_the_path_escaped(admin, monkeypatch, caplog):
    client, _ = admin

    def broken(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr("gqlevolve.admin_api.resources.advise", broken)
    with caplog.at_level(logging.ERROR, logger="gqlevolve.admin_api"):
        response = client.get("/api/admin/eligibility/User.name%1b[2Jforged%22", headers=AUTH)
    body = problem(response, 500)
    assert body["title"] == "Internal server error"
    assert "a bug in gqlevolve" in body["detail"] and "KeyError" not in body["detail"]
    [record] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert "\x1b" not in record.getMessage()  # control characters and quotes are escaped
    assert '"/api/admin/eligibility/User.name\\u001b[2Jforged\\""' in record.getMessage()
    formatted = logging.Formatter().format(record)  # the traceback as a handler prints it
    assert "Traceback (most recent call last)" in formatted and "KeyError: 'x'" in formatted


def test_a_failed_write_is_not_logged_as_done(admin, caplog):
    client, _ = admin
    with caplog.at_level(logging.INFO, logger="gqlevolve.admin_api"):
        client.post("/api/admin/deprecations/User.nope/extend", json={"reason": "x", "actor": "eve\nforged"}, headers=AUTH)
        client.post(
            "/api/admin/deprecations/User.name/set",
            json={"reason": "x", "actor": "eve\nforged", "sunset_on": (AS_OF + dt.timedelta(days=90)).isoformat()},
            headers=AUTH,
        )
    done = [record.getMessage() for record in caplog.records if " by " in record.getMessage()]
    assert done == ['admin API: "POST" "/api/admin/deprecations/User.name/set" by "eve\\nforged": "x"']
    refused = [record.getMessage() for record in caplog.records if ": 404 " in record.getMessage()]
    assert refused and refused[0].startswith('admin API: "POST" "/api/admin/deprecations/User.nope/extend": 404 ')
