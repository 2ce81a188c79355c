"""The DeprecationUsageExtension through ``schema.execute`` / ``execute_sync``, with a real SQLite store."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from gqlevolve import DeprecationUsageExtension, UsageStore, client_identity, deprecation_usage
from gqlevolve.extensions import DeprecationUsage
from gqlevolve.extensions.request_context import client_from_headers
from gqlevolve.lifecycle import Status
from gqlevolve.usage_store.tables import CLIENT_NAME_LENGTH, CLIENT_VERSION_LENGTH
from tests.extension_schema import DECLARED, TODAY, build_schema

ENDPOINT = "/script"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    store = UsageStore(sqlite_url, handle_shutdown=False)
    yield store
    store.close()


@pytest.fixture
def usage(store: UsageStore) -> Iterator[DeprecationUsage]:
    usage = deprecation_usage(store=store, endpoint=ENDPOINT, declared=DECLARED, today=lambda: TODAY)
    yield usage
    usage.close()


@pytest.fixture
def schema(usage: DeprecationUsage):
    schema = build_schema(usage)
    usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
    return schema


def counted(store: UsageStore, coordinate: str) -> tuple[int, int]:
    """(operations that used ``coordinate``, all operations) on TODAY, after a flush."""
    store.flush()
    days = store.daily_usage(ENDPOINT, coordinate, since=TODAY, until=TODAY)
    return (days[0].operations, days[0].total) if days else (0, 0)


class TestTellsTheClient:
    def test_entries_for_each_element_used_with_absent_values_omitted(self, schema) -> None:
        result = schema.execute_sync("{ viewer { name } users(offset: 1) { id } }")
        assert result.errors is None
        assert result.data == {"viewer": {"name": "Ada Lovelace"}, "users": [{"id": "1"}]}
        assert result.extensions == {
            "deprecations": [
                {
                    "coordinate": "Query.users(offset:)",
                    "reason": "Use after",
                    "status": "deprecated",
                    "deprecatedOn": TODAY.isoformat(),  # the day it was first seen
                },
                {
                    "coordinate": "User.name",
                    "reason": "Use fullName instead",  # from the schema: the declaration has none
                    "status": "sunset_warning",
                    "deprecatedOn": "2026-01-15",
                    "sunsetOn": "2026-12-15",
                    "replacement": "fullName",
                    "migrationGuide": "https://docs.example.org/migrations/full-name",
                },
            ]
        }

    def test_nothing_is_added_to_an_operation_that_uses_nothing_deprecated(self, schema) -> None:
        result = schema.execute_sync("{ viewer { id fullName } }")
        assert result.errors is None
        assert not result.extensions

    async def test_async_execution_says_the_same(self, schema) -> None:
        result = await schema.execute('{ users(filter: {role: GUEST, legacyGroup: "x"}) { id } }')
        assert [entry["coordinate"] for entry in result.extensions["deprecations"]] == [
            "Role.GUEST",
            "UserFilter.legacyGroup",
        ]

    def test_variables_are_looked_into(self, schema) -> None:
        result = schema.execute_sync(
            "query($f: UserFilter) { users(filter: $f) { id } }", variable_values={"f": {"role": "GUEST"}}
        )
        assert [entry["coordinate"] for entry in result.extensions["deprecations"]] == ["Role.GUEST"]
        clean = schema.execute_sync(
            "query($f: UserFilter) { users(filter: $f) { id } }", variable_values={"f": {"role": "ADMIN"}}
        )
        assert not clean.extensions

    def test_only_the_executed_operation_counts(self, schema, store) -> None:
        document = "query A { viewer { name } } query B { viewer { id } }"
        assert not schema.execute_sync(document, operation_name="B").extensions
        assert schema.execute_sync(document, operation_name="A").extensions["deprecations"][0]["coordinate"] == "User.name"
        assert counted(store, "User.name") == (1, 2)


class TestCounts:
    def test_every_operation_is_in_the_totals_and_users_in_the_usage(self, schema, store) -> None:
        schema.execute_sync("{ viewer { name } }")
        schema.execute_sync("{ viewer { name } }")
        schema.execute_sync("{ viewer { id } }")
        assert counted(store, "User.name") == (2, 3)
        assert store.clients(ENDPOINT, "User.name")[0].name is None  # no request: an unknown client

    def test_the_endpoint_is_the_name_given_when_there_is_no_request(self, schema, store) -> None:
        schema.execute_sync("{ viewer { name } }")
        store.flush()
        assert ENDPOINT in store.endpoints()

    def test_introspection_is_not_counted(self, schema, store) -> None:
        schema.execute_sync("{ viewer { id } }")
        result = schema.execute_sync("{ __schema { queryType { name } } __typename }")
        assert result.errors is None and not result.extensions
        assert counted(store, "User.name") == (0, 1)

    @pytest.mark.parametrize(
        "document",
        ["{ viewer { name ", "{ viewer { name nope } }", "query($f: UserFilter) { users(filter: $g) { id } }"],
        ids=["parse error", "unknown field", "undefined variable"],
    )
    def test_invalid_operations_are_not_counted(self, schema, store, document: str) -> None:
        schema.execute_sync("{ viewer { id } }")
        result = schema.execute_sync(document)
        assert result.errors
        assert not result.extensions
        assert counted(store, "User.name") == (0, 1)

    @pytest.mark.parametrize(
        "variables",
        [
            {"f": {"legacyGroup": 3}},
            {"f": {"role": "GUEST", "nope": 1}},
            {"f": {"role": "NOT_A_ROLE"}},
            {"f": "not an object"},
        ],
        ids=["wrong type", "unknown key", "unknown enum value", "not an object"],
    )
    def test_an_operation_whose_variables_do_not_coerce_is_not_counted(self, schema, store, variables) -> None:
        # graphql-core does not execute it: it reports the error, and the operation used nothing.
        schema.execute_sync("{ viewer { id } }")
        result = schema.execute_sync("query($f: UserFilter) { users(filter: $f) { id name } }", variable_values=variables)
        [error] = result.errors
        assert error.message.startswith("Variable '$f' has invalid value")
        assert not result.extensions
        assert counted(store, "User.name") == (0, 1)
        assert counted(store, "UserFilter.legacyGroup") == (0, 1)

    def test_a_removed_element_with_invalid_variables_gets_the_variable_error_not_gone(self, schema, store) -> None:
        document = "mutation($name: String!) { upload_attachment(filename: $name) }"
        result = schema.execute_sync(document, variable_values={"name": 7})
        assert [error.message for error in result.errors] == [
            "Variable '$name' has invalid value: String cannot represent a non string value: 7"
        ]
        assert not result.extensions
        assert schema.execute_sync(document, variable_values={"name": "a.txt"}).errors[0].extensions["code"] == "GONE"
        assert counted(store, "Mutation.upload_attachment") == (1, 1)

    def test_a_variable_with_many_unknown_keys_is_refused_without_being_read(self, schema, store) -> None:
        many = {f"key{number}": number for number in range(30_000)}
        many["legacyGroup"] = "x"  # deprecated, but the value is refused: not counted
        result = schema.execute_sync("query($f: UserFilter) { users(filter: $f) { id } }", variable_values={"f": many})
        assert result.errors and not result.extensions
        assert counted(store, "UserFilter.legacyGroup") == (0, 0)

    def test_long_client_headers_are_read_only_as_far_as_they_are_stored(self, schema, store) -> None:
        headers = [
            (b"apollographql-client-name", b"web-" + b"n" * 30_000),
            (b"apollographql-client-version", b"1.4." + b"9" * 30_000),
        ]
        request = Request({"type": "http", "method": "POST", "path": ENDPOINT, "headers": headers})
        identity = client_from_headers(SimpleNamespace(context={"request": request}))
        assert (len(identity.name), len(identity.version)) == (CLIENT_NAME_LENGTH, CLIENT_VERSION_LENGTH)
        assert schema.execute_sync("{ viewer { name } }", context_value={"request": request}).extensions
        store.flush()
        [client] = store.clients(ENDPOINT, "User.name")
        assert (client.name, client.version) == ("web-" + "n" * 60, "1.4." + "9" * 28)

    def test_the_adapter_reads_what_the_store_keeps(self) -> None:
        assert (client_identity.CLIENT_NAME_LENGTH, client_identity.CLIENT_VERSION_LENGTH) == (
            CLIENT_NAME_LENGTH,
            CLIENT_VERSION_LENGTH,
        )

    def test_a_client_identity_callable(self, store) -> None:
        usage = deprecation_usage(
            store=store, endpoint=ENDPOINT, today=lambda: TODAY,
            client_identity=lambda execution_context: (execution_context.context["app"], "7.1"),
        )
        schema = build_schema(usage)
        schema.execute_sync("{ viewer { name } }", context_value={"app": "batch-job"})
        store.flush()
        [client] = store.clients(ENDPOINT, "User.name")
        assert (client.name, client.version, client.operations) == ("batch-job", "7.1", 1)
        usage.close()


class TestRemovedMeansGone:
    MUTATION = 'mutation { upload_attachment(filename: "a.txt") }'

    def test_a_removed_element_is_rejected_with_the_gone_body_and_still_counted(self, schema, store) -> None:
        result = schema.execute_sync(self.MUTATION)
        assert result.data is None
        [error] = result.errors
        assert error.message == "Mutation.upload_attachment was removed on 2026-06-30"
        assert error.extensions == {
            "code": "GONE",
            "error": "Gone",
            "message": "Mutation.upload_attachment was removed on 2026-06-30",
            "replacement": "secure_file_upload",
            "migration_guide": "https://docs.example.org/migrations/secure-file-upload",
            "status_code": 410,
            "coordinate": "Mutation.upload_attachment",
            "removed_on": "2026-06-30",
        }
        assert result.extensions["deprecations"][0]["status"] == "removed"
        assert counted(store, "Mutation.upload_attachment") == (1, 1)

    async def test_rejected_in_async_execution_too(self, schema) -> None:
        result = await schema.execute(self.MUTATION)
        assert result.data is None
        assert result.errors[0].extensions["code"] == "GONE"

    def test_rolling_back_to_sunset_warning_makes_it_work_again(self, schema, store, usage) -> None:
        assert schema.execute_sync(self.MUTATION).errors
        store.update_deprecation(
            ENDPOINT, "Mutation.upload_attachment", {"status_override": Status.SUNSET_WARNING},
            actor="platform", why="partner X needs two more weeks",
        )
        usage.refresh()
        result = schema.execute_sync(self.MUTATION)
        assert result.errors is None
        assert result.data == {"upload_attachment": True}
        assert result.extensions["deprecations"][0]["status"] == "sunset_warning"

    def test_several_removed_elements_in_one_error(self, store) -> None:
        usage = deprecation_usage(store=store, endpoint=ENDPOINT, declared=DECLARED, today=lambda: TODAY)
        schema = build_schema(usage)
        usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
        for coordinate in ("User.name", "Query.users(offset:)"):
            store.update_deprecation(ENDPOINT, coordinate, {"status_override": "removed"}, actor="platform")
        usage.refresh()
        result = schema.execute_sync("{ viewer { name } users(offset: 1) { id } }")
        assert result.data is None
        [error] = result.errors
        assert error.message == "2 elements this operation uses were removed: Query.users(offset:), User.name"
        assert [removed["coordinate"] for removed in error.extensions["removed"]] == ["Query.users(offset:)", "User.name"]
        assert error.extensions["code"] == "GONE"
        usage.close()


class TestKnowsTheDates:
    def test_every_deprecated_element_is_registered_at_start_up(self, schema, store) -> None:
        records = {stored.record.coordinate: stored.record for stored in store.deprecations(ENDPOINT)}
        assert set(records) == {
            "Mutation.upload_attachment", "Query.users(offset:)", "Role.GUEST", "Subscription.legacyTicks",
            "User.name", "UserFilter.legacyGroup",
        }
        assert records["Mutation.upload_attachment"].sunset_on.isoformat() == "2026-06-30"  # declared
        assert records["Role.GUEST"].reason == "Guests are users now"
        assert records["Role.GUEST"].deprecated_on is not None  # the day it was first seen

    def test_the_store_wins_over_the_declaration(self, store) -> None:
        store.register_deprecations(ENDPOINT, DECLARED)
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": "2027-06-30"}, actor="platform", why="extended")
        usage = deprecation_usage(store=store, endpoint=ENDPOINT, declared=DECLARED, today=lambda: TODAY)
        schema = build_schema(usage)
        usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
        entry = schema.execute_sync("{ viewer { name } }").extensions["deprecations"][0]
        assert (entry["sunsetOn"], entry["status"]) == ("2027-06-30", "deprecated")
        usage.close()

    def test_changes_in_the_store_reach_a_running_process_without_a_restart(self, store) -> None:
        usage = deprecation_usage(
            store=store, endpoint=ENDPOINT, declared=DECLARED, today=lambda: TODAY, refresh_interval=0.05
        )
        schema = build_schema(usage)
        usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
        store.update_deprecation(ENDPOINT, "User.name", {"sunset_on": "2027-09-30"}, actor="platform", why="extend")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            entry = schema.execute_sync("{ viewer { name } }").extensions["deprecations"][0]
            if entry["sunsetOn"] == "2027-09-30":
                break
            time.sleep(0.02)
        assert entry["sunsetOn"] == "2027-09-30"
        usage.close()

    def test_an_endpoint_first_seen_on_a_request_is_registered_in_the_background(self, store) -> None:
        usage = deprecation_usage(store=store, endpoint="/lazy", declared=DECLARED, today=lambda: TODAY)
        schema = build_schema(usage)
        # Served at once from the declarations, before the store has answered:
        assert schema.execute_sync("{ viewer { name } }").extensions["deprecations"][0]["sunsetOn"] == "2026-12-15"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not store.deprecations("/lazy"):
            time.sleep(0.02)
        assert {stored.record.coordinate for stored in store.deprecations("/lazy")} >= {"User.name", "Role.GUEST"}
        usage.close()


class TestNeverTheCauseOfAFailure:
    def test_an_internal_error_is_logged_and_the_operation_proceeds(self, store, caplog) -> None:
        def broken(execution_context):
            raise RuntimeError("identity service exploded")

        usage = deprecation_usage(store=store, endpoint=ENDPOINT, client_identity=broken, today=lambda: TODAY)
        schema = build_schema(usage)
        with caplog.at_level(logging.ERROR, logger="gqlevolve.extensions"):
            result = schema.execute_sync("{ viewer { name } }")
        assert result.errors is None
        assert result.data == {"viewer": {"name": "Ada Lovelace"}}
        assert "identity service exploded" in caplog.text
        usage.close()

    def test_an_unreachable_store_does_not_stop_the_api(self, caplog) -> None:
        store = UsageStore("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1", handle_shutdown=False)
        usage = deprecation_usage(store=store, endpoint=ENDPOINT, declared=DECLARED, today=lambda: TODAY)
        schema = build_schema(usage)
        with caplog.at_level(logging.WARNING, logger="gqlevolve.extensions"):
            usage.on_app_startup(schema=schema, endpoint=ENDPOINT)
        assert "could not register the deprecation records" in caplog.text
        result = schema.execute_sync('mutation { upload_attachment(filename: "a") }')
        assert result.errors[0].extensions["code"] == "GONE"  # the declarations are served meanwhile
        assert schema.execute_sync("{ viewer { name } }").data == {"viewer": {"name": "Ada Lovelace"}}
        assert store.stats().pending_operations == 2  # counted in memory, waiting for the store
        usage.close()
        store.close()


# A child process that pushes operations through a real Strawberry schema with the extension and a real SQLite
# store, and prints how much its resident memory (VmRSS) grew, in MiB. argv: store URL, what to push, how many.
GROWTH_CHILD = """
import gc, sys
from starlette.requests import Request
from gqlevolve import UsageStore, deprecation_usage
from tests.extension_schema import TODAY, build_schema

