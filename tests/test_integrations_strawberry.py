"""``deprecation_usage`` behind every web framework Strawberry integrates with, each through its own test client.

One table (:data:`INTEGRATIONS`) and the same tests for each row: the client is told
(``extensions.deprecations``; the Deprecation, Sunset, Link and Warning headers on HTTP, several values of one
header kept), the operation is counted exactly, at the path called (without a trailing slash) and for the client its
headers name, and a removed element is ``GONE``. WebSocket rows do the same for a subscription (no headers).
The apps are the snippets of ``docs/integrations/<page>.md`` (:mod:`tests.integrations_docs`); Django's views are
mounted here (its page belongs to the Django app). A real SQLite store counts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gqlevolve import UsageStore, deprecation_usage
from gqlevolve.extensions import DeprecationUsage
from gqlevolve.lifecycle import Deprecation
from tests.extension_schema import DECLARED, TODAY, build_schema
from tests.integrations_docs import DOCS, run_snippet, snippets

ENDPOINT = "/graphql"
CONFIGURED = "/configured"  # deprecation_usage(endpoint=...): never the name of a request's endpoint
PROTOCOL = "graphql-transport-ws"

#: Two elements with a guide each: two Link and two Warning values in one response.
DECLARED_HERE = [
    *DECLARED,
    Deprecation(
        "Query.users(offset:)",
        deprecated_on=dt.date(2026, 2, 1),
        migration_guide="https://docs.example.org/migrations/after",
    ),
]
DEPRECATED = {"query": "{ viewer { name } users(offset: 1) { id } }"}
CLEAN = {"query": "{ viewer { id fullName } }"}
REMOVED = {"query": 'mutation { upload_attachment(filename: "a.txt") }'}
WEB = {"apollographql-client-name": "web", "apollographql-client-version": "1.4"}
IOS = {"x-graphql-client-name": "ios"}

#: What the deprecated operation's response carries (the earliest Deprecation and Sunset; a Link per guide and a
#: Warning per element, in one line joined with ", " or one line each).
EXPECTED_HEADERS = {
    "deprecation": "@1768435200",  # 2026-01-15, User.name's (the earlier)
    "sunset": "Tue, 15 Dec 2026 00:00:00 GMT",
    "link": '<https://docs.example.org/migrations/after>; rel="deprecation", '
    '<https://docs.example.org/migrations/full-name>; rel="deprecation"',
    "warning": '299 - "Deprecated API: Query.users(offset:)", '
    '299 - "API will be removed in 24 days on 2026-12-15: User.name"',
}


# --- what every test client is reduced to -------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any
    #: Every line of a header, by case-insensitive name, as the client received them.
    lines: Callable[[str], list[str]]

    def header(self, name: str) -> str | None:
        """One header's value, its lines joined as RFC 9110 joins them (the same for a client)."""
        lines = self.lines(name)
        return ", ".join(lines) if lines else None


def transport_ws(send: Callable[[dict], None], receive: Callable[[], dict], query: str) -> list[dict]:
    """One ``graphql-transport-ws`` subscription: the messages after ``subscribe``, up to its ``complete``."""
    send({"type": "connection_init"})
    assert receive()["type"] == "connection_ack"
    send({"id": "1", "type": "subscribe", "payload": {"query": query}})
    messages = []
    while not messages or messages[-1]["type"] not in ("complete", "error"):
        messages.append(receive())
        assert len(messages) < 10, messages
    return messages


async def transport_ws_async(send: Callable[[dict], Any], receive: Callable[[], Any], query: str) -> list[dict]:
    await send({"type": "connection_init"})
    assert (await receive())["type"] == "connection_ack"
    await send({"id": "1", "type": "subscribe", "payload": {"query": query}})
    messages: list[dict] = []
    while not messages or messages[-1]["type"] not in ("complete", "error"):
        messages.append(await receive())
        assert len(messages) < 10, messages
    return messages


