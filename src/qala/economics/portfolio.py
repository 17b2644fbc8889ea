"""The least-cost portfolio of measures that meets an emission target, solved with HiGHS.

Variables: a level x_m in [0, 1] per measure (binary for all-or-nothing measures). Minimise
sum(cost_m x_m) subject to sum(abatement_m x_m) >= required abatement; optional yearly budgets
sum(capex_{m,y} x_m) <= B_y; exclusive pairs x_a + x_b <= 1; requirements x_a <= x_b. When the target
cannot be met, the answer says so and gives the largest achievable abatement under the same rules.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import highspy
import numpy as np


class PortfolioError(ValueError):
    """Contradictory or impossible inputs (named), as opposed to an infeasible target, which is an answer."""


@dataclass(frozen=True)
class Option:
    code: str
    cost: float  # annualised (or total) cost of the measure at full level
    abatement: float  # t CO2e at full level (in the target year, or cumulative)
    binary: bool = False
    spend: dict[int, float] = field(default_factory=dict)  # year -> capital spent at full level


@dataclass(frozen=True)
class Problem:
    options: tuple[Option, ...]
    required_abatement: float
    budgets: dict[int, float] = field(default_factory=dict)
    exclusive: tuple[tuple[str, str], ...] = ()
    requires: tuple[tuple[str, str], ...] = ()  # (a, b): a needs b

    def check(self) -> None:
        codes = [o.code for o in self.options]
        if len(set(codes)) != len(codes):
            raise PortfolioError("each measure once")
        known = set(codes)
        for a, b in (*self.exclusive, *self.requires):
            for c in (a, b):
                if c not in known:
                    raise PortfolioError(f"unknown measure '{c}' in a constraint")
        for a, b in self.requires:
            if (a, b) in self.exclusive or (b, a) in self.exclusive:
                raise PortfolioError(f"contradictory constraints: '{a}' requires '{b}' but they are exclusive")
        for y, limit in self.budgets.items():
            if limit < 0:
                raise PortfolioError(f"the budget for {y} cannot be negative")


@dataclass(frozen=True)
class Solution:
    status: str  # optimal | infeasible
    levels: dict[str, float]
    total_cost: float
    abatement: float
    max_abatement: float
    message: str


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance; its banner (printed by the C++ library on the first one) kept off standard output."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h


def _model(p: Problem, objective: np.ndarray, sense: highspy.ObjSense, with_target: bool) -> highspy.Highs:
    h = _quiet_highs()
    n = len(p.options)
    idx = {o.code: i for i, o in enumerate(p.options)}
    inf = highspy.kHighsInf
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), objective.astype(float))
    for i, o in enumerate(p.options):
        if o.binary:
            h.changeColIntegrality(i, highspy.HighsVarType.kInteger)

    def row(lo: float, hi: float, coefs: dict[int, float]) -> None:
        cols = np.array(list(coefs), dtype=np.int32)
        h.addRow(lo, hi, len(cols), cols, np.array(list(coefs.values()), dtype=float))

    if with_target:
        row(p.required_abatement, inf, {i: o.abatement for i, o in enumerate(p.options)})
    for year, limit in p.budgets.items():
        spend = {i: o.spend.get(year, 0.0) for i, o in enumerate(p.options) if o.spend.get(year, 0.0)}
        if spend:
            row(-inf, limit, spend)
    for a, b in p.exclusive:
        row(-inf, 1.0, {idx[a]: 1.0, idx[b]: 1.0})
    for a, b in p.requires:
        row(-inf, 0.0, {idx[a]: 1.0, idx[b]: -1.0})
    h.changeObjectiveSense(sense)
    return h


def solve(p: Problem) -> Solution:
    p.check()
    costs = np.array([o.cost for o in p.options])
    gains = np.array([o.abatement for o in p.options])
    best = _model(p, gains, highspy.ObjSense.kMaximize, with_target=False)
    best.run()
    max_abatement = float(best.getInfo().objective_function_value) if p.options else 0.0
    h = _model(p, costs, highspy.ObjSense.kMinimize, with_target=True)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return Solution(
            "infeasible",
            {},
            0.0,
            0.0,
            max_abatement,
            f"The target needs {p.required_abatement:,.0f} t CO2e of abatement; the measures can give at "
            f"most {max_abatement:,.0f} t CO2e under the budgets and constraints.",
        )
    x = np.array(h.getSolution().col_value)
    levels = {o.code: float(round(v, 12)) for o, v in zip(p.options, x, strict=True)}
    return Solution(
        "optimal",
        levels,
        float(costs @ x),
        float(gains @ x),
        max_abatement,
        f"The target is met at least cost with {sum(v > 1e-9 for v in levels.values())} measures.",
    )
