"""A CDP-ICLEI-Track-style city-wide emissions table as CSV.

CDP-ICLEI Track (the CDP-ICLEI Unified Reporting System) asks a city for its emissions by sector and
sub-sector in the GPC's Common Reporting Framework, split into "Direct emissions / Scope 1", "Indirect
emissions from use of grid-supplied energy / Scope 2" and "Emissions occurring outside the city boundary /
Scope 3" (metric tonnes CO2e, each with a notation key where empty), and for the totals "Total BASIC
Emissions (GPC)" and "Total BASIC+ Emissions (GPC)", with the accounting year, the primary protocol and the
gases included (field labels as in CDP's open dataset "2018 - 2019 City-wide Emissions",
https://data.cdp.net). This is not CDP's upload format (that is the online questionnaire): it is one
machine-readable table that follows those fields. Columns, in order:

``city, accounting_year, primary_protocol, gases_included, gwp_set, row_type (sub_sector | total),
sector, sector_name, sub_sector, sub_sector_name, gpc_refs,
scope1_direct_tco2e, scope1_notation_key, scope2_grid_energy_tco2e, scope2_notation_key,
scope3_outside_boundary_tco2e, scope3_notation_key, total_tco2e, basic_tco2e, basic_plus_tco2e,
co2_t, ch4_t, n2o_t, other_gases_tco2e, biogenic_co2_t, emission_factor_sources, notation_key_explanations,
methodology, catalog_version, inventory_state``.

Rows are GPC sub-sectors; a territorial-only cell (``I.4.4`` generation supplied to the grid, ``III.n.3``
waste imported for treatment) is a row of its own, as in the GPC's reporting table, so that ``basic_tco2e``
and ``basic_plus_tco2e`` of the sub-sector rows add up to the BASIC and BASIC+ totals and ``scope1`` to the
territorial total. The last row (``row_type = total``) holds the city's totals.
"""

from __future__ import annotations

import csv
import io

import polars as pl

from qala.catalog.catalog import Catalog
from qala.exports.cells import MAIN_GASES, cell_table
from qala.exports.safe import safe_row
from qala.exports.state import describe
from qala.inventory.result import Inventory

SCOPE_COLUMNS = {1: "scope1_direct_tco2e", 2: "scope2_grid_energy_tco2e", 3: "scope3_outside_boundary_tco2e"}
COLUMNS = (
    "city",
    "accounting_year",
    "primary_protocol",
    "gases_included",
    "gwp_set",
    "row_type",
    "sector",
    "sector_name",
    "sub_sector",
    "sub_sector_name",
    "gpc_refs",
    "scope1_direct_tco2e",
    "scope1_notation_key",
    "scope2_grid_energy_tco2e",
    "scope2_notation_key",
    "scope3_outside_boundary_tco2e",
    "scope3_notation_key",
    "total_tco2e",
    "basic_tco2e",
    "basic_plus_tco2e",
    "co2_t",
    "ch4_t",
    "n2o_t",
    "other_gases_tco2e",
    "biogenic_co2_t",
    "emission_factor_sources",
    "notation_key_explanations",
    "methodology",
    "catalog_version",
    "inventory_state",
)
PROTOCOL = "GPC v1.1 (WRI, C40, ICLEI)"


def _sum(frame: pl.DataFrame, col: str) -> float:
    return float(frame[col].fill_null(0).sum())


def _row(part: pl.DataFrame, code: str, name: str) -> dict[str, object]:
    out: dict[str, object] = {
        "row_type": "sub_sector",
        "sector": part["sector"][0],
        "sector_name": part["sector_name"][0],
        "sub_sector": code,
        "sub_sector_name": name,
        "gpc_refs": "; ".join(part["gpc_ref"]),
    }
    for scope, col in SCOPE_COLUMNS.items():
        sc = part.filter(pl.col("scope") == scope)
        keys = sc["notation_key"].drop_nulls().unique(maintain_order=True).to_list()
        empty = not sc.is_empty() and len(keys) == sc.height
        out[col] = None if sc.is_empty() or empty else _sum(sc, "tco2e")
        out[col.split("_")[0] + "_notation_key"] = "/".join(keys) if empty else ""
    out["total_tco2e"] = _sum(part, "tco2e")
    out["basic_tco2e"] = _sum(part.filter(pl.col("in_basic")), "tco2e")
    out["basic_plus_tco2e"] = _sum(part.filter(pl.col("in_basic_plus")), "tco2e")
    for gas in MAIN_GASES:
        out[f"{gas.lower()}_t"] = _sum(part, f"{gas.lower()}_t")
    out["other_gases_tco2e"] = _sum(part, "other_gases_tco2e")
    out["biogenic_co2_t"] = _sum(part, "biogenic_co2_t")
    out["emission_factor_sources"] = " | ".join(
        sorted({s for v in part["factor_sources"].drop_nulls() for s in v.split(" | ")})
    )
    out["notation_key_explanations"] = "; ".join(
        f"{r}: {k} ({e})" for r, k, e in part.select("gpc_ref", "notation_key", "explanation").iter_rows() if k
    )
    return out


def table(inv: Inventory, catalog: Catalog, state: dict | None = None) -> list[dict[str, object]]:
    """The rows of the table as dictionaries keyed by :data:`COLUMNS`."""
    cells = cell_table(inv, catalog).with_columns(
        pl.when(pl.col("level") == "T").then(pl.col("gpc_ref")).otherwise(pl.col("subsector")).alias("row")
    )
    rows = []
    for code in cells["row"].unique(maintain_order=True).to_list():
        part = cells.filter(pl.col("row") == code)
        name = part["subsector_name"][0]
        if part["level"][0] == "T":
            name = f"{name}: {part['meaning'][0]}"
        rows.append(_row(part, code, name))
    total: dict[str, object] = {
        "row_type": "total",
        "sub_sector": "TOTAL",
        "sub_sector_name": "City-wide totals",
        "gpc_refs": "",
        **{col: inv.by_scope[str(scope)] for scope, col in SCOPE_COLUMNS.items()},
        "total_tco2e": sum(inv.by_scope.values()),
        "basic_tco2e": inv.totals["basic"],
        "basic_plus_tco2e": inv.totals["basic_plus"],
        **{f"{g.lower()}_t": _sum(cells, f"{g.lower()}_t") for g in MAIN_GASES},
        "other_gases_tco2e": _sum(cells, "other_gases_tco2e"),
        "biogenic_co2_t": inv.biogenic_co2_t,
    }
    rows.append(total)
    gases = [*MAIN_GASES, *(g for g in inv.rows["gas"].unique().sort() if g not in (*MAIN_GASES, "CO2(b)"))]
    common = {
        "city": inv.city,
        "accounting_year": inv.year,
        "primary_protocol": PROTOCOL,
        "gases_included": "; ".join(gases),
        "gwp_set": inv.gwp,
        "methodology": inv.methodology.get("standard", ""),
        "catalog_version": inv.methodology.get("catalog_version", ""),
        "inventory_state": describe(state) if state is not None else "",
    }
    return [{c: {**common, **r}.get(c) for c in COLUMNS} for r in rows]


def to_csv(inv: Inventory, catalog: Catalog, state: dict | None = None) -> str:
    """The table as CSV text (UTF-8, header row); every text cell through :func:`qala.exports.safe.safe`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in table(inv, catalog, state):
        w.writerow(safe_row(r[c] for c in COLUMNS))
    return buf.getvalue()
