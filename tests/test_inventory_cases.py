"""Inventory cases computed by hand: the arithmetic is written out with the published factors.

IPCC 2006 defaults used below (kg per TJ, NCV basis): natural gas CO2 56,100; other bituminous coal
CO2 94,600; residential CH4/N2O gas 5/0.1, wood 300/4; energy industries CH4/N2O gas 1/0.1, coal
1/1.5; road diesel CO2 74,100, CH4 3.9, N2O 3.9. NCV (TJ/Gg): coal 25.8, diesel 43.0, wood 15.6.
AR5 GWP-100: CH4 28, N2O 265; AR4: 25, 298; AR6: 27.9, 273.
"""

import polars as pl
import pytest

from qala.inventory.engine import InventoryError, InventoryOptions, compute_inventory

REL = 1e-9


def frame(*rows: tuple) -> pl.DataFrame:
    cols = ("gpc_ref", "activity", "amount", "unit", "facility", "ef_co2", "ef_ch4", "ef_n2o")
    padded = [tuple(r) + (None,) * (len(cols) - len(r)) for r in rows]
    return pl.DataFrame(
        padded,
        schema={
            "gpc_ref": pl.String,
            "activity": pl.String,
            "amount": pl.Float64,
            "unit": pl.String,
            "facility": pl.String,
            "ef_co2": pl.Float64,
            "ef_ch4": pl.Float64,
            "ef_n2o": pl.Float64,
        },
        orient="row",
    )


def run(catalog, df, **opts):
    return compute_inventory(df, catalog, city="test", year=2022, options=InventoryOptions(**opts))


def gas_t(inv, ref, gas):
    return inv.rows.filter((pl.col("gpc_ref") == ref) & (pl.col("gas") == gas))["mass_t"].sum()


def test_case1_residential_gas_in_gj(catalog) -> None:
    # 1,000 GJ = 1 TJ. CO2 1 x 56,100 kg = 56.1 t; CH4 1 x 5 kg = 0.005 t; N2O 1 x 0.1 kg = 0.0001 t
    inv = run(catalog, frame(("I.1.1", "natural_gas", 1000.0, "GJ")))
    assert gas_t(inv, "I.1.1", "CO2") == pytest.approx(56.1, rel=REL)
    assert gas_t(inv, "I.1.1", "CH4") == pytest.approx(0.005, rel=REL)
    expected = 56.1 + 0.005 * 28 + 0.0001 * 265  # = 56.2665
    assert inv.totals["basic"] == pytest.approx(56.2665, rel=REL)
    assert inv.totals == pytest.approx({"basic": expected, "basic_plus": expected, "territorial": expected}, rel=REL)
    assert inv.by_sector["I"] == pytest.approx(expected, rel=REL)
    assert inv.by_scope == pytest.approx({"1": expected, "2": 0.0, "3": 0.0}, rel=REL)


def test_case2_chp_coal_in_tonnes_is_territorial_only(catalog) -> None:
    # 10,000 t = 10 Gg x 25.8 TJ/Gg = 258 TJ; CO2 258 x 94,600 kg = 24,406.8 t;
    # CH4 258 x 1 kg = 0.258 t; N2O 258 x 1.5 kg = 0.387 t
    inv = run(catalog, frame(("I.4.4", "other_bituminous_coal", 10_000.0, "t", "tets2")))
    expected = 24_406.8 + 0.258 * 28 + 0.387 * 265  # = 24,516.579
    assert expected == pytest.approx(24_516.579)
    assert inv.totals["territorial"] == pytest.approx(expected, rel=REL)
    assert inv.totals["basic"] == 0.0 and inv.totals["basic_plus"] == 0.0  # I.4.4 is outside BASIC/BASIC+
    assert inv.warnings  # fuel without outputs: said, not silent


