"""One JSON POST, retried within the pass with exponential backoff on 5xx, 408, 429 and timeouts, never on 4xx.

The standard library's ``urllib`` with no redirect followed (a webhook that moved answers 3xx: a failure to fix,
not a request to resend elsewhere). The body read back is capped at :data:`REPLY_BYTES`.

    >>> post_json("http://127.0.0.1:1/hook", b"{}", {}, timeout=2, retries=1, backoff=0).status_code is None
    True
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from gqlevolve.notices.channels.outcome import Outcome

__all__ = ["REPLY_BYTES", "RETRY_STATUSES", "post_json"]

REPLY_BYTES = 2000
#: Statuses that say "try again later"; any other 4xx is the request's fault and is not repeated.
RETRY_STATUSES = frozenset({408, 425, 429})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _once(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            reply = response.read(REPLY_BYTES).decode("utf-8", "replace")
            return Outcome(True, response.status, reply)
    except urllib.error.HTTPError as error:
        reply = error.read(REPLY_BYTES).decode("utf-8", "replace") if error.fp else ""
        error.close()
        code = error.code
        permanent = 300 <= code < 500 and code not in RETRY_STATUSES
        return Outcome(False, code, reply or str(error.reason), permanent=permanent)
    except TimeoutError:
        return Outcome(False, None, f"no answer within {timeout:g} s")
    except urllib.error.URLError as error:
        reason = error.reason
        return Outcome(False, None, f"cannot reach {url.split('?')[0]}: {reason}")
    except (OSError, ValueError) as error:  # a connection reset mid-reply; a URL urllib cannot send
        return Outcome(False, None, f"{type(error).__name__}: {error}")


def post_json(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | Callable[[], Mapping[str, str]],
    *,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """POST ``body`` up to ``retries`` times: waiting ``backoff``, then twice that, ... between tries.

    ``headers`` may be a function: called for each try (a signature with a fresh timestamp)."""
    outcome = Outcome(False, None, "not sent")
    for attempt in range(1, max(1, retries) + 1):
        sent_headers = headers() if callable(headers) else headers
        outcome = _once(url, body, sent_headers, timeout)
        outcome = Outcome(outcome.sent, outcome.status_code, outcome.reply, outcome.permanent, attempt)
        if outcome.sent or outcome.permanent:
            return outcome
        if attempt < retries:
            sleep(backoff * 2 ** (attempt - 1))
    return outcome
