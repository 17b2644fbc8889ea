"""``qala estimate``: the declared estimates that fill a city's cells nobody has reported yet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, current_user, print_json
from qala.estimate.model import Estimate, EstimateError
from qala.services import estimates as svc
from qala.store.estimates import ApplyOutcome
from qala.store.seed import open_database


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EstimateError([f"{path}: the {what} cannot be read ({exc.strerror})"]) from exc


def estimate_command(
    city: CityOpt = DEFAULT_CITY,
    spec: Annotated[
        Path | None, typer.Option("--spec", help="An estimation spec (YAML) to use instead of the city's own.")
    ] = None,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="CSV (year,value,source) of the city's population: builds a generic spec."),
    ] = None,
    cars: Annotated[
        Path | None,
        typer.Option("--cars", help="CSV (year,value,source) of the city's passenger cars, with --population."),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the estimates (and keep the spec); without it nothing is written.")
    ] = False,
    year: Annotated[int | None, typer.Option("--year", help="Show one year only.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Who applies (default: QALA_USER or the login name).")
    ] = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Estimate every cell of a city's inventory that has no reported figure, by declared methods with sources."""
    if spec is not None and population is not None:
        raise EstimateError(["give either --spec or --population, not both"])
    if cars is not None and population is None:
        raise EstimateError(["--cars goes with --population (a generic spec from the city's population and cars)"])
    source = None
    if spec is not None:
        source = svc.SpecSource(_read(spec, "spec"), "given", str(spec))
    elif population is not None:
        pop = svc.read_points(_read(population, "population file"), str(population), "persons")
        car = svc.read_points(_read(cars, "cars file"), str(cars), "vehicles") if cars else None
        source = svc.generic_spec(city, pop, car)
    engine = open_database(database)
    source, made = svc.estimate(engine, city, source)
    outcome = svc.preview_or_apply(engine, city, source, made, who=current_user(user), apply=apply)
    shown = [e for e in made if year is None or e.year == year]
    if fmt is TableOrJson.json:
        print_json(
            {
                "city": city,
                "spec": {"origin": source.origin, "name": source.name},
                "applied": apply,
                "outcome": outcome.to_dict(),
                "estimates": [e.to_dict() for e in shown],
            }
        )
        return
    _table(city, source, shown, outcome, apply)


def _table(city: str, source: svc.SpecSource, made: list[Estimate], outcome: ApplyOutcome, applied: bool) -> None:
    t = Table(title=f"Estimates for {city} ({source.name})")
    for col in ("Year", "GPC", "Activity", "Amount", "Unit", "Method", "Entry"):
        t.add_column(col, justify="right" if col in ("Year", "Amount") else "left")
    for e in made:
        t.add_row(
            str(e.year),
            e.gpc_ref,
            e.activity + (f" ({e.facility})" if e.facility else ""),
            f"{e.amount:,.1f}",
            e.unit,
            e.method,
            e.label,
        )
    console.print(t)
    o = outcome.to_dict()
    verb = "Written" if applied else "Would write (run with --apply to store)"
    console.print(
        f"{verb}: {o['written']} ({o['new']} new, {o['replacing_older_estimates']} replacing older estimates); "
        f"unchanged {o['unchanged']}; older estimates retired {len(outcome.retired)}; skipped {len(outcome.skipped)}."
    )
    for s in outcome.skipped:
        e = s.estimate
        console.print(f"[yellow]skipped[/yellow] {e.year} {e.gpc_ref} {e.activity}: {s.reason}", highlight=False)
