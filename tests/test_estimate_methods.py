"""Each estimation method checked by hand: the arithmetic is written out in the test, never taken from the code."""

from __future__ import annotations

import math

import pytest

from qala.estimate import Estimate, EstimateError, Input
from qala.estimate.derive import derive
from qala.estimate.downscale import downscale
from qala.estimate.landfill import FodParameters, WasteType, first_order_decay
from qala.estimate.road import VehicleClass, road_stock
from qala.estimate.series import Series
from qala.estimate.timeseries import interpolate, surrogate
from qala.estimate.wastewater import WastewaterParameters, wastewater

REL = 1e-9


def inp(name: str, value: float, unit: str = "1", year: int | str | None = None) -> Input:
    return Input(name, value, unit, year, f"source of {name}")


def series(name: str, unit: str, points: dict[int, float], fill: str = "linear") -> Series:
    return Series(name, unit, {y: inp(f"{name} {y}", v, unit, y) for y, v in points.items()}, fill)


def amounts(made: list[Estimate]) -> dict[tuple[int, str], float]:
    return {(e.year, e.activity): e.amount for e in made}


# --- series ----------------------------------------------------------------------------------------------
def test_series_interpolates_between_points_and_never_extrapolates() -> None:
    s = series("population", "persons", {2015: 100.0, 2019: 140.0})
    assert s.at(2017)[0] == pytest.approx(120.0, rel=REL)  # 100 + (140 - 100) x 2 / 4
    with pytest.raises(EstimateError, match=r"no value for 2020: it covers 2015–2019"):
        s.at(2020)
    held = series("rate", "t/person", {2015: 0.5, 2024: 0.4}, "linear_hold_ends")
    assert held.at(2000)[0] == 0.5 and held.at(2030)[0] == 0.4


def test_a_negative_population_is_a_named_error() -> None:
    with pytest.raises(EstimateError, match=r"series 'population' 2016: a negative value"):
        series("population", "persons", {2015: 100.0, 2016: -5.0})


# --- downscale -------------------------------------------------------------------------------------------
def downscale_case(carry: str = "hold_intensity", parent: dict | None = None, years=(2018, 2019)):
    national = {"CO2": series("road CO2", "kt", {2018: 80.0, 2019: 100.0}, "none")}
    return downscale(
        cell="II.1.1",
        category="1.A.3.b",
        national=national,
        national_proxy=series("population KZ", "persons", {2018: 1000.0, 2019: 1000.0, 2020: 1200.0}),
        city_proxy=series("population", "persons", {2018: 40.0, 2019: 50.0, 2020: 60.0, 2021: 66.0}),
        years=list(years),
        carry=carry,
        parent=parent,
    )


def test_downscale_by_hand() -> None:
    # 2018: 80 kt x 40 / 1,000 = 3.2 kt = 3,200 t; 2019: 100 kt x 50 / 1,000 = 5 kt = 5,000 t
    got = amounts(downscale_case())
    assert got == pytest.approx({(2018, "emissions_co2"): 3_200.0, (2019, "emissions_co2"): 5_000.0}, rel=REL)


def test_downscale_carried_by_held_intensity() -> None:
    # after 2019: 100 kt / 1,000 persons x city population: 2020 -> 60 x 0.1 = 6 kt; 2021 -> 66 x 0.1 = 6.6 kt
    got = amounts(downscale_case(years=(2020, 2021)))
    assert got == pytest.approx({(2020, "emissions_co2"): 6_000.0, (2021, "emissions_co2"): 6_600.0}, rel=REL)


def test_downscale_carried_by_a_parent_categorys_trend() -> None:
    # parent 2019 = 200, 2020 = 150: national 2020 = 100 x 150 / 200 = 75 kt; share 2020 = 60 / 1,200 = 0.05
    # -> 3.75 kt = 3,750 t. 2021 is beyond the parent: held intensity 100 / 1,000 x 66 = 6.6 kt
    parent = {"CO2": series("transport CO2", "kt", {2019: 200.0, 2020: 150.0}, "none")}
    got = amounts(downscale_case("parent_trend", parent, years=(2020, 2021)))
    assert got == pytest.approx({(2020, "emissions_co2"): 3_750.0, (2021, "emissions_co2"): 6_600.0}, rel=REL)


