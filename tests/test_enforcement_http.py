"""Enforcement through HTTP: ``versioned_app`` with the Strawberry extension and the admin API, the moment pinned.

Elements answer a GraphQL ``GONE`` error (status 200, the lifecycle headers still on the response); a whole
version answers 410 with the policy's Gone body saying why. Windows and settings are set through the admin API
(audited) and reach the running app within its refresh interval.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from gqlevolve import UsageStore, VersionLifecycle, deprecation_usage, versioned_app
from gqlevolve.advisor import advise
from gqlevolve.lifecycle import Deprecation
from gqlevolve.reports import deprecation_report
from tests.enforcement_helpers import TUESDAY_1405, MomentClock
from tests.extension_schema import DECLARED, build_schema

V1, V2 = "/api/v1/graphql", "/api/v2/graphql"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NAME = {"query": "{ viewer { name } }"}
USER_NAME = Deprecation("User.name", deprecated_on=dt.date(2026, 1, 15), sunset_on=dt.date(2026, 12, 15),
                        replacement="fullName")
V1_LIFECYCLE = VersionLifecycle(deprecated_on=dt.date(2026, 6, 1), sunset_on=dt.date(2026, 12, 15), successor="v2",
                                refuse_new_adopters=True)


@pytest.fixture
def store(store_url: str) -> Iterator[UsageStore]:
    store = UsageStore(store_url, handle_shutdown=False, clock=MomentClock(TUESDAY_1405), flush_interval=60, migrate=True)
    # web used v1 (and User.name) before both sunset warnings began (2026-11-15); ios never did.
    store.record_operation(V1, {"User.name"}, client_name="web", client_version="1.4", when=dt.date(2026, 11, 1))
    yield store
    store.close()


@pytest.fixture
def client(store: UsageStore) -> Iterator[TestClient]:
    usage = deprecation_usage(store=store, declared=[USER_NAME, DECLARED[0]], refresh_interval=0.05)
    schemas = {"v1": build_schema(usage), "v2": build_schema(usage)}
    app = versioned_app(schemas, store=store, lifecycles={"v1": V1_LIFECYCLE}, admin_token=TOKEN,
                        enforcement_refresh=0.05)
    with TestClient(app) as client:
        yield client
    usage.close()


def until(check, *, seconds: float = 5.0):
    """Poll ``check`` until it returns something true (the apps' refresh threads run every 0.05 s)."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def post(client: TestClient, path: str, body: dict, **headers: str):
    return client.post(path, json=body, headers={name.replace("_", "-"): value for name, value in headers.items()})


def test_a_version_refuses_a_new_client_with_410_and_serves_its_adopters(client: TestClient, store) -> None:
    served = until(lambda: post(client, V1, NAME, graphql_client_name="web").status_code == 200 and
                   post(client, V1, NAME, graphql_client_name="ios").status_code == 410)
    assert served
    refused = post(client, V1, NAME, graphql_client_name="ios", graphql_client_version="2.0")
    assert refused.status_code == 410
    assert refused.headers["content-type"] == "application/json"
    body = refused.json()
    assert body["error"] == "Gone" and body["refused"] == "no_new_adopters" and body["status_code"] == 410
    assert body["message"] == ("New uses of /api/v1/graphql are refused during its sunset warning (since 2026-11-15): "
                               "this client had not used it before; it will be removed on 2026-12-15")
    assert body["replacement"] == V2 and body["sunset_on"] == "2026-12-15"
    # The usual headers come along: the client learns the dates and the successor.
    assert refused.headers["sunset"] == "Tue, 15 Dec 2026 00:00:00 GMT"
    assert '</api/v2/graphql>; rel="successor-version"' in refused.headers.get_list("link")
    assert "API will be removed in 21 days" in refused.headers["warning"]
    assert post(client, V2, NAME, graphql_client_name="ios").status_code == 200  # v2 is not deprecated
    store.flush()
    refusals = {(row.coordinate, row.kind, row.name) for row in store.enforcement_counts(V1)}
    assert (V1, "no_new_adopters", "ios") in refusals


def test_the_preview_header_makes_a_deprecated_version_gone_for_that_request(client: TestClient, store) -> None:
    until(lambda: post(client, V1, NAME, graphql_client_name="web").status_code == 200)
    previewed = post(client, V1, NAME, graphql_client_name="web", graphql_deprecations="reject")
    assert previewed.status_code == 410 and previewed.json()["refused"] == "preview"
    assert "GraphQL-Deprecations: reject" in previewed.json()["message"]
    clean = post(client, V2, {"query": "{ viewer { fullName } }"}, graphql_deprecations="reject")
    assert clean.status_code == 200 and "errors" not in clean.json()  # nothing deprecated used: nothing refused


def test_an_element_in_a_brownout_set_through_the_admin_api_answers_gone_with_its_headers(
    client: TestClient, store
) -> None:
    assert post(client, V2, NAME, graphql_client_name="web").json()["data"] == {"viewer": {"name": "Ada Lovelace"}}
    added = client.post("/api/admin/deprecations/User.name/brownouts", headers=AUTH,
                        json={"endpoint": "v2", "window": "every Tuesday 14:00-14:15 UTC from D-30",
                              "reason": "remind the last clients", "actor": "alice"})
    assert added.status_code == 200, added.text
    assert added.json()["after"] == ["every tuesday 14:00-14:15 UTC from D-30"]
    response = until(lambda: (r := post(client, V2, NAME, graphql_client_name="web")).json().get("errors") and r)
    assert response, "the window did not reach the app within its refresh interval"
    assert response.status_code == 200  # a GraphQL error: the HTTP exchange itself succeeded
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GONE" and error["extensions"]["refused"] == "brownout"
    assert error["extensions"]["brownout"] == {"window": "every tuesday 14:00-14:15 UTC from D-30",
                                               "starts_at": "2026-11-24T14:00:00Z", "ends_at": "2026-11-24T14:15:00Z"}
    assert error["message"] == ("User.name is switched off during a scheduled brownout (every tuesday 14:00-14:15 UTC "
                                "from D-30) until 2026-11-24 14:15 UTC; it will be removed on 2026-12-15")
    assert response.headers["sunset"] == "Tue, 15 Dec 2026 00:00:00 GMT" and response.headers["deprecation"]
    assert response.json()["extensions"]["deprecations"][0]["coordinate"] == "User.name"
    # Audited like every change, and listed with its next occurrence.
    history = client.get("/api/admin/history", params={"endpoint": "v2", "coordinate": "User.name"}, headers=AUTH)
    [entry] = [item for item in history.json() if item["field"] == "brownouts"]
    assert (entry["old_value"], entry["new_value"], entry["actor"], entry["why"]) == (
        None, "every tuesday 14:00-14:15 UTC from D-30", "alice", "remind the last clients")
    [listed] = client.get("/api/admin/brownouts", params={"endpoint": "v2"}, headers=AUTH).json()
    assert listed["next"]["start"] == "2026-11-24T14:00:00+00:00"
    # Removed again: served again.
    removed = client.post("/api/admin/deprecations/User.name/brownouts/delete", headers=AUTH,
                          json={"endpoint": "v2", "window": "all", "reason": "done"})
    assert removed.status_code == 200 and removed.json()["after"] == []
    assert until(lambda: "errors" not in post(client, V2, NAME, graphql_client_name="web").json())


def test_a_version_brownout_and_its_rule_through_the_admin_api(client: TestClient, store) -> None:
    until(lambda: post(client, V1, NAME, graphql_client_name="web").status_code == 200)
    added = client.post("/api/admin/versions/v1/brownouts", headers=AUTH,
                        json={"window": "2026-11-24T14:00Z/2026-11-24T14:30Z", "reason": "brownout day"})
    assert added.status_code == 200 and added.json()["whole_version"] is True
    gone = until(lambda: (r := post(client, V1, NAME, graphql_client_name="web")).status_code == 410 and r)
    assert gone and gone.json()["refused"] == "brownout"
    assert gone.json()["brownout"]["ends_at"] == "2026-11-24T14:30:00Z"
    bad = client.post("/api/admin/versions/v1/brownouts", headers=AUTH, json={"window": "soon", "reason": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "brownout"
    not_bool = client.post("/api/admin/versions/v1/set", headers=AUTH, json={"refuse_new_adopters": "yes", "reason": "x"})
    assert not_bool.status_code == 400
    no_reason = client.post("/api/admin/versions/v1/brownouts", headers=AUTH, json={"window": "every day 01:00-02:00"})
    assert no_reason.status_code == 400


def test_refused_and_preview_operations_are_seen_by_the_reports_and_never_count_as_use(client: TestClient, store) -> None:
    until(lambda: post(client, V2, NAME, graphql_client_name="web").status_code == 200)
    for _ in range(3):
        post(client, V2, NAME, graphql_client_name="web-tests", graphql_deprecations="reject")
    store.flush()
    rows = client.get("/api/admin/enforcement", params={"endpoint": "v2", "days": 7}, headers=AUTH).json()
    assert [(row["coordinate"], row["kind"], row["name"], row["operations"]) for row in rows] == [
        ("User.name", "preview", "web-tests", 3)]
    [row] = [row for row in deprecation_report(store, "v2") if row.coordinate == "User.name"]
    assert row.refused_30d == {"preview": 3}
    assert {client.name for client in row.clients} == {"web"}  # web-tests previewed: not a user of User.name
    store.clock.set(TUESDAY_1405 + dt.timedelta(days=1))  # type: ignore[attr-defined]  # the advisor judges days before
    [verdict] = advise(store, "v2", "User.name")
    assert verdict.refused == {"preview": 3}
    assert "web-tests" not in {client.name for client in verdict.clients}
    assert verdict.reasons[-1] == "not counted as use: 3 preview requests (GraphQL-Deprecations: reject)"