def test_case3_chp_efficiency_method_and_district_heat(catalog) -> None:
    # Gas CHP: 1,000 TJ fuel -> CO2 56,100 t, CH4 1 t, N2O 0.1 t = 56,100 + 28 + 26.5 = 56,154.5 t CO2e.
    # Outputs: heat 400 TJ, power 300 TJ. Efficiency method (e_H 0.8, e_P 0.35):
    # share_heat = (400/0.8) / (400/0.8 + 300/0.35) = 500 / (500 + 857.142857...) = 7/19.
    # Consumers: 50,000 Gcal x 4.1868 GJ/Gcal = 209.34 TJ of district heat in I.1.2.
    df = frame(
        ("I.4.4", "natural_gas", 1000.0, "TJ", "chp"),
        ("I.4.4", "heat_output", 400.0, "TJ", "chp"),
        ("I.4.4", "electricity_output", 300.0, "TJ", "chp"),
        ("I.1.2", "district_heat", 50_000.0, "Gcal"),
    )
    inv = run(catalog, df)
    plant = 56_100 + 1 * 28 + 0.1 * 265
    assert inv.chp is not None
    assert inv.chp.facilities[0].heat_share == pytest.approx(7 / 19, rel=REL)
    heat_per_tj = plant * (7 / 19) / 400  # t CO2e per TJ of heat supplied
    assert inv.chp.heat_factor_tco2e_per_gcal == pytest.approx(heat_per_tj * 0.0041868, rel=REL)
    scope2 = 209.34 * heat_per_tj  # = 10,827.36...
    assert inv.by_scope["2"] == pytest.approx(scope2, rel=REL)
    assert inv.totals["basic"] == pytest.approx(scope2, rel=REL)
    assert inv.totals["territorial"] == pytest.approx(plant, rel=REL)
    power_per_mwh = plant * (12 / 19) / 300 * 0.0036
    assert inv.chp.power_factor_tco2e_per_mwh == pytest.approx(power_per_mwh, rel=REL)


def test_case3b_energy_content_method(catalog) -> None:
    # share_heat = 400 / (400 + 300) = 4/7
    df = frame(
        ("I.4.4", "natural_gas", 1000.0, "TJ", "chp"),
        ("I.4.4", "heat_output", 400.0, "TJ", "chp"),
        ("I.4.4", "electricity_output", 300.0, "TJ", "chp"),
        ("I.2.2", "district_heat", 100.0, "TJ"),
    )
    inv = run(catalog, df, chp_method="energy_content")
    plant = 56_100 + 28 + 26.5
    assert inv.chp.facilities[0].heat_share == pytest.approx(4 / 7, rel=REL)
    assert inv.by_scope["2"] == pytest.approx(100 * plant * (4 / 7) / 400, rel=REL)


def test_case4_grid_electricity_and_losses(catalog) -> None:
    # Default grid factor 797 g CO2/kWh (IFI 2021 operating margin):
    # 10,000 MWh = 1e7 kWh x 797 g = 7.97e9 g = 7,970 t (scope 2, BASIC);
    # 1,000 MWh of T&D losses = 797 t (scope 3, BASIC+ only).
    inv = run(
        catalog, frame(("I.2.2", "grid_electricity", 10_000.0, "MWh"), ("I.2.3", "grid_electricity", 1_000.0, "MWh"))
    )
    assert inv.totals["basic"] == pytest.approx(7_970.0, rel=REL)
    assert inv.totals["basic_plus"] == pytest.approx(7_970.0 + 797.0, rel=REL)
    assert inv.totals["territorial"] == 0.0
    assert inv.by_scope["3"] == pytest.approx(797.0, rel=REL)


def test_case5_road_diesel_and_gwp_sets(catalog) -> None:
    # 100 t diesel = 0.1 Gg x 43.0 TJ/Gg = 4.3 TJ; CO2 4.3 x 74,100 kg = 318.63 t;
    # CH4 = N2O = 4.3 x 3.9 kg = 16.77 kg = 0.01677 t
    df = frame(("II.1.1", "diesel", 100.0, "t"))
    df = df.with_columns(pl.lit("gas_diesel_oil").alias("activity"))
    for gwp, ch4, n2o in (("AR5", 28, 265), ("AR4", 25, 298), ("AR6", 27.9, 273)):
        inv = run(catalog, df, gwp=gwp)
        assert inv.by_sector["II"] == pytest.approx(318.63 + 0.01677 * ch4 + 0.01677 * n2o, rel=REL)
        assert inv.gwp == gwp


def test_case6_biogenic_co2_is_reported_apart(catalog) -> None:
    # 100 t wood = 0.1 Gg x 15.6 = 1.56 TJ; CO2(b) 1.56 x 112,000 kg = 174.72 t (outside totals);
    # CH4 1.56 x 300 kg = 0.468 t; N2O 1.56 x 4 kg = 0.00624 t (inside totals)
    inv = run(catalog, frame(("I.1.1", "wood", 100.0, "t")))
    assert inv.biogenic_co2_t == pytest.approx(174.72, rel=REL)
    assert inv.by_gas["CO2"] == 0.0
    assert inv.totals["basic"] == pytest.approx(0.468 * 28 + 0.00624 * 265, rel=REL)


