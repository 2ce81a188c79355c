"""Client summaries: deprecation_usage summed per endpoint, coordinate, client and block of 64 days, a column a day
(the running sum from the block's first day).

``client_summaries`` lets the per-client reads (the deprecation report's clients, client versions, the migration
report's weeks) read one row per client and coordinate for a window of up to 33 days instead of one per signature,
client and day (:mod:`gqlevolve.usage_store.client_summaries`: two grids of blocks, 32 days apart). Filled here
from the rows already stored (one grouped INSERT ... SELECT per grid) and kept in step by the writer from then on.

Revision ID: 0006_client_summaries
Revises: 0005_whole_schema
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_client_summaries"
down_revision = "0005_whole_schema"
branch_labels = None
depends_on = None

# The tables and widths as this revision knows them (not gqlevolve.usage_store.tables: a later revision may change
# those).
_DAYS = 64
_GRIDS = (0, 1)
_DAY_COLUMNS = [f"c{offset:02d}" for offset in range(_DAYS)]
_KEY = ["endpoint", "grid", "block", "coordinate", "client_name", "client_version"]
_usage = sa.table(
    "deprecation_usage",
    sa.column("endpoint"), sa.column("signature"), sa.column("day"), sa.column("client_name"),
    sa.column("client_version"), sa.column("count"),
)
_signature_coordinates = sa.table("signature_coordinates", sa.column("signature"), sa.column("coordinate"))


def upgrade() -> None:
    summaries = op.create_table(
        "client_summaries",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("grid", sa.SmallInteger, nullable=False),
        sa.Column("block", sa.Integer, nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        *[sa.Column(column, sa.BigInteger, nullable=False, server_default="0") for column in _DAY_COLUMNS],
        sa.PrimaryKeyConstraint(*_KEY, name="pk_client_summaries"),
        sqlite_with_rowid=False,  # SQLite: rows kept in key order (a window's block on one stretch of pages)
    )
    assert summaries is not None
    # The backfill: what the writer would have added, summed from the rows already there. The day's ordinal
    # (date.toordinal()) in each backend's date arithmetic, shifted by the grid; its block and its column.
    if op.get_bind().dialect.name == "postgresql":
        ordinal = sa.type_coerce(_usage.c.day - sa.literal_column("DATE '0001-01-01'"), sa.Integer) + 1
    else:
        ordinal = sa.cast(sa.func.julianday(_usage.c.day) - 1721424.5, sa.Integer)
    coordinate = _signature_coordinates.c.coordinate
    for grid in _GRIDS:
        number = ordinal + grid * _DAYS // 2
        block = (number // _DAYS).label("block")
        offset = number % _DAYS
        # The running sums: a day's operations count in its column and every later one of the block.
        per_day = [sa.func.sum(sa.case((offset <= index, _usage.c.count), else_=0)) for index in range(_DAYS)]
        key = [_usage.c.endpoint, block, coordinate, _usage.c.client_name, _usage.c.client_version]
        grouped = (
            sa.select(_usage.c.endpoint, sa.literal(grid, sa.SmallInteger), *key[1:], *per_day)
            .join(_signature_coordinates, _signature_coordinates.c.signature == _usage.c.signature)
            .group_by(*key)
        )
        op.execute(summaries.insert().from_select([*_KEY, *_DAY_COLUMNS], grouped))
    if op.get_bind().dialect.name == "postgresql":
        # The planner's statistics of the rows just written (autovacuum would take them later): without them it
        # expects one row per read and groups on disk.
        op.execute("ANALYZE client_summaries")


def downgrade() -> None:
    op.drop_table("client_summaries")
