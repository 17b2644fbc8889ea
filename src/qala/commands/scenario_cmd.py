"""``qala scenario``: run, compare, and analyse the sensitivity of scenarios to 2030 and 2060."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.commands.cluster_opts import SchedulerOpt, ThreadsOpt, WorkersOpt, cluster_options
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, err, print_json
from qala.commands.inventory_cmd import Gwp
from qala.exports.safe import safe_row
from qala.scale.cluster import runner_for
from qala.scenario.engine import SECTORS, prepare
from qala.scenario.reduced import ScenarioSummary
from qala.scenario.sensitivity import sobol
from qala.scenario.spec import BASES
from qala.services import scenario as svc
from qala.store.seed import open_database

app = typer.Typer(
    help="Scenarios to 2030 and 2060: BAU and low-carbon pathways with uncertainty.", no_args_is_help=True
)
SHOWN_YEARS = (2025, 2030, 2035, 2040, 2045, 2050, 2055, 2060)


def _add_variants() -> None:
    from qala.commands import variant_cmd  # noqa: PLC0415

    app.add_typer(variant_cmd.app, name="variant")


_add_variants()


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


Draws = Annotated[int, typer.Option("--draws", min=1, max=1_000_000, help="Monte Carlo draws (1 = deterministic).")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed: the same seed gives the same numbers.")]
ScenarioOpt = Annotated[str | None, typer.Option("--scenario", help="Scenario of a model FILE (default: its first).")]
GwpOpt = Annotated[Gwp, typer.Option("--gwp", help="GWP-100 set.")]


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar that appears only when the work will take more than a second."""
    started = time.perf_counter()
    bar: Progress | None = None
    task = None
    done = 0

    def advance(n: int) -> None:
        nonlocal bar, task, done
        done += n
        elapsed = time.perf_counter() - started
        if bar is None and done < total and elapsed / done * total > 1.0:
            bar = Progress(
                TextColumn(label),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,}"),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            bar.start()
            task = bar.add_task(label, total=total, completed=done)
        elif bar is not None and task is not None:
            bar.update(task, completed=done)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()


def _resolve(name: str, scenario: str | None, city: str, engine: Engine | None = None) -> tuple[object, str]:
    model, chosen = svc.resolve(name, city, engine)
    chosen = chosen or scenario or next(iter(model.scenarios))
    if chosen not in model.scenarios:
        raise typer.BadParameter(f"unknown scenario '{chosen}'; the model has {', '.join(model.scenarios)}")
    return model, chosen


@app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="Scenario name (e.g. bau, low-carbon) or a model FILE.yaml.")],
    scenario: ScenarioOpt = None,
    city: CityOpt = DEFAULT_CITY,
    draws: Draws = 1000,
    seed: Seed = 1,
    gwp: GwpOpt = Gwp.AR5,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    database: DatabaseOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    threads: ThreadsOpt = False,
) -> None:
    """Run a scenario (deterministic with --draws 1, Monte Carlo otherwise)."""
    options = cluster_options(scheduler, workers, threads)
    engine = open_database(database)
    model, chosen = _resolve(name, scenario, city, engine)
    with runner_for(options) as runner, progress(draws, f"{chosen}: draws") as advance:
        result = svc.summarise(
            engine,
            model,  # type: ignore[arg-type]
            chosen,
            draws=draws,
            seed=seed,
            gwp=gwp.value,
            on_chunk=advance,
            runner=runner,
        )
    if fmt is Format.json:
        print_json(result.to_dict())
    elif fmt is Format.csv:
        typer.echo(to_csv(result), nl=False)
    else:
        show(result)


