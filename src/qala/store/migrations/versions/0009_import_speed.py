"""The import path's speed: a small partial index of the current estimates, so that after an import the
estimates that may step aside are found without walking every current figure of the years written.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CURRENT_ESTIMATE = "status = 'estimated' AND superseded_by IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_activity_estimates",
        "activity_records",
        ["city_code", "year"],
        sqlite_where=sa.text(CURRENT_ESTIMATE),
        postgresql_where=sa.text(CURRENT_ESTIMATE),
    )


def downgrade() -> None:
    op.drop_index("ix_activity_estimates", table_name="activity_records")
