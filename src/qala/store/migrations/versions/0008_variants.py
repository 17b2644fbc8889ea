"""Scenario variants: the expert group's saved variants (versioned) and their comments.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario_variants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city_code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("base_scenario", sa.String(80), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_by", sa.String(200)),
        sa.Column("promoted_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ux_scenario_variants_version", "scenario_variants", ["city_code", "name", "version"], unique=True)
    op.create_table(
        "variant_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("variant_id", sa.Integer, sa.ForeignKey("scenario_variants.id"), nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_variant_comments_variant_id", "variant_comments", ["variant_id"])


def downgrade() -> None:
    op.drop_index("ix_variant_comments_variant_id", "variant_comments")
    op.drop_table("variant_comments")
    op.drop_index("ux_scenario_variants_version", "scenario_variants")
    op.drop_table("scenario_variants")
