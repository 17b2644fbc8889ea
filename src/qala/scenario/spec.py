"""Read a city model (YAML) into frozen records, checking every key; errors name file, key and problem."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qala.catalog import Catalog
from qala.catalog.units import UnitError, parse_unit, registry
from qala.messages import Problem
from qala.safe_yaml import YamlProblem, load_yaml
from qala.scenario.adoption import SHAPES
from qala.scenario.distributions import Distribution, DistributionError, parse_distribution
from qala.scenario.formula import Formula, FormulaError, compile_formula

BASES = ("territorial", "basic", "basic_plus")
MODES = ("set", "add", "scale")
TARGET_KINDS = ("reduction", "cap", "per_capita")
TARGET_EMISSIONS = ("gross", "net")  # what a target counts: emissions only, or net of removals and offsets
LANGS = ("en", "ru", "kk")


class ModelError(ValueError):
    """A model file that cannot be used; ``problems`` lists each as 'file: key: problem'."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Driver:
    name: str
    unit: str
    base: float
    growth: dict[int, float]
    uncertainty: Distribution | None
    source: str


@dataclass(frozen=True)
class Parameter:
    name: str
    unit: str
    path: dict[int, float]  # a constant is a one-point path
    dist: Distribution | None  # absolute: replaces a constant value
    uncertainty: Distribution | None  # relative: multiplies the path
    source: str


@dataclass(frozen=True)
class Flow:
    gpc_ref: str
    activity: str | None
    facility: str | None
    gas: str | None
    factor_scale: str | None
    grid_factor: str | None
    # removals or offsets beyond the city's own emissions (``removal: true``): they count towards a net target
    # (neutrality), never towards a target on gross emissions, and are not an emission reduction to buy
    removal: bool = False


@dataclass(frozen=True)
class Node:
    name: str
    formula: Formula
    unit: str
    flow: Flow | None


@dataclass(frozen=True)
class Change:
    parameter: str
    mode: str
    value: float


@dataclass(frozen=True)
class Measure:
    code: str
    names: dict[str, str]
    roadmap_activity: str | None
    changes: tuple[Change, ...]
    start: int
    full: int
    shape: str
    max_effect: float | Distribution
    cost: dict[str, Any]
    financing: tuple[str, ...]
    source: str
    basis: str | None = None  # the basis it acts on (scope-2 measures: basic); None: the model's basis


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    measures: tuple[str, ...]
    description: dict[str, str]


@dataclass(frozen=True)
class Target:
    name: str
    label: dict[str, str]
    kind: str
    year: int
    basis: str
    value: float  # reduction fraction, cap in t CO2e, or t CO2e per person
    base_year: int | None
    reference: str | None
    source: str
    # gross: the emissions, removals and offsets not counted (an NDC-type target); net: net of removals (neutrality)
    emissions: str = "gross"


@dataclass(frozen=True)
class Calibration:
    scale: str
    match: tuple[str, ...]
    # the inventory keys to match ("REF", "REF/activity" or "REF/activity/facility"); empty: the flows' own keys
    inventory: tuple[str, ...] = ()
    on: str = "amount"  # amount (canonical TJ or t) | emissions (t CO2e of the matched flows and inventory keys)


