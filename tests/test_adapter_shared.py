"""What the Ariadne and Graphene adapters share: the request between the HTTP layer and the execution hook
(gqlevolve.adapters.request_state) and the adapters' one step per operation (gqlevolve.adapters.usage)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator

import pytest
from graphql import build_schema

from gqlevolve.adapters.request_state import (
    RequestState,
    announce,
    current,
    open_request,
)
from gqlevolve.adapters.usage import ServerUsage
from gqlevolve.clock import FixedClock
from gqlevolve.endpoints import DEPRECATIONS_SCOPE_KEY, ENDPOINT_LENGTH, ENDPOINT_SCOPE_KEY
from gqlevolve.graphql_compat import GRAPHQL_CORE_VERSION
from gqlevolve.lifecycle import Deprecation
from gqlevolve.monitor import Notice
from gqlevolve.usage_store import UsageStore
from gqlevolve.usage_store.tables import CLIENT_NAME_LENGTH, CLIENT_VERSION_LENGTH

TODAY = dt.date(2026, 11, 21)
SCHEMA = build_schema('type Query { old: String @deprecated(reason: "Use new") new: String }')


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    with UsageStore(sqlite_url, handle_shutdown=False, clock=FixedClock(TODAY)) as store:
        yield store


def test_the_first_header_present_wins_and_is_cut_to_what_the_store_keeps() -> None:
    headers = [
        (b"graphql-client-name", b"second"),
        (b"apollographql-client-name", b"first-" + b"n" * 30_000),
        (b"x-graphql-client-version", b"9" * 30_000),
        (b"apollographql-client-version", b""),  # empty: not present
    ]
    name, version = RequestState({"path": "/graphql", "headers": headers}).client()
    assert name is not None and name.startswith("first-") and len(name) == CLIENT_NAME_LENGTH
    assert version == "9" * CLIENT_VERSION_LENGTH


@pytest.mark.parametrize(
    ("scope", "endpoint"),
    [
        ({"path": "/graphql/"}, "/graphql"),
        ({"path": "/"}, "/"),
        ({"path": "/graphql", ENDPOINT_SCOPE_KEY: "/api/v1/graphql"}, "/api/v1/graphql"),
        ({}, "/default"),
        ({"path": "/" + "x" * ENDPOINT_LENGTH}, "/default"),  # longer than the store keeps
    ],
)
def test_the_endpoint(scope: dict, endpoint: str) -> None:
    assert RequestState(scope).endpoint("/default") == endpoint


def test_a_deprecated_version_collects_the_records_instead_of_headers() -> None:
    record = Deprecation("Query.old", reason="Use new", deprecated_on=dt.date(2026, 1, 1))
    notice = Notice.of(frozenset({"Query.old"}), {"Query.old": record}, TODAY)
    collected: list[Deprecation] = []
    state = RequestState({"path": "/api/v1/graphql", DEPRECATIONS_SCOPE_KEY: collected})
    state.notice = notice
    added: list[tuple[str, str]] = []
    announce(state, lambda name, value: added.append((name, value)))
    assert (collected, added) == ([record], [])
    announce(RequestState({"path": "/graphql"}), lambda name, value: added.append((name, value)))  # no notice
    assert added == []
    plain = RequestState({"path": "/graphql"})
    plain.notice = notice
    announce(plain, lambda name, value: added.append((name, value)))
    assert [name for name, _ in added] == ["Deprecation", "Warning"]


def test_the_request_is_current_only_inside_its_block() -> None:
    with open_request({"path": "/a"}) as outer:
        with open_request({"path": "/b"}) as inner:
            assert current() is inner
        assert current() is outer
    assert current() is None


def test_observe_reads_the_current_request_and_leaves_the_notice(store: UsageStore) -> None:
    usage = ServerUsage(store, endpoint="/script")
    headers = [(b"apollographql-client-name", b"web")]
    with open_request({"path": "/graphql/", "headers": headers}) as state:
        notice = usage.observe(SCHEMA, "{ old }", None, None, None)
    assert state.notice is notice and notice is not None
    assert usage.observe(SCHEMA, "{ new }", None, None, None) is None  # no request: at /script
    usage.close()
    store.flush()
    assert [(found.name, found.operations) for found in store.clients("/graphql", "Query.old")] == [("web", 1)]
    assert store.daily_totals("/script") == {TODAY: 1}


def test_a_request_that_cannot_be_read_still_counts_and_still_refuses(store: UsageStore, caplog) -> None:
    schema = build_schema('type Query { old: String @deprecated(reason: "gone") }')
    store.register_deprecations("/script", [Deprecation("Query.old", deprecated_on=dt.date(2025, 1, 1), sunset_on=dt.date(2026, 1, 1))])
    usage = ServerUsage(store, endpoint="/script")
    usage.start(schema)
    with caplog.at_level("WARNING", logger="gqlevolve.adapters"), open_request({"path": "/graphql", "headers": [None]}):
        notice = usage.observe(schema, "{ old }", None, None, None)
    usage.close()
    assert notice is not None and [record.coordinate for record in notice.removed] == ["Query.old"]
    assert "the request could not be read" in caplog.text
    store.flush()
    assert [(found.name, found.operations) for found in store.clients("/script", "Query.old")] == [(None, 1)]


def test_an_internal_error_is_logged_and_the_operation_proceeds(store: UsageStore, caplog) -> None:
    usage = ServerUsage(store)
    with caplog.at_level("ERROR", logger="gqlevolve.adapters"):
        assert usage.observe("not a schema", "{ old }", None, None, None) is None
    usage.close()
    assert "internal error; the operation proceeds without it" in caplog.text


def test_a_blank_endpoint_is_refused(store: UsageStore) -> None:
    with pytest.raises(ValueError, match="endpoint must be a non-empty name"):
        ServerUsage(store, endpoint=" ")


@pytest.mark.skipif(GRAPHQL_CORE_VERSION[:2] == (3, 2), reason="graphql-core 3.2 has the execution context class")
def test_the_graphene_adapter_says_it_needs_graphql_core_3_2(store: UsageStore) -> None:
    from gqlevolve.adapters.graphene import deprecation_usage

    usage = deprecation_usage(store=store)
    with pytest.raises(ImportError, match=r"needs graphql-core 3.2 \(Graphene 3's\), not 3\.3"):
        usage.execution_context_class  # noqa: B018
    usage.close()


def test_the_adapters_and_the_core_do_not_import_strawberry() -> None:
    code = (
        "import sys, gqlevolve.adapters.usage, gqlevolve.adapters.graphene, gqlevolve.cli, gqlevolve.reports; "
        "assert not [m for m in sys.modules if m.startswith('strawberry')], 'strawberry imported'"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr


def test_the_adapters_benchmark_runs() -> None:
    """benchmarks/adapter_bench/overhead.py (what extension_overhead.py runs), a few turns of the server at hand."""
    import json

    server = "graphene" if GRAPHQL_CORE_VERSION[:2] == (3, 2) else "ariadne"
    completed = subprocess.run(
        [sys.executable, "benchmarks/adapter_bench/overhead.py", server, "--turns", "5"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    medians = json.loads(completed.stdout)
    assert set(medians) == {"100 items", "1 item"}
    assert all(set(case) == {"baseline", "adapter"} and min(case.values()) > 0 for case in medians.values())
