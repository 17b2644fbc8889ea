"""Tables of the technical information base (SQLAlchemy 2). Migrations live in ``migrations/``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class City(Base):
    __tablename__ = "cities"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_kk: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ImportBatch(Base):
    """One imported file: its provenance, and what it changed."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_new: Mapped[int] = mapped_column(Integer)
    rows_superseding: Mapped[int] = mapped_column(Integer)
    rows_duplicate: Mapped[int] = mapped_column(Integer)


def _bytewise(length: int) -> String:
    """A varchar compared byte by byte: COLLATE "C" on PostgreSQL; SQLite compares so already (no collation)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class ActivityRecord(Base):
    """One figure of activity data. Never updated in place: a correction supersedes it."""

    __tablename__ = "activity_records"
    __table_args__ = (
        # One current figure per key. The column that differs most comes first (migration 0010): building the
        # index after a bulk import then compares one column per pair of rows, not five (3.3 -> 1.1 s of CPU on
        # SQLite at 1 M rows of one city and year); lookups give all five columns, and the current figures of a
        # city and year are found through ix_activity_city_year.
        Index(
            "ix_activity_current",
            "facility",
            "activity",
            "gpc_ref",
            "year",
            "city_code",
            unique=True,
            sqlite_where=text("superseded_by IS NULL"),
            postgresql_where=text("superseded_by IS NULL"),
        ),
        Index("ix_activity_city_year", "city_code", "year"),
        Index(  # the current estimates only (few): found after an import without walking its figures
            "ix_activity_estimates",
            "city_code",
            "year",
            "status",  # a third column the query fixes: SQLite's planner prefers it to ix_activity_city_year
            sqlite_where=text("status = 'estimated' AND superseded_by IS NULL"),
            postgresql_where=text("status = 'estimated' AND superseded_by IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"))
    year: Mapped[int] = mapped_column(Integer)
    # Byte order on PostgreSQL (migration 0011: sorting them for ix_activity_current without strcoll()).
    gpc_ref: Mapped[str] = mapped_column(_bytewise(12))
    activity: Mapped[str] = mapped_column(_bytewise(60))
    activity_as_written: Mapped[str] = mapped_column(String(200))
    facility: Mapped[str] = mapped_column(_bytewise(200), default="")  # "" when none (for the unique key)
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60))
    source: Mapped[str | None] = mapped_column(Text)
    data_quality: Mapped[str | None] = mapped_column(String(10))
    ef_co2: Mapped[float | None] = mapped_column(Float)
    ef_ch4: Mapped[float | None] = mapped_column(Float)
    ef_n2o: Mapped[float | None] = mapped_column(Float)
    ncv: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    source_row: Mapped[int] = mapped_column(Integer)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("activity_records.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "reported" (a provider's or the department's figure) or "estimated" (a declared method's result): an
    # estimate steps aside automatically when a reported figure for the same key, or for its whole cell, arrives.
    status: Mapped[str] = mapped_column(String(10), default="reported", server_default="reported")
    method: Mapped[str | None] = mapped_column(String(40))  # an estimation method of the catalog
    inputs: Mapped[str | None] = mapped_column(Text)  # JSON: every input (name, value, unit, year, source)


class FigureBlock(Base):
    """Figures of a large import kept as one block of columns (``qala.store.blocks``), not a row each.

    Figure ``i`` of the block (0-based) has the record id ``first_id + i``; a figure that is later superseded,
    retired or reverted is first copied into ``activity_records`` with that id (materialised) and then lives
    there. ``payload`` is an Arrow IPC file (zstd) of the figures' columns; ``sha256`` its digest."""

    __tablename__ = "figure_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    first_id: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    cells: Mapped[str] = mapped_column(Text)  # JSON: the [city, year] pairs the block holds figures of
    sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class EstimateSpec(Base):
    """A city's estimation spec (YAML): the series and methods that fill the cells nobody reported."""

    __tablename__ = "estimate_specs"

    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"), primary_key=True)
    spec: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotationKeyRecord(Base):
    """A city's declared notation key for a GPC cell in a year (NO, IE, NE, C) with its reason."""

    __tablename__ = "notation_keys"

    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    gpc_ref: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(2))
    explanation: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(String(500))


class Meta(Base):
    """Facts about the database itself (e.g. which bundled datasets were loaded)."""

    __tablename__ = "qala_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    """A person who signs in: admin, editor, expert or data provider (the public needs no account)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(80))  # chosen by the person; shown in public pages
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)  # bump to sign out everywhere
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A token for scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[str] = mapped_column(String(40), server_default="read,import")  # comma-separated
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed sign-ins per user name, address or device, and when the next attempt is allowed."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # user:NAME | addr:IP | device:ID
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PasswordReset(Base):
    """A one-time link to set a new password, made by an administrator (only its SHA-256 is kept)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """An import, report or export run by the job runner (``qala.jobs``): its state, progress and result."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # random: the status URL is not guessable
    kind: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(120))  # user:ID or addr:IP (the queue's bound per person)
    state: Mapped[str] = mapped_column(String(12), index=True)  # queued | running | done | failed
    progress: Mapped[float] = mapped_column(Float)
    phase: Mapped[str] = mapped_column(String(200))
    cache_key: Mapped[str | None] = mapped_column(String(300), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    file: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_name: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(100))