def test_downscale_astana_road_co2_2017_by_hand() -> None:
    from qala.catalog.estimation import load_estimation_reference

    ref = load_estimation_reference()
    national = {"CO2": ref.national_gases("2021", "1.A.3.b")["CO2"]}
    city = series("population", "persons", {2017: 972_692.0})
    got = downscale(
        cell="II.1.1",
        category="1.A.3.b",
        national=national,
        national_proxy=ref.national_series["population"],
        city_proxy=city,
        years=[2017],
    )
    # Kazakhstan's road CO2 2017: 20,221.64 kt (2021 submission); population 1 Jan 2017: 972,692 / 17,918,214
    assert got[0].amount == pytest.approx(20_221.64 * 972_692 / 17_918_214 * 1000, rel=REL)  # 1,097,733.7 t


def test_downscale_refuses_a_share_above_one_and_a_year_outside_the_proxy() -> None:
    national = {"CO2": series("road CO2", "kt", {2019: 100.0}, "none")}
    with pytest.raises(EstimateError, match=r"share of population KZ is 1.5, above 1"):
        downscale(
            cell="II.1.1",
            category="1.A.3.b",
            national=national,
            national_proxy=series("population KZ", "persons", {2019: 100.0}),
            city_proxy=series("population", "persons", {2019: 150.0}),
            years=[2019],
        )
    with pytest.raises(EstimateError, match=r"series 'population' has no value for 2019: it covers 2010–2015"):
        downscale(
            cell="II.1.1",
            category="1.A.3.b",
            national=national,
            national_proxy=series("population KZ", "persons", {2019: 100.0}),
            city_proxy=series("population", "persons", {2010: 10.0, 2015: 12.0}),
            years=[2019],
        )


# --- time series -----------------------------------------------------------------------------------------
def test_interpolation_and_surrogate_by_hand() -> None:
    anchors = {2017: inp("coal 2017", 3_323_000.0, "t", 2017), 2024: inp("coal 2024", 3_200_000.0, "t", 2024)}
    got = interpolate(cell="I.4.4", activity="other_bituminous_coal", unit="t", anchors=anchors, years=[2020])
    # 3,323,000 + (3,200,000 - 3,323,000) x 3 / 7 = 3,323,000 - 52,714.2857 = 3,270,285.714
    assert got[0].amount == pytest.approx(3_323_000 - 123_000 * 3 / 7, rel=REL)
    pop = series("population", "persons", {2015: 852_803.0, 2017: 972_692.0})
    sur = surrogate(
        cell="I.4.4", activity="other_bituminous_coal", unit="t", anchor=anchors[2017], proxy=pop, years=[2015]
    )
    assert sur[0].amount == pytest.approx(3_323_000 * 852_803 / 972_692, rel=REL)  # 2,913,424 t


# --- derive ----------------------------------------------------------------------------------------------
def test_derive_checks_units_by_hand() -> None:
    # a season's heat brought to the calendar year: 6,391,000 Gcal x 3,323,000 t / 2,766,000 t = 7,677,980 Gcal
    inputs = {
        "heat": inp("heat", 6_391_000.0, "Gcal"),
        "coal": inp("coal", 3_323_000.0, "t"),
        "season": inp("season", 2_766_000.0, "t"),
    }
    got = derive(
        cell="I.4.4",
        activity="heat_output",
        unit="Gcal",
        expression="heat * coal / season",
        inputs=inputs,
        years=[2017],
    )
    assert got[0].amount == pytest.approx(6_391_000 * 3_323_000 / 2_766_000, rel=REL)
    # the same figure asked in TJ: x 0.0041868 TJ/Gcal (International Table calorie)
    in_tj = derive(
        cell="I.4.4", activity="heat_output", unit="TJ", expression="heat * coal / season", inputs=inputs, years=[2017]
    )
    assert in_tj[0].amount == pytest.approx(6_391_000 * 3_323_000 / 2_766_000 * 0.0041868, rel=1e-9)
    with pytest.raises(EstimateError, match=r"gives .*ton.*, not Gcal"):
        derive(
            cell="I.4.4",
            activity="heat_output",
            unit="Gcal",
            expression="coal * season / season",
            inputs=inputs,
            years=[2017],
        )
    with pytest.raises(EstimateError, match=r"uses missing, which no input names"):
        derive(
            cell="I.4.4", activity="heat_output", unit="Gcal", expression="heat * missing", inputs=inputs, years=[2017]
        )


