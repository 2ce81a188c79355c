"""Whole-schema usage: every operation, the coordinates it uses, and the coordinates of each served schema.

New tables only (nothing stored before is changed): ``operations``, ``operation_coordinates``,
``operation_usage``, ``coordinate_usage``, ``coordinate_seen``, ``schema_coordinates`` and
``schema_registrations`` (:mod:`gqlevolve.usage_store.tables` says what each holds). Usage counted before this
revision was counted for deprecated elements only, so whole-schema answers start on the day it is applied.

Revision ID: 0005_whole_schema
Revises: 0004_daily_counts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_whole_schema"
down_revision = "0004_daily_counts"
branch_labels = None
depends_on = None

# The widths as this revision knows them (not gqlevolve.usage_store.tables: a later revision may change those).
_ENDPOINT = 200
_COORDINATE = 300
_SIGNATURE = 32


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("signature", sa.String(_SIGNATURE), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("document_hash", sa.String(32), nullable=False),
        sa.Column("coordinate_count", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("signature", name="pk_operations"),
    )
    op.create_table(
        "operation_coordinates",
        sa.Column("signature", sa.String(_SIGNATURE), nullable=False),
        sa.Column("coordinate", sa.String(_COORDINATE), nullable=False),
        sa.Column("deprecated", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("signature", "coordinate", name="pk_operation_coordinates"),
    )
    op.create_index(
        "ix_operation_coordinates_coordinate_signature", "operation_coordinates", ["coordinate", "signature"]
    )
    op.create_table(
        "operation_usage",
        sa.Column("endpoint", sa.String(_ENDPOINT), nullable=False),
        sa.Column("signature", sa.String(_SIGNATURE), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("client_name", sa.String(64), nullable=False),
        sa.Column("client_version", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "endpoint", "signature", "day", "client_name", "client_version", name="pk_operation_usage"
        ),
    )
    op.create_index("ix_operation_usage_day", "operation_usage", ["day"])
    op.create_table(
        "coordinate_usage",
        sa.Column("endpoint", sa.String(_ENDPOINT), nullable=False),
        sa.Column("coordinate", sa.String(_COORDINATE), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "coordinate", "day", name="pk_coordinate_usage"),
    )
    op.create_index("ix_coordinate_usage_day", "coordinate_usage", ["day"])
    op.create_table(
        "coordinate_seen",
        sa.Column("endpoint", sa.String(_ENDPOINT), nullable=False),
        sa.Column("coordinate", sa.String(_COORDINATE), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "coordinate", name="pk_coordinate_seen"),
    )
    op.create_table(
        "schema_coordinates",
        sa.Column("endpoint", sa.String(_ENDPOINT), nullable=False),
        sa.Column("coordinate", sa.String(_COORDINATE), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("removed_on", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("endpoint", "coordinate", name="pk_schema_coordinates"),
    )
    op.create_table(
        "schema_registrations",
        sa.Column("endpoint", sa.String(_ENDPOINT), nullable=False),
        sa.Column("schema_hash", sa.String(64), nullable=False),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", name="pk_schema_registrations"),
    )


def downgrade() -> None:
    for table in (
        "schema_registrations", "schema_coordinates", "coordinate_seen", "coordinate_usage", "operation_usage",
        "operation_coordinates", "operations",
    ):
        op.drop_table(table)
