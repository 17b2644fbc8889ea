"""Global sensitivity (Sobol, SALib) of the totals in chosen years to every uncertain assumption.

SALib samples the unit hypercube; each column becomes an assumption through its distribution's
inverse CDF (a monotone transform, so the indices are those of the assumptions themselves).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from qala.scenario.chunks import Batch, ChunkJob, Runner, chunk_bounds, serial
from qala.scenario.engine import BaseYear, Chunk, Prepared


@dataclass(frozen=True)
class Index:
    name: str
    s1: float
    s1_conf: float
    st: float
    st_conf: float


@dataclass(frozen=True)
class Sensitivity:
    scenario: str
    basis: str
    n: int
    evaluations: int
    by_year: dict[int, list[Index]]  # ranked by total-order index

    def to_dict(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "basis": self.basis,
            "n": self.n,
            "evaluations": self.evaluations,
            "method": "Sobol (Saltelli sampling, SALib), first-order S1 and total-order ST with 95 % confidence",
            "years": {str(y): [i.__dict__ for i in idx] for y, idx in self.by_year.items()},
        }


def outputs(
    columns: tuple[int, ...], prep: Prepared, _scenario: str, _base: BaseYear, chunk: Chunk
) -> tuple[int, int, np.ndarray]:
    """What the analysis needs of a chunk (reduced where it is computed): the model basis's totals in the
    analysed years (``columns`` of the chunk's years), one row per evaluation — not every series."""
    return chunk.start, chunk.stop, np.ascontiguousarray(chunk.totals[prep.model.basis][:, list(columns)])


def saltelli(problem: dict[str, object], n: int, seed: int) -> np.ndarray:
    """SALib's ``sample.sobol.sample(problem, n, calc_second_order=False, seed=seed)``, the same matrix, built
    with array operations instead of SALib's loop over every row and column (seconds for N=1024, 57 inputs)."""
    from SALib.util import scale_samples  # noqa: PLC0415
    from scipy.stats import qmc  # noqa: PLC0415 - heavy: only here

    d = int(problem["num_vars"])  # type: ignore[call-overload]
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    out = np.empty((n, d + 2, d))
    out[:, 0] = a  # each row of A, then A with column k taken from B (k = 0 .. d-1), then B
    out[:, 1 : d + 1] = a[:, None, :]
    k = np.arange(d)
    out[:, 1 + k, k] = b
    out[:, d + 1] = b
    return scale_samples(out.reshape(-1, d), problem)


def sobol(
    prep: Prepared,
    scenario: str,
    base: BaseYear,
    *,
    n: int = 1024,
    years: tuple[int, ...] = (2030, 2060),
    seed: int = 1,
    chunk_size: int = 4096,
    on_chunk: Callable[[int], None] | None = None,
    runner: Runner = serial,
) -> Sensitivity:
    from SALib.analyze import sobol as sobol_analyze  # noqa: PLC0415 - heavy (pandas, scipy.stats): only here

    model = prep.model
    names = [name for name, _ in model.uncertain()]
    if not names:
        raise ValueError("the model has no uncertain assumptions (no 'dist', 'uncertainty' or uncertain max_effect)")
    problem = {
        "num_vars": len(names),
        "names": [f"{k}#{i}" for i, k in enumerate(names)],
        "bounds": [[0.0, 1.0]] * len(names),
    }
    x = saltelli(problem, n, seed)
    out = np.empty((len(x), len(years)))
    # The same jobs in this process and on a Dask cluster: each computes only the analysed years (and the base
    # year it is calibrated on) and returns one row per evaluation. That is what Sobol's estimators need, and no
    # less: SALib's confidence intervals resample the evaluations, so they cannot be summed on the workers.
    jobs = tuple(ChunkJob(a, b, seed, given=x[a:b], years=tuple(years)) for a, b in chunk_bounds(len(x), chunk_size))
    batch = Batch(prep, scenario, base, jobs, reduce=partial(outputs, tuple(range(len(years)))))
    for start, stop, y in runner([batch], on_chunk)[0]:  # the model evaluations, in chunks
        out[start:stop] = y
    by_year = {}
    for j, year in enumerate(years):
        y = out[:, j]
        if np.ptp(y) == 0:
            by_year[year] = [Index(nm, 0.0, 0.0, 0.0, 0.0) for nm in names]
            continue
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        ranked = [
            Index(
                names[i], float(res["S1"][i]), float(res["S1_conf"][i]), float(res["ST"][i]), float(res["ST_conf"][i])
            )
            for i in range(len(names))
        ]
        by_year[year] = sorted(ranked, key=lambda i: -i.st)
    return Sensitivity(scenario, model.basis, n, len(x), by_year)