# --- road transport from the stock -----------------------------------------------------------------------
def test_road_stock_by_hand() -> None:
    cars = VehicleClass(
        "cars, petrol",
        "motor_gasoline",
        series("cars", "vehicles", {2020: 1_000.0}),
        inp("distance", 15_000.0, "km/vehicle"),
        inp("consumption", 8.0, "L/(100 km)"),
        inp("density", 0.74, "kg/L"),
    )
    vans = VehicleClass(
        "vans, petrol",
        "motor_gasoline",
        series("vans", "vehicles", {2020: 100.0}),
        inp("distance", 20_000.0, "km/vehicle"),
        inp("consumption", 90.0, "g/km"),
    )
    buses = VehicleClass(
        "e-buses",
        "grid_electricity",
        series("buses", "vehicles", {2020: 10.0}),
        inp("distance", 50_000.0, "km/vehicle"),
        inp("consumption", 120.0, "kWh/(100 km)"),
    )
    got = {(e.gpc_ref, e.activity): e.amount for e in road_stock(classes=[cars, vans, buses], years=[2020])}
    # cars: 1,000 x 15,000 km x 8 L/100 km = 1,200,000 L x 0.74 kg/L = 888,000 kg = 888 t
    # vans: 100 x 20,000 km x 90 g/km = 180,000,000 g = 180 t   -> gasoline 888 + 180 = 1,068 t
    # buses: 10 x 50,000 km x 1.2 kWh/km = 600,000 kWh = 600 MWh, grid electricity in II.1.2
    assert got == pytest.approx(
        {("II.1.1", "motor_gasoline"): 1_068.0, ("II.1.2", "grid_electricity"): 600.0}, rel=1e-9
    )


def test_road_stock_needs_a_density_for_volumes() -> None:
    cars = VehicleClass(
        "cars",
        "motor_gasoline",
        series("cars", "vehicles", {2020: 1.0}),
        inp("distance", 1.0, "km/vehicle"),
        inp("consumption", 8.0, "L/(100 km)"),
    )
    with pytest.raises(EstimateError, match="add a density"):
        road_stock(classes=[cars], years=[2020])


# --- wastewater --------------------------------------------------------------------------------------------
def test_wastewater_by_hand() -> None:
    p = WastewaterParameters(
        bod=inp("bod", 60.0, "g/person/day"),
        bo=inp("bo", 0.6),
        mcf=inp("mcf", 0.3),
        t_share=inp("t", 1.0),
        i_factor=inp("i", 1.25),
        protein=inp("protein", 30.0, "kg/person"),
        f_npr=inp("f_npr", 0.16),
        f_non_con=inp("f_non_con", 1.1),
        f_ind_com=inp("f_ind_com", 1.25),
        ef_effluent=inp("ef", 0.005),
    )
    got = amounts(wastewater(population=series("population", "persons", {2020: 100_000.0}), params=p, years=[2020]))
    # TOW = 100,000 x 60 g x 0.001 x 1.25 x 365 = 2,737,500 kg BOD; EF = 0.6 x 0.3 = 0.18 kg CH4/kg BOD
    # CH4 = 1 x 0.18 x 2,737,500 = 492,750 kg = 492.75 t
    # N = 100,000 x 30 x 0.16 x 1.1 x 1.25 = 660,000 kg N; N2O = 660,000 x 0.005 x 44/28 = 5,185.714 kg
    assert got[(2020, "emissions_ch4")] == pytest.approx(492.75, rel=REL)
    assert got[(2020, "emissions_n2o")] == pytest.approx(660_000 * 0.005 * 44 / 28 / 1000, rel=REL)


