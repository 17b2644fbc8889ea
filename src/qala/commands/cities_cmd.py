"""``qala cities``: many cities at once — synthetic cities for scale tests, and a comparison run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qala.commands.cluster_opts import SchedulerOpt, ThreadsOpt, WorkersOpt, cluster_options
from qala.commands.common import DatabaseOpt, TableOrJson, console, print_json
from qala.commands.scenario_cmd import Draws, Seed, progress
from qala.scale import synth
from qala.scale.cities import COMPARE_YEAR, CityRow, city_names, run_cities
from qala.scale.cluster import runner_for
from qala.store.seed import open_database

app = typer.Typer(help="Many cities: compute and compare them; synthetic cities for scale tests.", no_args_is_help=True)


@app.command("synth")
def synth_command(
    count: Annotated[int, typer.Option("--count", min=1, max=999, help="How many synthetic cities.")] = 10,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The same seed gives the same cities.")] = 1,
    source: Annotated[str, typer.Option("--from", help="The bundled city whose data are scaled.")] = "astana",
    database: DatabaseOpt = None,
) -> None:
    """Add synthetic cities synth-001 … (a bundled city's data times a seeded factor), labelled as such."""
    from qala.cities import BUNDLED  # noqa: PLC0415

    if source not in BUNDLED:
        raise typer.BadParameter(f"a bundled city ({', '.join(BUNDLED)})", param_hint="--from")
    engine = open_database(database)
    planned = synth.plan(count, seed, source)
    added = synth.load(engine, planned)
    console.print(f"Added {len(added)} synthetic cities ({len(planned) - len(added)} were there already).")
    for c in added:
        console.print(f"  {c.code}: {c.factor:g} × {source}", highlight=False)


@app.command("run")
def run_command(
    cities: Annotated[
        str | None, typer.Option("--cities", help="City codes, comma-separated (default: all cities).")
    ] = None,
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario of every city's model.")] = "bau",
    draws: Draws = 1000,
    seed: Seed = 1,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    threads: ThreadsOpt = False,
) -> None:
    """Compute every city's inventory and scenario and compare them (total, per capita, 2030, targets)."""
    options = cluster_options(scheduler, workers, threads)
    engine = open_database(database)
    known = list(city_names(engine))
    codes = [c.strip() for c in cities.split(",") if c.strip()] if cities else known
    unknown = [c for c in codes if c not in known]
    if unknown or not codes:
        raise typer.BadParameter(f"unknown city: {', '.join(unknown)}" if unknown else "no city", param_hint="--cities")
    with runner_for(options) as runner, progress(draws * len(codes), "cities: draws") as advance:
        rows = run_cities(engine, codes, scenario, draws=draws, seed=seed, runner=runner, on_chunk=advance)
    if fmt is TableOrJson.json:
        print_json(
            {
                "scenario": scenario,
                "draws": draws,
                "seed": seed,
                "unit": "t CO2e",
                "cities": [r.to_dict() for r in rows],
            }
        )
        return
    show(rows, scenario, draws, seed)


def _kt(v: float | None) -> str:
    return "—" if v is None else f"{v / 1000:,.0f}"


def show(rows: list[CityRow], scenario: str, draws: int, seed: int) -> None:
    names = next((", ".join(f"{x.name} {x.year}" for x in r.targets) for r in rows if r.targets), "")
    t = Table(
        title=f"Cities — scenario {scenario} ({draws:,} draws, seed {seed}); kt CO2e on each model's basis",
        caption=f"P(met): the probability that each target is met ({names})" if names else None,
    )
    t.add_column("City", no_wrap=True)
    for col in ("Year", "Total kt", "t/person", f"{COMPARE_YEAR} p50 kt", f"{COMPARE_YEAR} vs base", "P(met)"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(
            r.code,
            str(r.year or "—"),
            _kt(r.total_tco2e),
            "—" if r.per_capita_tco2e is None else f"{r.per_capita_tco2e:.2f}",
            _kt(r.p50_2030_tco2e),
            "—" if r.change_2030 is None else f"{r.change_2030:+.0%}",
            " ".join(f"{x.p_met:.0%}" for x in r.targets) or (r.problem or "—"),
        )
    console.print(t)
