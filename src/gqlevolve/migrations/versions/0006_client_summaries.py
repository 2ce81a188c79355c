"""Client summaries: deprecation_usage summed per endpoint, block of 32 days, coordinate and client, a column a day.

``client_summaries`` lets the per-client reads (the deprecation report's clients, client versions, the migration
report's weeks) read one or two rows per client and coordinate for a window instead of one per signature, client
and day (:mod:`gqlevolve.usage_store.client_summaries`). Filled here from the rows already stored (one grouped
INSERT ... SELECT) and kept in step by the writer from then on.

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
_DAYS = 32
_DAY_COLUMNS = [f"d{offset:02d}" for offset in range(_DAYS)]
_KEY = ["endpoint", "block", "coordinate", "client_name", "client_version"]
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
        sa.Column("block", sa.Integer, nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        *[sa.Column(column, sa.BigInteger, nullable=False, server_default="0") for column in _DAY_COLUMNS],
        sa.PrimaryKeyConstraint(*_KEY, name="pk_client_summaries"),
        sqlite_with_rowid=False,  # SQLite: rows kept in key order (a window's blocks on one stretch of pages)
    )
    assert summaries is not None
    # The backfill: what the writer would have added, summed from the rows already there. The day's ordinal
    # (date.toordinal()) in each backend's date arithmetic; its block and its column.
    if op.get_bind().dialect.name == "postgresql":
        number = sa.type_coerce(_usage.c.day - sa.literal_column("DATE '0001-01-01'"), sa.Integer) + 1
    else:
        number = sa.cast(sa.func.julianday(_usage.c.day) - 1721424.5, sa.Integer)
    block = (number // _DAYS).label("block")
    offset = number % _DAYS
    per_day = [sa.func.sum(sa.case((offset == index, _usage.c.count), else_=0)) for index in range(_DAYS)]
    coordinate = _signature_coordinates.c.coordinate
    grouped = (
        sa.select(
            _usage.c.endpoint, block, coordinate, _usage.c.client_name, _usage.c.client_version,
            sa.func.sum(_usage.c.count), *per_day,
        )
        .join(_signature_coordinates, _signature_coordinates.c.signature == _usage.c.signature)
        .group_by(_usage.c.endpoint, block, coordinate, _usage.c.client_name, _usage.c.client_version)
    )
    op.execute(summaries.insert().from_select([*_KEY, "total", *_DAY_COLUMNS], grouped))


def downgrade() -> None:
    op.drop_table("client_summaries")
