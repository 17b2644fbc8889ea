"""How fast SQLite itself stores a million activity records on this machine: SQL alone, no Qala code.

    .venv/bin/python -m benchmarks.sqlite_floor                 # 1,000,000 rows, each variant once
    .venv/bin/python -m benchmarks.sqlite_floor --repeats 3     # best of 3

The rows of ``benchmarks.data`` (as the import benchmark's file holds them) are staged once in a scratch file
by ADBC; then, for each variant, a fresh database with Qala's own table and indexes (its migrations' schema)
gets them by one ``INSERT … SELECT``, its three indexes built afterwards (as a large import does), and a
commit in WAL mode. Printed per variant: the insert, each index, the commit (with SQLite's own checkpoint) and
the total. This is the floor under ``import_tables`` for this schema: what a faster Qala could not go below.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import polars as pl

from benchmarks import data

VARIANTS: dict[str, tuple[int, bool, list[str], bool]] = {  # page size, foreign keys on, more pragmas, narrow
    "SQLite's defaults (4 KiB pages, foreign keys on)": (4096, True, [], False),
    "foreign keys off": (4096, False, [], False),
    "16 KiB pages, foreign keys off (a large import today)": (16384, False, [], False),
    # what a narrower row would save: the source and the activity as written kept elsewhere (once per batch,
    # or only where they differ), so each row carries neither text
    "the same, a narrow row (no source, no activity as written)": (16384, False, [], True),
    "64 KiB pages, foreign keys off, 512 MiB cache": (65536, False, ["cache_size=-524288"], False),
}


def _schema(work: Path) -> tuple[str, list[str]]:
    from qala.store.seed import open_database

    path = work / "schema.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    con = sqlite3.connect(path)
    table = con.execute("SELECT sql FROM sqlite_master WHERE name = 'activity_records'").fetchone()[0]
    indexes = [
        sql
        for (sql,) in con.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'activity_records' AND type = 'index' AND sql IS NOT NULL "
            "AND name <> 'ix_activity_estimates'"  # a partial index no imported row enters (kept, not rebuilt)
        )
    ]
    con.close()
    return table, indexes


def _stage(n: int, work: Path) -> Path:
    import adbc_driver_sqlite.dbapi as adbc

    rows = data.to_polars(data.generate(n, seed=20220102)).select(
        pl.col("gpc_ref").cast(pl.String),
        pl.col("activity").cast(pl.String),
        pl.col("activity").cast(pl.String).alias("activity_as_written"),
        ("site-" + pl.int_range(1, n + 1, eager=False).cast(pl.String).str.zfill(7)).alias("facility"),
        pl.col("amount"),
        pl.col("unit").cast(pl.String),
        pl.int_range(2, n + 2, eager=False).alias("source_row"),
    )
    path = work / "stage.sqlite3"
    with adbc.connect(str(path), autocommit=True) as con, con.cursor() as cur:
        cur.adbc_ingest("rows", rows.to_arrow(), mode="create")
    return path


def run_variant(
    work: Path,
    stage: Path,
    rows: int,
    table: str,
    indexes: list[str],
    page: int,
    fk: bool,
    more: list[str],
    narrow: bool = False,
) -> list[float]:
    db = work / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute(f"PRAGMA page_size={page}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE cities (code VARCHAR(40) PRIMARY KEY)")
    con.execute("INSERT INTO cities VALUES ('astana')")
    con.execute("CREATE TABLE import_batches (id INTEGER PRIMARY KEY)")
    con.execute("INSERT INTO import_batches VALUES (1)")
    con.execute(table)
    con.execute(f"PRAGMA foreign_keys={'ON' if fk else 'OFF'}")
    for pragma in more:
        con.execute(f"PRAGMA {pragma}")
    con.execute("ATTACH DATABASE ? AS st", (str(stage),))
    marks = [time.perf_counter()]
    con.execute("BEGIN IMMEDIATE")
    written, source = ("''", "NULL") if narrow else ("activity_as_written", "?")
    con.execute(
        "INSERT INTO activity_records (gpc_ref, activity, activity_as_written, facility, amount, unit, source_row, "
        f"city_code, year, source, batch_id) SELECT gpc_ref, activity, {written}, facility, amount, unit, "
        f"source_row, 'astana', {data.YEAR}, {source}, 1 FROM st.rows ORDER BY rowid",
        () if narrow else (data.SOURCE,),
    )
    marks.append(time.perf_counter())
    for sql in indexes:
        con.execute(sql)
        marks.append(time.perf_counter())
    con.execute("COMMIT")
    marks.append(time.perf_counter())
    stored = con.execute("SELECT count(*) FROM activity_records").fetchone()[0]
    con.close()
    if stored != rows:
        raise SystemExit(f"{stored} rows stored of {rows}")
    return [b - a for a, b in itertools.pairwise(marks)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qala-floor-") as tmp:
        work = Path(tmp)
        table, indexes = _schema(work)
        stage = _stage(args.rows, work)
        print(f"{args.rows:,} rows; indexes built after the insert: {len(indexes)}; load {os.getloadavg()[0]:.1f}")
        for name, (page, fk, more, narrow) in VARIANTS.items():
            runs = [
                run_variant(work, stage, args.rows, table, indexes, page, fk, more, narrow) for _ in range(args.repeats)
            ]
            best = min(runs, key=sum)
            parts = " + ".join(f"{t:.2f}" for t in best[1:-1])
            print(f"{name:55s} total {sum(best):5.2f} s: insert {best[0]:.2f}, indexes {parts}, commit {best[-1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
