"""The inventory as CSV text or an XLSX workbook (bytes); no file or terminal access here."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.styles import Font

from qala.exports.safe import safe as _safe
from qala.exports.safe import safe_row, safe_workbook
from qala.inventory.result import ROW_COLUMNS, Inventory


def to_csv(inv: Inventory) -> str:
    """One long table: the emission rows, then one row per GPC cell that carries a notation key."""
    buf = io.StringIO()
    cols = ["city", "year", "gwp", *ROW_COLUMNS, "notation_key", "explanation"]
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for row in inv.rows.select(ROW_COLUMNS).iter_rows(named=True):
        w.writerow(safe_row((inv.city, inv.year, inv.gwp, *(row[c] for c in ROW_COLUMNS), "", "")))
    for ref, nk in sorted(inv.notation_keys.items()):
        blank = [""] * len(ROW_COLUMNS)
        blank[0] = ref
        w.writerow(safe_row([inv.city, inv.year, inv.gwp, *blank, nk.key, nk.explanation]))
    return buf.getvalue()


def to_xlsx(inv: Inventory) -> bytes:
    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    ws.title = "Summary"
    ws.append(["City", inv.city])
    ws.append(["Year", inv.year])
    ws.append(["GWP set", inv.gwp])
    ws.append(["Unit", inv.unit])
    ws.append([])
    ws.append(["Total", "t CO2e", "share from estimates"])
    for name, value in inv.totals.items():
        ws.append([name, value, inv.share_estimated[name]])
    ws.append([])
    ws.append(["Sector (BASIC+)", "t CO2e", "notation key"])
    keys = inv.sector_keys
    for name, sector_value in inv.by_sector.items():
        ws.append([name, sector_value, keys.get(name)])
    ws.append([])
    ws.append(["Scope", "t CO2e"])
    for name, value in inv.by_scope.items():
        ws.append([name, value])
    ws.append([])
    ws.append(["Gas", "t CO2e"])
    for name, value in inv.by_gas.items():
        ws.append([name, value])
    ws.append(["Biogenic CO2 (outside totals)", inv.biogenic_co2_t])
    rows = wb.create_sheet("Rows")
    rows.append(list(ROW_COLUMNS))
    for row in inv.rows.select(ROW_COLUMNS).iter_rows():
        rows.append([_safe(v) for v in row])
    keys = wb.create_sheet("Notation keys")
    keys.append(["gpc_ref", "key", "explanation"])
    for ref, nk in sorted(inv.notation_keys.items()):
        keys.append([ref, nk.key, _safe(nk.explanation)])
    meth = wb.create_sheet("Methodology")
    meth.append(["item", "value"])
    for key, value in inv.to_dict()["methodology"].items():
        meth.append([key, _safe(json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value)])
    if inv.chp is not None:
        chp = wb.create_sheet("CHP allocation")
        chp.append(["method", inv.chp.method])
        chp.append(["district heat factor, t CO2e/Gcal", inv.chp.heat_factor_tco2e_per_gcal])
        chp.append(["electricity factor, t CO2e/MWh", inv.chp.power_factor_tco2e_per_mwh])
        chp.append([])
        chp.append(["facility", "heat TJ", "electricity TJ", "heat share", "emissions t CO2e"])
        for f in inv.chp.facilities:
            chp.append([f.facility, f.heat_tj, f.power_tj, f.heat_share, f.emissions_tco2e])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = bold
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)
    return buf.getvalue()