@dataclass(frozen=True, eq=False)  # identity hash: cached per process
class CityModel:
    file: str
    model: str
    city: str
    base_year: int
    end_year: int
    basis: str
    drivers: dict[str, Driver]
    parameters: dict[str, Parameter]
    nodes: tuple[Node, ...]  # in evaluation order
    calibration: tuple[Calibration, ...]
    measures: dict[str, Measure]
    scenarios: dict[str, ScenarioSpec]
    targets: tuple[Target, ...]
    population_driver: str | None = field(default=None)
    # the order in which a base model drew its uncertain quantities: a variant keeps it (common random numbers)
    draw_keys: tuple[str, ...] = field(default=())

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.end_year + 1))

    @property
    def flows(self) -> list[Node]:
        return [n for n in self.nodes if n.flow is not None]

    @property
    def removal_flows(self) -> tuple[str, ...]:
        """The flows marked ``removal: true``: removals and offsets, not emissions."""
        return tuple(n.name for n in self.nodes if n.flow is not None and n.flow.removal)

    def removal_measures(self) -> tuple[str, ...]:
        """Measures that change only what removal flows depend on: they buy removals, not emission cuts."""
        removals = set(self.removal_flows)
        if not removals:
            return ()
        deps: dict[str, set[str]] = {}
        for n in self.nodes:
            d: set[str] = set()
            for name in n.formula.names:
                d |= {name} | deps.get(name, set())
            if n.flow is not None:
                for extra in (n.flow.factor_scale, n.flow.grid_factor):
                    if extra:
                        d |= {extra} | deps.get(extra, set())
            deps[n.name] = d
        out = []
        for code, m in self.measures.items():
            touched = {f.name for f in self.flows if any(ch.parameter in deps[f.name] for ch in m.changes)}
            if touched and touched <= removals:
                out.append(code)
        return tuple(out)

    def uncertain(self) -> list[tuple[str, Distribution]]:
        """Every uncertain quantity, in a fixed order (its index seeds its random numbers)."""
        out: list[tuple[str, Distribution]] = []
        for d in self.drivers.values():
            if d.uncertainty:
                out.append((f"driver:{d.name}", d.uncertainty))
        for p in self.parameters.values():
            if p.dist:
                out.append((f"parameter:{p.name}", p.dist))
            if p.uncertainty:
                out.append((f"parameter:{p.name}", p.uncertainty))
        for m in self.measures.values():
            if isinstance(m.max_effect, Distribution):
                out.append((f"measure:{m.code}", m.max_effect))
        return out


