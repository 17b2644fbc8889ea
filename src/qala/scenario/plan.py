"""A city model compiled once into straight-line numpy code: the engine's fast path.

``engine.run_chunk`` evaluates a model through this plan. The model's formulas, its calibration and the
flows' emissions become two Python functions generated from the model (no dictionaries of nodes, no
formula interpretation, no per-flow lookups at run time):

* ``calibrate`` scales each calibrated parameter on the base-year column only, draw by draw, recomputing
  only the nodes a scaled parameter changes (and, on the first run, checks that the scaling worked);
* ``evaluate`` computes every node, the flows' emissions (the catalog factor divided by the canonical unit
  is one constant per flow), the district-heat factor, and the sectors per basis by adding each flow into
  the few groups (sector, bases it counts on) it belongs to.

The arithmetic is the engine's: a node is the same numpy expression, so it is bit-identical; emissions and
sums fold a constant or change the order of an addition, so they agree with the reference
implementation (``engine._inputs``, ``_calibrate``, ``_nodes``, ``_emissions``) to a few units in the last
place (tests compare them at 1e-12 relative). Draws are evaluated in blocks of about ``BLOCK_CELLS``
draw-years so that a block's arrays stay in the processor's cache; a draw's numbers do not depend on the
block it falls in.

The generated code is cached per model structure (its nodes, calibration and flow constants): a variant or
a MACC step that changes parameters, measures or scenarios reuses it.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qala.scenario import kernel
from qala.scenario.distributions import Distribution
from qala.scenario.engine import (
    SECTORS,
    TJ,
    BaseYear,
    Chunk,
    Prepared,
    _in_basis,
    _is_energy,
    _needed,
    _samples,
    si,
)
from qala.scenario.formula import _Fold
from qala.scenario.spec import BASES, CityModel, ModelError

BLOCK_CELLS = 16_384  # draw-years per block (128 KiB per array): a block's arrays stay in the cache
PARALLEL_SAMPLES = 4096  # draws from which the uncertain quantities are drawn by the engine's threads
_CACHE_SIZE = 32
_POOL: dict[int, ThreadPoolExecutor] = {}  # threads -> pool, one per process


def _threads() -> int:
    """Threads that evaluate blocks of draws (numpy releases the GIL in its loops): QALA_ENGINE_THREADS, or up to
    2 (a Dask worker or a web server runs several engines side by side; two threads keep the answer to one
    request quick without taking every core)."""
    env = os.environ.get("QALA_ENGINE_THREADS", "")
    return max(1, int(env)) if env.isdigit() else min(2, os.cpu_count() or 1)


def _pool() -> ThreadPoolExecutor:
    n = _threads()
    if n not in _POOL:
        _POOL[n] = ThreadPoolExecutor(n, thread_name_prefix="qala-plan")
    return _POOL[n]


def _div(a: Any, b: Any) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros(np.broadcast_shapes(a.shape, b.shape)), where=b > 0)


def _dsum(x: Any, shape: tuple[int, int]) -> np.ndarray:
    """Sum over draws of a (years, draws) array given unbroadcast."""
    if type(x) is not np.ndarray or x.dtype != np.float64:
        x = np.asarray(x, dtype=float)
    if x.shape == shape:
        return x[:, 0] if shape[1] == 1 else x @ _ones(shape[1])  # a matrix-vector product: quicker than sum
    if x.shape[1:] == (1,):  # one value per year: the same for every draw
        return np.broadcast_to(x, shape).sum(axis=1)
    return np.broadcast_to(x, shape) @ _ones(shape[1])


_ONES: dict[int, np.ndarray] = {}


def _ones(n: int) -> np.ndarray:
    hit = _ONES.get(n)
    if hit is None:
        if len(_ONES) > 64:
            _ONES.clear()
        hit = _ONES[n] = np.ones(n)
    return hit


class _Rename(ast.NodeTransformer):
    """A formula's names become local variables with a prefix; its numbers become named constants."""

    def __init__(self, prefix: str, consts: list[float]):
        self.prefix, self.consts = prefix, consts

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(self.prefix + node.id, ast.Load()), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        assert isinstance(node.func, ast.Name)
        args = [self.visit(a) for a in node.args]
        return ast.copy_location(ast.Call(ast.Name("_" + node.func.id, ast.Load()), args, []), node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        self.consts.append(float(node.value))
        return ast.copy_location(ast.Name(f"_k{len(self.consts) - 1}", ast.Load()), node)


@dataclass
class Plan:
    """The generated functions of one model structure."""

    calibrate: Callable[..., None]
    evaluate: Callable[..., tuple[Any, ...]]
    flows: tuple[str, ...]
    per: tuple[float, ...]  # canonical unit divisor per flow (TJ or 1000)
    source: str  # the generated code, for reading and debugging
    key: tuple[Any, ...]
    removal_on: tuple[bool, ...] = ()  # per basis: some removal flow counts on it
    eval_lines: tuple[str, ...] = ()  # evaluate's statements before ``del``s are added (the fused kernel's source)
    consts: tuple[float, ...] = ()  # the values of the generated code's named constants _k0, _k1, …
    targets: dict[int, tuple[BaseYear, tuple[float, ...]]] = field(default_factory=dict)

    @property
    def per_column(self) -> np.ndarray:
        """``per`` as a (flows, 1) column."""
        hit = self.__dict__.get("_per_column")
        if hit is None:
            hit = self.__dict__["_per_column"] = np.array(self.per, dtype=float)[:, None]
        return hit

    def targets_for(self, model: CityModel, base: BaseYear) -> tuple[float, ...]:
        """Each calibration's target in ``base`` (computed once per base year object)."""
        hit = self.targets.get(id(base))
        if hit is not None and hit[0] is base:
            return hit[1]
        out = []
        flows = {n.name: n.flow for n in model.flows}
        for cal in model.calibration:
            if cal.inventory:
                out.append(base.select(cal.inventory, cal.on))
                continue
            target = 0.0
            for f in cal.match:
                flow = flows[f]
                assert flow is not None and flow.activity is not None
                target += base.amounts.get((flow.gpc_ref, flow.activity, flow.facility), 0.0)
            out.append(target)
        if len(self.targets) > 8:
            self.targets.clear()
        self.targets[id(base)] = (base, tuple(out))
        return tuple(out)


_PLANS: dict[int, Plan] = {}
_BY_PREP: dict[int, tuple[Prepared, Plan]] = {}  # a prepared model's plan, without comparing its constants again


def _key(prep: Prepared) -> tuple[Any, ...]:
    kinds = tuple(sorted(prep.flow_kind.items()))
    return (
        prep.model.nodes,
        prep.model.calibration,
        prep.model.population_driver,
        tuple(sorted(prep.fuel_factor.items())),
        kinds,
        tuple(sorted(prep.levels.items())),
        tuple(sorted(prep.gwp.items())),
        prep.grid_default,
        prep.e_heat,
        prep.e_power,
    )


def plan_for(prep: Prepared) -> Plan:
    """The compiled plan of ``prep``'s model (cached: the same nodes and constants give the same plan)."""
    known = _BY_PREP.get(id(prep))
    if known is not None and known[0] is prep:
        return known[1]
    model = prep.model
    hit = _PLANS.get(id(model.nodes))
    same = hit is not None and hit.key[0] is model.nodes and hit.key[1] is model.calibration
    if hit is not None and same and hit.key[2:] == _key(prep)[2:]:
        plan = hit
    else:
        plan = _compile(prep)
        if len(_PLANS) >= _CACHE_SIZE:
            _PLANS.clear()
        _PLANS[id(model.nodes)] = plan
    if len(_BY_PREP) >= 4 * _CACHE_SIZE:
        _BY_PREP.clear()
    _BY_PREP[id(prep)] = (prep, plan)
    return plan


def _deps(model: CityModel) -> dict[str, set[str]]:
    """Every node -> the names (nodes and inputs) it depends on, transitively."""
    out: dict[str, set[str]] = {}
    for n in model.nodes:
        d: set[str] = set()
        for name in n.formula.names:
            d.add(name)
            d |= out.get(name, set())
        out[n.name] = d
    return out


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: list[float] = []

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    def const(self, value: float) -> str:
        self.consts.append(float(value))
        return f"_k{len(self.consts) - 1}"

    def formula(self, text: str, prefix: str) -> str:
        tree = _Fold().visit(ast.parse(text, mode="eval"))
        body = _Rename(prefix, self.consts).visit(tree.body)
        return ast.unparse(ast.fix_missing_locations(body))


def _emission_expr(w: _Writer, prep: Prepared, name: str, amount: str, prefix: str, exact: bool) -> str | None:
    """The expression of a flow's emissions from its amount (None: the flow emits nothing by itself).

    ``exact``: the reference arithmetic on the canonical amount; otherwise ``amount`` is the SI value and
    the unit's divisor is folded into the factor."""
    node = next(n for n in prep.model.flows if n.name == name)
    flow, kind = node.flow, prep.flow_kind[name]
    assert flow is not None
    per = TJ if _is_energy(node.unit) else 1000.0
    scale = f" * {prefix}{flow.factor_scale}" if flow.factor_scale else ""
    if kind in ("direct", "fuel", "waste", "emission"):
        c = prep.gwp[flow.gas or "CO2"] if kind == "direct" else prep.fuel_factor[name]
        if exact:
            return f"{amount} * {w.const(c)}{scale}"
        return f"{amount} * {w.const(c / per)}{scale}"
    if kind == "grid_electricity":
        kg = f"{prefix}{flow.grid_factor}" if flow.grid_factor else w.const(prep.grid_default)
        if exact:
            return f"{amount} * {w.const(TJ)} * {kg} / {w.const(1000.0)}{scale}"
        if per == TJ:
            return f"{amount} * {kg} / {w.const(1000.0)}{scale}"
        return f"{amount} * {w.const(TJ / per)} * {kg} / {w.const(1000.0)}{scale}"
    return None


def _free_early(lines: list[str]) -> list[str]:
    """A straight-line function's body with ``del`` after each local's last use: a block's intermediate arrays
    are freed as it goes, so the memory the next one takes is memory still in the cache."""
    assigned: set[str] = set()
    last: dict[str, int] = {}
    for i, line in enumerate(lines[1:], 1):
        stmt = ast.parse(line.strip()).body[0]
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    assigned.add(node.id)
                else:
                    last[node.id] = i
    ends: dict[int, list[str]] = {}
    for name in assigned:
        if name in last and not lines[last[name]].strip().startswith("return"):
            ends.setdefault(last[name], []).append(name)
    out = [lines[0]]
    for i, line in enumerate(lines[1:], 1):
        out.append(line)
        if i in ends:
            out.append(f"    del {', '.join(sorted(ends[i]))}")
    return out


def _matches(got: np.ndarray, target: float) -> bool:
    """``np.allclose(got, target, rtol=1e-9, atol=1e-9)`` for a finite target, without numpy's error-state
    context manager (a variant's first run checks every calibration; the context cost more than the test)."""
    return bool(np.all(np.abs(got - target) <= 1e-9 + 1e-9 * abs(target)))


def _sum_into(w: _Writer, out: str, terms: list[str]) -> None:
    """``out[...] = t0 + t1 + ...``, added left to right in ``out`` (the same additions, no new arrays)."""
    if len(terms) == 1:
        w.emit(f"_copyto({out}, {terms[0]})")
        return
    w.emit(f"_add({terms[0]}, {terms[1]}, out={out})")
    for t in terms[2:]:
        w.emit(f"_add({out}, {t}, out={out})")


def _compile(prep: Prepared) -> Plan:
    model = prep.model
    flows = tuple(n.name for n in model.flows)
    node_names = [n.name for n in model.nodes]
    nodes = {n.name: n for n in model.nodes}
    deps = _deps(model)
    per = {n.name: (TJ if _is_energy(n.unit) else 1000.0) for n in model.flows}
    w = _Writer()

    # --- calibration, on the base-year row (shape (1, draws)) -------------------------------------------
    def inputs_of(name: str, defined: set[str]) -> list[str]:
        return [x for x in sorted(nodes[name].formula.names) if x not in defined]

    w.lines.append("def calibrate(V, T, verify, first):")
    w.emit("ks = []")
    loaded: set[str] = set()  # inputs loaded as b_ variables
    fresh: set[str] = set()  # nodes whose b_ value is current
    defined_before: dict[str, set[str]] = {}
    seen: set[str] = set()
    for n in node_names:
        defined_before[n] = set(seen)
        seen.add(n)

    def load(name: str) -> None:
        if name not in loaded:
            w.emit(f"b_{name} = V[{name!r}]")
            loaded.add(name)

    def evaluate_needed(needed: frozenset[str]) -> None:
        for n in node_names:
            if n not in needed or n in fresh:
                continue
            for x in inputs_of(n, defined_before[n]):
                load(x)
            w.emit(f"b_{n} = {w.formula(nodes[n].formula.text, 'b_')}")
            fresh.add(n)

    def matched(i: int, match: tuple[str, ...], on: str, out: str) -> None:
        needed = _needed(model, match)
        evaluate_needed(needed)
        for name in match:  # factor scales and grid factors that are inputs
            flow = nodes[name].flow
            assert flow is not None
            for x in (flow.factor_scale, flow.grid_factor):
                if x and x not in needed:
                    load(x)
        cols = []
        for j, name in enumerate(match):
            a = f"a{i}_{j}"
            w.emit(f"{a} = b_{name} / {w.const(per[name])}")
            if on == "emissions":
                e = _emission_expr(w, prep, name, a, "b_", exact=True)
                a2 = f"e{i}_{j}"
                w.emit(f"{a2} = {e}" if e is not None else f"{a2} = _zeros(first)")
                a = a2
            cols.append(a)
        w.emit(f"{out} = _bt({' + '.join(cols)}, first)[0]")

    for i, cal in enumerate(model.calibration):
        matched(i, cal.match, cal.on, "v0")
        w.emit(f"k = _kfactor(v0, T[{i}], {i})")
        w.emit("ks.append(k)")
        w.emit(f"V[{cal.scale!r}] = _asarray(V[{cal.scale!r}]) * k")
        w.emit(f"b_{cal.scale} = V[{cal.scale!r}]")
        loaded.add(cal.scale)
        fresh -= {n for n in node_names if cal.scale in deps[n]}
        w.emit("if verify:")
        mark = len(w.lines)
        before = (set(fresh), set(loaded))
        matched(i, cal.match, cal.on, "got")
        w.emit(f"_verify(got, T[{i}], {i})")
        w.lines[mark:] = ["    " + line for line in w.lines[mark:]]
        # what is computed or loaded only under ``if verify`` is not there otherwise
        fresh.clear()
        fresh.update(before[0])
        loaded.clear()
        loaded.update(before[1])
    w.emit("return ks")
    cal_src = list(w.lines)

    # --- every node, the flows' emissions, the sectors per basis ---------------------------------------------
    w.lines = ["def evaluate(V, shape, O, T):"]
    loaded = set()
    for n in node_names:
        for x in inputs_of(n, defined_before[n]):
            if x not in loaded:
                w.emit(f"v_{x} = V[{x!r}]")
                loaded.add(x)
        w.emit(f"v_{n} = {w.formula(nodes[n].formula.text, 'v_')}")
    defined = set(node_names)
    for node in model.flows:
        flow = node.flow
        assert flow is not None
        for x in (flow.factor_scale, flow.grid_factor):
            if x and x not in defined and x not in loaded:
                w.emit(f"v_{x} = V[{x!r}]")
                loaded.add(x)
    emitting: dict[str, str] = {}  # flow -> its emissions variable
    linear: dict[str, float] = {}  # flow -> constant factor per SI unit, where emissions = value * factor
    for i, f in enumerate(flows):
        w.emit(f"m_{f} = _asarray(v_{f}, dtype=float)")
        w.emit(f"q{i} = _dsum(m_{f}, shape)")  # summed at once: the array can go as soon as nothing else needs it
        e = _emission_expr(w, prep, f, f"m_{f}", "v_", exact=False)
        if e is not None:
            w.emit(f"e_{f} = {e}")
            emitting[f] = f"e_{f}"
            flow = nodes[f].flow
            assert flow is not None
            if prep.flow_kind[f] != "grid_electricity" and not flow.factor_scale:
                c = prep.gwp[flow.gas or "CO2"] if prep.flow_kind[f] == "direct" else prep.fuel_factor[f]
                linear[f] = c / per[f]
            else:
                w.emit(f"s{i} = _dsum(e_{f}, shape)")
    heat_flows = [f for f in flows if prep.flow_kind[f] == "district_heat"]
    if heat_flows:
        plants: dict[str, dict[str, list[str]]] = {}
        for node in model.flows:
            fl = node.flow
            if fl is None or fl.gpc_ref != "I.4.4" or not fl.facility:
                continue
            p = plants.setdefault(fl.facility, {"E": [], "H": [], "P": []})
            if fl.activity == "heat_output":
                p["H"].append(f"m_{node.name} / {w.const(per[node.name])}")
            elif fl.activity == "electricity_output":
                p["P"].append(f"m_{node.name} / {w.const(per[node.name])}")
            elif node.name in emitting:
                p["E"].append(emitting[node.name])
        heat_terms, emis_terms = [], []
        for j, p in enumerate(plants.values()):
            if not p["H"]:
                continue  # no heat: no share of the plant's emissions, nothing added to the heat
            w.emit(f"H{j} = {' + '.join(p['H'])}")
            heat_terms.append(f"H{j}")
            if not p["E"]:
                continue
            hf = f"H{j} / {w.const(prep.e_heat)}"
            pf = f"({' + '.join(p['P'])}) / {w.const(prep.e_power)}" if p["P"] else None
            w.emit(f"E{j} = {' + '.join(p['E'])}")
            if pf is None:
                w.emit(f"S{j} = _div(H{j}, H{j}) * E{j}")  # all heat: the share is 1 where there is heat
            else:
                w.emit(f"hf{j} = {hf}")
                w.emit(f"S{j} = _div(hf{j}, hf{j} + {pf}) * E{j}")
            emis_terms.append(f"S{j}")
        if emis_terms and heat_terms:
            w.emit(f"heat_factor = _div({' + '.join(emis_terms)}, {' + '.join(heat_terms)})")
        else:
            w.emit("heat_factor = 0.0")
        for f in heat_flows:
            flow = nodes[f].flow
            assert flow is not None
            scale = f" * v_{flow.factor_scale}" if flow.factor_scale else ""
            w.emit(f"e_{f} = m_{f} / {w.const(per[f])} * heat_factor{scale}")
            w.emit(f"s{flows.index(f)} = _dsum(e_{f}, shape)")
            emitting[f] = f"e_{f}"
    # groups: flows of one sector counted on the same bases are added once
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for f in flows:
        if f not in emitting:
            continue
        sector, level, scope = prep.levels[f]
        on = tuple(b for b in BASES if _in_basis(level, scope, b))
        if on:
            groups.setdefault((sector, on), []).append(emitting[f])
    gnames: dict[tuple[str, tuple[str, ...]], str] = {}
    for j, (k, terms) in enumerate(groups.items()):
        w.emit(f"g{j} = {' + '.join(terms)}")
        gnames[k] = f"g{j}"
    # each sector straight into its slice of the chunk's output (O), each basis's total (T) the sectors added in
    # order: what summing the (basis, sector) array over its sectors gives (a sector without flows is 0 there)
    k = 0
    for bi, b in enumerate(BASES):
        filled = []
        for s in SECTORS:
            terms = [g for (sector, on), g in gnames.items() if sector == s and b in on]
            if terms:
                _sum_into(w, f"O[{k}]", terms)
                filled.append(f"O[{k}]")
            k += 1
        if filled:
            _sum_into(w, f"T[{bi}]", filled)
    removal_vars = []  # per basis: the removal flows counted on it (the totals include them; gross targets not)
    for b in BASES:
        terms = [emitting[f] for f in model.removal_flows if f in emitting and _in_basis(*prep.levels[f][1:], b)]
        removal_vars.append(" + ".join(terms) if terms else "None")
    w.emit(f"removals = ({', '.join(removal_vars)},)")
    # sums over the draws: the canonical amount per flow, and the emissions
    w.emit(f"qs = ({', '.join(f'q{i}' for i in range(len(flows)))},)")
    esums = []
    for i, f in enumerate(flows):
        if f in linear:
            esums.append(f"q{i} * {w.const(linear[f])}")
        elif f in emitting:
            esums.append(f"s{i}")
        else:
            esums.append("None")
    w.emit(f"es = ({', '.join(esums)},)")
    if model.population_driver:
        pop = model.population_driver
        src = f"v_{pop}" if pop in defined or pop in loaded else f"V[{pop!r}]"
        w.emit(f"pop = _asarray({src}) / {w.const(si(model.drivers[pop].unit))}")
    else:
        w.emit("pop = None")
    w.emit("return qs, es, pop, removals")
    eval_lines = tuple(w.lines)
    source = "\n".join([*cal_src, "", *_free_early(w.lines)]) + "\n"

    def kfactor(v0: np.ndarray, target: float, i: int) -> np.ndarray:
        zero = v0 == 0
        if not zero.any():
            return target / v0  # what the expression below gives when no draw is 0
        if target != 0:
            cal = model.calibration[i]
            raise ModelError(
                [
                    f"{model.file}: calibration: {', '.join(cal.match)} are 0 in {model.base_year} "
                    f"whatever the scale of '{cal.scale}'"
                ]
            )
        return np.where(v0 == 0, 1.0, target / np.where(v0 == 0, 1.0, v0))

    def verify(got: np.ndarray, target: float, i: int) -> None:
        if not _matches(got, target):
            cal = model.calibration[i]
            raise ModelError(
                [
                    f"{model.file}: calibration: {', '.join(cal.match)} are not proportional to "
                    f"'{cal.scale}', so scaling it cannot match the inventory"
                ]
            )

    env: dict[str, Any] = {
        "__builtins__": {},
        "_min": np.minimum,
        "_max": np.maximum,
        "_asarray": np.asarray,
        "_bt": np.broadcast_to,
        "_add": np.add,
        "_copyto": np.copyto,
        "_zeros": np.zeros,
        "_div": _div,
        "_dsum": _dsum,
        "_kfactor": kfactor,
        "_verify": verify,
        "float": float,
    }
    env.update({f"_k{i}": v for i, v in enumerate(w.consts)})
    exec(compile(source, f"<plan {model.model}>", "exec"), env)  # from checked formulas only
    removal_on = tuple(any(_in_basis(*prep.levels[f][1:], b) for f in model.removal_flows) for b in BASES)
    return Plan(
        env["calibrate"],
        env["evaluate"],
        flows,
        tuple(per[f] for f in flows),
        source,
        _key(prep),
        removal_on,
        eval_lines=eval_lines,
        consts=tuple(w.consts),
    )


_FLAT: dict[int, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = {}


def _flat_paths(prep: Prepared) -> dict[str, np.ndarray]:
    """The parameters whose path is the same in every year, as (1, 1) arrays: an input, or a calibrated
    parameter scaled by a per-draw factor, is then a row (1, draws), not a (years, draws) array, and so is
    every node computed from such rows alone. Each element is the value the (years, 1) path gives, so the
    numbers are the same to the last bit; only the size of the arrays changes."""
    hit = _FLAT.get(id(prep))
    if hit is not None and hit[0] is prep.paths:
        return hit[1]
    flat = {}
    for name, path in prep.paths.items():
        if not name.startswith("growth:") and path.size and np.all(path == path[0, 0]):
            flat[name] = path[:, :1].copy()
    if len(_FLAT) >= 4 * _CACHE_SIZE:
        _FLAT.clear()
    _FLAT[id(prep)] = (prep.paths, flat)
    return flat


def _growth(rate: np.ndarray, rows: list[int] | None) -> np.ndarray:
    """``cumprod(1 + rate, axis=0) / (1 + rate[0])`` for a (years, draws) rate, a year at a time: the same
    products in the same order as numpy's cumprod (so the same bits), without its slow strided walk down the
    columns; only the years up to the last of ``rows`` are computed."""
    last = rate.shape[0] if rows is None else max(rows) + 1
    one = 1.0 + rate[:last]
    out = np.empty_like(one)
    out[0] = one[0]
    for i in range(1, last):
        np.multiply(out[i - 1], one[i], out=out[i])
    out /= one[:1]
    return out if rows is None else out[rows]


def _fits(a: np.ndarray, b: Any) -> bool:
    """``a`` can hold the result of an operation with ``b`` (b broadcasts to a's shape); the test
    ``a.shape == np.broadcast_shapes(a.shape, np.shape(b))`` without its cost (it ran ~100 times a block)."""
    sb, sa = np.shape(b), a.shape
    if sb == sa or not sb:
        return True
    if len(sb) > len(sa):
        return False
    return all(y in (1, x) for x, y in zip(sa[len(sa) - len(sb) :], sb, strict=True))


def inputs(
    prep: Prepared, scenario: str, draws: dict[str, np.ndarray], rows: list[int] | None = None
) -> dict[str, np.ndarray | float]:
    """``engine._inputs`` in the plan's layout, (years, draws), and only for ``rows`` (year indices) if given.

    ``draws``: each uncertain quantity's values as a (1, draws) row. The arithmetic is ``engine._inputs``'s,
    element by element, so the values are the same."""
    model = prep.model
    values: dict[str, np.ndarray | float] = {}
    flat = _flat_paths(prep)

    def at(name: str) -> np.ndarray:  # (1, years) -> (years or rows, 1); a path constant over the years: (1, 1)
        hit = flat.get(name)
        if hit is not None:
            return hit
        path = prep.paths[name]
        return path.T if rows is None else path.T[rows]

    for d in model.drivers.values():
        if d.uncertainty:
            rate = prep.paths[f"growth:{d.name}"].T * draws[f"driver:{d.name}"]
            growth = _growth(rate, rows)
        else:
            rate = prep.paths[f"growth:{d.name}"].T
            growth = np.cumprod(1.0 + rate, axis=0) / (1.0 + rate[:1])  # no growth applied to the base year
            growth = growth if rows is None else growth[rows]
        values[d.name] = np.multiply(d.base * si(d.unit), growth, out=growth)  # growth is this call's own array
    drawn: set[str] = set()  # the parameters that vary by draw (known from the model, whatever the draws' number)
    for p in model.parameters.values():
        if p.dist is not None or p.uncertainty is not None:
            drawn.add(p.name)
        if p.dist is not None:
            v: np.ndarray | float = draws[f"parameter:{p.name}"] * si(p.unit)
        else:
            v = at(p.name)
        if p.uncertainty is not None:
            v = v * draws[f"parameter:{p.name}"]
        values[p.name] = v
    for code in model.scenarios[scenario].measures:
        m = model.measures[code]
        path = prep.shares[code].T if rows is None else prep.shares[code].T[rows]  # (years, 1)
        effect = draws[f"measure:{code}"] if isinstance(m.max_effect, Distribution) else m.max_effect
        share: np.ndarray | None = None  # path * effect, computed once per measure when a change needs it
        for ch in m.changes:
            unit = si(model.parameters[ch.parameter].unit)
            base = values[ch.parameter]
            # engine._inputs multiplies by share = path * effect; here the factors without draws are multiplied
            # first, so that one product, not two, has the size of (years, draws) (the same to the last bits)
            if ch.mode == "set":
                delta = ch.value * unit - base
                # the order of the products by whether the value varies by draw, not by its shape: a single
                # draw's (years, 1) array then gets the same arithmetic as the same draw among others
                if ch.parameter not in drawn:
                    values[ch.parameter] = _added(base, delta * path * effect)
                else:  # delta is a new (.., draws) array: scaled and added in place (the same numbers, fewer arrays)
                    if share is None:
                        share = path * effect
                    step = np.multiply(delta, share, out=delta) if _fits(delta, share) else delta * share
                    values[ch.parameter] = np.add(base, step, out=step) if _fits(step, base) else base + step
            elif ch.mode == "add":
                values[ch.parameter] = _added(base, ch.value * unit * path * effect)
            else:
                step = ch.value * path * effect
                if isinstance(step, np.ndarray) and _fits(step, base):  # a new array: 1 + it, times base, in place
                    values[ch.parameter] = np.multiply(base, np.add(1.0, step, out=step), out=step)
                else:
                    values[ch.parameter] = base * (1.0 + step)
            if isinstance(m.max_effect, Distribution):
                drawn.add(ch.parameter)
    return values


def _added(base: Any, step: Any) -> Any:
    """``base + step`` where ``step`` is a new array: in ``step`` if it has the result's shape (the same numbers)."""
    if isinstance(step, np.ndarray) and _fits(step, base):
        return np.add(base, step, out=step)
    return base + step


def _flow_sums(plan: Plan, fused: kernel.Fused, q: np.ndarray, s: np.ndarray) -> list[tuple[list[Any], list[Any]]]:
    """The machine's sums (``q``: each flow's amount, ``s``: the emissions the plan sums itself) as ``run_chunk``
    takes a block's: amounts per flow, and emissions per flow (a linear flow's from its amount)."""
    es = [None if x is None else (q[x[1]] * x[2] if x[0] == "q" else s[x[1]]) for x in fused.sums]
    return [(list(q[: len(plan.flows)]), es)]


def _vm_blocks(
    prep: Prepared,
    plan: Plan,
    scenario: str,
    draws: dict[str, np.ndarray],
    ks: list[np.ndarray],
    rows: list[int] | None,
    outputs: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None],
) -> list[tuple[list[Any], list[Any]]]:
    """``run_chunk``'s blocks through the register machine (``kernel.py``, ``vm.py``): each block's per-flow sums,
    as the numpy blocks return them; the per-draw outputs written into ``outputs`` (sectors, totals, removals,
    population)."""
    agg, totals, rem_all, pop = outputs
    fused = kernel.program_for(prep, plan, scenario)
    lay, model = fused.layout, prep.model
    nb, ns, nyears, n = agg.shape
    rw = np.empty((max(len(lay.rw), 1), n))
    for r, (kind, key) in enumerate(lay.rw):
        rw[r] = draws[key][0] if kind == "draw" else ks[key]
    cl = kernel.columns(prep, lay, rows)
    program = fused.program
    y0 = program.registers(kernel.constants(prep, scenario, lay))
    kernel.warm()  # numba's import (about 1 s) the first time only
    from qala.scenario import vm  # noqa: PLC0415 - loaded by warm

    o3 = agg.reshape(nb * ns, nyears, n)
    r3 = rem_all if rem_all is not None else np.empty((1, 1, 1))
    p2 = pop if pop is not None else np.empty((1, 1))
    drivers = [model.drivers[d] for d in lay.fl]
    growth = [np.ascontiguousarray(prep.paths[f"growth:{d.name}"][0]) for d in drivers]
    years = np.arange(nyears) if rows is None else np.array(rows, dtype=np.int64)

    def block(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        fl = np.empty((max(len(drivers), 1), nyears, b - a))
        for f, d in enumerate(drivers):  # inputs' arithmetic for an uncertain driver, compiled
            vm.grow(fl[f], growth[f], draws[f"driver:{d.name}"][0, a:b], d.base * si(d.unit), years)
        q = np.zeros((fused.nq, nyears))
        s = np.zeros((fused.ns, nyears))
        w = np.empty((max(program.rows, 1), b - a))
        w[: len(lay.rw)] = rw[:, a:b]
        vm.run(program.code, program.first, y0.copy(), w, cl, fl, o3, totals, r3, p2, q, s, a, nyears, b - a)
        return q, s

    threads = _threads()
    # blocks of MAX_BLOCK draws whatever the threads: the sums over draws are then added in the same order in
    # a process with two engine threads and in a Dask worker with one (the same bits)
    bounds = [(a, min(n, a + kernel.MAX_BLOCK)) for a in range(0, n, kernel.MAX_BLOCK)]
    if len(bounds) > 1 and threads > 1:  # the machine releases the GIL: the blocks run on as many cores
        sums = list(_pool().map(lambda ab: block(*ab), bounds))
    else:
        sums = [block(a, b) for a, b in bounds]
    q, s = sums[0]
    for qb, sb in sums[1:]:  # the blocks' sums added in order, as the numpy blocks' are
        q += qb
        s += sb
    return _flow_sums(plan, fused, q, s)


def _vm_one(
    prep: Prepared,
    plan: Plan,
    scenario: str,
    draws: dict[str, np.ndarray],
    ks: list[np.ndarray],
    rows: list[int] | None,
    outputs: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None],
) -> list[tuple[list[Any], list[Any]]]:
    """One draw through the register machine, its years as the row (a program across years, run once): the
    same operations per year as ``_vm_blocks`` and the numpy plan, without a pass per year."""
    from qala.scenario import vm  # noqa: PLC0415 - loaded (wanted_one)

    agg, totals, rem_all, pop = outputs
    fused = kernel.program_for(prep, plan, scenario, across_years=True)
    lay, program, model = fused.layout, fused.program, prep.model
    nb, ns, nyears, _ = agg.shape
    ys = program.registers(kernel.constants(prep, scenario, lay))
    for r, reg in program.draw_values:
        kind, key = lay.rw[r]
        ys[reg] = draws[key][0, 0] if kind == "draw" else ks[key][0]
    w = np.empty((max(program.rows, 1), nyears))
    ncl = len(lay.cl)
    cl = kernel.columns(prep, lay, rows)
    w[:ncl] = cl[:ncl]
    years = np.arange(nyears) if rows is None else np.array(rows, dtype=np.int64)
    for f, name in enumerate(lay.fl):  # inputs' arithmetic for an uncertain driver, compiled
        d = model.drivers[name]
        path = np.ascontiguousarray(prep.paths[f"growth:{d.name}"][0])
        one = np.empty((nyears, 1))
        vm.grow(one, path, draws[f"driver:{d.name}"][0, :1], d.base * si(d.unit), years)
        w[ncl + f] = one[:, 0]
    o = np.zeros((nb * ns, 1, nyears))
    t = np.zeros((nb, 1, nyears))
    r3 = np.zeros((nb, 1, nyears))
    p2 = np.zeros((1, nyears))
    q = np.zeros((fused.nq, nyears))
    s = np.zeros((fused.ns, nyears))
    vm.run(program.code, program.first, ys, w, cl, np.zeros((1, 1, 1)), o, t, r3, p2, q, s, 0, 1, nyears)
    agg[..., 0] = o.reshape(nb, ns, nyears)
    totals[:, :, 0] = t[:, 0]
    if rem_all is not None:
        rem_all[:, :, 0] = r3[:, 0]
    if pop is not None:
        pop[:, 0] = p2[0]
    return _flow_sums(plan, fused, q, s)


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
    """``engine.run_chunk``: draws [start, stop), every year or only ``years`` (then the Chunk's arrays have
    one column per year of ``years``, in that order; the base year is computed anyway, for the calibration).

    The calibration runs first, on the base year's inputs of every draw (it needs no other year); then each
    block of draws gets its inputs for every year, the calibration's factors, and is evaluated: a block's
    arrays, inputs included, stay in the cache."""
    model = prep.model
    plan = plan_for(prep)
    rows = None
    if years is not None:
        rows = sorted({0, *(model.years.index(y) for y in years)})
    n = stop - start
    key = ("plan", scenario)
    cached = deterministic and given is None and n == 1 and rows is None
    full: dict[str, Any] | None = None  # a deterministic run's inputs: the same every time (distributions' centres)
    if cached and key in prep.deterministic_inputs:
        draws, at_base, full = prep.deterministic_inputs[key]  # type: ignore[index]
    else:
        parallel = n >= PARALLEL_SAMPLES and _threads() > 1  # each quantity on its own: drawn side by side
        samples = _samples(model, seed, start, stop, deterministic, given, _pool().map if parallel else map)
        draws = {k: v.reshape(1, -1) for k, v in samples.items()}
        at_base = inputs(prep, scenario, draws, [0])
        if cached:
            full = inputs(prep, scenario, draws)
            prep.deterministic_inputs[key] = (draws, at_base, full)  # type: ignore[index]
    verify = (scenario, base.year) not in prep.checked
    kkey = ("plan-k", scenario)
    known = prep.deterministic_inputs.get(kkey) if cached else None  # type: ignore[call-overload]
    if known is not None and known[0] is base and not verify:
        ks = known[1]  # the same inputs and the same base year: the same factors
    else:
        ks = plan.calibrate(dict(at_base), plan.targets_for(model, base), verify, (1, n))
        if cached:
            prep.deterministic_inputs[kkey] = (base, ks)  # type: ignore[index]
    prep.checked.add((scenario, base.year))
    scales = [c.scale for c in model.calibration]
    nyears = len(model.years) if rows is None else len(rows)
    nb, ns = len(BASES), len(SECTORS)
    agg = np.zeros((nb, ns, nyears, n))
    totals = np.zeros((nb, nyears, n))  # a basis without flows stays 0
    pop = np.empty((nyears, n)) if model.population_driver else None
    size = max(1, BLOCK_CELLS // max(nyears, 1))
    rem_all = np.empty((nb, nyears, n)) if any(plan.removal_on) else None
    removals = [rem_all[bi] if on and rem_all is not None else None for bi, on in enumerate(plan.removal_on)]

    def block(a: int, b: int) -> tuple[Any, Any]:
        whole = a == 0 and b == n
        if full is not None:
            values = dict(full)  # the scaling below rebinds entries, never changes an array
        else:
            values = inputs(prep, scenario, draws if whole else {k: v[:, a:b] for k, v in draws.items()}, rows)
        for scale, k in zip(scales, ks, strict=True):
            values[scale] = np.asarray(values[scale]) * (k if whole else k[a:b])
        out = [agg[i // ns, i % ns, :, a:b] for i in range(nb * ns)]
        qs, es, p, rem = plan.evaluate(values, (nyears, b - a), out, [totals[bi, :, a:b] for bi in range(nb)])
        for i, r in enumerate(rem):
            if r is not None:
                removals[i][:, a:b] = r
        if pop is not None:
            pop[:, a:b] = p
        return qs, es

    if n == 1 and kernel.wanted_one():
        results = _vm_one(prep, plan, scenario, draws, ks, rows, (agg, totals, rem_all, pop))
    elif kernel.wanted(n, nyears):
        results = _vm_blocks(prep, plan, scenario, draws, ks, rows, (agg, totals, rem_all, pop))
    else:
        bounds = [(a, min(n, a + size)) for a in range(0, n, size)]
        if len(bounds) > 1 and _threads() > 1:  # blocks write disjoint slices; their sums are added in order
            results = list(_pool().map(lambda ab: block(*ab), bounds))
        else:
            results = [block(a, b) for a, b in bounds]
    qsum, esum = list(results[0][0]), list(results[0][1])
    for qs, es in results[1:]:
        qsum = [x + y for x, y in zip(qsum, qs, strict=True)]
        esum = [x if y is None else x + y for x, y in zip(esum, es, strict=True)]
    assert qsum is not None
    zeros = np.zeros((len(esum), nyears))  # a row each for the flows that emit nothing by themselves
    flow_sums = {f: (zeros[i] if e is None else e) for i, (f, e) in enumerate(zip(plan.flows, esum, strict=True))}
    amounts = np.array(qsum) / plan.per_column  # each flow's sum divided by its unit, in one operation
    amount_sums = dict(zip(plan.flows, amounts, strict=True))
    pick = slice(None) if rows is None or years is None else [rows.index(model.years.index(y)) for y in years]

    def out(a: np.ndarray) -> np.ndarray:  # (years, draws) -> (draws, years) (a view unless years are picked)
        return a.T if rows is None else a[pick].T

    return Chunk(
        start,
        stop,
        {basis: out(totals[bi]) for bi, basis in enumerate(BASES)},
        {basis: {s: out(agg[bi, i]) for i, s in enumerate(SECTORS)} for bi, basis in enumerate(BASES)},
        None if pop is None else out(pop),
        {f: v[pick] for f, v in flow_sums.items()},
        {f: v[pick] for f, v in amount_sums.items()},
        {basis: out(r) for basis, r in zip(BASES, removals, strict=True) if r is not None},
    )
