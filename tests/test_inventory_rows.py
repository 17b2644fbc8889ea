"""How the inventory's rows are assembled from activity figures: which figures merge into one row, which never
do, the order and the types of the rows, and the notation keys of the cells without figures — worked by hand.

IPCC 2006 defaults (kg per TJ): natural gas CO2 56,100, residential CH4 5 and N2O 0.1; road diesel CO2 74,100,
CH4 3.9, N2O 3.9 with an NCV of 43.0 TJ/Gg. AR5: CH4 28, N2O 265.
"""

from __future__ import annotations

import polars as pl
import pytest

from qala.inventory.engine import InventoryError, InventoryOptions, compute_inventory
from qala.inventory.result import NotationKey

from .test_inventory_cases import frame, run

REL = 1e-9
GAS_TJ = {"CH4": 5 * 28 / 1000, "CO2": 56.1, "N2O": 0.1 * 265 / 1000}  # t CO2e per TJ of gas burnt at home
# The columns of the rows and their types, the same for an inventory with figures and one without.
ROW_SCHEMA = {
    **dict.fromkeys(("gpc_ref", "sector"), pl.String),
    "scope": pl.Int64,
    **dict.fromkeys(("level", "activity", "facility", "gas"), pl.String),
    "activity_amount": pl.Float64,
    "activity_unit": pl.String,
    "canonical_amount": pl.Float64,
    **dict.fromkeys(("canonical_unit", "conversion"), pl.String),
    "factor": pl.Float64,
    **dict.fromkeys(("factor_unit", "factor_source"), pl.String),
    **dict.fromkeys(("mass_t", "tco2e"), pl.Float64),
    "n_records": pl.Int64,
    **dict.fromkeys(("status", "method"), pl.String),
    "inputs": pl.List(pl.String),
}


def test_rows_are_ordered_by_cell_activity_facility_unit_and_gas_whatever_the_input_order(catalog) -> None:
    inv = run(
        catalog,
        frame(
            ("II.1.1", "gas_diesel_oil", 10.0, "t"),
            ("I.4.4", "natural_gas", 100.0, "TJ", "plant-b"),
            ("I.4.4", "heat_output", 50.0, "TJ", "plant-b"),
            ("I.4.4", "natural_gas", 100.0, "TJ"),  # a plant's fuel without a facility: after the named ones
            ("I.4.4", "natural_gas", 100.0, "TJ", "plant-a"),
            ("I.4.4", "heat_output", 50.0, "TJ", "plant-a"),
            ("I.1.1", "natural_gas", 1.0, "TJ", "house-1"),
            ("I.1.1", "natural_gas", 1000.0, "GJ", "house-2"),
            ("I.1.1", "natural_gas", 2.0, "TJ", "house-3"),
            ("I.1.1", "lpg", 1.0, "t"),  # by activity before natural gas, though its unit sorts after theirs
            ("I.2.1", "natural_gas", 1.0, "TJ", None, 50_000.0, 5.0, 0.1),  # its own factors, kg per TJ
        ),
    )
    assert inv.rows.schema == ROW_SCHEMA
    got = inv.rows.select("gpc_ref", "activity", "facility", "activity_unit").unique(maintain_order=True).rows()
    assert got == [
        ("I.1.1", "lpg", None, "t"),
        ("I.1.1", "natural_gas", None, "GJ"),
        ("I.1.1", "natural_gas", None, "TJ"),  # a facility matters for plants only: the two houses merge
        ("I.2.1", "natural_gas", None, "TJ"),
        ("I.4.4", "natural_gas", "plant-a", "TJ"),
        ("I.4.4", "natural_gas", "plant-b", "TJ"),
        ("I.4.4", "natural_gas", None, "TJ"),
        ("II.1.1", "gas_diesel_oil", None, "t"),
    ]
    assert inv.rows["gas"].to_list() == ["CH4", "CO2", "N2O"] * 8  # and within each, the gases in order
    by = {(r["gpc_ref"], r["activity_unit"], r["facility"], r["gas"]): r for r in inv.rows.iter_rows(named=True)}
    houses = [by[("I.1.1", "TJ", None, gas)] for gas in ("CH4", "CO2", "N2O")]
    assert [(r["n_records"], r["activity_amount"]) for r in houses] == [(2, 3.0)] * 3
    assert [r["tco2e"] for r in houses] == pytest.approx([3 * t for t in GAS_TJ.values()], rel=REL)
    own = [by[("I.2.1", "TJ", None, gas)]["tco2e"] for gas in ("CH4", "CO2", "N2O")]
    assert own == pytest.approx([0.005 * 28, 50.0, 0.0001 * 265], rel=REL)  # 5, 50,000 and 0.1 kg
    # 10 t of diesel = 0.01 Gg x 43.0 TJ/Gg = 0.43 TJ
    diesel = [by[("II.1.1", "t", None, gas)]["tco2e"] for gas in ("CH4", "CO2", "N2O")]
    assert diesel == pytest.approx([0.43 * 3.9 * 28 / 1000, 0.43 * 74.1, 0.43 * 3.9 * 265 / 1000], rel=REL)


