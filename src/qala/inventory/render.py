"""The inventory as Rich tables for the terminal."""

from __future__ import annotations

import re
from typing import Literal

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from qala.catalog import Catalog
from qala.inventory.result import Inventory

ROW_COLUMNS: tuple[tuple[str, Literal["left", "right"]], ...] = (
    ("GPC", "left"),
    ("Activity", "left"),
    ("Facility", "left"),
    ("Gas", "left"),
    ("Amount", "right"),
    ("Canonical", "right"),
    ("Factor", "right"),
    ("Mass t", "right"),
    ("t CO2e", "right"),
    ("Data", "left"),
    ("Factor source", "left"),
)


def short_source(source: str) -> str:
    """A short label for a factor's source; the full text is in the JSON, CSV and XLSX outputs."""
    table = re.search(r"Table (\d+(?:\.\d+)*)", source)
    if source.startswith("IPCC") and table:
        return f"IPCC 2006 T{table.group(1)}"
    if source.startswith("DERIVED"):
        return "derived (see catalog)"
    return source.split(":", maxsplit=1)[0][:40]


def _n(x: float | None, digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def render(inv: Inventory, catalog: Catalog, console: Console) -> None:
    console.print(
        Panel.fit(
            f"[bold]GPC inventory — {inv.city}, {inv.year}[/bold]\nGWP set {inv.gwp} (100-year); "
            f"unit {inv.unit}; catalog {catalog.version}",
            border_style="green",
        )
    )
    totals = Table(title="Totals", show_header=True)
    totals.add_column("Total")
    totals.add_column("t CO2e", justify="right")
    totals.add_column("From estimates", justify="right")
    labels = {"basic": "BASIC", "basic_plus": "BASIC+", "territorial": "Territorial (scope 1)"}
    shares = inv.share_estimated
    for k, v in inv.totals.items():
        totals.add_row(labels[k], _n(v), "-" if shares[k] is None else f"{shares[k]:.0%}")
    totals.add_row("Biogenic CO2 (outside totals), t", _n(inv.biogenic_co2_t))
    sectors = Table(title="By sector (BASIC+)")
    sectors.add_column("Sector")
    sectors.add_column("t CO2e", justify="right")
    keys = inv.sector_keys
    for code, sector_t in inv.by_sector.items():
        sectors.add_row(f"{code} {catalog.sectors[code]['en']}", keys[code] if sector_t is None else _n(sector_t))
    scopes = Table(title="By scope and gas")
    scopes.add_column("")
    scopes.add_column("t CO2e", justify="right")
    for k, v in inv.by_scope.items():
        scopes.add_row(f"Scope {k}", _n(v))
    for k, v in inv.by_gas.items():
        scopes.add_row(k, _n(v))
    console.print(totals, sectors, scopes)

    rows = Table(title="Rows (activity × factor → emissions)", show_lines=False)
    for col, just in ROW_COLUMNS:
        rows.add_column(col, justify=just, overflow="ellipsis" if col == "Factor source" else "fold")
    for r in inv.rows.iter_rows(named=True):
        rows.add_row(
            r["gpc_ref"],
            r["activity"],
            r["facility"] or "",
            r["gas"],
            f"{_n(r['activity_amount'], 2)} {r['activity_unit']}",
            f"{_n(r['canonical_amount'], 3)} {r['canonical_unit']}",
            f"{r['factor']:g} {r['factor_unit']}",
            _n(r["mass_t"], 2),
            _n(r["tco2e"], 1),
            r["status"] + (f" ({r['method']})" if r["method"] else ""),
            short_source(r["factor_source"] or ""),
        )
    console.print(rows)
    if inv.chp is not None:
        chp = Table(title=f"CHP allocation — {inv.chp.method.replace('_', '-')} method")
        for col in ("Facility", "Heat TJ", "Electricity TJ", "Heat share", "t CO2e"):
            chp.add_column(col, justify="left" if col == "Facility" else "right")
        for f in inv.chp.facilities:
            chp.add_row(f.facility, _n(f.heat_tj, 1), _n(f.power_tj, 1), f"{f.heat_share:.4f}", _n(f.emissions_tco2e))
        params = ", ".join(f"{k} = {v['value']:g}" for k, v in inv.chp.parameters.items())
        console.print(
            chp,
            f"Derived district-heat factor: {_n(inv.chp.heat_factor_tco2e_per_gcal, 4)} t CO2e/Gcal; "
            f"electricity factor: {_n(inv.chp.power_factor_tco2e_per_mwh, 4)} t CO2e/MWh. {params}",
        )
    keyed = sorted(inv.notation_keys.items())
    by_key: dict[str, list[str]] = {}
    for ref, nk in keyed:
        by_key.setdefault(nk.key, []).append(ref)
    console.print(Group(*(f"[bold]{k}[/bold]: {', '.join(refs)}" for k, refs in sorted(by_key.items()))), style="dim")
    declared = [(ref, nk) for ref, nk in keyed if not nk.explanation.startswith("not estimated: no activity")]
    for ref, nk in declared:
        console.print(f"  {ref} {nk.key}: {nk.explanation}", style="dim")
    for w in inv.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
