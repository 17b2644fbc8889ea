"""``qala assess``: ecological-state indicators with their ratings, co-benefits, and target alignment."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, print_json
from qala.services.assessment import assess
from qala.store.seed import open_database

COLOURS = {"green": "green", "amber": "yellow", "red": "red"}


def assess_command(
    city: CityOpt = DEFAULT_CITY,
    lang: Annotated[str, typer.Option("--lang", help="kk, ru or en.")] = "en",
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Ecological-state indicators rated against benchmarks; air-pollutant co-benefits; alignment with documents."""
    if lang not in ("kk", "ru", "en"):
        raise typer.BadParameter("kk, ru or en", param_hint="--lang")
    data = assess(open_database(database), city, lang)
    if fmt is TableOrJson.json:
        print_json(data)
        return
    t = Table(title=f"Ecological state — {city}")
    for col in ("Theme", "Indicator", "Value", "Year", "Rating", "Benchmark (green / red)"):
        t.add_column(col, overflow="fold")
    for i in data["indicators"]:
        value = "unknown" if i["value"] is None else f"{i['value']:,.4g} {i['unit']}"
        bench = "—" if i["benchmark"] is None else f"{i['benchmark']['green']:g} / {i['benchmark']['red']:g}"
        colour = COLOURS.get(i["rating"])
        rating = f"[{colour}]{i['rating']}[/{colour}]" if colour else i["rating"]
        t.add_row(i["theme"], i["name"], value, str(i["year"] or "—"), rating, bench)
    console.print(t)
    inv = (data.get("cobenefits") or {}).get("inventory")
    if inv:
        console.print(
            "Air pollutants from the inventory (t): " + ", ".join(f"{p} {v:,.0f}" for p, v in inv["totals"].items())
        )
    a = Table(title="Targets of strategic documents")
    for col in ("Document", "Target", "Year", "Status", "Detail"):
        a.add_column(col, overflow="fold")
    for row in data["alignment"]:
        detail = row.get("why") or ", ".join(f"{k}: {v['p50']:,.4g}" for k, v in (row.get("scenarios") or {}).items())
        if not detail and "current" in row:
            detail = f"current {row['current']:g} vs {row['limit']:g}"
        a.add_row(row["document"], row["target"], str(row["target_year"]), row["status"], detail)
    console.print(a)