class _Reader:
    def __init__(self, file: str, catalog: Catalog):
        self.file = file
        self.catalog = catalog
        self.problems: list[str] = []

    def err(self, key: str, msg: str) -> None:
        self.problems.append(f"{self.file}: {key}: {msg}")

    def coded(self, key: str, code: str, /, **params: Any) -> None:
        """A problem with a message code (qala.messages): the same English line, and its kk and ru text."""
        self.problems.append(Problem(f"{self.file}: {key}", code, **params))

    def number(self, key: str, value: object, *, positive: bool = False) -> float:
        if isinstance(value, str):  # YAML 1.1 reads 5.5e11 as a number but 550e9 as text
            with contextlib.suppress(ValueError):
                value = float(value.replace("_", ""))
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
            self.coded(key, "model.number", value=repr(value))
            return math.nan
        if positive and value <= 0:
            self.coded(key, "model.positive")
        return float(value)

    def year(self, key: str, value: object, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.coded(key, "model.year", value=repr(value))
            return lo
        if not lo <= value <= hi:
            self.coded(key, "model.horizon", lo=str(lo), hi=str(hi), value=str(value))
        return value

    def text(self, key: str, value: object, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.err(key, "text is required here")
            return ""
        return value.strip()

    def mapping(self, key: str, value: object) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.coded(key, "model.mapping")
            return {}
        return value

    def unit(self, key: str, value: object) -> str:
        text = "1" if value in (1, "1", "") else value
        if not isinstance(text, str):
            self.err(key, f"a unit such as TJ, t, persons or 1, got {value!r}")
            return "1"
        try:
            return parse_unit(text).pint_expr if text != "1" else "dimensionless"
        except UnitError as exc:
            self.err(key, str(exc))
            return "dimensionless"

    def dist(self, key: str, value: object) -> Distribution | None:
        if value is None:
            return None
        try:
            return parse_distribution(value)
        except DistributionError as exc:
            self.coded(key, exc.code, **exc.params)
            return None

    def source(self, key: str, spec: dict[str, Any]) -> str:
        src, assumption = spec.get("source"), spec.get("assumption")
        if src:
            return str(src)
        if assumption:
            return f"ASSUMPTION: {assumption}"
        self.err(key, "every number needs a 'source' or an 'assumption'")
        return ""

    def path(self, key: str, value: object, lo: int, hi: int) -> dict[int, float]:
        spec = self.mapping(key, value)
        if not spec:
            self.coded(key, "model.path")
        return {self.year(f"{key}.{y}", y, lo, hi): self.number(f"{key}.{y}", v) for y, v in spec.items()}

    def names(self, key: str, value: object) -> dict[str, str]:
        if isinstance(value, str):
            return dict.fromkeys(LANGS, value)
        spec = self.mapping(key, value)
        missing = [lang for lang in LANGS if not spec.get(lang)]
        if missing:
            self.err(key, f"text in {', '.join(LANGS)} (missing: {', '.join(missing)})")
        return {lang: str(spec.get(lang, "")) for lang in LANGS}


def load_model(path: Path, catalog: Catalog) -> CityModel:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError([f"{name}: the file cannot be read ({exc.strerror})"]) from exc
    try:
        raw = load_yaml(data, "model file")
    except YamlProblem as exc:
        raise ModelError([f"{name}: {exc}"]) from exc
    return parse_model(raw, name, catalog)


def parse_model(raw: object, name: str, catalog: Catalog) -> CityModel:
    r = _Reader(name, catalog)
    top = r.mapping("(top level)", raw)
    known = {
        "model",
        "city",
        "base_year",
        "end_year",
        "basis",
        "drivers",
        "parameters",
        "nodes",
        "flows",
        "calibration",
        "measures",
        "scenarios",
        "targets",
        "sources",
        "description",
    }
    for key in top:
        if key not in known:
            r.err(str(key), f"unknown key; expected one of {', '.join(sorted(known))}")
    base_year = r.year("base_year", top.get("base_year"), 1990, 2100)
    end_year = r.year("end_year", top.get("end_year"), base_year + 1, 2100)
    basis = top.get("basis", "territorial")
    if basis not in BASES:
        r.err("basis", f"one of {', '.join(BASES)}")
    drivers = _drivers(r, top.get("drivers"), base_year, end_year)
    parameters = _parameters(r, top.get("parameters"), base_year, end_year)
    nodes = _nodes(r, top, set(drivers) | set(parameters))
    ordered = _order(r, nodes, set(drivers) | set(parameters))
    _check_units(r, ordered, drivers, parameters)
    measures = _measures(r, top.get("measures"), parameters, base_year, end_year)
    scenarios = _scenarios(r, top.get("scenarios"), measures)
    targets = _targets(r, top.get("targets"), base_year, end_year)
    calibration = _calibration(r, top.get("calibration"), parameters, nodes)
    if r.problems:
        raise ModelError(r.problems)
    pop = next((d for d in drivers if d == "population"), None)
    return CityModel(
        file=name,
        model=str(top.get("model", "")),
        city=r.text("city", top.get("city")),
        base_year=base_year,
        end_year=end_year,
        basis=basis,
        drivers=drivers,
        parameters=parameters,
        nodes=tuple(ordered),
        calibration=calibration,
        measures=measures,
        scenarios=scenarios,
        targets=targets,
        population_driver=pop,
    )


def _drivers(r: _Reader, raw: object, lo: int, hi: int) -> dict[str, Driver]:
    out = {}
    for name, spec in r.mapping("drivers", raw).items():
        key = f"drivers.{name}"
        spec = r.mapping(key, spec)
        out[name] = Driver(
            name=name,
            unit=r.unit(f"{key}.unit", spec.get("unit")),
            base=r.number(f"{key}.base", spec.get("base")),
            growth=r.path(f"{key}.growth", spec.get("growth", {lo: 0.0}), lo, hi),
            uncertainty=r.dist(f"{key}.uncertainty", spec.get("uncertainty")),
            source=r.source(key, spec),
        )
    return out


def _parameters(r: _Reader, raw: object, lo: int, hi: int) -> dict[str, Parameter]:
    out = {}
    for name, spec in r.mapping("parameters", raw).items():
        key = f"parameters.{name}"
        spec = r.mapping(key, spec)
        if ("value" in spec) == ("path" in spec):
            r.err(key, "give either 'value' or 'path'")
        path = (
            r.path(f"{key}.path", spec["path"], lo, hi)
            if "path" in spec
            else {lo: r.number(f"{key}.value", spec.get("value"))}
        )
        dist = r.dist(f"{key}.dist", spec.get("dist"))
        if dist is not None and "path" in spec:
            r.err(f"{key}.dist", "'dist' draws a constant value; for a path use 'uncertainty' (a multiplier)")
        out[name] = Parameter(
            name=name,
            unit=r.unit(f"{key}.unit", spec.get("unit", "1")),
            path=path,
            dist=dist,
            uncertainty=r.dist(f"{key}.uncertainty", spec.get("uncertainty")),
            source=r.source(key, spec),
        )
    return out


def _nodes(r: _Reader, top: dict[str, Any], defined: set[str]) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for section in ("nodes", "flows"):
        for name, spec in r.mapping(section, top.get(section)).items():
            key = f"{section}.{name}"
            spec = r.mapping(key, spec)
            if name in out or name in defined:
                r.err(key, "this name is defined twice (drivers, parameters, nodes and flows share one namespace)")
                continue
            try:
                formula = compile_formula(spec.get("formula", ""))
            except FormulaError as exc:
                r.err(f"{key}.formula", str(exc))
                continue
            flow = _flow(r, key, spec) if section == "flows" else None
            out[name] = Node(name=name, formula=formula, unit=r.unit(f"{key}.unit", spec.get("unit")), flow=flow)
    return out


def _flow(r: _Reader, key: str, spec: dict[str, Any]) -> Flow | None:
    cat = r.catalog
    ref = spec.get("gpc_ref")
    if ref not in cat.cells:
        r.err(f"{key}.gpc_ref", f"a GPC reference such as I.4.4, got {ref!r}")
        return None
    gas, activity = spec.get("gas"), spec.get("activity")
    if (gas is None) == (activity is None):
        r.err(key, "a flow has either an 'activity' (emissions from the catalog) or a 'gas' (a direct mass)")
        return None
    if gas is not None and gas not in ("CO2", "CH4", "N2O"):
        r.err(f"{key}.gas", "CO2, CH4 or N2O")
    if activity is not None:
        if activity not in cat.activities:
            r.err(f"{key}.activity", f"a catalog activity code, got {activity!r}")
            return None
        from qala.inventory.rules import placement_error  # noqa: PLC0415

        msg = placement_error(cat, ref, activity, False, spec.get("facility"))
        if msg:
            r.err(key, msg)
    return Flow(
        gpc_ref=ref,
        activity=activity,
        facility=spec.get("facility"),
        gas=gas,
        factor_scale=spec.get("factor_scale"),
        grid_factor=spec.get("grid_factor"),
        removal=_removal(r, key, spec, gas),
    )


def _removal(r: _Reader, key: str, spec: dict[str, Any], gas: object) -> bool:
    value = spec.get("removal", False)
    if not isinstance(value, bool):
        r.err(f"{key}.removal", "true (removals or offsets, counted only towards net targets) or false")
        return False
    if value and gas != "CO2":
        r.err(f"{key}.removal", "a removal is a direct mass of CO2 taken out (gas: CO2), entered as a negative amount")
    return value


def _order(r: _Reader, nodes: dict[str, Node], defined: set[str]) -> list[Node]:
    """Topological order of the nodes; unknown names and cycles are errors."""
    for node in nodes.values():
        for ref in sorted(node.formula.names - defined - set(nodes)):
            r.err(f"{'flows' if node.flow else 'nodes'}.{node.name}.formula", f"unknown name '{ref}'")
        for extra in ("factor_scale", "grid_factor"):
            ref = getattr(node.flow, extra, None) if node.flow else None
            if ref is not None and ref not in defined and ref not in nodes:
                r.err(f"flows.{node.name}.{extra}", f"unknown parameter or node '{ref}'")
    order: list[Node] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*trail[trail.index(name) :], name])
            r.err(f"nodes.{name}.formula", f"a cycle: {cycle}")
            return
        state[name] = 1
        for dep in sorted(nodes[name].formula.names & set(nodes)):
            visit(dep, [*trail, name])
        state[name] = 2
        order.append(nodes[name])

    for name in nodes:
        visit(name, [])
    return order


