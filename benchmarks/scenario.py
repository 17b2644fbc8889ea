"""Scenario engine vs a per-node pandas evaluation of the same model, in one run.

    .venv/bin/python -m benchmarks.scenario            # the Astana model, 10,000 draws, Sobol N=1024
    .venv/bin/python -m benchmarks.scenario --quick    # small sizes (smoke run)

Measured: one deterministic evaluation; 10,000 Monte Carlo draws; Sobol N (all uncertain assumptions,
end to end). Baseline: the same model evaluated draw by draw, node by node, with one pandas Series per
node (years as index) — how the model would be computed without arrays over draws. The baseline's
totals must equal Qala's (relative 1e-9) before any ratio is reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from qala.catalog import load_catalog
from qala.scenario import engine as eng
from qala.scenario import kernel
from qala.scenario.plan import _threads as plan_threads
from qala.scenario.run import run_scenario
from qala.scenario.sensitivity import sobol
from qala.scenario.spec import CityModel, load_model
from qala.services.scenario import model_path

RESULTS = Path(__file__).resolve().parent / "results" / "scenario.json"


def base_for(model: CityModel) -> eng.BaseYear:
    """The base year from Astana's bundled inventory (a throwaway SQLite database)."""
    import tempfile

    from qala.services.scenario import base_year
    from qala.store.seed import open_database

    home = tempfile.mkdtemp(prefix="qala-bench-")
    os.environ["QALA_HOME"] = home
    return base_year(open_database(f"sqlite:///{home}/b.sqlite3"), model, None)


def pandas_per_node(prep: eng.Prepared, scenario: str, base: eng.BaseYear, draws: int, seed: int) -> np.ndarray:
    """Baseline: for each draw, every node as a pandas Series over the years; totals (draws, years)."""
    model = prep.model
    years = pd.Index(prep.years, name="year")
    out = np.empty((draws, len(years)))
    for d in range(draws):
        # the same inputs as the engine for draw d (its samples, measures and calibration)
        samples = eng._samples(model, seed, d, d + 1, draws == 1)
        inputs = eng._inputs(prep, scenario, samples)
        eng._calibrate(prep, base, inputs, (1, len(years)), scenario)
        values: dict[str, Any] = {
            k: pd.Series(np.broadcast_to(np.asarray(v, dtype=float), (1, len(years)))[0], index=years)
            for k, v in inputs.items()
        }
        for node in model.nodes:
            values[node.name] = pd.Series(node.formula(values), index=years)
        rows = []
        for node in model.flows:
            flow, kind = node.flow, prep.flow_kind[node.name]
            assert flow is not None
            per = eng.TJ if eng._is_energy(node.unit) else 1000.0
            amount = values[node.name] / per
            scale = values[flow.factor_scale] if flow.factor_scale else 1.0
            if kind == "direct":
                e = amount * prep.gwp[flow.gas or "CO2"] * scale
            elif kind in ("fuel", "waste", "emission"):
                e = amount * prep.fuel_factor[node.name] * scale
            elif kind == "grid_electricity":
                kg = values[flow.grid_factor] if flow.grid_factor else prep.grid_default
                e = amount * eng.TJ * kg / 1000.0 * scale
            else:
                e = amount * 0.0
            sector, level, scope = prep.levels[node.name]
            rows.append(
                pd.DataFrame(
                    {
                        "year": years,
                        "sector": sector,
                        "level": level,
                        "scope": scope,
                        "kind": kind,
                        "flow": node.name,
                        "tco2e": e.to_numpy(),
                    }
                )
            )
        frame = pd.concat(rows)
        frame = frame[frame["kind"] != "district_heat"]  # district heat never enters the territorial basis
        if model.basis == "territorial":
            frame = frame[frame["scope"] == 1]
        elif model.basis == "basic":
            frame = frame[frame["level"] == "B"]
        else:
            frame = frame[frame["level"].isin(["B", "B+"])]
        out[d] = frame.groupby("year")["tco2e"].sum().reindex(years, fill_value=0.0).to_numpy()
    return out


CPU: dict[int, list[float]] = {}  # id(times) -> process CPU seconds of each repeat (both cores count)


def timed(fn, repeats: int) -> tuple[list[float], Any]:
    times, cpu, out = [], [], None
    for _ in range(repeats):
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[id(times)] = cpu
    return times, out