def to_csv(result: ScenarioSummary) -> str:
    """Long format: scenario, basis, sector, statistic, year, value (t CO2e)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["scenario", "basis", "sector", "statistic", "year", "value_tco2e"])
    for basis in BASES:
        rows = {"TOTAL": f"total:{basis}", **{s: f"sector:{basis}:{s}" for s in SECTORS}}
        for sector, name in rows.items():
            for stat, series in result.summary(name).items():
                for year, v in zip(result.years, series, strict=True):
                    w.writerow(safe_row([result.scenario, basis, sector, stat, year, repr(float(v))]))
    return buf.getvalue()


def show(result: ScenarioSummary) -> None:
    data = result.to_dict()
    years = [y for y in result.years if y in SHOWN_YEARS or y == result.years[0]]
    idx = [result.years.index(y) for y in years]
    t = Table(
        title=f"Scenario {result.scenario} — {result.city}, {result.basis} total, t CO2e "
        f"({result.draws:,} draw{'s' if result.draws > 1 else ''}, seed {result.seed})"
    )
    t.add_column("")
    for y in years:
        t.add_column(str(y), justify="right")
    stats = ("mean",) if result.draws == 1 else ("mean", "p05", "p50", "p95")
    for stat in stats:
        t.add_row(f"total {stat}", *(f"{data['total'][stat][i] / 1000:,.0f}" for i in idx))
    for sector, s in data["by_sector"].items():
        if any(abs(v) > 0 for v in s["mean"]):
            t.add_row(f"sector {sector} (mean)", *(f"{s['mean'][i] / 1000:,.0f}" for i in idx))
    console.print(t)
    targets = Table(title="Targets")
    for col in ("Target", "Year", "Limit t CO2e", "P(met)", "Gap p50 t CO2e"):
        targets.add_column(col, justify="left" if col == "Target" else "right")
    for tg in data["targets"]:
        targets.add_row(
            tg["label"]["en"],
            str(tg["year"]),
            f"{tg['limit_tco2e']:,.0f}",
            f"{tg['p_met']:.1%}",
            f"{tg['gap_p50_tco2e']:,.0f}",
        )
    console.print(targets)
    for tg in data["targets"]:
        console.print(f"[dim]{tg['name']}: {tg['method']}[/dim]")


@app.command("compare")
def compare_command(
    first: Annotated[str, typer.Argument(help="A scenario name.")],
    second: Annotated[str, typer.Argument(help="Another scenario name.")],
    city: CityOpt = DEFAULT_CITY,
    draws: Draws = 1000,
    seed: Seed = 1,
    gwp: GwpOpt = Gwp.AR5,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Compare two scenarios draw by draw (the same random numbers for both)."""
    engine = open_database(database)
    model, _ = svc.resolve(first, city, engine)
    for s in (first, second):
        if s not in model.scenarios:  # type: ignore[attr-defined]
            raise typer.BadParameter(f"unknown scenario '{s}'")
    with progress(2 * draws, "scenarios: draws") as advance:
        a = svc.run(engine, model, first, draws=draws, seed=seed, gwp=gwp.value, on_chunk=advance)  # type: ignore[arg-type]
        b = svc.run(engine, model, second, draws=draws, seed=seed, gwp=gwp.value, on_chunk=advance)  # type: ignore[arg-type]
    basis = a.basis
    diff = b.totals[basis] - a.totals[basis]
    data = {
        "first": first,
        "second": second,
        "basis": basis,
        "unit": "t CO2e",
        "years": a.years,
        "draws": draws,
        "seed": seed,
        "first_total": a.summary(a.totals[basis]),
        "second_total": b.summary(b.totals[basis]),
        "difference": a.summary(diff),
        "p_second_lower": np.mean(diff < 0, axis=0).tolist(),
    }
    if fmt is TableOrJson.json:
        print_json(data)
        return
    years = [y for y in a.years if y in SHOWN_YEARS or y == a.years[0]]
    t = Table(title=f"{second} against {first} — {basis} total, kt CO2e (median; paired draws)")
    t.add_column("")
    for y in years:
        t.add_column(str(y), justify="right")
    idx = [a.years.index(y) for y in years]
    t.add_row(first, *(f"{data['first_total']['p50'][i] / 1000:,.0f}" for i in idx))
    t.add_row(second, *(f"{data['second_total']['p50'][i] / 1000:,.0f}" for i in idx))
    t.add_row("difference", *(f"{data['difference']['p50'][i] / 1000:,.0f}" for i in idx))
    t.add_row("P(lower)", *(f"{data['p_second_lower'][i]:.0%}" for i in idx))
    console.print(t)


@app.command("sensitivity")
def sensitivity_command(
    name: Annotated[str, typer.Argument(help="Scenario name or a model FILE.yaml.")],
    scenario: ScenarioOpt = None,
    city: CityOpt = DEFAULT_CITY,
    n: Annotated[int, typer.Option("--n", min=16, max=65536, help="Sobol base sample size (a power of 2).")] = 1024,
    years: Annotated[str, typer.Option("--years", help="Years to analyse, comma-separated.")] = "2030,2060",
    seed: Seed = 1,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    threads: ThreadsOpt = False,
) -> None:
    """Sobol sensitivity of the totals: which assumptions matter most."""
    options = cluster_options(scheduler, workers, threads)
    engine = open_database(database)
    model, chosen = _resolve(name, scenario, city, engine)
    try:
        wanted = tuple(int(y) for y in years.split(","))
    except ValueError as exc:
        raise typer.BadParameter("years such as 2030,2060", param_hint="--years") from exc
    bad = [y for y in wanted if y not in model.years]  # type: ignore[attr-defined]
    if bad:
        raise typer.BadParameter(f"{bad} outside the model's horizon", param_hint="--years")
    if n & (n - 1):
        raise typer.BadParameter("a power of 2 (e.g. 512, 1024)", param_hint="--n")
    prep = prepare(model, load_catalog())  # type: ignore[arg-type]
    base = svc.base_year(engine, model, None)  # type: ignore[arg-type]
    total = n * (len(model.uncertain()) + 2)  # type: ignore[attr-defined]
    with runner_for(options) as runner, progress(total, "Sobol: evaluations") as advance:
        result = sobol(prep, chosen, base, n=n, years=wanted, seed=seed, on_chunk=advance, runner=runner)
    if fmt is TableOrJson.json:
        print_json(result.to_dict())
        return
    for year, ranked in result.by_year.items():
        t = Table(
            title=f"Sobol indices of the {result.basis} total in {year} — {chosen} (N={n}, "
            f"{result.evaluations:,} evaluations)"
        )
        for col in ("Assumption", "ST", "±", "S1", "±"):
            t.add_column(col, justify="left" if col == "Assumption" else "right")
        for i in ranked:
            t.add_row(i.name, f"{i.st:.3f}", f"{i.st_conf:.3f}", f"{i.s1:.3f}", f"{i.s1_conf:.3f}")
        console.print(t)


@app.command("list")
def list_command(city: CityOpt = DEFAULT_CITY) -> None:
    """The city model's scenarios and measures."""
    model, _ = svc.resolve("bau", city)
    t = Table(title=f"Model {model.model} ({model.file})")  # type: ignore[attr-defined]
    t.add_column("Scenario")
    t.add_column("Measures")
    for s in model.scenarios.values():  # type: ignore[attr-defined]
        t.add_row(s.name, ", ".join(s.measures) or "-")
    console.print(t)
    m = Table(title="Measures")
    for col in ("Code", "Name", "Adoption", "Roadmap", "Source"):
        m.add_column(col, overflow="fold")
    for meas in model.measures.values():  # type: ignore[attr-defined]
        m.add_row(
            meas.code,
            meas.names["en"],
            f"{meas.start}-{meas.full} {meas.shape}",
            meas.roadmap_activity or "",
            meas.source[:60],
        )
    console.print(m)
