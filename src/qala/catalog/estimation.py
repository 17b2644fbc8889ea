"""The estimation methods and the reference data they use (``catalog/data/estimation/``), each with its source.

- ``methods.csv``: every method with its formula and source (kk/ru/en names);
- ``national_categories.csv``: Kazakhstan's national inventory by category (and by gas where published);
- ``national_series.csv``: national proxies (population, electricity consumption) by year;
- ``defaults.csv``: Tier 1 defaults of the methods (IPCC 2006 tables), referred to by id from a city's spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from qala.catalog.catalog import load_catalog
from qala.catalog.load import LANGS, CatalogError, _float, _need, read_rows
from qala.estimate.model import Input
from qala.estimate.series import Series

FOLDER = "estimation"
SUBMISSIONS = {"UNFCCC 2021 (1990-2019)": "2021", "CRT 2024 (1990-2022)": "2024"}


@dataclass(frozen=True)
class Method:
    code: str
    names: dict[str, str]
    formula: str
    source: str


@dataclass(frozen=True)
class EstimationReference:
    methods: dict[str, Method]
    national: dict[tuple[str, str, str], Series]  # (submission "2021" | "2024", category, gas) -> kt of gas / CO2e
    national_series: dict[str, Series]  # proxy name -> series
    defaults: dict[str, Input]

    def national_gases(self, submission: str, category: str) -> dict[str, Series]:
        """The per-gas series (kt of gas) of a category in a submission (empty when only CO2e is published)."""
        return {
            g: s for (sub, cat, g), s in self.national.items() if sub == submission and cat == category and g != "CO2e"
        }


def _methods() -> dict[str, Method]:
    out = {}
    name = f"{FOLDER}/methods.csv"
    for n, r in read_rows(name):
        _need(name, n, r, "code", "formula", "source", *(f"name_{lang}" for lang in LANGS))
        out[r["code"]] = Method(r["code"], {lang: r[f"name_{lang}"] for lang in LANGS}, r["formula"], r["source"])
    return out


def _national(gwp: dict[str, dict[str, float]]) -> dict[tuple[str, str, str], Series]:
    name = f"{FOLDER}/national_categories.csv"
    points: dict[tuple[str, str, str], dict[int, Input]] = {}
    units: dict[tuple[str, str, str], str] = {}
    for n, r in read_rows(name):
        _need(name, n, r, "submission", "category", "gas", "year", "value", "unit", "gwp", "source")
        sub = SUBMISSIONS.get(r["submission"])
        if sub is None:
            raise CatalogError(f"{name} line {n}: unknown submission {r['submission']!r}")
        value = _float(name, n, r, "value")
        gas, unit, note = r["gas"], r["unit"], r.get("note") or None
        if gas != "CO2e" and unit == "kt CO2e":  # a gas given as CO2e: its mass is CO2e / GWP of that submission
            factor = gwp[r["gwp"]][gas]
            note = f"{note or ''} Mass of gas = {value:g} kt CO2e / GWP {r['gwp']} {factor:g}.".strip()
            value, unit = value / factor, "kt"
        key = (sub, r["category"], gas)
        units[key] = unit
        points.setdefault(key, {})[int(r["year"])] = Input(
            f"national {r['category']} {gas} {r['year']} ({r['submission']})",
            value,
            unit,
            int(r["year"]),
            r["source"],
            r.get("confidence") or None,
            note,
        )
    return {k: Series(f"{k[1]} {k[2]} ({k[0]} submission)", units[k], p, "none") for k, p in points.items()}


def _national_series() -> dict[str, Series]:
    name = f"{FOLDER}/national_series.csv"
    points: dict[str, dict[int, Input]] = {}
    units: dict[str, str] = {}
    for n, r in read_rows(name):
        _need(name, n, r, "series", "year", "value", "unit", "source")
        units[r["series"]] = r["unit"]
        points.setdefault(r["series"], {})[int(r["year"])] = Input(
            f"Kazakhstan {r['series']} {r['year']}",
            _float(name, n, r, "value"),
            r["unit"],
            int(r["year"]),
            r["source"],
            r.get("confidence") or None,
            r.get("note") or None,
        )
    return {s: Series(f"{s} (Kazakhstan)", units[s], p, "linear") for s, p in points.items()}


def _defaults() -> dict[str, Input]:
    name = f"{FOLDER}/defaults.csv"
    out = {}
    for n, r in read_rows(name):
        _need(name, n, r, "id", "value", "unit", "source")
        out[r["id"]] = Input(
            r["id"],
            _float(name, n, r, "value"),
            r["unit"],
            "default",
            r["source"],
            r.get("confidence") or None,
            r.get("note") or None,
        )
    return out


@cache
def load_estimation_reference() -> EstimationReference:
    catalog = load_catalog()
    gwp = {code: {g: s.gwp(g) for g in ("CO2", "CH4", "N2O")} for code, s in catalog.gwp_sets.items()}
    return EstimationReference(_methods(), _national(gwp), _national_series(), _defaults())
