"""What an inventory rests on (``inventory/coverage.py``), by hand on a small inventory: each cell reported,
estimated or mixed with its share, a cell of biogenic CO2 only, a cell with only a notation key, the
boundaries' reported and estimated tonnes, and the sectors' values and keys."""

from __future__ import annotations

import polars as pl
import pytest

from qala.inventory import coverage
from qala.inventory.result import Inventory, NotationKey

# gpc_ref, sector, scope, level, gas, tco2e, status, method
ROWS = [
    ("I.1.1", "I", 1, "B", "CO2", 100.0, "reported", None),
    ("I.1.1", "I", 1, "B", "CH4", 50.0, "estimated", "per_capita"),
    ("I.1.2", "I", 2, "B", "CO2", 40.0, "reported", None),
    ("I.2.1", "I", 1, "B", "CO2", 30.0, "estimated", "floor_area"),
    ("I.2.1", "I", 1, "B", "N2O", 0.0, "estimated", "by_fuel_share"),
    ("I.1.3", "I", 3, "B+", "CO2", 10.0, "reported", None),
    ("II.1.1", "II", 1, "B", "CO2", 0.0, "estimated", None),  # an estimate of nothing: a figure, all estimated
    ("III.1.1", "III", 1, "B", "CO2(b)", 70.0, "reported", None),  # biogenic only: not counted in any total
    ("V.1", "V", 1, "B+", "CO2", 5.0, "reported", None),  # IPPU: BASIC+ only
    ("I.3.1", "I", 1, "B", "CH4", 0.0, "reported", None),  # a reported figure of nothing: none of it estimated
]
KEYS = {
    "II.2.1": NotationKey("IE", "in II.1.1"),
    "IV.1": NotationKey("NO", "no industry"),
    "V.2": NotationKey("C", "x"),
}


def _inventory() -> Inventory:
    rows = pl.DataFrame(
        ROWS,
        schema={
            "gpc_ref": pl.String,
            "sector": pl.String,
            "scope": pl.Int64,
            "level": pl.String,
            "gas": pl.String,
            "tco2e": pl.Float64,
            "status": pl.String,
            "method": pl.String,
        },
        orient="row",
    )
    return Inventory("astana", 2022, "AR5", rows, KEYS, {}, None)


def test_each_cell_by_hand() -> None:
    cells = ["I.1.1", "I.1.2", "I.2.1", "I.1.3", "I.3.1", "II.1.1", "III.1.1", "II.2.1", "IV.1", "VI.1"]
    c = coverage.cell_coverage(_inventory(), cells)
    # reported 100 + estimated 50: mixed, 150 t, a third estimated, the estimate's method
    assert c["I.1.1"] == {
        "status": "mixed",
        "tco2e": 150.0,
        "share_estimated": pytest.approx(1 / 3),
        "methods": ["per_capita"],
    }
    assert c["I.1.2"] == {"status": "reported", "tco2e": 40.0, "share_estimated": 0.0, "methods": []}
    # two estimates by two methods: both listed, in order; all of it estimated
    assert c["I.2.1"] == {
        "status": "estimated",
        "tco2e": 30.0,
        "share_estimated": 1.0,
        "methods": ["by_fuel_share", "floor_area"],
    }
    assert c["I.1.3"]["tco2e"] == 10.0 and c["I.1.3"]["status"] == "reported"
    assert c["I.3.1"] == {"status": "reported", "tco2e": 0.0, "share_estimated": 0.0, "methods": []}
    # 0 t, estimated: the share of nothing is all estimated (1.0), not a division by zero
    assert c["II.1.1"] == {"status": "estimated", "tco2e": 0.0, "share_estimated": 1.0, "methods": []}
    # biogenic CO2 only: a reported figure of 0 t CO2e (no share), not a notation key
    assert c["III.1.1"] == {"status": "reported", "tco2e": 0.0, "share_estimated": None, "methods": []}
    # no figure: the notation key with its explanation and no tonnes; nothing at all: absent
    assert c["II.2.1"] == {"status": "IE", "key": "IE", "explanation": "in II.1.1", "tco2e": None}
    assert c["IV.1"]["key"] == "NO" and c["IV.1"]["tco2e"] is None
    assert "VI.1" not in c and list(c) == [r for r in cells if r != "VI.1"]  # in the order asked


