"""Evaluate a city model: draws x years arrays for every node, emissions through the catalog.

Everything inside is in SI base units (pint's ``to_base_units``); flows leave in the activity's
canonical unit (TJ or t) and emissions in t CO2e. The same function evaluates one deterministic run
(distributions at their centre) or a chunk of Monte Carlo draws; a draw's random numbers do not depend
on the chunk it falls in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np

from qala.catalog import Catalog
from qala.catalog.units import registry
from qala.inventory.engine import emission_gas
from qala.scenario.adoption import adoption
from qala.scenario.distributions import Distribution, normals, uniforms
from qala.scenario.spec import BASES, CityModel, ModelError

SECTORS = ("I", "II", "III", "IV", "V", "VI")
TJ = 1e12  # J per TJ


@cache
def si(unit: str) -> float:
    """Multiplier from ``unit`` to SI base units."""
    return float(registry().Quantity(1.0, unit).to_base_units().magnitude)


def path_array(path: Mapping[int, float], years: np.ndarray) -> np.ndarray:
    """A path {year: value} as a value per year: linear between given years, flat outside."""
    xs = np.array(sorted(path), dtype=float)
    ys = np.array([path[int(x)] for x in xs], dtype=float)
    return np.interp(years.astype(float), xs, ys)


@dataclass(frozen=True)
class BaseYear:
    """What the calibration must reproduce: the inventory of the model's base year."""

    year: int
    amounts: dict[tuple[str, str, str | None], float]  # (gpc_ref, activity, facility) -> canonical amount
    by_basis: dict[str, dict[str, float]]  # basis -> sector -> t CO2e
    totals: dict[str, float]  # basis -> t CO2e
    # t CO2e per (gpc_ref, activity, facility), every scope: what an emissions calibration matches
    emissions: dict[tuple[str, str, str | None], float] = field(default_factory=dict)

    def select(self, keys: tuple[str, ...], what: str) -> float:
        """The inventory's amount or emissions summed over keys "REF", "REF/activity", "REF/activity/facility"."""
        table = self.amounts if what == "amount" else self.emissions
        total = 0.0
        for key in keys:
            parts = key.split("/")
            for (ref, act, fac), v in table.items():
                if parts[0] == ref and (len(parts) < 2 or parts[1] == act) and (len(parts) < 3 or parts[2] == fac):
                    total += v
        return total


@dataclass(frozen=True)
class Chunk:
    """Results of draws [start, stop): totals and sectors per basis, (draws, years) arrays."""

    start: int
    stop: int
    totals: dict[str, np.ndarray]
    sectors: dict[str, dict[str, np.ndarray]]
    population: np.ndarray | None
    flow_sums: dict[str, np.ndarray]  # t CO2e per flow, summed over the chunk's draws, per year
    amount_sums: dict[str, np.ndarray] = field(default_factory=dict)  # canonical amount (TJ or t) per flow, summed
    # basis -> (draws, years): the removal flows (``removal: true``) counted on the basis, t CO2e (<= 0); the
    # totals include them (net); a target on gross emissions adds them back. Empty: the model has none.
    removals: dict[str, np.ndarray] = field(default_factory=dict)

    def counted(self, basis: str, emissions: str) -> np.ndarray:
        """The totals a target counts: net of removals (``net``), or the emissions alone (``gross``)."""
        return counted(self.totals, self.removals, basis, emissions)


def counted(totals: dict[str, np.ndarray], removals: dict[str, np.ndarray], basis: str, emissions: str) -> np.ndarray:
    """``totals[basis]`` (net of removals) for a net target; for a gross one, without the removals."""
    if emissions == "net" or basis not in removals:
        return totals[basis]
    return totals[basis] - removals[basis]


@dataclass(frozen=True)
class Prepared:
    """A model bound to the catalog and a GWP set: the per-flow constants, computed once."""

    model: CityModel
    years: np.ndarray
    fuel_factor: dict[str, float]  # flow -> t CO2e per TJ (fossil), or per t for waste
    flow_kind: dict[str, str]
    levels: dict[str, tuple[str, str, int]]  # flow -> (sector, level, scope)
    gwp: dict[str, float]
    gwp_code: str
    grid_default: float  # kg CO2 per J (SI)
    e_heat: float
    e_power: float
    paths: dict[str, np.ndarray] = field(default_factory=dict)  # driver growth and parameter paths, SI, (1, years)
    shares: dict[str, np.ndarray] = field(default_factory=dict)  # measure adoption, (1, years)
    checked: set[tuple[str, int]] = field(default_factory=set)  # (scenario, base year) calibrations verified
    masks: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)  # flows -> (basis, sector)
    deterministic_inputs: dict[str, dict[str, np.ndarray | float]] = field(default_factory=dict)  # per scenario


