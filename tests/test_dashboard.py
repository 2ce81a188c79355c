"""The dashboard over Starlette's test client: sign-in, session cookie, CSRF, slowed wrong tokens, the pages'
numbers against the command line's ``--json``, admin actions through the audited procedures, hostile client names.

The browser tests (Playwright driving Chromium) are in ``test_dashboard_browser.py``; they share :func:`seed`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.testclient import TestClient

from gqlevolve import UsageStore
from gqlevolve.asgi import versioned_app
from gqlevolve.cli import main
from gqlevolve.clock import FixedClock
from gqlevolve.dashboard import dashboard_app
from gqlevolve.dashboard.app import Dashboard
from gqlevolve.dashboard.session import COOKIE_NAME, SignInThrottle
from gqlevolve.lifecycle import Deprecation
from gqlevolve.usage_store.signatures import signature_of
from gqlevolve.usage_store.tables import deprecation_usage, operation_totals
from gqlevolve.usage_store.writer import rebuild_daily_counts
from tests.extension_schema import build_schema

AS_OF = dt.date(2025, 6, 1)
V1, V2 = "/api/v1/graphql", "/api/v2/graphql"
VIEWER, ADMIN = "viewer-token-123", "admin-token-456"
HOSTILE_NAME = "<script>alert(1)</script>" + "x" * 500 + "\x1b[2J\r\nINFO forged"
HOSTILE_VERSION = '"><img src=x onerror=alert(2)>'


def _day(offset: int) -> dt.date:
    return AS_OF - dt.timedelta(days=offset)


def seed(store: UsageStore, *, hostile: bool = True) -> None:
    """Three deprecations on v1 and some traffic on v2, 100 days to AS_OF (included).

    - ``User.name``: sunset in 9 days (sunset_warning), ~20% of traffic: the policy's >10% alert;
    - ``Query.users(offset:)``: never used in the window, deprecated long ago: removable now;
    - ``Role.GUEST``: removed 10 days ago and still called by ``legacy`` (5 days ago): the removed-but-called alert;
    - ``android`` used User.name until 20 days ago and goes on without it: migrated;
    - a hostile client (``<script>``, 500 characters, control characters) uses User.name every 7th day.
    """
    for name, fields in {
        "User.name": {"deprecated_on": _day(200), "sunset_on": AS_OF + dt.timedelta(days=9), "replacement": "User.fullName"},
        "Query.users(offset:)": {"deprecated_on": _day(300)},
        "Role.GUEST": {"deprecated_on": _day(250), "sunset_on": _day(10)},
    }.items():
        store.update_deprecation(V1, name, fields, actor="seed", why="fixture", create=True)
    for offset in range(99, -1, -1):
        day = _day(offset)
        store.record_operation(V1, set(), client_name="ios", client_version="5.1", when=day, count=60)
        store.record_operation(V1, {"User.name"}, client_name="web", client_version="1.4", when=day, count=15)
        if offset >= 20:
            store.record_operation(V1, {"User.name"}, client_name="android", client_version="3.0", when=day, count=5)
        else:
            store.record_operation(V1, set(), client_name="android", client_version="3.1", when=day, count=5)
        if offset in (5, 40):
            store.record_operation(V1, {"Role.GUEST"}, client_name="legacy", client_version="0.9", when=day, count=2)
        store.record_operation(V2, set(), client_name="web", client_version="2.0", when=day, count=30)
    if hostile:  # rows no store would write (PostgreSQL keeps a client name to 64 characters): SQLite only
        _hostile_rows(store, [_day(offset) for offset in range(0, 100, 7)])


def seed_refused(store: UsageStore) -> None:
    """Operations refused or previewed on v1 (gqlevolve.reports.enforcement), apart from usage: in the last 30 days
    brownouts of ``User.name`` (ios, 3) and preview requests (web-tests, 2), a newcomer refused ``Role.GUEST`` (1);
    40 days ago, outside the pages' 30 days, one more brownout of ``User.name``."""
    for coordinate, kind, name, count, offset in (
        ("User.name", "brownout", "ios", 3, 2), ("User.name", "preview", "web-tests", 2, 0),
        ("Role.GUEST", "no_new_adopters", "newcomer", 1, 6), ("User.name", "brownout", "ios", 7, 40),
    ):
        store.record_buffered(V1, frozenset(), client_name=name, when=_day(offset), count=count,
                              enforced=frozenset({(coordinate, kind)}))
    store.flush()