def _check_units(r: _Reader, nodes: list[Node], drivers: dict[str, Driver], params: dict[str, Parameter]) -> None:
    ureg = registry()
    units = {**{d.name: d.unit for d in drivers.values()}, **{p.name: p.unit for p in params.values()}}
    for node in nodes:
        key = f"{'flows' if node.flow else 'nodes'}.{node.name}"
        try:
            # distinct magnitudes, so that expressions such as 1 - share never divide by zero here
            values = {
                n: ureg.Quantity(1.0 + 0.137 * i, units[n])
                for i, n in enumerate(sorted(node.formula.names))
                if n in units
            }
            if len(values) < len(node.formula.names):
                continue  # an unknown name, reported already
            result = node.formula(values)
            result = result if hasattr(result, "to") else ureg.Quantity(result, "dimensionless")
            result.to(node.unit)
        except Exception as exc:
            r.err(f"{key}.unit", f"unit mismatch: the formula gives {_units_of(exc, node)} , not {node.unit} ({exc})")
        units[node.name] = node.unit
        if node.flow and node.flow.activity:
            act = r.catalog.activities[node.flow.activity]
            need = "energy" if act.canonical_unit == "TJ" else "mass"
            if parse_unit(node.unit).dimension != need:
                r.err(f"{key}.unit", f"{node.flow.activity} flows are an {need} (e.g. TJ, GJ, t), not {node.unit}")
        if node.flow and node.flow.gas and parse_unit(node.unit).dimension != "mass":
            r.err(f"{key}.unit", "a direct gas flow is a mass (e.g. t)")


