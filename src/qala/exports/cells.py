"""The inventory per GPC cell: mass of each gas, t CO2e, biogenic CO2, notation key and sources (one row a cell)."""

from __future__ import annotations

import polars as pl

from qala.catalog.catalog import Catalog
from qala.inventory.result import Inventory

MAIN_GASES = ("CO2", "CH4", "N2O")
BIOGENIC = "CO2(b)"
LEVEL_TITLES = {"B": "BASIC", "B+": "BASIC+", "T": "territorial only", "O": "other scope 3"}
CELL_COLUMNS = (
    "gpc_ref",
    "sector",
    "sector_name",
    "subsector",
    "subsector_name",
    "scope",
    "level",
    "meaning",
    "notation_key",
    "co2_t",
    "ch4_t",
    "n2o_t",
    "other_gases_tco2e",
    "tco2e",
    "biogenic_co2_t",
    "in_basic",
    "in_basic_plus",
    "activities",
    "factor_sources",
    "explanation",
)


def _joined(col: str, sep: str) -> pl.Expr:
    return pl.col(col).drop_nulls().unique().sort().str.join(sep)


def cell_table(inv: Inventory, catalog: Catalog) -> pl.DataFrame:
    """Every GPC cell of the catalog in its order; a cell without rows carries its notation key."""
    rows = inv.rows
    gas = pl.col("gas")
    sums = rows.group_by("gpc_ref").agg(
        *(pl.col("mass_t").filter(gas == g).sum().alias(f"{g.lower()}_t") for g in MAIN_GASES),
        pl.col("tco2e").filter(~gas.is_in([*MAIN_GASES, BIOGENIC])).sum().alias("other_gases_tco2e"),
        pl.col("tco2e").filter(gas != BIOGENIC).sum().alias("tco2e"),
        pl.col("mass_t").filter(gas == BIOGENIC).sum().alias("biogenic_co2_t"),
        _joined("activity", "; ").alias("activities"),
        _joined("factor_source", " | ").alias("factor_sources"),
    )
    cells = pl.DataFrame(
        [
            {
                "gpc_ref": c.ref,
                "sector": c.sector,
                "sector_name": catalog.sectors.get(c.sector, {}).get("en", c.sector),
                "subsector": c.subsector,
                "subsector_name": c.subsector_names.get("en", c.subsector),
                "scope": c.scope,
                "level": c.level,
                "meaning": c.meaning,
                "notation_key": inv.notation_keys[c.ref].key if c.ref in inv.notation_keys else None,
                "explanation": inv.notation_keys[c.ref].explanation if c.ref in inv.notation_keys else None,
                "in_basic": c.level == "B",
                "in_basic_plus": c.level in ("B", "B+"),
            }
            for c in catalog.cells.values()
        ]
    )
    out = cells.join(sums, on="gpc_ref", how="left", maintain_order="left")
    return out.select(CELL_COLUMNS)
