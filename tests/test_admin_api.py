"""The admin HTTP API through ``versioned_app`` (Starlette's TestClient) with a real store."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
import strawberry
from starlette.testclient import TestClient

from gqlevolve import UsageStore, versioned_app
from gqlevolve.clock import utc_today
from tests.advisor_helpers.history import AS_OF, ENDPOINT, days_through, deprecate, seed

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The advisor's 90 complete days before AS_OF, and AS_OF itself: the last day of the reports' windows
HISTORY = days_through(AS_OF, 91)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


SCHEMA = strawberry.Schema(Query)


@pytest.fixture
def bare_store(store_url: str) -> Iterator[UsageStore]:
    """Two deprecation records and one day of traffic (AS_OF): enough for authentication and bad input."""
    with UsageStore(store_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "User.name", replacement="User.fullName")
        deprecate(store, "Mutation.upload", sunset_on=AS_OF + dt.timedelta(days=10))
        seed(store, HISTORY[-1:], lambda day: 5, total=1_000)
        yield store


@pytest.fixture
def bare_client(bare_store: UsageStore) -> TestClient:
    return TestClient(versioned_app({"v1": SCHEMA}, store=bare_store, admin_token=TOKEN))


@pytest.fixture
def store(bare_store: UsageStore) -> UsageStore:
    """Ninety days of history before AS_OF and AS_OF itself: User.name is under 1% every day, Mutation.upload is not."""
    seed(bare_store, HISTORY[:-1], lambda day: 5, total=1_000)
    # 150 of 1,150 operations a day (13%) in the week ending with AS_OF, 10 days before its sunset: the policy's alert
    seed(bare_store, HISTORY[-7:], lambda day: 150, total=150, coordinates=["Mutation.upload"], client="ios")
    return bare_store


@pytest.fixture
def client(store: UsageStore) -> TestClient:
    return TestClient(versioned_app({"v1": SCHEMA}, store=store, admin_token=TOKEN))


def test_eligibility_for_all_and_for_one_coordinate(client):
    everything = client.get("/api/admin/eligibility", params={"as_of": AS_OF.isoformat()}, headers=AUTH)
    assert everything.status_code == 200, everything.text
    verdicts = {verdict["coordinate"]: verdict for verdict in everything.json()}
    assert verdicts["User.name"]["removable"] is True
    assert verdicts["Mutation.upload"]["removable"] is False
    assert verdicts["Mutation.upload"]["earliest_removal"] is None  # still over on the last day

    one = client.get(
        "/api/admin/eligibility/Mutation.upload",
        params={"as_of": AS_OF.isoformat(), "exclude_client": "ios", "endpoint": "v1"},
        headers=AUTH,
    )
    assert one.status_code == 200, one.text
    assert one.json()["removable"] is True
    assert one.json()["clients"] == []


def test_reports_answer_the_same_data_as_the_commands(client):
    params = {"as_of": AS_OF.isoformat()}
    deprecations = client.get("/api/admin/deprecations", params=params, headers=AUTH).json()
    assert {row["coordinate"]: row["status"] for row in deprecations} == {
        "Mutation.upload": "sunset_warning", "User.name": "deprecated",
    }
    clients = client.get("/api/admin/clients", params=params, headers=AUTH).json()
    assert [(c["name"], [d["coordinate"] for d in c["deprecated"]]) for c in clients] == [
        ("ios", ["Mutation.upload"]), ("web", ["User.name"]),
    ]
    usage = client.get("/api/admin/usage", params={**params, "days": 7, "coordinate": "User.name"}, headers=AUTH).json()
    assert usage["endpoint"] == ENDPOINT and len(usage["days"]) == 7
    assert [day["day"] for day in usage["days"]] == [day.isoformat() for day in HISTORY[-7:]]
    assert usage["last_day"] == AS_OF.isoformat()
    assert usage["days"][0]["coordinates"]["User.name"]["operations"] == 5
    warnings = client.get("/api/admin/sunset-warnings", params=params, headers=AUTH).json()
    assert [(w["coordinate"], w["alert"]) for w in warnings] == [("Mutation.upload", True)]
    assert warnings[0]["recent_operations"] == 150 * 7
    migration = client.get("/api/admin/migration", params={**params, "weeks": 1}, headers=AUTH).json()
    assert {w["coordinate"]: w["remaining"] for w in migration} == {"Mutation.upload": ["ios"], "User.name": ["web"]}
    assert {(w["week_start"], w["week_end"]) for w in migration} == {(HISTORY[-7].isoformat(), AS_OF.isoformat())}


def test_reports_without_as_of_include_usage_recorded_today(bare_store):
    today = utc_today()
    bare_store.record_operation(ENDPOINT, ["User.name"], client_name="ios", client_version="2.1", count=3)
    client = TestClient(versioned_app({"v1": SCHEMA}, store=bare_store, admin_token=TOKEN))

    clients = client.get("/api/admin/clients", params={"days": 1}, headers=AUTH).json()
    assert [(c["name"], c["last_seen"], [d["coordinate"] for d in c["deprecated"]]) for c in clients] == [
        ("ios", today.isoformat(), ["User.name"]),
    ]
    usage = client.get("/api/admin/usage", params={"days": 1}, headers=AUTH).json()
    assert [(day["day"], day["operations"], day["deprecated_operations"]) for day in usage["days"]] == [
        (today.isoformat(), 3, 3),
    ]


def test_extend_and_rollback_write_the_audit_log(client, store):
    extended = client.post(
        "/api/admin/deprecations/Mutation.upload/extend",
        json={"days": 30, "reason": "partner X", "actor": "alice"},
        headers=AUTH,
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["after"]["sunset_on"] == (AS_OF + dt.timedelta(days=40)).isoformat()

    rolled = client.post("/api/admin/deprecations/Mutation.upload/rollback", json={"reason": "critical"}, headers=AUTH)
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["after"]["status_override"] == "sunset_warning"

    audit = [(e.field, e.actor, e.why) for e in store.audit_log(ENDPOINT, "Mutation.upload") if e.why != "fixture"]
    assert audit == [
        ("sunset_on", "alice", "partner X"),
        ("sunset_on", "admin-api", "critical"),
        ("status_override", "admin-api", "critical"),
    ]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_a_missing_or_wrong_token_gets_401_problem_json_and_is_logged(bare_client, bare_store, headers, caplog):
    client, store = bare_client, bare_store
    caplog.set_level(logging.WARNING, logger="gqlevolve.admin_api")
    before = store.audit_log()

    for response in (
        client.get("/api/admin/deprecations", headers=headers),
        client.post("/api/admin/deprecations/Mutation.upload/rollback", json={"reason": "x"}, headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert store.audit_log() == before
    assert any("admin API" in record.getMessage() for record in caplog.records)


def test_without_a_token_the_admin_api_is_not_mounted(bare_store):
    client = TestClient(versioned_app({"v1": SCHEMA}, store=bare_store))
    response = client.get("/api/admin/deprecations", headers=AUTH)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "detail"),
    [
        ("get", "/api/admin/eligibility", {"params": {"as_of": "2025-02-30"}}, 400, "as_of: '2025-02-30' is not a date"),
        ("get", "/api/admin/eligibility", {"params": {"as_of": "2999-01-01"}}, 400, "is in the future"),
        ("get", "/api/admin/eligibility", {"params": {"window_days": "-3"}}, 400, "window_days must be a whole number"),
        ("get", "/api/admin/eligibility", {"params": {"window_days": "many"}}, 400, "window_days: expected a whole number"),
        ("get", "/api/admin/eligibility", {"params": {"endpoint": "v9"}}, 404, "unknown endpoint 'v9'"),
        ("get", "/api/admin/eligibility/User.nope", {}, 404, "User.nope has no deprecation record"),
        ("get", "/api/admin/usage", {"params": {"days": "-1"}}, 400, "days must be a whole number from 1"),
        ("get", "/api/admin/nothing-here", {}, 404, "no admin resource"),
        ("post", "/api/admin/deprecations/User.nope/extend", {"json": {"reason": "x"}}, 404, "no deprecation record"),
        ("post", "/api/admin/deprecations/User.name/extend", {"json": {"days": 3}}, 400, "'reason' is required"),
        ("post", "/api/admin/deprecations/User.name/extend", {"content": b"{not json"}, 400, "JSON object"),
        ("post", "/api/admin/deprecations/Mutation.upload/extend", {"json": {"reason": "x", "days": -4}}, 400, "days must be"),
    ],
)
def test_bad_input_gets_a_4xx_problem_json(bare_client, bare_store, method, path, kwargs, status, detail):
    client, store = bare_client, bare_store
    before = store.audit_log()
    response = getattr(client, method)(path, headers=AUTH, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert store.audit_log() == before
