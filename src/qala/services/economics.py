"""The MACC and the least-cost portfolio for a city (shared by the CLI and the web)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sqlalchemy import Engine

from qala.economics.financing import funding_needs
from qala.economics.macc import DEFAULT_DISCOUNT_RATE, _run, _total, macc, macc_dict
from qala.economics.portfolio import Option, Problem, solve
from qala.scenario.spec import BASES
from qala.scenario.targets import national_series
from qala.services import scenario as svc

MAX_TCO2E = 1e12  # a limit, in t CO2e, far above any city's emissions (the world emits ~5e10 t a year)
MAX_KZT = 1e16  # a budget, in KZT
# the basis the MACC is shown on unless one is asked for: the economics page opens on it and the report draws
# it, so that both show the same curve. On BASIC (scopes 1 and 2) a measure saving grid electricity or district
# heat shows its abatement; on the territorial basis (scope 1) it would show none.
MACC_BASIS = "basic"


def check_finite(what: str, value: float, low: float, high: float) -> None:
    """A number from a user (CLI option, form, query string) that is finite and within [low, high], or ValueError."""
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what}: a finite number between {low:g} and {high:g}, not {value!r}")


def setup(engine: Engine, city: str) -> tuple[Any, Any, Any]:
    model, _ = svc.resolve("bau", city, engine)
    return model, svc._prepared(model, None), svc.base_year(engine, model, None)


def check_basis(basis: str | None, model: Any) -> str:
    """The basis asked for (territorial, basic, basic_plus), or the model's when none is given."""
    if basis is None:
        return str(model.basis)
    if basis not in BASES:
        raise ValueError(f"the basis: one of {', '.join(BASES)}, not {basis!r}")
    return basis


def macc_data(
    engine: Engine,
    city: str,
    year: int,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    basis: str | None = None,
    emissions: str = "gross",
) -> dict[str, Any]:
    check_finite("the discount rate", discount_rate, 0, 1)
    model, prep, base = setup(engine, city)
    basis = check_basis(basis, model)
    if year not in model.years:
        raise ValueError(f"a year in {model.base_year}-{model.end_year}")
    steps = macc(prep, base, year, discount_rate=discount_rate, basis=basis, emissions=emissions)
    names = {code: dict(m.names) for code, m in model.measures.items()}
    bau = _total(prep, base, (), year, basis, emissions)
    return macc_dict(steps, year, "KZT", discount_rate, bau, basis, names, emissions, model.removal_measures())


def target_limit_of(engine: Engine, city: str, name: str) -> tuple[int, float, str, str]:
    """A target of the city's model by name: (year, limit in t CO2e, basis, gross or net), e.g. the conditional
    NDC (gross: removals cannot meet it) or neutrality (net)."""
    from qala.scenario.targets import target_limit  # noqa: PLC0415

    model, _, base = setup(engine, city)
    target = next((t for t in model.targets if t.name == name), None)
    if target is None:
        raise ValueError(f"unknown target {name!r}: one of {', '.join(t.name for t in model.targets)}")
    if target.kind == "per_capita":
        raise ValueError(f"target {name!r} is per person: give --target-tco2e instead")
    lim = target_limit(target, model.base_year, base.totals[target.basis], np.zeros((1, len(model.years))), 0)
    return target.year, float(np.asarray(lim.limit).reshape(-1)[0]), target.basis, target.emissions


def limit_from_reduction(
    engine: Engine, city: str, reduction_pct: float, base_year: int, basis: str | None = None
) -> float:
    check_finite("the reduction (%)", reduction_pct, 0, 100)
    model, _, base = setup(engine, city)
    reference = base.totals[check_basis(basis, model)]
    if base_year != model.base_year:
        series = national_series()
        if base_year not in series.values:
            raise ValueError(f"no national series for {base_year}")
        latest = max(y for y in series.values if y <= model.base_year)
        reference *= series.values[base_year] / series.values[latest]
    return reference * (1 - reduction_pct / 100)


