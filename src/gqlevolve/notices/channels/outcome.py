"""What a channel says of one delivery: sent, or failed (permanently or not), with the server's own words.

    >>> Outcome(sent=False, status_code=503, reply="Service Unavailable", permanent=False).retry
    True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Outcome"]


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: bool
    #: The HTTP status, or the SMTP reply code; None when nothing answered (refused connection, timeout).
    status_code: int | None
    reply: str
    #: Refused for good (a 4xx, a 5xx SMTP reply): retrying cannot help.
    permanent: bool = False
    #: Tries within this pass (HTTP retries).
    tries: int = 1

    @property
    def retry(self) -> bool:
        """Worth another pass."""
        return not self.sent and not self.permanent
