"""Monte Carlo draws per second: one process against a Dask cluster of 1, 2 … workers, reduced on the workers.

    .venv/bin/python -m benchmarks.dask_scaling                       # 100,000 draws, LocalCluster of 1 and 2
    .venv/bin/python -m benchmarks.dask_scaling --draws 20000 --workers 2 --repeats 1
    .venv/bin/python -m benchmarks.dask_scaling --scheduler tcp://10.0.0.5:8786   # a running (multi-machine) cluster

The same scenario (Astana, low-carbon), seed and chunks everywhere (``qala scenario run``'s path,
``qala.scenario.reduced``): each chunk of draws is summarised where it is computed (sums, sums of squares,
histograms on fixed bins, target counts) and the summaries are merged on the workers, so one summary of a
few megabytes comes back whatever the number of draws.

**Efficiency = single-process time / (workers x cluster time)**, both measured in this run on a warm
cluster: the workers are started, and the model scattered and one full run done, before any timing (the
single process is warmed up by a run too). The single process and the cluster then take turns
(single, cluster, single, cluster, …, single): each cluster run is set against the mean of the single
runs just before and after it, so that a change of the machine's load during the run counts against both
sides alike; the median over the rounds is reported.

Linux with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled`` = 1, the default of many
distributions) shares the CPU fairly between *sessions*, not processes: on a machine busy with other
sessions, LocalCluster workers — which start in this process's session — share one session's CPU, so 2
workers get what 1 process gets and the efficiency reads about 50 % whatever Qala does. The benchmark
therefore moves each LocalCluster worker process into a session of its own (``os.setsid`` through
``client.run``), so that each worker, like the single process, gets one session's share; ``--shared-session``
leaves them where they are. On an idle machine this changes nothing.

This process runs its numpy and its scenario engine single-threaded, as each worker does (OMP/OpenBLAS/MKL
threads = 1, ``QALA_ENGINE_THREADS=1``), so one core is compared with one core.

CPU time is measured too, because wall time on a shared machine measures the other jobs as much as
this one: the single process's CPU seconds per run (its computing thread's) against the cluster's (every
worker process's, read by ``client.run``, plus this process's — which holds the client and, for a
LocalCluster, the scheduler).
**CPU efficiency = single-process CPU / cluster CPU** is what the distribution costs whatever the load;
the wall-clock efficiency on n idle cores cannot be better. Per chunk: the CPU seconds each chunk took in
its worker (thread time, noted by the task) against a chunk's in this process. The load average is noted
at every round.

Checked, or the benchmark exits 1: every cluster's JSON equals the single process's reduced JSON exactly;
against the draws kept (``run_scenario``, run once), every mean is within 1e-11 (relative, or of 1 t) and
every quantile within the stated bound of ``qala.scenario.sketch`` (REL_ERROR x the larger of the two draws
numpy interpolates between); every p_met is equal. Also reported: the bytes of one chunk's summary (what a
worker ships when a merge needs it elsewhere) and of the merged summary that comes back to the client,
against the bytes of the draws they stand for. Writes ``benchmarks/results/dask.json``. Workers as
processes need this file's ``if __name__ == "__main__"`` guard (they start by importing the main module).
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


def _cpu() -> float:
    """CPU seconds of this process so far (all its threads)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _job_cpu(clear: bool = False) -> list[tuple[int, float]]:
    """In a worker: (draws, CPU seconds) of each chunk it computed (``qala.scale.dask_runner.JOB_CPU``)."""
    from qala.scale.dask_runner import JOB_CPU

    out = list(JOB_CPU)
    if clear:
        JOB_CPU.clear()
    return out


def _worker_settings() -> dict[str, Any]:
    """In a worker: the settings that change its speed (``qala.scale.cluster``; docs/deployment.md, section 7)."""
    import dask

    return {
        "profiler": dask.config.get("distributed.worker.profile.enabled"),
        "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "QALA_ENGINE_THREADS": os.environ.get("QALA_ENGINE_THREADS"),
    }


def _new_session() -> bool:
    """In a worker: a session of its own, so that Linux's autogroup scheduling gives it a CPU share of its own."""
    try:
        os.setsid()
    except OSError:
        return False
    return True


