"""``qala records`` and ``qala history``: what the information base holds, and where it came from."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, print_json
from qala.store import records
from qala.store.seed import open_database


def records_command(
    city: CityOpt = DEFAULT_CITY,
    year: Annotated[int | None, typer.Option("--year", help="Only this year.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include superseded figures.")] = False,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """List activity records with their provenance (file, SHA-256, row, who, when)."""
    rows = records.record_provenance(open_database(database), city, year, include_superseded=all_)
    if fmt is TableOrJson.json:
        print_json(rows)
        return
    t = Table(title=f"Activity records — {city}")
    for col in ("#", "Year", "GPC", "Activity", "Facility", "Amount", "File (row)", "SHA-256", "Who", "When", "State"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            str(r["id"]),
            str(r["year"]),
            r["gpc_ref"],
            r["activity"],
            r["facility"],
            f"{r['amount']:,.4g} {r['unit']}",
            f"{r['file_name']} ({r['source_row']})",
            r["sha256"][:12],
            r["imported_by"],
            str(r["imported_at"])[:19],
            "current" if r["superseded_by"] is None else f"superseded by #{r['superseded_by']}",
        )
    console.print(t)


def history_command(
    gpc_ref: Annotated[str, typer.Argument(help="GPC reference, e.g. I.4.4.")],
    activity: Annotated[str, typer.Argument(help="Activity code, e.g. other_bituminous_coal.")],
    year: Annotated[int, typer.Option("--year", help="Year of the figure.")],
    facility: Annotated[str, typer.Option("--facility", help="Facility code, if the figure has one.")] = "",
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Every figure ever imported for one year / GPC cell / activity / facility, oldest first."""
    rows = records.history(open_database(database), city, year, gpc_ref, activity, facility)
    if fmt is TableOrJson.json:
        print_json(rows)
        return
    if not rows:
        console.print(f"No figures for {city} {year} {gpc_ref} {activity} {facility}".rstrip())
        return
    t = Table(title=f"History — {city} {year} {gpc_ref} {activity} {facility}".rstrip())
    for col in ("#", "Amount", "Source", "File (row)", "Who", "When", "State"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            str(r["id"]),
            f"{r['amount']:,.6g} {r['unit']}",
            r["source"] or "",
            f"{r['file_name']} ({r['source_row']})",
            r["imported_by"],
            str(r["imported_at"])[:19],
            "current" if r["superseded_by"] is None else f"superseded by #{r['superseded_by']}",
        )
    console.print(t)