def test_the_boundaries_by_hand() -> None:
    b = coverage.boundary_coverage(_inventory())
    # BASIC (level B, biogenic left out): reported 100 + 40 = 140, estimated 50 + 30 + 0 + 0 = 80, share 80 / 220
    assert b["basic"] == {"reported_tco2e": 140.0, "estimated_tco2e": 80.0, "share_estimated": pytest.approx(80 / 220)}
    # BASIC+ adds I.1.3 (10) and V.1 (5), both reported
    assert b["basic_plus"] == {
        "reported_tco2e": 155.0,
        "estimated_tco2e": 80.0,
        "share_estimated": pytest.approx(80 / 235),
    }
    # territorial (scope 1): 100 + 5 reported, 50 + 30 estimated
    assert b["territorial"] == {
        "reported_tco2e": 105.0,
        "estimated_tco2e": 80.0,
        "share_estimated": pytest.approx(80 / 185),
    }
    assert coverage.share_estimated(_inventory()) == {k: v["share_estimated"] for k, v in b.items()}
    nothing = Inventory("astana", 2022, "AR5", _inventory().rows.clear(), {}, {}, None)
    assert coverage.boundary_coverage(nothing)["basic"] == {
        "reported_tco2e": 0.0,
        "estimated_tco2e": 0.0,
        "share_estimated": None,
    }


def test_the_sectors_by_hand() -> None:
    values, keys = coverage.sector_values(_inventory(), ("I", "II", "III", "IV", "V", "VI"))
    # within BASIC+: I = 100 + 50 + 40 + 30 + 10; II an estimate of 0; III biogenic only: a figure of 0, not None
    assert values == {"I": 230.0, "II": 0.0, "III": 0.0, "IV": None, "V": 5.0, "VI": None}
    # a sector without figures shows its cells' key (NO for IV); none declared: NE
    assert keys == {"IV": "NO", "VI": "NE"}
    # several keys in one sector: NE before C before IE before NO
    inv = _inventory()
    several = {"IV.1": NotationKey("NO", ""), "IV.2": NotationKey("IE", ""), "IV.3": NotationKey("C", "")}
    inv = Inventory("astana", 2022, "AR5", inv.rows, several, {}, None)
    assert coverage.sector_values(inv, ("IV",))[1] == {"IV": "C"}


def test_an_imported_inventory_counts_each_tonne_once_by_hand() -> None:
    """``layers.split``, cell by cell: the city's reported figures win over an imported figure; an imported figure
    wins over estimates; I.4.4's own plant figures always stay; a cell declared IE keeps its key; each year
    apart; the imported figure's facility mark is removed."""
    from qala.inventory import layers

    imp, mark = layers.IMPORTED, layers.MARK
    # year, gpc_ref, status, method, facility, amount
    rows = [
        (2022, "I.1.1", "reported", None, "", 1.0),  # 1: reported beside an import: the import is set aside
        (2022, "I.1.1", "estimated", "per_capita", "", 2.0),  # kept with the reported figure, as without an import
        (2022, "I.1.1", "reported", imp, mark, 3.0),
        (2022, "I.2.1", "estimated", "floor_area", "", 4.0),  # 2: an import over estimates: the estimates aside
        (2022, "I.2.1", "reported", imp, mark, 5.0),
        (2023, "I.2.1", "estimated", "floor_area", "", 6.0),  # another year without an import: kept
        (2022, "I.4.4", "estimated", "plant_heat", "CHP-2", 7.0),  # the plants stay, even estimated
        (2022, "I.4.4", "reported", imp, mark, 8.0),
        (2022, "I.6.2", "reported", imp, mark, 9.0),  # declared IE: a comparison only
        (2022, "II.1.1", None, None, "", 10.0),  # no status: reported
        (2022, "II.1.1", "reported", imp, mark, 11.0),
        (2022, "III.1.1", "reported", imp, mark, 12.0),  # 3: an import alone: used, its mark removed
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "year": pl.Int64,
            "gpc_ref": pl.String,
            "status": pl.String,
            "method": pl.String,
            "facility": pl.String,
            "amount": pl.Float64,
        },
        orient="row",
    )
    used, aside = layers.split(frame, frozenset({"I.6.2"}))
    assert used["amount"].to_list() == [1.0, 2.0, 5.0, 6.0, 7.0, 10.0, 12.0]  # in the frame's order
    assert aside["amount"].to_list() == [3.0, 4.0, 8.0, 9.0, 11.0]
    assert used.filter(pl.col("amount") == 12.0)["facility"].to_list() == [None]  # the mark removed
    assert used.filter(pl.col("amount") == 7.0)["facility"].to_list() == ["CHP-2"]  # a plant's facility kept
    assert aside.columns == frame.columns and used.columns == frame.columns
    # without the IE declaration the I.6.2 import is used
    assert 9.0 in layers.split(frame)[0]["amount"].to_list()
    # no imported figure at all: the frame as it is, nothing aside
    plain = frame.filter(~layers.is_imported())
    kept, none = layers.split(plain)
    assert kept.equals(plain) and none.is_empty() and none.columns == plain.columns
    # without a year column, the cells are the GPC references alone
    one = frame.drop("year").filter(pl.col("gpc_ref") == "I.2.1")
    assert layers.split(one)[0]["amount"].to_list() == [5.0]
