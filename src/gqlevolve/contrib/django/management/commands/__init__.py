"""The policy's monitoring commands, under the policy's own names (``python manage.py api_...``).

Each module is one command, a :class:`gqlevolve.contrib.django.commands.MonitoringCommand` naming the
``gqlevolve`` command it runs:

- ``api_deprecation_report``: ``gqlevolve deprecation-report``;
- ``api_sunset_warnings``: ``gqlevolve sunset-warnings`` (exit 1 on an ALERT);
- ``api_usage_stats``: ``gqlevolve usage-stats``;
- ``api_client_versions``: ``gqlevolve client-versions``.
"""
