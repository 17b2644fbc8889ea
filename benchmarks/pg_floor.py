"""How fast PostgreSQL itself stores a million activity records on this machine: COPY and the indexes, no import.

    .venv/bin/python -m benchmarks.pg_floor                      # a throwaway cluster, 1,000,000 rows, once
    .venv/bin/python -m benchmarks.pg_floor --repeats 3          # best of 3
    .venv/bin/python -m benchmarks.pg_floor --database URL       # an existing, empty database

The rows of ``benchmarks.data`` (as the import benchmark's file holds them, every column an import stores) go
by Qala's binary COPY (``qala.store.bulk_pg.copy_in``) into a table made like ``activity_records`` (its
migrations' schema, without indexes), whose three indexes are then built as a large import builds them.
Printed per variant: the COPY (with its commit), each index, the total and the table's size. Two variants:
the row as stored today, and a narrow row (no source text, no activity as written: what keeping those once
per batch, or only where they differ, would save). The PostgreSQL counterpart of ``benchmarks.sqlite_floor``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import time
from collections.abc import Iterator

import polars as pl

from benchmarks import data

TABLE = "floor_records"


def _rows(n: int, narrow: bool) -> pl.DataFrame:
    rows = data.to_polars(data.generate(n, seed=20220102)).select(
        pl.lit(data.CITY).alias("city_code"),
        pl.lit(data.YEAR, dtype=pl.Int32).alias("year"),
        pl.col("gpc_ref").cast(pl.String),
        pl.col("activity").cast(pl.String),
        pl.col("activity").cast(pl.String).alias("activity_as_written"),
        ("site-" + pl.int_range(1, n + 1, eager=False).cast(pl.String).str.zfill(7)).alias("facility"),
        pl.col("amount"),
        pl.col("unit").cast(pl.String),
        pl.lit(data.SOURCE).alias("source"),
        pl.lit(1, dtype=pl.Int32).alias("batch_id"),
        pl.int_range(2, n + 2, eager=False, dtype=pl.Int32).alias("source_row"),
        pl.lit("reported").alias("status"),
    )
    if narrow:
        rows = rows.with_columns(pl.lit("").alias("activity_as_written"), pl.lit(None, dtype=pl.String).alias("source"))
    return rows


@contextlib.contextmanager
def _database(url: str | None) -> Iterator[str]:
    from benchmarks.pg import new_database, throwaway_cluster

    if url is not None:
        yield url
        return
    with throwaway_cluster() as server:
        if server is None:
            raise SystemExit("PostgreSQL is not installed here (apt-get install postgresql)")
        yield new_database(server)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def run_variant(dsn: str, rows: pl.DataFrame, indexes: list[str]) -> tuple[list[float], int]:
    """Seconds of the COPY and of each index; the table's size in bytes."""
    import psycopg

    from qala.store.bulk_pg import copy_in

    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        con.execute(f"CREATE TABLE {TABLE} (LIKE activity_records INCLUDING DEFAULTS)")
    marks = [time.perf_counter()]
    with psycopg.connect(dsn) as con:
        copy_in(con, TABLE, rows)
        con.commit()
    marks.append(time.perf_counter())
    with psycopg.connect(dsn, autocommit=True) as con:
        for sql in indexes:
            con.execute(sql)
            marks.append(time.perf_counter())
        stored, size = con.execute(f"SELECT count(*), pg_relation_size('{TABLE}') FROM {TABLE}").fetchone()
        con.execute(f"DROP TABLE {TABLE}")
    if stored != rows.height:
        raise SystemExit(f"{stored} rows stored of {rows.height}")
    return [b - a for a, b in itertools.pairwise(marks)], size


def main(argv: list[str] | None = None) -> int:
    import psycopg

    from qala.store.seed import open_database

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--database", default=None, help="postgresql+psycopg://… of an empty database")
    args = parser.parse_args(argv)
    with _database(args.database) as url:
        open_database(url).dispose()  # the migrations' schema: activity_records is the table copied
        dsn = _dsn(url)
        with psycopg.connect(dsn) as con:
            indexes = [
                sql.replace(" ON public.activity_records ", f" ON public.{TABLE} ").replace(
                    " INDEX ix_", " INDEX floor_ix_"
                )
                for (sql,) in con.execute(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'activity_records' "
                    "AND indexname NOT IN ('activity_records_pkey', 'ix_activity_estimates') ORDER BY indexname"
                )
            ]
        print(f"{args.rows:,} rows; indexes built after the COPY: {len(indexes)}; load {os.getloadavg()[0]:.1f}")
        for name, narrow in (
            ("the row as stored today", False),
            ("a narrow row (no source, no activity as written)", True),
        ):
            rows = _rows(args.rows, narrow)
            runs = [run_variant(dsn, rows, indexes) for _ in range(args.repeats)]
            best, size = min(runs, key=lambda r: sum(r[0]))
            parts = " + ".join(f"{t:.2f}" for t in best[1:])
            print(
                f"{name:50s} total {sum(best):5.2f} s: copy {best[0]:.2f}, indexes {parts}; "
                f"table {size / 2**20:,.0f} MiB"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
