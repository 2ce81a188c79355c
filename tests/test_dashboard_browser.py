"""The dashboard in a real browser: Playwright driving Debian's Chromium (``/usr/bin/chromium``, which ``make``
installs where it is missing) against a real server on 127.0.0.1 over a seeded SQLite store.

The tests sign in, read each page (its numbers equal the command line's ``--json``), use an action and find it in
the audit history, check that a hostile client name renders inert (no dialog opens), read the pages with
JavaScript off, and run axe-core (``axe-playwright-python``, which ships it: no network) on each page: no serious
or critical violation. With ``GQLEVOLVE_DASHBOARD_SCREENSHOTS=docs/images/dashboard`` they also save a
screenshot of each page there (docs/dashboard.md shows them).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gqlevolve import UsageStore
from gqlevolve.asgi import versioned_app
from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import VersionLifecycle
from tests.extension_schema import build_schema
from tests.test_dashboard import ADMIN, AS_OF, HOSTILE_NAME, VIEWER, cli_json, seed, seed_refused

CHROMIUM = Path("/usr/bin/chromium")
SHOTS_ENV = "GQLEVOLVE_DASHBOARD_SCREENSHOTS"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
if not CHROMIUM.exists():  # pragma: no cover - the Makefile installs it wherever apt-get can
    pytest.skip(
        "no Chromium at /usr/bin/chromium and it could not be installed here (make chromium: apt-get install chromium)",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'gqlevolve.db'}"
    with UsageStore(url, clock=FixedClock(AS_OF), handle_shutdown=False) as store:
        seed(store)
        seed_refused(store)
    return url


@pytest.fixture(scope="module")
def server(db: str) -> Iterator[str]:
    """The API and the dashboard (``versioned_app(..., dashboard=...)``) under uvicorn on 127.0.0.1 (a port of its
    own), stopped after the module. ``gqlevolve dashboard`` (the dashboard alone) is tested in test_dashboard.py."""
    import uvicorn

    store = UsageStore(db, clock=FixedClock(AS_OF), handle_shutdown=False)
    # Next to the API, as versioned_app mounts it: v1 deprecated in favour of v2 (the versions page shows it).
    lifecycle = VersionLifecycle(deprecated_on=AS_OF - dt.timedelta(days=60), sunset_on=AS_OF + dt.timedelta(days=90),
                                 successor="v2")
    app = versioned_app({"v1": build_schema(), "v2": build_schema()}, store=store, admin_token=ADMIN,
                        lifecycles={"v1": lifecycle}, dashboard=VIEWER)
    port = _free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/dashboard"
    finally:
        running.should_exit = True
        thread.join(10)
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _page(browser: Any, base: str, token: str, *, javascript: bool = True, name: str = "alice") -> Any:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/")
    assert "/signin" in page.url
    page.fill("#token", token)
    page.fill("#name", name)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _no_serious_violations(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not serious, serious


def _cells(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_overview_shows_the_reports_numbers(server: str, browser: Any, db: str) -> None:
    page = _page(browser, server, VIEWER)
    page.goto(f"{server}/?endpoint=v1")
    report = cli_json(db, "deprecation-report", "--endpoint", "v1")
    assert isinstance(report, list)
    for row in report:
        line = page.locator(f'tr[data-coordinate="{row["coordinate"]}"]')
        share = "-" if row["share_30d"] is None else f"{row['share_30d']:.2%}"
        assert line.locator("td.share").inner_text() == share
        assert line.locator("td.clients").inner_text() == str(len(row["clients"]))
        refused = row["refused_30d"] or {}
        assert line.locator("td.refused").inner_text().split("\n")[0] == str(sum(refused.values()))
        assert row["status"] in line.inner_text()
    alerts = page.locator("ul.alerts").inner_text()
    assert "ALERT: above 10%" in alerts and "still called" in alerts and "may be removed now" in alerts
    assert page.locator("svg.sparkline").count() == len(report)
    _screenshot(page, "overview")
    _no_serious_violations(page)


def test_element_page_numbers_and_action_in_the_audit_log(server: str, browser: Any, db: str) -> None:
    page = _page(browser, server, ADMIN, name="alice")
    page.goto(f"{server}/element?endpoint=v1&coordinate=User.name")
    usage = cli_json(db, "usage-stats", "--endpoint", "v1", "--days", "90", "--coordinate", "User.name")
    assert isinstance(usage, dict)
    by_day = {day["day"]: day for day in usage["days"]}
    page.click("details summary")  # the chart's numbers, folded under it
    rows = page.locator("details table tbody tr")
    assert rows.count() == 90
    for index in range(rows.count()):
        cells = _cells(rows.nth(index), "td")
        day = by_day.get(cells[0])
        if day is None:
            assert cells[1] == "no data"
        else:
            coordinate = day["coordinates"]["User.name"]
            assert cells[1:] == [str(coordinate["operations"]), str(day["operations"]), f"{coordinate['share']:.2%}"]
    assert page.locator("svg.timeline").count() == 1 and "today" in page.locator("svg.timeline").inner_html()
    report = cli_json(db, "deprecation-report", "--endpoint", "v1")
    assert isinstance(report, list)
    [refused] = [row["refused_30d"] for row in report if row["coordinate"] == "User.name"]
    assert page.locator("p.refused").inner_text() == (
        "Refused (no new adopters / brownout / preview) in the last 30 days: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(refused.items())) + " (not counted as use)."
    )
    _no_serious_violations(page)
    page.fill("#extend-days", "14")
    page.fill("#extend-reason", "Partner X ships its fix on the 15th")
    page.click("form[action$='/action/extend'] button")
    page.wait_for_url("**done=extend**")
    assert "the sunset was extended" in page.locator("p.notice").inner_text()
    last = _cells(page.locator("table.audit tbody tr").last, "td")
    assert last[1:3] == ["alice", "sunset_on"] and last[5] == "Partner X ships its fix on the 15th"
    history = cli_json(db, "deprecation", "history", "--endpoint", "v1", "User.name", dated=False)
    assert isinstance(history, list) and history[-1]["why"] == "Partner X ships its fix on the 15th"
    assert last[4] == history[-1]["new_value"]
    _screenshot(page, "element")


def test_clients_page_and_a_hostile_name_inert(server: str, browser: Any, db: str) -> None:
    page = _page(browser, server, VIEWER)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server}/clients?endpoint=v1&sort=name&order=asc")
    report = cli_json(db, "client-versions", "--endpoint", "v1")
    assert isinstance(report, list)
    rows = page.locator("#clients tbody tr")
    assert rows.count() == len(report)
    shown = sorted(int(_cells(rows.nth(index), "td")[2]) for index in range(rows.count()))
    assert shown == sorted(client["operations"] for client in report)
    text = page.locator("#clients").inner_text()
    assert "<script>alert(1)</script>" in text  # shown as text ...
    assert page.locator("main script, main img").count() == 0  # ... never as an element
    titles = [page.locator("#clients td.client-name[title]").nth(index).get_attribute("title") or ""
              for index in range(rows.count())]
    assert any("\\u001b[2J\\r\\n" in title for title in titles)  # control characters shown escaped
    page.goto(f"{server}/element?endpoint=v1&coordinate=User.name")
    assert "<script>alert(1)</script>" in page.locator("main").inner_text()
    assert dialogs == []
    assert HOSTILE_NAME[:25] in page.locator("main").inner_text()
    page.goto(f"{server}/clients?endpoint=v1")
    _screenshot(page, "clients")
    _no_serious_violations(page)


def test_migration_page_is_the_reports(server: str, browser: Any, db: str) -> None:
    page = _page(browser, server, VIEWER)
    page.goto(f"{server}/migration?endpoint=v1&weeks=8")
    report = cli_json(db, "migration-report", "--endpoint", "v1", "--weeks", "8")
    assert isinstance(report, list)
    for coordinate in sorted({week["coordinate"] for week in report}):
        weeks = [week for week in report if week["coordinate"] == coordinate]
        rows = page.locator(f'table.migration[data-coordinate="{coordinate}"] tbody tr')
        assert rows.count() == len(weeks)
        for index, week in enumerate(weeks):
            cells = _cells(rows.nth(index), "td")
            assert cells[0] == f"{week['week_start']} to {week['week_end']}"
            assert cells[1:4] == [str(len(week["migrated"])), str(len(week["remaining"])), str(len(week["inactive"]))]
    assert any(week["migrated"] == ["android"] for week in report)  # the seed's migration shows
    _screenshot(page, "migration")
    _no_serious_violations(page)


def test_versions_page(server: str, browser: Any, db: str) -> None:
    page = _page(browser, server, VIEWER)
    page.goto(f"{server}/versions")
    for version in ("v1", "v2"):
        usage = cli_json(db, "usage-stats", "--endpoint", version, "--days", "30")
        assert isinstance(usage, dict)
        total = sum(day["operations"] for day in usage["days"])
        assert page.locator(f'tr[data-endpoint="/api/{version}/graphql"] td.operations').inner_text() == str(total)
    v1 = page.locator('tr[data-endpoint="/api/v1/graphql"]').inner_text()
    assert "deprecated" in v1 and (AS_OF + dt.timedelta(days=90)).isoformat() in v1 and "v2" in v1
    _screenshot(page, "versions")
    _no_serious_violations(page)


def test_readable_with_javascript_off(server: str, browser: Any) -> None:
    page = _page(browser, server, VIEWER, javascript=False)
    for path in ("/?endpoint=v1", "/element?endpoint=v1&coordinate=Role.GUEST", "/clients", "/migration", "/versions"):
        response = page.goto(f"{server}{path}")
        assert response is not None and response.status == 200, path
        assert page.locator("main h1").count() == 1
    page.goto(f"{server}/signin")
    _screenshot(page, "signin")


def test_an_admin_adds_a_consumer_on_the_clients_page(server: str, browser: Any, db: str) -> None:
    secret = "browser-webhook-secret-0123456789"
    page = _page(browser, server, ADMIN, name="alice")
    page.goto(f"{server}/clients?endpoint=v1")
    page.fill("#consumer-client", "ios")
    page.fill("#consumer-emails", "ios-team@example.com\nios-oncall@example.com")
    page.fill("#consumer-webhook", "https://ios.example/hooks/gqlevolve")
    page.fill("#consumer-secret", "too-short")
    page.click("#add-consumer button[type=submit]")
    assert "webhook_secret: a shared secret of 16" in page.locator("#consumer-problem").inner_text()
    assert page.input_value("#consumer-emails") == "ios-team@example.com\nios-oncall@example.com"  # kept ...
    assert page.input_value("#consumer-secret") == ""  # ... but the secret, typed again
    page.fill("#consumer-secret", secret)
    page.click("#add-consumer button[type=submit]")
    page.wait_for_url("**done=add**")
    assert "the contacts were registered" in page.locator("p.notice").inner_text()
    row = page.locator('#consumer-list tr[data-client="ios"]')
    cells = _cells(row, "td")
    assert cells[:5] == ["ios", "ios-team@example.com\nios-oncall@example.com", "-", "https://ios.example/hooks/gqlevolve",
                         "bro…(33 characters)"]
    assert secret not in page.content()
    listed = cli_json(db, "consumers", "list", dated=False)
    assert isinstance(listed, list)
    [ios] = [consumer for consumer in listed if consumer["client_name"] == "ios"]
    assert ios["emails"] == ["ios-team@example.com", "ios-oncall@example.com"]
    assert (ios["webhook_url"], ios["webhook_secret"]) == ("https://ios.example/hooks/gqlevolve", "bro…(33 characters)")
    _no_serious_violations(page)
