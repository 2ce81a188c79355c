"""The request path's inbox (``gqlevolve.usage_store.buffer``): ``record_buffered`` never raises and takes
anything; each distinct observation is validated, cleaned and capped once, when the inbox is drained."""

from __future__ import annotations

import datetime as dt
import sys

from gqlevolve.clock import FixedClock
from gqlevolve.usage_store import OTHER_CLIENT, DailyUsage, UsageStore
from gqlevolve.usage_store import buffer as buffer_module
from gqlevolve.usage_store.buffer import ObservationBuffer
from gqlevolve.usage_store.recorder import Recorder
from gqlevolve.usage_store.tables import CLIENT_NAME_LENGTH, CLIENT_VERSION_LENGTH

ENDPOINT = "/api/v1/graphql"
DAY = dt.date(2025, 6, 1)



def test_the_inbox_counts_into_the_recorder_only_when_drained() -> None:
    recorder = Recorder(max_pending=100)
    buffer = ObservationBuffer(recorder, FixedClock(DAY), max_clients_per_day=10)
    for _ in range(1_000):
        assert buffer.add(ENDPOINT, frozenset({"User.name"}), " web ", "1.0", None, 1) is False
    buffer.add(ENDPOINT, frozenset(), "web", "1.0", None, 2)
    assert recorder.stats().pending_operations == 0  # the request path only fills the inbox
    buffer.drain()
    batch = recorder.take()
    assert batch.totals == {(ENDPOINT, DAY, "web", "1.0"): 1_002}  # " web " cleaned once, at draining
    assert list(batch.usage.values()) == [1_000]
    buffer.drain()  # an empty inbox: nothing more
    assert recorder.stats().pending_operations == 0


def test_a_full_inbox_is_drained_by_the_request_that_finds_it_so(monkeypatch) -> None:
    monkeypatch.setattr(buffer_module, "INBOX_DRAIN_SIZE", 3)
    buffer = ObservationBuffer(Recorder(max_pending=100), FixedClock(DAY), max_clients_per_day=10)
    full = [buffer.add(ENDPOINT, frozenset(), f"client{i}", None, None, 1) for i in range(3)]
    assert full == [False, False, True]  # the third distinct key fills it
    buffer.drain()
    assert buffer.add(ENDPOINT, frozenset(), "client0", None, None, 1) is False


def test_buffered_recording_never_raises_on_bad_arguments(store):
    store.record_buffered("", frozenset({"User.name"}))
    store.record_buffered(ENDPOINT, frozenset({""}))
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), count=0)
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when="yesterday")  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), count="3")  # type: ignore[arg-type]
    assert store.stats().rejected == 5
    assert store.flush() == 0


def test_buffered_recording_takes_unhashable_arguments(store):
    # A list of coordinates or an odd client name cannot key the inbox: they are counted all the same.
    store.record_buffered(ENDPOINT, ["User.name"], client_name=["web"], when=DAY)  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, ["User.name"], client_name=["web"], when=DAY)  # type: ignore[arg-type]
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), when=dt.datetime.combine(DAY, dt.time(23, 59)))
    assert store.flush() == 3
    assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(DAY, 3, 3)]
    assert store.stats().rejected == 0


def test_client_names_and_versions_are_trimmed_to_a_sane_charset(store):
    store.record_operation(ENDPOINT, {"User.name"}, client_name="  My\nApp\t<script>  ", client_version="1.0 beta\x00", when=DAY)
    store.record_operation(ENDPOINT, {"User.name"}, client_name="n" * 500, client_version="v" * 500, when=DAY)
    store.record_operation(ENDPOINT, {"User.name"}, client_name="Ünïcødé ✓", when=DAY)
    names = {(client.name, client.version) for client in store.clients(ENDPOINT, "User.name")}
    assert names == {
        ("My App _script_", "1.0 beta_"),
        ("n" * CLIENT_NAME_LENGTH, "v" * CLIENT_VERSION_LENGTH),
        ("_n_c_d_ _", None),
    }


