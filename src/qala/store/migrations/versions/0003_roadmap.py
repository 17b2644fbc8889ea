"""The strategy roadmap: sections, activities (with status history and comments), organisations, people.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roadmaps",
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "roadmap_activities",
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), primary_key=True),
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("section_code", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "roadmap_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city_code", sa.String(40), nullable=False),
        sa.Column("activity_code", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_roadmap_events_activity", "roadmap_events", ["city_code", "activity_code"])


def downgrade() -> None:
    for table in ("roadmap_events", "roadmap_activities", "roadmaps"):
        op.drop_table(table)
