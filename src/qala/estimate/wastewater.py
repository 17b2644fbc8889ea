"""Domestic wastewater CH4 and N2O from the population served (IPCC 2006 Vol. 5 Ch. 6, Tier 1).

CH4 (Eq. 6.1-6.3): TOW = P x BOD x 0.001 x I x 365 (kg BOD/yr); EF = Bo x MCF (kg CH4/kg BOD);
                   CH4 = U x T x EF x (TOW - S) - R (kg/yr), with T the share of the load that reaches the
                   treatment or discharge pathway described by MCF.
N2O (Eq. 6.7-6.8): N_effluent = P x Protein x F_NPR x F_NON-CON x F_IND-COM - N_sludge (kg N/yr);
                   N2O = N_effluent x EF_effluent x 44/28 (kg/yr); plus, for centralised advanced plants
                   (Box 6.1, Eq. 6.9), N2O_plants = P x T_plant x F_IND-COM x EF_plant.
"""

from __future__ import annotations

from dataclasses import dataclass

from qala.estimate.model import Estimate, EstimateError, Input, fmt
from qala.estimate.series import Series


@dataclass(frozen=True)
class WastewaterParameters:
    bod: Input  # g BOD per person per day
    bo: Input  # kg CH4 per kg BOD
    mcf: Input  # methane correction factor of the pathway
    t_share: Input  # share of the load on that pathway
    i_factor: Input  # industrial co-discharge (collected wastewater)
    protein: Input  # kg protein per person per year
    f_npr: Input  # kg N per kg protein
    f_non_con: Input  # non-consumed protein added to the wastewater
    f_ind_com: Input  # industrial and commercial co-discharged protein
    ef_effluent: Input  # kg N2O-N per kg N discharged
    sludge_bod: Input | None = None  # S: kg BOD removed with sludge per year
    recovered_ch4: Input | None = None  # R: kg CH4 recovered per year
    sludge_n: Input | None = None  # kg N removed with sludge per year
    t_plant: Input | None = None  # share of the population served by centralised advanced plants
    ef_plant: Input | None = None  # g N2O per person per year at such plants


def wastewater(
    *,
    population: Series,
    params: WastewaterParameters,
    years: list[int],
    cell: str = "III.4.1",
    label: str = "",
) -> list[Estimate]:
    p = params
    where = label or cell
    for share in (p.mcf, p.t_share, *([p.t_plant] if p.t_plant else [])):
        if not 0 <= share.value <= 1:
            raise EstimateError([f"{where}: {share.name} must lie between 0 and 1, not {share.value:g}"])
    out = []
    for year in years:
        pop, pin, phow = population.at(year)
        tow = pop * p.bod.value * 0.001 * p.i_factor.value * 365.0
        ef = p.bo.value * p.mcf.value
        s = p.sludge_bod.value if p.sludge_bod else 0.0
        r = p.recovered_ch4.value if p.recovered_ch4 else 0.0
        ch4_kg = p.t_share.value * ef * (tow - s) - r
        if ch4_kg < 0:
            raise EstimateError([f"{where} {year}: recovered CH4 exceeds the CH4 generated"])
        ch4_text = (
            f"TOW = {phow} persons x {fmt(p.bod.value)} g/person/day x 0.001 x {fmt(p.i_factor.value)} x 365 = "
            f"{fmt(tow)} kg BOD; EF = {fmt(p.bo.value)} x {fmt(p.mcf.value)} = {fmt(ef)} kg CH4/kg BOD; "
            f"CH4 = {fmt(p.t_share.value)} x {fmt(ef)} x ({fmt(tow)} - {fmt(s)}) - {fmt(r)} = {fmt(ch4_kg)} kg "
            f"= {fmt(ch4_kg / 1000)} t"
        )
        ch4_inputs = (
            *pin,
            p.bod,
            p.bo,
            p.mcf,
            p.t_share,
            p.i_factor,
            *[x for x in (p.sludge_bod, p.recovered_ch4) if x],
        )
        out.append(
            Estimate(year, cell, "emissions_ch4", ch4_kg / 1000.0, "t", "wastewater", ch4_inputs, ch4_text, label=label)
        )
        n_sludge = p.sludge_n.value if p.sludge_n else 0.0
        n_eff = pop * p.protein.value * p.f_npr.value * p.f_non_con.value * p.f_ind_com.value - n_sludge
        n2o_kg = n_eff * p.ef_effluent.value * 44.0 / 28.0
        n2o_text = (
            f"N_effluent = {phow} persons x {fmt(p.protein.value)} kg protein/person/yr x {fmt(p.f_npr.value)} x "
            f"{fmt(p.f_non_con.value)} x {fmt(p.f_ind_com.value)} - {fmt(n_sludge)} = {fmt(n_eff)} kg N; "
            f"N2O = {fmt(n_eff)} x {fmt(p.ef_effluent.value)} x 44/28 = {fmt(n2o_kg)} kg"
        )
        n2o_inputs = [
            *pin,
            p.protein,
            p.f_npr,
            p.f_non_con,
            p.f_ind_com,
            p.ef_effluent,
            *([p.sludge_n] if p.sludge_n else []),
        ]
        if p.t_plant and p.ef_plant:
            plant_kg = pop * p.t_plant.value * p.f_ind_com.value * p.ef_plant.value / 1000.0
            n2o_text += (
                f"; plants: {phow} x {fmt(p.t_plant.value)} x {fmt(p.f_ind_com.value)} x "
                f"{fmt(p.ef_plant.value)} g / 1000 = {fmt(plant_kg)} kg"
            )
            n2o_kg += plant_kg
            n2o_inputs += [p.t_plant, p.ef_plant]
        n2o_text += f"; total {fmt(n2o_kg)} kg = {fmt(n2o_kg / 1000)} t N2O"
        out.append(
            Estimate(
                year,
                cell,
                "emissions_n2o",
                n2o_kg / 1000.0,
                "t",
                "wastewater",
                tuple(n2o_inputs),
                n2o_text,
                label=label,
            )
        )
    return out
