"""The policy's monitoring commands as Django management commands: each runs a ``gqlevolve`` command's own code.

``python manage.py api_usage_stats --endpoint /api/v1/people/ --days 30`` is ``gqlevolve usage-stats --endpoint
/api/v1/people/ --days 30 --db <the settings' store>``: the same options (each command's click options, read
here, less ``--db``: the store is the one ``settings.GQLEVOLVE`` names, :func:`~.conf.store_url`), the same report
(:mod:`gqlevolve.reports`), the same tables and ``--json``, printed to the command's ``stdout`` (so
``call_command(..., stdout=buffer)`` captures them).

Exit codes as the ``gqlevolve`` command's: an error (bad input, unknown endpoint, no store) is a Django
``CommandError`` with ``returncode`` 2 (3 for a bug in gqlevolve), printed as one line; a negative answer (a
sunset ALERT) is a :class:`NegativeAnswer`, a ``CommandError`` with ``returncode`` 1, after the report is printed
(its JSON stays whole on stdout, the reason goes to stderr).

Example: the options of ``api_sunset_warnings`` are ``sunset-warnings``' (``dest`` is the click parameter's name):

    >>> from gqlevolve.cli.monitoring import sunset_warnings_command
    >>> [(options, dest) for options, dest, _ in argparse_options(sunset_warnings_command)]
    [(['--endpoint'], 'endpoint'), (['--as-of'], 'as_of'), (['--within-days'], 'within_days'), (['--json'], 'as_json')]
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import click
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]  # Django ships no type hints
from django.core.management.base import BaseCommand, CommandError, CommandParser  # type: ignore[import-untyped]  # Django ships no type hints

from gqlevolve.cli._common import EXIT_ERROR, EXIT_NEGATIVE

__all__ = ["MonitoringCommand", "NegativeAnswer", "argparse_options"]

#: The click parameters a management command does not offer: the store comes from the settings.
NOT_OFFERED = frozenset({"db_url"})

# The library's messages name the command line's way to fix the store; a Django project's is manage.py.
_HINTS = (
    (re.compile(r"`gqlevolve db upgrade --db URL`( \(or create the store with migrate=True\))?"), "`python manage.py migrate`"),
    (re.compile(r"'gqlevolve db upgrade --db [^']*' creates a store"), "`python manage.py migrate` creates it"),
    (re.compile(r"check --db or \$GQLEVOLVE_DB"), 'check settings.GQLEVOLVE["STORE_URL"] or DATABASES["default"]'),
)


class NegativeAnswer(CommandError):  # type: ignore[misc]  # untyped Django base class
    """The report's negative answer (``returncode`` 1, as the ``gqlevolve`` command's exit 1): a sunset ALERT."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_NEGATIVE)


def argparse_options(command: click.Command) -> Iterator[tuple[list[str], str, dict[str, Any]]]:
    """Each click option of ``command`` (less :data:`NOT_OFFERED`) as argparse's option strings, dest and keywords."""
    for param in command.params:
        if not isinstance(param, click.Option) or param.name is None or param.name in NOT_OFFERED:
            continue
        shown = f" [default: {param.default}]" if param.show_default and param.default is not None else ""
        keywords: dict[str, Any] = {"dest": param.name, "help": f"{param.help or ''}{shown}".replace("%", "%%")}
        if param.is_flag:
            keywords["action"] = "store_true"
        else:
            keywords.update(metavar=param.metavar, default=param.default)
            if param.multiple:
                keywords.update(action="append", default=None)
            if isinstance(param.type, click.types.IntParamType):
                keywords["type"] = int
        yield list(param.opts), param.name, keywords


class MonitoringCommand(BaseCommand):  # type: ignore[misc]  # untyped Django base class
    """A management command that runs :attr:`cli_command`'s callback against the settings' store."""

    #: The ``gqlevolve`` command this one is.
    cli_command: ClassVar[click.Command]
    #: The reason a negative answer (exit 1) gives.
    negative: ClassVar[str] = "the answer is negative"
    # A report reads the store only: it needs neither the project's URLs nor its schemas loaded and checked.
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        for options, _, keywords in argparse_options(self.cli_command):
            parser.add_argument(*options, **keywords)

    def handle(self, *args: Any, **options: Any) -> None:
        from gqlevolve.contrib.django.conf import store_url

        values: dict[str, Any] = {}
        for _, dest, keywords in argparse_options(self.cli_command):
            value = options.get(dest, keywords.get("default"))
            values[dest] = tuple(value or ()) if keywords.get("action") == "append" else value
        try:
            values["db_url"] = store_url()
        except ImproperlyConfigured as error:
            raise CommandError(str(error), returncode=EXIT_ERROR) from error
        callback = self.cli_command.callback
        assert callback is not None, f"{self.cli_command.name} has no callback"
        # click.echo and rich print to sys.stdout as it is when they print. They get the stream under Django's
        # OutputWrapper, whose write() would end every chunk rich writes with a line break of its own.
        out = getattr(self.stdout, "_out", self.stdout)
        try:
            with contextlib.redirect_stdout(out):
                callback(**values)
        except click.ClickException as error:  # cli._common.handle_errors: one line, exit 2 (3: a bug)
            raise CommandError(_for_django(error.format_message()), returncode=error.exit_code) from error
        except SystemExit as exit_:
            if exit_.code == EXIT_NEGATIVE:
                raise NegativeAnswer(self.negative) from None
            raise


def _for_django(message: str) -> str:
    for pattern, replacement in _HINTS:
        message = pattern.sub(replacement, message)
    return message
