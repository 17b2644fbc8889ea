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
    assert "published version 1" in city["Version"] and city["Resident population within city boundary"] == 1464415


# --- 2. CDP-ICLEI Track ------------------------------------------------------------------------
# Where each reference number belongs, written out by hand from the GPC (formats.md §1.2, §2.2, §2.3):
# (GPC-format row, CRF row, CRF column). The best-known open tool sends transport scope 3 to I.n.3: not here.
S1_USE = "Stationary Energy: energy use – Scope 1 (I.X.1)"
S2_USE = "Stationary Energy: energy use – Scope 2 (I.X.2)"
S3_USE = "Stationary Energy: energy use – Scope 3 (I.X.3)"
T1, T2, T3 = (f"Transportation – Scope {s} (II.X.{s})" for s in (1, 2, 3))
W1 = "Waste: waste generated within the city boundary – Scope 1 (III.X.1)"
W3 = "Waste: waste generated within the city boundary – Scope 3 (III.X.2)"
WO = "Waste: waste generated outside the city boundary – Scope 1 (III.X.3)"
D, IND, OUT = "D", "I", "O"
RES, COM, IND_B = (
    "Stationary energy > Residential buildings^^",
    "Stationary energy > Commercial buildings & facilities^^",
    "Stationary energy > Industrial buildings & facilities^^",
)
AGR, FUG = "Stationary energy > Agriculture", "Stationary energy > Fugitive emissions^^"
ROAD, RAIL, WATER, AIR, OFF = (
    f"Transportation > {x}^^" for x in ("On-road", "Rail", "Waterborne navigation", "Aviation", "Off-road")
)
SW, BIO, INC, WW = (
    f"Waste > {x}^^"
    for x in ("Solid waste disposal", "Biological treatment", "Incineration and open burning", "Wastewater")
)
EXPECTED = {
    "I.1.1": (S1_USE, RES, D), "I.1.2": (S2_USE, RES, IND), "I.1.3": (S3_USE, RES, OUT),
    "I.2.1": (S1_USE, COM, D), "I.2.2": (S2_USE, COM, IND), "I.2.3": (S3_USE, COM, OUT),
    "I.3.1": (S1_USE, IND_B, D), "I.3.2": (S2_USE, IND_B, IND), "I.3.3": (S3_USE, IND_B, OUT),
    "I.4.1": (S1_USE, IND_B, D), "I.4.2": (S2_USE, IND_B, IND), "I.4.3": (S3_USE, IND_B, OUT),
    "I.4.4": ("Stationary Energy: energy generation supplied to the grid – Scope 1 (I.4.4)",
              "Total generation of grid-supplied energy", D),
    "I.5.1": (S1_USE, AGR, D), "I.5.2": (S2_USE, AGR, IND), "I.5.3": (S3_USE, AGR, OUT),
    "I.6.1": (S1_USE, IND_B, D), "I.6.2": (S2_USE, IND_B, IND), "I.6.3": (S3_USE, IND_B, OUT),
    "I.7.1": (S1_USE, FUG, D), "I.8.1": (S1_USE, FUG, D),
    "II.1.1": (T1, ROAD, D), "II.1.2": (T2, ROAD, IND), "II.1.3": (T3, ROAD, OUT),
    "II.2.1": (T1, RAIL, D), "II.2.2": (T2, RAIL, IND), "II.2.3": (T3, RAIL, OUT),
    "II.3.1": (T1, WATER, D), "II.3.2": (T2, WATER, IND), "II.3.3": (T3, WATER, OUT),
    "II.4.1": (T1, AIR, D), "II.4.2": (T2, AIR, IND), "II.4.3": (T3, AIR, OUT),
    "II.5.1": (T1, OFF, D), "II.5.2": (T2, OFF, IND),
    "III.1.1": (W1, SW, D), "III.1.2": (W3, SW, OUT), "III.1.3": (WO, SW, D),
    "III.2.1": (W1, BIO, D), "III.2.2": (W3, BIO, OUT), "III.2.3": (WO, BIO, D),
    "III.3.1": (W1, INC, D), "III.3.2": (W3, INC, OUT), "III.3.3": (WO, INC, D),
    "III.4.1": (W1, WW, D), "III.4.2": (W3, WW, OUT), "III.4.3": (WO, WW, D),
    "IV.1": ("Industrial Processes and Product Use – Scope 1 (IV)", "IPPU > Industrial process", D),
    "IV.2": ("Industrial Processes and Product Use – Scope 1 (IV)", "IPPU > Product use", D),
    "V.1": ("Agriculture, Forestry and Land Use – Scope 1 (V)", "AFOLU > Livestock", D),
    "V.2": ("Agriculture, Forestry and Land Use – Scope 1 (V)", "AFOLU > Land use", D),
    "V.3": ("Agriculture, Forestry and Land Use – Scope 1 (V)", "AFOLU > Other AFOLU", D),
    "VI.1": (None, None, None),  # other scope 3: in neither table (nor in CDP's scope-3 total)
}  # fmt: skip
SCOPE_OF = {D: 1, IND: 2, OUT: 3}


