"""Compute an inventory from the store or straight from validated files."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Engine

from qala.catalog import load_catalog
from qala.ingest.validate import ValidatedTable
from qala.inventory import layers
from qala.inventory.engine import InventoryError, InventoryOptions, compute_inventory
from qala.inventory.result import Inventory
from qala.store import records
from qala.store.records import known_cities


def inventory_from_store(engine: Engine, city: str, year: int | None, options: InventoryOptions) -> Inventory:
    with engine.connect() as conn:
        cities = known_cities(conn)
    if city not in cities:
        raise InventoryError([f"unknown city '{city}'; known cities: {', '.join(cities) or 'none'}"])
    years = records.years_with_data(engine, city)
    if not years:
        raise InventoryError([f"there is no activity data for {city} yet: import some with 'qala import'"])
    chosen = latest_year(years) if year is None else year
    if chosen not in years:
        raise InventoryError(
            [f"no activity data for {city} in {chosen}; years with data: {', '.join(map(str, years))}"]
        )
    keys = records.notation_keys(engine, city, chosen)
    ie = frozenset(ref for ref, nk in keys.items() if nk.key == "IE")
    frame, _ = layers.split(records.activity_frame(engine, city, chosen), ie)  # an imported tonne counts once
    return compute_inventory(frame, load_catalog(), city=city, year=chosen, options=options, notation_keys=keys)


def latest_year(years: list[int]) -> int:
    """The newest year with data that is not in the future (projections are shown only when asked for)."""
    past = [y for y in years if y <= date.today().year]
    return past[-1] if past else years[0]


def inventory_from_tables(
    tables: list[ValidatedTable], city: str, year: int | None, options: InventoryOptions
) -> Inventory:
    frame = pl.concat([t.records for t in tables], how="vertical").filter(pl.col("city") == city)
    if frame.is_empty():
        raise InventoryError([f"the files hold no rows for city '{city}'"])
    years = sorted(frame["year"].unique().to_list())
    chosen = years[-1] if year is None else year
    if chosen not in years:
        raise InventoryError([f"the files hold no rows for {chosen}; years present: {', '.join(map(str, years))}"])
    return compute_inventory(
        frame.filter(pl.col("year") == chosen), load_catalog(), city=city, year=chosen, options=options
    )