# --- landfill: first-order decay ---------------------------------------------------------------------------
def fod(deposits: dict[int, float], years: list[int], delay: float = 6.0) -> dict[int, float]:
    types = [WasteType("food", inp("share", 1.0), inp("doc", 0.15), inp("k", 0.06, "1/yr"))]
    params = FodParameters(
        docf=inp("docf", 0.5),
        mcf=inp("mcf", 1.0),
        f=inp("f", 0.5),
        ox=inp("ox", 0.0),
        delay_months=inp("delay", delay, "month"),
    )
    made = first_order_decay(
        deposits={y: (w, (), f"{w}") for y, w in deposits.items()}, types=types, params=params, years=years
    )
    return {e.year: e.amount for e in made}


def test_fod_one_deposit_by_hand() -> None:
    # 1,000 t of food waste in year 1: DDOCm = 1,000 x 0.15 x 0.5 x 1.0 = 75 t. With the default 6-month delay
    # (the Waste Model's M = 6 + 7 = 13) nothing decays in year 1. Year 2: 75 x (1 - e^-0.06) = 4.367660 t
    # decomposed -> CH4 = 4.367660 x 0.5 x 16/12 = 2.911773 t; year 3: x e^-0.06 = 2.742205 t; year 6: 2.290482 t
    # (hand values of the equations 3.4-3.6, research notes research-13, table 1e, case A).
    got = fod({1: 1_000.0}, [1, 2, 3, 6])
    assert got[1] == 0.0
    assert got[2] == pytest.approx(2.911773, abs=5e-7)
    assert got[3] == pytest.approx(2.742205, abs=5e-7)
    assert got[6] == pytest.approx(2.290482, abs=5e-7)
    assert got[2] == pytest.approx(75 * (1 - math.exp(-0.06)) * 0.5 * 16 / 12, rel=REL)


def test_fod_constant_deposits_match_the_closed_form() -> None:
    # 1,000 t every year from year 1: CH4 in year T = 75 x 0.5 x 16/12 x (1 - e^-0.06) x sum_{j=0}^{T-2} e^-0.06j
    # = 50 x (1 - e^(-0.06 (T-1))); year 3: 5.653978 t, year 6: 12.959089 t (research-13 table 1e, case C)
    got = fod(dict.fromkeys(range(1, 7), 1000.0), [3, 6])
    assert got[3] == pytest.approx(5.653978, abs=5e-7)
    assert got[6] == pytest.approx(50 * (1 - math.exp(-0.06 * 5)), rel=1e-12)


def test_fod_without_delay_decays_half_a_year_in_the_deposition_year() -> None:
    # delay 0 months: M = 7, so (13 - 7) / 12 = half a year of decay in year 1:
    # 75 x (1 - e^(-0.06 x 0.5)) = 2.216590 t decomposed -> CH4 = 2.216590 x 2/3 = 1.477727 t
    got = fod({1: 1_000.0}, [1], delay=0.0)
    assert got[1] == pytest.approx(75 * (1 - math.exp(-0.03)) * 0.5 * 16 / 12, rel=REL)


def test_fod_refuses_bad_parameters() -> None:
    types = [WasteType("bulk", inp("share", 0.8), inp("doc", 0.15), inp("k", 0.05))]
    params = FodParameters(
        docf=inp("docf", 1.5), mcf=inp("mcf", 1.0), f=inp("f", 0.5), ox=inp("ox", 0.0), delay_months=inp("delay", 6.0)
    )
    with pytest.raises(EstimateError) as exc:
        first_order_decay(deposits={2000: (1.0, (), "1")}, types=types, params=params, years=[2005])
    text = str(exc.value)
    assert "shares must add up to 1" in text and "DOCf must lie between 0 and 1" in text


def test_an_input_needs_a_source_and_a_finite_value() -> None:
    with pytest.raises(EstimateError, match="needs its source"):
        Input("x", 1.0, "t", 2020, "")
    with pytest.raises(EstimateError, match="finite number"):
        Input("x", float("inf"), "t", 2020, "s")
