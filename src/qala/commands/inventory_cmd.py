"""``qala inventory``: the GPC inventory from the store, or straight from files."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, console, print_json
from qala.commands.import_cmd import validate_files
from qala.inventory import export
from qala.inventory.engine import InventoryOptions
from qala.inventory.render import render
from qala.services.inventory import inventory_from_store, inventory_from_tables
from qala.store.seed import open_database


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Gwp(StrEnum):
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"


class ChpMethod(StrEnum):
    efficiency = "efficiency"
    energy_content = "energy_content"


def inventory_command(
    city: CityOpt = DEFAULT_CITY,
    year: Annotated[int | None, typer.Option("--year", help="Inventory year (default: the latest with data).")] = None,
    activity: Annotated[
        list[Path] | None,
        typer.Option("--activity", help="Compute straight from these activity files, without a database."),
    ] = None,
    gwp: Annotated[Gwp, typer.Option("--gwp", help="GWP-100 set.")] = Gwp.AR5,
    chp_method: Annotated[
        ChpMethod, typer.Option("--chp-method", help="CHP heat/power allocation method.")
    ] = ChpMethod.efficiency,
    grid_factor: Annotated[
        str | None,
        typer.Option(
            "--grid-factor", help="Grid-electricity factor id (see 'qala catalog grid'); default: the catalog's."
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the terminal.")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Compute the GPC inventory: BASIC, BASIC+ and territorial totals, rows with factors and sources."""
    options = InventoryOptions(gwp=gwp.value, chp_method=chp_method.value, grid_factor=grid_factor)
    if activity:
        inv = inventory_from_tables(validate_files(activity, city), city, year, options)
    else:
        inv = inventory_from_store(open_database(database), city, year, options)
    if fmt is Format.xlsx:
        if output is None:
            raise typer.BadParameter("--format xlsx needs --output FILE.xlsx", param_hint="--output")
        output.write_bytes(export.to_xlsx(inv))
        return
    if fmt is Format.csv:
        text = export.to_csv(inv)
    elif fmt is Format.json:
        if output is None:
            print_json(inv.to_dict())
            return
        import json  # noqa: PLC0415

        text = json.dumps(inv.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
    else:
        if output is None:
            render(inv, load_catalog(), console)
            return
        with output.open("w", encoding="utf-8") as fh:
            render(inv, load_catalog(), Console(file=fh, width=160, no_color=True))
        return
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
