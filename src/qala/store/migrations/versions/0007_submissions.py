"""Submissions under review, and published (frozen) inventory versions.

* ``submissions`` and ``submission_rows``: a data provider's upload, validated and kept with its
  provenance, waiting for an editor to accept or reject it (whole or row by row, with a reason).
* ``publications``: a numbered, frozen version of a city's inventory year (records, notation keys,
  catalog version, GWP set, who, when, note, SHA-256); withdrawn versions are kept with their reason.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("report", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_submissions_submitted_by", "submissions", ["submitted_by"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_table(
        "submission_rows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batches.id")),
    )
    op.create_index("ix_submission_rows_row", "submission_rows", ["submission_id", "source_row"], unique=True)
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("catalog_version", sa.String(40), nullable=False),
        sa.Column("gwp", sa.String(10), nullable=False),
        sa.Column("records_json", sa.Text, nullable=False),
        sa.Column("inventory_json", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.Column("withdrawn_by", sa.String(200)),
        sa.Column("withdrawn_reason", sa.Text),
    )
    op.create_index("ix_publications_version", "publications", ["city_code", "year", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_publications_version", table_name="publications")
    op.drop_table("publications")
    op.drop_index("ix_submission_rows_row", table_name="submission_rows")
    op.drop_table("submission_rows")
    op.drop_index("ix_submissions_status", table_name="submissions")
    op.drop_index("ix_submissions_submitted_by", table_name="submissions")
    op.drop_table("submissions")
