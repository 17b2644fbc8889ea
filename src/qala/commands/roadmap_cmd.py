"""``qala roadmap``: show, update and export the strategy roadmap."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, current_user, print_json
from qala.roadmap import export
from qala.roadmap.model import RoadmapError
from qala.store import roadmap as store
from qala.store.seed import open_database

app = typer.Typer(help="The strategy roadmap: sections, activities, the expert group, partners.", no_args_is_help=True)
AsOf = Annotated[str | None, typer.Option("--as-of", help="Date for 'overdue' (default: today), e.g. 2025-01-31.")]
Lang = Annotated[str, typer.Option("--lang", help="kk, ru or en.")]


def _as_of(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError as exc:
        raise typer.BadParameter("a date such as 2025-01-31", param_hint="--as-of") from exc


def _lang(lang: str) -> str:
    if lang not in ("kk", "ru", "en"):
        raise typer.BadParameter("kk, ru or en", param_hint="--lang")
    return lang


@app.command("show")
def show(
    city: CityOpt = DEFAULT_CITY,
    as_of: AsOf = None,
    lang: Lang = "en",
    fmt: Annotated[TableOrJson, typer.Option("--format")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Sections, activities, owners, deadlines, status and progress, the expert group, partners."""
    rm = store.load_roadmap(open_database(database), city)
    data = export.to_dict(rm, _as_of(as_of), _lang(lang))
    if fmt is TableOrJson.json:
        print_json(data)
        return
    t = Table(title=f"{data['title']} — {data['progress']:.1f} % (as of {data['as_of']})")
    for col in ("Code", "Activity", "Owner", "Due", "Status", "%"):
        t.add_column(col, overflow="fold", justify="right" if col == "%" else "left")
    for s in data["sections"]:
        t.add_row(f"[bold]{s['code']}[/bold]", f"[bold]{s['title']}[/bold]", "", "", "", f"{s['progress']:.0f}")
        for a in s["activities"]:
            style = "red" if a["status"] == "overdue" else ""
            t.add_row(
                a["code"],
                a["title"] + (" *" if a["placeholder"] else ""),
                a["owner"],
                a["due"],
                f"[{style}]{a['status']}[/{style}]" if style else a["status"],
                f"{a['progress']:.0f}",
            )
    console.print(t)
    console.print(
        f"Expert group: {len(data['expert_group'])} members; partners: "
        f"{', '.join(p['code'] for p in data['partners'])}. * = illustrative placeholder for the city to replace."
    )


@app.command("update")
def update(
    code: Annotated[str, typer.Argument(help="Activity code, e.g. 2.3.")],
    status: Annotated[str | None, typer.Option("--status", help="planned, in_progress, done or cancelled.")] = None,
    progress: Annotated[float | None, typer.Option("--progress", help="Progress in %, 0-100.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="New start date.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="New due date.")] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why (kept in the history).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Who (default: QALA_USER or the login name).")] = None,
    city: CityOpt = DEFAULT_CITY,
    database: DatabaseOpt = None,
) -> None:
    """Change an activity's status, progress or dates, with a comment; refused when a rule is broken."""
    try:
        a = store.update_activity(
            open_database(database),
            city,
            code,
            who=current_user(user),
            status=status,
            progress=progress,
            start=date.fromisoformat(start) if start else None,
            due=date.fromisoformat(due) if due else None,
            comment=comment,
        )
    except ValueError as exc:
        if isinstance(exc, RoadmapError):
            raise
        raise RoadmapError("roadmap.cli_dates", detail=str(exc)) from exc
    console.print(f"{a.code}: {a.status}, {a.progress:g} %, {a.start} – {a.due}")


@app.command("export")
def export_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.xlsx or .ics).")],
    city: CityOpt = DEFAULT_CITY,
    as_of: AsOf = None,
    lang: Lang = "en",
    database: DatabaseOpt = None,
) -> None:
    """Export the roadmap to XLSX, or its deadlines to an iCalendar file (by the file's extension)."""
    rm = store.load_roadmap(open_database(database), city)
    today, lang = _as_of(as_of), _lang(lang)
    if output.suffix.lower() == ".xlsx":
        output.write_bytes(export.to_xlsx(rm, today, lang))
    elif output.suffix.lower() == ".ics":
        output.write_bytes(export.to_ics(rm, today, lang))
    else:
        raise typer.BadParameter("a .xlsx or .ics file", param_hint="--output")
    console.print(f"Wrote {output}.")
