"""Document texts: paragraphs with stems, indexed by the database's own full-text search.

SQLite: an external-content FTS5 table over ``document_paragraphs.stems``, kept in step by triggers.
PostgreSQL: a generated ``tsvector`` column ('simple' configuration: the stems are already stemmed) with
a GIN index. Neither is a model (see ``SEARCH_INDEX_*`` in ``qala.store.models``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE document_paragraphs_fts USING fts5("
    "stems, content='document_paragraphs', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER document_paragraphs_fts_ai AFTER INSERT ON document_paragraphs BEGIN "
    "INSERT INTO document_paragraphs_fts(rowid, stems) VALUES (new.id, new.stems); END",
    "CREATE TRIGGER document_paragraphs_fts_ad AFTER DELETE ON document_paragraphs BEGIN "
    "INSERT INTO document_paragraphs_fts(document_paragraphs_fts, rowid, stems) "
    "VALUES ('delete', old.id, old.stems); END",
    "CREATE TRIGGER document_paragraphs_fts_au AFTER UPDATE ON document_paragraphs BEGIN "
    "INSERT INTO document_paragraphs_fts(document_paragraphs_fts, rowid, stems) "
    "VALUES ('delete', old.id, old.stems); "
    "INSERT INTO document_paragraphs_fts(rowid, stems) VALUES (new.id, new.stems); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS document_paragraphs_fts_au",
    "DROP TRIGGER IF EXISTS document_paragraphs_fts_ad",
    "DROP TRIGGER IF EXISTS document_paragraphs_fts_ai",
    "DROP TABLE IF EXISTS document_paragraphs_fts",
)
POSTGRESQL_UP = (
    "ALTER TABLE document_paragraphs ADD COLUMN stems_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, stems)) STORED",
    "CREATE INDEX ix_document_paragraphs_stems_tsv ON document_paragraphs USING gin (stems_tsv)",
)


def upgrade() -> None:
    op.create_table(
        "document_texts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("titles", sa.Text),
        sa.Column("kind", sa.String(40)),
        sa.Column("year", sa.Integer),
        sa.Column("source", sa.Text),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("media_type", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("paragraphs", sa.Integer, nullable=False),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_document_texts_code_lang_part", "document_texts", ["code", "lang", "part"], unique=True)
    op.create_index("ix_document_texts_sha256", "document_texts", ["sha256"], unique=True)
    op.create_table(
        "document_paragraphs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document_texts.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("dup_key", sa.String(64), nullable=False),
        sa.Column("stems", sa.Text, nullable=False),
    )
    op.create_index("ix_document_paragraphs_position", "document_paragraphs", ["document_id", "position"], unique=True)
    op.create_index("ix_document_paragraphs_dup_key", "document_paragraphs", ["dup_key"])
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    op.drop_table("document_paragraphs")
    op.drop_table("document_texts")
