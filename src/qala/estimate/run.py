"""Running a city's estimation spec: each entry through its method, checked against the catalog, every problem
named with its place (file, entry, field) and nothing returned when there is one."""

from __future__ import annotations

import dataclasses
from typing import Any

from qala.catalog import Catalog, UnitError
from qala.catalog.estimation import EstimationReference
from qala.estimate import landfill, road, timeseries, wastewater
from qala.estimate.derive import derive
from qala.estimate.downscale import downscale
from qala.estimate.model import Estimate, EstimateError, Input
from qala.estimate.series import Series
from qala.estimate.spec import METHODS, Spec, input_from, parse_years
from qala.inventory.rules import placement_error


class _Entry:
    """One entry of the spec with its place, for reading fields and naming problems."""

    def __init__(self, spec: Spec, ref: EstimationReference, index: int, raw: dict[str, Any]):
        self.spec, self.ref, self.raw = spec, ref, raw
        self.label = str(raw.get("id") or f"estimates[{index}]")
        self.where = f"{spec.name}: estimates[{index}] ({self.label})"

    def err(self, field: str, expected: str) -> EstimateError:
        return EstimateError([f"{self.where}.{field}: {expected}"])

    def str(self, field: str, default: str | None = None) -> str:
        value = self.raw.get(field, default)
        if not isinstance(value, str) or not value:
            raise self.err(field, "a text value")
        return value

    def input(self, field: str, raw: object = None) -> Input:
        value = self.raw.get(field) if raw is None else raw
        if isinstance(value, dict):
            return input_from(value, f"{self.where}.{field}", field)
        if isinstance(value, str) and value.startswith("default:"):
            key = value.removeprefix("default:")
            if key not in self.ref.defaults:
                raise self.err(field, f"a default of the catalog; '{key}' is not one")
            return self.ref.defaults[key]
        if isinstance(value, str) and value in self.spec.inputs:
            return self.spec.inputs[value]
        raise self.err(field, f"an input named in 'inputs', default:<id>, or a mapping; not {value!r}")

    def series(self, field: str, raw: object = None) -> Series:
        value = self.raw.get(field) if raw is None else raw
        if isinstance(value, str) and value in self.spec.series:
            return self.spec.series[value]
        raise self.err(field, f"a series named in 'series' ({', '.join(sorted(self.spec.series)) or 'none'})")

    def source(self, field: str, raw: object) -> Input | Series:
        if isinstance(raw, str) and raw in self.spec.series:
            return self.spec.series[raw]
        if isinstance(raw, str) and raw.startswith("national:"):
            name = raw.removeprefix("national:")
            if name not in self.ref.national_series:
                raise self.err(field, f"a national series ({', '.join(sorted(self.ref.national_series))})")
            return self.ref.national_series[name]
        return self.input(field, raw)

    def years(self) -> list[int]:
        if "years" in self.raw:
            return parse_years(self.raw["years"], f"{self.where}.years")
        return list(self.spec.years)


def run_spec(spec: Spec, ref: EstimationReference, catalog: Catalog) -> list[Estimate]:
    """Every estimate the spec declares, checked against the catalog; all problems at once, or none written."""
    out: list[Estimate] = []
    problems: list[str] = []
    for i, raw in enumerate(spec.entries):
        entry = _Entry(spec, ref, i, raw)
        try:
            made = _run_entry(entry)
            problems.extend(_check(entry, made, catalog))
            out.extend(made)
        except EstimateError as exc:
            problems.extend(p if p.startswith(spec.name) else f"{entry.where}: {p}" for p in exc.problems)
    seen: dict[tuple, str] = {}
    for e in out:
        if e.key in seen:
            problems.append(
                f"{spec.name}: two entries estimate {e.gpc_ref} {e.activity} {e.year}"
                + (f" ({e.facility})" if e.facility else "")
                + f": {seen[e.key]} and {e.label}"
            )
        seen.setdefault(e.key, e.label)
    if problems:
        raise EstimateError(problems)
    return out


def _check(entry: _Entry, made: list[Estimate], catalog: Catalog) -> list[str]:
    problems = []
    for combo in sorted({(e.gpc_ref, e.activity, e.unit, e.facility) for e in made}, key=str):
        ref, act, unit, facility = combo
        if ref not in catalog.cells:
            problems.append(f"{entry.where}.cell: a GPC reference of the catalog, not '{ref}'")
            continue
        if act not in catalog.activities:
            problems.append(f"{entry.where}.activity: an activity of the catalog, not '{act}'")
            continue
        msg = placement_error(catalog, ref, act, False, facility)
        if msg:
            problems.append(f"{entry.where}: {msg}")
        ncvs = {e.ncv for e in made if (e.gpc_ref, e.activity, e.unit, e.facility) == combo}
        try:
            for ncv in ncvs:
                catalog.conversion(act, unit, ncv)
        except UnitError as exc:
            problems.append(f"{entry.where}.unit: {exc}")
    for e in made:
        if not e.amount >= 0:
            problems.append(f"{entry.where}: {e.year} gives a negative or undefined figure ({e.amount!r})")
    return problems


