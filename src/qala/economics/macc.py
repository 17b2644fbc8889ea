"""Abatement and cost of each measure from the scenario engine, and the MACC built in order.

Each measure is first run alone against BAU (deterministic, in the target year) to rank it by cost
per tonne; then the MACC adds the measures in that order, and each measure's abatement is what it
adds after those before it — so interactions between measures are counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from qala.catalog import load_catalog
from qala.economics.costs import CostInputs, annualised_cost
from qala.economics.prices import prices
from qala.scenario.engine import BaseYear, Prepared
from qala.scenario.run import run_scenario
from qala.scenario.spec import CityModel, ScenarioSpec

DEFAULT_DISCOUNT_RATE = 0.08


@dataclass(frozen=True)
class MaccStep:
    code: str
    cost_per_year: float  # annualised
    abatement: float  # t CO2e in the year, after the measures before it
    cost_per_tonne: float | None
    capex: float
    lifetime: float
    financing: tuple[str, ...]
    start: int
    full: int
    energy_savings: float = 0.0  # KZT a year on priced fuels and grid electricity, after the measures before it


def _with(prep: Prepared, measures: tuple[str, ...]) -> Prepared:
    model = prep.model
    spec = ScenarioSpec("_macc", measures, {"en": "MACC step", "ru": "Шаг MACC", "kk": "MACC қадамы"})
    new_model: CityModel = replace(model, scenarios={**model.scenarios, "_macc": spec})
    return replace(prep, model=new_model, checked=set(), deterministic_inputs={}, masks={})


def _run(prep: Prepared, base: BaseYear, measures: tuple[str, ...], year: int) -> tuple[float, float]:
    """The total in the year and the energy bill (KZT, priced fuels and grid electricity) in the year."""
    p = _with(prep, measures)
    res = run_scenario(p, "_macc", base, draws=1, seed=1)
    i = p.model.years.index(year)
    price = prices(load_catalog())
    bill = 0.0
    for node in p.model.flows:
        act = node.flow.activity if node.flow else None
        if act in price and node.name in res.amount_means:
            bill += float(res.amount_means[node.name][i]) * price[act].per_canonical
    return float(res.totals[p.model.basis][0, i]), bill


def _total(prep: Prepared, base: BaseYear, measures: tuple[str, ...], year: int) -> float:
    return _run(prep, base, measures, year)[0]


def annual_cost(model: CityModel, code: str, discount_rate: float) -> tuple[float, float, float]:
    m = model.measures[code]
    c = m.cost
    inputs = CostInputs(
        code,
        float(c.get("capex", 0.0)),
        float(c.get("opex_per_year", 0.0)),
        float(c.get("savings_per_year", 0.0)),
        float(c.get("lifetime", 20)),
        discount_rate,
    )
    return annualised_cost(inputs), inputs.capex, inputs.lifetime


def macc(
    prep: Prepared,
    base: BaseYear,
    year: int,
    measures: tuple[str, ...] | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
) -> list[MaccStep]:
    model = prep.model
    codes = measures or tuple(model.measures)
    bau = _total(prep, base, (), year)
    alone = {}
    for code in codes:
        cost, _, _ = annual_cost(model, code, discount_rate)
        gain = bau - _total(prep, base, (code,), year)
        alone[code] = cost / gain if gain > 0 else float("inf")
    order = sorted(codes, key=lambda c: (alone[c], c))
    steps, done, previous = [], (), bau
    for code in order:
        done = (*done, code)
        now = _total(prep, base, done, year)
        gain = previous - now
        previous = now
        cost, capex, lifetime = annual_cost(model, code, discount_rate)
        m = model.measures[code]
        steps.append(
            MaccStep(code, cost, gain, cost / gain if gain > 0 else None, capex, lifetime, m.financing, m.start, m.full)
        )
    return steps


def macc_dict(steps: list[MaccStep], year: int, currency: str, discount_rate: float, bau: float) -> dict[str, Any]:
    cumulative, rows = 0.0, []
    for s in steps:
        cumulative += max(s.abatement, 0.0)
        rows.append(
            {
                "code": s.code,
                "abatement_tco2e": s.abatement,
                "cumulative_tco2e": cumulative,
                "cost_per_year": s.cost_per_year,
                "cost_per_tco2e": s.cost_per_tonne,
                "capex": s.capex,
                "lifetime": s.lifetime,
                "financing": list(s.financing),
            }
        )
    return {
        "year": year,
        "currency": currency,
        "discount_rate": discount_rate,
        "bau_tco2e": bau,
        "method": "measures ranked by cost per tonne alone, then abatement measured after those before "
        "(deterministic run, target year); annualised cost = capex x CRF(r, lifetime) + opex - savings",
        "steps": rows,
    }
