"""The city's district heat and electricity factors from its plants (I.4.4), worked by hand: several plants,
a plant that burns two fuels, a heat-only boiler, a power-only plant, plants with fuel and no outputs or with
outputs and no fuel, and outputs under one TJ.

IPCC 2006 energy-industries defaults (kg per TJ): natural gas CO2 56,100, CH4 1, N2O 0.1; other bituminous coal
CO2 94,600, CH4 1, N2O 1.5, NCV 25.8 TJ/Gg. AR5: CH4 28, N2O 265. The efficiency method with its defaults:
heat share = (H / 0.8) / (H / 0.8 + P / 0.35). 1 Gcal = 0.0041868 TJ, 1 MWh = 0.0036 TJ.
"""

from __future__ import annotations

import polars as pl
import pytest

from qala.inventory.engine import InventoryError

from .test_inventory_cases import frame, run

REL = 1e-9
GWP = {"CO2": 1.0, "CH4": 28.0, "N2O": 265.0}
A = {"CO2": 56_100_000.0, "CH4": 1_000.0, "N2O": 100.0}  # kg: plant A, 1,000 TJ of gas
# kg: plant B, 200 TJ of gas and 1,000 t of coal (1 Gg x 25.8 TJ/Gg = 25.8 TJ)
B = {"CO2": 200 * 56_100 + 25.8 * 94_600, "CH4": 200 * 1 + 25.8 * 1, "N2O": 200 * 0.1 + 25.8 * 1.5}
SHARE_A = (400 / 0.8) / (400 / 0.8 + 300 / 0.35)  # = 7/19


def co2e_t(kg: dict[str, float]) -> float:
    return sum(v * GWP[g] for g, v in kg.items()) / 1000


def plant_a(name: str = "plant-a") -> list[tuple]:
    return [
        ("I.4.4", "natural_gas", 1000.0, "TJ", name),
        ("I.4.4", "heat_output", 400.0, "TJ", name),
        ("I.4.4", "electricity_output", 300.0, "TJ", name),
    ]


def test_the_district_heat_factor_of_two_plants_one_burning_two_fuels(catalog) -> None:
    inv = run(
        catalog,
        frame(
            *plant_a(),
            ("I.4.4", "natural_gas", 200.0, "TJ", "plant-b"),
            ("I.4.4", "other_bituminous_coal", 1000.0, "t", "plant-b"),
            ("I.4.4", "heat_output", 160.0, "TJ", "plant-b"),  # a heat-only boiler: all of it goes with the heat
            ("I.1.2", "district_heat", 100.0, "TJ"),
        ),
    )
    assert B["CO2"] == pytest.approx(13_660_680.0)
    chp = inv.chp
    assert [(f.facility, f.heat_tj, f.power_tj) for f in chp.facilities] == [
        ("plant-a", 400.0, 300.0),
        ("plant-b", 160.0, 0.0),
    ]
    assert [f.heat_share for f in chp.facilities] == pytest.approx([7 / 19, 1.0], rel=REL)
    assert [f.emissions_tco2e for f in chp.facilities] == pytest.approx([co2e_t(A), co2e_t(B)], rel=REL)
    heat = {g: (A[g] * SHARE_A + B[g]) / (400 + 160) for g in A}  # kg per TJ of all the heat supplied
    power = {g: A[g] * (1 - SHARE_A) / 300 for g in A}
    assert chp.heat_factor_kg_per_tj == pytest.approx(heat, rel=REL)
    assert chp.power_factor_kg_per_tj == pytest.approx(power, rel=REL)
    assert chp.heat_factor_tco2e_per_gcal == pytest.approx(co2e_t(heat) * 0.0041868, rel=REL)
    assert chp.power_factor_tco2e_per_mwh == pytest.approx(co2e_t(power) * 0.0036, rel=REL)
    assert inv.by_scope["2"] == pytest.approx(100 * co2e_t(heat), rel=REL)  # 100 TJ of heat bought


def test_a_plant_without_outputs_stays_apart_and_outputs_without_fuel_count_as_zero_emission(catalog) -> None:
    inv = run(
        catalog,
        frame(
            ("I.4.4", "natural_gas", 100.0, "TJ", "plant-0"),  # first in order: the others are still counted
            *plant_a(),
            ("I.4.4", "heat_output", 100.0, "TJ", "plant-z"),
        ),
    )
    assert inv.warnings == (
        "plant 'plant-0' has fuel in I.4.4 but no heat_output or electricity_output: its emissions stay in I.4.4 "
        "and do not enter the district-heat factor",
        "plant 'plant-z' has outputs but no fuel in I.4.4: its outputs count as zero-emission",
    )
    chp = inv.chp
    assert [(f.facility, f.emissions_tco2e) for f in chp.facilities] == [
        ("plant-a", pytest.approx(co2e_t(A), rel=REL)),
        ("plant-z", 0.0),
    ]
    assert chp.heat_factor_kg_per_tj == pytest.approx({g: A[g] * SHARE_A / (400 + 100) for g in A}, rel=REL)
    assert inv.totals["territorial"] == pytest.approx(co2e_t(A) + co2e_t({g: v / 10 for g, v in A.items()}))


