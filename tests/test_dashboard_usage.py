"""The dashboard's whole-schema pages, ``/coordinate`` and ``/unused``, over Starlette's test client with a real
store: the reports' numbers, hostile client names rendered inert, bad query strings as clear 400/404 pages."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from gqlevolve import UsageStore
from gqlevolve.clock import FixedClock
from gqlevolve.dashboard import dashboard_app
from gqlevolve.dashboard.session import SignInThrottle
from gqlevolve.operation_shape import operation_signature
from gqlevolve.usage_store.operation_summaries import rebuild_operation_summaries
from gqlevolve.usage_store.tables import operation_usage
from tests.test_dashboard import _dashboard, sign_in
from tests.test_reports_coordinate_usage import AS_OF, USERS, V1, day, seed

VIEWER = "viewer-token-123"
HOSTILE_NAME = "<script>alert(1)</script>" + "x" * 500 + "\x1b[2J\r\nINFO forged"
HOSTILE_VERSION = '"><img src=x onerror=alert(2)>'


def _hostile_row(store: UsageStore) -> None:
    """A row no store would write (the store cleans a name it records), straight into the table: the page must
    render it inert all the same. SQLite keeps any length."""
    with store.engine.begin() as connection:
        connection.execute(operation_usage.insert(), [{
            "endpoint": V1, "signature": operation_signature(USERS, frozenset()), "day": AS_OF,
            "client_name": HOSTILE_NAME, "client_version": HOSTILE_VERSION, "count": 2,
        }])
        rebuild_operation_summaries(connection)  # the sums the reads use, as the writer would have kept them


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    with UsageStore(sqlite_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as opened:
        seed(opened)
        yield opened


def _signed_in(store: UsageStore) -> TestClient:
    app: Starlette = dashboard_app(store, viewer_token=VIEWER)
    _dashboard(app).throttle = SignInThrottle(first_delay=0.01, max_delay=0.1)
    _dashboard(app).warm_on_signin = False
    client = TestClient(app)
    sign_in(client, VIEWER)
    return client


def test_the_pages_need_a_session(store: UsageStore) -> None:
    client = TestClient(dashboard_app(store, viewer_token=VIEWER))
    response = client.get("/dashboard/unused", follow_redirects=False)
    assert response.status_code == 303 and "/dashboard/signin" in response.headers["location"]


def test_the_coordinate_page_shows_the_report(store: UsageStore) -> None:
    page = _signed_in(store).get("/dashboard/coordinate", params={"endpoint": "v1", "coordinate": "User.email", "days": "5"})

    assert page.status_code == 200, page.text
    text = page.text
    assert "35 of 51 operations" in text and "68.63%" in text
    assert f"yes, since {day(100)}" in text and f"first {day(9)}, last {AS_OF}" in text
    assert '<svg class="chart"' in text and "Daily share of User.email: 5 days" in text
    assert "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2" in text and ">Me<" in text


def test_the_coordinate_page_for_one_client(store: UsageStore) -> None:
    page = _signed_in(store).get("/dashboard/coordinate", params={"endpoint": "v1", "coordinate": "User.name", "client": "web@2.0", "days": "1"})
    assert page.status_code == 200, page.text
    assert "1 of 1 operations of web 2.0" in page.text


def test_the_unused_page_and_its_allow_list(store: UsageStore) -> None:
    client = _signed_in(store)
    page = client.get("/dashboard/unused", params={"endpoint": "v1", "days": "30"})

    assert page.status_code == 200, page.text
    assert "Unused (3)" in page.text and "never seen" in page.text and "Too new to tell (1)" in page.text
    assert "/dashboard/coordinate?endpoint=%2Fapi%2Fv1%2Fgraphql&amp;coordinate=User.nickname&amp;days=30" in page.text

    kept = client.get("/dashboard/unused", params={"endpoint": "v1", "days": "30", "keep": "User.legacy*\n# a comment\nGone.*"})
    assert kept.status_code == 200, kept.text
    assert "Unused (2)" in kept.text and "Kept on purpose (1)" in kept.text
    assert "match nothing in the schema: <code>Gone.*</code>" in kept.text


def test_hostile_client_names_render_inert(store: UsageStore) -> None:
    _hostile_row(store)
    page = _signed_in(store).get("/dashboard/coordinate", params={"endpoint": "v1", "coordinate": "User.name", "days": "1"})

    assert page.status_code == 200, page.text
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text and "\x1b" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "INFO forged" not in page.text  # cut after 80 characters


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/dashboard/coordinate", {"endpoint": "v1", "coordinate": "User." + "x" * 10_240}, 400, "at most 300 characters"),
        ("/dashboard/coordinate", {"endpoint": "v1"}, 400, "coordinate: required"),
        ("/dashboard/coordinate", {"endpoint": "v1", "coordinate": "User.name", "days": "100000000"}, 400,
         "days must be a whole number from 1 to 3660"),
        ("/dashboard/coordinate", {"endpoint": "v1", "coordinate": "User.name", "client": "<script>alert(3)</script>"}, 400,
         "no client is stored as"),
        ("/dashboard/coordinate", {"endpoint": "v9", "coordinate": "User.name"}, 404, 'unknown endpoint "v9"'),
        ("/dashboard/unused", {"endpoint": "v1", "days": "100000000"}, 400, "days must be a whole number from 1 to 3660"),
        ("/dashboard/unused", {"endpoint": "v1", "days": "abc"}, 400, 'days: expected a whole number, not "abc"'),
        ("/dashboard/unused", {"endpoint": "v1", "keep": "<script>*"}, 400, "is not a coordinate pattern"),
        ("/dashboard/unused", {"endpoint": "v1", "keep": "Query.*\n" * 3000}, 400, "keep: at most 16384 characters"),
        ("/dashboard/unused", {"endpoint": "v2"}, 404, "registered no schema"),
    ],
)
def test_bad_query_strings_are_clear_error_pages(
    store: UsageStore, path: str, params: dict[str, str], status: int, message: str
) -> None:
    page = _signed_in(store).get(path, params=params)

    assert page.status_code == status, page.text
    assert message in html.unescape(page.text)
    assert "<script>alert(3)" not in page.text and len(page.text) < 20_000
