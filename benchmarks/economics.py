"""Least-cost portfolio: Qala's direct HiGHS model against the same LP built with Pyomo, in one run.

    .venv/bin/python -m benchmarks.economics            # 25 and 500 measures over 16 years

The problem (seeded): measure levels in [0, 1]; minimise total annualised cost subject to a cumulative
abatement target over 16 years, a capital budget in each year, exclusive pairs and requirements.
Both models are solved by HiGHS (dual simplex); their optimal costs must agree (relative 1e-6).
Times are cold (model built and solved) and reported with the ratio Pyomo / Qala.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from qala.economics.portfolio import Option, Problem, _model

YEARS = list(range(2025, 2041))


def problem(n: int, seed: int = 1) -> Problem:
    rng = np.random.default_rng(seed)
    options = []
    for i in range(n):
        start = int(rng.integers(0, 10))
        abatement = float(rng.lognormal(9, 1)) * (len(YEARS) - start)  # cumulative t CO2e over the years
        capex = float(rng.lognormal(20, 1))
        spend = {YEARS[start + k]: capex / 3 for k in range(3) if start + k < len(YEARS)}
        options.append(Option(f"m{i:03d}", float(rng.lognormal(16, 1)), abatement, False, spend))
    total = sum(o.abatement for o in options)
    budgets = {y: 0.6 * sum(o.spend.get(y, 0.0) for o in options) for y in YEARS}
    codes = [o.code for o in options]
    exclusive = tuple((codes[i], codes[i + 1]) for i in range(0, min(n, 40) - 1, 4))
    requires = tuple((codes[i + 2], codes[i + 3]) for i in range(0, min(n, 40) - 3, 8))
    return Problem(tuple(options), 0.3 * total, budgets, exclusive, requires)


def qala_solve(p: Problem) -> float:
    h = _model(p, np.array([o.cost for o in p.options]), __import__("highspy").ObjSense.kMinimize, True)
    h.setOptionValue("simplex_strategy", 1)  # dual simplex
    h.run()
    return float(h.getInfo().objective_function_value)


def pyomo_solve(p: Problem) -> float:
    import pyomo.environ as pyo
    from pyomo.contrib.appsi.solvers import Highs

    m = pyo.ConcreteModel()
    idx = {o.code: i for i, o in enumerate(p.options)}
    m.I = pyo.RangeSet(0, len(p.options) - 1)
    m.x = pyo.Var(m.I, bounds=(0, 1))
    m.cost = pyo.Objective(expr=sum(o.cost * m.x[i] for i, o in enumerate(p.options)), sense=pyo.minimize)
    m.target = pyo.Constraint(expr=sum(o.abatement * m.x[i] for i, o in enumerate(p.options)) >= p.required_abatement)
    m.budget = pyo.ConstraintList()
    for y, limit in p.budgets.items():
        terms = [o.spend[y] * m.x[i] for i, o in enumerate(p.options) if o.spend.get(y)]
        if terms:
            m.budget.add(sum(terms) <= limit)
    m.pairs = pyo.ConstraintList()
    for a, b in p.exclusive:
        m.pairs.add(m.x[idx[a]] + m.x[idx[b]] <= 1)
    for a, b in p.requires:
        m.pairs.add(m.x[idx[a]] <= m.x[idx[b]])
    solver = Highs()
    solver.highs_options = {"simplex_strategy": 1, "output_flag": False}
    solver.solve(m)
    return float(pyo.value(m.cost))


def timed(fn, p: Problem, repeats: int) -> tuple[list[float], float]:
    times, value = [], 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn(p)
        times.append(time.perf_counter() - t)
    return times, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.economics", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="25,500")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    table = Table(title="Least-cost portfolio, 16 years: Qala (direct HiGHS) vs Pyomo (+ HiGHS)")
    for col in ("measures", "Qala best", "Qala median", "Pyomo best", "Pyomo median", "ratio (best)", "aim"):
        table.add_column(col, justify="right")
    aims = {25: 0.010, 500: 0.3}
    for n in (int(s) for s in args.sizes.split(",")):
        p = problem(n)
        q_times, q_value = timed(qala_solve, p, args.repeats)
        y_times, y_value = timed(pyomo_solve, p, args.repeats)
        if abs(q_value - y_value) > 1e-6 * max(1.0, abs(y_value)):
            raise SystemExit(f"the two models disagree: {q_value} vs {y_value}")
        aim = aims.get(n)
        table.add_row(
            str(n),
            f"{min(q_times) * 1000:.1f} ms",
            f"{statistics.median(q_times) * 1000:.1f} ms",
            f"{min(y_times) * 1000:.1f} ms",
            f"{statistics.median(y_times) * 1000:.1f} ms",
            f"{min(y_times) / min(q_times):.1f}x",
            "-" if aim is None else f"<= {aim * 1000:.0f} ms: {'met' if min(q_times) <= aim else 'not met'}",
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
