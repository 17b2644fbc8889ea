"""The same inventory arithmetic in plain pandas: merge with factors, multiply, group by.

Per row: convert the amount to the activity's canonical unit (merge with a conversion table on
activity + unit), attach the cell's IPCC combustion category (merge on gpc_ref), attach one row per
gas from a long factor table (merge on activity + category), multiply, apply the GWP (merge on gas)
and sum by gpc_ref and gas. The lookup tables are built once from Qala's catalog, for exactly the
combinations in ``benchmarks.data.COMBOS``; the baseline does not call Qala's engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from benchmarks.data import COMBOS
from qala.catalog import Catalog

KG_PER_G = 1e-3
TJ_PER_KWH = 3.6e-6  # 1 kWh = 3.6 MJ


@dataclass(frozen=True)
class Tables:
    conversions: pd.DataFrame  # activity, unit, multiplier (canonical units per unit)
    cells: pd.DataFrame  # gpc_ref, category
    factors: pd.DataFrame  # activity, category, gas, factor (kg per canonical unit)
    gwp: pd.DataFrame  # gas, gwp


def grid_kg_per_tj(catalog: Catalog) -> float:
    """The default grid factor in kg CO2 per TJ, by hand: g/kWh x 1e-3 kg/g / 3.6e-6 TJ/kWh."""
    grid = catalog.default_grid_factor()
    if grid.unit != "g/kWh":
        raise ValueError(f"the baseline expects the grid factor in g/kWh, not {grid.unit}")
    return grid.value * KG_PER_G / TJ_PER_KWH


def build_tables(catalog: Catalog) -> Tables:
    conversions = sorted({(c.activity, c.unit, catalog.conversion(c.activity, c.unit).multiplier) for c in COMBOS})
    cells = sorted({(c.gpc_ref, catalog.cells[c.gpc_ref].combustion_category) for c in COMBOS})
    category = dict(cells)
    grid = catalog.default_grid_factor()
    factors = set()
    for c in COMBOS:
        act = catalog.activities[c.activity]
        cat = category[c.gpc_ref]
        if act.kind == "fuel":
            for gas, f in catalog.combustion_factors(c.activity, cat).items():
                # Biogenic CO2 is reported apart (as CO2(b)) and does not count in tCO2e.
                factors.add((c.activity, cat, "CO2(b)" if gas == "CO2" and act.biogenic else gas, f.value))
        elif c.activity == "grid_electricity":
            factors.add((c.activity, cat, grid.gas, grid_kg_per_tj(catalog)))
        elif act.kind == "waste":
            wf = catalog.waste_ch4_factor()
            factors.add((c.activity, cat, wf.gas, wf.value))
        else:
            raise ValueError(f"the baseline does not cover {c.activity} ({act.kind})")
    gwp_set = catalog.gwp_set(None)
    return Tables(
        conversions=pd.DataFrame(conversions, columns=["activity", "unit", "multiplier"]),
        cells=pd.DataFrame(cells, columns=["gpc_ref", "category"]),
        factors=pd.DataFrame(sorted(factors), columns=["activity", "category", "gas", "factor"]),
        gwp=pd.DataFrame([(g, gwp_set.gwp(g)) for g in ("CO2", "CH4", "N2O")], columns=["gas", "gwp"]),
    )


def _like(table: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """Give a lookup table's key columns the activity frame's category dtypes (a merge on codes)."""
    out = table.copy()
    for col in out.columns:
        if col in df.columns and isinstance(df[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(df[col].dtype)
    return out


def inventory(df: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """tCO2e and tonnes of gas by gpc_ref and gas; columns gpc_ref, gas, mass_t, tco2e."""
    x = df[["gpc_ref", "activity", "unit", "amount"]]
    x = x.merge(_like(tables.conversions, x), on=["activity", "unit"], how="inner")
    x["canonical"] = x["amount"] * x["multiplier"]
    x = x.merge(_like(tables.cells, x), on="gpc_ref", how="inner")
    x = x.merge(_like(tables.factors, x), on=["activity", "category"], how="inner")
    x["mass_t"] = x["canonical"] * x["factor"] / 1000.0
    x = x.merge(tables.gwp, on="gas", how="left")
    x["tco2e"] = x["mass_t"] * x["gwp"].fillna(0.0)
    out = x.groupby(["gpc_ref", "gas"], observed=True, sort=True)[["mass_t", "tco2e"]].sum()
    return out.reset_index().astype({"gpc_ref": str, "gas": str})
