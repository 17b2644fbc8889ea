"""A city's estimation spec (YAML): its series, its sourced inputs, and which method fills which cell.

```yaml
city: astana
years: 2015-2024                      # the years every entry fills unless it says otherwise
series:                               # city series (proxies, stocks): sourced points and a fill rule
  population: {unit: persons, fill: linear, points: [{year: 2015, value: 852803, source: "..."}]}
inputs:                               # single sourced figures, referred to by name
  coal_2017: {value: 3323000, unit: t, year: 2017, source: "..."}
estimates:
  - {id: road, cell: II.1.1, method: downscale, category: 1.A.3.b, proxy: population, carry: hold_intensity}
```
An input may also be written in place (a mapping with value, unit, year, source) or as ``default:<id>`` (a Tier 1
default of ``catalog/data/estimation/defaults.csv``). Every problem is collected and named with its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qala.estimate.model import EstimateError, Input
from qala.estimate.series import FILLS, Series
from qala.safe_yaml import YamlProblem, load_yaml

METHODS = ("downscale", "interpolate", "surrogate", "derive", "road_stock", "wastewater", "landfill_fod")


@dataclass(frozen=True)
class Spec:
    city: str
    years: list[int]
    series: dict[str, Series]
    inputs: dict[str, Input]
    entries: list[dict[str, Any]]
    name: str  # where it came from, for messages


def parse_years(value: object, where: str) -> list[int]:
    """``2015-2024``, ``[2015, 2024]`` (a range), ``2017`` or ``[2015, 2017, 2019]`` (more than two: those years)."""
    if isinstance(value, bool):
        raise EstimateError([f"{where}: years like 2015-2024, [2015, 2024] or 2017"])
    if isinstance(value, int):
        return [value]
    if isinstance(value, str) and "-" in value:
        a, _, b = value.partition("-")
        if a.strip().isdigit() and b.strip().isdigit() and int(a) <= int(b):
            return list(range(int(a), int(b) + 1))
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        if len(value) == 2 and value[0] <= value[1]:
            return list(range(value[0], value[1] + 1))
        return sorted(set(value))
    raise EstimateError([f"{where}: years like 2015-2024, [2015, 2024] or 2017, not {value!r}"])


def input_from(raw: object, where: str, name: str) -> Input:
    if not isinstance(raw, dict):
        raise EstimateError([f"{where}: an input is a mapping with value, unit, year and source"])
    unknown = set(raw) - {"value", "unit", "year", "source", "confidence", "note"}
    if unknown:
        raise EstimateError([f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}"])
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EstimateError([f"{where}.value: a number, not {value!r}"])
    if not isinstance(raw.get("unit"), str):
        raise EstimateError([f"{where}.unit: a unit such as t, persons, GWh, 1 (a fraction)"])
    year = raw.get("year")
    if year is not None and not isinstance(year, int | str):
        raise EstimateError([f"{where}.year: a year or a label such as 'climate normal'"])
    try:
        return Input(
            name, float(value), raw["unit"], year, str(raw.get("source") or ""), raw.get("confidence"), raw.get("note")
        )
    except EstimateError as exc:
        raise EstimateError([f"{where}: {p}" for p in exc.problems]) from exc


def _series(raw: object, where: str, name: str) -> Series:
    if not isinstance(raw, dict) or not isinstance(raw.get("points"), list):
        raise EstimateError([f"{where}: a series is a mapping with unit, fill and a list of points"])
    unit = raw.get("unit")
    fill = raw.get("fill", "linear")
    if not isinstance(unit, str):
        raise EstimateError([f"{where}.unit: a unit"])
    if fill not in FILLS:
        raise EstimateError([f"{where}.fill: one of {', '.join(FILLS)}, not {fill!r}"])
    points: dict[int, Input] = {}
    problems = []
    for i, p in enumerate(raw["points"]):
        pw = f"{where}.points[{i}]"
        try:
            if not isinstance(p, dict) or not isinstance(p.get("year"), int) or isinstance(p.get("year"), bool):
                raise EstimateError([f"{pw}.year: a calendar year"])
            if p["year"] in points:
                raise EstimateError([f"{pw}: a second point for {p['year']}"])
            points[p["year"]] = input_from({**p, "unit": p.get("unit", unit)}, pw, f"{name} {p['year']}")
        except EstimateError as exc:
            problems.extend(exc.problems)
    if problems:
        raise EstimateError(problems)
    return Series(name, unit, points, fill)


def parse_spec(raw: object, name: str) -> Spec:
    if not isinstance(raw, dict):
        raise EstimateError([f"{name}: a mapping with city, years, series, inputs and estimates"])
    problems: list[str] = []
    unknown = set(raw) - {"city", "years", "series", "inputs", "estimates", "note"}
    if unknown:
        problems.append(f"{name}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    city = raw.get("city")
    if not isinstance(city, str) or not city:
        problems.append(f"{name}: city: the city's code")
    years: list[int] = []
    try:
        years = parse_years(raw.get("years"), f"{name}: years")
    except EstimateError as exc:
        problems.extend(exc.problems)
    series: dict[str, Series] = {}
    for key, value in (raw.get("series") or {}).items():
        try:
            series[str(key)] = _series(value, f"{name}: series.{key}", str(key))
        except EstimateError as exc:
            problems.extend(exc.problems)
    inputs: dict[str, Input] = {}
    for key, value in (raw.get("inputs") or {}).items():
        try:
            inputs[str(key)] = input_from(value, f"{name}: inputs.{key}", str(key))
        except EstimateError as exc:
            problems.extend(exc.problems)
    entries = raw.get("estimates")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(f"{name}: estimates: a list of entries (cell, method and the method's inputs)")
        entries = []
    if problems:
        raise EstimateError(problems)
    return Spec(str(city), years, series, inputs, entries, name)


def load_spec(data: bytes, name: str) -> Spec:
    try:
        raw = load_yaml(data, "estimation spec")
    except YamlProblem as exc:
        raise EstimateError([f"{name}: {exc}"]) from exc
    return parse_spec(raw, name)
