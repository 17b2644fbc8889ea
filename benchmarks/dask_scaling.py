"""Monte Carlo draws per second: one process against a Dask cluster of 1, 2 … workers, reduced on the workers.

    .venv/bin/python -m benchmarks.dask_scaling                       # 100,000 draws, LocalCluster of 1 and 2
    .venv/bin/python -m benchmarks.dask_scaling --draws 20000 --workers 2
    .venv/bin/python -m benchmarks.dask_scaling --scheduler tcp://10.0.0.5:8786   # a running (multi-machine) cluster

The same scenario (Astana, low-carbon), seed and chunks everywhere (``qala scenario run``'s path,
``qala.scenario.reduced``): each chunk of draws is summarised where it is computed (sums, sums of squares,
histograms on fixed bins, target counts) and the summaries are merged on the workers, so one summary of a
few megabytes comes back whatever the number of draws.

Timed: (1) one process, draws kept (``run_scenario``, what the web and the report use); (2) one process,
reduced (the same work as the cluster does, the reference of the efficiency); (3) the cluster. Workers
are started before timing and warmed up with one small run (start-up and imports are not counted;
scattering the model, computing, reducing, merging and gathering are). This process runs its numpy
single-threaded, as Dask's worker processes do (OMP/OpenBLAS/MKL threads = 1), so that an efficiency
compares one core with one core. The single-process runs are timed
before and after the clusters and the best counts, so that a drift of the machine's load during the run
does not count against one side only. Scaling efficiency = (rate with n workers / single-process rate) / n,
given against both single-process runs.

Checked, or the benchmark exits 1: every cluster's JSON equals the single process's reduced JSON exactly;
against the draws kept, every mean is within 1e-11 (relative, or of 1 t) and every quantile within the stated
bound of ``qala.scenario.sketch`` (REL_ERROR x the larger of the two draws numpy interpolates between);
every p_met is equal. Also reported: the size of what comes back to the client, against the size of the
draws it stands for. Writes ``benchmarks/results/dask.json``. Workers as processes need this file's
``if __name__ == "__main__"`` guard (they start by importing the main module).
"""

from __future__ import annotations

import argparse
import json
import os
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