def test_case7_landfill_methane_commitment(catalog) -> None:
    # GPC Eq. 8.3: CH4 = MSW x MCF x DOC x DOCf x F x 16/12 x (1-R) x (1-OX)
    # = 10,000 t x 0.6 x 0.176 x 0.5 x 0.5 x 16/12 = 352 t CH4 -> x 28 = 9,856 t CO2e
    inv = run(catalog, frame(("III.1.1", "msw_landfilled", 10.0, "kt")))
    assert gas_t(inv, "III.1.1", "CH4") == pytest.approx(352.0, rel=REL)
    assert inv.totals["basic"] == pytest.approx(9_856.0, rel=REL)


def test_case8_user_factors_override_the_catalog(catalog) -> None:
    # 50 t of a process with its own factor 2,000 kg CO2/t = 100 t CO2 in IPPU (BASIC+, not BASIC);
    # natural gas with own CO2 factor 2 kg/m3 and blank CH4/N2O (= 0): 1,000 m3 -> 2 t CO2
    inv = run(
        catalog, frame(("IV.1", "other", 50.0, "t", None, 2000.0), ("I.3.1", "natural_gas", 1000.0, "m3", None, 2.0))
    )
    assert inv.totals["basic_plus"] == pytest.approx(102.0, rel=REL)
    assert inv.totals["basic"] == pytest.approx(2.0, rel=REL)
    assert inv.by_gas["CH4"] == 0.0
    # each row says where its factor came from, in the activity's own unit
    ippu = inv.rows.filter(pl.col("gpc_ref") == "IV.1").sort("gas")
    assert ippu["gas"].to_list() == ["CH4", "CO2", "N2O"] and ippu["factor"].to_list() == [0.0, 2000.0, 0.0]
    assert set(ippu["factor_unit"]) == {"kg/t"}
    assert set(inv.rows.filter(pl.col("gpc_ref") == "I.3.1")["factor_unit"]) == {"kg/m3"}
    assert set(inv.rows["factor_source"]) == {"user-supplied factor in the activity data (blank = 0)"}


def test_case9_natural_gas_in_thousand_cubic_metres(catalog) -> None:
    # 1,000 thousand m3 = 1e6 m3 x 33.82 MJ/m3 = 33.82 TJ; CO2 33.82 x 56,100 kg = 1,897.302 t
    inv = run(catalog, frame(("I.2.1", "natural_gas", 1000.0, "thousand m3")))
    assert gas_t(inv, "I.2.1", "CO2") == pytest.approx(1_897.302, rel=REL)


def test_notation_keys_cover_every_empty_cell(catalog) -> None:
    inv = run(catalog, frame(("I.1.1", "natural_gas", 1.0, "TJ")))
    assert set(inv.notation_keys) | {"I.1.1"} == set(catalog.cells)
    assert inv.notation_keys["I.1.2"].key == "NE"


def test_district_heat_without_plants_is_refused(catalog) -> None:
    with pytest.raises(InventoryError, match="no plant supplies heat") as err:
        run(catalog, frame(("I.1.2", "district_heat", 10.0, "Gcal")))
    assert err.value.problems == [str(err.value)]
    several = InventoryError(["no plant supplies heat", "no factor for 'x' in I.1.1"])  # every problem, in order
    assert str(several) == "no plant supplies heat; no factor for 'x' in I.1.1" and len(several.problems) == 2


def test_json_contract_keys(catalog) -> None:
    d = run(catalog, frame(("I.1.1", "natural_gas", 1.0, "TJ"))).to_dict()
    for key in ("city", "year", "gwp", "unit", "totals", "by_sector", "by_scope", "by_gas", "rows", "notation_keys"):
        assert key in d
    assert set(d["totals"]) == {"basic", "basic_plus", "territorial"}
    row = d["rows"][0]
    for key in ("gpc_ref", "activity", "gas", "mass_t", "tco2e", "factor", "factor_unit", "factor_source"):
        assert key in row


def test_case10_a_rows_own_calorific_value(catalog) -> None:
    # 1,000 t coal at its own NCV 18.4 GJ/t = 18,400 GJ = 18.4 TJ; CO2 18.4 x 94,600 kg = 1,740.64 t
    df = frame(("I.1.1", "other_bituminous_coal", 1000.0, "t")).with_columns(pl.lit("18.4 GJ/t").alias("ncv"))
    inv = run(catalog, df)
    assert gas_t(inv, "I.1.1", "CO2") == pytest.approx(1_740.64, rel=REL)
    assert "NCV 18.4 GJ/t" in inv.rows["conversion"][0]
    # the same coal at the IPCC default NCV 25.8 GJ/t would be 25.8 x 94.6 = 2,440.68 t
    assert gas_t(run(catalog, frame(("I.1.1", "other_bituminous_coal", 1000.0, "t"))), "I.1.1", "CO2") == (
        pytest.approx(2_440.68, rel=REL)
    )


