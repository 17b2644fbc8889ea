"""Estimates as data: an activity record is ``reported`` or ``estimated`` (with its method and inputs); a city's
estimation spec (the inputs and methods that fill its inventory) is kept with who changed it and when.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity_records") as batch:
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="reported"))
        batch.add_column(sa.Column("method", sa.String(40)))
        batch.add_column(sa.Column("inputs", sa.Text))
    op.create_table(
        "estimate_specs",
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), primary_key=True),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("estimate_specs")
    with op.batch_alter_table("activity_records") as batch:
        batch.drop_column("inputs")
        batch.drop_column("method")
        batch.drop_column("status")
