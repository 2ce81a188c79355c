"""``python manage.py api_client_versions``: ``gqlevolve client-versions`` on the store of ``settings.GQLEVOLVE``."""

from __future__ import annotations

from gqlevolve.cli.monitoring import client_versions_command
from gqlevolve.contrib.django.commands import MonitoringCommand

__all__ = ["Command"]


class Command(MonitoringCommand):
    cli_command = client_versions_command
    help = (client_versions_command.help or "").split("\n\n")[0]
