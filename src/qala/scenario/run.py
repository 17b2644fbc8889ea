"""Run a scenario: chunks of draws, summaries (mean, quantiles), targets; the JSON of DESIGN.md §5."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qala.inventory.result import Inventory
from qala.scenario.chunks import Batch, ChunkJob, Runner, chunk_bounds, serial
from qala.scenario.engine import SECTORS, BaseYear, Chunk, Prepared, counted
from qala.scenario.spec import BASES
from qala.scenario.targets import target_limit

QUANTILES = {"p05": 0.05, "p50": 0.5, "p95": 0.95}
DEFAULT_CHUNK = 10_000  # draws per chunk: the engine evaluates a chunk in cache-sized blocks itself
MILESTONES = (2030, 2040, 2050, 2060)


def base_year_from(inv: Inventory) -> BaseYear:
    """The calibration target: canonical amounts per (cell, activity, facility) and totals per basis."""
    rows = inv.rows
    amounts: dict[tuple[str, str, str | None], float] = {}
    seen: set[tuple[str, str, str | None, str]] = set()
    for ref, act, fac, unit, amount in rows.select(
        "gpc_ref", "activity", "facility", "activity_unit", "canonical_amount"
    ).iter_rows():
        key = (ref, act, fac, unit)
        if key in seen:
            continue  # one row per gas: count the activity once
        seen.add(key)
        amounts[(ref, act, fac)] = amounts.get((ref, act, fac), 0.0) + amount
    for fac in inv.chp.facilities if inv.chp else ():  # plant outputs: what the model's plants are calibrated to
        amounts[("I.4.4", "heat_output", fac.facility)] = fac.heat_tj
        amounts[("I.4.4", "electricity_output", fac.facility)] = fac.power_tj
    emissions: dict[tuple[str, str, str | None], float] = {}
    for ref, act, fac, t in (
        rows.filter(rows["gas"] != "CO2(b)").select("gpc_ref", "activity", "facility", "tco2e").iter_rows()
    ):
        emissions[(ref, act, fac)] = emissions.get((ref, act, fac), 0.0) + (t or 0.0)
    by_basis = {}
    for basis in BASES:
        levels = {"territorial": None, "basic": ("B",), "basic_plus": ("B", "B+")}[basis]
        sel = rows.filter(rows["gas"] != "CO2(b)")
        sel = sel.filter(sel["scope"] == 1) if levels is None else sel.filter(sel["level"].is_in(list(levels)))
        by_basis[basis] = {s: float(sel.filter(sel["sector"] == s)["tco2e"].sum()) for s in SECTORS}
    totals = {b: sum(v.values()) for b, v in by_basis.items()}
    return BaseYear(inv.year, amounts, by_basis, totals, emissions)


def removals_dict(model: Any, flow_means: dict[str, np.ndarray]) -> dict[str, Any] | None:
    """The removal lines of a result's JSON, apart from the sectors' emissions they sit in (None: the model has
    none). The mean per year comes from the flows' means, so a run that keeps its draws and one reduced where the
    draws are computed give the same numbers."""
    names = model.removal_flows
    if not names:
        return None
    mean = sum(np.asarray(flow_means[n], dtype=float) for n in names)
    return {
        "what": "removals and offsets beyond the city's emissions: counted only towards net (neutrality) targets, "
        "never towards targets on gross emissions, and not an emission reduction",
        "flows": list(names),
        "sectors": sorted({f.flow.gpc_ref for f in model.flows if f.name in names and f.flow is not None}),
        "mean": np.asarray(mean, dtype=float).tolist(),
    }


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    city: str
    years: list[int]
    draws: int
    seed: int
    basis: str
    totals: dict[str, np.ndarray]  # basis -> (draws, years)
    sectors: dict[str, dict[str, np.ndarray]]
    population: np.ndarray | None
    flow_means: dict[str, np.ndarray]
    base: BaseYear
    prep: Prepared
    amount_means: dict[str, np.ndarray] = field(default_factory=dict)  # canonical amount per flow and year
    removals: dict[str, np.ndarray] = field(default_factory=dict)  # basis -> (draws, years), removal flows (<= 0)

    def summary(self, values: np.ndarray) -> dict[str, list[float]]:
        out = {"mean": values.mean(axis=0).tolist()}
        qs = np.quantile(values, list(QUANTILES.values()), axis=0)
        out.update({k: q.tolist() for k, q in zip(QUANTILES, qs, strict=True)})
        return out

    def targets(self) -> list[dict[str, Any]]:
        out = []
        model = self.prep.model
        for t in model.targets:
            yi = self.years.index(t.year)
            lim = target_limit(t, model.base_year, self.base.totals[t.basis], self.population, yi)
            total = counted(self.totals, self.removals, t.basis, t.emissions)[:, yi]
            limit = np.broadcast_to(np.asarray(lim.limit, dtype=float), total.shape)
            out.append(
                {
                    "name": t.name,
                    "label": t.label,
                    "kind": t.kind,
                    "basis": t.basis,
                    "emissions": t.emissions,
                    "year": t.year,
                    "limit_tco2e": float(np.median(limit)),
                    "p_met": float(np.mean(total <= limit)),
                    "gap_p50_tco2e": float(np.median(total - limit)),
                    "method": lim.method,
                    "source": t.source,
                }
            )
        return out

    def milestones(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """2030, 2040, 2050 (and 2060) on every basis: median, 5-95 % range and the change from the base year
        (None where the base year's median is 0: a change from nothing is not a number, and 0 would say "none")."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for year in MILESTONES:
            if year not in self.years:
                continue
            i = self.years.index(year)
            out[str(year)] = {}
            for basis, values in self.totals.items():
                p05, p50, p95 = np.quantile(values[:, i], [0.05, 0.5, 0.95])
                base = float(np.median(values[:, 0]))
                out[str(year)][basis] = {
                    "p05": float(p05),
                    "p50": float(p50),
                    "p95": float(p95),
                    "change_from_base_year": float(p50 / base - 1) if base else None,
                }
        return out

    def base_year_check(self) -> dict[str, dict[str, float | None]]:
        """The model's base year against the inventory, sector by sector (basis of the model)."""
        out: dict[str, dict[str, float | None]] = {}
        inv = self.base.by_basis.get(self.basis, {})
        for sector, values in self.sectors[self.basis].items():
            out[sector] = {"model_p50": float(np.median(values[:, 0])), "inventory": inv.get(sector)}
        return out

    def to_dict(self) -> dict[str, Any]:
        model = self.prep.model
        return {
            "scenario": self.scenario,
            "city": self.city,
            "unit": "t CO2e",
            "draws": self.draws,
            "seed": self.seed,
            "basis": self.basis,
            "model": model.model,
            "base_year": model.base_year,
            "years": self.years,
            "total": self.summary(self.totals[self.basis]),
            "by_sector": {s: self.summary(v) for s, v in self.sectors[self.basis].items()},
            "by_basis": {b: self.summary(v) for b, v in self.totals.items()},
            "targets": self.targets(),
            "measures": list(model.scenarios[self.scenario].measures),
            "base_year_check": self.base_year_check(),
            "milestones": self.milestones(),
            "flows_mean": {k: v.tolist() for k, v in self.flow_means.items()},
            "removals": removals_dict(model, self.flow_means),
            "gwp": self.prep.gwp_code,
        }


def run_scenario(
    prep: Prepared,
    scenario: str,
    base: BaseYear,
    *,
    draws: int,
    seed: int,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
    runner: Runner = serial,
) -> ScenarioResult:
    """All draws in chunks (``draws == 1`` is the deterministic run at the distributions' centres).

    ``runner`` evaluates the chunks (in this process by default; ``qala.scale`` on a Dask cluster): the
    chunks and their reduction are the same whichever runs them, so the numbers are too.
    """
    batch = scenario_batch(prep, scenario, base, draws=draws, seed=seed, chunk_size=chunk_size)
    return combine(prep, scenario, base, runner([batch], on_chunk)[0], seed)


def scenario_batch(
    prep: Prepared, scenario: str, base: BaseYear, *, draws: int, seed: int, chunk_size: int = DEFAULT_CHUNK
) -> Batch:
    """The jobs of one scenario run: fixed chunk boundaries, whoever evaluates them."""
    if scenario not in prep.model.scenarios:
        raise KeyError(f"unknown scenario '{scenario}'; the model has {', '.join(prep.model.scenarios)}")
    deterministic = draws == 1
    jobs = tuple(ChunkJob(a, b, seed, deterministic) for a, b in chunk_bounds(draws, chunk_size))
    return Batch(prep, scenario, base, jobs)


def combine(prep: Prepared, scenario: str, base: BaseYear, chunks: list[Chunk], seed: int) -> ScenarioResult:
    chunks = sorted(chunks, key=lambda c: c.start)
    draws = chunks[-1].stop

    def cat(arrays: list[np.ndarray]) -> np.ndarray:
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)  # one chunk: its arrays, not a copy

    totals = {b: cat([c.totals[b] for c in chunks]) for b in BASES}
    sectors = {b: {s: cat([c.sectors[b][s] for c in chunks]) for s in SECTORS} for b in BASES}
    pop = cat([c.population for c in chunks]) if chunks[0].population is not None else None  # type: ignore[misc]
    if len(chunks) == 1 and draws == 1:  # the sums of one draw are its means (the chunk's own arrays)
        flows, amounts = dict(chunks[0].flow_sums), dict(chunks[0].amount_sums)
    elif len(chunks) == 1:
        flows = {n: s / draws for n, s in chunks[0].flow_sums.items()}
        amounts = {n: s / draws for n, s in chunks[0].amount_sums.items()}
    else:
        flows = {n: sum(c.flow_sums[n] for c in chunks) / draws for n in chunks[0].flow_sums}
        amounts = {n: sum(c.amount_sums[n] for c in chunks) / draws for n in chunks[0].amount_sums}
    model = prep.model
    removals = {b: cat([c.removals[b] for c in chunks]) for b in chunks[0].removals}
    return ScenarioResult(
        scenario,
        model.city,
        model.years,
        draws,
        seed,
        model.basis,
        totals,
        sectors,
        pop,
        flows,
        base,
        prep,
        amounts,
        removals,
    )