def _run_entry(e: _Entry) -> list[Estimate]:
    made = _by_method(e)
    ncv, note = e.raw.get("ncv"), e.raw.get("note")
    if ncv is not None and not isinstance(ncv, str):
        raise e.err("ncv", "a calorific value such as '0.628 tce/t' or '18.4 GJ/t'")
    if note is not None and not isinstance(note, str):
        raise e.err("note", "a text")
    if ncv or note:
        made = [dataclasses.replace(m, ncv=ncv or m.ncv, note=note or m.note) for m in made]
    return made


def _by_method(e: _Entry) -> list[Estimate]:
    method = e.raw.get("method")
    if method not in METHODS:
        raise e.err("method", f"one of {', '.join(METHODS)}, not {method!r}")
    years = e.years()
    facility = e.raw.get("facility")
    if method == "downscale":
        return _downscale(e, years)
    if method == "interpolate":
        anchors = e.raw.get("anchors")
        if not isinstance(anchors, list) or len(anchors) < 2:
            raise e.err("anchors", "a list of at least two inputs (published figures)")
        points = {}
        for a in anchors:
            inp = e.input("anchors", a)
            if not isinstance(inp.year, int):
                raise e.err("anchors", f"inputs with a calendar year; '{inp.name}' has none")
            points[inp.year] = inp
        return timeseries.interpolate(
            cell=e.str("cell"),
            activity=e.str("activity"),
            unit=e.str("unit"),
            anchors=points,
            years=years,
            facility=facility,
            label=e.label,
        )
    if method == "surrogate":
        return timeseries.surrogate(
            cell=e.str("cell"),
            activity=e.str("activity"),
            unit=e.str("unit"),
            anchor=e.input("anchor"),
            proxy=e.series("proxy"),
            years=years,
            facility=facility,
            label=e.label,
        )
    if method == "derive":
        named = e.raw.get("inputs")
        if not isinstance(named, dict) or not named:
            raise e.err("inputs", "a mapping from the formula's names to inputs or series")
        return derive(
            cell=e.str("cell"),
            activity=e.str("activity"),
            unit=e.str("unit"),
            expression=e.str("formula"),
            inputs={str(k): e.source(f"inputs.{k}", v) for k, v in named.items()},
            years=years,
            facility=facility,
            label=e.label,
        )
    if method == "road_stock":
        return _road(e, years)
    if method == "wastewater":
        return _wastewater(e, years)
    return _landfill(e, years)


def _downscale(e: _Entry, years: list[int]) -> list[Estimate]:
    category = e.str("category")
    submission = str(e.raw.get("submission", "2021"))
    national = e.ref.national_gases(submission, category)
    if not national:
        raise e.err("category", f"a category with per-gas data in the {submission} submission, not '{category}'")
    gases = e.raw.get("gases")
    if gases is not None:
        if not isinstance(gases, list) or not set(gases) <= set(national):
            raise e.err("gases", f"a list of gases among {', '.join(sorted(national))}")
        national = {g: s for g, s in national.items() if g in gases}
    proxy = e.str("proxy")
    nat_proxy_name = str(e.raw.get("national_proxy", proxy))
    if nat_proxy_name not in e.ref.national_series:
        raise e.err("proxy", f"a proxy with a national series ({', '.join(sorted(e.ref.national_series))})")
    parent = None
    if "parent" in e.raw:
        parent = e.ref.national_gases("2024", e.str("parent"))
        if not parent:
            raise e.err("parent", "a category of the 2024 submission (1.A.1, 1.A.2, 1.A.3, 1.A.4, 5.A, 5.D)")
    return downscale(
        cell=e.str("cell"),
        category=category,
        national=national,
        national_proxy=e.ref.national_series[nat_proxy_name],
        city_proxy=e.series("proxy"),
        years=years,
        carry=str(e.raw.get("carry", "hold_intensity")),
        parent=parent,
        label=e.label,
    )