class AuditEntry(Base):
    """Every write: who, when, what, and the state before and after (JSON)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class Submission(Base):
    """A data provider's upload under review: validated, stored with its provenance, not part of any inventory."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str] = mapped_column(String(200), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending | accepted | rejected | partial
    rows: Mapped[int] = mapped_column(Integer)
    report: Mapped[str | None] = mapped_column(Text)  # JSON: the validation's report (duplicates, corrections)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class SubmissionRow(Base):
    """One figure of a submission, as validated (JSON), and its fate."""

    __tablename__ = "submission_rows"
    __table_args__ = (Index("ix_submission_rows_row", "submission_id", "source_row", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    source_row: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)  # JSON: the record's columns (city, year, gpc_ref, ...)
    status: Mapped[str] = mapped_column(String(12))  # pending | accepted | rejected
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class Publication(Base):
    """A published, frozen version of a city's inventory year: what the public sees."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_version", "city_code", "year", "version", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per city and year
    note: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    catalog_version: Mapped[str] = mapped_column(String(40))
    gwp: Mapped[str] = mapped_column(String(10))
    records_json: Mapped[str] = mapped_column(Text)  # canonical JSON: the records and notation keys used
    inventory_json: Mapped[str] = mapped_column(Text)  # canonical JSON: the inventory as published
    sha256: Mapped[str] = mapped_column(String(64))  # of records_json + "\n" + inventory_json
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class RoadmapRecord(Base):
    """A city's roadmap: title, act, dates, sections, organisations and people (JSON)."""

    __tablename__ = "roadmaps"

    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"), primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class RoadmapActivityRecord(Base):
    """An activity's current state; every change is also a RoadmapEvent."""

    __tablename__ = "roadmap_activities"

    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    section_code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class RoadmapEvent(Base):
    """A status/progress/date change (with before and after) or a comment on an activity."""

    __tablename__ = "roadmap_events"
    __table_args__ = (Index("ix_roadmap_events_activity", "city_code", "activity_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(String(40))
    activity_code: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    who: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # change | comment
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)


class DocumentText(Base):
    """The text of one imported document file (a document in one language may come in several parts)."""

    __tablename__ = "document_texts"
    __table_args__ = (
        Index("ix_document_texts_code_lang_part", "code", "lang", "part", unique=True),
        Index("ix_document_texts_sha256", "sha256", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(80))
    lang: Mapped[str] = mapped_column(String(2))
    part: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    titles: Mapped[str | None] = mapped_column(Text)  # JSON {kk, ru, en} when known
    kind: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(10))  # txt | html | pdf
    sha256: Mapped[str] = mapped_column(String(64))
    paragraphs: Mapped[int] = mapped_column(Integer)
    chars: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocumentParagraph(Base):
    """A paragraph of a document text, with its stems for full-text search and a key for duplicates.

    Migration 0004 also indexes ``stems`` per dialect, outside these models: an FTS5 table kept in step
    by triggers on SQLite, a generated ``tsvector`` column with a GIN index on PostgreSQL.
    """

    __tablename__ = "document_paragraphs"
    __table_args__ = (
        Index("ix_document_paragraphs_position", "document_id", "position", unique=True),
        Index("ix_document_paragraphs_dup_key", "dup_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document_texts.id"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the document text
    text: Mapped[str] = mapped_column(Text)  # whitespace normalised
    chars: Mapped[int] = mapped_column(Integer)
    dup_key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the whitespace/case-normalised text
    stems: Mapped[str] = mapped_column(Text)


# The full-text objects above are the database's own, not models: schema comparisons (alembic's
# autogenerate and compare_metadata) must not propose to drop them.
SEARCH_INDEX_TABLES = frozenset(
    "document_paragraphs_fts" + suffix for suffix in ("", "_data", "_idx", "_docsize", "_config", "_content")
)
SEARCH_INDEX_COLUMNS = frozenset({("document_paragraphs", "stems_tsv")})
SEARCH_INDEX_INDEXES = frozenset({("document_paragraphs", "ix_document_paragraphs_stems_tsv")})


def _is_search_index_op(op) -> bool:
    from alembic.operations import ops  # noqa: PLC0415

    if isinstance(op, ops.DropTableOp):
        return op.table_name in SEARCH_INDEX_TABLES
    if isinstance(op, ops.DropColumnOp):
        return (op.table_name, op.column_name) in SEARCH_INDEX_COLUMNS
    if isinstance(op, ops.DropIndexOp):
        return (op.table_name, op.index_name) in SEARCH_INDEX_INDEXES
    return False


def _hide_search_index(autogen_context, upgrade_ops, *_args) -> None:
    from alembic.operations import ops  # noqa: PLC0415

    kept = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops = [o for o in op.ops if not _is_search_index_op(o)]
            if not op.ops:
                continue
        elif _is_search_index_op(op):
            continue
        kept.append(op)
    upgrade_ops.ops = kept


def _register_search_index_filter() -> None:
    from alembic.autogenerate.compare import comparators  # noqa: PLC0415
    from alembic.util import DispatchPriority  # noqa: PLC0415

    # alembic's registry for third-party comparators; LAST runs after the built-in table comparison
    comparators.dispatch_for("autogenerate", priority=DispatchPriority.LAST)(_hide_search_index)


_register_search_index_filter()


class ScenarioVariant(Base):
    """One saved version of an expert's variant of a scenario: its changes (JSON), comment, author, status."""

    __tablename__ = "scenario_variants"
    __table_args__ = (Index("ux_scenario_variants_version", "city_code", "name", "version", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    base_scenario: Mapped[str] = mapped_column(String(80))
    changes: Mapped[str] = mapped_column(Text)  # JSON list of changes (qala.scenario.variants)
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # draft | official
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    promoted_by: Mapped[str | None] = mapped_column(String(200))
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VariantComment(Base):
    """A comment on a variant, or on one of its assumptions (``target``: e.g. 'parameter:grid_ef')."""

    __tablename__ = "variant_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("scenario_variants.id"), index=True)
    target: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
