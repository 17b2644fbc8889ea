"""Technical information base: cities, import batches, activity records, notation keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cities",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_ru", sa.String(200), nullable=False),
        sa.Column("name_kk", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_new", sa.Integer, nullable=False),
        sa.Column("rows_superseding", sa.Integer, nullable=False),
        sa.Column("rows_duplicate", sa.Integer, nullable=False),
    )
    op.create_index("ix_import_batches_sha256", "import_batches", ["sha256"])
    op.create_table(
        "activity_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("gpc_ref", sa.String(12), nullable=False),
        sa.Column("activity", sa.String(60), nullable=False),
        sa.Column("activity_as_written", sa.String(200), nullable=False),
        sa.Column("facility", sa.String(200), nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("data_quality", sa.String(10)),
        sa.Column("ef_co2", sa.Float),
        sa.Column("ef_ch4", sa.Float),
        sa.Column("ef_n2o", sa.Float),
        sa.Column("ncv", sa.String(100)),
        sa.Column("note", sa.Text),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batches.id"), nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.Integer, sa.ForeignKey("activity_records.id")),
        sa.Column("superseded_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_activity_records_batch_id", "activity_records", ["batch_id"])
    op.create_index("ix_activity_city_year", "activity_records", ["city_code", "year"])
    op.create_index(
        "ix_activity_current",
        "activity_records",
        ["city_code", "year", "gpc_ref", "activity", "facility"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )
    op.create_table(
        "notation_keys",
        sa.Column("city_code", sa.String(40), sa.ForeignKey("cities.code"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("gpc_ref", sa.String(12), primary_key=True),
        sa.Column("key", sa.String(2), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False),
    )
    op.create_table(
        "qala_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("qala_meta", "notation_keys", "activity_records", "import_batches", "cities"):
        op.drop_table(table)
