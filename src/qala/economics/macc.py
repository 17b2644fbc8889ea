"""Abatement and cost of each measure from the scenario engine, and the MACC built in order.

The MACC is built on a chosen basis (territorial, basic or basic_plus). Each measure is first run alone
against BAU (deterministic, target year) to rank it by cost per tonne; the measures are then added in that
order and each one's abatement is what it adds after those before it — so interactions between measures
are counted once. The steps are then drawn in increasing order of the cost per tonne they plot (their
incremental cost per tonne), so the curve is monotonic — the standard MACC; measures that abate nothing
(or add emissions) on the basis come last, without a cost per tonne.

Removals and offsets (flows marked ``removal: true``) are not abatement: the curve is built on the gross
emissions by default, so a measure that only buys removals abates nothing on it (it comes last, marked
``removal``). ``emissions="net"`` builds it net of removals, for a net (neutrality) target only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qala.catalog import load_catalog
from qala.economics.costs import CostInputs, annualised_cost
from qala.economics.prices import prices
from qala.scenario.engine import BaseYear, Prepared, counted
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


def _with(prep: Prepared, measures: tuple[str, ...], among: tuple[str, ...] = ()) -> Prepared:
    """``prep`` with a scenario ``_macc`` of ``measures``, listed with the curve's other measures ``among``
    at an adoption of zero in every year.

    Every step of a curve then has one structure (the same measures, each with its changes), so the engine
    builds one program for the whole curve instead of one per step (``kernel.program_for``: some 30-80 ms
    each, 71 runs for Astana's 35 measures). A measure at zero adoption leaves every parameter as it was, bit for bit:
    its change adds ``(value - base) × 0 × effect``, ``value × 0 × effect`` or multiplies by ``1 + value × 0 ×
    effect`` (finite values: a model's are), so each step's numbers are those of a scenario of its measures
    alone (tested)."""
    model = prep.model
    # the model's order, whatever order the curve adds them in: measures that move the same parameter ("set")
    # do not commute, and the steps must add up to all of them together
    chosen = set(measures)
    listed = chosen | set(among)
    spec = ScenarioSpec(
        "_macc",
        tuple(c for c in model.measures if c in listed),
        {"en": "MACC step", "ru": "Шаг MACC", "kk": "MACC қадамы"},
    )
    new_model: CityModel = replace(model, scenarios={**model.scenarios, "_macc": spec})
    shares = {**prep.shares, **{c: np.zeros_like(prep.shares[c]) for c in listed - chosen}}
    # the calibration's proportionality is checked once, on the first (BAU) run: it does not depend on the measures
    return replace(prep, model=new_model, shares=shares, checked=set(prep.checked), deterministic_inputs={}, masks={})


def _run(
    prep: Prepared,
    base: BaseYear,
    measures: tuple[str, ...],
    basis: str | None = None,
    emissions: str = "gross",
    among: tuple[str, ...] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Per year: the total on ``basis`` (default: the model's), gross of removals or ``net`` of them, and the
    energy bill (KZT; priced fuels and grid electricity); ``among``: as ``_with``."""
    p = _with(prep, measures, among)
    res = run_scenario(p, "_macc", base, draws=1, seed=1)
    prep.checked.update(p.checked)
    price = prices(load_catalog())
    bill = np.zeros(len(p.model.years))
    for node in p.model.flows:
        act = node.flow.activity if node.flow else None
        if act in price and node.name in res.amount_means:
            bill = bill + np.asarray(res.amount_means[node.name]) * price[act].per_canonical
    return np.asarray(counted(res.totals, res.removals, basis or p.model.basis, emissions)[0]), bill


def _total(
    prep: Prepared,
    base: BaseYear,
    measures: tuple[str, ...],
    year: int,
    basis: str | None = None,
    emissions: str = "gross",
) -> float:
    totals, _ = _run(prep, base, measures, basis, emissions)
    return float(totals[prep.model.years.index(year)])


def annual_cost(model: CityModel, code: str, discount_rate: float, savings: float = 0.0) -> tuple[float, float, float]:
    """(annualised cost, capex, lifetime); ``savings`` is the energy bill the measure saves in the year."""
    m = model.measures[code]
    c = m.cost
    inputs = CostInputs(
        code,
        float(c.get("capex", 0.0)),
        float(c.get("opex_per_year", 0.0)),
        float(c.get("savings_per_year", 0.0)) + savings,
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
    cumulative_from: int | None = None,
    basis: str | None = None,
    emissions: str = "gross",
) -> list[MaccStep]:
    """The MACC in ``year`` on ``basis``; with ``cumulative_from``, abatement summed over the years from then to
    ``year``. Steps come in increasing order of the cost per tonne they plot. ``emissions``: gross (removals
    are no abatement; the default) or net (removals count, for a neutrality target)."""
    if emissions not in ("gross", "net"):
        raise ValueError(f"emissions: gross or net, not {emissions!r}")
    model = prep.model
    codes = list(measures or tuple(model.measures))
    i = model.years.index(year)
    span = slice(model.years.index(cumulative_from), i + 1) if cumulative_from is not None else slice(i, i + 1)
    years_in = span.stop - span.start
    among = tuple(codes)  # one program for every step (``_with``)
    bau, bau_bill = _run(prep, base, (), basis, emissions, among)
    alone = {}
    for code in codes:  # the order of building: each measure's cost per tonne alone against BAU
        total, bill = _run(prep, base, (code,), basis, emissions, among)
        cost, _, _ = annual_cost(model, code, discount_rate, float(bau_bill[i] - bill[i]))
        gain = float((bau - total)[span].sum())
        alone[code] = cost / gain if gain > 0 else float("inf")
    steps: list[MaccStep] = []
    done: tuple[str, ...] = ()
    previous, previous_bill = bau, bau_bill
    for code in sorted(codes, key=lambda c: (alone[c], c)):
        done = (*done, code)
        now, bill = _run(prep, base, done, basis, emissions, among)
        gain, saved = float((previous - now)[span].sum()), float(previous_bill[i] - bill[i])
        previous, previous_bill = now, bill
        cost, capex, lifetime = annual_cost(model, code, discount_rate, saved)
        m = model.measures[code]
        per_tonne = cost * years_in / gain if gain > 0 else None
        steps.append(MaccStep(code, cost, gain, per_tonne, capex, lifetime, m.financing, m.start, m.full, saved))
    # the standard curve: steps in increasing order of the cost they plot (no cost per tonne: last)
    return sorted(steps, key=lambda s: (s.cost_per_tonne is None, s.cost_per_tonne or 0.0))


_COUNTED = {
    "gross": "on gross emissions (removals and offsets are not abatement), ",
    "net": "net of removals and offsets (for a neutrality target), ",
}


def macc_dict(
    steps: list[MaccStep],
    year: int,
    currency: str,
    discount_rate: float,
    bau: float,
    basis: str = "territorial",
    names: dict[str, dict[str, str]] | None = None,
    emissions: str = "gross",
    removal_measures: tuple[str, ...] = (),
) -> dict[str, Any]:
    cumulative, rows = 0.0, []
    for s in steps:
        cumulative += max(s.abatement, 0.0)
        rows.append(
            {
                "code": s.code,
                "name": (names or {}).get(s.code),
                "removal": s.code in removal_measures,  # buys removals or offsets: not an emission cut
                "abatement_tco2e": s.abatement,
                "cumulative_tco2e": cumulative,
                "energy_savings_per_year": s.energy_savings,
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
        "basis": basis,
        "emissions": emissions,
        "method": _COUNTED[emissions]
        + f"on the {basis} basis: measures ranked by cost per tonne alone, then abatement measured after "
        "those before (deterministic run, target year), so interactions are counted once; the steps are drawn in "
        "increasing order of the cost per tonne they plot (measures that abate nothing on the basis last); "
        "annualised cost = capex x CRF(r, lifetime) + opex - savings, where "
        "savings = the energy bill saved in the year (primary fuels and grid electricity at the prices of "
        "catalog/data/energy_prices.csv; district heat is not priced, so that fuel is not counted twice); "
        "prices are nominal in their own price "
        "year and are not indexed to the year of the capital costs",
        "prices": [
            {
                "activity": p.activity,
                "price": p.text,
                "value": p.value,
                "unit": p.unit,
                "price_year": p.price_year,
                "kzt_per_usd": p.kzt_per_usd,
                "source": p.source,
            }
            for p in prices(load_catalog()).values()
        ],
        "steps": rows,
    }
