"""``qala scenario variant``: the expert group's variants of a scenario from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, current_user, print_json
from qala.scenario.variants import VariantError
from qala.services import variants as var
from qala.store.seed import open_database

app = typer.Typer(
    help="Variants of a scenario: changed parameters or measures, saved with a comment, compared, promoted.",
    no_args_is_help=True,
)
SHOWN = (2030, 2040, 2050, 2060)
ChangesOpt = Annotated[
    Path | None,
    typer.Option("--changes", help="JSON file with the list of changes (see docs/scenarios.md)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="PARAMETER=VALUE or PARAMETER=YEAR:VALUE,YEAR:VALUE (a constant or a path)."),
]
UserOpt = Annotated[str | None, typer.Option("--user", help="Who (default: QALA_USER or the login name).")]


def _changes(path: Path | None, sets: list[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if path is not None:
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"{path}: {exc}", param_hint="--changes") from exc
        if not isinstance(loaded, list):
            raise typer.BadParameter("a JSON list of changes", param_hint="--changes")
        out.extend(loaded)
    for item in sets or ():
        name, _, value = item.partition("=")
        try:
            if ":" in value:
                path_ = {int(y): float(v) for y, v in (p.split(":") for p in value.split(","))}
                out.append({"parameter": name.strip(), "path": path_})
            else:
                out.append({"parameter": name.strip(), "value": float(value)})
        except ValueError as exc:
            raise typer.BadParameter("PARAMETER=VALUE or PARAMETER=YEAR:VALUE,...", param_hint="--set") from exc
    return out


def _fail(exc: Exception) -> typer.Exit:
    for p in getattr(exc, "problems", [str(exc)]):
        console.print(f"[red]{p}[/red]")
    return typer.Exit(2)


def _row(years: list[int], band: dict[str, list[float]]) -> list[str]:
    return [
        f"{band['p50'][years.index(y)]:,.0f} ({band['p05'][years.index(y)]:,.0f}–{band['p95'][years.index(y)]:,.0f})"
        for y in SHOWN
        if y in years
    ]


@app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="Name of the variant (a new version if it exists).")],
    scenario: Annotated[str, typer.Option("--scenario", help="The scenario it varies.")] = "low-carbon",
    changes: ChangesOpt = None,
    sets: SetOpt = None,
    comment: Annotated[str, typer.Option("--comment", help="What it changes and why (required).")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the result; save nothing.")] = False,
    basis: Annotated[str | None, typer.Option("--basis", help="territorial, basic or basic_plus.")] = None,
    user: UserOpt = None,
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[TableOrJson, typer.Option("--format")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Create a variant of a scenario: show its result with its band and its difference, then save it."""
    engine = open_database(database)
    chosen = _changes(changes, sets)
    try:
        shown = var.preview(engine, city, scenario, chosen, basis=basis)
        saved = None if dry_run else var.save(engine, city, name, scenario, chosen, comment, current_user(user))
    except VariantError as exc:
        raise _fail(exc) from exc
    if fmt is TableOrJson.json:
        print_json({"preview": shown, "saved": saved})
        return
    t = Table(title=f"{name} vs {scenario} ({shown['basis']}), t CO2e: median (5–95 %)")
    t.add_column("")
    for y in SHOWN:
        t.add_column(str(y), justify="right")
    t.add_row(scenario, *_row(shown["years"], shown["scenario_total"]))
    t.add_row(name, *_row(shown["years"], shown["variant_total"]))
    t.add_row("difference", *_row(shown["years"], shown["difference"]))
    console.print(t)
    console.print("not saved (--dry-run)" if saved is None else f"saved: id {saved['id']}, version {saved['version']}")


@app.command("list")
def list_command(
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[TableOrJson, typer.Option("--format")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """The saved variants, every version, with their status (draft or official)."""
    rows = var.listing(open_database(database), city)
    if fmt is TableOrJson.json:
        print_json(rows)
        return
    t = Table(title="Variants")
    for col in ("Id", "Name", "Version", "Scenario", "Status", "By", "Comment"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["id"]), r["name"], str(r["version"]), r["scenario"], r["status"], r["created_by"], r["comment"])
    console.print(t)


@app.command("show")
def show_command(
    variant_id: Annotated[int, typer.Argument(help="Id of the variant (see list).")],
    city: CityOpt = DEFAULT_CITY,
    database: DatabaseOpt = None,
) -> None:
    """A variant as JSON: its changes, comment, status, comments, and its result (standard draws and seed)."""
    engine = open_database(database)
    try:
        data = var.get(engine, city, variant_id)
        data["result"] = var.run_saved(engine, city, variant_id)
    except (var.VariantNotFound, VariantError) as exc:
        raise _fail(exc) from exc
    print_json(data)


@app.command("compare")
def compare_command(
    ids: Annotated[list[int], typer.Argument(help="Ids of the variants; differences are from the first.")],
    basis: Annotated[str | None, typer.Option("--basis", help="territorial, basic or basic_plus.")] = None,
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[TableOrJson, typer.Option("--format")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Variants side by side with their bands, and each one's difference from the first (common random numbers)."""
    try:
        data = var.compare(open_database(database), city, ids, basis=basis)
    except (var.VariantNotFound, VariantError) as exc:
        raise _fail(exc) from exc
    if fmt is TableOrJson.json:
        print_json(data)
        return
    t = Table(title=f"Variants ({data['basis']}), t CO2e: median (5–95 %)")
    t.add_column("")
    for y in SHOWN:
        t.add_column(str(y), justify="right")
    for v in data["variants"]:
        t.add_row(f"{v['name']} v{v['version']}", *_row(data["years"], v["total"]))
        t.add_row("  − first", *_row(data["years"], v["difference_from_first"]))
    console.print(t)


@app.command("promote")
def promote_command(
    variant_id: Annotated[int, typer.Argument(help="Id of the variant.")],
    user: UserOpt = None,
    city: CityOpt = DEFAULT_CITY,
    database: DatabaseOpt = None,
) -> None:
    """Make a variant an official scenario (the environment department's decision; audited)."""
    try:
        v = var.promote(open_database(database), city, variant_id, current_user(user))
    except var.VariantNotFound as exc:
        raise _fail(exc) from exc
    console.print(f"{v['name']} v{v['version']}: {v['status']}")