def _units_of(exc: Exception, node: Node) -> str:
    return "another dimension" if "Cannot convert" in str(exc) else "an inconsistent expression"


def _measures(r: _Reader, raw: object, params: dict[str, Parameter], lo: int, hi: int) -> dict[str, Measure]:
    out = {}
    for code, spec in r.mapping("measures", raw).items():
        key = f"measures.{code}"
        spec = r.mapping(key, spec)
        changes = []
        for i, ch in enumerate(spec.get("changes") or []):
            ck = f"{key}.changes[{i}]"
            ch = r.mapping(ck, ch)
            if ch.get("parameter") not in params:
                r.err(f"{ck}.parameter", f"unknown parameter {ch.get('parameter')!r}")
            if ch.get("mode") not in MODES:
                r.err(f"{ck}.mode", f"one of {', '.join(MODES)}")
            changes.append(
                Change(str(ch.get("parameter")), str(ch.get("mode")), r.number(f"{ck}.value", ch.get("value")))
            )
        if not changes:
            r.err(f"{key}.changes", "at least one change of a parameter")
        ad = r.mapping(f"{key}.adoption", spec.get("adoption"))
        start = r.year(f"{key}.adoption.start", ad.get("start"), lo, hi)
        full = r.year(f"{key}.adoption.full", ad.get("full", start), lo, hi)
        if full < start:
            r.err(f"{key}.adoption.full", "full adoption cannot come before the start")
        shape = ad.get("shape", "linear")
        if shape not in SHAPES:
            r.err(f"{key}.adoption.shape", f"one of {', '.join(SHAPES)}")
        me_raw = spec.get("max_effect", 1.0)
        max_effect: float | Distribution | None
        if isinstance(me_raw, dict):
            max_effect = r.dist(f"{key}.max_effect", me_raw)
        else:
            max_effect = r.number(f"{key}.max_effect", me_raw)
            if not 0 <= max_effect <= 1:
                r.err(f"{key}.max_effect", "a share between 0 and 1")
        cost = r.mapping(f"{key}.cost", spec.get("cost"))
        for field_name in ("capex", "opex_per_year", "lifetime"):
            if field_name in cost:
                r.number(f"{key}.cost.{field_name}", cost[field_name], positive=field_name == "lifetime")
        out[code] = Measure(
            code=code,
            names=r.names(f"{key}.name", spec.get("name")),
            roadmap_activity=str(spec["roadmap_activity"]) if spec.get("roadmap_activity") is not None else None,
            changes=tuple(changes),
            start=start,
            full=full,
            shape=str(shape),
            max_effect=max_effect if max_effect is not None else 1.0,
            cost=cost,
            financing=tuple(str(f) for f in spec.get("financing") or ()),
            source=r.source(key, spec),
            basis=_measure_basis(r, key, spec.get("basis")),
        )
    return out


def _measure_basis(r: _Reader, key: str, value: object) -> str | None:
    if value is None:
        return None
    if value not in BASES:
        r.err(f"{key}.basis", f"one of {', '.join(BASES)}")
        return None
    return str(value)


