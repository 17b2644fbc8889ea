"""Targets: a reduction against a base year, an absolute cap, or a per-capita limit — each says which."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from qala.scenario.spec import Target


@dataclass(frozen=True)
class NationalSeries:
    values: dict[int, float]  # year -> kt CO2e
    gwp: str
    source: str


@cache
def national_series(country: str = "KZ") -> NationalSeries:
    path = resources.files("qala.catalog").joinpath("data", "national_inventory.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["country"] == country]
    return NationalSeries({int(r["year"]): float(r["value"]) for r in rows}, rows[0]["gwp"], rows[0]["source"])


@dataclass(frozen=True)
class TargetLimit:
    limit: np.ndarray | float  # t CO2e (per draw for per-capita targets)
    method: str


def target_limit(
    target: Target, base_year: int, base_total: float, population: np.ndarray | None, year_index: int
) -> TargetLimit:
    """The emission limit a target sets in its year, and how it was derived (stated in the output)."""
    if target.kind == "cap":
        return TargetLimit(target.value, f"absolute cap of {target.value:,.0f} t CO2e ({target.basis})")
    if target.kind == "per_capita":
        if population is None:
            raise ValueError("a per-capita target needs a 'population' driver in the model")
        return TargetLimit(
            target.value * population[:, year_index],
            f"{target.value:g} t CO2e per person x the modelled population ({target.basis})",
        )
    assert target.base_year is not None
    if target.reference == "inventory" or target.base_year == base_year:
        reference = base_total
        how = f"the city's {base_year} inventory total ({target.basis}), {base_total:,.0f} t CO2e"
    else:
        series = national_series()
        latest = max(y for y in series.values if y <= base_year)
        ratio = series.values[target.base_year] / series.values[latest]
        reference = base_total * ratio
        how = (
            f"the city has no {target.base_year} inventory: its {base_year} inventory total ({target.basis}), "
            f"{base_total:,.0f} t CO2e, scaled by Kazakhstan's national emissions {target.base_year}/{latest} "
            f"({series.values[target.base_year]:,.0f} / {series.values[latest]:,.0f} kt CO2e, "
            f"{series.gwp}, without LULUCF; UNFCCC 2021 submission) = {reference:,.0f} t CO2e"
        )
    limit = reference * (1 - target.value)
    return TargetLimit(limit, f"{target.value:.0%} below the reference. Reference: {how}. Limit {limit:,.0f} t CO2e")
