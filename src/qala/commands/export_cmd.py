"""``qala export``: the GPC table (XLSX), a CDP-ICLEI-Track-style table (CSV), scenarios in the IAMC format
(CSV), the information base as a Frictionless data package (directory or .zip)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, select

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, err
from qala.commands.import_cmd import validate_files
from qala.commands.inventory_cmd import Gwp
from qala.exports import cdp_csv, datapackage, gpc_xlsx, iamc
from qala.inventory.engine import InventoryOptions
from qala.inventory.result import Inventory
from qala.services import scenario as svc
from qala.services.inventory import inventory_from_store, inventory_from_tables
from qala.store.models import City
from qala.store.seed import open_database


class Kind(StrEnum):
    gpc = "gpc"
    cdp = "cdp"
    iamc = "iamc"
    datapackage = "datapackage"


SUFFIXES = {Kind.gpc: (".xlsx",), Kind.cdp: (".csv",), Kind.iamc: (".csv",), Kind.datapackage: (".zip", "")}


def _check(kind: Kind, output: Path, year: int | None, scenarios: list[str], activity: list[Path]) -> None:
    """Refuse options that do not apply to the kind, and outputs that cannot be written."""
    wrong = []
    if kind not in (Kind.gpc, Kind.cdp):
        wrong += [name for name, given in (("--year", year is not None), ("--activity", bool(activity))) if given]
    if kind is not Kind.iamc and scenarios:
        wrong.append("--scenario")
    if wrong:
        raise typer.BadParameter(f"{', '.join(wrong)} does not apply to 'qala export {kind.value}'")
    allowed = SUFFIXES[kind]
    if output.suffix.lower() not in allowed:
        shown = " or ".join(f"a {s} file" if s else "a directory" for s in allowed)
        raise typer.BadParameter(f"'qala export {kind.value}' writes {shown}, not '{output}'", param_hint="--output")
    if not output.parent.is_dir():
        raise typer.BadParameter(f"the folder {output.parent} does not exist", param_hint="--output")


def _inventory(database: str | None, city: str, year: int | None, gwp: Gwp, activity: list[Path]) -> Inventory:
    options = InventoryOptions(gwp=gwp.value)
    if activity:
        return inventory_from_tables(validate_files(activity, city), city, year, options)
    return inventory_from_store(open_database(database), city, year, options)


def _city_name(engine: Engine, city: str) -> str:
    with engine.connect() as conn:
        name = conn.execute(select(City.name_en).where(City.code == city)).scalar()
    if name is None:
        raise typer.BadParameter(f"unknown city '{city}'", param_hint="--city")
    return name


def _iamc(database: str | None, city: str, scenarios: list[str], draws: int, seed: int, gwp: Gwp) -> str:
    engine = open_database(database)
    region = _city_name(engine, city)
    model, _ = svc.resolve("", city, engine)  # the city's own model (bundled, or derived for a synthetic city)
    unknown = [s for s in scenarios if s not in model.scenarios]
    if unknown:
        raise typer.BadParameter(
            f"unknown scenario(s) {', '.join(unknown)}; the model has {', '.join(model.scenarios)}",
            param_hint="--scenario",
        )
    results = [  # reduced as `qala scenario run` is: the same numbers
        svc.summarise(engine, model, name, draws=draws, seed=seed, gwp=gwp.value)
        for name in scenarios or model.scenarios
    ]
    return iamc.to_csv(iamc.wide_frame(results, region))


def export_command(
    kind: Annotated[Kind, typer.Argument(help="gpc (XLSX), cdp (CSV), iamc (CSV) or datapackage (directory or .zip).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File (or directory for a data package) to write.")],
    city: CityOpt = DEFAULT_CITY,
    year: Annotated[int | None, typer.Option("--year", help="Inventory year (gpc, cdp; default: the latest).")] = None,
    gwp: Annotated[Gwp, typer.Option("--gwp", help="GWP-100 set.")] = Gwp.AR5,
    activity: Annotated[
        list[Path] | None,
        typer.Option("--activity", help="gpc, cdp: compute straight from these activity files, without a database."),
    ] = None,
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", help="iamc: a scenario to export (repeat; default: all).")
    ] = None,
    draws: Annotated[int, typer.Option("--draws", min=1, max=1_000_000, help="iamc: Monte Carlo draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="iamc: random seed.")] = 1,
    database: DatabaseOpt = None,
) -> None:
    """Export the GPC table, a CDP-ICLEI-Track-style table, scenarios (IAMC) or the data package."""
    _check(kind, output, year, scenario or [], activity or [])
    if kind in (Kind.gpc, Kind.cdp):
        inv = _inventory(database, city, year, gwp, activity or [])
        if kind is Kind.gpc:
            output.write_bytes(gpc_xlsx.to_xlsx(inv, load_catalog()))
        else:
            output.write_text(cdp_csv.to_csv(inv, load_catalog()), encoding="utf-8")
    elif kind is Kind.iamc:
        output.write_text(_iamc(database, city, scenario or [], draws, seed, gwp), encoding="utf-8")
    else:
        engine = open_database(database)
        _city_name(engine, city)
        datapackage.write(datapackage.build(engine, city, load_catalog()), output)
    err.print(f"Wrote {output}", highlight=False, markup=False)