def _one_cell_inventory(ref: str, tonnes: float):
    import polars as pl

    from qala.inventory.engine import compute_inventory

    frame = pl.DataFrame({"gpc_ref": [ref], "activity": ["emissions_co2"], "amount": [tonnes], "unit": ["t"]})
    return compute_inventory(frame, load_catalog(), city="astana", year=2023)


def test_every_reference_number_has_a_row_by_hand() -> None:
    assert set(EXPECTED) == set(load_catalog().cells)


@pytest.mark.parametrize("ref", list(EXPECTED))
def test_cdp_track_puts_each_reference_number_in_its_row(ref: str) -> None:
    from qala.exports import cdp_track

    tonnes = 1234.5
    inv = _one_cell_inventory(ref, tonnes)
    state = {"state": "files", "city": "astana", "year": 2023, "data_sha256": "x", "n_records": 1,
             "last_batch": None, "catalog_version": "c", "qala_version": "q", "generated": "2026-01-01"}  # fmt: skip
    rows = cdp_track.table(inv, state)
    gpc_row, crf_row, crf_col = EXPECTED[ref]
    holders = {
        (r["Question"], r["Emissions Row Name"], r["Emissions Column Name"])
        for r in rows
        if r["Emissions Response Answer"] == tonnes and not r["Emissions Row Name"].lower().startswith("total")
    }
    expected = set()
    if gpc_row:
        expected.add(("GPC format", gpc_row, cdp_track.GPC_COLUMN))
    if crf_row and not crf_row.startswith("Total"):
        col = {D: cdp_track.DIRECT, IND: cdp_track.INDIRECT, OUT: cdp_track.OUTSIDE}[crf_col]
        expected.add(("CRF format", crf_row, col))
    if ref == "I.4.4":
        expected.add(("GPC format", gpc_row, cdp_track.GPC_COLUMN))
    assert holders == expected
    answers = {(r["Question"], r["Emissions Row Name"], r["Emissions Column Name"]): r["Emissions Response Answer"]
               for r in rows}  # fmt: skip
    g = cdp_track.GPC_COLUMN
    scope = load_catalog().cells[ref].scope
    # the totals: scope 1 (territorial), 2, 3 (other scope 3 apart), BASIC and BASIC+ as the GPC defines them
    assert answers[("GPC format", "TOTAL Scope 1 (Territorial) emissions", g)] == (tonnes if scope == 1 else 0)
    assert answers[("GPC format", "TOTAL Scope 2 emissions", g)] == (tonnes if scope == 2 else 0)
    assert answers[("GPC format", "TOTAL Scope 3 emissions", g)] == (tonnes if scope == 3 and ref != "VI.1" else 0)
    level = load_catalog().cells[ref].level
    assert answers[("GPC format", "TOTAL BASIC emissions", g)] == (tonnes if level == "B" else 0)
    assert answers[("GPC format", "TOTAL BASIC+ emissions", g)] == (tonnes if level in ("B", "B+") else 0)
    grand = {c: answers[("CRF format", cdp_track.GRAND_TOTAL, c)] for c in (cdp_track.DIRECT, cdp_track.INDIRECT)}
    assert grand[cdp_track.DIRECT] == (tonnes if scope == 1 and ref != "I.4.4" else 0)
    assert grand[cdp_track.INDIRECT] == (tonnes if scope == 2 else 0)
    # no placeholder and no invented notation key: every answer is a number, a key, a text or empty
    for r in rows:
        assert "{{" not in str(r["Emissions Response Answer"])
        if r["GPC reference numbers"] == "no GPC cell":
            assert r["Emissions Response Answer"] in (None, "")


