"""A large import on SQLite (``qala.store.large_import`` and ``bulk._staged``): written in parts while the next
part is staged, its foreign keys checked by the import itself, the log copied after the commit by a thread —
and still the same rows, the same refusals, the connection as it was, and all or nothing."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from qala.catalog import load_catalog
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.store import bulk, large_import
from qala.store.records import activity_frame, import_tables, record_provenance
from qala.store.seed import open_database
from tests.test_bulk import activity_csv


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The large-import path on a small file; staging files in a directory of the test's own."""
    monkeypatch.setattr(bulk, "REBUILD_ROWS", 50)
    monkeypatch.setattr(bulk, "STAGE_ROWS", 50)
    stages = tmp_path / "stages"
    stages.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(stages))
    return stages


def _table(n: int = 240, name: str = "a.csv"):
    return validate_table(parse_bytes(activity_csv(n), name), load_catalog(), "astana")


def _stored(url: str) -> pl.DataFrame:
    engine = open_database(url)
    frame = activity_frame(engine, "astana", 2023)
    rows = sorted((r["id"], r["source_row"]) for r in record_provenance(engine, "astana", 2023) if r["source_row"])
    engine.dispose()
    return frame.join(pl.DataFrame(rows, schema=["id", "source_row"], orient="row"), on="id", how="left")


def _watch_parts(
    monkeypatch: pytest.MonkeyPatch,
    before: Callable[[int], None] | None = None,
    after: Callable[[int, str], None] | None = None,
) -> list[int]:
    """Each part's staging watched: its rows recorded (the list returned), ``before(n)`` called ahead of writing
    part n (from 1), ``after(n, path)`` once it is written."""
    calls: list[int] = []
    stage = bulk._stage_file

    def watched(adbc, rows: pl.DataFrame) -> str:
        calls.append(rows.height)
        if before is not None:
            before(len(calls))
        path = stage(adbc, rows)
        if after is not None:
            after(len(calls), path)
        return path

    monkeypatch.setattr(bulk, "_stage_file", watched)
    return calls


def test_a_batch_written_in_parts_is_the_batch_written_at_once(
    large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _watch_parts(monkeypatch)
    table = _table()
    monkeypatch.setattr(bulk, "STAGE_PART", 10_000)
    whole = tmp_path / "whole.sqlite3"
    engine = open_database(f"sqlite:///{whole}")
    import_tables(engine, [table], who="bulk-test")
    engine.dispose()
    assert calls == [240]
    calls.clear()
    monkeypatch.setattr(bulk, "STAGE_PART", 50)  # 240 rows: four parts (STAGE_PARTS), in the frame's order
    parts = tmp_path / "parts.sqlite3"
    engine = open_database(f"sqlite:///{parts}")
    import_tables(engine, [table], who="bulk-test")
    engine.dispose()
    assert calls == [60, 60, 60, 60]
    got, want = _stored(f"sqlite:///{parts}"), _stored(f"sqlite:///{whole}")
    assert got.height == want.height > 240
    assert got.equals(want), "the same ids for the same rows, every value to the bit"
    assert list(large.iterdir()) == [], "every staging file is gone"


def test_a_part_that_fails_leaves_the_store_as_it_was(
    large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STAGE_PART", 50)

    def third_fails(n: int) -> None:
        if n == 3:
            raise OSError("disk full (test)")

    calls = _watch_parts(monkeypatch, before=third_fails)
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    engine = open_database(url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM activity_records")).scalar()
    with pytest.raises(OSError, match="disk full"):
        import_tables(engine, [_table()], who="bulk-test")
    assert len(calls) == 3, "the third part was being written while the second was copied"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == before
        assert conn.execute(text("SELECT count(*) FROM import_batches WHERE file_name = 'a.csv'")).scalar() == 0
    engine.dispose()
    assert list(large.iterdir()) == [], "the parts written are removed, the one being written too"


def test_a_copy_that_fails_removes_the_part_being_written_meanwhile(
    large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STAGE_PART", 50)

    def second_unreadable(n: int, path: str) -> None:
        if n == 2:
            Path(path).write_bytes(b"not a database")  # its copy fails while the third part is written

    calls = _watch_parts(monkeypatch, after=second_unreadable)
    engine = open_database(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    with pytest.raises(Exception, match="not a database"):
        import_tables(engine, [_table()], who="bulk-test")
    engine.dispose()
    assert len(calls) == 3
    assert list(large.iterdir()) == [], "the unreadable part and the third one are removed"


def _connection_settings(engine) -> tuple[int, int, list]:
    with engine.connect() as conn:
        return (
            conn.exec_driver_sql("PRAGMA foreign_keys").scalar(),
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar(),
            conn.exec_driver_sql("PRAGMA foreign_key_check").all(),
        )


def test_the_connection_gets_its_foreign_keys_back_after_a_large_import(large: Path, tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    assert import_tables(engine, [_table()], who="bulk-test").files[0].new == 240
    assert _connection_settings(engine) == (1, 1000, []), "keys on, the log copied as usual, none broken"
    table = _table(name="b.csv")
    twice = table.records.with_columns(pl.lit("same").alias("facility"))  # the unique index cannot be built
    with pytest.raises(Exception, match="UNIQUE"):
        import_tables(engine, [type(table)(table.file, table.sha256, twice, ())], who="bulk-test")
    assert _connection_settings(engine) == (1, 1000, []), "after a failed import too"
    engine.dispose()


def test_an_unknown_city_is_still_refused_on_the_large_path(large: Path, tmp_path: Path) -> None:
    """SQLite's own check is off: the import's must refuse a city the store does not hold, and write nothing."""
    engine = open_database(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    table = _table()
    elsewhere = table.records.with_columns(
        pl.when(pl.col("source_row") == 100).then(pl.lit("atlantis")).otherwise(pl.col("city")).alias("city")
    )
    with pytest.raises(ValidationFailed) as raised:
        import_tables(engine, [type(table)(table.file, table.sha256, elsewhere, ())], who="bulk-test")
    assert [(p.row, p.column, p.value) for p in raised.value.problems] == [(100, "city", "atlantis")]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM import_batches WHERE file_name = 'a.csv'")).scalar() == 0
    engine.dispose()


def test_the_log_is_copied_into_the_database_file_after_the_commit(large: Path, tmp_path: Path) -> None:
    """The commit leaves the log as it is; the thread then copies it: the database file alone (read as
    immutable, which ignores the log) holds the import once the checkpoints are waited for."""
    path = tmp_path / "q.sqlite3"
    engine = open_database(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").all()
        before = conn.execute(text("SELECT count(*) FROM activity_records")).scalar()
    import_tables(engine, [_table()], who="bulk-test")
    large_import.wait_for_checkpoints()
    alone = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:  # the engine's connections still open: closing the last one would copy the log too
        assert alone.execute("SELECT count(*) FROM activity_records").fetchone()[0] == before + 240
    finally:
        alone.close()
        engine.dispose()


def test_a_new_database_has_16_kib_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    from qala.store import db

    new = open_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with new.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == db.PAGE_SIZE == 16384
    new.dispose()
    old_path = tmp_path / "old.sqlite3"
    made = sqlite3.connect(old_path)
    made.execute("PRAGMA page_size=4096")
    made.execute("CREATE TABLE t (x)")  # a file made before: its pages are 4 KiB
    made.close()
    old = open_database(f"sqlite:///{old_path}")
    with old.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
    assert import_tables(old, [_table(60)], who="bulk-test").files[0].new == 60
    old.dispose()
