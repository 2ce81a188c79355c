"""RFC 9457 problem details: the body of every error gqlevolve's HTTP interfaces answer.

Example: ``extra`` members are added to the body.

    >>> response = ProblemResponse(404, "Unknown API version", "there is no version v9", versions=["v1", "v2"])
    >>> response.status_code, response.headers["content-type"]
    (404, 'application/problem+json')
    >>> import json
    >>> json.loads(response.body)
    {'type': 'about:blank', 'title': 'Unknown API version', 'status': 404, 'detail': 'there is no version v9', 'versions': ['v1', 'v2']}
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["PROBLEM_JSON", "ProblemResponse"]

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    """An ``application/problem+json`` response; ``extra`` members are added to the body."""

    media_type = PROBLEM_JSON

    def __init__(self, status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(
            {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}, status, headers=headers
        )