class Driver:
    """A framework's test client: ``post`` a GraphQL request, ``subscribe`` over a WebSocket."""

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        raise NotImplementedError

    def subscribe(self, path: str, query: str, headers: dict[str, str]) -> list[dict]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class HttpxDriver(Driver):
    """Starlette's TestClient (plain ASGI, FastAPI) and Litestar's: httpx's API and ``websocket_connect``."""

    def __init__(self, client: Any, *, lifespan: bool = True) -> None:
        self.lifespan = lifespan  # Strawberry's plain ASGI app answers no lifespan events
        self.client = client.__enter__() if lifespan else client

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        response = self.client.post(path, json=body, headers=headers)
        return Reply(response.status_code, response.json(), response.headers.get_list)

    def subscribe(self, path: str, query: str, headers: dict[str, str]) -> list[dict]:
        with self.client.websocket_connect(path, subprotocols=[PROTOCOL], headers=headers) as socket:
            return transport_ws(socket.send_json, socket.receive_json, query)

    def close(self) -> None:
        if self.lifespan:
            self.client.__exit__(None, None, None)


class FlaskDriver(Driver):
    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        response = self.client.post(path, json=body, headers=headers)
        return Reply(response.status_code, response.get_json(), response.headers.getlist)


class DjangoDriver(Driver):
    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        response = self.client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)
        return Reply(
            response.status_code,
            json.loads(response.content),
            lambda name: [response.headers[name]] if name in response.headers else [],
        )


class LoopDriver(Driver):
    """A driver of an async test client, run in an event loop of its own (the tests are synchronous)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()


class AiohttpDriver(LoopDriver):
    def __init__(self, app: Any) -> None:
        from aiohttp.test_utils import TestClient, TestServer

        super().__init__()
        self.client = TestClient(TestServer(app), loop=self.loop)
        self.run(self.client.start_server())

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        async def post() -> Reply:
            response = await self.client.post(path, json=body, headers=headers)
            body_ = await response.json()
            return Reply(response.status, body_, lambda name: response.headers.getall(name, []))

        return self.run(post())

    def subscribe(self, path: str, query: str, headers: dict[str, str]) -> list[dict]:
        async def subscribe() -> list[dict]:
            async with self.client.ws_connect(path, protocols=[PROTOCOL], headers=headers) as socket:
                return await transport_ws_async(socket.send_json, socket.receive_json, query)

        return self.run(subscribe())

    def close(self) -> None:
        self.run(self.client.close())
        super().close()


class SanicDriver(Driver):
    """Sanic's own server (sanic-testing's ``app.test_client``: a real server on a free port)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        _, response = self.app.test_client.post(path, json=body, headers=headers)
        return Reply(response.status, response.json, response.headers.get_list)


class SanicAsgiDriver(LoopDriver):
    """Sanic as an ASGI app (``app.asgi_client``)."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        _, response = self.run(self.app.asgi_client.post(path, json=body, headers=headers))
        return Reply(response.status, response.json, response.headers.get_list)


class QuartDriver(LoopDriver):
    def __init__(self, app: Any) -> None:
        super().__init__()
        self.client = app.test_client()

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        async def post() -> Reply:
            response = await self.client.post(path, json=body, headers=headers)
            return Reply(response.status_code, await response.get_json(), response.headers.getlist)

        return self.run(post())

    def subscribe(self, path: str, query: str, headers: dict[str, str]) -> list[dict]:
        async def subscribe() -> list[dict]:
            # Quart's test client drops subprotocols=: they go into the scope directly.
            connection = self.client.websocket(path, headers=headers, scope_base={"subprotocols": [PROTOCOL]})
            async with connection as socket:
                return await transport_ws_async(socket.send_json, socket.receive_json, query)

        return self.run(subscribe())


class ChannelsDriver(LoopDriver):
    """Channels' communicators (``channels.testing``) against the ASGI application."""

    def __init__(self, application: Any) -> None:
        super().__init__()
        self.application = application

    def post(self, path: str, body: dict, headers: dict[str, str]) -> Reply:
        from channels.testing import HttpCommunicator

        raw = [(b"content-type", b"application/json"), *_raw(headers)]
        communicator = HttpCommunicator(self.application, "POST", path, body=json.dumps(body).encode(), headers=raw)
        response = self.run(communicator.get_response(timeout=10))
        pairs = [(key.decode("latin-1").lower(), value.decode("latin-1")) for key, value in response["headers"]]
        return Reply(
            response["status"], json.loads(response["body"]), lambda name: [v for k, v in pairs if k == name.lower()]
        )

    def subscribe(self, path: str, query: str, headers: dict[str, str]) -> list[dict]:
        from channels.testing import WebsocketCommunicator

        async def subscribe() -> list[dict]:
            communicator = WebsocketCommunicator(self.application, path, subprotocols=[PROTOCOL], headers=_raw(headers))
            connected, _ = await communicator.connect(timeout=10)
            assert connected
            try:
                return await transport_ws_async(
                    communicator.send_json_to, lambda: communicator.receive_json_from(timeout=10), query
                )
            finally:
                await communicator.disconnect()

        return self.run(subscribe())


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