def test_cdp_track_from_the_store(tmp_path: Path, run_cli) -> None:
    import polars as pl

    out = tmp_path / "cdp.csv"
    code, _, err = run_cli("export", "cdp-track", "--year", "2024", "--output", str(out))
    assert code == 0, err
    inv = _json(run_cli, "--year", "2024")
    t = pl.read_csv(out, infer_schema_length=0)
    ans = {(q, r, c): a for q, r, c, a in t.select(t.columns[0], t.columns[2], t.columns[3], t.columns[4]).iter_rows()}
    g = "Emissions (metric tonnes CO2e)"
    assert float(ans[("GPC format", "TOTAL BASIC emissions", g)]) == pytest.approx(inv["totals"]["basic"], rel=1e-12)
    assert float(ans[("GPC format", "TOTAL Scope 1 (Territorial) emissions", g)]) == pytest.approx(
        inv["totals"]["territorial"], rel=1e-12
    )
    assert ans[("Inventory details", "Year covered by main inventory", "Response")] == "2024"
    assert ans[("Inventory details", "Population in year covered by main inventory", "Response")] == "1464415"
    assert "published version 1" in ans[("Inventory details", "Inventory state", "Response")]  # the seed publishes 2024
    per_ref = _per_ref(inv)
    for name, refs in (("Transportation – Scope 3 (II.X.3)", ["II.1.3", "II.2.3", "II.3.3", "II.4.3"]),):
        have = [per_ref[r] for r in refs if r in per_ref]
        if have:
            assert float(ans[("GPC format", name, g)]) == pytest.approx(sum(have), rel=1e-12)


# --- 3. Covenant of Mayors ---------------------------------------------------------------------
def _bei_rows(path: Path) -> list[tuple]:
    return list(load_workbook(path)["BEI"].iter_rows(values_only=True))


def _table(rows: list[tuple], title_start: str) -> dict[str, dict[str, object]]:
    i = next(k for k, r in enumerate(rows) if r and isinstance(r[0], str) and r[0].startswith(title_start))
    head = rows[i + 1]
    out = {}
    for r in rows[i + 2 :]:
        if not r or r[0] is None:
            break
        out[r[0]] = dict(zip(head[1:], r[1:], strict=False))
    return out


