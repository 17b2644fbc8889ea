"""Figures kept as blocks of columns (``qala.store.blocks``), on SQLite and a real PostgreSQL.

Every test lowers the block threshold (``QALA_BLOCK_ROWS``) so that a file of a few rows is kept as a block,
and checks what a user sees against figures written by hand: the figures, their ids and provenance, a later
correction, a revert, estimates stepping aside, a provider's submission compared, the data package, a
backup restored. Existing tests of those paths are run again in block mode at the end."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from qala.catalog import load_catalog
from qala.exports.package_tables import store_tables
from qala.ingest.read import read_table
from qala.ingest.validate import validate_table
from qala.store import blocks, db, records, submissions
from qala.store.models import ActivityRecord, FigureBlock
from qala.store.revert import revert_batch
from qala.store.seed import add_city, open_database

from . import test_estimates_store, test_import_stream, test_store
from .conftest import write
from .test_import_stream import small_chunks  # noqa: F401 - a fixture of the tests run again

HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"
FIVE = (
    HEADER + "2011,I.1.1,natural_gas,10.5,TJ,gas utility,site-a\n"
    "2011,I.1.1,natural_gas,20.25,TJ,gas utility,site-b\n"
    "2011,I.1.1,natural_gas,30,TJ,gas utility,site-c\n"
    "2011,I.4.4,bituminous_coal,1000,t,plant,chp-1\n"
    "2011,I.1.2,grid_electricity,400,MWh,grid,\n"
)


@pytest.fixture
def in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QALA_BLOCK_ROWS", "3")  # from three new figures, a block


def validated(path: Path):
    return validate_table(read_table(path), load_catalog(), "astana")


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one()
        kept = conn.execute(select(func.count()).select_from(FigureBlock)).scalar_one()
    return rows, kept


def five(engine, tmp_path: Path):
    with engine.connect() as conn:
        before = conn.execute(select(func.max(ActivityRecord.id))).scalar_one()
    report = records.import_tables(engine, [validated(write(tmp_path / "five.csv", FIVE))], who="alice")
    return before, report.files[0]


def test_a_large_import_is_one_block_with_the_ids_and_provenance_of_rows(
    store_url: str, tmp_path: Path, in_blocks: None
) -> None:
    engine = open_database(store_url)
    rows_before, blocks_before = counts(engine)
    before, out = five(engine, tmp_path)
    assert (out.new, out.superseding) == (5, 0)
    # one block of five figures; the last one also kept as a row (the highest id in use is a row's)
    assert counts(engine) == (rows_before + 1, blocks_before + 1)
    with engine.connect() as conn:
        block = conn.execute(select(FigureBlock.__table__).where(FigureBlock.batch_id == out.batch_id)).one()
        row = conn.execute(select(ActivityRecord.__table__).where(ActivityRecord.batch_id == out.batch_id)).one()
    assert (block.first_id, block.rows) == (before + 1, 5)
    assert json.loads(block.cells) == [["astana", 2011, 5]]  # city, year, figures
    assert block.sha256 == hashlib.sha256(block.payload).hexdigest()
    assert (row.id, row.facility, row.amount, row.source_row) == (before + 5, "", 400.0, 6)
    frame = records.activity_frame(engine, "astana", 2011)
    assert frame["id"].to_list() == [before + 1, before + 2, before + 3, before + 4, before + 5]
    assert frame["amount"].to_list() == [10.5, 20.25, 30.0, 1000.0, 400.0]
    assert frame["facility"].to_list() == ["site-a", "site-b", "site-c", "chp-1", None]
    assert set(frame["status"]) == {"reported"}
    prov = records.record_provenance(engine, "astana", 2011)
    assert [(p["gpc_ref"], p["activity"], p["source_row"]) for p in prov] == [
        ("I.1.1", "natural_gas", 2),
        ("I.1.1", "natural_gas", 3),
        ("I.1.1", "natural_gas", 4),
        ("I.1.2", "grid_electricity", 6),
        ("I.4.4", "other_bituminous_coal", 5),
    ]
    assert {(p["file_name"], p["imported_by"], p["superseded_by"]) for p in prov} == {("five.csv", "alice", None)}
    assert sorted(p["id"] for p in prov) == list(range(before + 1, before + 6))  # the figures' ids, not the batch's
    hist = records.history(engine, "astana", 2011, "I.1.1", "natural_gas", "site-a")  # held in the block
    assert [(h["id"], h["amount"], h["imported_by"], h["file_name"], h["source_row"]) for h in hist] == [
        (before + 1, 10.5, "alice", "five.csv", 2)
    ]
    assert hist[0]["superseded_by"] is None and len(hist[0]["sha256"]) == 64
    assert records.years_with_data(engine, "astana")[0] == 2011
    # the next figure written as a row is numbered after the block
    one = write(tmp_path / "one.csv", HEADER + "2012,I.1.1,natural_gas,1,TJ,x,\n")
    records.import_tables(engine, [validated(one)], who="bob")
    assert records.activity_frame(engine, "astana", 2012)["id"].to_list() == [before + 6]
    engine.dispose()


def test_a_correction_of_a_figure_in_a_block_supersedes_it_and_keeps_its_history(
    store_url: str, tmp_path: Path, in_blocks: None
) -> None:
    engine = open_database(store_url)
    before, _ = five(engine, tmp_path)
    with engine.connect() as conn:
        digest = conn.execute(select(FigureBlock.sha256).order_by(FigureBlock.id.desc())).scalars().first()
    fixed = write(tmp_path / "fixed.csv", HEADER + "2011,I.1.1,natural_gas,22,TJ,gas utility rev,site-b\n")
    out = records.import_tables(engine, [validated(fixed)], who="bob").files[0]
    assert (out.new, out.superseding) == (0, 1)
    assert f"supersedes record #{before + 2} (20.25 TJ -> 22 TJ)" in out.superseded[0].message
    hist = records.history(engine, "astana", 2011, "I.1.1", "natural_gas", "site-b")
    assert [(h["id"], h["amount"], h["imported_by"]) for h in hist] == [
        (before + 2, 20.25, "alice"),
        (before + 6, 22.0, "bob"),
    ]
    assert hist[0]["superseded_by"] == before + 6 and hist[0]["file_name"] == "five.csv"
    frame = records.activity_frame(engine, "astana", 2011)
    assert frame.sort("id")["amount"].to_list() == [10.5, 30.0, 1000.0, 400.0, 22.0]
    # the same corrected file again is a duplicate; the block itself never changed
    again = records.import_tables(engine, [validated(fixed)], who="bob").files[0]
    assert (again.new, again.superseding, len(again.duplicates)) == (0, 0, 1)
    with engine.connect() as conn:
        assert conn.execute(select(FigureBlock.sha256).order_by(FigureBlock.id.desc())).scalars().first() == digest
    engine.dispose()


def test_a_revert_of_a_block_retires_every_figure_of_it(store_url: str, tmp_path: Path, in_blocks: None) -> None:
    engine = open_database(store_url)
    other = "".join(f"2011,I.1.1,natural_gas,{i + 1},TJ,other,other-{i}\n" for i in range(3))
    records.import_tables(engine, [validated(write(tmp_path / "other.csv", HEADER + other))], who="bob")
    _, out = five(engine, tmp_path)
    with engine.connect() as conn:  # a batch's figures, not those of another batch's block of the same year
        assert blocks.held(conn, batch_id=out.batch_id)["facility"].to_list() == ["site-a", "site-b", "site-c", "chp-1"]
    done = revert_batch(engine, out.batch_id, "editor", "wrong year")
    assert (done["reverted"], done["restored"], done["retired"]) == (5, 0, 5)
    left = records.activity_frame(engine, "astana", 2011)  # the other batch's block of the same year stays
    assert left["facility"].to_list() == ["other-0", "other-1", "other-2"]
    every = records.record_provenance(engine, "astana", 2011, include_superseded=True)
    retired = [p for p in every if p["file_name"] == "five.csv"]
    assert len(every) == 8 and len(retired) == 5 and all(p["superseded_by"] == p["id"] for p in retired)
    # imported again, the figures are new again (in a new block)
    again = records.import_tables(engine, [validated(tmp_path / "five.csv")], who="alice").files[0]
    assert (again.new, again.superseding) == (5, 0)
    assert records.activity_frame(engine, "astana", 2011)["amount"].sum() == pytest.approx(1460.75 + 6)
    engine.dispose()


def test_a_block_holding_a_key_twice_is_refused_and_nothing_is_written(
    store_url: str, tmp_path: Path, in_blocks: None
) -> None:
    engine = open_database(store_url)
    before = counts(engine)
    table = validated(write(tmp_path / "five.csv", FIVE))
    twice = type(table)(table.file, table.sha256, table.records.with_columns(facility=pl.lit("same")), ())
    with pytest.raises(IntegrityError, match=r"one current figure per key: the block holds \('astana', 2011, "):
        records.import_tables(engine, [twice], who="alice")
    assert counts(engine) == before
    engine.dispose()


def test_a_damaged_block_is_refused_when_read(store_url: str, tmp_path: Path, in_blocks: None) -> None:
    engine = open_database(store_url)
    five(engine, tmp_path)
    blocks._CACHE.clear()
    with engine.begin() as conn:
        payload = conn.execute(select(FigureBlock.payload).order_by(FigureBlock.id.desc())).scalars().first()
        conn.execute(update(FigureBlock).values(payload=payload[:-1] + bytes([payload[-1] ^ 1])))
    with pytest.raises(RuntimeError, match="does not match its SHA-256"):
        records.activity_frame(engine, "astana", 2011)
    engine.dispose()


def test_a_submission_is_compared_with_a_figure_held_in_a_block(
    store_url: str, tmp_path: Path, in_blocks: None
) -> None:
    engine = open_database(store_url)
    five(engine, tmp_path)
    row = {"city": "astana", "year": 2011, "gpc_ref": "I.1.1", "activity": "natural_gas", "facility": "site-c"}
    with engine.connect() as conn:
        moved = submissions.compare(conn, row | {"amount": 33.0, "unit": "TJ"}, 5.0)
        fresh = submissions.compare(conn, row | {"facility": "site-z", "amount": 1.0, "unit": "TJ"}, 5.0)
    assert moved["current"] == 30.0 and moved["difference"] == pytest.approx(3.0)
    assert moved["change_percent"] == pytest.approx(10.0) and moved["flag"] == "change"
    assert fresh["flag"] == "new"
    engine.dispose()


def test_the_data_package_holds_the_figures_of_a_block(store_url: str, tmp_path: Path, in_blocks: None) -> None:
    engine = open_database(store_url)
    before, out = five(engine, tmp_path)
    tables = {t.name: t.frame for t in store_tables(engine, "astana")}
    current = tables["activity"].filter(pl.col("year") == 2011)
    assert current.select("gpc_ref", "facility", "amount").rows() == [
        ("I.1.1", "site-a", 10.5),
        ("I.1.1", "site-b", 20.25),
        ("I.1.1", "site-c", 30.0),
        ("I.1.2", "", 400.0),
        ("I.4.4", "chp-1", 1000.0),
    ]
    every = tables["activity_records"].filter(pl.col("batch_id") == out.batch_id)
    assert every["record_id"].to_list() == list(range(before + 1, before + 6))
    assert every["source_row"].to_list() == [2, 3, 4, 5, 6]
    assert every.filter(pl.col("facility") == "chp-1").select("activity", "activity_as_written").row(0) == (
        "other_bituminous_coal",
        "bituminous_coal",  # the alias the file used
    )
    assert out.batch_id in tables["import_batches"]["batch_id"].to_list()
    engine.dispose()


@pytest.mark.parametrize("target", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_backup_of_a_store_with_blocks_restores_them_exactly(
    target: str, tmp_path: Path, run_cli, in_blocks: None, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = open_database(url)
    before, _ = five(engine, tmp_path)
    want = records.activity_frame(engine, "astana", 2011)
    engine.dispose()
    archive = tmp_path / "a.zip"
    assert run_cli("backup", "-o", str(archive), "--database", url)[0] == 0
    with zipfile.ZipFile(archive) as z:
        assert "tables/figure_blocks.jsonl" in z.namelist()
    restored_url = (
        f"sqlite:///{tmp_path / 'b.db'}" if target == "sqlite" else request.getfixturevalue("pg_cluster").new_database()
    )
    code, _, err = run_cli("restore", str(archive), "--database", restored_url)
    assert code == 0, err
    restored = open_database(restored_url, seed=False)
    assert records.activity_frame(restored, "astana", 2011).equals(want)
    # the numbering goes on after the block (PostgreSQL: the sequence set from the highest id restored)
    one = write(tmp_path / "one.csv", HEADER + "2012,I.1.1,natural_gas,1,TJ,x,\n")
    records.import_tables(restored, [validated(one)], who="bob")
    assert records.activity_frame(restored, "astana", 2012)["id"].to_list() == [before + 6]
    restored.dispose()


@pytest.mark.postgres
def test_an_import_waits_while_another_writer_holds_the_figures_lock(pg_cluster, tmp_path: Path, in_blocks: None):
    """Two writers cannot both find a key free: an import waits for the figures' lock (PostgreSQL's advisory
    lock) held by another transaction, and goes on once it ends. Waited for as an event (the import's backend
    shown waiting for the lock), never on a clock."""
    engine = open_database(pg_cluster.new_database())
    table = validated(write(tmp_path / "five.csv", FIVE))
    result: dict[str, object] = {}
    with engine.connect() as holder:
        tx = holder.begin()
        blocks.lock(holder)
        worker = threading.Thread(target=lambda: result.update(out=records.import_tables(engine, [table], who="a")))
        worker.start()
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        while not holder.execute(waiting).scalar():
            time.sleep(0.02)
        assert worker.is_alive() and not result, "the import went on while the lock was held"
        tx.commit()
    worker.join()
    assert result["out"].files[0].new == 5  # type: ignore[attr-defined]
    engine.dispose()


# --- the tests of the same paths written for rows, run again with every import kept as blocks ---------------
@pytest.fixture
def every_import_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QALA_BLOCK_ROWS", "1")


def _again(test, request: pytest.FixtureRequest, **given: object) -> None:
    """Run another module's test function with its fixtures (the same ones this test has, where shared)."""
    names = test.__code__.co_varnames[: test.__code__.co_argcount]
    test(**{p: given[p] if p in given else request.getfixturevalue(p) for p in names})


