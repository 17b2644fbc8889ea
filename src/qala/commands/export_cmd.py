"""``qala export``: the GPC table (XLSX), the GPC reporting template (XLSX), the CDP-ICLEI Track emissions
questions (CSV), the Covenant of Mayors BEI and SECAP (XLSX), a CDP-style table (CSV), scenarios in the IAMC
format (CSV), the information base as a Frictionless data package (directory or .zip)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from sqlalchemy import Engine, select

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, err
from qala.commands.import_cmd import validate_files
from qala.commands.inventory_cmd import Gwp
from qala.exports import cdp_csv, cdp_track, com, datapackage, gpc_template, gpc_xlsx, iamc
from qala.exports.city_info import city_info
from qala.exports.state import files_state, inventory_state
from qala.inventory.engine import InventoryOptions
from qala.inventory.result import Inventory
from qala.services import scenario as svc
from qala.services.inventory import inventory_from_store, inventory_from_tables
from qala.store import records
from qala.store.models import City
from qala.store.seed import open_database


class Kind(StrEnum):
    gpc = "gpc"
    cdp = "cdp"
    iamc = "iamc"
    datapackage = "datapackage"
    gpc_template = "gpc-template"
    cdp_track = "cdp-track"
    com = "com"


class Lang(StrEnum):
    en = "en"
    ru = "ru"
    kk = "kk"


SUFFIXES = {
    Kind.gpc: (".xlsx",),
    Kind.cdp: (".csv",),
    Kind.iamc: (".csv",),
    Kind.datapackage: (".zip", ""),
    Kind.gpc_template: (".xlsx",),
    Kind.cdp_track: (".csv",),
    Kind.com: (".xlsx",),
}
INVENTORY_KINDS = (Kind.gpc, Kind.cdp, Kind.gpc_template, Kind.cdp_track, Kind.com)


def _check(kind: Kind, output: Path, year: int | None, scenarios: list[str], activity: list[Path]) -> None:
    """Refuse options that do not apply to the kind, and outputs that cannot be written."""
    wrong = []
    if kind not in INVENTORY_KINDS:
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


def _stated(
    database: str | None, city: str, year: int | None, gwp: Gwp, activity: list[Path]
) -> tuple[Inventory, dict, pl.DataFrame]:
    """The inventory, the state it comes from (:func:`qala.exports.state.inventory_state`) and its records."""
    options = InventoryOptions(gwp=gwp.value)
    if activity:
        tables = validate_files(activity, city)
        inv = inventory_from_tables(tables, city, year, options)
        frame = pl.concat([t.records for t in tables], how="vertical").filter(
            (pl.col("city") == city) & (pl.col("year") == inv.year)
        )
        frame = frame.with_columns(pl.col(c).cast(pl.String) for c in ("gpc_ref", "activity") if c in frame.columns)
        return inv, files_state(frame.drop("city", "source_row", strict=False), city, inv.year), frame
    engine = open_database(database)
    inv = inventory_from_store(engine, city, year, options)
    return inv, inventory_state(engine, city, inv.year), records.activity_frame(engine, city, inv.year)


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
    kind: Annotated[
        Kind,
        typer.Argument(
            help="gpc (XLSX), gpc-template (the GPC reporting template, XLSX), cdp-track (CDP-ICLEI Track, CSV), "
            "com (Covenant of Mayors BEI and SECAP, XLSX), cdp (CSV), iamc (CSV) or "
            "datapackage (directory or .zip)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File (or directory for a data package) to write.")],
    city: CityOpt = DEFAULT_CITY,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Inventory year (gpc, gpc-template, cdp, cdp-track; default: the latest)."),
    ] = None,
    gwp: Annotated[Gwp, typer.Option("--gwp", help="GWP-100 set.")] = Gwp.AR5,
    activity: Annotated[
        list[Path] | None,
        typer.Option("--activity", help="gpc, cdp: compute straight from these activity files, without a database."),
    ] = None,
    compiler: Annotated[str, typer.Option("--compiler", help="gpc-template: the compiler's name and contact.")] = "",
    lang: Annotated[Lang, typer.Option("--lang", help="com: language of the labels.")] = Lang.en,
    target_year: Annotated[
        int, typer.Option("--target-year", help="com: year of the SECAP actions' savings and reductions.")
    ] = 2030,
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", help="iamc: a scenario to export (repeat; default: all).")
    ] = None,
    draws: Annotated[int, typer.Option("--draws", min=1, max=1_000_000, help="iamc: Monte Carlo draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="iamc: random seed.")] = 1,
    database: DatabaseOpt = None,
) -> None:
    """Export the GPC table, the GPC reporting template, the CDP-ICLEI Track questions, the Covenant of Mayors BEI and
    SECAP, a CDP-style table, scenarios (IAMC) or the data package."""
    _check(kind, output, year, scenario or [], activity or [])
    if kind is Kind.gpc_template:
        inv, state, recs = _stated(database, city, year, gwp, activity or [])
        info = {**city_info(city, inv.year), "compiler": compiler}
        output.write_bytes(gpc_template.to_xlsx(inv, load_catalog(), state, info, recs))
    elif kind is Kind.com:
        if activity:
            raise typer.BadParameter("the SECAP table needs the city's model and database", param_hint="--activity")
        inv, state, _ = _stated(database, city, year, gwp, [])
        acts = com.actions(open_database(database), city, target_year, gwp.value)
        pop = city_info(city, inv.year).get("population")
        output.write_bytes(com.to_xlsx(inv, state, lang.value, pop, acts, target_year))
    elif kind is Kind.cdp_track:
        inv, state, _ = _stated(database, city, year, gwp, activity or [])
        output.write_text(cdp_track.to_csv(inv, state, city_info(city, inv.year)), encoding="utf-8")
    elif kind in (Kind.gpc, Kind.cdp):
        inv, state, _ = _stated(database, city, year, gwp, activity or [])
        if kind is Kind.gpc:
            output.write_bytes(gpc_xlsx.to_xlsx(inv, load_catalog(), state))
        else:
            output.write_text(cdp_csv.to_csv(inv, load_catalog(), state), encoding="utf-8")
    elif kind is Kind.iamc:
        output.write_text(_iamc(database, city, scenario or [], draws, seed, gwp), encoding="utf-8")
    else:
        engine = open_database(database)
        _city_name(engine, city)
        datapackage.write(datapackage.build(engine, city, load_catalog()), output)
    err.print(f"Wrote {output}", highlight=False, markup=False)
