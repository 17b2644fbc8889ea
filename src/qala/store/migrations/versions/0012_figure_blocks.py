"""The figures of a large import kept as blocks of columns (``figure_blocks``), one row per block.

Why: storing a million figures as a million rows costs the store alone 3.0 s (SQLite) and 4.4 s (PostgreSQL)
on a two-core machine, whatever its indexes (benchmarks/README.md, "(b) eighth pass"); one block of columns
costs about 0.2 s. Figures of a block keep their record ids (``first_id`` + position) and their provenance
(batch, row in the file); one that changes later is first copied into ``activity_records`` (``qala.store.blocks``).

PostgreSQL: the payload is compressed already (zstd), so it is stored without TOAST's own compression.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_figure_blocks_batch_id", "figure_blocks", ["batch_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE figure_blocks ALTER COLUMN payload SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_index("ix_figure_blocks_batch_id", "figure_blocks")
    op.drop_table("figure_blocks")
