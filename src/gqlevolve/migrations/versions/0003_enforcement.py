"""Enforcement: no new adopters and brownout windows on a record, a version's own settings, the refusal counters.

Revision ID: 0003_enforcement
Revises: 0002_notices
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_enforcement"
down_revision = "0002_notices"
branch_labels = None
depends_on = None

_Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    # batch_alter_table: SQLite adds columns in place, and recreates the table only where it must (downgrade).
    with op.batch_alter_table("deprecations") as batch:
        batch.add_column(sa.Column("refuse_new_adopters", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("brownouts", sa.Text, nullable=True))
    op.create_table(
        "enforcement_counts",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "endpoint", "day", "client_name", "client_version", "coordinate", "kind", name="pk_enforcement_counts"
        ),
    )
    op.create_index("ix_enforcement_counts_day", "enforcement_counts", ["day"])
    op.create_table(
        "version_enforcement",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("refuse_new_adopters", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("brownouts", sa.Text, nullable=True),
        sa.Column("updated_at", _Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", name="pk_version_enforcement"),
    )


def downgrade() -> None:
    op.drop_table("version_enforcement")
    op.drop_index("ix_enforcement_counts_day", table_name="enforcement_counts")
    op.drop_table("enforcement_counts")
    with op.batch_alter_table("deprecations") as batch:
        batch.drop_column("brownouts")
        batch.drop_column("refuse_new_adopters")
