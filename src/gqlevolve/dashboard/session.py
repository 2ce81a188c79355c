"""The dashboard's sessions: a token traded for a signed cookie, a CSRF token per session, slowed wrong tokens.

A session is ``<payload>.<signature>``: the payload (URL-safe base64 of a small JSON object: role, actor name,
expiry, a random nonce) signed with HMAC-SHA256 (the standard library's ``hmac``: no new dependency). The key is
derived from the configured tokens, so every worker of a server agrees on it without sharing a secret, and a
token that is changed ends every session signed under it. The cookie is ``HttpOnly`` (no script reads it),
``SameSite=Strict`` (no other site's page sends it) and expires (``Max-Age`` and the signed expiry, whichever
comes first). Each form that changes something carries :meth:`SessionSigner.csrf_token`, an HMAC of the
session's nonce, compared in constant time; the sign-in form, before there is a session, carries
:meth:`SessionSigner.signin_token` of a nonce kept in its own short-lived cookie.

:class:`SignInThrottle` slows wrong tokens down: each failure from one client address doubles the delay before
the answer (up to :data:`MAX_DELAY_SECONDS`), for :data:`FORGET_AFTER_SECONDS`; at most :data:`MAX_TRACKED`
addresses are remembered (the oldest forgotten first), so a flood of addresses cannot grow memory.

Example (``clock``: a :class:`~gqlevolve.clock.FixedClock`):

    >>> signer = SessionSigner(viewer_token="read-me", admin_token="change-me", clock=clock)
    >>> signer.role_of("read-me"), signer.role_of("change-me"), signer.role_of("guess")
    ('viewer', 'admin', None)
    >>> cookie = signer.issue("admin", actor="alice")
    >>> session = signer.read(cookie)
    >>> session.role, session.actor, session.may_change
    ('admin', 'alice', True)
    >>> signer.check_csrf(session, signer.csrf_token(session)), signer.check_csrf(session, "forged")
    (True, False)
    >>> signer.read(cookie[:-2] + "xx") is None         # a signature that does not match: no session
    True
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from gqlevolve.clock import SYSTEM_CLOCK, Clock

__all__ = [
    "COOKIE_NAME",
    "FORGET_AFTER_SECONDS",
    "MAX_DELAY_SECONDS",
    "MAX_TRACKED",
    "SESSION_SECONDS",
    "SIGNIN_COOKIE",
    "Role",
    "Session",
    "SessionSigner",
    "SignInThrottle",
]

Role = Literal["viewer", "admin"]

#: The session cookie's name.
COOKIE_NAME = "gqlevolve_dashboard"
#: The sign-in form's cookie (its CSRF nonce).
SIGNIN_COOKIE = "gqlevolve_dashboard_signin"
#: How long a session lasts (8 hours: a working day, then sign in again).
SESSION_SECONDS = 8 * 3600
#: The longest a wrong token's answer is delayed.
MAX_DELAY_SECONDS = 8.0
#: A client address's failures are forgotten this long after its last one.
FORGET_AFTER_SECONDS = 15 * 60
#: The most client addresses whose failures are remembered at once.
MAX_TRACKED = 4096
# A cookie longer than this is not read at all (ours are about 150 bytes).
_MAX_COOKIE = 1024


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in reader (``viewer``) or admin; ``actor`` is the name the audit log records for its changes."""

    role: Role
    actor: str
    expires: int
    nonce: str

    @property
    def may_change(self) -> bool:
        return self.role == "admin"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Issues and reads the session cookie of a dashboard guarded by ``viewer_token`` (and ``admin_token``)."""

    def __init__(
        self,
        *,
        viewer_token: str,
        admin_token: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
        session_seconds: int = SESSION_SECONDS,
        secret: bytes | None = None,
    ) -> None:
        if not viewer_token:
            raise ValueError("the dashboard needs a non-empty viewer token")
        self._viewer = viewer_token.encode()
        self._admin = admin_token.encode() if admin_token else None
        self.clock = clock
        self.session_seconds = session_seconds
        # Derived from the tokens (unless given): every worker agrees, and a changed token ends the old sessions.
        material = b"gqlevolve-dashboard-session\0" + self._viewer + b"\0" + (self._admin or b"")
        self._key = secret if secret is not None else hashlib.sha256(material).digest()

    def role_of(self, token: str) -> Role | None:
        """The role a token signs in as; None for a wrong one (compared in constant time, the admin's first)."""
        given = token.encode()
        if self._admin is not None and hmac.compare_digest(given, self._admin):
            return "admin"
        if hmac.compare_digest(given, self._viewer):
            return "viewer"
        return None

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, role: Role, *, actor: str) -> str:
        """A new session's cookie value."""
        body = {"r": role, "a": actor, "e": self._now() + self.session_seconds, "n": secrets.token_urlsafe(12)}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def read(self, cookie: str | None) -> Session | None:
        """The session of a cookie value; None when it is missing, forged, malformed or expired."""
        if not cookie or len(cookie) > _MAX_COOKIE or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
            session = Session(role=body["r"], actor=str(body["a"]), expires=int(body["e"]), nonce=str(body["n"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if session.role not in ("viewer", "admin") or session.expires <= self._now():
            return None
        if session.role == "admin" and self._admin is None:  # an admin session outlives no admin token
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        """The token every changing form of ``session`` carries."""
        return _b64(hmac.new(self._key, b"csrf\0" + session.nonce.encode(), hashlib.sha256).digest())

    def check_csrf(self, session: Session, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given), self.csrf_token(session))

    def signin_nonce(self) -> str:
        """A new sign-in form's nonce (its cookie, :data:`SIGNIN_COOKIE`); the form carries its
        :meth:`signin_token`, so that no other site's page can sign a browser in."""
        return secrets.token_urlsafe(16)

    def signin_token(self, nonce: str) -> str:
        return _b64(hmac.new(self._key, b"signin\0" + nonce.encode(), hashlib.sha256).digest())

    def check_signin(self, nonce: str | None, given: str | None) -> bool:
        return bool(nonce) and bool(given) and hmac.compare_digest(str(given), self.signin_token(str(nonce)))


class SignInThrottle:
    """Per client address, how long the answer to its next wrong token waits: 0.5 s, then doubling.

    Memory is bounded (:data:`MAX_TRACKED` addresses, the least recent forgotten first) and a failure is
    forgotten :data:`FORGET_AFTER_SECONDS` after an address's last one. Time here is ``time.monotonic``: a
    duration, never a date.
    """

    def __init__(
        self, *, first_delay: float = 0.5, max_delay: float = MAX_DELAY_SECONDS, max_tracked: int = MAX_TRACKED
    ) -> None:
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_tracked = max_tracked
        self._failures: collections.OrderedDict[str, tuple[int, float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def failed(self, address: str) -> float:
        """Count a wrong token from ``address``; the seconds its answer waits."""
        now = time.monotonic()
        with self._lock:
            count, last = self._failures.pop(address, (0, now))
            if now - last > FORGET_AFTER_SECONDS:
                count = 0
            count += 1
            self._failures[address] = (count, now)
            while len(self._failures) > self.max_tracked:
                self._failures.popitem(last=False)
        return min(self.max_delay, self.first_delay * 2.0 ** (count - 1))

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def __len__(self) -> int:
        return len(self._failures)
