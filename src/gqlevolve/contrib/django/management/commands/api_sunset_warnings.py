"""``python manage.py api_sunset_warnings``: ``gqlevolve sunset-warnings`` on the store of ``settings.GQLEVOLVE``."""

from __future__ import annotations

from gqlevolve.cli.monitoring import sunset_warnings_command
from gqlevolve.contrib.django.commands import MonitoringCommand

__all__ = ["Command"]


class Command(MonitoringCommand):
    cli_command = sunset_warnings_command
    help = (sunset_warnings_command.help or "").split("\n\n")[0]
    negative = "ALERT: more than 10% of traffic within 30 days of a sunset (listed above)"