def _autogroup() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5_000, help="draws per chunk")
    parser.add_argument("--workers", default="1,2", help="LocalCluster sizes, comma-separated")
    parser.add_argument("--scheduler", help="a running scheduler's address (tcp://host:8786) instead of LocalClusters")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of (single process, cluster) per cluster")
    parser.add_argument("--threads", action="store_true", help="LocalCluster workers as threads of this process")
    parser.add_argument(
        "--shared-session",
        action="store_true",
        help="leave LocalCluster workers in this process's session (see 'autogroup' in benchmarks/README.md)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "QALA_ENGINE_THREADS"):
        os.environ[var] = "1"  # as in each worker process (read when numpy loads, below; the engine's at each run)

    from contextlib import ExitStack

    import dask
    from distributed import Client
    from distributed.protocol import serialize_bytelist
    from rich.console import Console
    from rich.table import Table

    from benchmarks.web_load import machine
    from qala.scale.cluster import QUIET_CONFIG, local_cluster
    from qala.scale.dask_runner import DaskRunner
    from qala.scenario.chunks import evaluate
    from qala.scenario.reduced import chunk_stats, reduced_batch, run_reduced
    from qala.scenario.run import run_scenario

    console = Console(width=150)
    autogroup = _autogroup()
    loads = [os.getloadavg()]
    prep, base = _setup()
    common = {"draws": args.draws, "seed": SEED, "chunk_size": args.chunk}
    chunks = -(-args.draws // args.chunk)

    def single() -> tuple[float, float, Any]:
        # this thread's CPU only: while a cluster is up, its scheduler and client threads live in this process too
        c0, t0 = time.thread_time(), time.perf_counter()
        result = run_reduced(prep, SCENARIO, base, **common)
        return time.perf_counter() - t0, time.thread_time() - c0, result

    single()  # warm-up: caches, imports
    t0 = time.perf_counter()
    kept_result = run_scenario(prep, SCENARIO, base, **common)
    kept_s = time.perf_counter() - t0
    s_wall, s_cpu, reference = single()
    check = agreement(reference, kept_result)
    del kept_result
    reference_json = reference.to_dict()
    draws_bytes = args.draws * len(reference.stats.names) * len(reference.years) * 8
    batch = reduced_batch(prep, SCENARIO, base, draws=args.draws, seed=SEED, chunk_size=args.chunk)
    one = chunk_stats(prep, SCENARIO, base, evaluate(prep, SCENARIO, base, batch.jobs[0]))
    chunk_bytes = sum(memoryview(b).nbytes for b in serialize_bytelist(one))  # as Dask ships it
    client_bytes = sum(memoryview(b).nbytes for b in serialize_bytelist(reference.stats))
    chunk_draw_bytes = args.chunk * len(reference.stats.names) * len(reference.years) * 8
    singles: list[tuple[float, float]] = [(s_wall, s_cpu)]

    rows: list[dict[str, Any]] = []
    sizes = [0] if args.scheduler else [int(x) for x in args.workers.split(",")]
    identical = True
    dask.config.set(QUIET_CONFIG)
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
            own_sessions = False
            if not args.scheduler and not args.threads and not args.shared_session and autogroup:
                own_sessions = all(client.run(_new_session).values())
            runner = DaskRunner(client)
            run_reduced(prep, SCENARIO, base, **common, runner=runner)  # warm: model on the workers, caches filled
            client.run(_job_cpu, True)
            settings = next(iter(client.run(_worker_settings).values()))
            rounds = []
            before = single()
            for _ in range(args.repeats):
                w0, c0, t0 = client.run(_cpu), _cpu(), time.perf_counter()
                result = run_reduced(prep, SCENARIO, base, **common, runner=runner)
                wall, here = time.perf_counter() - t0, _cpu() - c0
                w1 = client.run(_cpu)
                workers_cpu = sum(w1[k] - w0[k] for k in w0)
                after = single()
                s_ref_wall = (before[0] + after[0]) / 2
                s_ref_cpu = (before[1] + after[1]) / 2
                singles += [before[:2], after[:2]]
                rounds.append(
                    {
                        "seconds": wall,
                        "single_seconds": s_ref_wall,
                        "efficiency": s_ref_wall / (n * wall),
                        "cpu_workers": workers_cpu,
                        "cpu_here": here,
                        "single_cpu": s_ref_cpu,
                        "cpu_efficiency": s_ref_cpu / (workers_cpu + here),
                        "load_average": os.getloadavg(),
                    }
                )
                before = after
            per_chunk = [cpu for jobs in client.run(_job_cpu).values() for _, cpu in jobs]
        same = result.to_dict() == reference_json
        identical &= same
        rows.append(
            {
                "setup": setup,
                "workers": n,
                "rounds": rounds,
                "seconds": _median([r["seconds"] for r in rounds]),
                "single_seconds": _median([r["single_seconds"] for r in rounds]),
                "efficiency": _median([r["efficiency"] for r in rounds]),
                "cpu_efficiency": _median([r["cpu_efficiency"] for r in rounds]),
                "cpu_per_run": _median([r["cpu_workers"] + r["cpu_here"] for r in rounds]),
                "cpu_here_per_run": _median([r["cpu_here"] for r in rounds]),
                "single_cpu_per_run": _median([r["single_cpu"] for r in rounds]),
                "chunk_cpu_worker": _median(per_chunk) if per_chunk else None,
                "identical": same,
                "worker_settings": settings,
                "workers_in_own_sessions": own_sessions,
            }
        )
        loads.append(os.getloadavg())
    single_cpu_chunk = _median([c for _, c in singles]) / chunks

    kind = "threads" if args.threads else "processes"
    table = Table(
        title=f"{args.draws:,} draws of '{SCENARIO}' (Astana), chunks of {args.chunk:,}, median of {args.repeats} "
        f"rounds; workers as {kind}; {os.cpu_count()} CPU cores"
    )
    columns = "setup,seconds,one process,efficiency,CPU s,one process CPU s,CPU efficiency,CPU s/chunk,identical"
    for col in columns.split(","):
        table.add_column(col, justify="left" if col == "setup" else "right")
    for r in rows:
        table.add_row(
            r["setup"],
            f"{r['seconds']:.2f}",
            f"{r['single_seconds']:.2f}",
            f"{r['efficiency']:.0%}",
            f"{r['cpu_per_run']:.2f}",
            f"{r['single_cpu_per_run']:.2f}",
            f"{r['cpu_efficiency']:.0%}",
            f"{r['chunk_cpu_worker']:.3f}" if r["chunk_cpu_worker"] else "—",
            "yes" if r["identical"] else "NO",
        )
    console.print(table)
    console.print(
        f"one process: {single_cpu_chunk:.3f} CPU s per chunk (reduced); draws kept: {kept_s:.2f} s. "
        f"One chunk's summary: {chunk_bytes / 2**20:.2f} MiB (its draws: {chunk_draw_bytes / 2**20:.0f} MiB); back to "
        f"the client: {client_bytes / 2**20:.2f} MiB for {draws_bytes / 2**20:,.0f} MiB of draws; against the draws "
        f"kept: means within {check['mean_rel']:.1e}, quantiles within {check['quantile_rel']:.1e} (bound held: "
        f"{check['within_bound']}), p_met equal: {check['p_met_equal']}"
    )
    console.print(f"load average (1, 5, 15 min) at start and after each cluster: {loads}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scenario": SCENARIO,
        "draws": args.draws,
        "chunk": args.chunk,
        "repeats": args.repeats,
        "workers_as": "scheduler" if args.scheduler else kind,
        "autogroup": autogroup,  # Linux shares the CPU between sessions, not processes
        "load_average": loads,  # other work on the machine: at the start and after each cluster
        "single_cpu_per_chunk": single_cpu_chunk,
        "kept_seconds": kept_s,
        "rows": rows,
        "identical": identical,
        "chunk_bytes": chunk_bytes,
        "chunk_draw_bytes": chunk_draw_bytes,
        "client_bytes": client_bytes,
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
