"""Operation summaries: operation_usage summed per endpoint, operation, client and block of 64 days, a column a day;
and per endpoint, day and client (shaped totals).

``operation_summaries`` lets the whole-schema reads (``gqlevolve usage``, ``check --db``) read a few rows per
operation and client for a window instead of one per operation, client and day; ``shaped_totals`` counts per day
the operations whose shape was recorded, beside ``operation_totals`` (:mod:`gqlevolve.usage_store.operation_summaries`).
Filled here from the rows already stored (grouped INSERT ... SELECTs) and kept in step by the writer from then on.

Revision ID: 0007_operation_summaries
Revises: 0006_client_summaries
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_operation_summaries"
down_revision = "0006_client_summaries"
branch_labels = None
depends_on = None

# The tables and widths as this revision knows them (not gqlevolve.usage_store.tables: a later revision may change
# those).
_DAYS = 64
_GRID = 0  # one grid of blocks (client_summaries has two): see gqlevolve.usage_store.operation_summaries
_DAY_COLUMNS = [f"c{offset:02d}" for offset in range(_DAYS)]
_KEY = ["endpoint", "grid", "block", "signature", "client_name", "client_version"]
_usage = sa.table(
    "operation_usage",
    sa.column("endpoint"), sa.column("signature"), sa.column("day"), sa.column("client_name"),
    sa.column("client_version"), sa.column("count"),
)


def upgrade() -> None:
    summaries = op.create_table(
        "operation_summaries",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("grid", sa.SmallInteger, nullable=False),
        sa.Column("block", sa.Integer, nullable=False),
        sa.Column("signature", sa.String(32), nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        *[sa.Column(column, sa.BigInteger, nullable=False, server_default="0") for column in _DAY_COLUMNS],
        sa.PrimaryKeyConstraint(*_KEY, name="pk_operation_summaries"),
        sqlite_with_rowid=False,  # SQLite: rows kept in key order (a window's block on one stretch of pages)
    )
    shaped = op.create_table(
        "shaped_totals",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "day", "client_name", "client_version", name="pk_shaped_totals"),
    )
    op.create_index("ix_shaped_totals_day", "shaped_totals", ["day"])
    assert summaries is not None and shaped is not None
    # The backfill: what the writer would have added, summed from the rows already there. The day's ordinal
    # (date.toordinal()) in each backend's date arithmetic; its block and its column.
    if op.get_bind().dialect.name == "postgresql":
        ordinal = sa.type_coerce(_usage.c.day - sa.literal_column("DATE '0001-01-01'"), sa.Integer) + 1
    else:
        ordinal = sa.cast(sa.func.julianday(_usage.c.day) - 1721424.5, sa.Integer)
    number = ordinal + _GRID * _DAYS // 2
    block = (number // _DAYS).label("block")
    offset = number % _DAYS
    # The running sums: a day's operations count in its column and every later one of the block.
    per_day = [sa.func.sum(sa.case((offset <= index, _usage.c.count), else_=0)) for index in range(_DAYS)]
    key = [_usage.c.endpoint, block, _usage.c.signature, _usage.c.client_name, _usage.c.client_version]
    grouped = sa.select(_usage.c.endpoint, sa.literal(_GRID, sa.SmallInteger), *key[1:], *per_day).group_by(*key)
    op.execute(summaries.insert().from_select([*_KEY, *_DAY_COLUMNS], grouped))
    per_client = [_usage.c.endpoint, _usage.c.day, _usage.c.client_name, _usage.c.client_version]
    op.execute(
        shaped.insert().from_select(
            ["endpoint", "day", "client_name", "client_version", "count"],
            sa.select(*per_client, sa.func.sum(_usage.c.count)).group_by(*per_client),
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        # The planner's statistics of the rows just written (autovacuum would take them later).
        op.execute("ANALYZE operation_summaries")
        op.execute("ANALYZE shaped_totals")


def downgrade() -> None:
    op.drop_index("ix_shaped_totals_day", table_name="shaped_totals")
    op.drop_table("shaped_totals")
    op.drop_table("operation_summaries")