def test_com_bei_by_hand(tmp_path: Path) -> None:
    from qala.commands.import_cmd import validate_files
    from qala.exports import com
    from qala.inventory.engine import InventoryOptions
    from qala.services.inventory import inventory_from_tables

    tables = validate_files([write(tmp_path / "hand.csv", HAND)], "astana")
    inv = inventory_from_tables(tables, "astana", 2023, InventoryOptions())
    state = {"state": "files", "city": "astana", "year": 2023, "data_sha256": "x", "n_records": 4,
             "last_batch": None, "catalog_version": "c", "qala_version": "q", "generated": "2026-01-01"}  # fmt: skip
    out = tmp_path / "com.xlsx"
    out.write_bytes(com.to_xlsx(inv, state, "en", 1376000, [], 2030))
    rows = _bei_rows(out)
    energy = _table(rows, "A. Final energy")
    emissions = _table(rows, "B. CO2")
    gas_mwh = 100 / 0.0036  # 100 TJ of natural gas
    diesel_mwh = 4.3 / 0.0036  # 100 t x 43 TJ/Gg
    assert energy["Residential buildings"]["Natural gas"] == pytest.approx(gas_mwh)
    assert energy["Tertiary (non municipal) buildings, equipment/facilities"]["Electricity"] == pytest.approx(1000)
    assert energy["Private and commercial transport"]["Diesel"] == pytest.approx(diesel_mwh)
    assert energy["Total"]["Total"] == pytest.approx(gas_mwh + 1000 + diesel_mwh)
    from .test_exports import DIESEL

    assert emissions["Residential buildings"]["Natural gas"] == pytest.approx(RESIDENTIAL)
    assert emissions["Tertiary (non municipal) buildings, equipment/facilities"]["Electricity"] == pytest.approx(GRID)
    assert emissions["Total"]["Total"] == pytest.approx(
        RESIDENTIAL + GRID + DIESEL
    )  # the plant (I.4.4) is not final use
    assert emissions["Municipal buildings, equipment/facilities"]["Note"].startswith("included in tertiary")
    factor = next(r for r in rows if r[0] == "Corresponding emission factors [t CO2-eq/MWh]")
    head = next(r for r in rows if r[0] == "Sector")
    f = dict(zip(head, factor, strict=False))
    assert f["Natural gas"] == pytest.approx(RESIDENTIAL / gas_mwh)  # 0.2025 = (56,100 + 140 + 26.5) kg/TJ x 3.6e-3
    assert f["Electricity"] == pytest.approx(0.797)
    assert next(r for r in rows if r[0] and r[0].startswith("CO2 emission factor for electricity"))[1] == 0.797


def test_com_labels_exist_in_three_languages() -> None:
    from qala.exports import com

    for code, names in com.LABELS.items():
        assert set(names) == {"en", "ru", "kk"} and all(names.values()), code
        assert names["ru"] != names["en"] or code in ("sector",), code


