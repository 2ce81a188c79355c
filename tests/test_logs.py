"""Issue 11, row 6: what a client sends reaches a log line escaped (``gqlevolve.logs``), never raw.

The helper's rules, then the admin API through Starlette's TestClient with the issue's exact path
(``GET /api/admin/<ESC>[2J<ESC>]0;pwned<BEL><CR>INFO: all good``), with and without a token, and the other
lines a request can reach: a refused body, a bug's traceback, the extension's internal error.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import quote

import pytest
import strawberry
from starlette.testclient import TestClient

from gqlevolve import UsageStore, deprecation_usage, versioned_app
from gqlevolve.clock import FixedClock
from gqlevolve.logs import loggable, loggable_text, loggable_traceback, request_logger
from tests.advisor_helpers.history import deprecate

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

#: The path of the issue: clear the screen, retitle the terminal, ring, return and forge a line.
INJECTED = "/api/admin/\x1b[2J\x1b]0;pwned\x07\rINFO: all good"
#: What a log line may never hold: escape, bell, carriage return, line feed (and the other controls).
FORBIDDEN = ("\x1b", "\x07", "\r", "\n", "\x9b", "\u2028", "\u202e", "\x7f")


def assert_clean(text: str) -> None:
    assert not [character for character in FORBIDDEN if character in text], repr(text)


# --- the helper ------------------------------------------------------------------------------------


def test_loggable_quotes_and_escapes_the_issues_path():
    shown = loggable(INJECTED)
    assert shown == '"/api/admin/\\u001b[2J\\u001b]0;pwned\\u0007\\rINFO: all good"'
    assert_clean(shown)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a\nb", '"a\\nb"'),
        ("tab\there", '"tab\\there"'),
        ("del\x7f", '"del\\u007f"'),
        ("csi\x9b2J", '"csi\\u009b2J"'),  # C1 control: a terminal's CSI in one byte
        ("line\u2028sep", '"line\\u2028sep"'),
        ("bidi\u202egnp.exe", '"bidi\\u202egnp.exe"'),
        ("zero\u200bwidth", '"zero\\u200bwidth"'),
        ("lone\ud800surrogate", '"lone\\ud800surrogate"'),
        ("café ünïcode 日本", '"café ünïcode 日本"'),  # printable text stays readable
        ('quote " and \\', '"quote \\" and \\\\"'),
        (30, "30"),
        (None, "null"),
        (True, "true"),
    ],
)
def test_loggable_escapes_what_is_not_printable(value, shown):
    assert loggable(value) == shown


def test_loggable_cuts_long_values():
    shown = loggable("x" * 500, limit=10)
    assert shown == '"xxxxxxxxxx"…'


def test_a_character_beyond_the_basic_plane_that_is_not_printable_is_a_surrogate_pair():
    assert loggable_text("tag\U000e0041") == "tag\\udb40\\udc41"  # a TAG character, a format character


def test_loggable_text_escapes_without_quoting():
    assert loggable_text('unknown endpoint "v9"\r\nINFO: forged') == 'unknown endpoint "v9"\\r\\nINFO: forged'
    assert loggable_text("abc", limit=2) == "ab…"


def test_a_traceback_keeps_its_frames_and_escapes_the_messages():
    try:
        try:
            raise KeyError("inner\x1b[2J")
        except KeyError as inner:
            raise ValueError(f"outer {INJECTED}") from inner
    except ValueError as error:
        text = loggable_traceback(error)
    lines = text.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert any(line.startswith('  File "') and "test_logs.py" in line for line in lines)
    assert "The above exception was the direct cause of the following exception:" in text
    assert "ValueError: outer /api/admin/\\u001b[2J\\u001b]0;pwned\\u0007\\rINFO: all good" in lines
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert not any(line.startswith("INFO") for line in lines)  # no forged line


def test_a_request_logger_formats_tracebacks_escaped_and_keeps_exc_info(caplog):
    logger = request_logger("gqlevolve.tests.logs")
    assert request_logger("gqlevolve.tests.logs") is logger and len(logger.filters) == 1  # added once
    with caplog.at_level(logging.ERROR, logger="gqlevolve.tests.logs"):
        try:
            raise RuntimeError("client says \r\nINFO: all good\x1b[2J")
        except RuntimeError:
            logger.exception("boom")
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    formatted = logging.Formatter().format(record)
    assert "RuntimeError: client says \\r\\nINFO: all good\\u001b[2J" in formatted
    assert "\x1b" not in formatted and "\r" not in formatted
    assert not any(line.startswith("INFO") for line in formatted.splitlines())


# --- the admin API ---------------------------------------------------------------------------------


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @strawberry.field(deprecation_reason="use hello")
    def old(self) -> str:
        return "old"


@pytest.fixture
def store(sqlite_url):
    with UsageStore(sqlite_url, migrate=True, handle_shutdown=False, clock=FixedClock(dt.date(2026, 11, 21))) as store:
        deprecate(store, "Query.old")
        yield store


@pytest.fixture
def client(store):
    return TestClient(versioned_app({"v1": strawberry.Schema(Query)}, store=store, admin_token=TOKEN))


def admin_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "gqlevolve.admin_api"]


def formatted(record: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, AUTH], ids=["no-token", "wrong", "token"])
def test_the_issues_path_is_logged_escaped(client, caplog, headers):
    caplog.set_level(logging.INFO, logger="gqlevolve.admin_api")
    response = client.get(quote(INJECTED, safe="/;:"), headers=headers)
    assert response.status_code == (404 if headers == AUTH else 401)
    [record] = admin_lines(caplog)
    text = formatted(record)
    assert_clean(text)
    assert '"/api/admin/\\u001b[2J\\u001b]0;pwned\\u0007\\rINFO: all good"' in text
    assert not text.startswith("INFO") or record.levelno == logging.INFO  # one line: its own level only
    if headers == AUTH:  # the 404 names the path JSON-style, its escapes intact in the JSON body
        assert response.json()["detail"] == f'no admin resource at "{INJECTED}"'.replace("\x1b", "\\u001b").replace(
            "\x07", "\\u0007").replace("\r", "\\r")


def test_a_forged_client_address_is_logged_escaped(store, caplog):
    app = versioned_app({"v1": strawberry.Schema(Query)}, store=store, admin_token=TOKEN)
    client = TestClient(app, client=("10.0.0.1\r\nINFO: forged", 123))
    caplog.set_level(logging.WARNING, logger="gqlevolve.admin_api")
    assert client.get("/api/admin/deprecations").status_code == 401
    [record] = admin_lines(caplog)
    assert_clean(formatted(record))
    assert '"10.0.0.1\\r\\nINFO: forged"' in record.getMessage()


def test_a_write_logs_its_actor_and_reason_escaped(client, caplog):
    caplog.set_level(logging.INFO, logger="gqlevolve.admin_api")
    response = client.post(
        "/api/admin/deprecations/Query.old/set",
        json={"sunset_on": "2030-01-01", "reason": "fix\r\nINFO: all good\x1b[2J", "actor": "eve\x07\u202e"},
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    [record] = admin_lines(caplog)
    assert_clean(formatted(record))
    assert record.getMessage() == (
        'admin API: "POST" "/api/admin/deprecations/Query.old/set" by "eve\\u0007\\u202e": '
        '"fix\\r\\nINFO: all good\\u001b[2J"'
    )


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/admin/eligibility", {"params": {"endpoint": INJECTED}}, 404),
        ("get", "/api/admin/eligibility/Query.old", {"params": {"as_of": INJECTED}}, 400),
        ("post", "/api/admin/deprecations/Query.old/extend", {"json": {"reason": INJECTED, "days": INJECTED}}, 400),
        ("post", "/api/admin/deprecations/Query.old/set", {"json": {"reason": "x", "actor": "\x1b" * 300}}, 400),
        ("post", "/api/admin/deprecations/Query.old/extend", {"content": INJECTED.encode()}, 400),
        # (a line feed in the path never reaches the admin API: Starlette's routes do not match it)
        ("get", "/api/admin/eligibility/" + quote("Query.old\x1b[2J\rINFO: x"), {}, 400),
        ("delete", "/api/admin/deprecations", {}, 405),
    ],
)
def test_a_refused_request_is_logged_escaped(client, caplog, method, path, kwargs, status):
    caplog.set_level(logging.INFO, logger="gqlevolve.admin_api")
    response = getattr(client, method)(path, headers=AUTH, **kwargs)
    assert response.status_code == status, response.text
    [record] = admin_lines(caplog)
    assert f": {status} " in record.getMessage()
    assert_clean(formatted(record))


def test_a_bugs_traceback_is_logged_escaped(client, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError(f"cannot handle {INJECTED}")

    monkeypatch.setattr("gqlevolve.admin_api.resources.deprecation_report", broken)
    caplog.set_level(logging.ERROR, logger="gqlevolve.admin_api")
    response = client.get("/api/admin/deprecations", params={"endpoint": "v1"}, headers=AUTH)
    assert response.status_code == 500
    [record] = admin_lines(caplog)
    text = formatted(record)
    assert "Traceback (most recent call last)" in text
    assert "ValueError: cannot handle /api/admin/\\u001b[2J\\u001b]0;pwned\\u0007\\rINFO: all good" in text
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert not any(line.startswith("INFO") for line in text.splitlines())


def test_the_extensions_internal_error_is_logged_escaped(store, caplog):
    def identity(execution_context):
        raise RuntimeError("no client \x1b]0;pwned\x07\r\nINFO: all good")

    schema = strawberry.Schema(Query, extensions=[deprecation_usage(store=store, client_identity=identity)])
    with caplog.at_level(logging.ERROR, logger="gqlevolve.extensions"):
        result = schema.execute_sync("{ old }")
    assert result.errors is None
    [record] = [record for record in caplog.records if record.name == "gqlevolve.extensions"]
    text = formatted(record)
    assert "RuntimeError: no client \\u001b]0;pwned\\u0007\\r\\nINFO: all good" in text
    assert "\x1b" not in text and "\r" not in text
    assert not any(line.startswith("INFO") for line in text.splitlines())

