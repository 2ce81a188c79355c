"""The admin HTTP API through ``versioned_app`` (Starlette's TestClient) with a real store."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
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
class User:
    name: str
    full_name: str


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @strawberry.field
    def user(self) -> User | None:
        return None


@strawberry.type
class Mutation:
    @strawberry.mutation
    def upload(self, file: str) -> bool:
        return True


# The served v1 schema has the elements the records name: the POSTs refuse a coordinate that it does not have.
SCHEMA = strawberry.Schema(Query, Mutation)


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
        ("get", "/api/admin/eligibility", {"params": {"as_of": "2025-02-30"}}, 400, 'as_of: "2025-02-30" is not a date'),
        ("get", "/api/admin/eligibility", {"params": {"as_of": "2999-01-01"}}, 400, "is in the future"),
        ("get", "/api/admin/eligibility", {"params": {"window_days": "-3"}}, 400, "window_days must be a whole number"),
        ("get", "/api/admin/eligibility", {"params": {"window_days": "many"}}, 400, "window_days: expected a whole number"),
        ("get", "/api/admin/eligibility", {"params": {"endpoint": "v9"}}, 404, 'unknown endpoint "v9"'),
        ("get", "/api/admin/eligibility/User.nope", {}, 404, "User.nope has no deprecation record"),
        ("get", "/api/admin/usage", {"params": {"days": "-1"}}, 400, "days must be a whole number from 1"),
        ("get", "/api/admin/nothing-here", {}, 404, "no admin resource"),
        ("post", "/api/admin/deprecations/User.nope/extend", {"json": {"reason": "x"}}, 404, "no deprecation record"),
        ("post", "/api/admin/deprecations/User.name/extend", {"json": {"days": 3}}, 400, "reason is required"),
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


def post(client: TestClient, coordinate: str, action: str, body: dict) -> object:
    return client.post(f"/api/admin/deprecations/{coordinate}/{action}", json=body, headers=AUTH)


def test_set_refuses_the_phantom_endpoint_unless_new_endpoint_then_delete_undoes_it(bare_client, bare_store):
    client, store = bare_client, bare_store
    before = store.audit_log()
    phantom = {"endpoint": "v7", "deprecated_on": "2025-01-01", "sunset_on": "2027-01-01", "reason": "x"}

    refused = post(client, "Nope.x", "set", phantom)
    assert refused.status_code == 404, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    detail = refused.json()["detail"]
    assert "unknown endpoint" in detail and "/api/v1/graphql" in detail and '"new_endpoint": true' in detail
    assert store.endpoints() == [ENDPOINT] and store.audit_log() == before

    created = post(client, "Nope.x", "set", {**phantom, "new_endpoint": True, "actor": "bob"})
    assert created.status_code == 200, created.text
    assert created.json()["endpoint"] == "/api/v7/graphql" and created.json()["before"] is None
    assert store.endpoints() == [ENDPOINT, "/api/v7/graphql"]

    deleted = post(client, "Nope.x", "delete", {"endpoint": "v7", "reason": "created by a typo", "actor": "alice"})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted"]["sunset_on"] == "2027-01-01"
    assert deleted.json()["endpoint_known"] is False
    assert store.endpoints() == [ENDPOINT]
    audit = [(e.field, e.new_value, e.actor, e.why) for e in store.audit_log("/api/v7/graphql")]
    assert audit == [
        ("deprecated_on", "2025-01-01", "bob", "x"),
        ("sunset_on", "2027-01-01", "bob", "x"),
        ("record", "deleted", "alice", "created by a typo"),
        ("deprecated_on", None, "alice", "created by a typo"),
        ("sunset_on", None, "alice", "created by a typo"),
    ]


def test_the_posts_check_the_coordinate_against_the_served_schema(bare_client, bare_store):
    client, store = bare_client, bare_store
    before = store.audit_log()
    misspelt = post(client, "User.nmae", "set", {"endpoint": "v1", "sunset_on": "2030-01-01", "reason": "x"})
    assert misspelt.status_code == 400, misspelt.text
    assert "the v1 schema (/api/v1/graphql) has no User.nmae" in misspelt.json()["detail"]
    assert "did you mean User.name" in misspelt.json()["detail"]
    malformed = post(client, "User..name", "set", {"endpoint": "v1", "reason": "x"})
    assert malformed.status_code == 400 and "is not a schema coordinate" in malformed.json()["detail"]
    assert store.audit_log() == before

    # a served endpoint is known even before the store has seen traffic on it: no new_endpoint needed
    created = post(client, "User.fullName", "set", {"endpoint": "v1", "deprecated_on": "2025-01-01", "reason": "plan"})
    assert created.status_code == 200, created.text
    assert [(e.coordinate, e.field, e.actor, e.why) for e in store.audit_log(ENDPOINT, "User.fullName")] == [
        ("User.fullName", "deprecated_on", "admin-api", "plan"),
    ]


@pytest.mark.parametrize(
    ("action", "body", "status", "detail"),
    [
        ("set", {"endpoint": "v1", "reason": "x", "new_endpoint": "yes"}, 400, "new_endpoint"),
        ("set", {"endpoint": "v1", "reason": "x", "sunset_on": "soon"}, 400, "sunset_on: "),
        ("set", {"endpoint": "v1", "sunset_on": "2030-01-01"}, 400, "is required"),
        ("delete", {"endpoint": "v1"}, 400, "is required"),
        ("delete", {"endpoint": "v9", "reason": "x"}, 404, "unknown endpoint"),
    ],
)
def test_set_and_delete_refuse_bad_input(bare_client, bare_store, action, body, status, detail):
    before = (bare_store.deprecations(), bare_store.audit_log())
    response = post(bare_client, "User.name", action, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert (bare_store.deprecations(), bare_store.audit_log()) == before


def test_delete_of_an_absent_record_is_404(bare_client, bare_store):
    response = post(bare_client, "User.fullName", "delete", {"reason": "x"})
    assert response.status_code == 404
    assert "no deprecation record for" in response.json()["detail"]


def test_history_is_the_audit_log(bare_client, bare_store):
    client = bare_client
    post(client, "Mutation.upload", "extend", {"days": 5, "reason": "partner X", "actor": "alice"})
    post(client, "User.name", "delete", {"reason": "replaced", "actor": "bob"})

    one = client.get("/api/admin/history", params={"endpoint": "v1", "coordinate": "Mutation.upload"}, headers=AUTH)
    assert one.status_code == 200, one.text
    assert [(e["field"], e["old_value"], e["new_value"], e["actor"], e["why"]) for e in one.json()][-1] == (
        "sunset_on", (AS_OF + dt.timedelta(days=10)).isoformat(), (AS_OF + dt.timedelta(days=15)).isoformat(), "alice", "partner X",
    )
    assert {e["coordinate"] for e in one.json()} == {"Mutation.upload"}

    everything = client.get("/api/admin/history", headers=AUTH).json()
    assert ("User.name", "record", "exists", "deleted", "bob", "replaced") in [
        (e["coordinate"], e["field"], e["old_value"], e["new_value"], e["actor"], e["why"]) for e in everything
    ]
    assert [e["at"] for e in everything] == sorted(e["at"] for e in everything)  # oldest first

    assert client.get("/api/admin/history", params={"coordinate": "User.fullName"}, headers=AUTH).json() == []
    typo = client.get("/api/admin/history", params={"coordinate": "User full"}, headers=AUTH)
    assert typo.status_code == 400 and "is not a schema coordinate" in typo.json()["detail"]
    assert client.get("/api/admin/history", headers={}).status_code == 401


# --- HTTP speaks HTTP: the Bearer scheme, whole numbers, error wording ---------------------------------------


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"BeArEr {TOKEN}", f"Bearer   {TOKEN}"]
)
def test_the_bearer_scheme_is_case_insensitive(bare_client, authorization):
    response = bare_client.get("/api/admin/deprecations", headers={"Authorization": authorization})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {TOKEN.upper()}",  # the token itself is case-sensitive
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        f"Bearer{TOKEN}",
        f"Bearer {TOKEN} extra",
        "Bearer",
        "Bearer ",
        "",
    ],
)
def test_anything_but_the_bearer_token_is_401(bare_client, authorization):
    response = bare_client.get("/api/admin/deprecations", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_token_is_compared_in_constant_time(bare_store, monkeypatch):
    from gqlevolve.admin_api import handling

    compared = []
    real = handling.hmac.compare_digest
    monkeypatch.setattr(handling.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    client = TestClient(versioned_app({"v1": SCHEMA}, store=bare_store, admin_token=TOKEN))
    assert client.get("/api/admin/deprecations", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    assert client.get("/api/admin/deprecations", headers={"Authorization": "BEARER nope"}).status_code == 401
    assert compared == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]


NOT_WHOLE = ["1.5", "1e3", "  7", "7 ", "true", "7.0", "+7", "0x10", "1_000", "\u0663", "seven"]


@pytest.mark.parametrize("value", NOT_WHOLE)
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/admin/usage", "days"),
        ("/api/admin/clients", "days"),
        ("/api/admin/migration", "weeks"),
        ("/api/admin/sunset-warnings", "within_days"),
        ("/api/admin/eligibility", "window_days"),
        ("/api/admin/eligibility", "min_deprecated_days"),
    ],
)
def test_integer_query_parameters_are_whole_numbers(bare_client, path, name, value):
    response = bare_client.get(path, params={name: value}, headers=AUTH)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["field"] == name
    assert problem["detail"] == f"{name}: expected a whole number, not {json.dumps(value, ensure_ascii=False)}"


@pytest.mark.parametrize("raw", ["1.5", "1e3", "30.0", "true", '"30"', "[30]", "{}"])
def test_integer_body_fields_are_json_integers(bare_client, bare_store, raw):
    before = bare_store.audit_log()
    response = bare_client.post(
        "/api/admin/deprecations/Mutation.upload/extend",
        content=f'{{"days": {raw}, "reason": "partner X", "endpoint": "v1"}}'.encode(),
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "days"
    assert response.json()["detail"].startswith("days: expected a whole number")
    assert bare_store.audit_log() == before


def test_whole_numbers_in_range_are_taken(bare_client):
    seven = bare_client.get("/api/admin/usage", params={"days": "7"}, headers=AUTH)
    assert seven.status_code == 200, seven.text
    assert bare_client.get("/api/admin/usage", params={"days": "007"}, headers=AUTH).json() == seven.json()
    too_many = bare_client.get("/api/admin/usage", params={"days": "99999999"}, headers=AUTH)
    assert too_many.status_code == 400 and "days must be a whole number from 1 to 3660" in too_many.json()["detail"]


@pytest.fixture
def two_version_client(bare_store: UsageStore) -> TestClient:
    bare_store.record_operation("/api/v2/graphql", [], client_name="web", client_version="1.0", count=1)
    bare_store.flush()
    return TestClient(versioned_app({"v1": SCHEMA, "v2": SCHEMA}, store=bare_store, admin_token=TOKEN))


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/api/admin/eligibility", {}),
        ("get", "/api/admin/eligibility/User.name", {}),
        ("get", "/api/admin/usage", {"params": {"days": "7"}}),
        ("post", "/api/admin/deprecations/Mutation.upload/extend", {"json": {"days": 3, "reason": "x"}}),
        ("post", "/api/admin/deprecations/Mutation.upload/rollback", {"json": {"reason": "x"}}),
    ],
)
def test_no_endpoint_on_a_server_with_several_is_a_400_listing_them(two_version_client, bare_store, method, path, kwargs):
    before = bare_store.audit_log()
    response = getattr(two_version_client, method)(path, headers=AUTH, **kwargs)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["field"] == "endpoint"
    assert problem["choices"] == ["/api/v1/graphql", "/api/v2/graphql"]
    assert problem["detail"].startswith("endpoint: required")
    assert "/api/v1/graphql, /api/v2/graphql" in problem["detail"]
    assert "--endpoint" not in problem["detail"]
    assert bare_store.audit_log() == before


def test_reports_that_cover_every_endpoint_need_none(two_version_client):
    for path in ("/api/admin/deprecations", "/api/admin/clients", "/api/admin/sunset-warnings", "/api/admin/migration"):
        assert two_version_client.get(path, headers=AUTH).status_code == 200, path
    named = two_version_client.get("/api/admin/usage", params={"endpoint": "v2", "days": "7"}, headers=AUTH)
    assert named.status_code == 200 and named.json()["endpoint"] == "/api/v2/graphql"


BAD_REQUESTS = [
    ("get", "/api/admin/eligibility", {"params": {"as_of": "2025-02-30"}}),
    ("get", "/api/admin/eligibility", {"params": {"as_of": "20250101"}}),
    ("get", "/api/admin/eligibility", {"params": {"as_of": "2999-01-01"}}),
    ("get", "/api/admin/eligibility", {"params": {"endpoint": "v9"}}),
    ("get", "/api/admin/eligibility", {"params": {"endpoint": " "}}),
    ("get", "/api/admin/eligibility", {"params": {"threshold": "lots"}}),
    ("get", "/api/admin/eligibility", {"params": {"threshold": "5"}}),
    ("get", "/api/admin/eligibility", {"params": {"zero_traffic": "sometimes"}}),
    ("get", "/api/admin/eligibility/User name", {}),
    ("get", "/api/admin/eligibility/User.nope", {}),
    ("get", "/api/admin/usage", {"params": {"days": "1.5"}}),
    ("get", "/api/admin/usage", {"params": {"coordinate": "User.never"}}),
    ("post", "/api/admin/deprecations/User.nope/extend", {"json": {"reason": "x", "days": 3}}),
    ("post", "/api/admin/deprecations/User.name/extend", {"json": {"reason": "x", "days": 3}}),
    ("post", "/api/admin/deprecations/User.name/extend", {"json": {"reason": "x", "endpoint": 7}}),
    ("post", "/api/admin/deprecations/User.name/extend", {"json": {"reason": "x", "actor": 7}}),
    ("post", "/api/admin/deprecations/User.name/rollback", {"json": {}}),
    ("post", "/api/admin/deprecations/User.name/rollback", {"json": {"reason": "x", "endpoint": "v9"}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), BAD_REQUESTS)
def test_error_details_speak_of_fields_not_flags_or_classes(bare_client, method, path, kwargs):
    response = getattr(bare_client, method)(path, headers=AUTH, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert not re.search(r"(^|\s)--[a-z]", detail), detail  # no command-line option
    assert not re.search(r"\b[A-Z][a-z]+(Error|Exception)\b|ZeroTrafficDays|\bStatus\b|gqlevolve ", detail), detail
    sent = [*kwargs.get("params", {}).values(), *(v for v in kwargs.get("json", {}).values() if isinstance(v, str))]
    sent.append(path.split("/")[4] if path.count("/") >= 4 else "")
    for value in sent:
        if value and repr(value) != json.dumps(value):
            assert repr(value) not in detail, detail  # JSON-style quotes, never Python's


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"),
    [
        ("get", "/api/admin/eligibility", {"params": {"as_of": "2025-02-30"}},
         'as_of: "2025-02-30" is not a date in the form YYYY-MM-DD'),
        ("get", "/api/admin/eligibility", {"params": {"endpoint": "v9"}},
         'unknown endpoint "v9"; this server has: /api/v1/graphql'),
        ("get", "/api/admin/eligibility", {"params": {"threshold": "lots"}},
         'threshold: "lots" is not a share (0.01) or a percentage (1%)'),
        ("get", "/api/admin/eligibility", {"params": {"zero_traffic": "sometimes"}},
         'zero_traffic must be one of uncovered, under_threshold, not "sometimes"'),
        ("get", "/api/admin/eligibility/User name", {}, '"User name" is not a schema coordinate'),
        ("get", "/api/admin/usage", {"params": {"days": "1.5"}}, 'days: expected a whole number, not "1.5"'),
        ("post", "/api/admin/deprecations/User.nope/extend", {"json": {"reason": "x", "days": 3}},
         'no deprecation record for "User.nope" on /api/v1/graphql'),
        ("post", "/api/admin/deprecations/User.name/extend", {"json": {"reason": "x", "days": 3}},
         "User.name on /api/v1/graphql has no sunset date to extend; set one first"),
        ("post", "/api/admin/deprecations/User.name/rollback", {"json": {}},
         "reason is required (a non-empty string)"),
    ],
)
def test_error_details_quote_what_was_sent_json_style(bare_client, method, path, kwargs, expected):
    response = getattr(bare_client, method)(path, headers=AUTH, **kwargs)
    assert expected in response.json()["detail"]


def test_an_admin_method_not_allowed_says_which_are(bare_client):
    response = bare_client.delete("/api/admin/deprecations", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] in ("GET, HEAD", "HEAD, GET")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("guide", ["not a url", "javascript:alert(1)", "https://docs.example/a b", "/docs/<x>", "docs/x"])
def test_the_admin_api_refuses_a_bad_migration_guide(bare_client, bare_store, guide):
    before = (bare_store.deprecations(), bare_store.audit_log())
    response = bare_client.post(
        "/api/admin/deprecations/User.name/set",
        json={"endpoint": "v1", "migration_guide": guide, "reason": "docs moved"},
        headers=AUTH,
    )
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert f"migration_guide: {json.dumps(guide)} is not a migration guide" in detail
    assert "an absolute http or https URL with a host" in detail
    assert (bare_store.deprecations(), bare_store.audit_log()) == before

    good = bare_client.post(
        "/api/admin/deprecations/User.name/set",
        json={"endpoint": "v1", "migration_guide": "/docs/migrations/full-name", "reason": "docs moved"},
        headers=AUTH,
    )
    assert good.status_code == 200, good.text
    assert good.json()["after"]["migration_guide"] == "/docs/migrations/full-name"


# --- issue 11, row 5: bodies too large or too deep, policy numbers too large --------------------------------------


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        ("[" * 100_000 + "]" * 100_000, 413, "at most 65536 bytes"),  # the issue's body: too large before too deep
        ("[" * 5_000 + "]" * 5_000, 400, "nested at most 8 levels deep"),  # small enough, far too deep for json.loads
        ('{"reason": "x", "days": 30, "endpoint": ' + "[" * 9 + "]" * 9 + "}", 400, "nested at most 8 levels deep"),
        ('{"reason": "' + "x" * 70_000 + '"}', 413, "at most 65536 bytes"),
    ],
    ids=["issue", "deep", "nine-levels", "large"],
)
def test_a_body_too_large_is_a_413_and_too_deep_a_400_problem(bare_client, bare_store, content, status, detail):
    # 413 for size, as versioned_app answers a GraphQL body over its limit: the client should send less, not other
    before = bare_store.audit_log()
    response = bare_client.post(
        "/api/admin/deprecations/Mutation.upload/extend", content=content.encode(),
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "body" and detail in response.json()["detail"]
    if status == 413:
        assert response.json()["maximum"] == 65536
    assert bare_store.audit_log() == before


def test_a_declared_length_too_large_is_refused_before_the_body_is_read(bare_client):
    def body():  # a stream whose length is declared, and never sent past the first chunk
        yield b'{"reason": "x"'
        raise AssertionError("the admin API read past the declared Content-Length limit")

    response = bare_client.post(
        "/api/admin/deprecations/Mutation.upload/rollback", content=body(),
        headers={**AUTH, "content-type": "application/json", "content-length": str(10**9)},
    )
    assert response.status_code == 413, response.text
    assert "at most 65536 bytes" in response.json()["detail"]


def test_brackets_inside_strings_do_not_count_as_depth(bare_client):
    reason = "[[[[[[[[[[ {{{{{{{{{{ \\\" ]]]]"
    response = bare_client.post(
        "/api/admin/deprecations/Mutation.upload/extend",
        content=('{"days": 3, "reason": "' + reason + '"}').encode(),
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("window_days", "window_days must be a whole number from 1 to 3660, not 99999999"),
        ("min_deprecated_days", "min_deprecated_days must be a whole number from 0 to 3660, not 99999999"),
    ],
)
@pytest.mark.parametrize("path", ["/api/admin/eligibility", "/api/admin/eligibility/User.name", "/api/admin/deprecations"])
def test_policy_day_counts_of_the_issue_are_a_400(bare_client, path, name, detail):
    response = bare_client.get(path, params={name: "99999999"}, headers=AUTH)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == detail and response.json()["field"] == name
