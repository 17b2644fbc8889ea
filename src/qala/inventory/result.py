"""The inventory as a value: one long, tidy table of rows plus its aggregates and methodology."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from qala.inventory import coverage

SECTORS = ("I", "II", "III", "IV", "V", "VI")
GAS_ORDER = ("CO2", "CH4", "N2O")
ROW_COLUMNS = (
    "gpc_ref",
    "sector",
    "scope",
    "level",
    "activity",
    "facility",
    "gas",
    "activity_amount",
    "activity_unit",
    "canonical_amount",
    "canonical_unit",
    "conversion",
    "factor",
    "factor_unit",
    "factor_source",
    "mass_t",
    "tco2e",
    "n_records",
    "status",  # reported | estimated
    "method",  # the estimation method of an estimated row (None for reported figures)
)


@dataclass(frozen=True)
class NotationKey:
    key: str  # NO, IE, NE, C
    explanation: str


@dataclass(frozen=True)
class ChpFacility:
    facility: str
    heat_tj: float
    power_tj: float
    heat_share: float
    emissions_tco2e: float


@dataclass(frozen=True)
class ChpReport:
    method: str
    parameters: dict[str, dict[str, Any]]
    facilities: tuple[ChpFacility, ...]
    heat_factor_kg_per_tj: dict[str, float]  # per gas, per TJ of heat supplied
    power_factor_kg_per_tj: dict[str, float]
    heat_factor_tco2e_per_gcal: float | None
    power_factor_tco2e_per_mwh: float | None


@dataclass(frozen=True)
class Inventory:
    city: str
    year: int
    gwp: str
    rows: pl.DataFrame
    notation_keys: dict[str, NotationKey]
    methodology: dict[str, Any]
    chp: ChpReport | None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    unit: str = "t CO2e"

    # --- aggregates ---------------------------------------------------------------------------
    def _sum(self, expr: pl.Expr | None = None) -> float:
        rows = self.rows.filter(pl.col("gas") != "CO2(b)")
        if expr is not None:
            rows = rows.filter(expr)
        return float(rows["tco2e"].sum())

    @property
    def totals(self) -> dict[str, float]:
        return {
            "basic": self._sum(pl.col("level") == "B"),
            "basic_plus": self._sum(pl.col("level").is_in(["B", "B+"])),
            "territorial": self._sum(pl.col("scope") == 1),
        }

    @property
    def by_sector(self) -> dict[str, float | None]:
        """t CO2e per sector, within the BASIC+ boundary; None for a sector with no figure (see sector_keys)."""
        return coverage.sector_values(self, SECTORS)[0]

    @property
    def sector_keys(self) -> dict[str, str]:
        """The notation key of each sector that has no figure at all (NE, NO, IE or C)."""
        return coverage.sector_values(self, SECTORS)[1]

    @property
    def cell_refs(self) -> list[str]:
        """Every GPC cell the inventory speaks of: those with figures and those with a notation key."""
        return sorted(set(self.notation_keys) | set(self.rows["gpc_ref"].to_list()))

    @property
    def share_estimated(self) -> dict[str, float | None]:
        """Per total (basic, basic_plus, territorial): the share of t CO2e that comes from estimates."""
        return coverage.share_estimated(self)

    @property
    def by_scope(self) -> dict[str, float]:
        return {str(s): self._sum(pl.col("scope") == s) for s in (1, 2, 3)}

    @property
    def by_gas(self) -> dict[str, float]:
        return {g: self._sum(pl.col("gas") == g) for g in GAS_ORDER}

    @property
    def biogenic_co2_t(self) -> float:
        """Biogenic CO2 released inside the boundary (scope 1), reported apart from every total."""
        return float(self.rows.filter((pl.col("gas") == "CO2(b)") & (pl.col("scope") == 1))["mass_t"].sum())

    @property
    def biogenic_co2_basic_t(self) -> float:
        """Biogenic CO2 within the BASIC boundary: fuels burnt in the city's buildings, vehicles and waste, and
        the share of plants' biogenic CO2 that comes with the heat and power the city consumes (scope 2)."""
        rows = self.rows.filter((pl.col("gas") == "CO2(b)") & (pl.col("level") == "B"))
        return float(rows["mass_t"].sum())

    def to_dict(self) -> dict[str, Any]:
        """The inventory JSON of DESIGN.md §5 (extended, never broken)."""
        return {
            "city": self.city,
            "year": self.year,
            "gwp": self.gwp,
            "unit": self.unit,
            "totals": self.totals,
            "share_estimated": self.share_estimated,
            "coverage": coverage.boundary_coverage(self),
            "by_sector": self.by_sector,
            "sector_keys": self.sector_keys,
            "by_scope": self.by_scope,
            "by_gas": self.by_gas,
            "biogenic_co2_t": self.biogenic_co2_t,
            "biogenic_co2_basic_t": self.biogenic_co2_basic_t,
            "rows": coverage.row_dicts(self, ROW_COLUMNS),
            "cells": coverage.cell_coverage(self, self.cell_refs),
            "notation_keys": {ref: nk.key for ref, nk in sorted(self.notation_keys.items())},
            "notation_key_explanations": {ref: nk.explanation for ref, nk in sorted(self.notation_keys.items())},
            "chp": None
            if self.chp is None
            else {
                "method": self.chp.method,
                "parameters": self.chp.parameters,
                "facilities": [f.__dict__ for f in self.chp.facilities],
                "district_heat_factor_kg_per_tj": self.chp.heat_factor_kg_per_tj,
                "electricity_factor_kg_per_tj": self.chp.power_factor_kg_per_tj,
                "district_heat_factor_tco2e_per_gcal": self.chp.heat_factor_tco2e_per_gcal,
                "electricity_factor_tco2e_per_mwh": self.chp.power_factor_tco2e_per_mwh,
            },
            "methodology": self.methodology,
            "warnings": list(self.warnings),
        }
