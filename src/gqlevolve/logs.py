"""What a log line may show of a request: the one way a client's value (a path, an actor, a reason, a client name,
an error message that quotes one) reaches gqlevolve's logs.

A log line is read in a terminal and by log collectors that split on line breaks. A value sent by a client could
forge a line (``\\r\\nINFO: all good``), clear the operator's screen or retitle the window (``ESC [2J``,
``ESC ]0;pwned BEL``), or hide text behind a bidirectional override. So every value from a request is logged through
these functions, which escape whatever is not printable:

- :func:`loggable` shows one value JSON-style, in double quotes (``"/api/admin/\\u001b[2J..."``), as the error
  messages show values (:func:`gqlevolve.jsonable.json_quote`), cut after ``limit`` characters (``…``);
- :func:`loggable_text` escapes a text that gqlevolve composed but that may hold such values (an error's message),
  without adding quotes;
- :func:`loggable_traceback` is a traceback for the log with every exception's message escaped: the frames are
  gqlevolve's own code, the messages may quote what a client sent;
- :func:`request_logger` is ``logging.getLogger`` for a logger whose lines are about requests: a traceback logged
  on it (``logger.exception(...)``, ``exc_info=``) is formatted by :func:`loggable_traceback`, while the record
  keeps its ``exc_info`` for whatever reads the exception itself (an error tracker).

Escaped are the C0 and C1 control characters (line breaks, ``ESC``, ``BEL``, ``DEL``, ``\\x9b``), the line and
paragraph separators, format characters (bidirectional overrides, zero-width spaces) and anything else that
``str.isprintable`` refuses, each as a JSON escape (``\\n``, ``\\r``, ``\\t``, ``\\u001b``; characters beyond
U+FFFF as a surrogate pair), so that the line is one line of printable text. Printable non-ASCII text stays
readable (``"café"``).

Example: the path of the log injection of issue 11, as the admin API logs it, and a message that quotes a value.

    >>> print(loggable("/api/admin/\\x1b[2J\\x1b]0;pwned\\x07\\rINFO: all good"))
    "/api/admin/\\u001b[2J\\u001b]0;pwned\\u0007\\rINFO: all good"
    >>> print(loggable("café\\u202e"), loggable(30), loggable(None))
    "café\\u202e" 30 null
    >>> print(loggable_text('unknown endpoint "v9"\\r\\nINFO: forged'))
    unknown endpoint "v9"\\r\\nINFO: forged

In the code:

.. code-block:: python

    logger = request_logger("gqlevolve.admin_api")
    logger.warning("admin API: wrong token for %s %s", loggable(method), loggable(scope["path"]))
    logger.warning("usage not recorded: %s", loggable_text(str(error)))
    logger.error("admin API: internal error on %s", loggable(path), exc_info=error)   # the traceback escaped
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from gqlevolve.jsonable import json_quote

__all__ = ["LOGGED_LENGTH", "loggable", "loggable_text", "loggable_traceback", "redacted_url", "request_logger"]

#: The most characters of one value a log line shows (``…`` marks the cut).
LOGGED_LENGTH = 200

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(character: str) -> str:
    short = _SHORT_ESCAPES.get(character)
    if short is not None:
        return short
    code = ord(character)
    if code > 0xFFFF:  # JSON has no \U: a surrogate pair, as json.dumps writes one
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def redacted_url(url: Any) -> str:
    """A database URL for messages and logs, without its password (``postgresql://u:***@host/db``)."""
    # SQLAlchemy renders its own URLs; it is imported here, on the way to a message, not when gqlevolve loads.
    from sqlalchemy.engine import URL, make_url

    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: at least never show what precedes the host
        text = str(url)
        return text.split("@", 1)[-1] if "@" in text else text


def loggable_text(text: str, *, limit: int | None = None) -> str:
    """``text`` with every character that is not printable escaped (see the module); cut after ``limit``
    characters (``…``) when given. The space is printable; every other white space is escaped."""
    if not isinstance(text, str):
        text = str(text)
    cut = limit is not None and len(text) > limit
    if cut:
        text = text[:limit]
    if not text.isprintable():
        text = "".join(character if character.isprintable() else _escape(character) for character in text)
    return text + "…" if cut else text


def loggable(value: Any, *, limit: int = LOGGED_LENGTH) -> str:
    """``value`` as a log line shows what a client sent: JSON-style (``"v9"``, ``30``, ``null``), a string cut
    after ``limit`` characters, every character that is not printable escaped."""
    return loggable_text(json_quote(value, limit=limit))


def loggable_traceback(error: BaseException) -> str:
    """``error``'s traceback (and those of its causes and contexts, as Python prints them), for a log line:
    the frames as Python writes them, every exception's message (which may quote a client's value) escaped
    onto one line."""
    return "".join(_traceback_lines(traceback.TracebackException.from_exception(error), set()))


def _traceback_lines(exception: traceback.TracebackException, seen: set[int]) -> list[str]:
    seen.add(id(exception))
    lines: list[str] = []
    cause, context = exception.__cause__, exception.__context__
    if cause is not None and id(cause) not in seen:
        lines += _traceback_lines(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not exception.__suppress_context__ and id(context) not in seen:
        lines += _traceback_lines(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exception.stack:
        lines.append("Traceback (most recent call last):\n")
        lines += exception.stack.format()  # gqlevolve's frames: file names, line numbers, source lines
    lines.append(loggable_text("".join(exception.format_exception_only()).rstrip("\n"), limit=2000) + "\n")
    return lines


class _EscapedTracebacks(logging.Filter):
    """Formats a record's traceback with :func:`loggable_traceback` before any handler does: ``logging.Formatter``
    shows ``record.exc_text`` when it is set, and only formats ``exc_info`` itself when it is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = loggable_traceback(record.exc_info[1]).rstrip("\n")
        return True


_ESCAPED_TRACEBACKS = _EscapedTracebacks()


def request_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)``, its tracebacks escaped (:func:`loggable_traceback`): for the loggers whose
    lines are about requests (``gqlevolve.admin_api``, ``gqlevolve.extensions``). The values a line shows are
    still each passed through :func:`loggable`."""
    logger = logging.getLogger(name)
    if _ESCAPED_TRACEBACKS not in logger.filters:
        logger.addFilter(_ESCAPED_TRACEBACKS)
    return logger
