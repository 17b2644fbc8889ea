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
from qala.economics.macc import DEFAULT_DISCOUNT_RATE
from qala.economics.portfolio import PortfolioError
from qala.exports.safe import safe
from qala.services import economics as econ
from qala.store.seed import open_database

Rate = Annotated[float, typer.Option("--discount-rate", help="Real discount rate for annualising capital costs.")]
Basis = Annotated[
    str | None,
    typer.Option("--basis", help="territorial, basic or basic_plus (default: the model's basis)."),
]


Emissions = Annotated[
    str | None,
    typer.Option(
        "--emissions",
        help="gross (the default: removals and offsets are not abatement) or net (net of removals: neutrality).",
    ),
]


def macc_command(
    year: Annotated[int, typer.Option("--year", help="Year in which abatement is measured.")] = 2030,
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE,
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    basis: Basis = None,
    emissions: Emissions = None,
    database: DatabaseOpt = None,
) -> None:
    """The marginal abatement cost curve on a basis, steps in increasing cost per tonne, each measured after those
    before it."""
    try:
        data = econ.macc_data(open_database(database), city, year, discount_rate, basis, emissions or "gross")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--basis" if "basis" in str(exc) else "--year") from exc
    if fmt == "json":
        print_json(data)
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(
            buf,
            fieldnames=[k for k in data["steps"][0] if k not in ("financing", "name")],
            lineterminator="\r\n",
            extrasaction="ignore",
        )
        w.writeheader()
        w.writerows({k: safe(v) for k, v in s.items()} for s in data["steps"])
        if output:
            output.write_text(buf.getvalue(), encoding="utf-8")
        else:
            typer.echo(buf.getvalue(), nl=False)
        return
    t = Table(title=f"MACC {year} ({data['basis']}) — KZT, r = {discount_rate:.0%}")
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
    target_year: Annotated[int | None, typer.Option("--target-year", help="Year of the target.")] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="A target of the city's model by name (its year, limit and basis)."),
    ] = None,
    target_tco2e: Annotated[float | None, typer.Option("--target-tco2e", help="Emission limit, t CO2e.")] = None,
    target_reduction: Annotated[
        float | None, typer.Option("--target-reduction", help="Reduction in % against --base-year.")
    ] = None,
    base_year: Annotated[int | None, typer.Option("--base-year", help="Base year of the reduction.")] = None,
    budget: Annotated[list[str] | None, typer.Option("--budget", help="YEAR=AMOUNT capital budget (KZT).")] = None,
    exclusive: Annotated[list[str] | None, typer.Option("--exclusive", help="A,B: not both.")] = None,
    requires: Annotated[list[str] | None, typer.Option("--requires", help="A,B: A needs B.")] = None,
    all_or_nothing: Annotated[list[str] | None, typer.Option("--all-or-nothing", help="A measure taken whole.")] = None,
    cumulative_from: Annotated[
        int | None,
        typer.Option("--cumulative-from", help="Cap the emissions summed from this year to the target year."),
    ] = None,
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE,
    basis: Basis = None,
    emissions: Emissions = None,
    city: CityOpt = DEFAULT_CITY,
    fmt: Annotated[TableOrJson, typer.Option("--format")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """The least-cost set of measures that meets an emission target on a basis (HiGHS), or a clear statement that
    none can."""
    engine = open_database(database)
    if target is not None:
        if target_tco2e is not None or target_reduction is not None:
            raise typer.BadParameter("--target sets the limit: leave out --target-tco2e and --target-reduction")
        try:
            year_of, target_tco2e, basis_of, emissions_of = econ.target_limit_of(engine, city, target)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--target") from exc
        if basis is not None and basis != basis_of:
            raise typer.BadParameter(f"target {target!r} is on the {basis_of} basis", param_hint="--basis")
        if emissions is not None and emissions != emissions_of:
            raise typer.BadParameter(f"target {target!r} is on {emissions_of} emissions", param_hint="--emissions")
        target_year, basis, emissions = target_year or year_of, basis_of, emissions_of
    if target_year is None:
        raise typer.BadParameter("give --target-year (or --target)")
    if (target_tco2e is None) == (target_reduction is None):
        raise typer.BadParameter("give either --target-tco2e or --target-reduction with --base-year, or --target")
    if target_reduction is not None:
        if base_year is None or not 0 < target_reduction < 100:
            raise typer.BadParameter("--target-reduction between 0 and 100 with --base-year")
        try:
            target_tco2e = econ.limit_from_reduction(engine, city, target_reduction, base_year, basis)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--base-year") from exc
    assert target_tco2e is not None

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
    try:
        data = econ.portfolio(
            engine,
            city,
            target_year,
            target_tco2e,
            budgets=budgets,
            exclusive=pairs(exclusive, "--exclusive"),
            requires=pairs(requires, "--requires"),
            binary=frozenset(all_or_nothing or ()),
            discount_rate=discount_rate,
            cumulative_from=cumulative_from,
            basis=basis,
            emissions=emissions or "gross",
        )
    except (PortfolioError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    if fmt is TableOrJson.json:
        print_json(data)
        return
    console.print(f"[bold]{data['status']}[/bold]: {data['message']}")
    t = Table(
        title=f"Least-cost portfolio for {target_year} ({data['target']['basis']}): limit {target_tco2e:,.0f} t CO2e "
        f"(BAU {data['bau_tco2e']:,.0f})"
    )
    for col in ("Measure", "Level", "Abatement t CO2e", "KZT per year"):
        t.add_column(col, justify="left" if col == "Measure" else "right")
    for m in data["measures"]:
        t.add_row(m["code"], f"{m['level']:.0%}", f"{m['abatement_tco2e']:,.0f}", f"{m['cost']:,.0f}")
    console.print(t)
    if data["financing"]["years"]:
        console.print(_financing_table(data["financing"]), f"[dim]{data['financing']['assumption']}[/dim]")
