"""``gqlevolve.extensions.request_context``: the view of each framework's request, and never failing open.

Each framework's view is exercised through its own test client in ``test_integrations_strawberry.py``; here are the
choice of a view and what happens to a request or a response that cannot be read or written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from gqlevolve import UsageStore, deprecation_usage
from gqlevolve.extensions import DeprecationUsage
from gqlevolve.extensions import request_context as module
from gqlevolve.extensions.request_context import GENERIC, STARLETTE, RequestContext, join_into, view_for
from tests.extension_schema import DECLARED, TODAY, build_schema

CONFIGURED = "/configured"


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    store = UsageStore(sqlite_url, handle_shutdown=False)
    yield store
    store.close()


@pytest.fixture
def usage(store: UsageStore) -> Iterator[DeprecationUsage]:
    usage = deprecation_usage(store=store, endpoint=CONFIGURED, declared=DECLARED, today=lambda: TODAY)
    yield usage
    usage.close()


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    """Each test sees its own once-per-framework warnings."""
    module._warned.clear()
    yield
    module._warned.clear()


class Unreadable:
    """A request every attribute of which raises, as Sanic's ``scope`` does on Sanic's own server."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"{name} is not available here")


class Headers(dict):
    """Answers "" for any attribute, as Sanic's header object does (a probe of ``.raw`` would misfire)."""

    def __getattr__(self, name: str) -> str:
        return ""


def starlette_request(path: str = "/graphql", headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    return Request({"type": "http", "method": "POST", "path": path, "headers": headers or []})


class TestTheViewIsChosenByType:
    def test_a_subclass_of_a_known_request_gets_its_frameworks_view(self) -> None:
        class MyRequest(Request):
            pass

        assert view_for(starlette_request()) is STARLETTE
        assert view_for(MyRequest({"type": "http", "path": "/", "headers": []})) is STARLETTE

    def test_anything_else_is_read_by_duck_typing(self) -> None:
        assert view_for(None) is GENERIC
        assert view_for(object()) is GENERIC

    def test_the_generic_view_never_probes_an_attribute_of_the_headers(self) -> None:
        class Plain:
            path = "/graphql/"
            headers = Headers({"graphql-client-name": "web"})

        bound = RequestContext.of({"request": Plain()})
        assert (bound.endpoint(), bound.client()) == ("/graphql", ("web", None))

    @pytest.mark.parametrize("key", ["request", "socket", "websocket", "ws"])
    def test_the_request_or_the_websocket_is_found_under_each_name(self, key: str) -> None:
        bound = RequestContext.of({key: starlette_request("/api/")})
        assert bound.endpoint() == "/api"

    def test_a_context_object_with_attributes(self) -> None:
        class Context:
            request = None
            websocket = starlette_request("/socket")
            response = None

        assert RequestContext.of(Context()).endpoint() == "/socket"

    def test_an_empty_mapping_is_still_a_request(self) -> None:
        class MappingRequest(dict):  # an aiohttp request is a mapping, often empty: found by `is None`, not truth
            path = "/empty"

        assert RequestContext.of({"request": MappingRequest()}).endpoint() == "/empty"


class TestHeadersAreKept:
    def test_a_repeated_name_is_joined_where_one_value_per_name_is_kept(self) -> None:
        headers = {"Content-Type": "application/json", "link": "<a>"}
        join_into(headers, [("Link", "<b>"), ("Warning", "299 - x"), ("Warning", "299 - y")])
        assert headers == {"Content-Type": "application/json", "link": "<a>, <b>", "Warning": "299 - x, 299 - y"}

    def test_appended_where_several_lines_are_kept(self) -> None:
        response = Response()
        RequestContext.of({"request": starlette_request(), "response": response}).add_headers(
            [("Link", "<a>"), ("Link", "<b>")]
        )
        assert response.headers.getlist("link") == ["<a>", "<b>"]

    def test_nothing_is_written_on_a_websocket(self) -> None:
        from starlette.websockets import WebSocket

        socket = WebSocket({"type": "websocket", "path": "/graphql", "headers": []}, receive=None, send=None)
        response = Response()
        RequestContext.of({"request": socket, "response": response}).add_headers([("Link", "<a>")])
        assert "link" not in response.headers


class TestNeverOpen:
    REMOVED = 'mutation { upload_attachment(filename: "a") }'

    def test_an_unreadable_request_is_counted_at_the_configured_endpoint_as_unknown(
        self, usage: DeprecationUsage, store: UsageStore, caplog
    ) -> None:
        schema = build_schema(usage)
        with caplog.at_level(logging.WARNING, logger="gqlevolve.extensions"):
            first = schema.execute_sync("{ viewer { name } }", context_value={"request": Unreadable()})
            second = schema.execute_sync("{ viewer { name } }", context_value={"request": Unreadable()})
        for result in (first, second):
            assert result.errors is None
            assert result.extensions["deprecations"][0]["coordinate"] == "User.name"
        store.flush()
        [day] = store.daily_usage(CONFIGURED, "User.name", since=TODAY, until=TODAY)
        assert (day.operations, day.total) == (2, 2)
        [client] = store.clients(CONFIGURED, "User.name")
        assert (client.name, client.operations) == (None, 2)
        warnings = [record.getMessage() for record in caplog.records]
        assert len([text for text in warnings if "cannot read the path" in text]) == 1  # once, not per request
        assert len([text for text in warnings if "cannot read the client headers" in text]) == 1

    def test_an_unreadable_request_still_gets_gone(self, usage: DeprecationUsage, store: UsageStore) -> None:
        schema = build_schema(usage)
        result = schema.execute_sync(self.REMOVED, context_value={"request": Unreadable()})
        assert result.data is None
        assert result.errors[0].extensions["code"] == "GONE"
        store.flush()
        assert store.daily_usage(CONFIGURED, "Mutation.upload_attachment", since=TODAY, until=TODAY)[0].total == 1

    def test_a_response_that_cannot_be_written_still_gets_gone(self, usage: DeprecationUsage, caplog) -> None:
        class Refusing:
            class headers:  # noqa: N801 - shaped like a framework's response headers
                @staticmethod
                def append(name: str, value: str) -> None:
                    raise RuntimeError("headers already sent")

        schema = build_schema(usage)
        context = {"request": starlette_request(), "response": Refusing()}
        with caplog.at_level(logging.WARNING, logger="gqlevolve.extensions"):
            result = schema.execute_sync(self.REMOVED, context_value=context)
        assert result.errors[0].extensions["code"] == "GONE"
        assert "cannot set the response headers of a starlette request" in caplog.text

    def test_a_failing_client_identity_costs_the_name_not_the_count(self, store: UsageStore) -> None:
        def broken(execution_context: Any) -> tuple[str, str]:
            raise RuntimeError("identity service down")

        usage = deprecation_usage(store=store, endpoint=CONFIGURED, client_identity=broken, today=lambda: TODAY)
        schema = build_schema(usage)
        assert schema.execute_sync("{ viewer { name } }").errors is None
        store.flush()
        [client] = store.clients(CONFIGURED, "User.name")
        assert (client.name, client.operations) == (None, 1)
        usage.close()
