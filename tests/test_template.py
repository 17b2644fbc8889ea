"""Data-collection templates: structure, drop-downs, and that a filled template imports as is."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from qala.catalog import load_catalog
from qala.ingest import columns as cols
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import read_table
from qala.ingest.template import COLUMN_NOTES, PROVIDERS, ProviderError, ProviderSpec, write_template
from qala.ingest.validate import validate_table
from qala.inventory.rules import placement_error

YEAR = 2023


def _write(tmp_path: Path, code: str, **kwargs: object) -> Path:
    path = tmp_path / f"{code}.xlsx"
    write_template(code, path, catalog=load_catalog(), year=YEAR, **kwargs)  # type: ignore[arg-type]
    return path


def _list_values(wb, formula: str) -> list[str]:
    sheet, ref = formula.lstrip("=").split("!")
    ws = wb[sheet.strip("'")]
    return [row[0].value for row in ws[ref.replace("$", "")]]


def _validations(ws: Worksheet) -> dict[str, object]:
    """Column name -> its data validation (each column has at most one)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[cols.ALL[rng.min_col - 1]] = dv
            assert rng.min_col == rng.max_col
            assert rng.min_row == 2
            assert rng.max_row >= 150
    return out


def test_providers_cover_the_brief() -> None:
    expected = {"chp_plant", "heat_network", "power_utility", "gas_utility", "transport_department", "waste_operator"}
    assert expected <= set(PROVIDERS)
    for code, spec in PROVIDERS.items():
        assert spec.code == code
        assert set(spec.names) == {"en", "ru", "kk"}
        assert spec.examples


@pytest.mark.parametrize("spec", PROVIDERS.values(), ids=list(PROVIDERS))
def test_every_offered_pair_is_placeable(spec: ProviderSpec, catalog) -> None:
    for ref, act in spec.pairs():
        assert ref in catalog.cells, ref
        assert act in catalog.activities, act
        facility = "plant_1" if catalog.activities[act].kind == "plant_output" else None
        assert placement_error(catalog, ref, act, False, facility) is None, (ref, act)


@pytest.mark.parametrize("spec", PROVIDERS.values(), ids=list(PROVIDERS))
def test_suggested_units_and_examples_fit_the_catalog(spec: ProviderSpec, catalog) -> None:
    for unit in spec.units:
        assert any(_converts(catalog, act, unit) for act in spec.activities), unit
    for ex in spec.examples:
        assert ex.activity in spec.cells[ex.gpc_ref]
        assert ex.unit in spec.units
        assert _converts(catalog, ex.activity, ex.unit)


def _converts(catalog, activity: str, unit: str) -> bool:
    try:
        catalog.conversion(activity, unit)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("code", list(PROVIDERS))
