"""Downscaling: a category of the national inventory times the city's share of a stated proxy, gas by gas.

E_city(g, y) = E_national(g, y) x P_city(y) / P_national(y), for a year the national series covers. After its
last year L the estimate is carried by a stated rule:
- ``hold_intensity``: the national emissions per unit of proxy in L, times the city's proxy in y;
- ``parent_trend``: E_national(g, L) x Parent(g, y) / Parent(g, L), with Parent the category that contains this
  one in a later submission (while it covers y), then times the city's share in y (the national proxy of the
  latest year it has, when it has none for y); beyond the parent series, ``hold_intensity``;
- ``none``: no carrying; a year outside the national series is an error.
Each gas enters the inventory as a mass (``emissions_co2``, ``emissions_ch4``, ``emissions_n2o``).
"""

from __future__ import annotations

from qala.estimate.model import Estimate, EstimateError, fmt
from qala.estimate.series import Series

CARRY = ("hold_intensity", "parent_trend", "none")


def downscale(
    *,
    cell: str,
    category: str,
    national: dict[str, Series],
    national_proxy: Series,
    city_proxy: Series,
    years: list[int],
    carry: str = "hold_intensity",
    parent: dict[str, Series] | None = None,
    label: str = "",
) -> list[Estimate]:
    """``national`` maps a gas to its national series in kt of that gas."""
    where = label or cell
    problems = []
    if carry not in CARRY:
        problems.append(f"{where}: carry '{carry}' is not one of {', '.join(CARRY)}")
    if carry == "parent_trend" and not parent:
        problems.append(f"{where}: carry 'parent_trend' needs the parent category's series")
    if not national:
        problems.append(f"{where}: no national series for {category}")
    if problems:
        raise EstimateError(problems)
    out: list[Estimate] = []
    for gas, series in sorted(national.items()):
        par = (parent or {}).get(gas)
        for year in years:
            kt, used, text, share = _one(where, category, gas, series, national_proxy, city_proxy, year, carry, par)
            mass_t = kt * 1000.0
            out.append(
                Estimate(
                    year,
                    cell,
                    f"emissions_{gas.lower()}",
                    mass_t,
                    "t",
                    "downscale",
                    used,
                    f"{text} = {fmt(mass_t)} t {gas}",
                    label=label,
                    extra={"category": category, "share": share},
                )
            )
    return out


def _share(where, year, national_proxy: Series, city_proxy: Series, proxy_year: int):
    p_nat, pn_inputs, pn_how = national_proxy.at(proxy_year)
    p_city, pc_inputs, pc_how = city_proxy.at(year)
    if p_nat <= 0:
        raise EstimateError([f"{where}: the national {national_proxy.name} is 0 in {proxy_year}"])
    share = p_city / p_nat
    if share > 1:
        raise EstimateError(
            [
                f"{where} {year}: the city's share of {national_proxy.name} is {share:.3g}, above 1 "
                f"(city {fmt(p_city)} > national {fmt(p_nat)}): check the two series' units and boundaries"
            ]
        )
    text = f"city {city_proxy.name} {year} {pc_how} / national {proxy_year} {pn_how} = share {share:.5g}"
    return share, (*pn_inputs, *pc_inputs), text


def _one(where, category, gas, national: Series, national_proxy, city_proxy, year, carry, parent):
    last = national.years[1]
    if national.covers(year):
        e_nat, e_inputs, e_how = national.at(year)
        share, s_inputs, s_text = _share(where, year, national_proxy, city_proxy, year)
        text = f"{category} {gas} {year}: national {e_how} kt x ({s_text})"
        return e_nat * share, (*e_inputs, *s_inputs), text, share
    if carry == "none" or year < national.years[0]:
        raise EstimateError(
            [
                f"{where}: the national {category} {gas} covers {national.years[0]}–{last}, not {year}"
                + (" (carry: none)" if carry == "none" else "")
            ]
        )
    e_last, e_inputs, e_how = national.at(last)
    if carry == "parent_trend" and parent is not None and parent.covers(year) and parent.covers(last):
        pa_y, pa_inputs_y, pa_how_y = parent.at(year)
        pa_l, pa_inputs_l, pa_how_l = parent.at(last)
        if pa_l <= 0:
            raise EstimateError([f"{where}: the parent series {parent.name} is 0 in {last}"])
        e_nat = e_last * pa_y / pa_l
        proxy_year = year if national_proxy.covers(year) else national_proxy.years[1]
        share, s_inputs, s_text = _share(where, year, national_proxy, city_proxy, proxy_year)
        text = (
            f"{category} {gas} {year}: national {last} {e_how} kt x {parent.name} {year} {pa_how_y} / {last} "
            f"{pa_how_l} = {fmt(e_nat)} kt, x ({s_text})"
        )
        return e_nat * share, (*e_inputs, *pa_inputs_y, *pa_inputs_l, *s_inputs), text, share
    p_last, pn_inputs, pn_how = national_proxy.at(last)
    p_city, pc_inputs, pc_how = city_proxy.at(year)
    if p_last <= 0:
        raise EstimateError([f"{where}: the national {national_proxy.name} is 0 in {last}"])
    text = (
        f"{category} {gas} {year} (intensity of {last} held): {e_how} kt / national {national_proxy.name} "
        f"{last} {pn_how} x city {city_proxy.name} {year} {pc_how}"
    )
    return e_last / p_last * p_city, (*e_inputs, *pn_inputs, *pc_inputs), text, None
