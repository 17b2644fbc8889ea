"""Landfill methane by first-order decay (IPCC 2006 Vol. 5 Ch. 3, Eq. 3.4-3.6, and its Waste Model).

For each waste type j deposited in year x: DDOCm_x = W_x x share_j x DOC_j x DOCf x MCF.
With a delay, the reaction starts in month M of the deposition year (the Waste Model's M = delay + 7,
default 13: deposits are made on average on 1 July and start to decay 6 months later, i.e. from next year):
    decomposed in the deposition year  = DDOCm_x x (1 - exp(-k_j (13 - M) / 12))
    left at the end of the deposition year = DDOCm_x x exp(-k_j (13 - M) / 12)
In each later year T (Eq. 3.4, 3.5): decomposed_T = DDOCma_{T-1} x (1 - exp(-k_j)); DDOCma_T = DDOCma_{T-1} x exp(-k_j)
CH4 generated (Eq. 3.6) = decomposed x F x 16/12; emitted (Eq. 3.1) = (generated - R_T) x (1 - OX).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qala.estimate.model import Estimate, EstimateError, Input, fmt
from qala.estimate.series import Series


@dataclass(frozen=True)
class WasteType:
    name: str
    share: Input  # fraction of the waste deposited (wet weight)
    doc: Input  # t degradable organic carbon per t waste (wet)
    k: Input  # decay rate, 1/yr


@dataclass(frozen=True)
class FodParameters:
    docf: Input
    mcf: Input
    f: Input
    ox: Input
    delay_months: Input  # the Waste Model's delay (default 6)
    recovered: Series | None = None  # t CH4 recovered per year


def first_order_decay(
    *,
    deposits: dict[int, tuple[float, tuple[Input, ...], str]],
    types: list[WasteType],
    params: FodParameters,
    years: list[int],
    cell: str = "III.1.1",
    label: str = "",
) -> list[Estimate]:
    """CH4 emitted in each of ``years`` from every deposit (year -> t of waste, its inputs, how it was found)."""
    where = label or cell
    problems = []
    total_share = sum(t.share.value for t in types)
    if not types or abs(total_share - 1.0) > 1e-6:
        problems.append(f"{where}: the waste-type shares must add up to 1 (they add up to {total_share:g})")
    for t in types:
        if t.k.value <= 0:
            problems.append(f"{where}: k of '{t.name}' must be above 0")
    for name, x in (("DOCf", params.docf), ("MCF", params.mcf), ("F", params.f), ("OX", params.ox)):
        if not 0 <= x.value <= 1:
            problems.append(f"{where}: {name} must lie between 0 and 1, not {x.value:g}")
    m = params.delay_months.value + 7
    if not 7 <= m <= 13:
        problems.append(
            f"{where}: the delay must be 0 to 6 months (the Waste Model's range), not {params.delay_months.value:g}"
        )
    if deposits and min(years) < min(deposits):
        problems.append(
            f"{where}: the disposal history starts in {min(deposits)}, after the year {min(years)} asked for"
        )
    if problems:
        raise EstimateError(problems)
    first = min(deposits)
    last = max(years)
    generated = dict.fromkeys(range(first, last + 1), 0.0)
    for t in types:
        k = t.k.value
        remaining = 0.0
        for year in range(first, last + 1):
            decomposed = remaining * (1.0 - math.exp(-k))
            remaining *= math.exp(-k)
            if year in deposits:
                ddocm = deposits[year][0] * t.share.value * t.doc.value * params.docf.value * params.mcf.value
                now = ddocm * (1.0 - math.exp(-k * (13 - m) / 12.0))
                decomposed += now
                remaining += ddocm - now
            generated[year] += decomposed * params.f.value * 16.0 / 12.0
    out = []
    history_inputs = tuple(i for y in sorted(deposits) if y <= last for i in deposits[y][1])
    type_inputs = tuple(i for t in types for i in (t.share, t.doc, t.k))
    fixed = (params.docf, params.mcf, params.f, params.ox, params.delay_months)
    for year in years:
        rec, rec_inputs, rec_how = (0.0, (), "0")
        if params.recovered is not None and params.recovered.covers(year):
            rec, rec_inputs, rec_how = params.recovered.at(year)
        gen = generated[year]
        if rec > gen:
            raise EstimateError(
                [f"{where} {year}: recovered CH4 ({fmt(rec)} t) exceeds the CH4 generated ({fmt(gen)} t)"]
            )
        emitted = (gen - rec) * (1.0 - params.ox.value)
        deposited = ", ".join(f"{y}: {fmt(deposits[y][0])}" for y in sorted(deposits) if y <= year)
        text = (
            f"first-order decay of the waste deposited since {first} (t: {deposited}); types "
            + "; ".join(
                f"{t.name} share {fmt(t.share.value)}, DOC {fmt(t.doc.value)}, k {fmt(t.k.value)}" for t in types
            )
            + f"; DOCf {fmt(params.docf.value)}, MCF {fmt(params.mcf.value)}, F {fmt(params.f.value)}, "
            f"delay {fmt(params.delay_months.value)} months; CH4 generated in {year} = {fmt(gen)} t; "
            f"emitted = ({fmt(gen)} - recovered {rec_how}) x (1 - OX {fmt(params.ox.value)}) = {fmt(emitted)} t CH4"
        )
        out.append(
            Estimate(
                year,
                cell,
                "emissions_ch4",
                emitted,
                "t",
                "landfill_fod",
                (*history_inputs, *type_inputs, *fixed, *rec_inputs),
                text,
                label=label,
                extra={"generated_t": gen},
            )
        )
    return out


def disposal_history(
    *,
    population: Series,
    per_person: Series,
    to_landfill: Series,
    start: int,
    end: int,
) -> dict[int, tuple[float, tuple[Input, ...], str]]:
    """Waste deposited each year = population x waste per person x share sent to the landfill."""
    out = {}
    for year in range(start, end + 1):
        pop, pin, phow = population.at(year)
        w, win, whow = per_person.at(year)
        s, sin, show = to_landfill.at(year)
        amount = pop * w * s
        out[year] = (amount, (*pin, *win, *sin), f"{phow} x {whow} x {show} = {fmt(amount)} t")
    return out
