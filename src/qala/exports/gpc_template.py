"""The GPC reporting template (XLSX): city information, sector/sub-sector x scope table, activity table.

The three sheets follow the GPC's reporting template as cities file it (the GCoM "eCRF" workbook's three
parts, docs/reports-and-exports.md): ``City information`` (the eCRF_1 labels, exact), ``Sector and scope``
(one row per GPC sub-sector, one column block per scope, a row of its own for each territorial-only cell,
I.4.4 and III.n.3; every GPC reference number is in the sheet next to its figure or notation key, none
is invented or left as a placeholder) and ``Activities`` (the eCRF_3 headers, exact: one row per activity
line, the factors and the tonnes of each gas; a cell without data is a row with its notation key).

The known errors of the best-known open template are not copied: off-road scope 2 is II.5.2, waste III.n.2
sits under "outside the boundary" and III.n.3 (waste brought in) is in-boundary scope 1, I.4.x and I.6.x
have rows, there is no II.5.3, no "NE" is written into a cell the GPC does not have, and the inventory year
is the year, never "Please select".
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from qala.catalog.catalog import Catalog
from qala.exports.cells import BIOGENIC, MAIN_GASES, cell_table
from qala.exports.safe import safe_workbook
from qala.exports.state import describe
from qala.inventory.result import Inventory

CITY_SHEET, TABLE_SHEET, ACTIVITY_SHEET = "City information", "Sector and scope", "Activities"
SCOPE_WORDS = {1: "Direct emissions", 2: "Indirect emissions", 3: "Outside city boundary"}
# eCRF_3 headers, exact (formats.md §1.6)
ACTIVITY_HEAD = (
    "Inventory year",
    "GPC ref. no.",
    "CRF - Sector",
    "CRF - Sub-sector",
    "Scope",
    "Fuel type or activity",
    "Notation key",
    "Activity data - Amount",
    "Activity data - Unit",
    "Activity data - Description and Methodology",
    "Activity data - Source",
    "Activity data - Data Quality",
    "Emission factor - Unit",
    "Emission factor - CO2",
    "Emission factor - CH4",
    "Emission factor - N2O",
    "Emission factor - Total CO2e",
    "Emission factor - Biogenic CO2",
    "Emission factor - Oxidation factor",
    "Emission factor - Year",
    "Emission factor - Scale",
    "Emission factor - Description",
    "Emission factor - Source",
    "Emission factor - Data Quality",
    "GHGs (metric tonnes CO2e) - CO2",
    "GHGs (metric tonnes CO2e) - CH4",
    "GHGs (metric tonnes CO2e) - N2O",
    "GHGs (metric tonnes CO2e) - Total CO2e",
    "GHGs (metric tonnes CO2e) - Biogenic CO2",
    "Activity data conversion - original activity",
    "Activity data conversion - original unit",
    "Activity data conversion - conversion value",
    "Activity data conversion - override used?",
)
TABLE_HEAD = (
    "Sector",
    "Sub-sector",
    "Scope 1 GPC ref.",
    "Scope 1 (t CO2e)",
    "Scope 1 notation key",
    "Scope 2 GPC ref.",
    "Scope 2 (t CO2e)",
    "Scope 2 notation key",
    "Scope 3 GPC ref.",
    "Scope 3 (t CO2e)",
    "Scope 3 notation key",
    "Notation key explanations",
)
QUALITY = {"high": "H", "medium": "M", "low": "L", "h": "H", "m": "M", "l": "L"}
COUNTRIES = {"KZ": "Kazakhstan", "UZ": "Uzbekistan", "KG": "Kyrgyzstan", "TJ": "Tajikistan", "TM": "Turkmenistan"}
MASS_OF_GAS_NOTE = "emissions given as the mass of each gas (no emission factor applied)"


def reporting_level(cells: pl.DataFrame) -> str:
    """BASIC+ when any BASIC+-only cell has a figure, else BASIC."""
    plus = cells.filter((pl.col("level") == "B+") & pl.col("notation_key").is_null())
    return "BASIC+" if plus.height else "BASIC"


def _city_sheet(ws: Worksheet, inv: Inventory, info: dict[str, Any], state: dict[str, Any], level: str) -> None:
    gwp = inv.methodology["gwp_set"]
    gases = [*MAIN_GASES, *(g for g in sorted(inv.rows["gas"].unique()) if g not in (*MAIN_GASES, BIOGENIC))]
    meth = inv.methodology
    method_text = (
        f"{meth['standard']}. Waste: {meth.get('waste_method', '')}. CHP allocation: "
        f"{meth.get('chp_allocation_method', '')}. Biogenic CO2 reported apart, outside every total. "
        "Activity data x emission factors per gas x GWP-100; estimates are marked in the Activities sheet."
    )
    rows: list[tuple[str, str, object]] = [
        ("", "Type", f"GPC {level}"),
        ("Boundary", "Name of city", info.get("name", inv.city)),
        ("", "Country", COUNTRIES.get(info.get("country", ""), info.get("country", ""))),
        ("", "Region", info.get("region", "")),
        ("", "City ID (GeoNames)", info.get("geonames", "")),
        ("", "City coordinate", info.get("coordinate", "")),
        ("", "Inventory year", inv.year),
        ("", "Geographic boundary", info.get("boundary", "")),
        ("", "Heating degree days (HDD, °C)", info.get("hdd")),
        ("", "Cooling degree days (CDD, °C)", info.get("cdd")),
        ("", "Land area (km2) within city boundary", info.get("area_km2")),
        ("", "Resident population within city boundary", info.get("population")),
        ("", "GDP (US$) of economic activity within city  boundary", info.get("gdp_usd")),
        ("", "Type of economy", info.get("economy", "")),
        ("", "Climate", info.get("climate", "")),
        ("", "Other information", info.get("other", "")),
        ("Inventory", "Inventory tool used", f"Qala {state['qala_version']} (catalog {state['catalog_version']})"),
        ("", "GPC reporting level", level),
        ("", "Greenhouse gases included in inventory", ", ".join(gases)),
        ("", "Global Warming Potential ", f"{gwp['code']} ({gwp['name']})"),
        (
            "",
            "Please explain your choice of GWP \n(if not AR4 or AR5)",
            "" if gwp["code"] in ("AR4", "AR5") else f"{gwp['code']}: {gwp['source']}",
        ),
        ("", "Description of overall methodology and tools used", method_text),
        ("", "Relevant local, regional and national regulations", info.get("regulations", "")),
        ("", "Comments on change in total emissions since last reported inventory", info.get("change", "")),
        ("", "Has the inventory been audited or verified by a third party?", info.get("audited", "No")),
        ("", "Name of auditor/verifier", info.get("auditor", "")),
        ("", "Year of audit/verification", info.get("audit_year")),
        ("", "Planned improvements", info.get("improvements", "")),
        ("Compiler/contact", "Compiler name", info.get("compiler", "")),
        ("", "Department", info.get("department", "")),
        ("", "Date", state["generated"][:10]),
        ("", "Version", describe(state)),
        ("", "Email", info.get("email", "")),
        ("", "Webpage", info.get("webpage", "")),
    ]
    for row in rows:
        ws.append(list(row))
    ws.append([])
    ws.append(["Inventory state", "state", state["state"]])
    ws.append(["", "data SHA-256", state["data_sha256"]])
    ws.append(["", "records", state["n_records"]])
    ws.append(["", "last import batch", state["last_batch"]])
    for src in info.get("sources", []):
        ws.append(["Sources", src[0], src[1]])
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["C"].width = 70


def _scope_block(sc: pl.DataFrame) -> list[object]:
    if sc.is_empty():
        return ["", None, ""]  # the GPC has no such cell: nothing to state, no notation key
    ref = sc["gpc_ref"][0]
    key = sc["notation_key"][0]
    return [ref, None if key else float(sc["tco2e"].fill_null(0).sum()), key or ""]


def _table_sheet(ws: Worksheet, inv: Inventory, cells: pl.DataFrame) -> None:
    ws.append(list(TABLE_HEAD))
    cells = cells.with_columns(
        pl.when(pl.col("level") == "T").then(pl.col("gpc_ref")).otherwise(pl.col("subsector")).alias("row")
    )
    for code in cells["row"].unique(maintain_order=True).to_list():
        part = cells.filter(pl.col("row") == code)
        name = part["subsector_name"][0]
        if part["level"][0] == "T":
            name = f"{name}: {part['meaning'][0]}"
        line: list[object] = [part["sector_name"][0], name]
        for scope in (1, 2, 3):
            line += _scope_block(part.filter(pl.col("scope") == scope))
        line.append(
            "; ".join(
                f"{r} {k}: {e}" for r, k, e in part.select("gpc_ref", "notation_key", "explanation").iter_rows() if k
            )
        )
        ws.append(line)
    ws.append([])
    ws.append(["Totals", "Scope 1 (territorial, incl. I.4.4 and III.n.3)", "", inv.totals["territorial"]])
    ws.append(["Totals", "Scope 2", "", inv.by_scope["2"]])
    ws.append(["Totals", "Scope 3", "", inv.by_scope["3"]])
    ws.append(["Totals", "BASIC", "", inv.totals["basic"]])
    ws.append(["Totals", "BASIC+", "", inv.totals["basic_plus"]])
    ws.append(["Totals", "Biogenic CO2 (t, outside every total)", "", inv.biogenic_co2_t])
    for col, width in (("A", 26), ("B", 44), ("L", 60)):
        ws.column_dimensions[col].width = width


def _quality(values: list[str | None]) -> str:
    """The lowest rating among the records of a line (H > M > L)."""
    letters = {QUALITY.get((v or "").strip().lower(), "") for v in values} - {""}
    for letter in ("L", "M", "H"):
        if letter in letters:
            return letter
    return ""


def _factor_quality(source: str) -> str:
    """Data quality of an emission factor: IPCC defaults L, national or city-derived M (docs)."""
    if not source:
        return ""
    return "L" if "IPCC" in source else "M"


def activity_lines(inv: Inventory, records: pl.DataFrame | None) -> list[dict[str, Any]]:
    """One line per activity of a cell (summed over gases), with factors and tonnes of each gas."""
    rows = inv.rows
    gwp = inv.methodology["gwp_set"]["values"]
    meta: dict[tuple[str, str], tuple[str, str]] = {}
    if records is not None and not records.is_empty():
        grouped = records.group_by("gpc_ref", "activity").agg(
            pl.col("source").drop_nulls().unique().sort().str.join("; "), pl.col("data_quality")
        )
        for ref, act, src, dq in grouped.iter_rows():
            meta[(ref, act)] = (src, _quality(list(dq)))
    lines = []
    keys = ["gpc_ref", "activity", "facility", "activity_unit", "status", "method"]
    for key, part in rows.group_by(keys, maintain_order=True):
        ref, act, fac, unit, status, method = key
        per_gas = {g: part.filter(pl.col("gas") == g) for g in (*MAIN_GASES, BIOGENIC)}
        mass_of_gas = bool(part["factor_source"].str.starts_with("the figure is the mass").all())
        factors = {g: (float(p["factor"][0]) if p.height and not mass_of_gas else None) for g, p in per_gas.items()}
        fsrc = " | ".join(sorted(set(part["factor_source"].drop_nulls().to_list())))
        src, dq = meta.get((ref, act), ("", ""))
        total_ef = None
        if not mass_of_gas:
            total_ef = sum((factors[g] or 0.0) * gwp.get(g, 0.0) for g in MAIN_GASES)
        lines.append(
            {
                "gpc_ref": ref,
                "activity": act + (f" ({fac})" if fac else ""),
                "amount": float(part["activity_amount"][0]),
                "unit": unit,
                "method": (
                    f"ESTIMATE ({method})"
                    if status == "estimated"
                    else ("reported: " + method if method else "reported")
                )
                + ("; " + str(part["conversion"][0]) if part["conversion"][0] else ""),
                "source": src,
                "quality": dq,
                "ef_unit": None if mass_of_gas else part["factor_unit"][0],
                "ef": factors,
                "ef_total": total_ef,
                "ef_description": MASS_OF_GAS_NOTE if mass_of_gas else "",
                "ef_source": fsrc,
                "ef_quality": "" if mass_of_gas else _factor_quality(fsrc),
                "t": {g: float(per_gas[g]["tco2e"].sum()) for g in MAIN_GASES},
                "total": float(part.filter(pl.col("gas") != BIOGENIC)["tco2e"].sum()),
                "biogenic": float(per_gas[BIOGENIC]["mass_t"].sum()) if per_gas[BIOGENIC].height else None,
                "canonical": (float(part["canonical_amount"][0]), part["canonical_unit"][0]),
            }
        )
    return lines


def _activity_sheet(ws: Worksheet, inv: Inventory, cells: pl.DataFrame, records: pl.DataFrame | None) -> None:
    ws.append(list(ACTIVITY_HEAD))
    info = {c["gpc_ref"]: c for c in cells.iter_rows(named=True)}
    lines = activity_lines(inv, records)
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_ref.setdefault(line["gpc_ref"], []).append(line)
    for ref, c in info.items():
        head = [inv.year, ref, c["sector_name"], c["subsector_name"], SCOPE_WORDS[c["scope"]]]
        if c["notation_key"]:
            ws.append([*head, "", c["notation_key"], *([None] * 14), c["explanation"] or ""])
            continue
        for ln in by_ref.get(ref, []):
            ws.append(
                [
                    *head,
                    ln["activity"],
                    "",
                    ln["amount"],
                    ln["unit"],
                    ln["method"],
                    ln["source"],
                    ln["quality"],
                    ln["ef_unit"],
                    ln["ef"]["CO2"],
                    ln["ef"]["CH4"],
                    ln["ef"]["N2O"],
                    ln["ef_total"],
                    ln["ef"][BIOGENIC],
                    None,
                    None,
                    None,
                    ln["ef_description"],
                    ln["ef_source"],
                    ln["ef_quality"],
                    ln["t"]["CO2"],
                    ln["t"]["CH4"],
                    ln["t"]["N2O"],
                    ln["total"],
                    ln["biogenic"],
                    ln["amount"],
                    ln["unit"],
                    ln["canonical"][0] / ln["amount"] if ln["amount"] else None,
                    "no",
                ]
            )


def to_xlsx(
    inv: Inventory,
    catalog: Catalog,
    state: dict[str, Any],
    info: dict[str, Any] | None = None,
    records: pl.DataFrame | None = None,
) -> bytes:
    """The workbook's bytes. ``records``: the year's activity records (sources and data quality)."""
    cells = cell_table(inv, catalog)
    level = reporting_level(cells)
    wb = Workbook()
    city = wb.active
    city.title = CITY_SHEET
    _city_sheet(city, inv, info or {}, state, level)
    _table_sheet(wb.create_sheet(TABLE_SHEET), inv, cells)
    _activity_sheet(wb.create_sheet(ACTIVITY_SHEET), inv, cells, records)
    bold = Font(bold=True)
    for sheet in (wb[TABLE_SHEET], wb[ACTIVITY_SHEET]):
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)
    return buf.getvalue()
