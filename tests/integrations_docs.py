"""The snippets of ``docs/integrations/<page>.md``, as the tests run them.

Every fenced ``python`` block of a page is a snippet; a test runs one with :func:`run_snippet` in a namespace
that holds what the page says the reader already has (``schema``: a Strawberry schema with ``deprecation_usage``)
and reads the names it defines (``app``, ``application``, ``urlpatterns``). :func:`snippets` lists them, so that a
test can check that every snippet of every page is run by some test. The Django page (``django.md``) uses the
same mechanism.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs" / "integrations"

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def snippets(page: str) -> list[str]:
    """The ``python`` blocks of ``docs/integrations/<page>.md``, in order."""
    return _BLOCK.findall((DOCS / f"{page}.md").read_text(encoding="utf-8"))


def run_snippet(page: str, index: int = 0, **given: Any) -> dict[str, Any]:
    """Run the page's ``index``-th snippet with ``given`` names (``schema=...``); the names it leaves."""
    code = snippets(page)[index]
    namespace: dict[str, Any] = {"__name__": f"docs_integrations_{page}_{index}", **given}
    exec(compile(code, f"docs/integrations/{page}.md[{index}]", "exec"), namespace)
    return namespace
