"""``gqlevolve advise`` and the admin API's ``/eligibility`` build the removal policy with one function
(``gqlevolve.advisor.policy.removal_policy``): the same parameters give the same ``RemovalPolicy``, and the same bad
values are refused with the same message (naming the option on the command line, the field in the admin API)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import strawberry
from click.testing import CliRunner
from starlette.testclient import TestClient

from gqlevolve import UsageStore, versioned_app
from gqlevolve.advisor import RemovalPolicy
from gqlevolve.advisor.policy import CLI_NAMES, ZeroTrafficDays, removal_policy
from gqlevolve.cli import main
from gqlevolve.errors import InvalidInput
from tests.advisor_helpers.history import AS_OF, deprecate

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The admin API's query parameters and the command's options.
QUERY = {"threshold": "threshold", "window_days": "window_days", "min_deprecated_days": "min_deprecated_days",
         "exclude_clients": "exclude_client", "zero_traffic": "zero_traffic"}


@strawberry.type
class Query:
    hello: str = "hello"


@pytest.fixture
def db(sqlite_url: str) -> Iterator[str]:
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False) as store:
        deprecate(store, "Query.hello")
    yield sqlite_url


@pytest.fixture
def policies(monkeypatch) -> list[RemovalPolicy]:
    """The policy each ``advise`` call was given, whichever interface called it."""
    seen: list[RemovalPolicy] = []

    def spy(store, endpoint, coordinate=None, *, as_of=None, policy=None):
        seen.append(policy)
        return []

    monkeypatch.setattr("gqlevolve.advisor.advise", spy)  # the command imports it when it runs
    monkeypatch.setattr("gqlevolve.admin_api.resources.advise", spy)
    return seen


def cli(db: str, parameters: dict[str, str | list[str]]):
    args = ["advise", "--as-of", AS_OF.isoformat()]
    for name, value in parameters.items():
        for one in value if isinstance(value, list) else [value]:
            args += [CLI_NAMES[name], one]
    return CliRunner().invoke(main, args, env={"GQLEVOLVE_DB": db}, catch_exceptions=False)


def admin(db: str, parameters: dict[str, str | list[str]]):
    with UsageStore(db, handle_shutdown=False) as store:
        client = TestClient(versioned_app({"v1": strawberry.Schema(Query)}, store=store, admin_token=TOKEN))
        params = {QUERY[name]: value for name, value in parameters.items()}
        return client.get("/api/admin/eligibility", params={**params, "as_of": AS_OF.isoformat()}, headers=AUTH)


GOOD = [
    {},
    {"threshold": "0.5%"},
    {"threshold": "0.005"},
    {"threshold": "1e-2"},
    {"threshold": "100%", "window_days": "3660", "min_deprecated_days": "0"},
    {"threshold": "1", "window_days": "1", "min_deprecated_days": "3660"},
    {"window_days": "30", "min_deprecated_days": "365", "exclude_clients": ["load-test", "bot"]},
    {"zero_traffic": "under_threshold", "exclude_clients": ["load-test"]},
]


@pytest.mark.parametrize("parameters", GOOD, ids=[str(case) for case in GOOD])
def test_the_command_and_the_admin_api_build_the_same_policy(db, policies, parameters):
    command = cli(db, parameters)
    assert command.exit_code == 1, command.output  # nothing judged: the spy answers no verdict
    response = admin(db, parameters)
    assert response.status_code == 200, response.text
    assert len(policies) == 2
    assert policies[0] == policies[1] == removal_policy(**parameters)


def test_the_policy_is_what_was_asked_for():
    policy = removal_policy(
        threshold="0.5%", window_days="30", min_deprecated_days="0", exclude_clients=["bot", "bot"],
        zero_traffic="under_threshold",
    )
    assert policy == RemovalPolicy(
        threshold=0.005, window_days=30, min_deprecated_days=0, exclude_clients=("bot",),
        zero_traffic=ZeroTrafficDays.UNDER_THRESHOLD,
    )
    assert removal_policy(threshold="", window_days=None) == RemovalPolicy()


BAD = [
    (name, value)
    for name in ("threshold", "window_days", "min_deprecated_days")
    for value in ("100000000", "1e309", "-1", "abc")
] + [("threshold", "0"), ("threshold", "101%"), ("threshold", "nan"), ("threshold", "inf"), ("window_days", "0"),
     ("window_days", "7.0"), ("window_days", " 7"), ("min_deprecated_days", "0.5"), ("zero_traffic", "abc"),
     ("zero_traffic", "UNCOVERED")]


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{name}={value}" for name, value in BAD])
def test_the_command_and_the_admin_api_refuse_the_same_values_alike(db, policies, name, value):
    with pytest.raises(InvalidInput) as refused:
        removal_policy(**{name: value})
    assert refused.value.field == name

    command = cli(db, {name: value})
    assert command.exit_code == 2 and command.stdout == ""
    assert command.stderr.startswith("Error: ") and command.stderr.count("\n") == 1
    message = command.stderr.removeprefix("Error: ").removesuffix("\n")
    assert CLI_NAMES[name] in message  # the command names its option...

    response = admin(db, {name: value})
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["field"] == name  # ...the admin API its field, in the same words
    assert problem["detail"] == str(refused.value)
    assert message.replace(CLI_NAMES[name], name) == problem["detail"]
    assert policies == []  # refused before anything was judged


@pytest.mark.parametrize(
    ("name", "value", "detail"),
    [
        ("window_days", "100000000", "window_days must be a whole number from 1 to 3660, not 100000000"),
        ("min_deprecated_days", "-1", "min_deprecated_days must be a whole number from 0 to 3660, not -1"),
        ("window_days", "abc", 'window_days: expected a whole number, not "abc"'),
        ("threshold", "1e309", 'threshold must be a share above 0 and at most 1 (0.01 = 1%, 1 = 100%), not "1e309"'),
        ("threshold", "-1", 'threshold must be a share above 0 and at most 1 (0.01 = 1%, 1 = 100%), not "-1"'),
        ("threshold", "abc", 'threshold: "abc" is not a share (0.01) or a percentage (1%)'),
    ],
)
def test_the_refusals_say_what_is_accepted(name, value, detail):
    with pytest.raises(InvalidInput) as refused:
        removal_policy(**{name: value})
    assert str(refused.value) == detail
