"""Co-benefits: air pollutants (PM2.5, SO2, NOx) from the same activity data, EMEP/EEA Tier 1 factors.

Stationary factors are per GJ (NCV) of fuel; road-transport Tier 1 factors are per kg of fuel, so the
fuel's energy is turned back into mass with the catalog's calorific value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from qala.catalog import Catalog

POLLUTANTS = ("PM2.5", "SO2", "NOx")


@dataclass(frozen=True)
class AirFactor:
    activity: str
    category: str
    pollutant: str
    value: float
    unit: str  # "g/GJ" or "g/kg"
    source: str
    confidence: str


@cache
def air_factors() -> dict[tuple[str, str, str], AirFactor]:
    path = resources.files("qala.catalog").joinpath("data", "air_pollutant_factors.csv")
    out: dict[tuple[str, str, str], AirFactor] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as fh:
        for n, r in enumerate(csv.DictReader(fh), start=2):
            if not r.get("source", "").strip() or r.get("unit") not in ("g/GJ", "g/kg"):
                raise ValueError(f"air_pollutant_factors.csv line {n}: needs a source and a unit g/GJ or g/kg")
            key = (r["activity"], r["category"], r["pollutant"])
            out[key] = AirFactor(
                r["activity"],
                r["category"],
                r["pollutant"],
                float(r["value"]),
                r["unit"],
                r["source"],
                r.get("confidence", ""),
            )
    return out


def pollutant_tonnes(catalog: Catalog, activity: str, gpc_ref: str, energy_tj: float) -> dict[str, float]:
    """t of each pollutant from ``energy_tj`` of a fuel burnt in a GPC cell ({} when no factor applies)."""
    cell = catalog.cells.get(gpc_ref)
    if cell is None or not cell.combustion_category:
        return {}
    out = {}
    for pollutant in POLLUTANTS:
        f = air_factors().get((activity, cell.combustion_category, pollutant))
        if f is None:
            continue
        if f.unit == "g/GJ":
            out[pollutant] = energy_tj * 1000 * f.value / 1e6  # TJ -> GJ; g -> t
        else:
            ncv = catalog.ncv.get((activity, "mass"))
            if ncv is None:
                continue
            kg = energy_tj / ncv.value * 1e6  # TJ / (TJ/Gg) = Gg -> kg
            out[pollutant] = kg * f.value / 1e6
    return out


def inventory_pollutants(catalog: Catalog, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Pollutants of an inventory (its rows as dicts): by pollutant and by GPC cell, with the factors used."""
    seen: set[tuple] = set()
    by_cell: dict[str, dict[str, float]] = {}
    for r in rows:
        key = (r["gpc_ref"], r["activity"], r.get("facility"), r["activity_unit"])
        if key in seen or r["canonical_unit"] != "TJ":
            continue
        seen.add(key)
        for p, t in pollutant_tonnes(catalog, r["activity"], r["gpc_ref"], r["canonical_amount"]).items():
            by_cell.setdefault(r["gpc_ref"], {}).setdefault(p, 0.0)
            by_cell[r["gpc_ref"]][p] += t
    totals = {p: sum(c.get(p, 0.0) for c in by_cell.values()) for p in POLLUTANTS}
    return {
        "unit": "t",
        "totals": totals,
        "by_cell": by_cell,
        "method": "EMEP/EEA air pollutant emission inventory guidebook, Tier 1 default factors",
    }


def scenario_pollutants(catalog: Catalog, result: Any) -> dict[str, list[float]]:
    """Mean pollutant emissions per year of a scenario run, from its flows' mean amounts."""
    years = len(result.years)
    out = {p: [0.0] * years for p in POLLUTANTS}
    for node in result.prep.model.flows:
        flow = node.flow
        if flow is None or flow.activity is None or node.name not in result.amount_means:
            continue
        amounts = result.amount_means[node.name]
        for i in range(years):
            for p, t in pollutant_tonnes(catalog, flow.activity, flow.gpc_ref, float(amounts[i])).items():
                out[p][i] += t
    return out
