"""Qala vs plain pandas: in-memory inventory and CSV import + inventory, in one run.

    .venv/bin/python -m benchmarks.run            # 10 M in-memory rows, 1 M CSV rows
    .venv/bin/python -m benchmarks.run --quick    # small sizes, a smoke run of a few seconds

Before any timing is reported, the tCO2e of every gpc_ref (and the tonnes of every gpc_ref and
gas) from Qala and from the pandas baseline must agree to a relative 1e-9; the run fails if not.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import polars as pl
from rich.console import Console
from rich.table import Table

from benchmarks import baseline_pandas, data
from qala.catalog import Catalog, load_catalog

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
REL_TOL = 1e-9
AIM_SECONDS = 0.2  # 10 M in-memory rows
AIM_RATIO = 20.0
AIM_ROWS = 10_000_000
IMPORT_AIM_SECONDS = 3.0  # 1 M CSV rows read, validated, stored with provenance and computed, on each store
IMPORT_AIM_ROWS = 1_000_000
IMPORT_AIM_MB = 1024  # peak memory above the start
T = TypeVar("T")


class Disagreement(AssertionError):
    """Qala and the pandas baseline give different totals."""


# --- timing ---------------------------------------------------------------------------------------
def timed(fn: Callable[[], T]) -> tuple[float, T]:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def repeat(fn: Callable[[], T], n: int) -> tuple[list[float], T]:
    times, out = [], None
    for _ in range(n):
        t, out = timed(fn)
        times.append(t)
    return times, out  # type: ignore[return-value]


def summary(times: list[float]) -> dict[str, Any]:
    return {"best_s": min(times), "median_s": statistics.median(times), "runs_s": times}


# --- agreement ------------------------------------------------------------------------------------
def check_agreement(qala_rows: pl.DataFrame, pandas_out: pd.DataFrame, label: str) -> dict[str, float]:
    """tCO2e by gpc_ref and tonnes by (gpc_ref, gas) must agree; return the largest relative gaps."""
    q = qala_rows.group_by("gpc_ref", "gas").agg(pl.col("mass_t").sum(), pl.col("tco2e").sum())
    p = pl.from_dicts(
        pandas_out.to_dict("records"),
        schema={"gpc_ref": pl.String, "gas": pl.String, "mass_t": pl.Float64, "tco2e": pl.Float64},
    )
    worst: dict[str, float] = {}
    problems: list[str] = []
    for keys, value in ((["gpc_ref"], "tco2e"), (["gpc_ref", "gas"], "mass_t")):
        a = q.group_by(keys).agg(pl.col(value).sum().alias("qala"))
        b = p.group_by(keys).agg(pl.col(value).sum().alias("pandas"))
        j = a.join(b, on=keys, how="full", coalesce=True).with_columns(
            (
                (pl.col("qala") - pl.col("pandas")).abs()
                / pl.max_horizontal(pl.col("qala").abs(), pl.col("pandas").abs(), pl.lit(1e-300))
            ).alias("rel")
        )
        missing = j.filter(pl.col("qala").is_null() | pl.col("pandas").is_null())
        for row in missing.iter_rows(named=True):
            problems.append(
                f"{label}: {value} for {[row[k] for k in keys]} only in {'pandas' if row['qala'] is None else 'Qala'}"
            )
        rel = j["rel"].drop_nulls()
        worst[f"{value}_by_{'_'.join(keys)}"] = float(rel.max()) if rel.len() else 0.0
        for row in j.filter(pl.col("rel") > REL_TOL).iter_rows(named=True):
            problems.append(
                f"{label}: {value} of {[row[k] for k in keys]}: Qala {row['qala']!r} vs "
                f"pandas {row['pandas']!r} (relative {row['rel']:.3g})"
            )
    if problems:
        raise Disagreement("Qala and the pandas baseline disagree:\n  " + "\n  ".join(problems))
    return worst


# --- (a) in-memory --------------------------------------------------------------------------------
def bench_memory(
    n: int, repeats: int, catalog: Catalog, tables: baseline_pandas.Tables, console: Console, key_dtype: str = "enum"
) -> dict[str, Any]:
    from qala.inventory.engine import compute_inventory

    console.print(f"[bold](a)[/] generating {n:,} in-memory rows ...")
    rows = data.generate(n)
    pl_df = data.to_polars(rows, enum=key_dtype == "enum")
    pd_df = data.to_pandas(rows)
    del rows

    def qala() -> pl.DataFrame:
        return compute_inventory(pl_df, catalog, city=data.CITY, year=data.YEAR).rows

    def pandas() -> pd.DataFrame:
        return baseline_pandas.inventory(pd_df, tables)

    # Warm up both (catalog caches, lazy imports) on a small slice, untimed.
    compute_inventory(pl_df.head(10_000), catalog, city=data.CITY, year=data.YEAR)
    baseline_pandas.inventory(pd_df.head(10_000), tables)

    console.print(f"    Qala compute_inventory x{repeats} ...")
    q_times, q_rows = repeat(qala, repeats)
    console.print(f"    pandas baseline x{repeats} ...")
    p_times, p_out = repeat(pandas, repeats)
    worst = check_agreement(q_rows, p_out, "in-memory")
    total = float(q_rows["tco2e"].sum())
    return {
        "rows": n,
        "key_dtype": f"polars {key_dtype.capitalize()} / pandas category",
        "repeats": repeats,
        "qala": summary(q_times),
        "pandas": summary(p_times),
        "ratio_best": min(p_times) / min(q_times),
        "ratio_median": statistics.median(p_times) / statistics.median(q_times),
        "total_tco2e": total,
        "max_relative_difference": worst,
    }


# --- (b) CSV --------------------------------------------------------------------------------------
def _vm(field: str) -> float:
    """A field of /proc/self/status in MB (VmRSS, VmHWM), or nan where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _reset_peak() -> bool:
    """Reset this process's peak resident memory to its current size (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def write_csv_file(n: int, workdir: Path, console: Console) -> Path:
    path = workdir / f"activity-{n}.csv"
    if not path.exists():
        console.print(f"[bold](b)[/] writing {n:,} CSV rows ...")
        data.write_csv(data.generate(n, seed=20220102), path)
    return path


def bench_csv(
    n: int,
    repeats: int,
    catalog: Catalog,
    tables: baseline_pandas.Tables,
    console: Console,
    workdir: Path,
    url_for: Callable[[int], str] | None = None,
    backend: str = "sqlite",
) -> dict[str, Any]:
    """Read, validate, import with provenance and compute, into a fresh database of ``backend`` each run."""
    from qala.ingest.read import read_table
    from qala.ingest.validate import validate_table
    from qala.inventory.engine import compute_inventory
    from qala.store import large_import
    from qala.store.records import activity_frame, import_tables
    from qala.store.seed import open_database

    path = write_csv_file(n, workdir, console)
    size = path.stat().st_size
    url_for = url_for or (lambda i: f"sqlite:///{workdir / f'qala-{i}.sqlite3'}")

    stages: dict[str, list[float]] = {
        k: []
        for k in (
            "open_database",
            "read_table",
            "validate_table",
            "import_tables",
            "current_frame",
            "compute_inventory",
            "checkpoint_after",
            "activity_frame_check",
        )
    }
    totals: list[float] = []
    cpus: list[float] = []  # this process's CPU time over the total (a database server's own is not in it)
    peaks: list[float] = []
    q_rows = None
    for i in range(repeats):
        console.print(f"    Qala import + inventory ({backend}), run {i + 1}/{repeats} ...")
        t, engine = timed(lambda i=i: open_database(url_for(i)))  # setup, not in the total
        stages["open_database"].append(t)
        gc.collect()
        base = _vm("VmRSS")
        measured = _reset_peak()
        cpu_start = time.process_time()
        t_read, raw = timed(lambda: read_table(path))
        t_val, validated = timed(lambda raw=raw: validate_table(raw, catalog, default_city=data.CITY))
        del raw
        t_imp, report = timed(lambda v=validated, e=engine: import_tables(e, [v], who="benchmark", keep_current=True))
        if report.files[0].new != n:
            raise Disagreement(f"import stored {report.files[0].new} new rows of {n}")
        del validated
        # The current records of the year, as the import left them: held by the import, not read back.
        t_frame, frame = timed(lambda r=report: r.current_frame(data.CITY, data.YEAR))
        del report
        t_inv, inv = timed(lambda f=frame: compute_inventory(f, catalog, city=data.CITY, year=data.YEAR))
        if frame.height != n:
            raise Disagreement(f"the import's current records are {frame.height} rows of {n}")
        cpus.append(time.process_time() - cpu_start)
        if measured:
            peaks.append(_vm("VmHWM") - base)
        # Outside the total: what is left of the log's copy into the database file that a large SQLite import
        # leaves to a thread after its commit (qala.store.large_import), waited for here.
        t_ckpt, _ = timed(large_import.wait_for_checkpoints)
        # Outside the total: the same records read back from the store must be the very same frame.
        t_check, stored = timed(lambda e=engine: activity_frame(e, data.CITY, data.YEAR))
        if not stored.equals(frame):
            raise Disagreement("the import's current records differ from activity_frame's")
        for key, t in (
            ("read_table", t_read),
            ("validate_table", t_val),
            ("import_tables", t_imp),
            ("current_frame", t_frame),
            ("compute_inventory", t_inv),
            ("checkpoint_after", t_ckpt),
            ("activity_frame_check", t_check),
        ):
            stages[key].append(t)
        totals.append(t_read + t_val + t_imp + t_frame + t_inv)
        q_rows = inv.rows
        engine.dispose()
        del frame, inv, stored

    def pandas() -> pd.DataFrame:
        return baseline_pandas.inventory(pd.read_csv(path), tables)

    console.print(f"    pandas read_csv + baseline x{repeats} ...")
    p_times, p_out = repeat(pandas, repeats)
    assert q_rows is not None
    worst = check_agreement(q_rows, p_out, "CSV")
    return {
        "backend": backend,
        "rows": n,
        "csv_bytes": size,
        "repeats": repeats,
        "qala": summary(totals),
        "qala_stages": {k: summary(v) for k, v in stages.items()},
        "qala_cpu": summary(cpus),
        "load_average": os.getloadavg(),
        "qala_peak_mb_above_start": max(peaks) if peaks else None,  # resident memory the import path added
        "pandas": summary(p_times),
        "ratio_best": min(p_times) / min(totals),
        "ratio_median": statistics.median(p_times) / statistics.median(totals),
        "total_tco2e": float(q_rows["tco2e"].sum()),
        "max_relative_difference": worst,
    }


def bench_csv_postgresql(
    where: str,
    n: int,
    repeats: int,
    catalog: Catalog,
    tables: baseline_pandas.Tables,
    console: Console,
    workdir: Path,
) -> dict[str, Any] | None:
    from benchmarks.pg import new_database, throwaway_cluster

    if where == "none":
        return None
    if where != "auto":
        return bench_csv(n, repeats, catalog, tables, console, workdir, lambda _: new_database(where), "postgresql")
    with throwaway_cluster() as server:
        if server is None:
            console.print("    (b) on PostgreSQL: not installed here (apt-get install postgresql); left out")
            return None
        return bench_csv(n, repeats, catalog, tables, console, workdir, lambda _: new_database(server), "postgresql")


# --- report ---------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "polars": pl.__version__,
        "polars_threads": pl.thread_pool_size(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def _s(x: float) -> str:
    return f"{x:.2f} s" if x >= 10 else f"{x:.3f} s" if x >= 0.1 else f"{x * 1000:.1f} ms"


def _x(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


def render(result: dict[str, Any], console: Console) -> None:
    table = Table(title="Qala vs pandas (seconds; ratio = pandas time / Qala time)")
    for col in (
        "case",
        "rows",
        "Qala best",
        "Qala median",
        "pandas best",
        "pandas median",
        "ratio (best)",
        "ratio (median)",
    ):
        table.add_column(col, justify="left" if col == "case" else "right")
    cases = (
        ("memory", "(a) in-memory inventory"),
        ("csv", "(b) CSV import + inventory, SQLite"),
        ("csv_postgresql", "(b) CSV import + inventory, PostgreSQL"),
    )
    for key, name in cases:
        r = result.get(key)
        if r is None:
            continue
        table.add_row(
            name,
            f"{r['rows']:,}",
            _s(r["qala"]["best_s"]),
            _s(r["qala"]["median_s"]),
            _s(r["pandas"]["best_s"]),
            _s(r["pandas"]["median_s"]),
            _x(r["ratio_best"]),
            _x(r["ratio_median"]),
        )
    console.print(table)
    for key in ("csv", "csv_postgresql"):
        if key not in result:
            continue
        r = result[key]
        stages = Table(
            title=f"(b) Qala stages, CSV path, {r['backend']} (open_database, checkpoint_after — the wait, after the "
            "total, for the copy of SQLite's log that a large import leaves to a thread — and activity_frame_check, "
            "the records read back to compare, are not in the total); "
            f"peak memory above the start: {r['qala_peak_mb_above_start'] or float('nan'):,.0f} MB; "
            f"CPU time of the total, best: {r['qala_cpu']['best_s']:.2f} s; load average {r['load_average'][0]:.1f}"
        )
        for col in ("stage", "best", "median", "share of total"):
            stages.add_column(col, justify="left" if col == "stage" else "right")
        total = r["qala"]["median_s"]
        for name, st in r["qala_stages"].items():
            outside = name in ("open_database", "checkpoint_after", "activity_frame_check")
            share = "" if outside else f"{100 * st['median_s'] / total:.0f} %"
            stages.add_row(name, _s(st["best_s"]), _s(st["median_s"]), share)
        console.print(stages)
    for line in result["aims"]["lines"]:
        console.print(line)


def aims(result: dict[str, Any]) -> dict[str, Any]:
    mem = result.get("memory")
    lines = []
    out: dict[str, Any] = {"seconds": AIM_SECONDS, "ratio": AIM_RATIO, "rows": AIM_ROWS}
    for key in ("csv", "csv_postgresql"):
        lines.extend(_import_aim(result.get(key), out))
    if mem is None:
        return {**out, "lines": lines}
    best = mem["qala"]["best_s"]
    at_size = mem["rows"] == AIM_ROWS
    out["time_met"] = best < AIM_SECONDS if at_size else None
    out["ratio_met"] = mem["ratio_best"] >= AIM_RATIO if at_size else None
    note = "" if at_size else f" (measured at {mem['rows']:,} rows, not {AIM_ROWS:,})"
    lines.append(
        f"aim: {AIM_ROWS:,} in-memory rows in < {AIM_SECONDS} s -> best {best:.3f} s: "
        f"{'n/a' if not at_size else 'met' if out['time_met'] else 'NOT met'}{note}"
    )
    lines.append(
        f"aim: >= {AIM_RATIO:.0f}x pandas -> {mem['ratio_best']:.1f}x: "
        f"{'n/a' if not at_size else 'met' if out['ratio_met'] else 'NOT met'}{note}"
    )
    return {**out, "lines": lines}


def _import_aim(csv: dict[str, Any] | None, out: dict[str, Any]) -> list[str]:
    """The import's aim, on one store: the best total and the peak memory against the aims (None: not run)."""
    if csv is None or "qala" not in csv:
        return []
    best, peak = csv["qala"]["best_s"], csv.get("qala_peak_mb_above_start")
    at_size = csv["rows"] == IMPORT_AIM_ROWS
    met = at_size and best <= IMPORT_AIM_SECONDS and peak is not None and peak <= IMPORT_AIM_MB
    out[f"import_met_{csv['backend']}"] = met if at_size else None
    note = "" if at_size else f" (measured at {csv['rows']:,} rows, not {IMPORT_AIM_ROWS:,})"
    memory = "memory not measured" if peak is None else f"{peak:,.0f} MB"
    verdict = "n/a" if not at_size else "met" if met else "NOT met"
    return [
        f"aim: {IMPORT_AIM_ROWS:,} CSV rows imported and computed on {csv['backend']} in <= {IMPORT_AIM_SECONDS:g} s "
        f"with <= {IMPORT_AIM_MB:,} MB -> best {best:.3f} s, {memory}: {verdict}{note}"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows-memory", type=int, default=None, help="in-memory rows (10_000_000)")
    parser.add_argument("--rows-csv", type=int, default=None, help="CSV rows (1_000_000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of (a) (3)")
    parser.add_argument(
        "--repeats-csv", type=int, default=None, help="timed runs of (b), each into a fresh database (3)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results ({RESULTS})")
    parser.add_argument(
        "--key-dtype",
        choices=("enum", "categorical"),
        default="enum",
        help="polars dtype of the key columns in (a) (enum)",
    )
    parser.add_argument("--skip-memory", action="store_true", help="leave out (a)")
    parser.add_argument("--skip-csv", action="store_true", help="leave out (b)")
    parser.add_argument(
        "--postgres",
        default="auto",
        help="(b) on PostgreSQL too: 'auto' (a throwaway cluster when PostgreSQL is installed), 'none', or a "
        "server URL postgresql+psycopg://user@host:port on which databases may be created",
    )
    args = parser.parse_args(argv)
    rows_memory = args.rows_memory or (200_000 if args.quick else 10_000_000)
    rows_csv = args.rows_csv or (10_000 if args.quick else 1_000_000)
    repeats_csv = args.repeats_csv or 3

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 130))
    catalog = load_catalog()
    tables = baseline_pandas.build_tables(catalog)
    result: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "relative_tolerance": REL_TOL,
    }
    try:
        with tempfile.TemporaryDirectory(prefix="qala-bench-") as tmp:
            os.environ["QALA_HOME"] = tmp  # never touch the user's own database
            if not args.skip_memory:
                result["memory"] = bench_memory(rows_memory, args.repeats, catalog, tables, console, args.key_dtype)
            if not args.skip_csv:
                result["csv"] = bench_csv(rows_csv, repeats_csv, catalog, tables, console, Path(tmp))
                result["csv_postgresql"] = bench_csv_postgresql(
                    args.postgres, rows_csv, repeats_csv, catalog, tables, console, Path(tmp)
                )
                if result["csv_postgresql"] is None:
                    del result["csv_postgresql"]
    except Disagreement as exc:
        console.print(f"[bold red]{exc}[/]")
        return 1
    result["aims"] = aims(result)
    render(result, console)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    console.print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
