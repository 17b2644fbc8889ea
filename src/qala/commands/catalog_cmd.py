"""``qala catalog``: the reference data, every row with its source."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from qala.catalog import load_catalog
from qala.commands.common import TableOrJson, console, print_json


class Part(StrEnum):
    factors = "factors"
    ncv = "ncv"
    cells = "cells"
    gwp = "gwp"
    grid = "grid"
    activities = "activities"
    parameters = "parameters"


def catalog_command(
    part: Annotated[Part, typer.Argument(help="Which part of the catalog to show.")] = Part.factors,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
) -> None:
    """Show the reference catalog (emission factors, calorific values, GPC cells, GWP sets, grid factors)."""
    cat = load_catalog()
    if part is Part.factors:
        rows = [f.__dict__ for f in cat.factors.values()]
        rows.append(cat.waste_ch4_factor().__dict__)
    elif part is Part.ncv:
        rows = [n.__dict__ for n in cat.ncv.values()]
    elif part is Part.cells:
        rows = [{**c.__dict__, "subsector_names": dict(c.subsector_names)} for c in cat.cells.values()]
    elif part is Part.gwp:
        rows = [
            {**g.__dict__, "values": {k: g.values[k] for k in ("CO2", "CH4", "N2O")}} for g in cat.gwp_sets.values()
        ]
    elif part is Part.grid:
        rows = [g.__dict__ for g in cat.grid_factors.values()]
    elif part is Part.activities:
        rows = [{**a.__dict__, "names": dict(a.names)} for a in cat.activities.values()]
    else:
        rows = [p.__dict__ for p in (*cat.chp_parameters.values(), *cat.waste_parameters.values())]
    if fmt is TableOrJson.json:
        print_json({"catalog_version": cat.version, "sha256": cat.digest, "rows": rows})
        return
    t = Table(title=f"Catalog {cat.version} — {part.value}")
    cols = [c for c in rows[0] if c not in ("note",)]
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*(str(r[c]) for c in cols))
    console.print(t)
