"""``python manage.py api_deprecation_report``: ``gqlevolve deprecation-report`` on the store of ``settings.GQLEVOLVE``."""

from __future__ import annotations

from gqlevolve.cli.monitoring import deprecation_report_command
from gqlevolve.contrib.django.commands import MonitoringCommand

__all__ = ["Command"]


class Command(MonitoringCommand):
    cli_command = deprecation_report_command
    help = (deprecation_report_command.help or "").split("\n\n")[0]