def agreement(reduced: Any, kept: Any) -> dict[str, Any]:
    """The reduced run against the draws kept: worst relative error of means; quantiles within the bound."""
    import numpy as np

    from qala.scenario.run import QUANTILES
    from qala.scenario.sketch import REL_ERROR

    worst_mean, worst_q, within = 0.0, 0.0, True
    series = {f"total:{b}": v for b, v in kept.totals.items()}
    series.update({f"sector:{b}:{s}": v for b, sec in kept.sectors.items() for s, v in sec.items()})
    for name, draws in series.items():
        got = reduced.summary(name)
        mean = draws.mean(axis=0)
        scale = np.maximum(np.abs(mean), 1.0)  # relative, for values of at least 1 t CO2e
        worst_mean = max(worst_mean, float(np.max(np.abs(np.array(got["mean"]) - mean) / scale)))
        ordered = np.sort(draws, axis=0)
        n = draws.shape[0]
        for key, q in QUANTILES.items():
            exact = np.quantile(draws, q, axis=0)
            h = q * (n - 1)
            bound = REL_ERROR * np.maximum(np.abs(ordered[int(np.floor(h))]), np.abs(ordered[int(np.ceil(h))]))
            err = np.abs(np.array(got[key]) - exact)
            within &= bool(np.all(err <= bound * (1 + 1e-9) + 1e-9))
            worst_q = max(worst_q, float(np.max(err / np.maximum(np.abs(exact), 1e-300))))
    p_met_equal = [t["p_met"] for t in reduced.targets()] == [t["p_met"] for t in kept.targets()]
    ok = worst_mean <= 1e-11 and within and p_met_equal
    return {
        "mean_rel": worst_mean,
        "quantile_rel": worst_q,
        "within_bound": within,
        "p_met_equal": p_met_equal,
        "ok": ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5_000, help="draws per chunk (one future each)")
    parser.add_argument("--workers", default="1,2", help="LocalCluster sizes, comma-separated")
    parser.add_argument("--scheduler", help="a running scheduler's address instead of LocalClusters")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs each; the best counts")
    parser.add_argument("--threads", action="store_true", help="LocalCluster workers as threads of this process")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # as in each worker process (read when numpy loads, below)

    from contextlib import ExitStack

    from distributed import Client
    from rich.console import Console
    from rich.table import Table

    from benchmarks.web_load import machine
    from qala.scale.cluster import local_cluster
    from qala.scale.dask_runner import DaskRunner
    from qala.scenario.reduced import run_reduced
    from qala.scenario.run import run_scenario

    prep, base = _setup()
    common = {"draws": args.draws, "seed": SEED, "chunk_size": args.chunk}

    def kept() -> Any:
        return run_scenario(prep, SCENARIO, base, **common)

    def reduced(runner: Any = None) -> Any:
        return run_reduced(prep, SCENARIO, base, **common, **({"runner": runner} if runner else {}))

    reduced()  # warm-up: caches, imports
    kept_s, kept_result = _timed(kept, args.repeats)
    single_s, reference = _timed(reduced, args.repeats)
    check = agreement(reference, kept_result)
    del kept_result
    reference_json = reference.to_dict()
    draws_bytes = args.draws * len(reference.stats.names) * len(reference.years) * 8
    rows: list[dict[str, Any]] = []
    sizes = [0] if args.scheduler else [int(x) for x in args.workers.split(",")]
    identical = True
    for n in sizes:
        with ExitStack() as stack:
            if args.scheduler:
                client = stack.enter_context(Client(args.scheduler, timeout=30))
                n = len(client.scheduler_info()["workers"])
                setup = f"{args.scheduler}, {n} workers"
            else:
                cluster = stack.enter_context(local_cluster(n, 1, processes=not args.threads))
                client = stack.enter_context(Client(cluster))
                setup = f"LocalCluster, {n} worker{'s' if n > 1 else ''}"
            runner = DaskRunner(client)
            run_reduced(prep, SCENARIO, base, draws=args.chunk * n, seed=SEED, chunk_size=args.chunk, runner=runner)
            seconds, result = _timed(lambda runner=runner: reduced(runner), args.repeats)
        same = result.to_dict() == reference_json
        identical &= same
        rows.append({"setup": setup, "workers": n, "seconds": seconds, "identical": same})
    # the single process again after the clusters: the best of both rounds
    single_s = min(single_s, _timed(reduced, args.repeats)[0])
    kept_s = min(kept_s, _timed(kept, args.repeats)[0])
    head = [
        {"setup": "one process, draws kept (run_scenario)", "workers": 0, "seconds": kept_s},
        {"setup": "one process, reduced (run_reduced)", "workers": 0, "seconds": single_s},
    ]
    for r in head + rows:
        r["draws_per_s"] = args.draws / r["seconds"]
    for r in rows:
        r["speedup"] = r["draws_per_s"] / head[1]["draws_per_s"]
        r["efficiency"] = r["speedup"] / r["workers"]
        r["efficiency_vs_kept"] = r["draws_per_s"] / head[0]["draws_per_s"] / r["workers"]
    rows = head + rows

    kind = "threads" if args.threads else "processes"
    table = Table(
        title=f"{args.draws:,} draws of '{SCENARIO}' (Astana), chunks of {args.chunk:,}, best of {args.repeats}; "
        f"workers as {kind}; {os.cpu_count()} CPU cores"
    )
    for col in ("setup", "seconds", "draws/s", "efficiency", "vs draws kept", "identical"):
        table.add_column(col, justify="left" if col == "setup" else "right")
    for r in rows:
        table.add_row(
            r["setup"],
            f"{r['seconds']:.3f}",
            f"{r['draws_per_s']:,.0f}",
            f"{r['efficiency']:.0%}" if "efficiency" in r else "—",
            f"{r['efficiency_vs_kept']:.0%}" if "efficiency_vs_kept" in r else "—",
            ("yes" if r["identical"] else "NO") if "identical" in r else "reference" if r["workers"] == 0 else "",
        )
    console = Console(width=140)
    console.print(table)
    console.print(
        f"back to the client: {reference.stats.nbytes / 2**20:.1f} MiB of statistics for "
        f"{draws_bytes / 2**20:,.0f} MiB of draws; against the draws kept: means within "
        f"{check['mean_rel']:.1e}, quantiles within {check['quantile_rel']:.1e} (bound held: "
        f"{check['within_bound']}), p_met equal: {check['p_met_equal']}"
    )
    console.print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scenario": SCENARIO,
        "draws": args.draws,
        "chunk": args.chunk,
        "repeats": args.repeats,
        "workers_as": "scheduler" if args.scheduler else kind,
        "load_average": os.getloadavg(),  # other work on the machine during the run
        "rows": rows,
        "identical": identical,
        "client_bytes": reference.stats.nbytes,
        "draws_bytes": draws_bytes,
        "agreement": check,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"written {args.output}")
    if not identical or not check["ok"]:
        console.print("[red]a cluster's numbers differ from one process's, or a bound does not hold[/red]")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