def prepare(model: CityModel, catalog: Catalog, gwp_code: str | None = None) -> Prepared:
    gwp_set = catalog.gwp_set(gwp_code)
    gwp = {g: gwp_set.gwp(g) for g in ("CO2", "CH4", "N2O")}
    factors: dict[str, float] = {}
    kinds: dict[str, str] = {}
    levels: dict[str, tuple[str, str, int]] = {}
    problems = []
    for node in model.flows:
        flow = node.flow
        assert flow is not None
        cell = catalog.cells[flow.gpc_ref]
        levels[node.name] = (cell.sector, cell.level, cell.scope)
        if flow.gas:
            kinds[node.name] = "direct"
            continue
        act = catalog.activities[flow.activity or ""]
        kinds[node.name] = act.kind if act.code not in ("grid_electricity", "district_heat") else act.code
        if act.kind == "fuel":
            efs = catalog.combustion_factors(act.code, cell.combustion_category)
            if not efs:
                problems.append(f"{model.file}: flows.{node.name}: no catalog factors for {act.code} in {flow.gpc_ref}")
            fossil = {g: f.value for g, f in efs.items() if not (g == "CO2" and act.biogenic)}
            factors[node.name] = sum(v * gwp[g] for g, v in fossil.items()) / 1000.0  # t CO2e per TJ
        elif act.kind == "waste":
            factors[node.name] = catalog.waste_ch4_factor().value * gwp["CH4"] / 1000.0  # t CO2e per t
        elif act.kind == "emission":  # a mass of gas (emissions_co2 ...): t CO2e per t is the gas's GWP
            factors[node.name] = gwp[emission_gas(act.code)]
        elif act.kind == "other":
            problems.append(f"{model.file}: flows.{node.name}: activity 'other' has no factors; use a direct gas flow")
    if problems:
        raise ModelError(problems)
    grid = catalog.default_grid_factor()
    params = catalog.chp_parameters
    years = np.array(model.years)
    paths = {f"growth:{d.name}": path_array(d.growth, years)[None, :] for d in model.drivers.values()}
    paths.update({p.name: path_array(p.path, years)[None, :] * si(p.unit) for p in model.parameters.values()})
    shares = {m.code: adoption(years, m.start, m.full, m.shape)[None, :] for m in model.measures.values()}
    return Prepared(
        paths=paths,
        shares=shares,
        model=model,
        years=np.array(model.years),
        fuel_factor=factors,
        flow_kind=kinds,
        levels=levels,
        gwp=gwp,
        gwp_code=gwp_set.code,
        grid_default=grid.value * si(grid.unit),
        e_heat=params["efficiency.reference_heat_efficiency"].value,
        e_power=params["efficiency.reference_power_efficiency"].value,
    )


def reprepare(prep: Prepared, model: CityModel) -> Prepared:
    """``prepare(model, ...)`` for a model with the same flows as ``prep``'s (a variant: other parameters,
    measures or scenarios): the catalog's factors are reused, the paths and adoption shares recomputed."""
    if model.nodes is not prep.model.nodes:
        raise ValueError("reprepare: the model's nodes differ; use prepare")
    years = np.array(model.years)
    paths = {f"growth:{d.name}": path_array(d.growth, years)[None, :] for d in model.drivers.values()}
    paths.update({p.name: path_array(p.path, years)[None, :] * si(p.unit) for p in model.parameters.values()})
    shares = {m.code: adoption(years, m.start, m.full, m.shape)[None, :] for m in model.measures.values()}
    return replace(
        prep, model=model, years=years, paths=paths, shares=shares, checked=set(), masks={}, deterministic_inputs={}
    )


NORMAL_KINDS = ("normal", "lognormal")  # drawn from cached normal quantiles (``distributions.normals``)


