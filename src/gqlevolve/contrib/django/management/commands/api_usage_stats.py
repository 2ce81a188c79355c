"""``python manage.py api_usage_stats``: ``gqlevolve usage-stats`` on the store of ``settings.GQLEVOLVE``."""

from __future__ import annotations

from gqlevolve.cli.monitoring import usage_stats_command
from gqlevolve.contrib.django.commands import MonitoringCommand

__all__ = ["Command"]


class Command(MonitoringCommand):
    cli_command = usage_stats_command
    help = (usage_stats_command.help or "").split("\n\n")[0]