def _hostile_rows(store: UsageStore, days: list[dt.date]) -> None:
    """The hostile client's rows, written straight into the tables: the store cleans a name it records (safe
    characters, 64 at most), so only a row from elsewhere (an older version, a hand-made import) can hold one.
    The dashboard must render it inert all the same. SQLite keeps any length; this seed is for SQLite stores."""
    signature = signature_of(frozenset({"User.name"}))
    common = {"endpoint": V1, "client_name": HOSTILE_NAME, "client_version": HOSTILE_VERSION, "count": 1}
    with store.engine.begin() as connection:
        connection.execute(deprecation_usage.insert(), [{**common, "signature": signature, "day": day} for day in days])
        connection.execute(operation_totals.insert(), [{**common, "day": day} for day in days])
        rebuild_daily_counts(connection)  # what an import that bypasses the writer must do (usage_store.writer)


def cli_json(db: str, *args: str, dated: bool = True) -> object:
    """``gqlevolve ARGS --json --as-of AS_OF --db DB`` (``dated=False``: without ``--as-of``), parsed: what the
    dashboard's numbers must equal."""
    as_of = ["--as-of", AS_OF.isoformat()] if dated else []
    result = CliRunner().invoke(main, [*args, "--json", *as_of, "--db", db])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[UsageStore]:
    with UsageStore(sqlite_url, clock=FixedClock(AS_OF), handle_shutdown=False) as opened:
        seed(opened)
        yield opened


def _dashboard(app: Starlette) -> Dashboard:
    for route in app.routes:
        state = getattr(getattr(route, "app", None), "state", None)
        if state is not None and hasattr(state, "dashboard"):
            return state.dashboard  # type: ignore[no-any-return]
    raise AssertionError("no dashboard mounted")


@pytest.fixture
def app(store: UsageStore) -> Starlette:
    built = dashboard_app(store, viewer_token=VIEWER, admin_token=ADMIN)
    _dashboard(built).throttle = SignInThrottle(first_delay=0.01, max_delay=0.1)  # the suite stays quick
    return built


def signin_form(client: TestClient, token: str, name: str = "alice", next_page: str | None = None) -> dict[str, str]:
    """The sign-in form's fields, its CSRF token read from the form (whose nonce's cookie the client now has)."""
    page = client.get("/dashboard/signin", params={"next": next_page} if next_page else None)
    return {"token": token, "name": name, "csrf": csrf_of(page.text)}


def sign_in(client: TestClient, token: str, name: str = "alice") -> None:
    response = client.post("/dashboard/signin", data=signin_form(client, token, name), follow_redirects=False)
    assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


# --- mounting ----------------------------------------------------------------------------------------