def _samples(
    model: CityModel,
    seed: int,
    start: int,
    stop: int,
    deterministic: bool,
    given: np.ndarray | None = None,
    mapper: Callable[..., Any] = map,
) -> dict[str, np.ndarray]:
    """Each uncertain quantity's values for draws [start, stop) (``given``: uniforms, one column each).
    ``mapper``: how the quantities are drawn (``map``, or a thread pool's: each is independent of the others)."""
    order: dict[str, int] = {}
    for i, key in enumerate(model.draw_keys):
        order.setdefault(key, i)
    uncertain = model.uncertain()

    def one(k: int) -> np.ndarray:
        name, dist = uncertain[k]
        # a variant draws each quantity with the stream its base model used: common random numbers
        stream = order.get(name, len(model.draw_keys) + k) if model.draw_keys else k
        if given is not None:
            value = dist.ppf(np.clip(given[:, k], 1e-12, 1 - 1e-12))
        elif deterministic:
            value = np.full(stop - start, dist.center)
        else:
            value = dist.from_normal(normals(seed, stream, start, stop)) if dist.kind in NORMAL_KINDS else None
            if value is None:
                value = dist.ppf(uniforms(seed, stream, start, stop))
        return value[:, None]

    values = list(mapper(one, range(len(uncertain))))
    return {name: value for (name, _), value in zip(uncertain, values, strict=True)}


def _inputs(prep: Prepared, scenario: str, draws: dict[str, np.ndarray]) -> dict[str, np.ndarray | float]:
    model = prep.model
    values: dict[str, np.ndarray | float] = {}
    for d in model.drivers.values():
        rate = prep.paths[f"growth:{d.name}"]
        if d.uncertainty:
            rate = rate * draws[f"driver:{d.name}"]
        growth = np.cumprod(1.0 + rate, axis=1) / (1.0 + rate[:, :1])  # no growth applied to the base year
        values[d.name] = d.base * si(d.unit) * growth
    for p in model.parameters.values():
        if p.dist is not None:
            v: np.ndarray | float = draws[f"parameter:{p.name}"] * si(p.unit)
        else:
            v = prep.paths[p.name]
        if p.uncertainty is not None:
            v = v * draws[f"parameter:{p.name}"]
        values[p.name] = v
    for code in model.scenarios[scenario].measures:
        m = model.measures[code]
        share = prep.shares[code]
        effect = draws[f"measure:{code}"] if isinstance(m.max_effect, Distribution) else m.max_effect
        share = share * effect
        for ch in m.changes:
            unit = si(model.parameters[ch.parameter].unit)
            base = values[ch.parameter]
            if ch.mode == "set":
                values[ch.parameter] = base + (ch.value * unit - base) * share
            elif ch.mode == "add":
                values[ch.parameter] = base + ch.value * unit * share
            else:
                values[ch.parameter] = base * (1.0 + ch.value * share)
    return values


def _nodes(
    model: CityModel, values: dict[str, np.ndarray | float], only: frozenset[str] | None = None
) -> dict[str, np.ndarray | float]:
    """Every node (or only those in ``only``), in evaluation order."""
    out = dict(values)
    for node in model.nodes:
        if only is None or node.name in only:
            out[node.name] = node.formula(out)
    return out


@cache
def _needed(model: CityModel, flows: tuple[str, ...]) -> frozenset[str]:
    """The nodes that ``flows`` depend on (with them), for a calibration that needs no other node."""
    by_name = {n.name: n for n in model.nodes}
    need: set[str] = set()
    todo = list(flows)
    while todo:
        name = todo.pop()
        if name in need or name not in by_name:
            continue
        need.add(name)
        node = by_name[name]
        todo.extend(node.formula.names)
        if node.flow is not None:
            todo.extend(x for x in (node.flow.factor_scale, node.flow.grid_factor) if x)
    return frozenset(need)


@cache
def _is_energy(unit: str) -> bool:
    return registry().Quantity(1.0, unit).check("[energy]")


def _flow_amounts(
    prep: Prepared, values: dict[str, np.ndarray | float], shape: tuple[int, int], only: tuple[str, ...] = ()
) -> dict[str, np.ndarray]:
    """Flows in canonical units (TJ or t), as (draws, years); ``only`` limits it to some flows."""
    out = {}
    for node in prep.model.flows:
        if only and node.name not in only:
            continue
        per = TJ if _is_energy(node.unit) else 1000.0  # J -> TJ, kg -> t
        out[node.name] = np.broadcast_to(np.asarray(values[node.name], dtype=float) / per, shape)
    return out