def test_workbook_structure(tmp_path: Path, code: str) -> None:
    spec = PROVIDERS[code]
    wb = load_workbook(_write(tmp_path, code))
    assert wb.sheetnames[0] == "data"
    assert set(wb.sheetnames) == {"data", "instructions", "lists"}
    assert wb["lists"].sheet_state == "hidden"
    data = wb["data"]
    assert [c.value for c in data[1]] == list(cols.ALL)
    assert data.max_row == 1  # no pre-filled rows
    assert data.freeze_panes == "A2"
    for cell in data[1]:
        assert cell.comment is not None
        assert COLUMN_NOTES[cell.value]["en"] in cell.comment.text

    dvs = _validations(data)
    expected = {"gpc_ref": spec.gpc_refs, "activity": spec.activities, "unit": spec.units}
    for column, values in expected.items():
        dv = dvs[column]
        assert dv.type == "list"
        assert "!" in dv.formula1 and '"' not in dv.formula1  # a range on 'lists', not an inline list
        assert _list_values(wb, dv.formula1) == list(values)
    assert _list_values(wb, dvs["data_quality"].formula1) == ["high", "medium", "low"]
    assert (dvs["year"].type, dvs["year"].formula1, dvs["year"].formula2) == ("whole", "1950", "2100")
    for column in ("amount", *cols.EF):
        assert (dvs[column].type, dvs[column].operator, dvs[column].formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert "city" not in dvs


@pytest.mark.parametrize("code", list(PROVIDERS))
def test_instructions_in_three_languages_with_examples_and_codes(tmp_path: Path, code: str, catalog) -> None:
    spec = PROVIDERS[code]
    ws = load_workbook(_write(tmp_path, code, lang="kk"))["instructions"]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    assert text.splitlines()[0].startswith("Qala — Деректер жинау үлгісі")  # lang first
    for fragment in ("Blank rows are ignored", "Пустые строки игнорируются", "Бос жолдар ескерілмейді"):
        assert fragment in text
    for name in spec.names.values():
        assert name in text
    for act in spec.activities:
        for lang in ("en", "ru", "kk"):
            assert catalog.activities[act].names[lang] in text
    for ref in spec.gpc_refs:
        assert catalog.cells[ref].subsector_names["kk"] in text
    header = next(r for r in ws.iter_rows(values_only=True) if list(r[: len(cols.ALL)]) == list(cols.ALL))
    assert header
    assert str(YEAR) in text


@pytest.mark.parametrize("code", list(PROVIDERS))
def test_filled_template_imports_as_is(tmp_path: Path, code: str, catalog) -> None:
    spec = PROVIDERS[code]
    path = _write(tmp_path, code)
    wb = load_workbook(path)
    ws = wb["data"]
    for i, ex in enumerate(spec.examples, start=2):
        cells = ex.as_row(YEAR)
        for j, column in enumerate(cols.ALL, start=1):
            if cells.get(column) is not None:
                ws.cell(i, j, cells[column])
    wb.save(path)

    result = validate_table(read_table(path), load_catalog(), "astana")
    records = result.records.sort("source_row")
    assert records.height == len(spec.examples)
    assert not result.duplicates
    for rec, ex in zip(records.iter_rows(named=True), spec.examples, strict=True):
        assert rec["city"] == "astana"
        assert rec["year"] == YEAR
        assert rec["gpc_ref"] == ex.gpc_ref
        assert rec["activity"] == catalog.resolve_activity(ex.activity) == ex.activity
        assert rec["amount"] == pytest.approx(ex.amount)
        assert rec["unit"] == ex.unit
        assert rec["facility"] == (ex.facility or None)


def test_alias_in_a_filled_template_is_reported_canonically(tmp_path: Path) -> None:
    path = _write(tmp_path, "transport_department")
    wb = load_workbook(path)
    wb["data"].append([YEAR, "II.1.1", "diesel", 12.5, "kt"])
    wb.save(path)
    records = validate_table(read_table(path), load_catalog(), "astana").records
    assert records["activity"].to_list() == ["gas_diesel_oil"]
    assert records["activity_as_written"].to_list() == ["diesel"]


@pytest.mark.parametrize("code", list(PROVIDERS))
def test_unfilled_template_is_a_clear_validation_error(tmp_path: Path, code: str) -> None:
    path = _write(tmp_path, code)
    with pytest.raises(ValidationFailed) as info:
        validate_table(read_table(path), load_catalog(), "astana")
    assert len(info.value.problems) == 1
    assert "at least one data row" in str(info.value.problems[0])


def test_unknown_provider(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="chp_plant") as info:
        write_template("bakery", tmp_path / "x.xlsx", catalog=load_catalog())
    assert isinstance(info.value, ValueError)
    assert "bakery" in str(info.value)
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="language"):
        write_template("chp_plant", tmp_path / "x.xlsx", catalog=load_catalog(), lang="de")


def test_default_year_and_nested_output_path(tmp_path: Path) -> None:
    path = tmp_path / "out" / "t.xlsx"
    write_template("waste_operator", path, catalog=load_catalog())
    assert load_workbook(path).sheetnames[0] == "data"
