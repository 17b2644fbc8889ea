"""``qala import-inventory``: an existing inventory at sector level; ``qala reconcile``: it beside the
activity-based figures, cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, current_user, print_json
from qala.commands.inventory_cmd import Gwp
from qala.ingest.inventory_file import read_inventory_file
from qala.services.inventory import latest_year
from qala.services.reconcile import reconciliation
from qala.store import records
from qala.store.imported import import_inventory
from qala.store.seed import open_database


def import_inventory_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Qala's GPC reporting template (.xlsx) or a CSV of gpc_ref, scope, gas, tco2e, notation_key, "
            "source[, year][, explanation]."
        ),
    ],
    city: CityOpt = DEFAULT_CITY,
    year: Annotated[
        int | None, typer.Option("--year", help="Inventory year (when the file has no year column).")
    ] = None,
    gwp: Annotated[Gwp, typer.Option("--gwp", help="GWP-100 set of the file's t CO2e.")] = Gwp.AR5,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report only; write nothing.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Who imports (default: QALA_USER or the login name).")
    ] = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Import an existing inventory (sector level) as reported emissions, all-or-nothing, and reconcile it."""
    if not file.is_file():
        raise typer.BadParameter(f"no such file: {file}", param_hint="FILE")
    data = read_inventory_file(file, load_catalog(), year)
    engine = open_database(database)
    out = import_inventory(engine, data, city, who=current_user(user), gwp=gwp.value, dry_run=dry_run)
    years = sorted({f.year for f in data.figures})
    recon = [reconciliation(engine, city, y, gwp.value) for y in years] if not dry_run else []
    if fmt is TableOrJson.json:
        print_json({"import": out.to_dict(), "reconciliation": recon})
        return
    verb = "would import" if dry_run else "imported"
    console.print(
        f"{out.file}: {verb} {out.figures} figures for {city} ({', '.join(map(str, years))}), GWP {out.gwp}; "
        f"{out.replaced} earlier imported figures replaced; "
        f"notation keys written {len(out.keys_written)}, kept {len(out.keys_kept)}"
        + ("" if out.batch_id is None else f"; batch {out.batch_id}"),
        highlight=False,
        markup=False,
    )
    for r in recon:
        show_reconciliation(r)


def reconcile_command(
    city: CityOpt = DEFAULT_CITY,
    year: Annotated[int | None, typer.Option("--year", help="Inventory year (default: the latest).")] = None,
    gwp: Annotated[Gwp, typer.Option("--gwp", help="GWP-100 set.")] = Gwp.AR5,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Show an imported inventory beside the activity-based figures: t CO2e per cell and the difference."""
    engine = open_database(database)
    years = records.years_with_data(engine, city)
    chosen = year if year is not None else (latest_year(years) if years else None)
    if chosen is None:
        raise typer.BadParameter(f"there is no data for {city} yet", param_hint="--city")
    r = reconciliation(engine, city, chosen, gwp.value)
    if fmt is TableOrJson.json:
        print_json(r)
    else:
        show_reconciliation(r)


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}"


def show_reconciliation(r: dict[str, Any]) -> None:
    if not r["cells"]:
        console.print(f"{r['city']} {r['year']}: no imported inventory to reconcile", highlight=False, markup=False)
        return
    t = Table(title=f"Reconciliation {r['city']} {r['year']} (t CO2e, {r['gwp']})")
    for col in ("GPC ref", "Imported", "Qala (own)", "Own status", "Difference", "%", "Used"):
        t.add_column(col, justify="left" if col in ("GPC ref", "Used") else "right")
    for c in r["cells"]:
        pct = "-" if c["difference_pct"] is None else f"{c['difference_pct']:+.1f}"
        t.add_row(
            c["gpc_ref"],
            _num(c["imported_tco2e"]),
            _num(c["activity_tco2e"]),
            c["own_status"] or "-",
            _num(c["difference_tco2e"]),
            pct,
            c["used"],
        )
    tot = r["totals"]
    t.add_row(
        "total", _num(tot["imported_tco2e"]), _num(tot["activity_tco2e"]), "", "", "", _num(tot["inventory_tco2e"])
    )
    console.print(t)
