"""The GPC reporting table as an XLSX workbook (GPC v1.1 chapter 4 reporting format, Tables 4.2-4.3 style).

Sheets: ``GPC table`` (one row per GPC reference number: gases in tonnes, total t CO2e, biogenic CO2, the
notation key where a cell is empty, BASIC/BASIC+ membership, activities and factor sources), ``By scope``
(one row per sub-sector, scope 1/2/3 columns per gas), ``Totals`` (BASIC, BASIC+, territorial, per scope,
per gas) and ``Methodology`` (GWP set with its values and source, catalog version, methods, notation keys).
"""

from __future__ import annotations

import io
import json

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from qala.catalog.catalog import Catalog
from qala.exports.cells import LEVEL_TITLES, MAIN_GASES, cell_table
from qala.exports.safe import safe_row
from qala.exports.state import describe
from qala.inventory.result import Inventory

NOTATION_KEYS = {
    "NO": "not occurring",
    "IE": "included elsewhere",
    "NE": "not estimated",
    "C": "confidential",
}
TABLE_HEAD = (
    "GPC ref. No.",
    "Sector",
    "Sub-sector",
    "Scope",
    "Level",
    "Notation key",
    "CO2 (t)",
    "CH4 (t)",
    "N2O (t)",
    "Other gases (t CO2e)",
    "Total (t CO2e)",
    "Biogenic CO2 (t, outside totals)",
    "In BASIC",
    "In BASIC+",
    "Activities",
    "Emission factor sources",
    "Notation key explanation",
)
NUMBERS = ("co2_t", "ch4_t", "n2o_t", "other_gases_tco2e", "tco2e", "biogenic_co2_t")


def _put(ws: Worksheet, values: list[object]) -> None:
    ws.append(safe_row(values))


def _table_sheet(ws: Worksheet, cells: pl.DataFrame) -> None:
    _put(ws, list(TABLE_HEAD))
    for c in cells.iter_rows(named=True):
        key = c["notation_key"]
        nums = [key if key else (c[n] or 0.0) for n in NUMBERS]
        _put(
            ws,
            [
                c["gpc_ref"],
                c["sector_name"],
                c["subsector_name"],
                c["scope"],
                LEVEL_TITLES[c["level"]],
                key or "",
                *nums,
                "yes" if c["in_basic"] else "no",
                "yes" if c["in_basic_plus"] else "no",
                c["activities"] or "",
                c["factor_sources"] or "",
                c["explanation"] or "",
            ],
        )


def _scope_sheet(ws: Worksheet, cells: pl.DataFrame) -> None:
    head: list[object] = ["Sub-sector", "Name"]
    for s in (1, 2, 3):
        head += [f"Scope {s} GPC refs", *(f"Scope {s} {g} (t)" for g in MAIN_GASES), f"Scope {s} total (t CO2e)"]
    _put(ws, head)
    for sub in cells["subsector"].unique(maintain_order=True).to_list():
        part = cells.filter(pl.col("subsector") == sub)
        line: list[object] = [sub, part["subsector_name"][0]]
        for s in (1, 2, 3):
            sc = part.filter(pl.col("scope") == s)
            if sc.is_empty():
                line += ["", "", "", "", ""]  # the GPC has no such cell
                continue
            keys = sc["notation_key"].drop_nulls().unique(maintain_order=True).to_list()
            if len(keys) == sc.height:  # every cell empty: show the key(s)
                shown = "/".join(keys)
                line += [", ".join(sc["gpc_ref"]), shown, shown, shown, shown]
                continue
            line += [", ".join(sc["gpc_ref"]), *(float(sc[f"{g.lower()}_t"].fill_null(0).sum()) for g in MAIN_GASES)]
            line.append(float(sc["tco2e"].fill_null(0).sum()))
        _put(ws, line)


def _totals_sheet(ws: Worksheet, inv: Inventory) -> None:
    _put(ws, ["Total", "t CO2e", "Rule"])
    rules = {
        "basic": "BASIC: stationary energy and transportation scopes 1+2, waste scopes 1+3 (level B cells)",
        "basic_plus": "BASIC+: BASIC plus T&D losses, transboundary transport, IPPU and AFOLU (levels B, B+)",
        "territorial": "Territorial: every scope-1 cell, including I.4.4 and waste imported for treatment",
    }
    for name, value in inv.totals.items():
        _put(ws, [name, value, rules[name]])
    for scope, value in inv.by_scope.items():
        _put(ws, [f"scope {scope}", value, "all cells of the scope"])
    for gas, value in inv.by_gas.items():
        _put(ws, [gas, value, "all cells, this gas"])
    _put(ws, ["biogenic CO2 (t)", inv.biogenic_co2_t, "reported apart, outside every total"])


def _methodology_sheet(ws: Worksheet, inv: Inventory, state: dict | None = None) -> None:
    _put(ws, ["Item", "Value"])
    if state is not None:
        _put(ws, ["Inventory state", describe(state)])
        _put(ws, ["Data SHA-256", state["data_sha256"]])
    _put(ws, ["City", inv.city])
    _put(ws, ["Inventory year", inv.year])
    _put(ws, ["Unit", inv.unit])
    meth = inv.methodology
    gwp = meth["gwp_set"]
    _put(ws, ["GWP set", f"{gwp['code']}: {gwp['name']}"])
    for gas, value in gwp["values"].items():
        _put(ws, [f"GWP-100 {gas}", value])
    _put(ws, ["GWP source", gwp["source"]])
    for key, value in meth.items():
        if key != "gwp_set":
            _put(ws, [key, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value])
    if inv.chp is not None:
        _put(ws, ["District heat factor (t CO2e/Gcal)", inv.chp.heat_factor_tco2e_per_gcal])
        _put(ws, ["Electricity factor (t CO2e/MWh)", inv.chp.power_factor_tco2e_per_mwh])
    for key, meaning in NOTATION_KEYS.items():
        _put(ws, [f"Notation key {key}", meaning])
    for warning in inv.warnings:
        _put(ws, ["Warning", warning])


def to_xlsx(inv: Inventory, catalog: Catalog, state: dict | None = None) -> bytes:
    """The workbook's bytes; every text cell through :func:`qala.exports.safe.safe`. ``state``: where the
    figures come from (:func:`qala.exports.state.inventory_state`), stated in the Methodology sheet."""
    cells = cell_table(inv, catalog)
    wb = Workbook()
    table = wb.active
    table.title = "GPC table"
    _table_sheet(table, cells)
    _scope_sheet(wb.create_sheet("By scope"), cells)
    _totals_sheet(wb.create_sheet("Totals"), inv)
    _methodology_sheet(wb.create_sheet("Methodology"), inv, state)
    bold = Font(bold=True)
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = bold
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