def test_a_power_only_plant_gives_no_district_heat_factor_not_a_zero(catalog) -> None:
    inv = run(
        catalog,
        frame(("I.4.4", "natural_gas", 100.0, "TJ", "plant-p"), ("I.4.4", "electricity_output", 35.0, "TJ", "plant-p")),
    )
    chp = inv.chp
    assert chp.heat_factor_kg_per_tj == {} and chp.heat_factor_tco2e_per_gcal is None
    tenth = {g: v / 10 for g, v in A.items()}  # 100 TJ of gas
    assert chp.power_factor_kg_per_tj == pytest.approx({g: v / 35 for g, v in tenth.items()}, rel=REL)
    assert chp.power_factor_tco2e_per_mwh == pytest.approx(co2e_t(tenth) / 35 * 0.0036, rel=REL)


def test_outputs_under_one_tj_still_give_factors(catalog) -> None:
    inv = run(
        catalog,
        frame(
            ("I.4.4", "natural_gas", 1.0, "TJ", "small"),
            ("I.4.4", "heat_output", 0.5, "TJ", "small"),
            ("I.4.4", "electricity_output", 0.2, "TJ", "small"),
        ),
    )
    share = (0.5 / 0.8) / (0.5 / 0.8 + 0.2 / 0.35)
    one_tj = {g: v / 1000 for g, v in A.items()}
    assert inv.chp.heat_factor_kg_per_tj == pytest.approx({g: v * share / 0.5 for g, v in one_tj.items()}, rel=REL)
    assert inv.chp.power_factor_kg_per_tj == pytest.approx(
        {g: v * (1 - share) / 0.2 for g, v in one_tj.items()}, rel=REL
    )


def test_reference_efficiencies_given_by_the_user_change_the_share_and_are_named_so(catalog) -> None:
    inv = run(catalog, frame(*plant_a()), reference_heat_efficiency=0.85)
    share = (400 / 0.85) / (400 / 0.85 + 300 / 0.35)  # = 0.3824..., not 7/19 = 0.3684...
    assert inv.chp.facilities[0].heat_share == pytest.approx(share, rel=REL)
    assert inv.chp.heat_factor_kg_per_tj == pytest.approx({g: v * share / 400 for g, v in A.items()}, rel=REL)
    power_source = catalog.chp_parameters["efficiency.reference_power_efficiency"].source
    assert power_source.startswith("GHG Protocol")
    assert inv.chp.parameters == {
        "reference_heat_efficiency": {"value": 0.85, "source": "given by the user"},
        "reference_power_efficiency": {"value": 0.35, "source": power_source},
    }
    default = run(catalog, frame(*plant_a())).chp.parameters
    assert default["reference_heat_efficiency"] == {
        "value": 0.8,
        "source": catalog.chp_parameters["efficiency.reference_heat_efficiency"].source,
    }


def test_an_unknown_chp_method_is_refused_with_the_methods_there_are(catalog) -> None:
    with pytest.raises(InventoryError) as caught:
        run(catalog, frame(*plant_a()), chp_method="exergy")
    assert caught.value.problems == [
        "unknown CHP allocation method 'exergy'; expected one of efficiency, energy_content"
    ]


def test_a_grid_factor_chosen_by_the_user_applies_and_is_recorded(catalog) -> None:
    # IFI 2021 combined margin, 532 g CO2/kWh: 1,000 MWh = 1e6 kWh x 532 g = 532 t
    inv = run(catalog, frame(("I.1.2", "grid_electricity", 1_000.0, "MWh")), grid_factor="kz_ifi_2021_cm")
    assert inv.totals["basic"] == pytest.approx(532.0, rel=REL)
    assert inv.methodology["grid_electricity_factor"]["id"] == "kz_ifi_2021_cm"
    assert inv.methodology["grid_electricity_factor"]["value"] == 532.0