# --- the frameworks ------------------------------------------------------------------------------------------


def configure_django() -> None:
    """Minimal settings, once per process (another test module may have configured them: then those stay)."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            SECRET_KEY="gqlevolve-tests", ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=None, INSTALLED_APPS=[],
            DATABASES={}, USE_TZ=True,
        )
        django.setup()


@pytest.fixture
def django_urls() -> Iterator[Callable[[list[Any]], None]]:
    """``mount(urlpatterns)``: the URL conf of Django's test client for this test."""
    configure_django()
    from django.test.utils import override_settings

    overrides: list[Any] = []

    def mount(urlpatterns: list[Any]) -> None:
        urlconf = types.ModuleType("gqlevolve_test_urls")
        urlconf.urlpatterns = urlpatterns  # type: ignore[attr-defined]
        override = override_settings(ROOT_URLCONF=urlconf, ALLOWED_HOSTS=["testserver"])
        override.enable()
        overrides.append(override)

    yield mount
    for override in reversed(overrides):
        override.disable()


def starlette_client(namespace: dict[str, Any], _: Any) -> Driver:
    from starlette.testclient import TestClient

    return HttpxDriver(TestClient(namespace["app"]), lifespan=False)


def fastapi_client(namespace: dict[str, Any], _: Any) -> Driver:
    from fastapi.testclient import TestClient

    return HttpxDriver(TestClient(namespace["app"]))


def litestar_client(namespace: dict[str, Any], _: Any) -> Driver:
    from litestar.testing import TestClient

    return HttpxDriver(TestClient(namespace["app"]))


def sanic_app(namespace: dict[str, Any]) -> Any:
    return namespace["app"]


def django_view(view_name: str) -> Callable[[dict[str, Any], Any], Driver]:
    def driver(namespace: dict[str, Any], request: pytest.FixtureRequest) -> Driver:
        from django.urls import path
        from strawberry.django import views

        view = getattr(views, view_name).as_view(schema=namespace["schema"])
        request.getfixturevalue("django_urls")([path("graphql/", view)])
        return DjangoDriver()

    return driver


def channels_client(namespace: dict[str, Any], _: Any) -> Driver:
    return ChannelsDriver(namespace["application"])


@dataclass(frozen=True)
class Integration:
    name: str
    #: ``(page, snippet)`` of docs/integrations, run with ``schema``; None: the app is built by ``driver`` itself.
    snippet: tuple[str, int] | None
    driver: Callable[[dict[str, Any], Any], Driver]
    websocket: bool = False
    #: The path requested: Django's and Channels' with the trailing slash their URLs usually have.
    path: str = ENDPOINT
    before: Callable[[], None] = field(default=lambda: None)


def _sanic_test_mode() -> None:
    from sanic import Sanic

    Sanic.test_mode = True  # the docs' app name is registered again by each test


