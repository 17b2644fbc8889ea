"""Monte Carlo draws per second: the single-process kernel against a Dask LocalCluster of 1, 2 and 4 workers.

    .venv/bin/python -m benchmarks.dask_scaling                      # 60,000 draws, chunks of 2,000, processes
    .venv/bin/python -m benchmarks.dask_scaling --draws 4000 --threads  # a short run, workers as threads

The same scenario (Astana, low-carbon), seed and chunks everywhere. Single process: ``run_scenario`` with
the serial runner. Dask: the same call with ``DaskRunner`` on a ``LocalCluster`` of n single-threaded
workers (processes unless ``--threads``), started before timing and warmed up with one small run (worker
start-up and imports are not counted; scattering the model and gathering every chunk's arrays are).
The single process is timed before and after the clusters; the best of all its runs counts.
Scaling efficiency = (rate with n workers / single-process rate) / n. Every Dask run's totals must equal
the single-process totals exactly (``numpy.array_equal``) or the benchmark exits 1. Writes
``benchmarks/results/dask.json``. Workers as processes need this file's ``if __name__ == "__main__"``
guard (they start by importing the main module).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "dask.json"
SCENARIO = "low-carbon"
SEED = 1


def _setup() -> tuple[Any, Any]:
    from qala.services import scenario as svc
    from qala.store.seed import open_database

    home = tempfile.mkdtemp(prefix="qala-bench-dask-")
    os.environ["QALA_HOME"] = home
    engine = open_database(f"sqlite:///{home}/b.sqlite3")
    model, _ = svc.resolve("bau", "astana")
    return svc._prepared(model, None), svc.base_year(engine, model, None)


def _timed(run: Any, repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=60_000)
    parser.add_argument("--chunk", type=int, default=2_000, help="draws per chunk (one future each)")
    parser.add_argument("--workers", default="1,2,4", help="cluster sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs each; the best counts")
    parser.add_argument("--threads", action="store_true", help="workers as threads of this process")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import numpy as np
    from distributed import Client, LocalCluster
    from rich.console import Console
    from rich.table import Table

    from benchmarks.web_load import machine
    from qala.scale.dask_runner import DaskRunner
    from qala.scenario.run import run_scenario

    prep, base = _setup()

    def run(runner: Any = None, draws: int = args.draws) -> Any:
        extra = {"runner": runner} if runner is not None else {}
        return run_scenario(prep, SCENARIO, base, draws=draws, seed=SEED, chunk_size=args.chunk, **extra)

    run(draws=args.chunk)  # warm-up: caches, imports
    single_s, reference = _timed(run, args.repeats)
    rows: list[dict[str, Any]] = [{"setup": "single process", "workers": 0}]
    identical = True
    for n in [int(x) for x in args.workers.split(",")]:
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=not args.threads, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            runner = DaskRunner(client)
            run(runner, draws=args.chunk * n)  # warm-up: every worker has imported Qala's modules
            seconds, result = _timed(lambda runner=runner: run(runner), args.repeats)
        same = all(np.array_equal(result.totals[b], reference.totals[b]) for b in reference.totals)
        identical &= same
        rows.append(
            {
                "setup": f"LocalCluster, {n} worker{'s' if n > 1 else ''}",
                "workers": n,
                "seconds": seconds,
                "draws_per_s": args.draws / seconds,
                "identical": same,
            }
        )
    # the single process again after the clusters: the best of both rounds, so that a drift in the
    # machine's load during the run does not count against one side only
    single_s = min(single_s, _timed(run, args.repeats)[0])
    rows[0].update(seconds=single_s, draws_per_s=args.draws / single_s)
    for r in rows[1:]:
        r["speedup"] = r["draws_per_s"] / rows[0]["draws_per_s"]
        r["efficiency"] = r["speedup"] / r["workers"]

    kind = "threads" if args.threads else "processes"
    table = Table(
        title=f"{args.draws:,} draws of '{SCENARIO}' (Astana), chunks of {args.chunk:,}, best of {args.repeats}; "
        f"workers as {kind}; {os.cpu_count()} CPU cores"
    )
    for col in ("setup", "seconds", "draws/s", "speed-up", "efficiency", "identical"):
        table.add_column(col, justify="left" if col == "setup" else "right")
    for r in rows:
        table.add_row(
            r["setup"],
            f"{r['seconds']:.3f}",
            f"{r['draws_per_s']:,.0f}",
            f"{r['speedup']:.2f}×" if "speedup" in r else "1",
            f"{r['efficiency']:.0%}" if "efficiency" in r else "—",
            ("yes" if r["identical"] else "NO") if "identical" in r else "reference",
        )
    console = Console(width=120)
    console.print(table)
    console.print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scenario": SCENARIO,
        "draws": args.draws,
        "chunk": args.chunk,
        "repeats": args.repeats,
        "workers_as": kind,
        "load_average": os.getloadavg(),  # other work on the machine during the run
        "rows": rows,
        "identical": identical,
        "efficiency_mean": statistics.fmean(r["efficiency"] for r in rows[1:]) if len(rows) > 1 else None,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"written {args.output}")
    if not identical:
        console.print("[red]a Dask run differs from the single-process run[/red]")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
