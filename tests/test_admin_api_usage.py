"""The admin API's whole-schema resources, ``GET /usage/{coordinate}`` and ``GET /unused``, through Starlette's
TestClient with a real store on both backends: the same JSON as the Python API, problem+json for bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from gqlevolve import UsageStore
from gqlevolve.admin_api import admin_app
from gqlevolve.clock import FixedClock
from gqlevolve.jsonable import to_jsonable
from gqlevolve.reports.coordinate_usage import coordinate_usage
from gqlevolve.reports.unused import unused_elements
from tests.test_reports_coordinate_usage import AS_OF, V1, V2, day, seed

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as opened:
        seed(opened)
        yield opened


@pytest.fixture
def client(store: UsageStore) -> TestClient:
    return TestClient(admin_app(store, token=TOKEN, endpoints=[V1, V2]))


def get(test_client: TestClient, path: str, **params: str):
    return test_client.get(path, params=params, headers=AUTH)


def test_usage_of_a_coordinate_is_the_python_api(client: TestClient, store: UsageStore) -> None:
    response = get(client, "/usage/User.name", endpoint="v1", days="5", client="web@1.4", limit="1")

    assert response.status_code == 200, response.text
    expected = to_jsonable(coordinate_usage(store, "v1", "User.name", 5, client="web@1.4", limit=1))
    assert response.json() == expected
    assert expected["operations"][0]["name"] == "Users" and expected["used"] == 15


def test_an_argument_coordinate_in_the_path(client: TestClient) -> None:
    response = get(client, "/usage/Query.users(first:)", endpoint="v1")
    assert response.status_code == 200, response.text
    assert response.json()["used"] == 31


def test_unused_with_a_repeated_keep(client: TestClient, store: UsageStore) -> None:
    response = client.get(
        "/unused", params=[("endpoint", "v1"), ("days", "30"), ("keep", "User.legacy*"), ("keep", "Gone.*")], headers=AUTH
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == to_jsonable(unused_elements(store, "v1", 30, keep=["User.legacy*", "Gone.*"]))
    assert [e["coordinate"] for e in body["unused"]] == ["Query.legacyUsers", "User.nickname"]
    assert body["unused"][1]["first_seen"] is None
    assert body["kept"] == [{"coordinate": "User.legacyId", "pattern": "User.legacy*", "last_seen": day(60).isoformat()}]
    assert body["too_new"] == [{"coordinate": "Query.beta", "since": day(3).isoformat()}]
    assert body["unmatched_keep"] == ["Gone.*"]


def test_a_token_is_needed(client: TestClient) -> None:
    assert client.get("/unused", params={"days": "30"}).status_code == 401
    assert client.get("/usage/User.name").status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "status", "field", "detail"),
    [
        ("/usage/User." + "x" * 10_240, {"endpoint": "v1"}, 400, "coordinate", "a schema coordinate has at most 300 characters"),
        ("/usage/User name", {"endpoint": "v1"}, 400, "coordinate", "is not a schema coordinate"),
        ("/usage/User.name", {"endpoint": "v1", "days": "100000000"}, 400, "days", "days must be a whole number from 1 to 3660"),
        ("/usage/User.name", {"endpoint": "v1", "days": "7.0"}, 400, "days", 'days: expected a whole number, not "7.0"'),
        ("/usage/User.name", {"endpoint": "v9"}, 404, "endpoint", 'unknown endpoint "v9"'),
        ("/usage/User.name", {}, 400, "endpoint", "endpoint: required, as this server has several endpoints"),
        ("/usage/User.name", {"endpoint": "v1", "client": "<script>alert(1)</script>"}, 400, "client", "no client is stored as"),
        ("/usage/User.name", {"endpoint": "v1", "limit": "5000"}, 400, "limit", "limit must be a whole number from 1 to 1000"),
        ("/usage/User.nick", {"endpoint": "v1"}, 404, "coordinate", "is not in the schema it registered"),
        ("/unused", {"endpoint": "v1"}, 400, "days", "days: required"),
        ("/unused", {"endpoint": "v1", "days": "100000000"}, 400, "days", "days must be a whole number from 1 to 3660"),
        ("/unused", {"endpoint": "v1", "days": "30", "keep": "User.<b>*"}, 400, "keep", "is not a coordinate pattern"),
        ("/unused", {"endpoint": "v2", "days": "30"}, 404, "endpoint", "registered no schema"),
        ("/unused", {"endpoint": "v9", "days": "30"}, 404, "endpoint", 'unknown endpoint "v9"'),
    ],
)
def test_bad_requests_are_problems(
    client: TestClient, path: str, params: dict[str, str], status: int, field: str, detail: str
) -> None:
    response = get(client, path, **params)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert detail in problem["detail"] and problem.get("field") == field
    assert len(problem["detail"]) < 500
