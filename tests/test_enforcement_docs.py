"""docs/enforcement.md's examples, run: the client teams' readiness check against a real app, the declaration, and
the window spellings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gqlevolve import UsageStore, VersionLifecycle, deprecation_usage, versioned_app
from gqlevolve.lifecycle import Deprecation, parse_window
from gqlevolve.monitor.declared import load_declarations
from tests.extension_schema import build_schema

PAGE = (Path(__file__).parents[1] / "docs" / "enforcement.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    store = UsageStore(sqlite_url, handle_shutdown=False)
    usage = deprecation_usage(store=store, declared=[Deprecation("User.name", deprecated_on=dt.date(2020, 1, 1))])
    app = versioned_app({"v1": build_schema(usage), "v2": build_schema(usage)}, store=store,
                        lifecycles={"v1": VersionLifecycle(deprecated_on=dt.date(2020, 1, 1), successor="v2")})
    with TestClient(app) as client:
        yield client
    usage.close()


def test_the_readiness_check_fails_on_what_will_break_and_passes_on_the_rest(client: TestClient) -> None:
    [snippet] = _blocks("python")
    namespace: dict[str, object] = {}
    exec(compile(snippet, "docs/enforcement.md", "exec"), namespace)
    check = namespace["assert_ready_for_the_next_schema"]
    check(client, "/api/v2/graphql", "{ viewer { fullName } }")  # type: ignore[operator]
    with pytest.raises(AssertionError, match=r"User\.name is deprecated and behaves as removed"):
        check(client, "/api/v2/graphql", "{ viewer { name } }")  # type: ignore[operator]
    with pytest.raises(AssertionError, match=r"/api/v1/graphql is deprecated and behaves as removed"):
        check(client, "/api/v1/graphql", "{ viewer { fullName } }")  # type: ignore[operator]


def test_the_declaration_and_the_window_spellings(tmp_path: Path) -> None:
    [toml] = _blocks("toml")
    path = tmp_path / "deprecations.toml"
    path.write_text(toml)
    record = load_declarations(path)["Mutation.upload_attachment"]
    assert record.refuse_new_adopters and record.brownouts == ("every tuesday 14:00-14:15 UTC from D-30",)
    windows = [line.split("#")[0].strip() for line in _blocks("")[1].splitlines() if line.strip()]
    assert [parse_window(window) for window in windows] == [
        "every tuesday 14:00-14:15 UTC from D-30", "every day 09:00-09:05 UTC from 2026-11-01",
        "every friday 16:00-17:00 UTC", "2026-12-01T14:00Z/2026-12-01T15:00Z",
    ]
