"""``qala macc`` and ``qala optimize``: abatement costs and the least-cost portfolio of measures."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, print_json
from qala.economics.financing import funding_needs
from qala.economics.macc import DEFAULT_DISCOUNT_RATE, macc, macc_dict
from qala.economics.portfolio import Option, PortfolioError, Problem, solve
from qala.scenario.targets import national_series
from qala.services import scenario as svc
from qala.store.seed import open_database

Rate = Annotated[float, typer.Option("--discount-rate", help="Real discount rate for annualising capital costs.")]


def _setup(city: str, database: str | None):
    engine = open_database(database)
    model, _ = svc.resolve("bau", city)
    return model, svc._prepared(model, None), svc.base_year(engine, model, None)


def macc_command(
    year: Annotated[int, typer.Option("--year", help="Year in which abatement is measured.")] = 2030,
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE,
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """The marginal abatement cost curve, each measure measured after those before it."""
    model, prep, base = _setup(city, database)
    if year not in model.years:
        raise typer.BadParameter(f"a year in {model.base_year}-{model.end_year}", param_hint="--year")
    steps = macc(prep, base, year, discount_rate=discount_rate)
    from qala.economics.macc import _total  # noqa: PLC0415

    data = macc_dict(steps, year, "KZT", discount_rate, _total(prep, base, (), year))
    if fmt == "json":
        print_json(data)
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(
            buf,
            fieldnames=[k for k in data["steps"][0] if k != "financing"],
            lineterminator="\n",
            extrasaction="ignore",
        )
        w.writeheader()
        w.writerows(data["steps"])
        if output:
            output.write_text(buf.getvalue(), encoding="utf-8")
        else:
            typer.echo(buf.getvalue(), nl=False)
        return
    t = Table(title=f"MACC {year} — {model.model}, {model.basis}; KZT, r = {discount_rate:.0%}")
    for col in ("Measure", "Abatement t CO2e", "Cumulative", "KZT per t CO2e", "KZT per year"):
        t.add_column(col, justify="left" if col == "Measure" else "right")
    for s in data["steps"]:
        cpt = "—" if s["cost_per_tco2e"] is None else f"{s['cost_per_tco2e']:,.0f}"
        t.add_row(
            s["code"],
            f"{s['abatement_tco2e']:,.0f}",
            f"{s['cumulative_tco2e']:,.0f}",
            cpt,
            f"{s['cost_per_year']:,.0f}",
        )
    console.print(t)


def _financing_table(fin: dict) -> Table:
    t = Table(title="Funding needs by year and potential source, KZT (capital)")
    t.add_column("Source")
    for y in fin["years"]:
        t.add_column(str(y), justify="right")
    for source, values in fin["by_source"].items():
        t.add_row(source, *(f"{v / 1e9:,.1f} bn" for v in values))
    t.add_row("total", *(f"{v / 1e9:,.1f} bn" for v in fin["total_by_year"]))
    return t


def optimize_command(
    target_year: Annotated[int, typer.Option("--target-year", help="Year of the target.")],
    target_tco2e: Annotated[float | None, typer.Option("--target-tco2e", help="Emission limit, t CO2e.")] = None,
    target_reduction: Annotated[
        float | None, typer.Option("--target-reduction", help="Reduction in % against --base-year.")
    ] = None,
    base_year: Annotated[int | None, typer.Option("--base-year", help="Base year of the reduction.")] = None,
    budget: Annotated[list[str] | None, typer.Option("--budget", help="YEAR=AMOUNT capital budget (KZT).")] = None,
    exclusive: Annotated[list[str] | None, typer.Option("--exclusive", help="A,B: not both.")] = None,
    requires: Annotated[list[str] | None, typer.Option("--requires", help="A,B: A needs B.")] = None,
    all_or_nothing: Annotated[list[str] | None, typer.Option("--all-or-nothing", help="A measure taken whole.")] = None,
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE,
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[TableOrJson, typer.Option("--format")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """The least-cost set of measures that meets an emission target (HiGHS), or a clear statement that none can."""
    model, prep, base = _setup(city, database)
    if target_year not in model.years:
        raise typer.BadParameter(f"a year in {model.base_year}-{model.end_year}", param_hint="--target-year")
    if (target_tco2e is None) == (target_reduction is None):
        raise typer.BadParameter("give either --target-tco2e or --target-reduction with --base-year")
    if target_reduction is not None:
        if base_year is None or not 0 < target_reduction < 100:
            raise typer.BadParameter("--target-reduction between 0 and 100 with --base-year")
        reference = base.totals[model.basis]
        if base_year != model.base_year:
            series = national_series()
            if base_year not in series.values:
                raise typer.BadParameter(f"no national series for {base_year}", param_hint="--base-year")
            latest = max(y for y in series.values if y <= model.base_year)
            reference *= series.values[base_year] / series.values[latest]
        target_tco2e = reference * (1 - target_reduction / 100)
    assert target_tco2e is not None
    steps = macc(prep, base, target_year, discount_rate=discount_rate)
    from qala.economics.macc import _total  # noqa: PLC0415

    bau = _total(prep, base, (), target_year)
    binary = set(all_or_nothing or ())

    def pairs(items: list[str] | None, what: str) -> tuple[tuple[str, str], ...]:
        out = []
        for item in items or ():
            a, _, b = item.partition(",")
            if not a or not b:
                raise typer.BadParameter("two measure codes, A,B", param_hint=what)
            out.append((a.strip(), b.strip()))
        return tuple(out)

    budgets = {}
    for item in budget or ():
        y, _, amount = item.partition("=")
        try:
            budgets[int(y)] = float(amount)
        except ValueError as exc:
            raise typer.BadParameter("YEAR=AMOUNT, e.g. 2027=50e9", param_hint="--budget") from exc
    options = []
    for s in steps:
        years = range(s.start, max(s.full, s.start) + 1)
        spend = {y: s.capex / len(years) for y in years}
        options.append(Option(s.code, s.cost_per_year, max(s.abatement, 0.0), s.code in binary, spend))
    try:
        sol = solve(
            Problem(
                tuple(options),
                bau - target_tco2e,
                budgets,
                pairs(exclusive, "--exclusive"),
                pairs(requires, "--requires"),
            )
        )
    except PortfolioError as exc:
        raise typer.BadParameter(str(exc)) from exc
    by_code = {s.code: s for s in steps}
    data = {
        "status": sol.status,
        "target": {"year": target_year, "limit_tco2e": target_tco2e, "basis": model.basis},
        "bau_tco2e": bau,
        "measures": [
            {
                "code": c,
                "level": lvl,
                "abatement_tco2e": by_code[c].abatement * lvl,
                "cost": by_code[c].cost_per_year * lvl,
                "cost_per_tco2e": by_code[c].cost_per_tonne,
            }
            for c, lvl in sol.levels.items()
            if lvl > 1e-9
        ],
        "total_cost": sol.total_cost,
        "abatement_tco2e": sol.abatement,
        "max_abatement_tco2e": sol.max_abatement,
        "currency": "KZT per year (annualised)",
        "message": sol.message,
        "financing": funding_needs(
            (c, by_code[c].capex * lvl, by_code[c].start, by_code[c].full, by_code[c].financing)
            for c, lvl in sol.levels.items()
            if lvl > 1e-9
        ),
    }
    if fmt is TableOrJson.json:
        print_json(data)
        return
    console.print(f"[bold]{sol.status}[/bold]: {sol.message}")
    t = Table(title=f"Least-cost portfolio for {target_year}: limit {target_tco2e:,.0f} t CO2e (BAU {bau:,.0f})")
    for col in ("Measure", "Level", "Abatement t CO2e", "KZT per year"):
        t.add_column(col, justify="left" if col == "Measure" else "right")
    for m in data["measures"]:
        t.add_row(m["code"], f"{m['level']:.0%}", f"{m['abatement_tco2e']:,.0f}", f"{m['cost']:,.0f}")
    console.print(t)
    if data["financing"]["years"]:
        console.print(_financing_table(data["financing"]), f"[dim]{data['financing']['assumption']}[/dim]")
