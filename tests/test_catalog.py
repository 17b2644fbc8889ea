"""The reference catalog: every number carries its source; the GPC tree follows the standard."""

import csv
from importlib import resources

import globalwarmingpotentials
import pytest

DATA = resources.files("qala.catalog").joinpath("data")
SOURCED = [
    "air_pollutant_factors.csv",
    "energy_prices.csv",
    "national_inventory.csv",
    "emission_factors.csv",
    "ncv.csv",
    "gwp_sets.csv",
    "grid_factors.csv",
    "chp_methods.csv",
    "waste_parameters.csv",
    "gpc_cells.csv",
]


@pytest.mark.parametrize("name", SOURCED)
def test_every_row_names_its_source(name: str) -> None:
    with DATA.joinpath(name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for i, row in enumerate(rows, start=2):
        assert (row.get("source") or "").strip(), f"{name} line {i} has no source"


def test_gwp_values_come_from_the_package(catalog) -> None:
    for code, key in (("AR4", "AR4GWP100"), ("AR5", "AR5GWP100"), ("AR6", "AR6GWP100")):
        s = catalog.gwp_set(code)
        assert s.values["CH4"] == globalwarmingpotentials.data[key]["CH4"]
        assert s.values["N2O"] == globalwarmingpotentials.data[key]["N2O"]
        assert s.values["CO2"] == 1.0
    # the published values, for the record
    assert (
        catalog.gwp_set("AR4").values["CH4"],
        catalog.gwp_set("AR5").values["CH4"],
        catalog.gwp_set("AR6").values["CH4"],
    ) == (25, 28, 27.9)
    assert catalog.default_gwp().code == "AR5"


def test_ipcc_factors_spot_checks(catalog) -> None:
    # IPCC 2006 Vol.2 Table 1.4 / 2.2 / 2.5 values as published
    assert catalog.factors[("natural_gas", "residential", "CO2")].value == 56100
    assert catalog.factors[("other_bituminous_coal", "energy_industries", "CO2")].value == 94600
    assert catalog.factors[("other_bituminous_coal", "residential", "CH4")].value == 300
    assert catalog.factors[("gas_diesel_oil", "road", "N2O")].value == 3.9
    assert catalog.ncv[("other_bituminous_coal", "mass")].value == 25.8


def test_gpc_tree_levels_follow_the_standard(catalog) -> None:
    cells = catalog.cells
    assert len({c.sector for c in cells.values()}) == 6
    assert cells["I.4.4"].scope == 1 and not cells["I.4.4"].in_basic_plus  # generation to the grid
    assert cells["III.1.3"].scope == 1 and not cells["III.1.3"].in_basic_plus  # imported waste
    assert cells["III.1.2"].scope == 3 and cells["III.1.2"].in_basic  # exported waste is BASIC
    assert cells["I.1.3"].scope == 3 and cells["I.1.3"].in_basic_plus and not cells["I.1.3"].in_basic
    assert cells["IV.1"].in_basic_plus and not cells["IV.1"].in_basic
    assert cells["VI.1"].level == "O"
    assert "II.5.3" not in cells
    # every scope-2 cell is BASIC; every sector I/II scope-1 cell except I.4.4 is BASIC
    for c in cells.values():
        if c.scope == 2:
            assert c.in_basic, c.ref
        if c.sector in ("I", "II") and c.scope == 1 and c.ref != "I.4.4":
            assert c.in_basic, c.ref


def test_grid_factor_default_is_declared_with_basis(catalog) -> None:
    g = catalog.default_grid_factor()
    assert g.country == "KZ" and g.unit == "g/kWh" and g.basis and g.source


def test_catalog_version_and_digest(catalog) -> None:
    assert catalog.version
    assert len(catalog.digest) == 64
