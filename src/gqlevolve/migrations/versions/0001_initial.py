"""The usage store's first schema: deprecations and their audit log, usage counters, operation totals.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deprecations",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("deprecated_on", sa.Date, nullable=True),
        sa.Column("sunset_on", sa.Date, nullable=True),
        sa.Column("replacement", sa.String(300), nullable=True),
        sa.Column("migration_guide", sa.Text, nullable=True),
        sa.Column("status_override", sa.String(20), nullable=True),
        sa.Column("created_at", _Timestamp, nullable=False),
        sa.Column("updated_at", _Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deprecations"),
        sa.UniqueConstraint("endpoint", "coordinate", name="uq_deprecations_endpoint_coordinate"),
    )
    op.create_table(
        "deprecation_audit",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", _Timestamp, nullable=False),
        sa.Column("why", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deprecation_audit"),
    )
    op.create_index(
        "ix_deprecation_audit_endpoint_coordinate_at", "deprecation_audit", ["endpoint", "coordinate", "at"]
    )
    op.create_table(
        "operation_signatures",
        sa.Column("signature", sa.String(32), nullable=False),
        sa.Column("coordinate_count", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("signature", name="pk_operation_signatures"),
    )
    op.create_table(
        "signature_coordinates",
        sa.Column("signature", sa.String(32), nullable=False),
        sa.Column("coordinate", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("signature", "coordinate", name="pk_signature_coordinates"),
    )
    op.create_index(
        "ix_signature_coordinates_coordinate_signature", "signature_coordinates", ["coordinate", "signature"]
    )
    op.create_table(
        "deprecation_usage",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("signature", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "endpoint", "signature", "day", "client_name", "client_version", name="pk_deprecation_usage"
        ),
    )
    op.create_index("ix_deprecation_usage_day", "deprecation_usage", ["day"])
    op.create_table(
        "operation_totals",
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "day", "client_name", "client_version", name="pk_operation_totals"),
    )
    op.create_index("ix_operation_totals_day", "operation_totals", ["day"])
    op.create_table(
        "flush_ledger",
        sa.Column("writer_id", sa.String(32), nullable=False),
        sa.Column("last_batch", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("writer_id", name="pk_flush_ledger"),
    )
    op.create_index("ix_flush_ledger_updated_at", "flush_ledger", ["updated_at"])


def downgrade() -> None:
    for table in (
        "flush_ledger",
        "operation_totals",
        "deprecation_usage",
        "signature_coordinates",
        "operation_signatures",
        "deprecation_audit",
        "deprecations",
    ):
        op.drop_table(table)
