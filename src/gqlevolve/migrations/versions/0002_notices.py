"""Notices: consumers (a client's contacts) and the delivery log (every notice to every recipient, never pruned).

Revision ID: 0002_notices
Revises: 0001_initial
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_notices"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consumers",
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("emails", sa.Text, nullable=False),
        sa.Column("slack_url", sa.Text, nullable=True),
        sa.Column("webhook_url", sa.Text, nullable=True),
        sa.Column("webhook_secret", sa.Text, nullable=True),
        sa.Column("created_at", _Timestamp, nullable=False),
        sa.Column("updated_at", _Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("client_name", name="pk_consumers"),
    )
    op.create_table(
        "notice_deliveries",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("reply", sa.Text, nullable=True),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("created_at", _Timestamp, nullable=False),
        sa.Column("updated_at", _Timestamp, nullable=False),
        sa.Column("sent_at", _Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notice_deliveries"),
        sa.UniqueConstraint("key", name="uq_notice_deliveries_key"),
    )
    op.create_index("ix_notice_deliveries_status_updated_at", "notice_deliveries", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_table("notice_deliveries")
    op.drop_table("consumers")
