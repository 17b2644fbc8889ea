"""The formats cities file: GPC reporting template, CDP-ICLEI Track, Covenant of Mayors; importing an
existing inventory; the state stamp; round trips. Every reference number's cell is checked against the
inventory JSON."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qala.catalog import load_catalog
from qala.exports.gpc_template import ACTIVITY_HEAD, ACTIVITY_SHEET, CITY_SHEET, TABLE_HEAD, TABLE_SHEET

from .conftest import write
from .test_exports import GRID, HAND, PLANT, RESIDENTIAL


def _json(run_cli, *args: str) -> dict:
    code, out, err = run_cli("inventory", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def _per_ref(inv: dict) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for r in inv["rows"]:
        if r["gas"] != "CO2(b)":
            out[r["gpc_ref"]] += r["tco2e"]
    return dict(out)


def _per_ref_gas(inv: dict) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for r in inv["rows"]:
        if r["gas"] != "CO2(b)":
            out[(r["gpc_ref"], r["gas"])] += r["tco2e"]
    return dict(out)


def _template_cells(path: Path) -> dict[str, tuple[object, object]]:
    """GPC ref -> (t CO2e, notation key) as the Sector and scope sheet shows it."""
    rows = list(load_workbook(path)[TABLE_SHEET].iter_rows(values_only=True))
    assert rows[0] == TABLE_HEAD
    found: dict[str, tuple[object, object]] = {}
    for row in rows[1:]:
        for s in range(3):
            ref = row[2 + 3 * s] if len(row) > 2 + 3 * s else None
            if ref and row[0] != "Totals":
                assert ref not in found, f"{ref} twice"
                found[ref] = (row[3 + 3 * s], row[4 + 3 * s])
    return found


def _check_template(path: Path, inv: dict) -> None:
    catalog = load_catalog()
    cells = _template_cells(path)
    assert set(cells) == set(catalog.cells)  # every reference number once, nothing invented (no II.5.3)
    per_ref = _per_ref(inv)
    for ref, (value, key) in cells.items():
        if ref in inv["notation_keys"]:
            assert value is None and key == inv["notation_keys"][ref], ref
        else:
            assert key is None and value == pytest.approx(per_ref[ref], rel=1e-12, abs=1e-9), ref
    # the activity table: per reference number, its tonnes add up to the same figure; keys where empty
    acts = list(load_workbook(path)[ACTIVITY_SHEET].iter_rows(values_only=True))
    assert acts[0] == ACTIVITY_HEAD
    col = {h: i for i, h in enumerate(ACTIVITY_HEAD)}
    sums: dict[str, float] = defaultdict(float)
    keys: dict[str, str] = {}
    for r in acts[1:]:
        assert r[col["Inventory year"]] == inv["year"]
        ref = r[col["GPC ref. no."]]
        if r[col["Notation key"]]:
            keys[ref] = r[col["Notation key"]]
        else:
            sums[ref] += r[col["GHGs (metric tonnes CO2e) - Total CO2e"]]
            gases = sum(r[col[f"GHGs (metric tonnes CO2e) - {g}"]] for g in ("CO2", "CH4", "N2O"))
            assert gases == pytest.approx(r[col["GHGs (metric tonnes CO2e) - Total CO2e"]], rel=1e-12)
    assert keys == inv["notation_keys"]
    assert sums.keys() == per_ref.keys()
    for ref, value in per_ref.items():
        assert sums[ref] == pytest.approx(value, rel=1e-12), ref


# --- 1. GPC reporting template -----------------------------------------------------------------
def test_gpc_template_by_hand(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "hand.csv", HAND)
    out = tmp_path / "t.xlsx"
    code, _, err = run_cli("export", "gpc-template", "--activity", str(f), "--output", str(out), "--compiler", "A. B.")
    assert code == 0, err
    inv = _json(run_cli, "--activity", str(f))
    _check_template(out, inv)
    cells = _template_cells(out)
    assert cells["I.1.1"][0] == pytest.approx(RESIDENTIAL)
    assert cells["I.2.2"][0] == pytest.approx(GRID)
    assert cells["I.4.4"][0] == pytest.approx(PLANT)
    assert cells["III.1.2"] == (None, "NE")  # waste scope 3 in the scope-3 column, keyed where empty
    city = {r[1]: r[2] for r in load_workbook(out)[CITY_SHEET].iter_rows(values_only=True) if r[1]}
    assert city["Inventory year"] == 2023 and city["Name of city"] == "Astana" and city["Country"] == "Kazakhstan"
    assert city["Global Warming Potential "].startswith("AR5")
    assert city["GPC reporting level"] == "BASIC" and city["Compiler name"] == "A. B."
    assert city["Resident population within city boundary"] == 1376000  # pop_2023_06_01 in city.csv
    assert city["Land area (km2) within city boundary"] == 797
    assert "computed from activity files" in city["Version"]
    acts = list(load_workbook(out)[ACTIVITY_SHEET].iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(ACTIVITY_HEAD)}
    gas = next(r for r in acts if r[1] == "I.1.1")
    assert gas[col["Emission factor - CO2"]] == 56_100 and gas[col["Emission factor - CH4"]] == 5
    assert gas[col["GHGs (metric tonnes CO2e) - CH4"]] == pytest.approx(100 * 5 * 28 / 1000)
    assert gas[col["Activity data - Data Quality"]] == "H" and gas[col["Emission factor - Data Quality"]] == "L"
    assert gas[col["Activity data - Source"]] == "gas utility" and gas[col["Scope"]] == "Direct emissions"
    diesel = next(r for r in acts if r[1] == "II.1.1")
    assert diesel[col["Activity data - Data Quality"]] == "L"


def test_gpc_template_from_the_store_matches_every_cell(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "t.xlsx"
    code, _, err = run_cli("export", "gpc-template", "--year", "2024", "--output", str(out))
    assert code == 0, err
    inv = _json(run_cli, "--year", "2024")
    _check_template(out, inv)
    city = {r[1]: r[2] for r in load_workbook(out)[CITY_SHEET].iter_rows(values_only=True) if r[1]}
    assert "working state" in city["Version"] and city["Resident population within city boundary"] == 1464415