def reference_draws(prep: eng.Prepared, scenario: str, base: eng.BaseYear, draws: int) -> None:
    """The node-by-node engine (``engine.run_chunk_reference``, what ran before the compiled plan), same chunks."""
    for a in range(0, draws, 2000):
        eng.run_chunk_reference(prep, scenario, base, seed=1, start=a, stop=min(draws, a + 2000))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scenario", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=None, help="model file (default: Astana's)")
    parser.add_argument("--scenario", default="low-carbon")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--baseline-draws", type=int, default=100, help="draws for the (slow) pandas baseline")
    parser.add_argument("--sobol-n", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the draws; x100 of one evaluation")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.draws, args.baseline_draws, args.sobol_n, args.repeats = 1000, 10, 64, 1
    catalog = load_catalog()
    model = load_model(args.model or model_path("astana"), catalog)
    prep = eng.prepare(model, catalog)
    base = base_for(model)
    scenario = args.scenario if args.scenario in model.scenarios else next(iter(model.scenarios))

    t0 = time.perf_counter()
    machine = kernel.warm()  # what a server does at start: numba's import, the machine from numba's cache
    warm_s = time.perf_counter() - t0
    load_before = os.getloadavg()[0]
    one, det = timed(lambda: run_scenario(prep, scenario, base, draws=1, seed=1), max(args.repeats * 100, 100))
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    mc, res = timed(lambda: run_scenario(prep, scenario, base, draws=args.draws, seed=1), args.repeats)
    switches = (resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - switches) / args.repeats
    path = "vm" if kernel.wanted(args.draws, len(model.years)) else "numpy"
    saved = os.environ.get(kernel.ENV_MODE)
    os.environ[kernel.ENV_MODE] = "numpy"  # the numpy plan on the same draws, for comparison
    mc_numpy, _ = timed(lambda: run_scenario(prep, scenario, base, draws=args.draws, seed=1), args.repeats)
    if saved is None:
        del os.environ[kernel.ENV_MODE]
    else:
        os.environ[kernel.ENV_MODE] = saved
    ref_prep = eng.prepare(model, catalog)
    ref_one, _ = timed(lambda: eng.run_chunk_reference(ref_prep, scenario, base, seed=1, start=0, stop=1,
                                                       deterministic=True), max(args.repeats * 100, 100))  # fmt: skip
    ref_mc, _ = timed(lambda: reference_draws(ref_prep, scenario, base, args.draws), 1)
    base_t, base_out = timed(lambda: pandas_per_node(prep, scenario, base, args.baseline_draws, 1), 1)
    qala_sub = run_scenario(prep, scenario, base, draws=args.baseline_draws, seed=1).totals[model.basis]
    if not np.allclose(base_out, qala_sub, rtol=1e-9, atol=1e-6):
        raise SystemExit("the pandas baseline disagrees with Qala")
    years = tuple(y for y in (2030, 2060) if y in model.years)
    t0 = time.perf_counter()
    import SALib.analyze.sobol  # noqa: F401 - Python's import of SALib and scipy is not the analysis

    salib_import = time.perf_counter() - t0
    sob, sens = timed(lambda: sobol(prep, scenario, base, n=args.sobol_n, years=years), 1)
    per_draw_qala = min(mc) / args.draws
    per_draw_pandas = base_t[0] / args.baseline_draws
    result = {
        "model": model.model,
        "scenario": scenario,
        "years": len(model.years),
        "nodes": len(model.nodes),
        "uncertain": len(model.uncertain()),
        "one_evaluation_s": {"best": min(one), "median": statistics.median(one), "cpu_best": min(CPU[id(one)])},
        "draws": args.draws,
        "mc_s": {"best": min(mc), "median": statistics.median(mc), "cpu_best": min(CPU[id(mc)])},
        "mc_path": path,  # "vm": the register machine (kernel.py, vm.py); "numpy": the numpy plan
        "machine_load_s": warm_s if machine else None,
        "mc_numpy_plan_s": {"best": min(mc_numpy), "cpu_best": min(CPU[id(mc_numpy)])},
        # cores in use during the draws (CPU / wall of each repeat, best) and voluntary context switches per run
        # (with two engine threads: how often the GIL went from one thread to the other)
        "mc_cores_used": max(c / w for c, w in zip(CPU[id(mc)], mc, strict=True)),
        "mc_voluntary_switches": switches,
        "reference_engine_s": {
            "one_evaluation_best": min(ref_one),
            "mc": ref_mc[0],
            "mc_cpu": CPU[id(ref_mc)][0],
            "speedup_one": min(ref_one) / min(one),
            "speedup_mc": ref_mc[0] / min(mc),
        },
        "threads": plan_threads(),
        "baseline_draws": args.baseline_draws,
        "baseline_s": base_t[0],
        "per_draw_ratio": per_draw_pandas / per_draw_qala,
        "sobol_n": args.sobol_n,
        "sobol_evaluations": sens.evaluations,
        "sobol_s": sob[0],
        "sobol_cpu_s": CPU[id(sob)][0],
        "salib_import_s": salib_import,
        "cpus": os.cpu_count(),
        "load_average": [load_before, os.getloadavg()[0]],
    }
    console = Console()
    t = Table(
        title=f"Scenario engine — {model.model} / {scenario}: {len(model.nodes)} nodes, "
        f"{len(model.years)} years, {len(model.uncertain())} uncertain assumptions"
    )
    for col in ("measure", "Qala", "aim"):
        t.add_column(col, justify="right" if col != "measure" else "left")
    t.add_row("one evaluation (best)", f"{min(one) * 1000:.2f} ms", "<= 1 ms")
    t.add_row(f"{args.draws:,} draws (best, {path})", f"{min(mc):.3f} s", "<= 0.1 s")
    t.add_row(f"{args.draws:,} draws, numpy plan (best)", f"{min(mc_numpy):.3f} s", "")
    t.add_row("per draw vs pandas per-node", f"{result['per_draw_ratio']:,.0f}x", ">= 200x")
    t.add_row(f"Sobol N={args.sobol_n} ({sens.evaluations:,} evaluations)", f"{sob[0]:.2f} s", "<= 2 s")
    console.print(t)
    console.print(
        f"CPU: one {min(CPU[id(one)]) * 1000:.2f} ms, {args.draws:,} draws {min(CPU[id(mc)]):.3f} s, "
        f"Sobol {CPU[id(sob)][0]:.2f} s; cores in use during the draws {result['mc_cores_used']:.2f} "
        f"({switches:.0f} voluntary switches per run); node-by-node engine: one {min(ref_one) * 1000:.2f} ms, "
        f"{args.draws:,} draws {ref_mc[0]:.3f} s; numpy plan {args.draws:,} draws CPU {min(CPU[id(mc_numpy)]):.3f} s; "
        f"machine loaded in {warm_s:.2f} s; load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2))
    _ = det, res
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
