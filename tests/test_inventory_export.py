"""The inventory as a city publishes it (CSV and the XLSX workbook): every figure in its place, worked by hand.

The inventory is case 3 of tests/test_inventory_cases.py: a gas CHP plant (1,000 TJ of gas; heat 400 TJ, power
300 TJ) and 50,000 Gcal of its district heat bought in I.1.2, AR5, the efficiency method. By hand: the plant emits
CO2 56,100 t, CH4 1 t (x 28) and N2O 0.1 t (x 265), 56,154.5 t CO2e in all (scope 1, territorial only); the heat's
share is (400 / 0.8) / (400 / 0.8 + 300 / 0.35) = 7/19; 50,000 Gcal x 4.1868 GJ/Gcal = 209.34 TJ of heat carry
209.34 / 400 of the heat's part of each gas (scope 2, BASIC).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from qala.inventory.export import to_csv, to_xlsx
from qala.inventory.result import ROW_COLUMNS

from .test_inventory_cases import frame, run
from .test_inventory_rows import ROW_SCHEMA

PLANT = {"CO2": 56_100.0, "CH4": 1.0 * 28, "N2O": 0.1 * 265}  # t CO2e of the plant by gas
PLANT_TOTAL = 56_154.5
HEAT_SHARE = 7 / 19
BOUGHT = 209.34 / 400 * HEAT_SHARE  # the part of the plant's emissions that comes with the heat bought
SCOPE2 = PLANT_TOTAL * BOUGHT
REL = 1e-9


@pytest.fixture
def inventory(catalog):
    df = frame(
        ("I.4.4", "natural_gas", 1000.0, "TJ", "=chp"),  # a facility name a spreadsheet would run as a formula
        ("I.4.4", "heat_output", 400.0, "TJ", "=chp"),
        ("I.4.4", "electricity_output", 300.0, "TJ", "=chp"),
        ("I.1.2", "district_heat", 50_000.0, "Gcal"),
    )
    return run(catalog, df)


def test_the_csv_holds_each_row_then_each_notation_key(inventory) -> None:
    text = to_csv(inventory)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["city", "year", "gwp", *ROW_COLUMNS, "notation_key", "explanation"]
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    emitted = [r for r in rows if not r["notation_key"]]
    keyed = [r for r in rows if r["notation_key"]]
    assert len(emitted) == inventory.rows.height and len(keyed) == len(inventory.notation_keys)
    assert {(r["city"], r["year"], r["gwp"]) for r in rows} == {("test", "2022", "AR5")}
    plant = {r["gas"]: float(r["tco2e"]) for r in emitted if r["gpc_ref"] == "I.4.4"}
    assert plant == pytest.approx(PLANT, rel=REL)
    bought = {r["gas"]: float(r["tco2e"]) for r in emitted if r["gpc_ref"] == "I.1.2"}
    assert bought == pytest.approx({g: t * BOUGHT for g, t in PLANT.items()}, rel=REL)
    assert {r["facility"] for r in emitted if r["gpc_ref"] == "I.4.4"} == {"'=chp"}  # stored as text, never run
    assert {r["scope"] for r in emitted if r["gpc_ref"] == "I.1.2"} == {"2"}
    assert {(r["notation_key"], r["explanation"]) for r in emitted} == {("", "")}
    # the keys: one row per cell in the order of the references, the other columns of the row empty
    assert [r["gpc_ref"] for r in keyed] == sorted(inventory.notation_keys)
    first = keyed[0]
    nk = inventory.notation_keys[first["gpc_ref"]]
    assert (first["notation_key"], first["explanation"]) == (nk.key, nk.explanation)
    assert all(first[c] == "" for c in ROW_COLUMNS if c != "gpc_ref")


def _sheet(wb, name: str) -> list[tuple]:
    return list(wb[name].iter_rows(values_only=True))


def test_the_workbooks_summary_by_hand(inventory) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(inventory)))
    assert wb.sheetnames == ["Summary", "Rows", "Notation keys", "Methodology", "CHP allocation"]
    summary = _sheet(wb, "Summary")
    assert summary[:4] == [
        ("City", "test", None),
        ("Year", 2022, None),
        ("GWP set", "AR5", None),
        ("Unit", "t CO2e", None),
    ]
    at = {row[0]: row for row in summary if row[0] is not None}
    assert at["Total"] == ("Total", "t CO2e", "share from estimates")
    for name, expected in (("basic", SCOPE2), ("basic_plus", SCOPE2), ("territorial", PLANT_TOTAL)):
        assert at[name][1] == pytest.approx(expected, rel=REL) and at[name][2] == 0.0  # all reported
    assert at["Sector (BASIC+)"] == ("Sector (BASIC+)", "t CO2e", "notation key")
    assert at["I"][1] == pytest.approx(SCOPE2, rel=REL) and at["I"][2] is None
    assert at["II"][1] is None and at["II"][2] == inventory.sector_keys["II"]  # no figure: its key, never 0
    assert at["Scope"] == ("Scope", "t CO2e", None)
    assert [at[s][1] for s in ("1", "2", "3")] == pytest.approx([PLANT_TOTAL, SCOPE2, 0.0], rel=REL)
    assert at["Gas"] == ("Gas", "t CO2e", None)
    for gas, t in PLANT.items():
        assert at[gas][1] == pytest.approx(t * (1 + BOUGHT), rel=REL)  # the plant's, and the heat bought
    assert at["Biogenic CO2 (outside totals)"][1] == 0.0
    for name in wb.sheetnames:  # each sheet's first row is its heading
        assert all(cell.font.b for cell in wb[name][1] if cell.value is not None), name


def test_the_workbooks_rows_keys_method_and_chp_by_hand(inventory) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(inventory)))
    rows = _sheet(wb, "Rows")
    assert rows[0] == ROW_COLUMNS
    records = [dict(zip(ROW_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert len(records) == inventory.rows.height
    plant = {r["gas"]: r["tco2e"] for r in records if r["gpc_ref"] == "I.4.4"}
    assert plant == pytest.approx(PLANT, rel=REL)
    assert {r["facility"] for r in records if r["gpc_ref"] == "I.4.4"} == {"'=chp"}
    keys = _sheet(wb, "Notation keys")
    assert keys[0] == ("gpc_ref", "key", "explanation")
    assert keys[1:] == [(ref, nk.key, nk.explanation) for ref, nk in sorted(inventory.notation_keys.items())]
    assert _sheet(wb, "Methodology")[0] == ("item", "value")
    method = dict(_sheet(wb, "Methodology")[1:])
    expected = inventory.to_dict()["methodology"]
    assert set(method) == set(expected)
    for key, value in expected.items():  # a mapping as JSON text that reads back the same
        assert (json.loads(method[key]) if isinstance(value, dict) else method[key]) == value
    chp = _sheet(wb, "CHP allocation")
    assert chp[0][:2] == ("method", "efficiency")
    heat_per_tj = PLANT_TOTAL * HEAT_SHARE / 400
    assert chp[1][0] == "district heat factor, t CO2e/Gcal"
    assert chp[1][1] == pytest.approx(heat_per_tj * 0.0041868, rel=REL)
    assert chp[2][0] == "electricity factor, t CO2e/MWh"
    assert chp[2][1] == pytest.approx(PLANT_TOTAL * (1 - HEAT_SHARE) / 300 * 0.0036, rel=REL)
    assert chp[4] == ("facility", "heat TJ", "electricity TJ", "heat share", "emissions t CO2e")
    assert chp[5][:3] == ("'=chp", 400.0, 300.0)
    assert chp[5][3:] == pytest.approx((HEAT_SHARE, PLANT_TOTAL), rel=REL)


def test_a_workbook_without_a_plant_has_no_chp_sheet(catalog) -> None:
    inv = run(catalog, frame(("I.1.1", "natural_gas", 1000.0, "GJ")))
    wb = load_workbook(io.BytesIO(to_xlsx(inv)))
    assert wb.sheetnames == ["Summary", "Rows", "Notation keys", "Methodology"]


def test_the_inventory_json_by_hand(inventory) -> None:
    """The JSON contract (DESIGN.md §5, extended): every key a reader of `qala inventory --format json` or the API
    relies on, with its value worked by hand."""
    d = json.loads(json.dumps(inventory.to_dict()))  # as it is written out
    assert set(d) == {
        *("city", "year", "gwp", "unit", "totals", "share_estimated", "coverage", "by_sector", "sector_keys"),
        *("by_scope", "by_gas", "biogenic_co2_t", "biogenic_co2_basic_t", "rows", "cells", "notation_keys"),
        *("notation_key_explanations", "chp", "methodology", "warnings"),
    }
    assert (d["city"], d["year"], d["gwp"], d["unit"]) == ("test", 2022, "AR5", "t CO2e")
    assert d["totals"] == pytest.approx({"basic": SCOPE2, "basic_plus": SCOPE2, "territorial": PLANT_TOTAL}, rel=REL)
    assert d["share_estimated"] == {"basic": 0.0, "basic_plus": 0.0, "territorial": 0.0}
    assert d["coverage"]["territorial"] == pytest.approx(
        {"reported_tco2e": PLANT_TOTAL, "estimated_tco2e": 0.0, "share_estimated": 0.0}, rel=REL
    )
    assert d["by_scope"] == pytest.approx({"1": PLANT_TOTAL, "2": SCOPE2, "3": 0.0}, rel=REL)
    assert d["by_gas"] == pytest.approx({g: t * (1 + BOUGHT) for g, t in PLANT.items()}, rel=REL)
    assert d["by_sector"]["I"] == pytest.approx(SCOPE2, rel=REL) and d["by_sector"]["II"] is None
    assert d["sector_keys"]["II"] == inventory.sector_keys["II"] and "I" not in d["sector_keys"]
    assert d["biogenic_co2_t"] == 0.0 and d["biogenic_co2_basic_t"] == 0.0 and d["warnings"] == []
    assert len(d["rows"]) == inventory.rows.height and set(d["rows"][0]) == set(ROW_COLUMNS)
    refs = sorted(inventory.notation_keys)
    assert list(d["notation_keys"]) == refs and list(d["notation_key_explanations"]) == refs
    assert d["notation_keys"][refs[0]] == inventory.notation_keys[refs[0]].key
    assert d["notation_key_explanations"][refs[0]] == inventory.notation_keys[refs[0]].explanation
    assert d["methodology"]["chp_allocation_method"] == "efficiency" and d["methodology"]["gwp_set"]
    chp = d["chp"]
    assert chp["method"] == "efficiency"
    assert {k: v["value"] for k, v in chp["parameters"].items()} == {
        "reference_heat_efficiency": 0.8,
        "reference_power_efficiency": 0.35,
    }
    assert all(v["source"] for v in chp["parameters"].values())  # every default carries its source
    assert chp["facilities"] == [
        {
            "facility": "=chp",
            "heat_tj": 400.0,
            "power_tj": 300.0,
            "heat_share": pytest.approx(HEAT_SHARE, rel=REL),
            "emissions_tco2e": pytest.approx(PLANT_TOTAL, rel=REL),
        }
    ]
    plant_kg = {"CO2": 56_100_000.0, "CH4": 1_000.0, "N2O": 100.0}  # kg of each gas the plant emitted
    heat_kg = {g: kg * HEAT_SHARE / 400 for g, kg in plant_kg.items()}  # per TJ of heat supplied
    power_kg = {g: kg * (1 - HEAT_SHARE) / 300 for g, kg in plant_kg.items()}  # per TJ of electricity
    assert chp["district_heat_factor_kg_per_tj"] == pytest.approx(heat_kg, rel=REL)
    assert chp["electricity_factor_kg_per_tj"] == pytest.approx(power_kg, rel=REL)
    assert chp["district_heat_factor_tco2e_per_gcal"] == pytest.approx(PLANT_TOTAL * HEAT_SHARE / 400 * 0.0041868)
    assert chp["electricity_factor_tco2e_per_mwh"] == pytest.approx(PLANT_TOTAL * (1 - HEAT_SHARE) / 300 * 0.0036)


def test_the_json_of_an_inventory_without_a_plant_says_so(catalog) -> None:
    assert run(catalog, frame(("I.1.1", "natural_gas", 1000.0, "GJ"))).to_dict()["chp"] is None


def test_an_inventory_of_no_figures_keeps_its_columns_and_keys_every_cell(catalog) -> None:
    """A city with no data yet: the rows table has its columns and types (a reader of the CSV, the workbook or
    the JSON finds the same columns), and every cell carries a notation key instead of a figure."""
    empty = frame(("I.1.1", "natural_gas", 1.0, "TJ")).clear()
    inv = run(catalog, empty)
    assert inv.rows.is_empty()
    assert inv.rows.schema == ROW_SCHEMA
    table = list(csv.reader(io.StringIO(to_csv(inv))))
    assert len(table) == 1 + len(inv.notation_keys) and all(r[-2] for r in table[1:])
    assert _sheet(load_workbook(io.BytesIO(to_xlsx(inv))), "Rows") == [ROW_COLUMNS]