INTEGRATIONS = [
    Integration("asgi", ("asgi", 0), starlette_client, websocket=True),
    Integration("fastapi", ("fastapi", 0), fastapi_client, websocket=True),
    Integration("django-sync", None, django_view("GraphQLView"), path="/graphql/"),
    Integration("django-async", None, django_view("AsyncGraphQLView"), path="/graphql/"),
    Integration("flask-sync", ("flask", 0), lambda namespace, _: FlaskDriver(namespace["app"])),
    Integration("flask-async", ("flask", 1), lambda namespace, _: FlaskDriver(namespace["app"])),
    Integration("quart", ("quart", 0), lambda namespace, _: QuartDriver(namespace["app"]), websocket=True),
    Integration("aiohttp", ("aiohttp", 0), lambda namespace, _: AiohttpDriver(namespace["app"]), websocket=True),
    Integration("litestar", ("litestar", 0), litestar_client, websocket=True),
    Integration("sanic", ("sanic", 0), lambda namespace, _: SanicDriver(namespace["app"]), before=_sanic_test_mode),
    Integration(
        "sanic-asgi", ("sanic", 0), lambda namespace, _: SanicAsgiDriver(namespace["app"]), before=_sanic_test_mode
    ),
    Integration(
        "channels", ("channels", 0), channels_client, websocket=True, path="/graphql/", before=configure_django
    ),
]
WEBSOCKETS = [integration for integration in INTEGRATIONS if integration.websocket]


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    store = UsageStore(sqlite_url, handle_shutdown=False)
    yield store
    store.close()


@pytest.fixture
def usage(store: UsageStore) -> Iterator[DeprecationUsage]:
    usage = deprecation_usage(store=store, endpoint=CONFIGURED, declared=DECLARED_HERE, today=lambda: TODAY)
    yield usage
    usage.close()


def serve(integration: Integration, usage: DeprecationUsage, request: pytest.FixtureRequest) -> Driver:
    """The integration's app around the test schema (its docs snippet), and its test client."""
    schema = build_schema(usage)
    usage.on_app_startup(schema=schema, endpoint=ENDPOINT)  # registered now: the store can change the records
    integration.before()
    namespace = run_snippet(*integration.snippet, schema=schema) if integration.snippet else {"schema": schema}
    return integration.driver(namespace, request)


@pytest.fixture(params=INTEGRATIONS, ids=lambda integration: integration.name)
def http(request: pytest.FixtureRequest, usage: DeprecationUsage) -> Iterator[tuple[Integration, Driver]]:
    driver = serve(request.param, usage, request)
    yield request.param, driver
    driver.close()


@pytest.fixture(params=WEBSOCKETS, ids=lambda integration: integration.name)
def websocket(request: pytest.FixtureRequest, usage: DeprecationUsage) -> Iterator[tuple[Integration, Driver]]:
    driver = serve(request.param, usage, request)
    yield request.param, driver
    driver.close()


def counted(store: UsageStore, coordinate: str) -> tuple[int, int]:
    """(operations that used ``coordinate``, all operations) at ENDPOINT on TODAY, after a flush."""
    store.flush()
    days = store.daily_usage(ENDPOINT, coordinate, since=TODAY, until=TODAY)
    return (days[0].operations, days[0].total) if days else (0, 0)


def clients(store: UsageStore, coordinate: str) -> set[tuple[str | None, str | None, int]]:
    store.flush()
    return {(found.name, found.version, found.operations) for found in store.clients(ENDPOINT, coordinate)}


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """No warning or error of gqlevolve's: every integration is read and written without a fallback."""
    with caplog.at_level(logging.WARNING, logger="gqlevolve"):
        yield caplog
    assert [record.getMessage() for record in caplog.records if record.name.startswith("gqlevolve")] == []


# --- the tests ------------------------------------------------------------------------------------------------


def test_a_deprecated_operation_is_told_counted_and_attributed(http, store: UsageStore, quiet) -> None:
    integration, driver = http
    reply = driver.post(integration.path, DEPRECATED, WEB)
    assert reply.status == 200, reply.body
    assert reply.body["data"] == {"viewer": {"name": "Ada Lovelace"}, "users": [{"id": "1"}]}
    deprecations = reply.body["extensions"]["deprecations"]
    assert [entry["coordinate"] for entry in deprecations] == ["Query.users(offset:)", "User.name"]
    assert {name: reply.header(name) for name in EXPECTED_HEADERS} == EXPECTED_HEADERS
    assert reply.header("x-deprecated-replacement") == "fullName"

    clean = driver.post(integration.path, CLEAN, {})
    assert clean.status == 200 and "extensions" not in clean.body
    assert all(clean.header(name) is None for name in EXPECTED_HEADERS)
    driver.post(integration.path, {"query": "{ viewer { name } }"}, IOS)

    assert counted(store, "User.name") == (2, 3)
    assert counted(store, "Query.users(offset:)") == (1, 3)
    assert clients(store, "User.name") == {("web", "1.4", 1), ("ios", None, 1)}
    assert store.endpoints() == [ENDPOINT]  # the path called, no trailing slash; never the configured name