@pytest.mark.parametrize(
    "test",
    [test_store.test_import_supersede_history_and_duplicates, test_store.test_same_inventory_on_both_backends]
    + [getattr(test_estimates_store, n) for n in dir(test_estimates_store) if n.startswith("test_")],
    ids=lambda t: t.__name__,
)
def test_the_store_in_blocks(test, store_url: str, every_import_in_blocks: None, request) -> None:
    _again(test, request, store_url=store_url)


STREAMED = [
    (getattr(test_import_stream, n), given)
    for n in dir(test_import_stream)
    if n.startswith("test_")
    for given in (
        [{"cache": True}, {"cache": False}] if "cache" in getattr(test_import_stream, n).__code__.co_varnames else [{}]
    )
]


@pytest.mark.parametrize(("test", "given"), STREAMED, ids=lambda x: x.__name__ if callable(x) else str(x))
def test_a_streamed_import_in_blocks(test, given: dict, every_import_in_blocks: None, request) -> None:
    _again(test, request, **given)


def test_a_large_block_reverted_goes_through_the_bulk_path_of_rows(
    store_url: str, tmp_path: Path, in_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its 300 figures copied into activity_records as a large batch is (indexes rebuilt; SQLite's staging
    file), then retired: every id, amount and row kept."""
    from qala.store import bulk

    monkeypatch.setattr(bulk, "REBUILD_ROWS", 50)
    monkeypatch.setattr(bulk, "STAGE_ROWS", 50)
    engine = open_database(store_url)
    body = "".join(f"2011,I.1.1,natural_gas,{i + 0.25},TJ,meter,site-{i:03d}\n" for i in range(300))
    out = records.import_tables(engine, [validated(write(tmp_path / "meters.csv", HEADER + body))], who="a").files[0]
    held = records.activity_frame(engine, "astana", 2011)
    done = revert_batch(engine, out.batch_id, "editor", "a test file")
    assert (done["reverted"], done["retired"]) == (300, 300)
    assert records.activity_frame(engine, "astana", 2011).is_empty()
    every = records.record_provenance(engine, "astana", 2011, include_superseded=True)
    assert sorted(p["id"] for p in every) == held["id"].to_list()
    assert sorted((p["source_row"], p["amount"]) for p in every) == [(i + 2, i + 0.25) for i in range(300)]
    with engine.connect() as conn:
        assert blocks.held(conn, batch_id=out.batch_id).is_empty()
    engine.dispose()


def test_a_reader_sees_one_state_of_rows_and_blocks_while_a_writer_commits(
    store_url: str, tmp_path: Path, in_blocks: None
) -> None:
    """A revert that moves every figure of a block into rows commits between two reads of one reader: the
    reader still sees the figures in the block and the one row as they were (else a figure would be in
    neither), and a reader after it sees the revert."""
    engine = open_database(store_url)
    _, out = five(engine, tmp_path)
    current = select(func.count()).select_from(ActivityRecord)
    current = current.where(ActivityRecord.batch_id == out.batch_id, ActivityRecord.superseded_by.is_(None))
    with db.snapshot(engine) as conn:
        before = blocks.held(conn, city="astana", years=[2011])
        revert_batch(engine, out.batch_id, "editor", "wrong file")  # on another connection, committed
        after = blocks.held(conn, city="astana", years=[2011])
        rows = conn.execute(current).scalar_one()
    assert before.height == after.height == 4 and rows == 1  # four in the block, the last one a row
    assert records.activity_frame(engine, "astana", 2011).is_empty()
    engine.dispose()


@pytest.mark.parametrize(
    ("raw", "rows"), [("", 50_000), ("1", 1), ("200000", 200_000), ("0", 50_000), ("-5", 50_000), ("x", 50_000)]
)
def test_the_block_threshold_is_a_setting_and_a_wrong_value_keeps_the_default(
    raw: str, rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QALA_BLOCK_ROWS", raw)
    assert blocks.block_rows() == rows
    assert blocks.takes(rows) and not blocks.takes(rows - 1)


def test_an_sqlite_writer_of_figures_holds_the_write_lock_from_its_first_read(tmp_path: Path) -> None:
    """Another connection cannot write between what a writer of figures reads and what it writes."""
    engine = open_database(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as conn, conn.begin():
        blocks.lock(conn)
        other = sqlite3.connect(tmp_path / "s.db", timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    engine.dispose()


def test_db_info_counts_the_figures_of_a_block_once(tmp_path: Path, run_cli, in_blocks: None) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    engine = open_database(url)

    def counted() -> tuple[int, int]:
        code, out, err = run_cli("db", "info", "--database", url)
        assert code == 0, err
        current = re.search(r"Activity records \(current\)\D*(\d+)", out)
        every = re.search(r"Activity records \(all\)\D*(\d+)", out)
        assert current and every, out
        return int(current.group(1)), int(every.group(1))

    before = counted()
    five(engine, tmp_path)  # four figures held in the block, the fifth a row too: five figures
    assert counted() == (before[0] + 5, before[1] + 5)
    fixed = write(tmp_path / "fixed.csv", HEADER + "2011,I.1.1,natural_gas,22,TJ,gas utility rev,site-b\n")
    records.import_tables(engine, [validated(fixed)], who="bob")  # one of the block's figures superseded
    assert counted() == (before[0] + 5, before[1] + 6)
    engine.dispose()


def two_cities(tmp_path: Path):
    """A store with no figures and two cities (no bundled data: the first id is the store's first)."""
    engine = open_database(f"sqlite:///{tmp_path / 'two.db'}", seed=False)
    for code in ("alpha", "beta"):
        add_city(engine, code, {"en": code, "ru": code, "kk": code}, "KZ")
    return engine


def table_of(tmp_path: Path, name: str, body: str):
    return validate_table(read_table(write(tmp_path / name, "city," + HEADER + body)), load_catalog(), None)


def test_keys_that_differ_in_one_column_only_are_distinct_figures_of_a_block(tmp_path: Path, in_blocks: None):
    """The block's own key check (one current figure per key) compares all five columns of the key."""
    engine = two_cities(tmp_path)
    body = (
        "alpha,2011,I.1.1,natural_gas,1,TJ,x,site\n"
        "beta,2011,I.1.1,natural_gas,2,TJ,x,site\n"  # another city
        "alpha,2012,I.1.1,natural_gas,3,TJ,x,site\n"  # another year
        "alpha,2011,I.2.1,natural_gas,4,TJ,x,site\n"  # another cell
        "alpha,2011,I.1.1,gas_diesel_oil,5,TJ,x,site\n"  # another activity
        "alpha,2011,I.1.1,natural_gas,6,TJ,x,other\n"  # another facility
    )
    out = records.import_tables(engine, [table_of(tmp_path, "keys.csv", body)], who="a").files[0]
    assert out.new == 6
    with engine.connect() as conn:
        block = conn.execute(select(FigureBlock.__table__)).one()
    assert (block.first_id, block.rows) == (1, 6)  # the first figure of an empty store is record 1
    assert json.loads(block.cells) == [["alpha", 2011, 4], ["alpha", 2012, 1], ["beta", 2011, 1]]
    alpha = records.activity_frame(engine, "alpha", 2011)
    assert sorted(alpha["amount"].to_list()) == [1.0, 4.0, 5.0, 6.0]
    assert records.activity_frame(engine, "beta")["amount"].to_list() == [2.0]
    # an uncompressed block of these figures would be larger: the payload is compressed (zstd)
    with engine.connect() as conn:
        payload = conn.execute(select(FigureBlock.payload)).scalar_one()
    plain = io.BytesIO()
    pl.read_ipc(io.BytesIO(payload)).write_ipc(plain, compression="uncompressed")
    assert len(payload) < len(plain.getvalue())
    engine.dispose()


def test_the_years_a_city_has_in_blocks_are_counted_per_city_and_year(tmp_path: Path, in_blocks: None) -> None:
    """From the blocks' counts less the figures moved into rows, by city and year — and rows of the same batch
    that are not the block's (a figure superseding another) are not counted as moved out of it."""
    engine = two_cities(tmp_path)
    body = "".join(f"alpha,2011,I.1.1,natural_gas,{i + 1},TJ,x,s{i}\n" for i in range(3))
    body += "".join(f"alpha,2012,I.1.1,natural_gas,{i + 1},TJ,x,s{i}\n" for i in range(3))
    body += "beta,2013,I.1.1,natural_gas,1,TJ,x,s0\n"
    records.import_tables(engine, [table_of(tmp_path, "a.csv", body)], who="a")
    with engine.connect() as conn:
        assert blocks.held_years(conn, "alpha") == {2011, 2012}
        assert blocks.held_years(conn, "beta") == set()  # its one figure is the block's last: a row
        assert blocks.held_count(conn) == 6
    # every 2011 figure superseded (moved into rows), plus three new ones: a second block and one row
    fixed = "".join(f"alpha,2011,I.1.1,natural_gas,{i + 10},TJ,y,s{i}\n" for i in range(3))
    fixed += "".join(f"alpha,2014,I.1.1,natural_gas,{i + 1},TJ,y,s{i}\n" for i in range(3))
    out = records.import_tables(engine, [table_of(tmp_path, "b.csv", fixed)], who="a").files[0]
    assert (out.new, out.superseding) == (3, 3)
    with engine.connect() as conn:
        assert blocks.held_years(conn, "alpha") == {2012, 2014}  # 2011's figures are rows now
        assert blocks.held_count(conn) == 3 + 2  # 2012's three; two of 2014's (the third a row)
    assert records.years_with_data(engine, "alpha") == [2011, 2012, 2014]
    assert records.years_with_data(engine, "beta") == [2013]
    # one year, two cities: what moved out of the block for one city is not counted against the other
    body = "alpha,2015,I.1.1,natural_gas,1,TJ,x,s0\n" + "".join(
        f"beta,2015,I.1.1,natural_gas,{i},TJ,x,s{i}\n" for i in (1, 2, 3)
    )
    records.import_tables(engine, [table_of(tmp_path, "c.csv", body)], who="a")  # beta's s3: a row
    fixed = "beta,2015,I.1.1,natural_gas,9,TJ,y,s1\nbeta,2015,I.1.1,natural_gas,9,TJ,y,s2\n"
    records.import_tables(engine, [table_of(tmp_path, "d.csv", fixed)], who="a")  # s1, s2: rows now
    with engine.connect() as conn:
        assert 2015 in blocks.held_years(conn, "alpha") and 2015 not in blocks.held_years(conn, "beta")
    engine.dispose()


def test_decoded_blocks_are_kept_two_at_a_time_the_latest_used(tmp_path: Path, in_blocks: None) -> None:
    engine = two_cities(tmp_path)
    for n in range(3):
        body = "".join(f"alpha,{2011 + n},I.1.1,natural_gas,{i + 1},TJ,x,s{i}\n" for i in range(3))
        records.import_tables(engine, [table_of(tmp_path, f"{n}.csv", body)], who="a")
    with engine.connect() as conn:
        digests = list(conn.execute(select(FigureBlock.sha256).order_by(FigureBlock.id)).scalars())
    blocks._CACHE.clear()
    with engine.connect() as conn:
        blocks.held(conn, city="alpha", years=[2011], ids=None)
        list(blocks.parts(conn, city="alpha", years=[2012], columns=("amount",)))  # a few columns: not kept
        assert list(blocks._CACHE) == [digests[0]]
        blocks.held(conn, city="alpha", years=[2012])
        blocks.held(conn, city="alpha", years=[2011])  # used again: now the latest
        blocks.held(conn, city="alpha", years=[2013])
    assert list(blocks._CACHE) == [digests[0], digests[2]]
    engine.dispose()


def test_the_figures_of_some_keys_are_read_with_a_few_columns_a_block_at_a_time(
    tmp_path: Path, in_blocks: None
) -> None:
    engine = two_cities(tmp_path)
    first = "".join(f"alpha,2010,I.1.1,natural_gas,{i + 0.5},TJ,x,t{i}\n" for i in range(4))  # none of the keys
    records.import_tables(engine, [table_of(tmp_path, "a.csv", first)], who="a")
    body = "".join(f"alpha,2011,I.1.1,natural_gas,{i + 0.5},TJ,x,s{i}\n" for i in range(4))
    records.import_tables(engine, [table_of(tmp_path, "b.csv", body)], who="a")
    keys = pl.DataFrame({"facility": ["s2", "s0", "s2", "nowhere"]})  # a key given twice is one figure
    with engine.connect() as conn:
        got = list(blocks.parts(conn, city="alpha", keys=keys, columns=("amount",)))
    assert [part.columns for part in got] == [["id", "batch_id", "amount"]]  # the first block gave nothing
    assert sorted(got[0]["amount"].to_list()) == [0.5, 2.5]
    engine.dispose()