def rss_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))

url, kind, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = UsageStore(url, handle_shutdown=False)
usage = deprecation_usage(store=store, endpoint="/rss", today=lambda: TODAY)
schema = build_schema(usage)
usage.on_app_startup(schema=schema, endpoint="/rss")

def operation(number):
    if kind == "documents":  # distinct 1 MB documents
        return "{ viewer { name } }" + " " * 1_000_000 + f"# {number}", None
    # distinct 30 KB client names and versions
    headers = [
        (b"apollographql-client-name", b"app%d-" % number + b"n" * 30_000),
        (b"apollographql-client-version", b"%d." % number + b"9" * 30_000),
    ]
    return "{ viewer { name } }", {"request": Request({"type": "http", "method": "POST", "path": "/rss", "headers": headers})}

def run(numbers):
    for number in numbers:
        query, context = operation(number)
        result = schema.execute_sync(query, context_value=context)
        assert result.errors is None and result.extensions, result.errors

run(range(-3, 0))
store.flush()
gc.collect()
before = rss_mib()
run(range(count))
store.flush()
gc.collect()
print(rss_mib() - before)
usage.close()
store.close()
"""


def memory_growth(url: str, kind: str, count: int) -> float:
    completed = subprocess.run(
        [sys.executable, "-c", GROWTH_CHILD, url, kind, str(count)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return float(completed.stdout.split()[-1])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
class TestMemoryIsBounded:
    """What a process keeps per distinct operation or client does not grow with the document's or header's size."""

    def test_distinct_large_documents(self, sqlite_url: str) -> None:
        # 50 distinct 1 MB documents: the analysis cache kept each text as its key (+48 MiB); it keeps a
        # 16-byte digest now (measured: +0.7 MiB).
        assert memory_growth(sqlite_url, "documents", 50) < 16

    def test_distinct_long_client_headers(self, sqlite_url: str) -> None:
        # 2,000 distinct 30 KB client names and versions: the store's name caches and inbox kept each raw value
        # (+133 MiB); they keep the 64 and 32 characters that are stored now (measured: +4 MiB).
        assert memory_growth(sqlite_url, "headers", 2_000) < 16


class TestConfiguration:
    def test_a_passed_class_says_how_to_use_it(self) -> None:
        with pytest.raises(TypeError, match=r"use strawberry.Schema\(..., extensions=\[deprecation_usage"):
            DeprecationUsageExtension()

    def test_a_store_is_required(self) -> None:
        with pytest.raises(TypeError, match="needs a UsageStore"):
            deprecation_usage(store=None)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"endpoint": " "}, "endpoint must be a non-empty name"),
            ({"client_identity": "x-client"}, "client_identity must be callable"),
            ({"refresh_interval": 0}, "refresh_interval must be a positive number"),
            ({"cache_size": 0}, "at least one entry"),
        ],
    )
    def test_bad_settings_are_refused(self, store, kwargs: dict, message: str) -> None:
        with pytest.raises((TypeError, ValueError), match=message):
            deprecation_usage(store=store, **kwargs)

    def test_each_request_gets_its_own_extension(self, usage) -> None:
        assert usage() is not usage()
        assert isinstance(usage(), DeprecationUsageExtension)