def _calibrate(
    prep: Prepared, base: BaseYear, values: dict[str, np.ndarray | float], shape: tuple[int, int], scenario: str
) -> None:
    model = prep.model
    first = (shape[0], 1)  # the base year only: calibration needs no other year

    def first_column(v: np.ndarray | float) -> np.ndarray | float:
        return v[:, :1] if isinstance(v, np.ndarray) and v.ndim == 2 else v

    at_base = {k: first_column(v) for k, v in values.items()}  # kept in step with ``values`` below

    def base_year_values() -> dict[str, np.ndarray | float]:
        return at_base

    def matched(cal_match: tuple[str, ...], on: str) -> np.ndarray:
        evaluated = _nodes(model, base_year_values(), _needed(model, cal_match))
        amounts = _flow_amounts(prep, evaluated, first, cal_match)
        if on == "emissions":
            amounts = _emissions(prep, evaluated, amounts, first, only=cal_match)
        return sum(amounts[f][:, 0] for f in cal_match)  # type: ignore[return-value]

    for cal in model.calibration:
        v0 = matched(cal.match, cal.on)
        if cal.inventory:
            target = base.select(cal.inventory, cal.on)
        else:
            target = 0.0
            for f in cal.match:
                flow = next(n.flow for n in model.flows if n.name == f)
                assert flow is not None and flow.activity is not None
                target += base.amounts.get((flow.gpc_ref, flow.activity, flow.facility), 0.0)
        if np.any(v0 == 0) and target != 0:
            raise ModelError(
                [
                    f"{model.file}: calibration: {', '.join(cal.match)} are 0 in {model.base_year} "
                    f"whatever the scale of '{cal.scale}'"
                ]
            )
        k = np.where(v0 == 0, 1.0, target / np.where(v0 == 0, 1.0, v0))
        values[cal.scale] = np.asarray(values[cal.scale]) * k[:, None]
        at_base[cal.scale] = first_column(values[cal.scale])
        if (scenario, base.year) in prep.checked:
            continue
        got = matched(cal.match, cal.on)
        if not np.allclose(got, target, rtol=1e-9, atol=1e-9):
            raise ModelError(
                [
                    f"{model.file}: calibration: {', '.join(cal.match)} are not proportional to "
                    f"'{cal.scale}', so scaling it cannot match the inventory"
                ]
            )


def _emissions(
    prep: Prepared,
    values: dict[str, np.ndarray | float],
    amounts: dict[str, np.ndarray],
    shape: tuple[int, int],
    only: tuple[str, ...] = (),
) -> dict[str, np.ndarray]:
    model = prep.model
    out: dict[str, np.ndarray] = {}
    for node in model.flows:
        if only and node.name not in only:
            continue
        flow, kind = node.flow, prep.flow_kind[node.name]
        assert flow is not None
        amount = amounts[node.name]
        scale = values[flow.factor_scale] if flow.factor_scale else 1.0
        if kind == "direct":
            out[node.name] = amount * prep.gwp[flow.gas or "CO2"] * scale
        elif kind in ("fuel", "waste", "emission"):
            out[node.name] = amount * prep.fuel_factor[node.name] * scale
        elif kind == "grid_electricity":
            kg_per_j = values[flow.grid_factor] if flow.grid_factor else prep.grid_default
            out[node.name] = amount * TJ * kg_per_j / 1000.0 * scale
        else:
            out[node.name] = np.zeros(shape)
    # district heat: each year's factor from the plants' heat share (efficiency method)
    heat_flows = [n for n in model.flows if prep.flow_kind[n.name] == "district_heat"]
    if heat_flows and not only:
        factor = _heat_factor(prep, out, amounts, shape)
        for n in heat_flows:
            scale = values[n.flow.factor_scale] if n.flow and n.flow.factor_scale else 1.0
            out[n.name] = amounts[n.name] * factor * scale
    return out


def _heat_factor(
    prep: Prepared, emis: dict[str, np.ndarray], amounts: dict[str, np.ndarray], shape: tuple[int, int]
) -> np.ndarray:
    plants: dict[str, dict[str, np.ndarray]] = {}
    for n in prep.model.flows:
        f = n.flow
        if f is None or f.gpc_ref != "I.4.4" or not f.facility:
            continue
        p = plants.setdefault(f.facility, {"E": np.zeros(shape), "H": np.zeros(shape), "P": np.zeros(shape)})
        if f.activity == "heat_output":
            p["H"] = p["H"] + amounts[n.name]
        elif f.activity == "electricity_output":
            p["P"] = p["P"] + amounts[n.name]
        else:
            p["E"] = p["E"] + emis[n.name]
    heat_emis, heat = np.zeros(shape), np.zeros(shape)
    for p in plants.values():
        hf, pf = p["H"] / prep.e_heat, p["P"] / prep.e_power
        denom = hf + pf
        share = np.divide(hf, denom, out=np.zeros(shape), where=denom > 0)
        heat_emis += share * p["E"]
        heat += p["H"]
    return np.divide(heat_emis, heat, out=np.zeros(shape), where=heat > 0)