def _scenarios(r: _Reader, raw: object, measures: dict[str, Measure]) -> dict[str, ScenarioSpec]:
    out = {}
    spec_all = r.mapping("scenarios", raw)
    if not spec_all:
        r.err("scenarios", "at least one scenario (e.g. bau: {measures: []})")
    for name, spec in spec_all.items():
        key = f"scenarios.{name}"
        spec = r.mapping(key, spec)
        listed = spec.get("measures") or []
        for m in listed:
            if m not in measures:
                r.err(f"{key}.measures", f"unknown measure {m!r}")
        out[str(name)] = ScenarioSpec(
            str(name), tuple(listed), r.names(f"{key}.description", spec.get("description", str(name)))
        )
    return out


def _targets(r: _Reader, raw: object, lo: int, hi: int) -> tuple[Target, ...]:
    out = []
    for i, spec in enumerate(raw or []):
        key = f"targets[{i}]"
        spec = r.mapping(key, spec)
        kind = spec.get("kind")
        if kind not in TARGET_KINDS:
            r.err(f"{key}.kind", f"one of {', '.join(TARGET_KINDS)}")
            continue
        value_key = {"reduction": "reduction", "cap": "limit_tco2e", "per_capita": "limit_tco2e_per_capita"}[kind]
        value = r.number(f"{key}.{value_key}", spec.get(value_key))
        if kind == "reduction" and not -1 < value <= 1:
            r.err(f"{key}.reduction", "a fraction such as 0.15 for -15 %")
        basis = spec.get("basis", "territorial")
        if basis not in BASES:
            r.err(f"{key}.basis", f"one of {', '.join(BASES)}")
        base_year = spec.get("base_year")
        if kind == "reduction":
            base_year = r.year(f"{key}.base_year", base_year, 1990, lo)
            reference = spec.get("reference", "inventory" if base_year == lo else "national_ratio")
            if reference not in ("inventory", "national_ratio"):
                r.err(f"{key}.reference", "inventory (the base year is the model's) or national_ratio")
        else:
            reference = None
        emissions = spec.get("emissions", "gross")
        if emissions not in TARGET_EMISSIONS:
            r.err(f"{key}.emissions", "gross (removals and offsets do not count) or net (net of removals: neutrality)")
        out.append(
            Target(
                name=r.text(f"{key}.name", spec.get("name")),
                label=r.names(f"{key}.label", spec.get("label", spec.get("name"))),
                kind=str(kind),
                year=r.year(f"{key}.year", spec.get("year"), lo, hi),
                basis=str(basis),
                value=value,
                base_year=base_year if isinstance(base_year, int) else None,
                reference=reference,
                source=r.source(key, spec),
                emissions=str(emissions),
            )
        )
    return tuple(out)


def _calibration(
    r: _Reader, raw: object, params: dict[str, Parameter], nodes: dict[str, Node]
) -> tuple[Calibration, ...]:
    out = []
    for i, spec in enumerate(raw or []):
        key = f"calibration[{i}]"
        spec = r.mapping(key, spec)
        if spec.get("scale") not in params:
            r.err(f"{key}.scale", f"unknown parameter {spec.get('scale')!r}")
        match = tuple(spec.get("match") or ())
        on = str(spec.get("match_on", "amount"))
        if on not in ("amount", "emissions"):
            r.err(f"{key}.match_on", "amount or emissions")
        for m in match:
            flow = nodes[m].flow if m in nodes else None
            if flow is None or (flow.activity is None and on == "amount"):
                r.err(f"{key}.match", f"{m!r} is not a flow with an activity")
            elif on == "emissions" and flow.activity in ("district_heat", "heat_output", "electricity_output"):
                r.err(f"{key}.match", f"{m!r}: emissions calibration needs flows with their own factor")
        if not match:
            r.err(f"{key}.match", "at least one flow")
        inventory = tuple(str(k) for k in spec.get("inventory") or ())
        for k in inventory:
            if not 1 <= len(k.split("/")) <= 3:
                r.err(f"{key}.inventory", f"{k!r}: REF, REF/activity or REF/activity/facility")
        if on == "emissions" and not inventory:
            r.err(f"{key}.inventory", "emissions calibration names the inventory cells it matches")
        out.append(Calibration(str(spec.get("scale")), match, inventory, on))
    return tuple(out)