def test_a_removed_element_is_gone_and_still_counted(http, store: UsageStore, quiet) -> None:
    integration, driver = http
    reply = driver.post(integration.path, REMOVED, WEB)
    assert reply.body["data"] is None
    [error] = reply.body["errors"]
    assert error["extensions"]["code"] == "GONE"
    assert error["extensions"]["replacement"] == "secure_file_upload"
    assert reply.header("sunset") == "Tue, 30 Jun 2026 00:00:00 GMT"
    assert counted(store, "Mutation.upload_attachment") == (1, 1)
    assert clients(store, "Mutation.upload_attachment") == {("web", "1.4", 1)}


def test_a_subscription_is_told_and_counted_without_headers(websocket, store: UsageStore, quiet) -> None:
    integration, driver = websocket
    messages = driver.subscribe(integration.path, "subscription { legacyTicks(count: 2) }", WEB)
    assert [message["type"] for message in messages] == ["next", "next", "complete"]
    for message, tick in zip(messages, (0, 1), strict=False):
        assert message["payload"]["data"] == {"legacyTicks": tick}
        assert message["payload"]["extensions"]["deprecations"][0]["coordinate"] == "Subscription.legacyTicks"
    # A query over the socket: told in extensions; its headers go nowhere (and nothing fails trying).
    [result, complete] = driver.subscribe(integration.path, "{ viewer { name } }", IOS)
    assert result["payload"]["extensions"]["deprecations"][0]["coordinate"] == "User.name"
    assert complete["type"] == "complete"
    assert counted(store, "Subscription.legacyTicks") == (1, 2)
    assert clients(store, "Subscription.legacyTicks") == {("web", "1.4", 1)}
    assert clients(store, "User.name") == {("ios", None, 1)}
    assert store.endpoints() == [ENDPOINT]


def test_a_removed_subscription_is_gone(websocket, store: UsageStore, usage: DeprecationUsage, quiet) -> None:
    integration, driver = websocket
    store.update_deprecation(ENDPOINT, "Subscription.legacyTicks", {"status_override": "removed"}, actor="platform")
    usage.refresh()
    messages = driver.subscribe(integration.path, "subscription { legacyTicks }", {})
    assert messages[0]["type"] == "next"
    assert messages[0]["payload"]["errors"][0]["extensions"]["code"] == "GONE"
    assert counted(store, "Subscription.legacyTicks") == (1, 1)


def test_every_snippet_of_every_strawberry_page_is_run_here() -> None:
    """Each page of a Strawberry integration has each of its snippets run above (Django's and the other servers'
    pages are tested by their own modules; README's below)."""
    run = {integration.snippet for integration in INTEGRATIONS if integration.snippet}
    pages = {"asgi", "fastapi", "flask", "quart", "aiohttp", "litestar", "sanic", "channels"}
    assert {page for page, _ in run} == pages
    assert all((DOCS / f"{page}.md").is_file() for page in pages)
    assert run == {(page, index) for page in pages for index in range(len(snippets(page)))}


def test_the_common_snippet_builds_the_schema(tmp_path, monkeypatch) -> None:
    """README.md's snippet (the schema every page starts from), with the test schema's types."""
    from tests import extension_schema

    monkeypatch.chdir(tmp_path)  # its store is ./gqlevolve.db
    namespace = run_snippet(
        "README", 0, Query=extension_schema.Query, Mutation=extension_schema.Mutation
    )
    try:
        result = namespace["schema"].execute_sync("{ viewer { name } }")
        assert result.extensions["deprecations"][0]["coordinate"] == "User.name"
        namespace["store"].flush()
        assert namespace["store"].endpoints() == ["graphql"]  # no request: deprecation_usage's default name
    finally:
        namespace["usage"].close()
        namespace["store"].close()
