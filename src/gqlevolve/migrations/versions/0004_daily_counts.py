"""Daily counts: deprecation_usage summed per endpoint, coordinate and day, and per endpoint and day.

``coordinate_days`` and ``deprecated_days`` let the per-day reads (the advisor's window, the reports' shares, the
dashboard's sparklines and versions) sum one row per coordinate and day instead of one per signature, client and
day. They are filled here from the rows already stored (one grouped INSERT ... SELECT each) and kept in step by
the writer from then on (:mod:`gqlevolve.usage_store.writer`).

Revision ID: 0004_daily_counts
Revises: 0003_enforcement
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_daily_counts"
down_revision = "0003_enforcement"
branch_labels = None
depends_on = None

# The tables as this revision knows them (not gqlevolve.usage_store.tables: a later revision may change those).
_usage = sa.table(
    "deprecation_usage", sa.column("endpoint"), sa.column("signature"), sa.column("day"), sa.column("count")
)
_signature_coordinates = sa.table("signature_coordinates", sa.column("signature"), sa.column("coordinate"))


def upgrade() -> None:
    coordinate_days = op.create_table(
        "coordinate_days",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "coordinate", "day", name="pk_coordinate_days"),
    )
    op.create_index("ix_coordinate_days_day", "coordinate_days", ["day"])
    deprecated_days = op.create_table(
        "deprecated_days",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "day", name="pk_deprecated_days"),
    )
    op.create_index("ix_deprecated_days_day", "deprecated_days", ["day"])
    assert coordinate_days is not None and deprecated_days is not None
    # The backfill: what the writer would have added, summed from the rows already there.
    per_coordinate = (
        sa.select(_usage.c.endpoint, _signature_coordinates.c.coordinate, _usage.c.day, sa.func.sum(_usage.c.count))
        .join(_signature_coordinates, _signature_coordinates.c.signature == _usage.c.signature)
        .group_by(_usage.c.endpoint, _signature_coordinates.c.coordinate, _usage.c.day)
    )
    op.execute(coordinate_days.insert().from_select(["endpoint", "coordinate", "day", "count"], per_coordinate))
    per_day = sa.select(_usage.c.endpoint, _usage.c.day, sa.func.sum(_usage.c.count)).group_by(
        _usage.c.endpoint, _usage.c.day
    )
    op.execute(deprecated_days.insert().from_select(["endpoint", "day", "count"], per_day))


def downgrade() -> None:
    op.drop_index("ix_deprecated_days_day", table_name="deprecated_days")
    op.drop_table("deprecated_days")
    op.drop_index("ix_coordinate_days_day", table_name="coordinate_days")
    op.drop_table("coordinate_days")
