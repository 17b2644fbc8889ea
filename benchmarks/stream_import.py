"""10 M CSV rows through ``qala import``: time and peak resident memory of the command (it streams the file).

    .venv/bin/python -m benchmarks.stream_import                  # 10,000,000 rows into a fresh SQLite file
    .venv/bin/python -m benchmarks.stream_import --rows 2000000   # a shorter run
    .venv/bin/python -m benchmarks.stream_import --postgres auto  # into a throwaway PostgreSQL cluster

The file is written in parts of a million rows (the rows of ``benchmarks.data``, a distinct facility per
row), then imported by the ``qala`` command in a child process with ``QALA_MAX_IMPORT_ROWS`` and
``QALA_MAX_IMPORT_MB`` raised to fit it. The child's peak resident memory is its ``ru_maxrss``. Fails (exit 1)
unless every row was stored. Writes ``results/stream.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from benchmarks import data
from qala.ingest import stream

RESULTS = Path(__file__).resolve().parent / "results" / "stream.json"
PART = 1_000_000


def write_file(rows: int, path: Path) -> None:
    with path.open("wb") as f:
        for k, start in enumerate(range(0, rows, PART)):
            n = min(PART, rows - start)
            part = data.to_polars(data.generate(n, seed=20220102 + k)).select(
                pl.lit(data.YEAR).alias("year"),
                pl.col("gpc_ref").cast(pl.String),
                pl.col("activity").cast(pl.String),
                pl.col("amount"),
                pl.col("unit").cast(pl.String),
                pl.lit(data.SOURCE).alias("source"),
                ("site-" + pl.int_range(start + 1, start + n + 1).cast(pl.String).str.zfill(8)).alias("facility"),
            )
            part.write_csv(f, include_header=k == 0)


def run(rows: int, workdir: Path, database: str | None) -> dict:
    path = workdir / f"activity-{rows}.csv"
    if not path.exists():
        print(f"writing {rows:,} rows to {path} ...", flush=True)
        write_file(rows, path)
    size = path.stat().st_size
    home = workdir / "home"
    shutil.rmtree(home, ignore_errors=True)  # a fresh SQLite database each run, though the CSV is kept
    env = os.environ | {
        "QALA_HOME": str(home),
        "QALA_MAX_IMPORT_ROWS": str(rows),
        "QALA_MAX_IMPORT_MB": str(size // 2**20 + 1),
        "QALA_USER": "benchmark",
    }
    cmd = [str(Path(sys.executable).parent / "qala"), "import", str(path), "--format", "json"]
    if database:
        cmd += ["--database", database]
    print(f"qala import of {size / 2**20:,.0f} MiB ...", flush=True)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if done.returncode != 0:
        raise SystemExit(f"qala import failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    new = report["files"][0]["new"]
    if new != rows:
        raise SystemExit(f"qala import stored {new:,} rows of {rows:,}")
    return {
        "rows": rows,
        "csv_bytes": size,
        "backend": "postgresql" if database else "sqlite",
        "chunk_bytes": stream.chunk_bytes(),
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "rows_per_s": rows / seconds,
        "peak_rss_mb": peak_mb,
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stream_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the CSV and database here")
    parser.add_argument("--postgres", default="none", help="none (default), auto (a throwaway cluster) or a URL")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qala-stream-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.postgres == "none":
            result = run(args.rows, workdir, None)
        else:
            from benchmarks.pg import new_database, throwaway_cluster

            if args.postgres != "auto":
                result = run(args.rows, workdir, new_database(args.postgres))
            else:
                with throwaway_cluster() as server:
                    if server is None:
                        raise SystemExit("PostgreSQL is not installed here")
                    result = run(args.rows, workdir, new_database(server))
    print(json.dumps(result, indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