def test_reported_and_estimated_figures_never_merge_into_one_row(catalog) -> None:
    df = frame(
        ("I.1.1", "natural_gas", 1.0, "TJ"),
        ("I.1.1", "natural_gas", 1.0, "TJ"),
        ("I.2.1", "natural_gas", 1.0, "TJ"),
    ).with_columns(
        status=pl.Series(["reported", "estimated", None]),
        method=pl.Series([None, "per_capita", None]),
    )
    inv = compute_inventory(df, catalog, city="test", year=2022, options=InventoryOptions())
    got = inv.rows.filter(pl.col("gas") == "CO2").select("gpc_ref", "status", "method", "n_records").rows()
    assert sorted(got, key=str) == sorted(
        [("I.1.1", "reported", None, 1), ("I.1.1", "estimated", "per_capita", 1), ("I.2.1", "reported", None, 1)],
        key=str,
    )  # a figure without a status is a reported one
    one_tj = sum(GAS_TJ.values())
    assert inv.totals["basic"] == pytest.approx(3 * one_tj, rel=REL)
    assert inv.share_estimated["basic"] == pytest.approx(1 / 3, rel=REL)


def test_an_activity_table_without_its_required_columns_is_refused_by_name(catalog) -> None:
    df = frame(("I.1.1", "natural_gas", 1.0, "TJ")).drop("amount", "unit")
    with pytest.raises(InventoryError) as caught:
        run(catalog, df)
    assert caught.value.problems == ["activity table lacks column(s): amount, unit"]


def test_cells_without_figures_are_not_estimated_unless_a_key_is_declared(catalog) -> None:
    declared = {"I.1.1": NotationKey("NO", "no such fuel"), "III.2.1": NotationKey("IE", "in III.1.1")}
    inv = compute_inventory(
        frame(("I.1.1", "natural_gas", 1.0, "TJ")), catalog, city="test", year=2022, notation_keys=declared
    )
    assert "I.1.1" not in inv.notation_keys  # the figure wins over the declared key, and says so
    assert inv.warnings == ("I.1.1 has data and also the notation key NO; the data are used",)
    assert inv.notation_keys["III.2.1"] == NotationKey("IE", "in III.1.1")
    assert inv.notation_keys["II.1.1"] == NotationKey("NE", "not estimated: no activity data for this cell")
    assert set(inv.notation_keys) == set(catalog.cells) - {"I.1.1"}


def test_biogenic_co2_has_a_row_of_its_mass_and_no_co2e(catalog) -> None:
    """10 t of firewood = 0.01 Gg x 15.6 TJ/Gg = 0.156 TJ; x 112,000 kg CO2 = 17.472 t of biogenic CO2, reported
    apart: its row gives the mass and 0 t CO2e (no GWP applies), and no total counts it; CH4 300 and N2O 4 kg/TJ
    count as usual."""
    inv = run(catalog, frame(("I.1.1", "wood", 10.0, "t")))
    rows = {r["gas"]: r for r in inv.rows.iter_rows(named=True)}
    assert set(rows) == {"CH4", "CO2(b)", "N2O"}
    assert rows["CO2(b)"]["mass_t"] == pytest.approx(17.472, rel=REL) and rows["CO2(b)"]["tco2e"] == 0.0
    assert inv.biogenic_co2_t == pytest.approx(17.472, rel=REL)
    others = 0.156 * 300 * 28 / 1000 + 0.156 * 4 * 265 / 1000
    assert inv.totals["basic"] == pytest.approx(others, rel=REL)


def test_own_factors_in_a_unit_the_catalog_cannot_convert_apply_per_unit_of_the_row(catalog) -> None:
    """250 kg of CO2 per km, 1,000 km: 250 t. The catalog's factors are per TJ, and km is no energy or mass: a row
    with its own factors keeps its unit; without them it is refused, with the reason."""
    inv = run(catalog, frame(("II.1.1", "gas_diesel_oil", 1000.0, "km", None, 250.0)))
    co2 = inv.rows.filter(pl.col("gas") == "CO2").row(0, named=True)
    assert (co2["canonical_amount"], co2["canonical_unit"], co2["conversion"]) == (
        1000.0,
        "km",
        "own factors per unit of the row",
    )
    assert (co2["factor"], co2["factor_unit"], co2["mass_t"]) == (250.0, "kg/km", 250.0)
    with pytest.raises(InventoryError) as caught:
        run(catalog, frame(("II.1.1", "gas_diesel_oil", 1000.0, "km")))
    assert caught.value.problems == [
        "gas_diesel_oil: unit 'km' is of dimension [length]; gas_diesel_oil needs energy (e.g. TJ, GJ, Gcal, MWh), "
        "mass (e.g. t, kt)"
    ]


def test_every_unknown_activity_is_named(catalog) -> None:
    rows = frame(("I.1.1", "foo", 1.0, "TJ"), ("I.1.1", "bar", 1.0, "TJ"), ("I.1.1", "natural_gas", 1.0, "TJ"))
    with pytest.raises(InventoryError) as caught:
        run(catalog, rows)
    assert caught.value.problems == ["unknown activity 'bar'", "unknown activity 'foo'"]