def _road(e: _Entry, years: list[int]) -> list[Estimate]:
    classes = e.raw.get("classes")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, dict) for c in classes):
        raise e.err("classes", "a list of vehicle classes (name, fuel, stock, distance, consumption[, density])")
    made = []
    for i, c in enumerate(classes):
        name = c.get("name") or f"class {i + 1}"
        made.append(
            road.VehicleClass(
                name=str(name),
                fuel=str(c.get("fuel")),
                stock=e.series(f"classes[{i}].stock", c.get("stock")),
                distance=e.input(f"classes[{i}].distance", c.get("distance")),
                consumption=e.input(f"classes[{i}].consumption", c.get("consumption")),
                density=e.input(f"classes[{i}].density", c["density"]) if c.get("density") is not None else None,
            )
        )
    return road.road_stock(
        classes=made,
        years=years,
        fuel_cell=str(e.raw.get("cell", "II.1.1")),
        power_cell=str(e.raw.get("power_cell", "II.1.2")),
        label=e.label,
    )


WASTEWATER_REQUIRED = ("bod", "bo", "mcf", "t_share", "i_factor")
WASTEWATER_N2O = ("protein", "f_npr", "f_non_con", "f_ind_com", "ef_effluent")
WASTEWATER_OPTIONAL = ("sludge_bod", "recovered_ch4", "sludge_n", "t_plant", "ef_plant")


def _wastewater(e: _Entry, years: list[int]) -> list[Estimate]:
    params = e.raw.get("parameters")
    if not isinstance(params, dict):
        raise e.err(
            "parameters", f"a mapping with {', '.join(WASTEWATER_REQUIRED)} (and for N2O {', '.join(WASTEWATER_N2O)})"
        )
    gases = e.raw.get("gases", ["CH4", "N2O"])
    if not isinstance(gases, list) or not gases or not set(gases) <= {"CH4", "N2O"}:
        raise e.err("gases", "a list among CH4, N2O")
    need = [*WASTEWATER_REQUIRED, *(WASTEWATER_N2O if "N2O" in gases else ())]
    missing = [k for k in need if k not in params]
    if missing:
        raise e.err("parameters", f"missing {', '.join(missing)}")
    unknown = set(params) - set(WASTEWATER_REQUIRED) - set(WASTEWATER_N2O) - set(WASTEWATER_OPTIONAL)
    if unknown:
        raise e.err("parameters", f"unknown parameter(s) {', '.join(sorted(map(str, unknown)))}")
    got = {k: e.input(f"parameters.{k}", v) for k, v in params.items()}
    placeholder = Input("not used", 0.0, "1", None, "not used: N2O is estimated by another entry")
    p = wastewater.WastewaterParameters(
        **{k: got.get(k, placeholder) for k in (*WASTEWATER_REQUIRED, *WASTEWATER_N2O)},
        **{k: got.get(k) for k in WASTEWATER_OPTIONAL},
    )
    made = wastewater.wastewater(
        population=e.series("population"), params=p, years=years, cell=str(e.raw.get("cell", "III.4.1")), label=e.label
    )
    return [m for m in made if m.activity.removeprefix("emissions_").upper() in gases]


def _landfill(e: _Entry, years: list[int]) -> list[Estimate]:
    hist = e.raw.get("history")
    if not isinstance(hist, dict) or not isinstance(hist.get("start"), int):
        raise e.err("history", "a mapping with start (year), population, per_person and to_landfill (series)")
    deposits = landfill.disposal_history(
        population=e.series("history.population", hist.get("population")),
        per_person=e.series("history.per_person", hist.get("per_person")),
        to_landfill=e.series("history.to_landfill", hist.get("to_landfill")),
        start=hist["start"],
        end=max(years),
    )
    types_raw = e.raw.get("types")
    if not isinstance(types_raw, list) or not types_raw or not all(isinstance(t, dict) for t in types_raw):
        raise e.err("types", "a list of waste types (name, share, doc, k)")
    types = [
        landfill.WasteType(
            str(t.get("name") or f"type {i + 1}"),
            e.input(f"types[{i}].share", t.get("share")),
            e.input(f"types[{i}].doc", t.get("doc")),
            e.input(f"types[{i}].k", t.get("k")),
        )
        for i, t in enumerate(types_raw)
    ]
    params = e.raw.get("parameters")
    if not isinstance(params, dict):
        raise e.err("parameters", "a mapping with docf, mcf, f, ox and delay_months")
    missing = [k for k in ("docf", "mcf", "f", "ox", "delay_months") if k not in params]
    if missing:
        raise e.err("parameters", f"missing {', '.join(missing)}")
    fod = landfill.FodParameters(
        **{k: e.input(f"parameters.{k}", params[k]) for k in ("docf", "mcf", "f", "ox", "delay_months")},
        recovered=e.series("recovered") if "recovered" in e.raw else None,
    )
    return landfill.first_order_decay(
        deposits=deposits, types=types, params=fod, years=years, cell=str(e.raw.get("cell", "III.1.1")), label=e.label
    )