def test_case13_a_plants_biogenic_co2_reaches_consumers_as_a_memo_not_as_fossil_co2(catalog) -> None:
    # Regression (issue 13, item 6): wood 100 TJ at heat-only plant B1, 20,000 Gcal supplied and consumed.
    # Energy industries, wood (IPCC 2006 Tables 1.4, 2.2): CO2 112,000 kg/TJ (biogenic), CH4 30, N2O 4 kg/TJ.
    # CH4 100 x 30 kg = 3 t -> x 28 = 84; N2O 100 x 4 kg = 0.4 t -> x 265 = 106; BASIC = 84 + 106 = 190 t CO2e.
    # The heat-only plant gives all its emissions to heat (share 1); consumers take all 20,000 Gcal.
    # CO2(b): 100 x 112,000 kg = 11,200 t at the plant, and the same 11,200 t with the heat (a memo, no GWP).
    inv = run(
        catalog,
        frame(
            ("I.4.4", "wood", 100.0, "TJ", "B1"),
            ("I.4.4", "heat_output", 20_000.0, "Gcal", "B1"),
            ("I.1.2", "district_heat", 20_000.0, "Gcal"),
        ),
    )
    assert inv.totals["basic"] == pytest.approx(190.0, rel=REL)
    assert inv.totals["territorial"] == pytest.approx(190.0, rel=REL)
    assert gas_t(inv, "I.1.2", "CO2") == 0.0
    assert gas_t(inv, "I.1.2", "CO2(b)") == pytest.approx(11_200.0, rel=REL)
    assert inv.biogenic_co2_t == pytest.approx(11_200.0, rel=REL)  # released at the plant, counted once
    assert inv.biogenic_co2_basic_t == pytest.approx(11_200.0, rel=REL)  # what the consumers' heat carries
    assert inv.chp is not None and inv.chp.heat_factor_tco2e_per_gcal == pytest.approx(190.0 / 20_000.0, rel=REL)


def test_case14_cofiring_coal_and_wood_allocates_only_fossil_co2(catalog) -> None:
    # Plant B2 burns coal 100 TJ and wood 100 TJ, supplies 40,000 Gcal, all consumed in I.1.2.
    # Coal (energy industries): CO2 94,600, CH4 1, N2O 1.5 kg/TJ -> 9,460 t + 0.1 t x 28 + 0.15 t x 265 = 9,502.55
    # Wood: CH4 3 t x 28 + N2O 0.4 t x 265 = 190. BASIC = 9,502.55 + 190 = 9,692.55 (not + 11,200 of wood CO2).
    inv = run(
        catalog,
        frame(
            ("I.4.4", "other_bituminous_coal", 100.0, "TJ", "B2"),
            ("I.4.4", "wood", 100.0, "TJ", "B2"),
            ("I.4.4", "heat_output", 40_000.0, "Gcal", "B2"),
            ("I.1.2", "district_heat", 40_000.0, "Gcal"),
        ),
    )
    assert inv.totals["basic"] == pytest.approx(9_692.55, rel=REL)
    assert gas_t(inv, "I.1.2", "CO2") == pytest.approx(9_460.0, rel=REL)


def test_case15_emissions_given_as_masses_of_gas(catalog) -> None:
    # A downscaled category enters as emissions by gas: 1,000 t CO2 + 2 t CH4 + 0.1 t N2O in II.1.1.
    # AR5: 1,000 + 2 x 28 + 0.1 x 265 = 1,000 + 56 + 26.5 = 1,082.5 t CO2e; AR4: 1,000 + 50 + 29.8 = 1,079.8
    df = frame(
        ("II.1.1", "emissions_co2", 1.0, "kt"),
        ("II.1.1", "emissions_ch4", 2.0, "t"),
        ("II.1.1", "emissions_n2o", 100.0, "kg"),
    )
    assert run(catalog, df).totals["basic"] == pytest.approx(1_082.5, rel=REL)
    assert run(catalog, df, gwp="AR4").totals["basic"] == pytest.approx(1_079.8, rel=REL)
    assert gas_t(run(catalog, df), "II.1.1", "CH4") == pytest.approx(2.0, rel=REL)
    # each gas's row carries its mass as a factor of 1,000 kg per t of itself, and says so
    rows = run(catalog, df).rows.filter(pl.col("gpc_ref") == "II.1.1")
    assert set(rows["factor_unit"]) == {"kg/t"} and set(rows["factor"]) == {1000.0}