def _in_basis(level: str, scope: int, basis: str) -> bool:
    if basis == "territorial":
        return scope == 1
    if basis == "basic":
        return level == "B"
    return level in ("B", "B+")


def _mask(prep: Prepared, names: tuple[str, ...]) -> np.ndarray:
    """A 0/1 matrix mapping flows to (basis, sector): the aggregation is then one tensor product."""
    if names not in prep.masks:
        mask = np.zeros((len(BASES) * len(SECTORS), len(names)))
        for j, name in enumerate(names):
            sector, level, scope = prep.levels[name]
            for b, basis in enumerate(BASES):
                if _in_basis(level, scope, basis):
                    mask[b * len(SECTORS) + SECTORS.index(sector), j] = 1.0
        prep.masks[names] = mask
    return prep.masks[names]


def flow_mask(prep: Prepared) -> np.ndarray:
    """The 0/1 matrix (bases x sectors, flows) by which ``run_chunk`` adds flows into sectors."""
    return _mask(prep, tuple(node.name for node in prep.model.flows))


def run_chunk(
    prep: Prepared,
    scenario: str,
    base: BaseYear,
    *,
    seed: int,
    start: int,
    stop: int,
    deterministic: bool = False,
    given: np.ndarray | None = None,
    years: tuple[int, ...] | None = None,
) -> Chunk:
    """Evaluate draws [start, stop) of one scenario (through the model's compiled plan, ``qala.scenario.plan``);
    ``years``: only these years (the Chunk's arrays then have one column per year, in that order)."""
    from qala.scenario import plan  # noqa: PLC0415 - plan imports this module

    return plan.run_chunk(
        prep, scenario, base, seed=seed, start=start, stop=stop, deterministic=deterministic, given=given, years=years
    )


def _chunk_inputs(
    prep: Prepared, scenario: str, seed: int, start: int, stop: int, deterministic: bool, given: np.ndarray | None
) -> dict[str, np.ndarray | float]:
    if deterministic and given is None and stop - start == 1:
        if scenario not in prep.deterministic_inputs:  # the same every time: the distributions' centres
            prep.deterministic_inputs[scenario] = _inputs(prep, scenario, _samples(prep.model, seed, 0, 1, True))
        return dict(prep.deterministic_inputs[scenario])  # calibration rebinds entries, never mutates arrays
    return _inputs(prep, scenario, _samples(prep.model, seed, start, stop, deterministic, given))


def run_chunk_reference(
    prep: Prepared,
    scenario: str,
    base: BaseYear,
    *,
    seed: int,
    start: int,
    stop: int,
    deterministic: bool = False,
    given: np.ndarray | None = None,
) -> Chunk:
    """The same as ``run_chunk``, node by node through dictionaries: the reference the plan is tested against."""
    model = prep.model
    shape = (stop - start, len(prep.years))
    values = _chunk_inputs(prep, scenario, seed, start, stop, deterministic, given)
    _calibrate(prep, base, values, shape, scenario)
    prep.checked.add((scenario, base.year))
    evaluated = _nodes(model, values)
    amounts = _flow_amounts(prep, evaluated, shape)
    emis = _emissions(prep, evaluated, amounts, shape)
    names = list(emis)
    stacked = np.stack([np.broadcast_to(emis[n], shape) for n in names])  # (flows, draws, years)
    agg = np.tensordot(_mask(prep, tuple(names)), stacked, axes=(1, 0)).reshape(len(BASES), len(SECTORS), *shape)
    sectors = {basis: {s: agg[b, i] for i, s in enumerate(SECTORS)} for b, basis in enumerate(BASES)}
    totals = {basis: agg[b].sum(axis=0) for b, basis in enumerate(BASES)}
    pop = None
    if model.population_driver:
        pop = np.broadcast_to(
            np.asarray(evaluated[model.population_driver]) / si(model.drivers[model.population_driver].unit), shape
        )
    flow_sums = dict(zip(names, stacked.sum(axis=1), strict=True))
    amount_sums = {n: np.asarray(a).sum(axis=0) for n, a in amounts.items()}
    removals = {}
    for basis in BASES if model.removal_flows else ():
        on = [n for n in model.removal_flows if _in_basis(*prep.levels[n][1:], basis)]
        if on:
            removals[basis] = sum(np.broadcast_to(emis[n], shape) for n in on)
    return Chunk(start, stop, totals, sectors, pop, flow_sums, amount_sums, removals)  # type: ignore[arg-type]