@pytest.mark.slow
def test_com_from_the_store_in_kazakh(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "com.xlsx"
    code, _, err = run_cli("export", "com", "--year", "2024", "--lang", "kk", "--output", str(out))
    assert code == 0, err
    inv = _json(run_cli, "--year", "2024")
    rows = _bei_rows(out)
    assert rows[0] == ("Түгендеу жылы", 2024) + (None,) * (len(rows[0]) - 2)
    emissions = _table(rows, "B. CO2")

    def in_bei(ref: str) -> bool:  # by hand, docs/reports-and-exports.md: final use in the city, no scope 3
        last = ref.rsplit(".", maxsplit=1)[-1]
        if ref.startswith(("I.7", "I.8", "IV", "V.")):
            return True
        if ref.startswith("III."):
            return last in ("1", "3")
        return ref.startswith(("I.", "II.")) and ref != "I.4.4" and last in ("1", "2")

    want = sum(v for r, v in _per_ref(inv).items() if in_bei(r))
    assert emissions["Барлығы"]["Барлығы"] == pytest.approx(want, rel=1e-12)
    secap = list(load_workbook(out)["SECAP"].iter_rows(values_only=True))
    from qala.services.scenario import resolve

    model, _ = resolve("", "astana")
    assert len(secap) - 1 == len(model.measures)
    gasification = next(r for r in secap if r[0].startswith("Жеке секторды газдандыру"))
    assert gasification[1] == "Тұрғын үйлер" and gasification[-2] > 0 and gasification[-1] > 0


# --- 4. importing an existing inventory; 5. round trip ------------------------------------------
INDUSTRY_GAS = "year,gpc_ref,activity,amount,unit,source\n2023,I.3.1,natural_gas,10,TJ,gas utility\n"
# I.3.1 manufacturing, 10 TJ of natural gas x (56,100 CO2 + 1 CH4 x 28 + 0.1 N2O x 265) kg/TJ
INDUSTRY = 10 * (56_100 + 1 * 28 + 0.1 * 265) / 1000
IMPORTED_CSV = (
    "gpc_ref,scope,gas,tco2e,notation_key,source,year,explanation\n"
    "I.3.1,1,CO2,5000,,consultant 2025,2023,\n"  # the cell has reported activity data: comparison only
    "IV.1,1,CO2,700,,consultant 2025,2023,\n"  # an empty cell: the imported figure is the inventory
    "I.2.1,1,CH4,280,,consultant 2025,2023,\n"  # a cell with estimates only: imported replaces them
    "V.1,1,,,Not Occurring (NO),consultant 2025,2023,no livestock in the city\n"
)


def test_import_inventory_is_counted_once_and_reconciled(tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli("import", str(write(tmp_path / "gas.csv", INDUSTRY_GAS)))
    assert code == 0, err
    before = _json(run_cli, "--year", "2023")
    refs_before = _per_ref(before)
    assert refs_before["I.3.1"] == pytest.approx(INDUSTRY)
    f = write(tmp_path / "consultant.csv", IMPORTED_CSV)
    code, out, err = run_cli("import-inventory", str(f), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["import"]["figures"] == 3 and result["import"]["batch_id"] is not None
    after = _json(run_cli, "--year", "2023")
    refs = _per_ref(after)
    assert refs["I.3.1"] == pytest.approx(INDUSTRY)  # own reported activity data win; 5,000 t not added
    assert refs["IV.1"] == pytest.approx(700)
    assert refs["I.2.1"] == pytest.approx(280)  # 10 t CH4 x 28, the estimate set aside, not added to
    want = before["totals"]["territorial"] - refs_before["I.2.1"] + 280 + 700
    assert after["totals"]["territorial"] == pytest.approx(want, rel=1e-12)
    imported_rows = [r for r in after["rows"] if r["method"] == "imported_inventory"]
    assert {r["gpc_ref"] for r in imported_rows} == {"IV.1", "I.2.1"}
    assert all(r["status"] == "reported" for r in imported_rows)
    assert after["notation_keys"]["V.1"] == "NE"  # the city's declared key is kept, and said so
    assert result["import"]["notation_keys_kept"] == ["2023 V.1"]
    cells = {c["gpc_ref"]: c for c in result["reconciliation"][0]["cells"]}
    assert cells["I.3.1"]["used"] == "own" and cells["I.3.1"]["imported_tco2e"] == pytest.approx(5000)
    assert cells["I.3.1"]["difference_tco2e"] == pytest.approx(INDUSTRY - 5000)
    assert cells["I.2.1"]["used"] == "imported" and cells["I.2.1"]["own_status"] == "estimated"
    assert cells["I.2.1"]["activity_tco2e"] == pytest.approx(refs_before["I.2.1"])
    assert cells["IV.1"]["activity_tco2e"] is None and cells["IV.1"]["used"] == "imported"
    # a second import of the year replaces the first: nothing adds up
    code, _, err = run_cli("import-inventory", str(write(tmp_path / "v2.csv", IMPORTED_CSV.replace(",700,", ",750,"))))
    assert code == 0, err
    again = _per_ref(_json(run_cli, "--year", "2023"))
    assert again["IV.1"] == pytest.approx(750) and again["I.2.1"] == pytest.approx(280)
    code, out, err = run_cli("reconcile", "--year", "2023", "--format", "json")
    assert code == 0, err
    assert {c["gpc_ref"]: c["imported_tco2e"] for c in json.loads(out)["cells"]}["IV.1"] == pytest.approx(750)
    # a year without declared keys takes the file's keys, long forms read as the short ones
    other = IMPORTED_CSV.replace(",2023,", ",2013,")
    code, out, err = run_cli("import-inventory", str(write(tmp_path / "y2013.csv", other)), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["import"]["notation_keys_written"] == ["2013 V.1 NO"]
    y2013 = _json(run_cli, "--year", "2013")
    assert y2013["notation_keys"]["V.1"] == "NO"
    assert y2013["notation_key_explanations"]["V.1"] == "no livestock in the city"
    assert _per_ref(y2013) == pytest.approx({"I.3.1": 5000, "IV.1": 700, "I.2.1": 280})


def test_import_inventory_is_all_or_nothing_with_located_errors(tmp_path: Path, run_cli) -> None:
    bad = (
        "gpc_ref,scope,gas,tco2e,notation_key,source,year\n"
        "IV.1,1,CO2,700,,x,2023\n"
        "II.5.3,3,CO2,10,,x,2023\n"  # the GPC has no II.5.3
        "I.1.2,1,CO2,10,,x,2023\n"  # I.1.2 is scope 2
        "I.1.1,1,SF6,10,,x,2023\n"  # gas not stored
        "I.1.1,1,CO2,ten,,x,2023\n"
        "I.2.1,1,CO2,5,NE,x,2023\n"  # a figure and a key
        "I.5.1,1,,,XX,x,2023\n"
    )
    before = _json(run_cli, "--year", "2023")
    code, _, err = run_cli("import-inventory", str(write(tmp_path / "bad.csv", bad)))
    assert code != 0
    flat = " ".join(err.split())
    for expected in (
        "bad.csv, row 3, column 'gpc_ref': got 'II.5.3' - a GPC reference number",
        "bad.csv, row 4, column 'scope': got '1' - scope 2, the GPC scope of I.1.2",
        "bad.csv, row 5, column 'gas': got 'SF6' - CO2, CH4 or N2O",
        "bad.csv, row 6, column 'tco2e': got 'ten' - a number of tonnes CO2e",
        "bad.csv, row 7, column 'notation_key': got 'NE' - empty when tonnes are given",
        "bad.csv, row 8, column 'notation_key': got 'XX' - a notation key",
    ):
        assert expected in flat, (expected, flat)
    assert _json(run_cli, "--year", "2023")["totals"] == before["totals"]  # nothing written (IV.1 neither)


def test_gpc_template_round_trip(tmp_path: Path, run_cli) -> None:
    """GPC template -> import -> the same cells: the imported figures replace the estimates one for one."""
    first = tmp_path / "first.xlsx"
    code, _, err = run_cli("export", "gpc-template", "--year", "2024", "--output", str(first))
    assert code == 0, err
    before = _json(run_cli, "--year", "2024")
    code, out, err = run_cli("import-inventory", str(first), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["import"]["figures"] > 0
    after = _json(run_cli, "--year", "2024")
    # every cell now from the file, except the city's own plants (I.4.4), which give the district-heat factor
    assert {r["method"] for r in after["rows"] if r["gpc_ref"] != "I.4.4"} == {"imported_inventory"}
    gases_before, gases_after = _per_ref_gas(before), _per_ref_gas(after)
    nonzero = {k: v for k, v in gases_before.items() if v}
    assert {k for k, v in gases_after.items() if v} == set(nonzero)
    for k, v in nonzero.items():
        assert gases_after[k] == pytest.approx(v, rel=1e-12), k
    assert after["notation_keys"] == before["notation_keys"]
    for name in ("basic", "basic_plus", "territorial"):
        assert after["totals"][name] == pytest.approx(before["totals"][name], rel=1e-12)
    second = tmp_path / "second.xlsx"
    code, _, err = run_cli("export", "gpc-template", "--year", "2024", "--output", str(second))
    assert code == 0, err
    one, two = _template_cells(first), _template_cells(second)
    for ref, (value, key) in one.items():
        assert two[ref][1] == key, ref
        assert (two[ref][0] is None) == (value is None) and (value is None or two[ref][0] == pytest.approx(value)), ref
    _check_template(second, after)
    v1 = {r[1]: r[2] for r in load_workbook(first)[CITY_SHEET].iter_rows(values_only=True) if r[1]}
    v2 = {r[1]: r[2] for r in load_workbook(second)[CITY_SHEET].iter_rows(values_only=True) if r[1]}
    assert v1["data SHA-256"] != v2["data SHA-256"]  # the state stamp tells the two apart


def test_every_inventory_export_states_its_state(tmp_path: Path, run_cli) -> None:
    import zipfile

    import polars as pl

    from qala.exports.state import describe, inventory_state
    from qala.store.seed import open_database

    state = inventory_state(open_database(None), "astana", 2024)
    # the seed publishes Astana's bundled baseline: the current records are that version's
    assert state["state"] == "published" and state["version"] == 1 and len(state["data_sha256"]) == 64
    for kind, name in (("gpc", "g.xlsx"), ("cdp", "c.csv"), ("datapackage", "p.zip")):
        code, _, err = run_cli(
            "export", kind, *(("--year", "2024") if kind != "datapackage" else ()), "-o", str(tmp_path / name)
        )
        assert code == 0, err
    meth = {r[0]: r[1] for r in load_workbook(tmp_path / "g.xlsx")["Methodology"].iter_rows(values_only=True)}
    assert meth["Data SHA-256"] == state["data_sha256"]
    assert set(
        pl.read_csv(tmp_path / "c.csv", infer_schema_length=0)["inventory_state"].str.contains(state["data_sha256"])
    )
    with zipfile.ZipFile(tmp_path / "p.zip") as z:
        descriptor = json.loads(z.read(next(n for n in z.namelist() if n.endswith("datapackage.json"))))
    by_year = {s["year"]: s for s in descriptor["qala_inventory_states"]}
    assert by_year[2024]["data_sha256"] == state["data_sha256"]
    # a change of the data changes the stamp
    code, _, err = run_cli("import", str(write(tmp_path / "gas.csv", INDUSTRY_GAS.replace("2023", "2024"))))
    assert code == 0, err
    after = inventory_state(open_database(None), "astana", 2024)
    assert after["data_sha256"] != state["data_sha256"]
    assert after["state"] == "working" and after["version"] is None and after["published_version"] == 1
    assert "newer than published version 1" in describe(after) and "published version 1" in describe(state)


def test_reconciliation_on_the_inventory_page_and_the_api(tmp_path: Path) -> None:
    from qala.ingest.inventory_file import read_inventory_file
    from qala.store.imported import import_inventory
    from qala.web import i18n

    from .test_web import Web

    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    data = read_inventory_file(write(tmp_path / "consultant.csv", IMPORTED_CSV), load_catalog(), None)
    import_inventory(w.engine, data, "astana", who="editor")
    c = w.client()
    assert c.get("/api/v1/reconciliation?year=2023").json()["cells"] == []  # the public reads the published year
    from qala.store import publications

    publications.publish(w.engine, "astana", 2023, "with the consultant's inventory", "editor")
    twin = c.get("/inventory?year=2023&fmt=json").json()
    api = c.get("/api/v1/reconciliation?year=2023").json()
    assert twin["reconciliation"]["cells"] == api["cells"]
    cells = {x["gpc_ref"]: x for x in api["cells"]}
    assert cells["IV.1"]["imported_tco2e"] == pytest.approx(700) and cells["IV.1"]["used"] == "imported"
    for lang, caption, used in (
        ("ru", "Импортированная инвентаризация рядом с собственными данными Qala", "импортированная инвентаризация"),
        ("kk", "Импортталған түгендеу Qala-ның өз деректерімен қатар", "импортталған түгендеу"),
    ):
        page = c.get(f"/inventory?year=2023&lang={lang}").text
        assert caption in page and used in page
        assert i18n.number(cells["I.2.1"]["activity_tco2e"], lang) in page
        assert "imported_inventory" not in page.split("<main", 1)[-1].replace('title="imported_inventory"', "")
    assert c.get("/api/v1/reconciliation?year=1999").status_code == 404
    w.engine.dispose()


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("provider", 403), ("expert", 403), ("editor", 201), ("admin", 201)]
)
def test_api_inventory_import_by_role(tmp_path: Path, role: str | None, status: int) -> None:
    from .test_web import Web

    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    if role:
        w.add(role, role)
    headers = w.token(role) if role else {}
    before = w.count()
    r = w.client().post(
        "/api/v1/inventory-imports", headers=headers, files={"file": ("consultant.csv", IMPORTED_CSV.encode())}
    )
    assert r.status_code == status, r.text
    if status == 201:
        body = r.json()
        assert body["import"]["figures"] == 3 and w.count() == before + 3
        cells = {c["gpc_ref"]: c for c in body["reconciliation"][0]["cells"]}
        assert cells["IV.1"]["imported_tco2e"] == pytest.approx(700)
        assert len(w.audit("import_inventory")) == 1
        assert w.audit("import_inventory")[0].who == role
    else:
        assert w.count() == before
        assert not w.audit("import_inventory")
    w.engine.dispose()


def test_api_inventory_import_refuses_a_bad_file_whole(tmp_path: Path) -> None:
    from .test_web import Web

    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    w.add("editor", "editor")
    before = w.count()
    bad = IMPORTED_CSV + "II.5.3,3,CO2,10,,x,2023,\n"
    r = w.client().post("/api/v1/inventory-imports", headers=w.token("editor"), files={"file": ("bad.csv", bad)})
    assert r.status_code == 422
    assert "bad.csv, row 6, column 'gpc_ref': got 'II.5.3'" in " ".join(r.json()["messages"])
    assert w.count() == before
    signed_in = w.signed_in("editor")  # a browser session cannot write through the API
    assert signed_in.post("/api/v1/inventory-imports", files={"file": ("c.csv", IMPORTED_CSV)}).status_code == 401
    w.engine.dispose()


def test_an_imported_plant_cell_leaves_the_citys_own_plants_in_place(tmp_path: Path, run_cli) -> None:
    """I.4.4's own plants give the district-heat factor: an imported I.4.4 is a comparison, not a hole."""
    before = _json(run_cli, "--year", "2024")
    csv_text = "gpc_ref,scope,gas,tco2e,notation_key,source,year\nI.4.4,1,CO2,1000,,consultant,2024\n"
    code, out, err = run_cli("import-inventory", str(write(tmp_path / "plants.csv", csv_text)), "--format", "json")
    assert code == 0, err
    after = _json(run_cli, "--year", "2024")
    assert after["totals"] == before["totals"]
    cell = next(c for c in json.loads(out)["reconciliation"][0]["cells"] if c["gpc_ref"] == "I.4.4")
    assert cell["used"] == "own" and cell["imported_tco2e"] == pytest.approx(1000)


def test_an_imported_figure_in_a_cell_declared_ie_is_not_counted_twice(tmp_path: Path, run_cli) -> None:
    """Astana declares I.1.2 IE (its grid energy is in I.6.2): an imported I.1.2 would count it again."""
    before = _json(run_cli, "--year", "2023")
    assert before["notation_keys"]["I.1.2"] == "IE"
    csv_text = "gpc_ref,scope,gas,tco2e,notation_key,source,year\nI.1.2,2,CO2,5000,,consultant,2023\n"
    code, out, err = run_cli("import-inventory", str(write(tmp_path / "ie.csv", csv_text)), "--format", "json")
    assert code == 0, err
    after = _json(run_cli, "--year", "2023")
    assert after["totals"] == before["totals"] and after["notation_keys"]["I.1.2"] == "IE"
    recon = json.loads(out)["reconciliation"][0]
    cell = next(c for c in recon["cells"] if c["gpc_ref"] == "I.1.2")
    assert cell["used"] == "IE" and cell["imported_tco2e"] == pytest.approx(5000)
    assert recon["totals"]["inventory_tco2e"] == pytest.approx(recon["totals"]["activity_tco2e"])