def long_client(number: int) -> tuple[str, str]:
    """A distinct 30 KB client name and version, as a client may send in its headers."""
    return f"app{number}-" + "n" * 30_000, f"{number}." + "9" * 30_000


def bytes_held(cache: dict) -> int:
    return sys.getsizeof(cache) + sum(sys.getsizeof(key) + sys.getsizeof(value) for key, value in cache.items())


def test_long_client_names_and_versions_are_cut_before_the_inbox_keeps_them() -> None:
    buffer = ObservationBuffer(Recorder(max_pending=100_000), FixedClock(DAY), max_clients_per_day=100_000)
    for number in range(100):
        buffer.add(ENDPOINT, frozenset({"User.name"}), *long_client(number), None, 1)
    names = {key[2] for key in buffer._inbox}
    versions = {key[3] for key in buffer._inbox}
    assert max(map(len, names)) == CLIENT_NAME_LENGTH and max(map(len, versions)) == CLIENT_VERSION_LENGTH
    buffer.drain()
    batch = buffer.recorder.take()
    assert ("/api/v1/graphql", DAY, "app7-" + "n" * 59, "7." + "9" * 30) in batch.totals


def test_the_name_caches_are_bounded_in_bytes_whatever_the_clients_send() -> None:
    buffer = ObservationBuffer(Recorder(max_pending=1_000_000), FixedClock(DAY), max_clients_per_day=100)
    for number in range(20_000):  # twice what the caches hold: they start over once
        buffer.add(ENDPOINT, frozenset({"User.name"}), *long_client(number), None, 1)
        if number % 5_000 == 4_999:
            buffer.drain()
            buffer.recorder.take()
    # At most 10,000 entries of at most 64 (32) ASCII characters, key and cleaned value: some 3 MB and 2.5 MB,
    # where the raw 30 KB values would have taken 600 MB.
    assert 0 < bytes_held(buffer._names) < 3_000_000
    assert 0 < bytes_held(buffer._versions) < 2_500_000
    assert max(map(len, buffer._names)) == CLIENT_NAME_LENGTH
    # Anything but a string is cleaned each time, never cached.
    buffer.count(lambda *_: None, ENDPOINT, {"User.name"}, b"x" * 30_000, 7, DAY, 1)
    assert all(type(key) is str for key in (*buffer._names, *buffer._versions))


def test_only_the_characters_that_are_stored_are_read(store):
    # Buffered or written straight through, a name is cleaned from its first 64 characters, a version from 32.
    name = "a" * 60 + " " * 30_000 + "tail"
    version = "1.0" + "\t" * 40 + "beta"
    store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name=name, client_version=version, when=DAY)
    store.record_operation(ENDPOINT, {"User.name"}, client_name=name, client_version=version, when=DAY)
    store.flush()
    assert [(client.name, client.version, client.operations) for client in store.clients(ENDPOINT, "User.name")] == [
        ("a" * 60, "1.0", 2)
    ]


def test_clients_past_the_daily_cap_are_counted_as_other(store_url):
    with UsageStore(store_url, migrate=True, max_clients_per_day=3, handle_shutdown=False) as store:
        for i in range(6):
            store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name=f"app{i}", client_version="1", when=DAY)
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="app1", client_version="1", when=DAY)
        # The cap is per day: a new day admits new clients again.
        store.record_buffered(ENDPOINT, frozenset({"User.name"}), client_name="app5", client_version="1", when=DAY + dt.timedelta(days=1))
        store.flush()
        clients = {(c.name, c.version): c.operations for c in store.clients(ENDPOINT, "User.name")}
    assert clients == {("app0", "1"): 1, ("app1", "1"): 2, ("app2", "1"): 1, (OTHER_CLIENT, None): 3, ("app5", "1"): 1}