def portfolio(
    engine: Engine,
    city: str,
    target_year: int,
    limit_tco2e: float,
    *,
    budgets: dict[int, float] | None = None,
    exclusive: tuple[tuple[str, str], ...] = (),
    requires: tuple[tuple[str, str], ...] = (),
    binary: frozenset[str] = frozenset(),
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    cumulative_from: int | None = None,
    basis: str | None = None,
    emissions: str = "gross",
) -> dict[str, Any]:
    """The least-cost portfolio on ``basis``; with ``cumulative_from`` the limit caps the emissions summed over the
    years. ``emissions``: gross (the default: a limit on emissions, which removals and offsets cannot meet, so the
    optimizer never buys them) or net (a neutrality target: removals count)."""
    check_finite("the emission limit (t CO2e)", limit_tco2e, 0, MAX_TCO2E)
    check_finite("the discount rate", discount_rate, 0, 1)
    for year, amount in (budgets or {}).items():
        check_finite(f"the budget of {year} (KZT)", amount, 0, MAX_KZT)
    model, prep, base = setup(engine, city)
    basis = check_basis(basis, model)
    if target_year not in model.years:
        raise ValueError(f"a target year in {model.base_year}-{model.end_year}")
    if cumulative_from is not None and not model.base_year <= cumulative_from <= target_year:
        raise ValueError(f"the cumulative period must start between {model.base_year} and {target_year}")
    steps = macc(
        prep,
        base,
        target_year,
        discount_rate=discount_rate,
        cumulative_from=cumulative_from,
        basis=basis,
        emissions=emissions,
    )
    totals, _ = _run(prep, base, (), basis, emissions)
    first = model.years.index(cumulative_from if cumulative_from is not None else target_year)
    bau = float(totals[first : model.years.index(target_year) + 1].sum())
    options = []
    for s in steps:
        years = range(s.start, max(s.full, s.start) + 1)
        options.append(
            Option(
                s.code,
                s.cost_per_year,
                max(s.abatement, 0.0),
                s.code in binary,
                {y: s.capex / len(years) for y in years},
            )
        )
    sol = solve(Problem(tuple(options), bau - limit_tco2e, budgets or {}, exclusive, requires))
    by_code = {s.code: s for s in steps}
    chosen = [(c, lvl) for c, lvl in sol.levels.items() if lvl > 1e-9]
    return {
        "status": sol.status,
        "target": {
            "year": target_year,
            "limit_tco2e": limit_tco2e,
            "basis": basis,
            "emissions": emissions,
            "cumulative_from": cumulative_from,
        },
        "bau_tco2e": bau,
        "measures": [
            {
                "code": c,
                "level": lvl,
                "abatement_tco2e": by_code[c].abatement * lvl,
                "cost": by_code[c].cost_per_year * lvl,
                "cost_per_tco2e": by_code[c].cost_per_tonne,
            }
            for c, lvl in chosen
        ],
        "total_cost": sol.total_cost,
        "abatement_tco2e": sol.abatement,
        "max_abatement_tco2e": sol.max_abatement,
        "currency": "KZT per year (annualised)",
        "message": sol.message,
        "financing": funding_needs(
            (c, by_code[c].capex * lvl, by_code[c].start, by_code[c].full, by_code[c].financing) for c, lvl in chosen
        ),
    }


MACC_AXIS_SHARE = 0.95  # the cost axis of a drawn MACC reaches the cost by which this share of the abatement is had
MACC_AXIS_HEADROOM = 1.1


def macc_axis(steps: list[dict[str, Any]], share: float = MACC_AXIS_SHARE) -> dict[str, Any] | None:
    """Where a drawn MACC's cost axis stops so that the cheap steps can be seen, or None when no step is cut.

    The steps that carry a cost per tonne and a positive abatement, in cost order: the axis reaches
    ``MACC_AXIS_HEADROOM`` times the cost of the step by which ``share`` of their abatement is reached (an
    abatement-weighted percentile of the cost). Steps above are drawn up to the edge and listed with their
    value (``clipped``). A curve with a few very dear, very small steps (a plant's CO2 capture at tens of
    millions of KZT per tonne) is otherwise one tall bar beside a flat line.
    """
    drawn = [s for s in steps if s["cost_per_tco2e"] is not None and s["abatement_tco2e"] > 0]
    total = sum(s["abatement_tco2e"] for s in drawn)
    if not drawn or total <= 0:
        return None
    reached, at = 0.0, drawn[-1]["cost_per_tco2e"]
    for s in sorted(drawn, key=lambda s: s["cost_per_tco2e"]):
        reached += s["abatement_tco2e"]
        if reached >= share * total:
            at = s["cost_per_tco2e"]
            break
    top = MACC_AXIS_HEADROOM * at
    clipped = [
        {"code": s["code"], "cost_per_tco2e": s["cost_per_tco2e"], "abatement_tco2e": s["abatement_tco2e"]}
        for s in drawn
        if s["cost_per_tco2e"] > top
    ]
    if at <= 0 or not clipped:
        return None
    return {"top": top, "share": share, "at_cost": at, "clipped": clipped}
