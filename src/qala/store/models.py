"""Tables of the technical information base (SQLAlchemy 2). Migrations live in ``migrations/``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
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


class ActivityRecord(Base):
    """One figure of activity data. Never updated in place: a correction supersedes it."""

    __tablename__ = "activity_records"
    __table_args__ = (
        Index(
            "ix_activity_current",
            "city_code",
            "year",
            "gpc_ref",
            "activity",
            "facility",
            unique=True,
            sqlite_where=text("superseded_by IS NULL"),
            postgresql_where=text("superseded_by IS NULL"),
        ),
        Index("ix_activity_city_year", "city_code", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"))
    year: Mapped[int] = mapped_column(Integer)
    gpc_ref: Mapped[str] = mapped_column(String(12))
    activity: Mapped[str] = mapped_column(String(60))
    activity_as_written: Mapped[str] = mapped_column(String(200))
    facility: Mapped[str] = mapped_column(String(200), default="")  # "" when none (for the unique key)
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