def test_not_mounted_without_a_token(store: UsageStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GQLEVOLVE_DASHBOARD_TOKEN", raising=False)
    client = TestClient(versioned_app({"v1": build_schema()}, store=store, dashboard=True))
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/signin").status_code == 404


def test_mounted_by_versioned_app_with_the_environment_token(store: UsageStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GQLEVOLVE_DASHBOARD_TOKEN", VIEWER)
    client = TestClient(versioned_app({"v1": build_schema()}, store=store, admin_token=ADMIN, dashboard=True))
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/dashboard/"
    sign_in(client, VIEWER)
    page = client.get("/dashboard/versions")
    assert page.status_code == 200
    assert re.search(r'data-endpoint="/api/v1/graphql">.*?<td>yes</td>', page.text, re.DOTALL)  # served here
    assert client.post("/api/v1/graphql", json={"query": "{ __typename }"}).status_code == 200  # the API still is


def test_example_server_serves_it_with_a_token(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``uvicorn example_server.app:app`` with ``$GQLEVOLVE_DASHBOARD_TOKEN`` set serves it; without, it does not."""
    import importlib

    monkeypatch.setenv("GQLEVOLVE_DB", sqlite_url)
    monkeypatch.setenv("GQLEVOLVE_DASHBOARD_TOKEN", VIEWER)
    import example_server.app  # builds nothing: the server is built when `app` is first asked for

    module = importlib.reload(example_server.app)
    try:
        client = TestClient(module.app)
        sign_in(client, VIEWER)
        assert client.get("/dashboard/versions").status_code == 200
    finally:
        module.usage.close()
        module.store.close()
    monkeypatch.delenv("GQLEVOLVE_DASHBOARD_TOKEN")
    module = importlib.reload(example_server.app)
    try:
        assert TestClient(module.app).get("/dashboard/").status_code == 404
    finally:
        module.usage.close()
        module.store.close()


# --- sign-in and the session cookie ------------------------------------------------------------------


def test_pages_need_a_session(app: Starlette) -> None:
    client = TestClient(app)
    for path in ("/dashboard/", "/dashboard/clients", "/dashboard/migration", "/dashboard/versions",
                 "/dashboard/element?coordinate=User.name"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/dashboard/signin?next=/dashboard/")


def test_the_cookie_is_signed_httponly_strict_and_expires(app: Starlette, store: UsageStore) -> None:
    client = TestClient(app)
    response = client.post("/dashboard/signin", data=signin_form(client, VIEWER), follow_redirects=False)
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith(COOKIE_NAME + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert re.search(r"Max-Age=\d+", cookie)
    assert VIEWER not in cookie
    assert client.get("/dashboard/versions").status_code == 200
    # A forged cookie (the payload changed, the signature kept) is no session.
    value = client.cookies[COOKIE_NAME]
    payload, signature = value.split(".")
    client.cookies.set(COOKIE_NAME, payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature)
    assert client.get("/dashboard/versions", follow_redirects=False).status_code == 303
    # An expired one neither: the clock moves a day on.
    client.cookies.set(COOKIE_NAME, value)
    assert isinstance(store.clock, FixedClock)
    store.clock.advance(days=1)
    assert client.get("/dashboard/versions", follow_redirects=False).status_code == 303


def test_wrong_tokens_are_logged_without_the_token_and_slowed(app: Starlette, caplog: pytest.LogCaptureFixture) -> None:
    _dashboard(app).throttle = SignInThrottle(first_delay=0.05, max_delay=1.0)
    client = TestClient(app)
    waits = []
    with caplog.at_level(logging.WARNING, logger="gqlevolve.dashboard"):
        for attempt in range(4):
            started = time.monotonic()
            response = client.post("/dashboard/signin", data=signin_form(client, f"guess-{attempt}-secret"))
            waits.append(time.monotonic() - started)
            assert response.status_code == 401
            assert "That token is not valid." in response.text
    assert waits[3] >= 0.4 > waits[0]  # 0.05, 0.1, 0.2, 0.4 s
    lines = [record.getMessage() for record in caplog.records if "wrong token" in record.getMessage()]
    assert len(lines) == 4
    assert not any("guess-" in line for line in lines)
    sign_in(client, VIEWER)  # the right token still works, and forgets the failures
    assert len(_dashboard(app).throttle) == 0


def test_the_throttle_remembers_a_bounded_number_of_addresses() -> None:
    throttle = SignInThrottle(first_delay=1.0, max_delay=4.0, max_tracked=3)
    assert [throttle.failed("10.0.0.1") for _ in range(4)] == [1.0, 2.0, 4.0, 4.0]
    for number in range(10):
        throttle.failed(f"192.0.2.{number}")
    assert len(throttle) == 3
    assert throttle.failed("10.0.0.1") == 1.0  # forgotten: the oldest went first


def test_next_stays_on_the_dashboard(app: Starlette) -> None:
    client = TestClient(app)
    for target in ("//evil.example/", "https://evil.example/", "/api/admin/history"):
        form = signin_form(client, VIEWER)
        response = client.post(f"/dashboard/signin?next={target}", data=form, follow_redirects=False)
        assert response.headers["location"] == "/dashboard/"


def test_the_signin_form_needs_its_csrf_token(app: Starlette) -> None:
    client = TestClient(app)
    form = signin_form(client, VIEWER)
    assert client.post("/dashboard/signin", data={**form, "csrf": "forged"}).status_code == 403
    other = TestClient(app)  # another browser: no nonce cookie for this token
    assert other.post("/dashboard/signin", data=form, follow_redirects=False).status_code == 403
    cross_site = client.post("/dashboard/signin", data=form, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    # Each answer with the form gives it a new nonce: the form as answered signs in.
    assert client.post("/dashboard/signin", data=signin_form(client, VIEWER), follow_redirects=False).status_code == 303


# --- actions: admin only, CSRF, same origin, reason, audited -----------------------------------------


def _element_page(client: TestClient, coordinate: str = "User.name") -> str:
    response = client.get("/dashboard/element", params={"endpoint": "v1", "coordinate": coordinate})
    assert response.status_code == 200, response.text
    return response.text


def test_a_viewer_sees_no_action_and_may_not_act(app: Starlette, store: UsageStore) -> None:
    client = TestClient(app)
    sign_in(client, VIEWER)
    html = _element_page(client)
    assert "/action/extend" not in html
    form = {"csrf": csrf_of(html), "endpoint": V1, "coordinate": "User.name", "days": "30", "reason": "try"}
    assert client.post("/dashboard/action/extend", data=form).status_code == 403
    assert {entry.actor for entry in store.audit_log(V1, "User.name")} == {"seed"}


def test_an_action_needs_the_csrf_token_and_this_site(app: Starlette, store: UsageStore) -> None:
    client = TestClient(app)
    sign_in(client, ADMIN)
    html = _element_page(client)
    form = {"endpoint": V1, "coordinate": "User.name", "days": "30", "reason": "Partner X ships on the 15th"}
    assert client.post("/dashboard/action/extend", data=form).status_code == 403
    assert client.post("/dashboard/action/extend", data={**form, "csrf": "forged"}).status_code == 403
    other_site = client.post(
        "/dashboard/action/extend", data={**form, "csrf": csrf_of(html)}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status_code == 403
    assert {entry.actor for entry in store.audit_log(V1, "User.name")} == {"seed"}  # nothing changed
    anonymous = TestClient(app).post("/dashboard/action/extend", data={**form, "csrf": csrf_of(html)})
    assert anonymous.status_code == 403


def test_an_action_goes_through_the_procedure_with_reason_and_actor(app: Starlette, store: UsageStore) -> None:
    client = TestClient(app)
    sign_in(client, ADMIN, name="alice")
    csrf = csrf_of(_element_page(client))
    form = {"csrf": csrf, "endpoint": "v1", "coordinate": "User.name", "days": "30"}
    missing = client.post("/dashboard/action/extend", data={**form, "reason": "  "})
    assert missing.status_code == 400 and "reason" in missing.text
    done = client.post("/dashboard/action/extend", data={**form, "reason": "Partner X ships on the 15th"},
                       follow_redirects=False)
    assert done.status_code == 303 and "done=extend" in done.headers["location"]
    [record] = [stored.record for stored in store.deprecations(V1) if stored.record.coordinate == "User.name"]
    assert record.sunset_on == AS_OF + dt.timedelta(days=39)
    entry = store.audit_log(V1, "User.name")[-1]
    assert (entry.actor, entry.why, entry.field) == ("alice", "Partner X ships on the 15th", "sunset_on")
    html = client.get(done.headers["location"]).text
    assert "the sunset was extended" in html and "Partner X ships on the 15th" in html
    # Roll back, and set the dates: each audited, a conflict or bad date a clear error.
    assert client.post("/dashboard/action/rollback", data={**form, "coordinate": "Role.GUEST", "reason": "bank"},
                       follow_redirects=False).status_code == 303
    bad = client.post("/dashboard/action/set", data={**form, "sunset_on": "2025-13-01", "reason": "typo"})
    assert bad.status_code == 400 and "2025-13-01" in bad.text
    unknown = client.post("/dashboard/action/extend", data={**form, "coordinate": "Nope.nope", "reason": "x"})
    assert unknown.status_code == 404
    assert client.post("/dashboard/action/set", data={**form, "sunset_on": "2025-09-01", "reason": "agreed"},
                       follow_redirects=False).status_code == 303
    assert [entry.why for entry in store.audit_log(V1)][-3:] == ["bank", "bank", "agreed"]


# --- pages: the command line's numbers, hostile names inert -----------------------------------------


def _row(html: str, coordinate: str) -> str:
    found = re.search(rf'<tr data-coordinate="{re.escape(coordinate)}">(.*?)</tr>', html, re.DOTALL)
    assert found, coordinate
    return found.group(1)


def test_overview_numbers_are_the_reports(app: Starlette, sqlite_url: str) -> None:
    client = TestClient(app)
    sign_in(client, VIEWER)
    html = client.get("/dashboard/", params={"endpoint": "v1"}).text
    report = cli_json(sqlite_url, "deprecation-report", "--endpoint", "v1")
    assert isinstance(report, list) and len(report) == 3
    for row in report:
        cells = _row(html, row["coordinate"])
        share = "-" if row["share_30d"] is None else f"{row['share_30d']:.2%}"
        assert f'<td class="num share">{share}</td>' in cells
        assert f'<td class="num clients">{len(row["clients"])}</td>' in cells
        assert row["status"] in cells
    assert "removable now" in _row(html, "Query.users(offset:)")
    alerts = html.split('id="alerts"')[1].split('id="elements"')[0]
    assert "ALERT: above 10%" in alerts and "still called" in alerts and "may be removed now" in alerts
    assert '<svg class="sparkline"' in html and "http" not in html.split("<body>")[1].replace('href="/', "")


def test_overview_counts_the_clients_of_the_rows_each_page_shows(app: Starlette, store: UsageStore) -> None:
    """A page of 100 rows counts its own rows' clients when it is first shown (views.SliceReads); the second page's
    count is that of its rows, and a reload reads it no more."""
    store.register_deprecations(V1, [Deprecation(f"Zz.f{index:03d}", deprecated_on=_day(150)) for index in range(100)],
                                actor="test")
    for client_name in ("web", "ios"):
        store.record_operation(V1, ["Zz.f099"], client_name=client_name, when=AS_OF, count=2)
    client = TestClient(app)
    sign_in(client, VIEWER)
    first = client.get("/dashboard/", params={"endpoint": "v1"}).text
    second = client.get("/dashboard/", params={"endpoint": "v1", "page": 2}).text
    assert "Page 1 of 2" in first and 'data-coordinate="Zz.f096"' in first and 'data-coordinate="Zz.f097"' not in first
    assert '<td class="num clients">2</td>' in _row(second, "Zz.f099")
    assert '<td class="num clients">0</td>' in _row(second, "Zz.f097")
    data = _dashboard(app).cache.get(("overview", V1, AS_OF), lambda: pytest.fail("the overview was not kept"))
    assert len(data.client_counts) == 2  # one read per page shown
    client.get("/dashboard/", params={"endpoint": "v1", "page": 2})
    assert len(data.client_counts) == 2


def test_hostile_client_names_render_inert(app: Starlette) -> None:
    client = TestClient(app)
    sign_in(client, VIEWER)
    for path in ("/dashboard/clients?endpoint=v1", "/dashboard/element?endpoint=v1&coordinate=User.name",
                 "/dashboard/migration?endpoint=v1"):
        html = client.get(path).text
        assert "<script>" not in html and "<img" not in html and "\x1b" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        shown = re.sub(r' title="[^"]*"', "", html)  # the whole name is only in a title (hover)
        assert "x" * 100 not in shown and "xxxxx…" in shown  # cut where it is shown
    clients_html = client.get("/dashboard/clients?endpoint=v1").text
    assert "\\u001b[2J\\r\\nINFO forged" in clients_html  # the control characters shown, escaped


def test_clients_sort_and_refuse_unknown_keys(app: Starlette, sqlite_url: str) -> None:
    client = TestClient(app)
    sign_in(client, VIEWER)
    report = cli_json(sqlite_url, "client-versions", "--endpoint", "v1")
    assert isinstance(report, list)
    html = client.get("/dashboard/clients", params={"endpoint": "v1", "sort": "name", "order": "asc"}).text
    names = re.findall(r'<td class="client-name" title="[^"]*">([^<]*)</td>', html)
    assert names == sorted(names) and len(names) == len(report)
    operations = [int(value) for value in re.findall(r'<td class="num">(\d+)</td>', html)]
    assert sorted(operations) == sorted(client["operations"] for client in report)
    assert client.get("/dashboard/clients", params={"sort": "drop table"}).status_code == 400


def test_unknown_endpoint_and_coordinate_are_clear_errors(app: Starlette) -> None:
    client = TestClient(app)
    sign_in(client, VIEWER)
    assert client.get("/dashboard/", params={"endpoint": "v9"}).status_code == 404
    assert client.get("/dashboard/element", params={"endpoint": "v1", "coordinate": "not a coordinate"}).status_code == 400
    assert client.get("/dashboard/element", params={"endpoint": "v1", "coordinate": "User.email"}).status_code == 404
    assert client.get("/dashboard/", params={"page": "99"}).status_code == 400


# --- the page cache -------------------------------------------------------------------------------------


def test_the_page_cache_reads_a_page_once_for_concurrent_readers() -> None:
    import threading

    from gqlevolve.dashboard.views import PageCache

    reads: list[int] = []

    def slow_read() -> int:
        time.sleep(0.2)
        reads.append(1)
        return 42

    cache = PageCache()
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("page", slow_read))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42, 42, 42, 42] and reads == [1]


def test_the_page_cache_serves_stale_pages_while_one_thread_reads_again() -> None:
    from gqlevolve.dashboard.views import PageCache

    reads: list[int] = []

    def read() -> int:
        reads.append(len(reads) + 1)
        return len(reads)

    cache = PageCache(seconds=0.05, max_stale=60)
    assert cache.get("page", read) == 1  # the first reader waits for the read
    assert cache.get("page", read) == 1  # fresh: no read
    time.sleep(0.06)
    assert cache.get("page", read) == 1  # stale: served, and read again in the background
    deadline = time.monotonic() + 5
    while cache.get("page", read) != 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert reads == [1, 2]
    cache.clear()  # a change through the dashboard: the next reader reads
    assert cache.get("page", read) == 3


# --- gqlevolve dashboard: a real server ----------------------------------------------------------------


def test_the_command_serves_the_dashboard(store: UsageStore, sqlite_url: str) -> None:
    import os
    import socket
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GQLEVOLVE_DASHBOARD_TOKEN": VIEWER}
    env.pop("GQLEVOLVE_ADMIN_TOKEN", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gqlevolve"), "dashboard", "--db", sqlite_url, "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/dashboard/signin", timeout=2) as answer:
                    assert answer.status == 200 and b"Sign in to the dashboard" in answer.read()
                    break
            except OSError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "gqlevolve dashboard did not answer"
                time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/dashboard/" in output


def test_a_signin_reads_the_pages_ahead(app: Starlette) -> None:
    client = TestClient(app)
    sign_in(client, VIEWER)
    cache = _dashboard(app).cache
    expected = [("overview", V1, AS_OF), ("versions", AS_OF), ("clients", V1, AS_OF), ("migration", V1, 8, AS_OF)]
    deadline = time.monotonic() + 30
    while not all(key in cache._entries for key in expected):
        assert time.monotonic() < deadline, list(cache._entries)
        time.sleep(0.05)


def test_every_page_on_both_backends(store_url: str) -> None:
    """The same pages on SQLite and PostgreSQL: the overview's numbers are the report's, every page answers."""
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as opened:
        seed(opened, hostile=False)
        client = TestClient(dashboard_app(opened, viewer_token=VIEWER))
        sign_in(client, VIEWER)
        html = client.get("/dashboard/", params={"endpoint": "v1"}).text
        report = cli_json(store_url, "deprecation-report", "--endpoint", "v1")
        assert isinstance(report, list) and len(report) == 3
        for row in report:
            share = "-" if row["share_30d"] is None else f"{row['share_30d']:.2%}"
            assert f'<td class="num share">{share}</td>' in _row(html, row["coordinate"])
        for path in ("/dashboard/element?endpoint=v1&coordinate=Role.GUEST", "/dashboard/clients?endpoint=v2",
                     "/dashboard/migration?endpoint=v1&weeks=12", "/dashboard/versions"):
            assert client.get(path).status_code == 200, path


def test_refused_operations_are_the_reports(store_url: str) -> None:
    """The overview's refused column and the element page's line: the deprecation report's ``refused_30d``."""
    with UsageStore(store_url, clock=FixedClock(AS_OF), migrate=True, handle_shutdown=False) as opened:
        seed(opened, hostile=False)
        seed_refused(opened)
        client = TestClient(dashboard_app(opened, viewer_token=VIEWER))
        sign_in(client, VIEWER)
        html = client.get("/dashboard/", params={"endpoint": "v1"}).text
        report = cli_json(store_url, "deprecation-report", "--endpoint", "v1")
        assert isinstance(report, list)
        refused = {row["coordinate"]: row["refused_30d"] for row in report}
        assert refused == {"User.name": {"brownout": 3, "preview": 2}, "Role.GUEST": {"no_new_adopters": 1},
                           "Query.users(offset:)": None}
        cells = _row(html, "User.name")
        assert '<td class="num refused">5<br><span class="muted">brownout 3 / preview 2</span></td>' in cells
        assert "no new adopters 1</span>" in _row(html, "Role.GUEST")
        assert '<td class="num refused">0</td>' in _row(html, "Query.users(offset:)")
        element = client.get("/dashboard/element", params={"endpoint": "v1", "coordinate": "User.name"}).text
        assert ("Refused (no new adopters / brownout / preview) in the last 30 days: brownout 3, preview 2 "
                "(not counted as use).") in element
        quiet = client.get("/dashboard/element", params={"endpoint": "v1", "coordinate": "Query.users(offset:)"}).text
        assert "Refused (no new adopters / brownout / preview) in the last 30 days: none." in quiet


# --- the clients page's contacts (gqlevolve.notices.consumers) ---------------------------------------

SECRET = "dashboard-webhook-secret-0123456789"
SLACK = "https://hooks.slack.com/services/T000/B000/SLACKPATHSECRET"


def _clients_page(client: TestClient) -> str:
    page = client.get("/dashboard/clients", params={"endpoint": "v1"})
    assert page.status_code == 200, page.text
    return page.text


def _add_consumer(test_client: TestClient, csrf: str, **fields: str):
    form = {"csrf": csrf, "client": "web", **fields}
    return test_client.post("/dashboard/consumers/add?endpoint=v1", data=form, follow_redirects=False)


def test_a_viewer_sees_the_contacts_masked_but_no_form_and_may_not_post(app: Starlette, store: UsageStore) -> None:
    from gqlevolve.notices import add_consumer, list_consumers

    add_consumer(store, "web", emails=["web-team@example.com"], slack_url=SLACK, webhook_url="https://web.example/hook",
                 webhook_secret=SECRET)
    client = TestClient(app)
    sign_in(client, VIEWER)
    html = _clients_page(client)
    row = re.search(r'<tr data-client="web">.*?</tr>', html, re.DOTALL)
    assert row, html
    assert "web-team@example.com" in row.group(0) and "https://web.example/hook" in row.group(0)
    assert "das…(35 characters)" in row.group(0) and "https://hooks.slack.com/…" in row.group(0)
    assert SECRET not in html and "SLACKPATHSECRET" not in html
    assert "/consumers/add" not in html and "/consumers/remove" not in html and 'id="add-consumer"' not in html
    csrf = csrf_of(html)  # the sign-out form's: a viewer's valid token
    refused = _add_consumer(client, csrf, emails="new@example.com")
    assert refused.status_code == 403 and "only an admin" in refused.text
    removed = client.post("/dashboard/consumers/remove?endpoint=v1", data={"csrf": csrf, "client": "web"})
    assert removed.status_code == 403
    assert [consumer.emails for consumer in list_consumers(store)] == [("web-team@example.com",)]


def test_consumer_forms_need_the_csrf_token_and_this_site(app: Starlette, store: UsageStore) -> None:
    from gqlevolve.notices import list_consumers

    client = TestClient(app)
    sign_in(client, ADMIN)
    csrf = csrf_of(_clients_page(client))
    assert _add_consumer(client, "forged", emails="a@example.com").status_code == 403
    assert client.post("/dashboard/consumers/add?endpoint=v1", data={"client": "web", "emails": "a@example.com"}).status_code == 403
    other_site = client.post("/dashboard/consumers/add?endpoint=v1", data={"csrf": csrf, "client": "web", "emails": "a@example.com"},
                             headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    anonymous = TestClient(app).post("/dashboard/consumers/add", data={"csrf": csrf, "client": "web", "emails": "a@example.com"})
    assert anonymous.status_code == 403
    assert list_consumers(store) == []


@pytest.mark.parametrize(
    ("fields", "status", "problem"),
    [
        ({"emails": "web-team@example.com\nops@"}, 400, "email: &#34;ops@&#34; is not an email address"),
        ({"emails": "", "slack_url": "hooks.slack.com/x"}, 400, "slack_url: &#34;hooks.slack.com/x&#34; is not an http:// or https:// URL"),
        ({"webhook_url": "https://web.example/hook"}, 400, "webhook_secret: a webhook needs a shared secret"),
        ({"webhook_url": "https://web.example/hook", "webhook_secret": "short-secret"}, 400, "webhook_secret: a shared secret of 16"),
        ({"webhook_url": "ftp://web.example/hook", "webhook_secret": SECRET}, 400, "webhook_url: &#34;ftp://web.example/hook&#34; is not"),
        ({"client": "web<script>", "emails": "a@example.com"}, 400, "client: &#34;web&lt;script&gt;&#34; is not a client name"),
        ({"emails": ""}, 400, "a consumer needs at least one contact"),
    ],
)
def test_bad_contacts_are_shown_on_the_page_and_no_secret_is(
    app: Starlette, store: UsageStore, fields: dict[str, str], status: int, problem: str
) -> None:
    from gqlevolve.notices import list_consumers

    client = TestClient(app)
    sign_in(client, ADMIN)
    csrf = csrf_of(_clients_page(client))
    answer = _add_consumer(client, csrf, **{"emails": "web-team@example.com", **fields})
    assert answer.status_code == status
    shown = re.search(r'<p class="problem" role="alert" id="consumer-problem">([^<]*)</p>', answer.text)
    assert shown and problem in shown.group(1), answer.text
    assert 'id="add-consumer"' in answer.text and 'id="clients"' in answer.text  # the page, its form to correct
    assert fields.get("webhook_secret", "never-typed") not in answer.text and SECRET not in answer.text
    assert "<script>" not in answer.text.split("<main", 1)[1]
    if "emails" in fields and fields["emails"]:
        assert fields["emails"] in answer.text  # what was typed stays in the form
    assert list_consumers(store) == []


def test_an_admin_adds_replaces_and_removes_contacts_as_the_command_line_lists_them(
    app: Starlette, store: UsageStore, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(app)
    sign_in(client, ADMIN, name="alice")
    html = _clients_page(client)
    assert re.search(r'<datalist id="unregistered-clients">.*<option value="web">', html)
    csrf = csrf_of(html)
    with caplog.at_level(logging.INFO, logger="gqlevolve.dashboard"):
        added = _add_consumer(client, csrf, emails="web-team@example.com, oncall@example.com", slack_url=SLACK,
                              webhook_url="https://web.example/hook", webhook_secret=SECRET)
    assert added.status_code == 303 and added.headers["location"] == "/dashboard/clients?done=add&endpoint=v1#consumers"
    assert any("consumer \"web\" added by \"alice\"" in record.getMessage() for record in caplog.records)
    page = client.get(added.headers["location"]).text
    assert "the contacts were registered" in page and SECRET not in page and "SLACKPATHSECRET" not in page
    listed = CliRunner().invoke(main, ["consumers", "list", "--json", "--db", sqlite_url])
    [consumer] = json.loads(listed.stdout)
    assert consumer["emails"] == ["web-team@example.com", "oncall@example.com"]
    assert (consumer["slack_url"], consumer["webhook_secret"]) == ("https://hooks.slack.com/…", "das…(35 characters)")
    for shown in (consumer["slack_url"], consumer["webhook_url"], consumer["webhook_secret"]):
        assert shown in page  # the page shows what the command line shows
    conflict = _add_consumer(client, csrf, emails="new@example.com")
    assert conflict.status_code == 409 and "already has a consumer; remove it first, or add with replace" in conflict.text
    assert _add_consumer(client, csrf, emails="new@example.com", replace="1").status_code == 303
    [replaced] = json.loads(CliRunner().invoke(main, ["consumers", "list", "--json", "--db", sqlite_url]).stdout)
    assert (replaced["emails"], replaced["webhook_url"]) == (["new@example.com"], None)
    removed = client.post("/dashboard/consumers/remove?endpoint=v1", data={"csrf": csrf, "client": "web"}, follow_redirects=False)
    assert removed.status_code == 303
    assert "the contacts were removed" in client.get(removed.headers["location"]).text
    assert json.loads(CliRunner().invoke(main, ["consumers", "list", "--json", "--db", sqlite_url]).stdout) == []
    again = client.post("/dashboard/consumers/remove?endpoint=v1", data={"csrf": csrf, "client": "web"})
    assert again.status_code == 404 and 'no consumer for client &#34;web&#34;' in again.text