def test_unknown_cells_and_misplaced_outputs_are_all_named(catalog) -> None:
    rows = frame(
        ("I.9.9", "natural_gas", 1.0, "TJ"),
        ("I.1.1", "heat_output", 1.0, "TJ"),
        ("I.4.4", "electricity_output", 1.0, "TJ"),  # no facility
        ("I.4.4", "heat_output", 1.0, "TJ", "plant-a"),  # in its place: no problem
    )
    with pytest.raises(InventoryError) as caught:
        run(catalog, rows)
    assert caught.value.problems == [
        "I.1.1 heat_output: heat_output is a plant's output and belongs in I.4.4 "
        "(energy generation supplied to the grid)",
        "I.4.4 electricity_output: electricity_output needs a facility code naming the plant (column 'facility')",
        "unknown GPC reference 'I.9.9'",
    ]


def test_derived_and_grid_factors_carry_their_unit_and_source_on_each_row(catalog) -> None:
    inv = run(
        catalog,
        frame(*plant_a(), ("I.1.2", "district_heat", 100.0, "TJ"), ("I.1.2", "grid_electricity", 10.0, "MWh")),
        chp_method="energy_content",
    )
    rows = inv.rows.filter(pl.col("activity").is_in(["district_heat", "grid_electricity"]))
    got = rows.select("activity", "gas", "factor", "factor_unit", "factor_source").rows()
    share = 400 / 700  # energy content: H / (H + P)
    derived = "derived from the city's plants by the energy-content method (see chp)"
    grid = catalog.grid_factors["kz_ifi_2021_om"]
    assert grid.source.startswith("IFI Dataset of Default Grid Factors 2021")
    by_activity = "IFI harmonised grid emission factor, operating margin, 2021 (797 g/kWh): " + grid.source
    expected = [("district_heat", g, A[g] * share / 400, "kg/TJ", derived) for g in ("CH4", "CO2", "N2O")]
    expected.append(("grid_electricity", "CO2", 797 / 1000 / 0.0000036, "kg/TJ", by_activity))  # g/kWh -> kg/TJ
    assert [r[:2] + r[3:] for r in got] == [e[:2] + e[3:] for e in expected]
    assert [r[2] for r in got] == pytest.approx([e[2] for e in expected], rel=REL)


def test_district_heat_without_a_supplying_plant_is_refused_with_what_to_do(catalog) -> None:
    with pytest.raises(InventoryError) as caught:
        run(catalog, frame(("I.1.2", "district_heat", 100.0, "TJ")))
    assert caught.value.problems == [
        "district_heat is consumed but no plant supplies heat in this year's data: add the plants' fuel and "
        "heat_output under I.4.4 (with a facility code), or give the district_heat rows their own "
        "ef_co2/ef_ch4/ef_n2o"
    ]


@pytest.mark.parametrize(
    ("rows", "options", "problem"),
    [
        (
            [("I.4.4", "natural_gas", 10.0, "TJ", "p"), ("I.4.4", "heat_output", 0.0, "TJ", "p")],
            {},
            "a plant with fuel needs a heat or electricity output to allocate",
        ),
        (plant_a(), {"reference_heat_efficiency": 1.5}, "reference efficiencies must lie in (0, 1]"),
    ],
)
def test_an_allocation_that_cannot_be_made_is_refused_by_its_reason(catalog, rows, options, problem) -> None:
    with pytest.raises(InventoryError) as caught:
        run(catalog, frame(*rows), **options)
    assert caught.value.problems == [problem]


def test_the_methodology_names_every_choice_and_its_source(catalog) -> None:
    inv = run(catalog, frame(("I.1.1", "natural_gas", 1.0, "TJ")), gwp="AR4", grid_factor="kz_ember_2024")
    gwp, grid = catalog.gwp_sets["AR4"], catalog.grid_factors["kz_ember_2024"]
    assert inv.methodology == {
        "standard": "GPC v1.1 (WRI, C40, ICLEI); IPCC 2006 Guidelines Tier 1 defaults unless a row gives its own",
        "gwp_set": {
            "code": "AR4",
            "name": gwp.name,
            "values": {"CO2": 1.0, "CH4": 25.0, "N2O": 298.0},
            "source": gwp.source,
        },
        "grid_electricity_factor": {
            "id": "kz_ember_2024",
            "value": 801.79,
            "unit": "g/kWh",
            "gas": "CO2",
            "basis": "Ember average grid emission intensity, generation basis",
            "year": 2024,
            "source": grid.source,
        },
        "chp_allocation_method": "efficiency",
        "waste_method": "methane commitment (GPC Eq. 8.3)",
        "catalog_version": catalog.version,
        "catalog_sha256": catalog.digest,
    }
    assert gwp.name.startswith("IPCC Fourth Assessment Report") and "globalwarmingpotentials" in gwp.source
    assert len(catalog.digest) == 64 and catalog.version.startswith("20")
