"""Retention: old usage goes, the deprecation records and their audit log stay."""

from __future__ import annotations

import datetime as dt

import pytest

from gqlevolve.clock import FixedClock
from gqlevolve.lifecycle import Deprecation
from gqlevolve.usage_store import DailyUsage, UsageStore

ENDPOINT = "/api/v1/graphql"


def test_prune_deletes_days_older_than_the_retention_and_keeps_the_audit_log(store_url):
    today = dt.date(2026, 11, 21)
    with UsageStore(store_url, migrate=True, handle_shutdown=False, clock=FixedClock(today)) as store:
        store.register_deprecations(ENDPOINT, [Deprecation("User.name", deprecated_on=today - dt.timedelta(days=800))])
        for age in (500, 401, 400, 10):
            store.record_operation(ENDPOINT, {"User.name"}, when=today - dt.timedelta(days=age))
        audit = store.audit_log()
        result = store.prune()
        assert result.cutoff == today - dt.timedelta(days=400)
        assert (result.usage_rows, result.total_rows) == (2, 2)
        assert [day.day for day in store.daily_usage(ENDPOINT, "User.name")] == [
            today - dt.timedelta(days=400),
            today - dt.timedelta(days=10),
        ]
        assert store.prune(30).usage_rows == 1
        assert store.daily_usage(ENDPOINT, "User.name") == [DailyUsage(today - dt.timedelta(days=10), 1, 1)]
        assert store.audit_log() == audit
        assert len(store.deprecations()) == 1


@pytest.mark.parametrize("days", [0, -5, 1.5, True])
def test_prune_refuses_a_bad_number_of_days(sqlite_url, days):
    with UsageStore(sqlite_url, handle_shutdown=False) as store, pytest.raises(ValueError, match="older_than_days"):
        store.prune(days)
